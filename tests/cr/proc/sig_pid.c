/* tests/cr/proc/sig_pid.c
 * After restart, signals from a child carry the child's pid as the parent saw it from
 * fork(): si_pid of an SA_SIGINFO handler (kill, and SIGCHLD when the child exits), ssi_pid
 * read from a signalfd (sigqueue), si_pid from sigtimedwait and waitid; si_uid is getuid(). */
#include "ct.h" /* first: it defines _GNU_SOURCE */

#include <sys/signalfd.h>
#include <sys/wait.h>

static volatile pid_t g_usr1_pid, g_chld_pid;
static volatile uid_t g_usr1_uid = (uid_t)-1;

static void on_usr1(int sig, siginfo_t* si, void* uc) {
  (void)sig, (void)uc;
  g_usr1_uid = si->si_uid;
  g_usr1_pid = si->si_pid;
}

static void on_chld(int sig, siginfo_t* si, void* uc) {
  (void)sig, (void)uc;
  if (si->si_code == CLD_EXITED) g_chld_pid = si->si_pid;
}

static void install(int sig, void (*fn)(int, siginfo_t*, void*)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  CT_CHECK(sigaction(sig, &sa, NULL) == 0);
  struct sigaction back;
  CT_CHECK(sigaction(sig, NULL, &back) == 0 && back.sa_sigaction == fn);
}

static void wait_flag(volatile pid_t* flag, const char* what) {
  for (int i = 0; i < 500 && *flag == 0; ++i)
    ct_sleep_ms(10);
  if (*flag == 0) ct_fail("no %s within 5 s", what);
}

static void expect(const char* what, long got, long want) {
  if (got != want) ct_fail("%s: %ld, want %ld", what, got, want);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  install(SIGUSR1, on_usr1);
  install(SIGCHLD, on_chld);
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGUSR2);
  sigaddset(&blocked, SIGALRM);
  CT_CHECK(sigprocmask(SIG_BLOCK, &blocked, NULL) == 0);
  sigset_t only_usr2;
  sigemptyset(&only_usr2);
  sigaddset(&only_usr2, SIGUSR2);
  int sfd = signalfd(-1, &only_usr2, SFD_CLOEXEC);
  CT_CHECK(sfd >= 0);
  pid_t child = fork();
  CT_CHECK(child >= 0);
  if (child == 0) {
    ct_checkpoint_point();
    union sigval v = {.sival_int = 42};
    CT_CHECK(kill(getppid(), SIGUSR1) == 0);
    CT_CHECK(sigqueue(getppid(), SIGUSR2, v) == 0);
    CT_CHECK(kill(getppid(), SIGALRM) == 0);
    _exit(0);
  }

  ct_checkpoint_point();

  wait_flag(&g_usr1_pid, "SIGUSR1");
  expect("SA_SIGINFO si_pid", g_usr1_pid, child);
  expect("SA_SIGINFO si_uid", (long)g_usr1_uid, (long)getuid());
  struct signalfd_siginfo ssi;
  CT_CHECK(read(sfd, &ssi, sizeof ssi) == (ssize_t)sizeof ssi);
  expect("signalfd ssi_pid", (long)ssi.ssi_pid, child);
  expect("signalfd ssi_int", ssi.ssi_int, 42);
  sigset_t only_alrm;
  sigemptyset(&only_alrm);
  sigaddset(&only_alrm, SIGALRM);
  struct timespec ts = {5, 0};
  siginfo_t si;
  CT_CHECK(sigtimedwait(&only_alrm, &si, &ts) == SIGALRM);
  expect("sigtimedwait si_pid", si.si_pid, child);
  memset(&si, 0, sizeof si);
  CT_CHECK(waitid(P_PID, (id_t)child, &si, WEXITED) == 0);
  expect("waitid si_pid", si.si_pid, child);
  expect("child exit status", si.si_status, 0);
  wait_flag(&g_chld_pid, "SIGCHLD");
  expect("SIGCHLD si_pid", g_chld_pid, child);
  ct_log("si_pid of every signal from child %d was right", (int)child);
  ct_pass();
}
