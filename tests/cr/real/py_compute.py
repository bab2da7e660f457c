# tests/cr/real/py_compute.py: a deterministic Python computation printing progress,
# checkpointed asynchronously (run by ckpt_test.py --cmd with --compare-native).
# Exercises the interpreter's heap, its allocator arenas and buffered stdout.
import sys
import time

STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 40


def step(i, state):
    primes = [n for n in range(2 + i * 500, 2 + (i + 1) * 500)
              if all(n % d for d in range(2, int(n ** 0.5) + 1))]
    state["primes"].extend(primes)
    state["words"][str(i)] = "-".join(str(p % 97) for p in primes[:8])
    return sum(primes) % 1000003


state = {"primes": [], "words": {}}
checksum = 0
for i in range(STEPS):
    checksum = (checksum * 31 + step(i, state)) % (1 << 61)
    print(f"step {i} primes={len(state['primes'])} checksum={checksum}")
    time.sleep(0.1)

again = {"primes": [], "words": {}}
redo = 0
for i in range(STEPS):
    redo = (redo * 31 + step(i, again)) % (1 << 61)
if redo != checksum or again != state:
    print(f"FAIL: recomputed checksum {redo} != {checksum}")
    sys.exit(1)
print("PASS")
