"""The machine's own limits, measured in the same run as ckpt (benchmarks/README.md):
dd with fsync, page-cache write, warm and cold read, memcpy, and the per-image baselines
(dd of an image's bytes with fsync, `cat` of an image, `gzip -1` of an image).
Python standard library only.
"""
import datetime
import json
import mmap
import os
import platform
import subprocess
import time

from bench_session import STEP_TIMEOUT, BenchError, remove

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


MADV_POPULATE_WRITE = 23  # Linux 5.14; not in Python's mmap module

def read_first(path, prefix):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def machine_info():
    mem = read_first("/proc/meminfo", "MemTotal")
    return {
        "hostname": platform.node(),
        "nproc": os.cpu_count(),
        "mem_total_kib": int(mem.split()[0]) if mem else None,
        "kernel": platform.release(),
        "cpu_model": read_first("/proc/cpuinfo", "model name"),
    }


def git_revision():
    try:
        rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return {"git_rev": None, "git_dirty": None}
    return {"git_rev": rev.stdout.strip() or None, "git_dirty": bool(dirty.stdout.strip())}


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def timed(cmd, stdout=subprocess.DEVNULL):
    """Wall time of cmd; raises BenchError if it fails."""
    t0 = time.monotonic()
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=STEP_TIMEOUT)
    seconds = time.monotonic() - t0
    if proc.returncode != 0:
        raise BenchError("%s failed: %s" % (" ".join(cmd), proc.stderr.strip()[-300:]))
    return seconds


def rate(size_mib, seconds):
    return {"size_mib": size_mib, "seconds": round(seconds, 6),
            "mib_per_s": round(size_mib / seconds, 1) if seconds > 0 else None}


def make_random_file(path, size_mib):
    """A file of random bytes, fsynced so that no writeback overlaps the probes after it."""
    with open(path, "wb") as f:
        for _ in range(size_mib):
            f.write(os.urandom(1 << 20))
        f.flush()
        os.fsync(f.fileno())


def drop_from_cache(path):
    """Evicts a file's clean pages from the page cache (this file only, no root needed)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def probe_disk(scratch, size_mib, rep):
    """dd with fsync (zeros, random data), page-cache write without fsync, warm and cold read."""
    target = os.path.join(scratch, "dd.out")
    random_src = os.path.join(scratch, "random.src")
    dd = ["dd", "of=" + target, "bs=1M", "count=%d" % size_mib, "status=none"]
    results = {}
    try:
        results["dd_zero_fsync"] = timed(dd + ["if=/dev/zero", "conv=fsync"])
        remove(target)
        make_random_file(random_src, size_mib)
        results["dd_random_fsync"] = timed(dd + ["if=" + random_src, "conv=fsync"])
        remove(target)
        results["dd_zero_pagecache"] = timed(dd + ["if=/dev/zero"])
        remove(target)  # drops the dirty pages: nothing is written back later
        results["warm_read_1"] = timed(["cat", random_src])
        results["warm_read_2"] = timed(["cat", random_src])
        drop_from_cache(random_src)
        results["cold_read"] = timed(["cat", random_src])
    finally:
        remove(target)
        remove(random_src)
    return [dict(benchmark=name, repeat=rep, **rate(size_mib, s)) for name, s in results.items()]


def probe_memcpy(tool, quick):
    mib, repeats = (64, 2) if quick else (1024, 5)
    out = subprocess.run([tool, str(mib), str(repeats)],
                         capture_output=True, text=True, timeout=STEP_TIMEOUT)
    if out.returncode != 0:
        raise BenchError("memcpy_bw failed: %s" % out.stderr.strip())
    data = json.loads(out.stdout)
    return [dict(benchmark="memcpy", repeats=data["repeats"], **rate(mib, data["best_seconds"]))]


# --- baselines on one image file, same run, same bytes -----------------------------------------

def dd_copy_fsync(image, scratch):
    """`dd if=IMAGE of=F bs=1M conv=fsync`: the disk's time for exactly the image's bytes."""
    target = os.path.join(scratch, "dd-image.out")
    try:
        return timed(["dd", "if=" + image, "of=" + target, "bs=1M", "conv=fsync", "status=none"])
    finally:
        remove(target)


def dd_copy_direct(image, scratch):
    """`dd if=IMAGE of=F bs=16M oflag=direct conv=fsync`: the same bytes, past the page cache
    (the disk's raw write speed; steadier than buffered dd on a noisy virtual disk)."""
    target = os.path.join(scratch, "dd-image.out")
    try:
        return timed(["dd", "if=" + image, "of=" + target, "bs=16M", "oflag=direct",
                      "conv=fsync", "status=none"])
    finally:
        remove(target)


def warm_cat(image):
    """`cat IMAGE > /dev/null` twice; the second (warm) time."""
    timed(["cat", image])
    return timed(["cat", image])


def read_into_fresh_memory(image, huge=False):
    """Reads IMAGE (warm in the page cache) into newly mapped anonymous memory, 64 MiB per
    read(2), one thread: what an eager restart must do at least (fault in and zero every
    page, then copy), unlike `cat`, which reuses one buffer. With huge=True the mapping is
    first given madvise(MADV_HUGEPAGE) and pre-faulted (MADV_POPULATE_WRITE), as the restart
    loader does, so the kernel hands out 2 MiB pages where the system's THP mode allows it
    (thp_mode()); a plain read(2) into a huge-page-advised mapping is much slower here.
    Returns seconds."""
    size = os.path.getsize(image)
    if size == 0:
        return 0.0
    t0 = time.monotonic()
    buf = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    try:
        if huge:
            buf.madvise(mmap.MADV_HUGEPAGE)
            try:
                buf.madvise(MADV_POPULATE_WRITE)
            except OSError:  # before Linux 5.14: the read faults the pages in
                pass
        view = memoryview(buf)
        with open(image, "rb", buffering=0) as f:
            done = 0
            while done < size:
                n = f.readinto(view[done:done + (64 << 20)])
                if not n:
                    break
                done += n
        view.release()
        return time.monotonic() - t0
    finally:
        buf.close()


def thp_mode():
    """The selected word of /sys/kernel/mm/transparent_hugepage/enabled ("always",
    "madvise", "never"), or "" where there is no such file."""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            text = f.read()
    except OSError:
        return ""
    start, end = text.find("["), text.find("]")
    return text[start + 1:end] if 0 <= start < end else ""


def gzip_fast(image):
    """`gzip -1 -c IMAGE` (single-threaded); returns (seconds, compressed bytes). The output
    goes to a pipe that is only counted, so the time is gzip's."""
    t0 = time.monotonic()
    proc = subprocess.Popen(["gzip", "-1", "-c", image], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    count = 0
    try:
        while True:
            chunk = proc.stdout.read(1 << 20)
            if not chunk:
                break
            count += len(chunk)
        rc = proc.wait(timeout=STEP_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    if rc != 0:
        raise BenchError("gzip -1 %s exited %d" % (image, rc))
    return time.monotonic() - t0, count
