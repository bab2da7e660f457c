#!/usr/bin/env python3
"""tests/unit/libckpt/check_exports.py: libckpt.so exports exactly the symbols listed in
libckpt/exports.txt (STYLE.md section 6), and has no constructor besides init.cc's.

  check_exports.py --lib libckpt.so --exports libckpt/exports.txt --init-array-entries N

Every other symbol is hidden; an exported name that is not listed (or a listed one that
is gone) is a change of the ABI that applications and plugins see, and must be deliberate:
update exports.txt in the same commit. The .init_array holds the one constructor of
libckpt/core/init.cc plus the toolchain's frame_dummy entry; a global with a constructor
would add one.
"""
import argparse
import subprocess
import sys


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True, text=True,
                         capture_output=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def init_array_entries(lib):
    out = subprocess.run(["readelf", "-SW", lib], check=True, text=True,
                         capture_output=True).stdout
    for line in out.splitlines():
        fields = line.replace("[ ", "[").split()
        if len(fields) > 6 and fields[1] == ".init_array":
            return int(fields[5], 16) // int(fields[6], 16)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lib", required=True)
    ap.add_argument("--exports", required=True)
    ap.add_argument("--init-array-entries", type=int, required=True)
    args = ap.parse_args()
    with open(args.exports) as f:
        listed = {line.strip() for line in f if line.strip() and not line.startswith("#")}
    have = exported(args.lib)
    ok = True
    for name in sorted(have - listed):
        print(f"FAIL: {args.lib} exports {name}, which {args.exports} does not list")
        ok = False
    for name in sorted(listed - have):
        print(f"FAIL: {args.exports} lists {name}, which {args.lib} does not export")
        ok = False
    n = init_array_entries(args.lib)
    if n != args.init_array_entries:
        print(f"FAIL: {args.lib} has {n} .init_array entries, expected "
              f"{args.init_array_entries}: only libckpt/core/init.cc may have a constructor")
        ok = False
    if ok:
        print(f"PASS: {len(have)} exported symbols as listed, {n} .init_array entries")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
