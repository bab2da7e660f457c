"""tests/cr/real/py_pool.py: a multiprocessing Pool of 2 workers (forked processes, pipes,
POSIX semaphores in unlinked /dev/shm files, the parent's task and result handler threads)
mapping a deterministic computation over 80 tasks of about 0.1 s each; prints one line per
finished task, in order, then a total. The workers also count their tasks in a shared
multiprocessing.Value (an unlinked /dev/shm arena file and a lock): after restarts the
count is exact only if that memory and its lock are still shared by the three processes."""
import multiprocessing
import time

TASKS = 80
counter = None


def init(shared):
    global counter
    counter = shared


def work(n):
    acc = n
    for i in range(150000):
        acc = (acc * 6364136223846793005 + i) % (1 << 61)
    with counter.get_lock():
        seen = counter.value
        time.sleep(0.005)  # widen the window: an unshared lock or counter loses updates
        counter.value = seen + 1
    time.sleep(0.05)
    return n, acc


def main():
    shared = multiprocessing.Value("q", 0)
    with multiprocessing.Pool(2, initializer=init, initargs=(shared,)) as pool:
        total = 0
        for n, acc in pool.imap(work, range(TASKS)):
            print(f"task {n} {acc}", flush=True)
            total = (total + acc) % (1 << 61)
    print(f"total {total}")
    print(f"counted {shared.value} of {TASKS}")
    print("PASS" if shared.value == TASKS else "FAIL: lost updates of the shared counter")


if __name__ == "__main__":
    main()
