/* tests/cr/thread/threads16.c: 16 threads blocked in different places at the checkpoint
 * (condvar wait, mutex futex, nanosleep loop, read() on a pipe, busy loop) all continue
 * after restart, are joined and return the right results. */
#include "ct.h"

enum { kPerKind = 3, kBusy = 4, kThreads = 4 * kPerKind + kBusy };

static pthread_mutex_t cond_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int cond_go;
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static volatile int stop;
static int started;
static int pipes[kPerKind][2];

static void arrived(void) { __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST); }

static uint64_t next(uint64_t x) { return x * 6364136223846793005ull + 1442695040888963407ull; }

static void* cond_waiter(void* arg) {
  pthread_mutex_lock(&cond_mu);
  arrived();
  while (!cond_go) {
    pthread_cond_wait(&cond, &cond_mu);
  }
  pthread_mutex_unlock(&cond_mu);
  return (void*)(uintptr_t)(100 + (uintptr_t)arg);
}

static void* mutex_waiter(void* arg) {
  arrived();
  pthread_mutex_lock(&held); /* main holds it across the checkpoint: blocks in futex */
  pthread_mutex_unlock(&held);
  return (void*)(uintptr_t)(200 + (uintptr_t)arg);
}

static void* sleeper(void* arg) {
  arrived();
  unsigned naps = 0;
  while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
    ct_sleep_ms(20);
    ++naps;
  }
  return (void*)(uintptr_t)(naps > 0 ? 300 + (uintptr_t)arg : 0);
}

static void* reader(void* arg) {
  uintptr_t i = (uintptr_t)arg;
  arrived();
  char c = 0;
  ssize_t n;
  do {
    n = read(pipes[i][0], &c, 1); /* a restart may interrupt it: retry on EINTR */
  } while (n < 0 && errno == EINTR);
  return (void*)(uintptr_t)(n == 1 && c == (char)('a' + i) ? 400 + i : 0);
}

static void* spinner(void* arg) {
  uint64_t x = (uintptr_t)arg + 1, n = 0;
  arrived();
  while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
    x = next(x);
    ++n;
  }
  uint64_t y = (uintptr_t)arg + 1;
  for (uint64_t k = 0; k < n; ++k) {
    y = next(y);
  }
  return (void*)(uintptr_t)(x == y && n > 0 ? 500 + (uintptr_t)arg : 0);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  void* (*kinds[])(void*) = {cond_waiter, mutex_waiter, sleeper, reader};
  pthread_t threads[kThreads];
  uintptr_t expect[kThreads];
  pthread_mutex_lock(&held);
  for (int i = 0; i < kPerKind; ++i) {
    CT_CHECK(pipe(pipes[i]) == 0);
  }
  for (int t = 0; t < kThreads; ++t) {
    int kind = t < 4 * kPerKind ? t / kPerKind : 4;
    uintptr_t idx = t < 4 * kPerKind ? (uintptr_t)(t % kPerKind) : (uintptr_t)(t - 4 * kPerKind);
    expect[t] = 100 * (uintptr_t)(kind + 1) + idx;
    CT_CHECK(pthread_create(&threads[t], NULL, kind < 4 ? kinds[kind] : spinner,
                            (void*)idx) == 0);
  }
  while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < kThreads) {
    ct_sleep_ms(5);
  }
  ct_sleep_ms(100); /* let the waiters reach their blocking calls */

  ct_checkpoint_point();

  pthread_mutex_lock(&cond_mu);
  cond_go = 1;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&cond_mu);
  pthread_mutex_unlock(&held);
  for (int i = 0; i < kPerKind; ++i) {
    char c = (char)('a' + i);
    CT_CHECK(write(pipes[i][1], &c, 1) == 1);
  }
  ct_sleep_ms(50);
  __atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
  for (int t = 0; t < kThreads; ++t) {
    void* ret = NULL;
    CT_CHECK(pthread_join(threads[t], &ret) == 0);
    if ((uintptr_t)ret != expect[t]) {
      ct_fail("thread %d returned %lu, expected %lu", t, (unsigned long)(uintptr_t)ret,
              (unsigned long)expect[t]);
    }
  }
  ct_pass();
}
