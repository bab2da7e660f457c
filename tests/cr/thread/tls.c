/* tests/cr/thread/tls.c: __thread variables (initialized, zero-initialized and arrays) of
 * several threads keep their values across checkpoint/restart, and pthread_self() and
 * thread-specific keys still resolve to the same thread. */
#include "ct.h"

enum { kThreads = 6, kArray = 256 };

static __thread uint64_t tls_init = 0x1234567890abcdefull;
static __thread uint32_t tls_zero;
static __thread char tls_array[kArray];
static __thread void* tls_self;
static pthread_key_t key;
static volatile int go;
static int parked;
static int failures;

static void fill(uint32_t id) {
  tls_init ^= (uint64_t)id << 32;
  tls_zero = id * 7 + 1;
  for (int i = 0; i < kArray; ++i) {
    tls_array[i] = (char)(id * 31 + i);
  }
  tls_self = (void*)pthread_self();
  pthread_setspecific(key, (void*)(uintptr_t)(id + 1000));
}

static int check(uint32_t id) {
  int bad = 0;
  bad |= tls_init != (0x1234567890abcdefull ^ ((uint64_t)id << 32));
  bad |= tls_zero != id * 7 + 1;
  for (int i = 0; i < kArray; ++i) {
    bad |= tls_array[i] != (char)(id * 31 + i);
  }
  bad |= tls_self != (void*)pthread_self();
  bad |= pthread_getspecific(key) != (void*)(uintptr_t)(id + 1000);
  if (bad) {
    ct_log("thread %u: thread-local state changed", id);
  }
  return bad;
}

static void* worker(void* arg) {
  uint32_t id = (uint32_t)(uintptr_t)arg;
  fill(id);
  __atomic_add_fetch(&parked, 1, __ATOMIC_SEQ_CST);
  while (!__atomic_load_n(&go, __ATOMIC_SEQ_CST)) {
    ct_sleep_ms(10);
  }
  if (check(id)) {
    __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
  }
  return NULL;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  CT_CHECK(pthread_key_create(&key, NULL) == 0);
  pthread_t threads[kThreads];
  for (uintptr_t i = 0; i < kThreads; ++i) {
    CT_CHECK(pthread_create(&threads[i], NULL, worker, (void*)(i + 1)) == 0);
  }
  fill(0);
  while (__atomic_load_n(&parked, __ATOMIC_SEQ_CST) < kThreads) {
    ct_sleep_ms(5);
  }

  ct_checkpoint_point();

  CT_CHECK(check(0) == 0);
  __atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
  for (int i = 0; i < kThreads; ++i) {
    CT_CHECK(pthread_join(threads[i], NULL) == 0);
  }
  CT_CHECK(failures == 0);
  ct_pass();
}
