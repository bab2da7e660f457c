// libckpt/core/term_guard.cc: see term_guard.h.
#include "core/term_guard.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>

#include "core/coordinator_client.h"
#include "core/runtime.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt::term_guard {

namespace {


struct State {
  bool enabled;
  bool stop;                    // CKPT_CHECKPOINT_ON_TERM=stop: die after the commit
  int pipe[2];
  volatile int held;            // a SIGTERM waits for a commit
  volatile uint64_t arrived_ns;
  uint64_t committed_ns;        // last commit seen by this process
  uint64_t deadline_ns;
  bool commit_unseen;           // a commit happened in the round now ending
  volatile bool covered;        // the pending SIGTERM is covered by that commit
  struct sigaction app;         // the application's disposition for SIGTERM
};
State g;

void handler(int) {
  if (g.held == 0) {
    g.held = 1;
    g.arrived_ns = sys::monotonic_ns();
    sys::write(g.pipe[1], "T", 1);
  }
}

// Asks the coordinator for a checkpoint without waiting: this thread must be free to take
// part in the round. Returns false when no coordinator answers.
bool request_checkpoint() {
  Runtime& r = rt();
  long fd = coord_connect(r.cfg.coord_host, r.cfg.coord_port, -1);
  if (fd < 0) return false;
  proto::Command c{};
  c.code = proto::kCmdCheckpoint;
  c.flags = g.stop ? proto::kCmdKillAfter : 0u;  // every member dies once it is committed
  sys::str_copy(c.secret, r.cfg.secret, sizeof c.secret);
  coord_send(static_cast<int>(fd), proto::kCommand, &c, sizeof c);
  proto::MsgHeader h;
  char reply[512];
  long n = coord_recv(static_cast<int>(fd), &h, reply, sizeof reply, 5000);
  sys::close(static_cast<int>(fd));
  return n >= 0;
}

void deliver() {
  using Fn = int (*)(int, const struct sigaction*, struct sigaction*);
  auto real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "sigaction"));
  g.enabled = false;  // from now on SIGTERM is the application's own
  if (real != nullptr) real(SIGTERM, &g.app, nullptr);
  CKPT_LOG(kInfo, "delivering the held SIGTERM");
  g.held = 0;
  sys::kill(sys::getpid(), SIGTERM);
}

// Stop mode, once a generation covers the SIGTERM: the process ends here, before any
// application thread runs again, as `ckpt checkpoint --kill` ends it.
[[noreturn]] void stop_now() {
  CKPT_LOG(kInfo, "SIGTERM: the committed generation covers it; stopping without it (stop mode)");
  for (;;) sys::kill(sys::getpid(), 9);
}

}  // namespace

void install() {
  const char* v = getenv("CKPT_CHECKPOINT_ON_TERM");
  if (v == nullptr || *v == '\0' || *v == '0') return;
  g.stop = sys::str_eq(v, "stop");
  if (sys::call(sys::kPipe2, g.pipe, O_CLOEXEC | O_NONBLOCK) < 0) return;
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigfillset(&sa.sa_mask);
  using Fn = int (*)(int, const struct sigaction*, struct sigaction*);
  auto real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "sigaction"));
  if (real == nullptr || real(SIGTERM, &sa, &g.app) != 0) return;
  g.enabled = true;
}

bool enabled() { return g.enabled; }
int wake_fd() { return g.enabled ? g.pipe[0] : -1; }
bool virtualized(int sig) { return g.enabled && sig == SIGTERM; }
struct sigaction* app_action() { return &g.app; }
void note_commit() {
  g.committed_ns = sys::monotonic_ns();
  g.commit_unseen = true;
}

void before_resume() {
  if (!g.enabled || !g.commit_unseen) return;
  g.commit_unseen = false;
  uint64_t pending = 0;
  sys::call(sys::kRtSigpending, &pending, 8);  // this thread blocks all: process-wide set
  if (pending & (1ull << (SIGTERM - 1))) g.covered = true;
  // A held SIGTERM arrived before this round (the handler cannot run during one).
  if (g.stop && (g.covered || g.held != 0)) stop_now();
}

void forget_held() {
  g.held = 0;
  g.covered = false;
  g.commit_unseen = false;
}

void on_wake() {
  char buf[16];
  while (sys::read(g.pipe[0], buf, sizeof buf) > 0) {
  }
  if (g.held == 0) return;
  if (g.covered) {  // it arrived during a round whose generation has committed
    CKPT_LOG(kInfo, "SIGTERM arrived during the checkpoint just committed; delivering it");
    deliver();
    return;
  }
  g.deadline_ns = g.arrived_ns + static_cast<uint64_t>(rt().barrier_timeout_ms) * 2000000ull;
  CKPT_LOG(kInfo, "SIGTERM: checkpoint first, then the application gets the signal");
  if (!request_checkpoint()) {
    CKPT_LOG(kWarn, "SIGTERM: no coordinator to checkpoint with; delivering it now");
    deliver();
  }
}

void deliver_if_due() {
  if (g.held == 0) return;
  if (g.stop && g.committed_ns > g.arrived_ns) stop_now();  // e.g. a --forked round
  if (g.committed_ns > g.arrived_ns || sys::monotonic_ns() > g.deadline_ns) deliver();
}

int poll_timeout_ms() {
  if (g.held == 0) return -1;
  uint64_t now = sys::monotonic_ns();
  return now >= g.deadline_ns ? 0 : static_cast<int>((g.deadline_ns - now) / 1000000 + 1);
}

}  // namespace ckpt::term_guard
