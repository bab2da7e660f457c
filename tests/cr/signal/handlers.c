/* tests/cr/signal/handlers.c: signal state survives checkpoint/restart: sigaction handlers
 * and flags, an ignored signal, a blocked signal pending across the checkpoint (delivered
 * once after unblock), sigaltstack, and per-thread signal masks. */
#include "ct.h"

static volatile sig_atomic_t usr1_count, usr2_count, usr1_on_altstack;
static char altstack[1 << 16];
static volatile int go;
static int thread_mask_ok = -1;

static void on_usr1(int sig, siginfo_t* info, void* uctx) {
  (void)uctx;
  char here;
  usr1_on_altstack = &here >= altstack && &here < altstack + sizeof altstack;
  usr1_count += sig == SIGUSR1 && info->si_signo == SIGUSR1;
}

static void on_usr2(int sig) { usr2_count += sig == SIGUSR2; }

static sigset_t thread_set(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGWINCH);
  sigaddset(&set, SIGUSR2); /* else this thread would take the process-directed SIGUSR2 */
  return set;
}

static void* masked_thread(void* arg) {
  (void)arg;
  sigset_t want = thread_set(), now;
  pthread_sigmask(SIG_SETMASK, &want, NULL);
  while (!__atomic_load_n(&go, __ATOMIC_SEQ_CST)) {
    ct_sleep_ms(10);
  }
  pthread_sigmask(SIG_SETMASK, NULL, &now);
  thread_mask_ok = sigismember(&now, SIGHUP) && sigismember(&now, SIGWINCH) &&
                   sigismember(&now, SIGUSR2) && !sigismember(&now, SIGUSR1);
  return NULL;
}

static void install(void) {
  struct sigaction sa = {0};
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaddset(&sa.sa_mask, SIGTERM);
  CT_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  struct sigaction sb = {0};
  sb.sa_handler = on_usr2;
  sb.sa_flags = SA_RESTART;
  CT_CHECK(sigaction(SIGUSR2, &sb, NULL) == 0);
  CT_CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  CT_CHECK(sigaltstack(&ss, NULL) == 0);
}

static void check_handlers(void) {
  struct sigaction sa;
  CT_CHECK(sigaction(SIGUSR1, NULL, &sa) == 0);
  CT_CHECK(sa.sa_sigaction == on_usr1);
  CT_CHECK((sa.sa_flags & (SA_SIGINFO | SA_ONSTACK)) == (SA_SIGINFO | SA_ONSTACK));
  CT_CHECK(sigismember(&sa.sa_mask, SIGTERM));
  CT_CHECK(sigaction(SIGUSR2, NULL, &sa) == 0);
  CT_CHECK(sa.sa_handler == on_usr2 && (sa.sa_flags & SA_RESTART));
  CT_CHECK(sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN);
  stack_t ss;
  CT_CHECK(sigaltstack(NULL, &ss) == 0);
  CT_CHECK(ss.ss_sp == altstack && ss.ss_size == sizeof altstack);
  CT_CHECK(!(ss.ss_flags & SS_DISABLE));
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  install();
  sigset_t block, pending;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR2);
  CT_CHECK(pthread_sigmask(SIG_BLOCK, &block, NULL) == 0);
  pthread_t thread;
  CT_CHECK(pthread_create(&thread, NULL, masked_thread, NULL) == 0);
  CT_CHECK(kill(getpid(), SIGUSR2) == 0); /* process-directed, stays pending */
  CT_CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR2));

  ct_checkpoint_point();

  check_handlers();
  CT_CHECK(sigpending(&pending) == 0);
  if (!sigismember(&pending, SIGUSR2)) {
    ct_fail("SIGUSR2 no longer pending after the checkpoint");
  }
  CT_CHECK(usr2_count == 0);
  CT_CHECK(pthread_sigmask(SIG_UNBLOCK, &block, NULL) == 0);
  CT_CHECK(usr2_count == 1); /* delivered on unblock, exactly once */
  CT_CHECK(raise(SIGUSR1) == 0);
  CT_CHECK(usr1_count == 1 && usr1_on_altstack);
  CT_CHECK(raise(SIGPIPE) == 0); /* still ignored: we survive */
  __atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
  CT_CHECK(pthread_join(thread, NULL) == 0);
  CT_CHECK(thread_mask_ok == 1);
  ct_pass();
}
