#!/usr/bin/env python3
"""Barrier round latency of the coordinator with many simulated members on loopback.

Usage: coordinator_barrier_bench.py [--coordinator PATH] [--members N] [--rounds R]
Starts PATH (default: build/bin/ckpt-coordinator-test) on port 0, connects N fake members
speaking coordinator/protocol.h, then times R full checkpoint rounds (kCheckpoint, three
barriers, kWritten, commit with index.h5, three barriers). Prints one JSON object per round.
Timings are never asserted (STYLE.md section 11).
"""
import argparse
import json
import os
import selectors
import socket
import struct
import subprocess
import sys
import tempfile
import time

MAGIC, VERSION = 0x54504B43, 1
HELLO, WELCOME, CHECKPOINT, BARRIER, RELEASE, WRITTEN, COMMITTED, ABORT = 1, 2, 3, 4, 5, 6, 7, 8
COMMAND, REPLY = 20, 21
HDR = struct.Struct("<IHHII")


def msg(mtype, payload):
    return HDR.pack(MAGIC, mtype, VERSION, len(payload), 0) + payload


def hello(pid):
    head = struct.pack("<iiiIQiiIi", pid, 1, os.getuid(), 0, 0, 0, 0, 0, -1)
    return msg(HELLO, head + b"benchhost".ljust(64, b"\0") + b"/bench".ljust(256, b"\0")
               + b"bench".ljust(128, b"\0") + b"".ljust(512, b"\0") + b"".ljust(64, b"\0"))


class Member:
    def __init__(self, port, pid):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.sock.sendall(hello(pid))

    def recv_msg(self):
        while True:
            if len(self.buf) >= HDR.size:
                _, mtype, _, length, _ = HDR.unpack_from(self.buf)
                if len(self.buf) >= HDR.size + length:
                    payload = self.buf[HDR.size:HDR.size + length]
                    self.buf = self.buf[HDR.size + length:]
                    return mtype, payload
            data = self.sock.recv(65536)
            if not data:
                raise RuntimeError("coordinator closed a member connection")
            self.buf += data


def expect_all(members, mtype):
    payloads = []
    for m in members:
        got, payload = m.recv_msg()
        if got != mtype:
            raise RuntimeError(f"expected message {mtype}, got {got}: {payload[:200]!r}")
        payloads.append(payload)
    return payloads


def barrier(members, name):
    data = msg(BARRIER, name.encode().ljust(64, b"\0"))
    t0 = time.perf_counter()
    for m in members:
        m.sock.sendall(data)
    expect_all(members, RELEASE)
    return time.perf_counter() - t0


def command(port, code, flags=0):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(msg(COMMAND, struct.pack("<IIq", code, flags, 0) + b"".ljust(64, b"\0")))
    return s


def cpu_seconds(pid):
    """User + system CPU time of the coordinator process so far."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_round(members, port):
    t0 = time.perf_counter()
    command(port, 1).close()
    ck = expect_all(members, CHECKPOINT)
    directory = ck[0][16:16 + 1024].split(b"\0")[0].decode()
    steps = {n: barrier(members, n) for n in ("suspended", "leader_election", "drain")}
    t_write = time.perf_counter()
    for i, m in enumerate(members):
        name = f"m{i}.ckpt"
        open(os.path.join(directory, name), "wb").close()
        m.sock.sendall(msg(WRITTEN, name.encode().ljust(256, b"\0")
                           + struct.pack("<QIIQ", 0, 0, 1, 0) + b"".ljust(256, b"\0")))
    expect_all(members, COMMITTED)
    steps["commit"] = time.perf_counter() - t_write
    steps.update({n: barrier(members, n) for n in ("refilled", "name_service", "resumed")})
    return time.perf_counter() - t0, steps


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--coordinator", default=os.path.join(here, "..", "build", "bin",
                                                          "ckpt-coordinator-test"))
    ap.add_argument("--members", type=int, default=4096)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ckpt-barrier-bench.") as tmp:
        port_file = os.path.join(tmp, "port")
        proc = subprocess.Popen([args.coordinator, "--port", "0", "--bind", "127.0.0.1",
                                 "--port-file", port_file, "--ckptdir", tmp, "--keep", "1",
                                 "--job-id", "bench", "--log-file", os.path.join(tmp, "log")])
        try:
            for _ in range(500):
                if os.path.exists(port_file):
                    break
                time.sleep(0.01)
            port = int(open(port_file).read())
            t0 = time.perf_counter()
            members = [Member(port, 10000 + i) for i in range(args.members)]
            expect_all(members, WELCOME)
            join_s = time.perf_counter() - t0
            for r in range(args.rounds):
                cpu0 = cpu_seconds(proc.pid)
                total, steps = one_round(members, port)
                steps["coordinator_cpu"] = cpu_seconds(proc.pid) - cpu0
                print(json.dumps({"bench": "coordinator_barrier", "members": args.members,
                                  "round": r + 1, "join_seconds": round(join_s, 4),
                                  "round_seconds": round(total, 4),
                                  "steps": {k: round(v, 4) for k, v in steps.items()}}))
            for m in members:
                m.sock.close()
        finally:
            command(port, 5).close() if 'port' in locals() else None
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
