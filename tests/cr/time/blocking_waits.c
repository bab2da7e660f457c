/* tests/cr/time/blocking_waits.c: a checkpoint (or a restart) does not make a blocking wait
 * fail with EINTR. One thread per kind sleeps or waits in a loop with a short timeout, as
 * an unmodified program would, without retrying after EINTR: nanosleep, clock_nanosleep,
 * usleep, sleep, poll, ppoll, select, epoll_wait, sigtimedwait, sem_timedwait. Each call
 * must time out normally (return 0 / the timeout value) across any number of checkpoints.
 * A signal of the application's own still interrupts: a thread blocked in poll with no
 * timeout gets SIGUSR1 (handler without SA_RESTART) after the restart and must see EINTR. */
#include "ct.h"

#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

enum { kKinds = 10 };
static const char* const kNames[kKinds] = {"nanosleep", "clock_nanosleep", "usleep", "sleep",
                                           "poll", "ppoll", "select", "epoll_wait",
                                           "sigtimedwait", "sem_timedwait"};
static volatile int g_stop;
static long g_calls[kKinds];
static int g_epoll_fd;
static sem_t g_sem;

static const struct timespec kShort = {0, 20 * 1000 * 1000};

static int timed_out_sem(void) {
  struct timespec deadline;
  CT_CHECK(clock_gettime(CLOCK_REALTIME, &deadline) == 0);
  deadline.tv_nsec += kShort.tv_nsec;
  if (deadline.tv_nsec >= 1000000000) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000;
  }
  return sem_timedwait(&g_sem, &deadline) == -1 && errno == ETIMEDOUT;
}

/* One bounded wait of the given kind; 1 when it ended the way it would without ckpt. */
static int wait_once(int kind) {
  struct timeval tv = {0, 20000};
  struct epoll_event ev;
  sigset_t set;
  switch (kind) {
    case 0: return nanosleep(&kShort, NULL) == 0;
    case 1: return clock_nanosleep(CLOCK_MONOTONIC, 0, &kShort, NULL) == 0;
    case 2: return usleep(20000) == 0;
    case 3: return sleep(1) == 0;
    case 4: return poll(NULL, 0, 20) == 0;
    case 5: return ppoll(NULL, 0, &kShort, NULL) == 0;
    case 6: return select(0, NULL, NULL, NULL, &tv) == 0;
    case 7: return epoll_wait(g_epoll_fd, &ev, 1, 20) == 0;
    case 8:
      sigemptyset(&set);
      sigaddset(&set, SIGUSR2); /* blocked in every thread, never sent */
      return sigtimedwait(&set, NULL, &kShort) == -1 && errno == EAGAIN;
    default: return timed_out_sem();
  }
}

static void* waiter(void* arg) {
  int kind = (int)(long)arg;
  while (!g_stop) {
    int err = errno = 0;
    if (!wait_once(kind)) {
      err = errno;
      ct_fail("%s returned early (errno %d) after %ld calls", kNames[kind], err,
              g_calls[kind]);
    }
    __atomic_add_fetch(&g_calls[kind], 1, __ATOMIC_RELAXED);
  }
  return NULL;
}

static void on_usr1(int sig) { (void)sig; }

static void* app_signal_target(void* arg) {
  (void)arg;
  struct pollfd none = {.fd = -1};
  int rc = poll(&none, 1, -1);
  return (void*)(long)(rc == -1 && errno == EINTR);
}

static void check_app_signal_interrupts(void) {
  struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART */
  CT_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  pthread_t t;
  CT_CHECK(pthread_create(&t, NULL, app_signal_target, NULL) == 0);
  ct_sleep_ms(100);
  CT_CHECK(pthread_kill(t, SIGUSR1) == 0);
  void* interrupted = NULL;
  CT_CHECK(pthread_join(t, &interrupted) == 0);
  if (!interrupted) ct_fail("the application's own SIGUSR1 did not interrupt poll with EINTR");
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  CT_CHECK(pthread_sigmask(SIG_BLOCK, &usr2, NULL) == 0);
  CT_CHECK((g_epoll_fd = epoll_create1(EPOLL_CLOEXEC)) >= 0);
  CT_CHECK(sem_init(&g_sem, 0, 0) == 0);
  pthread_t threads[kKinds];
  for (long k = 0; k < kKinds; ++k) {
    CT_CHECK(pthread_create(&threads[k], NULL, waiter, (void*)k) == 0);
  }
  ct_sleep_ms(300);
  ct_checkpoint_point();
  ct_sleep_ms(1500); /* every kind, sleep(1) too, completes calls after the restart */
  g_stop = 1;
  for (int k = 0; k < kKinds; ++k) CT_CHECK(pthread_join(threads[k], NULL) == 0);
  for (int k = 0; k < kKinds; ++k) {
    if (g_calls[k] < 1) ct_fail("%s completed no call", kNames[k]);
  }
  check_app_signal_interrupts();
  ct_pass();
}
