/* plugins/pid/signal_wrappers.c: the sender's pid in received signals (si_pid) comes out
 * virtual. Wrapped: sigaction (an SA_SIGINFO handler is called through a trampoline that
 * translates its siginfo first; the application sees its own handler in the old action),
 * sigwaitinfo, sigtimedwait, signalfd and read (fds made by signalfd: ssi_pid), sigqueue
 * (pid in). waitid's si_pid is in wait_wrappers.c. si_uid is left alone (uids are not
 * virtual). Only signals whose si_pid is a pid are touched: sent by a process (SI_USER,
 * SI_QUEUE, SI_TKILL, SI_MESGQ) or SIGCHLD's CLD_* codes.
 * Not checkpoint-path: application threads and their signal handlers (the trampoline reads
 * the table without its lock, pid_table.h). */
#define _GNU_SOURCE 1
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "ckpt/plugin.h"
#include "pid_fd_marks.h"
#include "pid_table.h"

#define WRAPPER __attribute__((visibility("default")))
#define NSIGNALS 65

typedef void (*info_handler_t)(int, siginfo_t*, void*);
static info_handler_t g_app_handler[NSIGNALS];

static int sender_is_pid(int sig, int code) {
  if (code == SI_USER || code == SI_QUEUE || code == SI_TKILL || code == SI_MESGQ) return 1;
  return sig == SIGCHLD && code >= CLD_EXITED && code <= CLD_CONTINUED;
}

static void translate_info(siginfo_t* si) {
  if (si != NULL && si->si_pid > 0 && sender_is_pid(si->si_signo, si->si_code)) {
    si->si_pid = pid_to_virtual_in_handler(si->si_pid);
  }
}

static void trampoline(int sig, siginfo_t* si, void* uc) {
  info_handler_t h = sig > 0 && sig < NSIGNALS ? g_app_handler[sig] : NULL;
  translate_info(si);
  if (h != NULL) h(sig, si, uc);
}

static int wrappable(int sig, const struct sigaction* act) {
  return act != NULL && sig > 0 && sig < NSIGNALS && (act->sa_flags & SA_SIGINFO) &&
         act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN &&
         act->sa_sigaction != trampoline; /* an action read back raw: already ours */
}

WRAPPER int sigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  struct sigaction copy;
  const struct sigaction* use = act;
  info_handler_t before = sig > 0 && sig < NSIGNALS ? g_app_handler[sig] : NULL;
  if (wrappable(sig, act)) {
    copy = *act;
    copy.sa_sigaction = trampoline;
    use = &copy;
    g_app_handler[sig] = act->sa_sigaction; /* before the trampoline can run */
  }
  int r = CKPT_NEXT(sigaction)(sig, use, old);
  if (r == 0 && old != NULL && (old->sa_flags & SA_SIGINFO) && old->sa_sigaction == trampoline) {
    old->sa_sigaction = before;
  }
  if (r != 0 && use == &copy) g_app_handler[sig] = before;
  return r;
}

WRAPPER int sigwaitinfo(const sigset_t* set, siginfo_t* info) {
  int r = CKPT_NEXT(sigwaitinfo)(set, info);
  if (r > 0) translate_info(info);
  return r;
}

WRAPPER int sigtimedwait(const sigset_t* set, siginfo_t* info, const struct timespec* ts) {
  int r = CKPT_NEXT(sigtimedwait)(set, info, ts);
  if (r > 0) translate_info(info);
  return r;
}

WRAPPER int sigqueue(pid_t pid, int sig, const union sigval value) {
  return CKPT_NEXT(sigqueue)(pid_to_real(pid), sig, value);
}

WRAPPER int signalfd(int fd, const sigset_t* mask, int flags) {
  int r = CKPT_NEXT(signalfd)(fd, mask, flags);
  if (r >= 0) pid_fd_mark(r, PID_FD_SIGNALFD);
  return r;
}

static void translate_signalfd(void* buf, ssize_t len) {
  struct signalfd_siginfo* s = buf;
  for (ssize_t i = 0; i + (ssize_t)sizeof *s <= len; i += (ssize_t)sizeof *s, ++s) {
    if (s->ssi_pid > 0 && sender_is_pid((int)s->ssi_signo, s->ssi_code)) {
      s->ssi_pid = (uint32_t)pid_to_virtual((pid_t)s->ssi_pid);
    }
  }
}

WRAPPER ssize_t read(int fd, void* buf, size_t n) {
  ssize_t r = CKPT_NEXT(read)(fd, buf, n);
  if (r > 0 && pid_table()->count != 0 && pid_fd_is(fd, PID_FD_SIGNALFD)) {
    translate_signalfd(buf, r);
  }
  return r;
}
