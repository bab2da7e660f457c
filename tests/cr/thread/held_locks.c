/* tests/cr/thread/held_locks.c: locks held across a checkpoint are released after restart.
 * glibc records the writer of an rwlock and the owner of an error-checking or recursive
 * mutex as the tid cached in the thread block, and unlock compares with it. If a restored
 * thread came back with another tid, its unlock would fail (EPERM) or release a write lock
 * as a read lock, and the next locker would wait forever. The main thread (its tid is the
 * pid) and a second thread each hold locks at the checkpoint. */
#include <stdatomic.h>

#include "ct.h"

static pthread_mutex_t g_errcheck;
static pthread_mutex_t g_recursive;
static pthread_rwlock_t g_rw_worker = PTHREAD_RWLOCK_INITIALIZER;
static pthread_rwlock_t g_rw_main = PTHREAD_RWLOCK_INITIALIZER;
static atomic_int g_holding;
static atomic_int g_release;

static void init_mutex(pthread_mutex_t* m, int type) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_settype(&a, type);
  CT_CHECK(pthread_mutex_init(m, &a) == 0);
  pthread_mutexattr_destroy(&a);
}

static void* worker(void* arg) {
  (void)arg;
  CT_CHECK(pthread_mutex_lock(&g_errcheck) == 0);
  CT_CHECK(pthread_mutex_lock(&g_recursive) == 0);
  CT_CHECK(pthread_mutex_lock(&g_recursive) == 0);
  CT_CHECK(pthread_rwlock_wrlock(&g_rw_worker) == 0);
  atomic_store(&g_holding, 1);
  while (!atomic_load(&g_release)) ct_sleep_ms(5);
  int rc = pthread_mutex_unlock(&g_errcheck);
  if (rc != 0) ct_fail("error-checking mutex unlock after restart: %s", strerror(rc));
  for (int i = 0; i < 2; ++i) {
    rc = pthread_mutex_unlock(&g_recursive);
    if (rc != 0) ct_fail("recursive mutex unlock %d after restart: %s", i, strerror(rc));
  }
  CT_CHECK(pthread_rwlock_unlock(&g_rw_worker) == 0);
  /* The main thread's write lock, released by it after the restart. */
  CT_CHECK(pthread_rwlock_rdlock(&g_rw_main) == 0);
  CT_CHECK(pthread_rwlock_unlock(&g_rw_main) == 0);
  return NULL;
}

/* A write lock that must be free now: a timed attempt, so a stuck lock fails, not hangs. */
static void expect_free(pthread_rwlock_t* rw, const char* what) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 5;
  int rc = pthread_rwlock_timedwrlock(rw, &until);
  if (rc != 0) ct_fail("%s still held after its owner released it: %s", what, strerror(rc));
  CT_CHECK(pthread_rwlock_unlock(rw) == 0);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  init_mutex(&g_errcheck, PTHREAD_MUTEX_ERRORCHECK);
  init_mutex(&g_recursive, PTHREAD_MUTEX_RECURSIVE);
  CT_CHECK(pthread_rwlock_wrlock(&g_rw_main) == 0);
  pthread_t t;
  CT_CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
  while (!atomic_load(&g_holding)) ct_sleep_ms(1);
  ct_checkpoint_point();
  int rc = pthread_rwlock_unlock(&g_rw_main);
  if (rc != 0) ct_fail("main thread's rwlock unlock after restart: %s", strerror(rc));
  atomic_store(&g_release, 1);
  CT_CHECK(pthread_join(t, NULL) == 0);
  expect_free(&g_rw_worker, "the worker's rwlock write lock");
  expect_free(&g_rw_main, "the main thread's rwlock write lock");
  CT_CHECK(pthread_mutex_trylock(&g_errcheck) == 0);
  CT_CHECK(pthread_mutex_unlock(&g_errcheck) == 0);
  ct_log("locks held at checkpoint released after restart");
  ct_pass();
}
