// libckpt/core/signal_wrappers.cc: keeps the suspend signal for libckpt. The application's
// own handler for that signal is recorded but not installed, and the signal is never
// blocked on its behalf, so a checkpoint cannot be held up by an application's mask.
// Wrapped: sigaction, signal, sigprocmask, pthread_sigmask, sigsuspend.
// Not checkpoint-path: these run in application threads, never while threads are parked.
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "core/runtime.h"
#include "core/term_guard.h"
#include "core/next_fn.h"
#include "core/thread_suspend.h"

namespace ckpt {
namespace {

struct sigaction g_app_action;  // what the application believes is installed

bool ours(int sig) { return rt().cfg.signal != 0 && sig == rt().cfg.signal; }

// Copies `set` without the suspend signal when it would block it.
const sigset_t* filtered(int how, const sigset_t* set, sigset_t* copy) {
  if (set == nullptr || how == SIG_UNBLOCK || rt().cfg.signal == 0 ||
      !sigismember(set, rt().cfg.signal)) {
    return set;
  }
  *copy = *set;
  sigdelset(copy, rt().cfg.signal);
  return copy;
}

}  // namespace
}  // namespace ckpt

using ckpt::filtered;
using ckpt::next_fn;
using ckpt::ours;

extern "C" __attribute__((visibility("default"))) int sigaction(int sig,
                                                                const struct sigaction* act,
                                                                struct sigaction* old) {
  static int (*real)(int, const struct sigaction*, struct sigaction*);
  if (ckpt::term_guard::virtualized(sig)) {  // SIGTERM is held for a checkpoint first
    if (old != nullptr) *old = *ckpt::term_guard::app_action();
    if (act != nullptr) *ckpt::term_guard::app_action() = *act;
    return 0;
  }
  if (!ours(sig)) return next_fn(&real, "sigaction")(sig, act, old);
  if (old != nullptr) *old = ckpt::g_app_action;
  if (act != nullptr) ckpt::g_app_action = *act;
  return 0;
}

extern "C" __attribute__((visibility("default"))) sighandler_t signal(int sig, sighandler_t h) {
  static sighandler_t (*real)(int, sighandler_t);
  if (ckpt::term_guard::virtualized(sig)) {
    sighandler_t old = ckpt::term_guard::app_action()->sa_handler;
    ckpt::term_guard::app_action()->sa_handler = h;
    ckpt::term_guard::app_action()->sa_flags = SA_RESTART;
    return old;
  }
  if (!ours(sig)) return next_fn(&real, "signal")(sig, h);
  sighandler_t old = ckpt::g_app_action.sa_handler;
  ckpt::g_app_action.sa_handler = h;
  return old;
}

extern "C" __attribute__((visibility("default"))) int sigprocmask(int how, const sigset_t* set,
                                                                  sigset_t* old) {
  static int (*real)(int, const sigset_t*, sigset_t*);
  sigset_t copy;
  return next_fn(&real, "sigprocmask")(how, filtered(how, set, &copy), old);
}

extern "C" __attribute__((visibility("default"))) int pthread_sigmask(int how, const sigset_t* set,
                                                                      sigset_t* old) {
  static int (*real)(int, const sigset_t*, sigset_t*);
  sigset_t copy;
  return next_fn(&real, "pthread_sigmask")(how, filtered(how, set, &copy), old);
}

extern "C" __attribute__((visibility("default"))) int sigsuspend(const sigset_t* mask) {
  static int (*real)(const sigset_t*);
  sigset_t copy;
  for (;;) {  // a checkpoint's suspend signal is not a signal the application waits for
    uint32_t parked = ckpt::thread_suspend_count();
    int rc = next_fn(&real, "sigsuspend")(filtered(SIG_SETMASK, mask, &copy));
    if (ckpt::thread_suspend_count() == parked) return rc;
  }
}
