"""tests/cr/real/py_pool.py: a multiprocessing Pool of 2 workers (forked processes, pipes,
a POSIX semaphore in /dev/shm) mapping a deterministic computation over 40 tasks of
about 0.1 s each; prints one line per finished task, in order, then a total."""
import multiprocessing
import time


def work(n):
    acc = n
    for i in range(150000):
        acc = (acc * 6364136223846793005 + i) % (1 << 61)
    time.sleep(0.05)
    return n, acc


def main():
    with multiprocessing.Pool(2) as pool:
        total = 0
        for n, acc in pool.imap(work, range(40)):
            print(f"task {n} {acc}", flush=True)
            total = (total + acc) % (1 << 61)
    print(f"total {total}")
    print("PASS")


if __name__ == "__main__":
    main()
