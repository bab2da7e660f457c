"""tests/cr/socket/redis_kv.py: a real server and a client, checkpointed together.

Starts redis-server (loopback, a free port, no persistence) as a child, then talks to it
over one raw-socket RESP connection: SET key:i, GET key:i, INCR counter, checking every
reply. A lost key, a lost command or a duplicated one (INCR would skip a number) fails.
The output is the same with and without checkpoints (compared with a native run)."""
import os
import socket
import subprocess
import sys
import time

N = 6000


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def command(sock, buf, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    while b"\r\n" not in buf[0]:
        buf[0] += recv(sock)
    line, rest = buf[0].split(b"\r\n", 1)
    if line[:1] == b"$":
        n = int(line[1:])
        while len(rest) < n + 2:
            rest += recv(sock)
        buf[0] = rest[n + 2:]
        return rest[:n].decode()
    buf[0] = rest
    if line[:1] == b"-":
        sys.exit(f"FAIL: redis error {line!r}")
    return line[1:].decode()


def recv(sock):
    data = sock.recv(65536)
    if not data:
        sys.exit("FAIL: redis closed the connection")
    return data


def connect(port):
    for _ in range(500):
        try:
            return socket.create_connection(("127.0.0.1", port))
        except OSError:
            time.sleep(0.01)
    sys.exit("FAIL: redis-server does not answer")


def main():
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sock = connect(port)
    buf = [b""]
    for i in range(N):
        if command(sock, buf, "SET", f"key:{i}", f"value-{i}") != "OK":
            sys.exit(f"FAIL: SET key:{i}")
        if command(sock, buf, "GET", f"key:{i}") != f"value-{i}":
            sys.exit(f"FAIL: GET key:{i}")
        if int(command(sock, buf, "INCR", "counter")) != i + 1:
            sys.exit(f"FAIL: INCR returned a wrong count at {i}")
        if i % 1000 == 0:
            print(f"ok {i}", flush=True)
        time.sleep(0.001)
    missing = [i for i in range(N) if command(sock, buf, "GET", f"key:{i}") != f"value-{i}"]
    print(f"keys {command(sock, buf, 'DBSIZE')} missing {len(missing)}", flush=True)
    try:
        command(sock, buf, "SHUTDOWN", "NOSAVE")
    except SystemExit:
        pass  # the server closes the connection as it goes
    try:
        server.wait(timeout=10)
    except (ChildProcessError, subprocess.TimeoutExpired):
        pass  # after a restart redis-server is no longer our child
    if missing:
        sys.exit(f"FAIL: {len(missing)} keys lost")
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
