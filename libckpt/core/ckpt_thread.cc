// libckpt/core/ckpt_thread.cc: see ckpt_thread.h.
// Checkpoint path: run_round() and everything after it (raw syscalls, no allocation).
// start_ckpt_thread() runs at init or after fork, before any round, and may use libc.
#include "core/ckpt_thread.h"

#include <pthread.h>
#include <poll.h>
#include <signal.h>

#include <initializer_list>

#include "ckpt/plugin.h"
#include "core/coordinator_client.h"
#include "core/cpu_clock.h"
#include "core/delay_lock.h"
#include "core/dirty_tracker.h"
#include "core/events.h"
#include "core/fd_check.h"
#include "core/fd_table.h"
#include "core/forked_writer.h"
#include "core/memory_image.h"
#include "core/pipe_table.h"
#include "core/process_state.h"
#include "core/restart.h"
#include "core/runtime.h"
#include "core/shared_fds.h"
#include "core/term_guard.h"
#include "core/thread_suspend.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

int timeout_ms() { return static_cast<int>(rt().barrier_timeout_ms) + 5000; }

// Each step: 0 = go on, 1 = the round was aborted (resume), -1 = coordinator lost.
int step(const char* barrier) {
  Runtime& r = rt();
  log::state().phase = barrier;
  BarrierOutcome o;
  long rc = coord_barrier(r.coord_fd, barrier, timeout_ms(), &o);
  if (rc < 0) {
    CKPT_LOG(kError, "coordinator lost at barrier {} ({}); resuming the application", barrier, rc);
    return -1;
  }
  if (o.aborted) {
    CKPT_LOG(kWarn, "checkpoint aborted by the coordinator: {}", o.reason);
    return 1;
  }
  return 0;
}

// Waits for the coordinator's verdict on the round: 0 committed, 1 aborted, -1 lost.
int wait_commit() {
  Runtime& r = rt();
  log::state().phase = "commit";
  BarrierOutcome pending;
  if (take_pending_abort(&pending)) {
    CKPT_LOG(kWarn, "checkpoint aborted by the coordinator: {}", pending.reason);
    return 1;
  }
  for (;;) {
    proto::MsgHeader h;
    char payload[sizeof(proto::Committed) + 16];
    long n = coord_recv(r.coord_fd, &h, payload, sizeof payload - 1, timeout_ms());
    if (n < 0) {
      CKPT_LOG(kError, "coordinator lost while committing ({}); resuming", n);
      return -1;
    }
    payload[n] = '\0';
    if (h.type == proto::kKill) sys::kill(sys::getpid(), 9);
    if (h.type == proto::kCommitted) {
      r.generation = r.round.generation;
      term_guard::note_commit();
      return 0;
    }
    if (h.type == proto::kAbort) {
      CKPT_LOG(kWarn, "checkpoint aborted by the coordinator: {}", payload);
      return 1;
    }
  }
}

void report_failure(const char* why) {
  proto::Abort a{};
  sys::str_copy(a.reason, why, sizeof a.reason);
  coord_send(rt().coord_fd, proto::kAbort, &a, sizeof a);
}

void image_path(char* out, size_t cap) {
  Runtime& r = rt();
  const char* base = r.exe;
  for (const char* p = r.exe; *p != '\0'; ++p) {
    if (*p == '/') base = p + 1;
  }
  sys::Fmt(out, cap).s(r.round.dir).c('/').s(base).c('.').s(r.host).c('.').i(r.vpid).s(".ckpt");
}

void resume_steps();

// Reports the image to the coordinator and waits for its verdict (see wait_commit).
int report_image(const char* path, long rc, const ImageResult& res) {
  Runtime& r = rt();
  if (rc < 0) {
    CKPT_LOG(kError, "checkpoint failed: {}", res.error);
    report_failure(res.error);
    wait_commit();
    return 1;
  }
  proto::Written w{};
  sys::str_copy(w.image_name, path + sys::str_len(r.round.dir) + 1, sizeof w.image_name);
  w.size = res.size;
  w.checksum = res.checksum;
  w.nthreads = res.nthreads;
  w.saved_pages = res.saved_pages;
  w.oldest_referenced_generation = res.oldest_referenced_generation;
  coord_send(r.coord_fd, proto::kWritten, &w, sizeof w);
  return wait_commit();
}

// A mode is on for this round if the round asks for it or the process was launched with it.
bool mode(uint32_t flag) { return ((rt().round.flags | rt().cfg.default_modes) & flag) != 0; }

// The image this process writes in the current round (path lives in the caller's buffer).
ImageRequest image_request(char* path, size_t cap) {
  Runtime& r = rt();
  image_path(path, cap);
  return ImageRequest{path, r.round.generation, r.round.nprocs, r.coord_addr,
                      mode(proto::kCkptCompress) || mode(proto::kCkptCompressLz4),
                      mode(proto::kCkptIncremental), mode(proto::kCkptCompressLz4)};
}

// Incremental images: the pages written since the previous one, collected before any fork
// (threads suspended), so that a forked writer sees the same answer.
void track_dirty_pages(const ImageRequest& req) {
  if (req.incremental && !req.compress) dirty_tracker::begin_image(req.generation);
}

// Writes the image and waits for the commit. 0 = committed, 1 = aborted, -1 = lost.
int write_and_commit() {
  char path[1400];
  ImageRequest req = image_request(path, sizeof path);
  track_dirty_pages(req);
  ImageResult res;
  log::state().phase = "write";
  long rc = write_process_image(req, &res);
  return report_image(path, rc, res);
}

// Where a round's stall goes (debug log of --forked rounds): time stamps of its phases.
enum StallMark { kMarkStart, kMarkSuspended, kMarkSteps, kMarkCaptured, kMarkForked,
                 kMarkShared, kMarkResumed, kMarkCount };
uint64_t g_stall_marks[kMarkCount];  // checkpoint thread only
void stall_mark(StallMark m) { g_stall_marks[m] = sys::monotonic_ns(); }

void log_forked_stall() {
  const uint64_t* t = g_stall_marks;
  CKPT_LOG(kDebug, "forked stall {} us: suspend {}, barriers {}, capture {}, fork+child ready {}, "
           "refill barrier {}, resume {}", (t[kMarkResumed] - t[kMarkStart]) / 1000,
           (t[kMarkSuspended] - t[kMarkStart]) / 1000, (t[kMarkSteps] - t[kMarkSuspended]) / 1000,
           (t[kMarkCaptured] - t[kMarkSteps]) / 1000, (t[kMarkForked] - t[kMarkCaptured]) / 1000,
           (t[kMarkShared] - t[kMarkForked]) / 1000, (t[kMarkResumed] - t[kMarkShared]) / 1000);
}

bool forked_mode() {
  return mode(proto::kCkptForked) && !(rt().round.flags & proto::kCkptKillAfter);
}

void let_application_run() {
  term_guard::before_resume();
  raise_event(Event::kThreadsResume);
  resume_user_threads();
  end_checkpoint_exclusion();
  log::state().phase = "running";
}

// --forked: the application runs again as soon as a child holds its snapshot.
void forked_write_and_commit() {
  char path[1400];
  ImageRequest req = image_request(path, sizeof path);
  track_dirty_pages(req);
  ImageResult res;
  ForkedChild child{};
  log::state().phase = "fork";
  long rc = start_forked_image(req, &child, &res);
  stall_mark(kMarkForked);
  refill_internal_pipes();
  fds_after_image();
  share_refill();
  // Others resume at once too: none may write into a shared pipe before it is refilled.
  // Alone in the round, there are no others (and a coordinator round trip less).
  if (rt().round.nprocs > 1) ckpt_barrier("ckpt-share", "refilled", CKPT_SCOPE_GLOBAL);
  stall_mark(kMarkShared);
  raise_event(Event::kResume);
  set_forked_write_pending(true);
  let_application_run();
  stall_mark(kMarkResumed);
  log_forked_stall();
  if (rc == 0) rc = finish_forked_image(req, child, &res);
  long reported = report_image(path, rc, res);
  set_forked_write_pending(false);
  if (reported == 0) resume_steps();
}

// After a commit (or at restart): REFILL, the name service exchange, THREADS_RESUME.
void resume_steps() {
  raise_event(Event::kRefill);
  if (step("refilled") != 0) return;
  raise_event(Event::kRegisterNameServiceData);
  if (step("name_service") != 0) return;
  raise_event(Event::kSendQueries);
  step("resumed");
}

void after_restart();

void run_round() {
  Runtime& r = rt();
  log::state().generation = static_cast<int64_t>(r.round.generation);
  begin_checkpoint_exclusion();
  clear_pending_abort();
  fds_round_begin();
  claim_ckpt_slot();
  r.ckpt_tid = static_cast<int>(sys::gettid());
  raise_event(Event::kWaitForSuspendMsg);
  stall_mark(kMarkStart);
  int outcome = suspend_user_threads(r.barrier_timeout_ms) == 0 ? 0 : 1;
  stall_mark(kMarkSuspended);
  if (outcome != 0) report_failure("threads did not suspend in time");
  if (outcome == 0) raise_event(Event::kThreadsSuspend);
  const Event kBefore[] = {Event::kSuspended, Event::kLeaderElection, Event::kDrain};
  const char* const kNames[] = {"suspended", "leader_election", "drain"};
  char why[sizeof(proto::Abort::reason)];
  for (int i = 0; i < 3 && outcome == 0; ++i) {
    if (kBefore[i] == Event::kLeaderElection) share_elect();
    if (kBefore[i] == Event::kDrain) share_drain();
    if (raise_event(kBefore[i]) != 0) {
      report_failure("a plugin refused the checkpoint");
    } else if (kBefore[i] == Event::kDrain && !check_fds_supported(why, sizeof why)) {
      CKPT_LOG(kWarn, "cannot checkpoint: {}", why);
      report_failure(why);
    }
    outcome = step(kNames[i]);
  }
  if (outcome != 0) share_refill();  // bytes drained before the round was aborted
  stall_mark(kMarkSteps);
  if (outcome == 0) {
    raise_event(Event::kWriteCkpt);  // first: what a plugin prints here is in the image
    capture_process_state();
    stall_mark(kMarkCaptured);
    if (ckpt_ctx_save(&r.slots[r.ckpt_slot].ctx) != 0) {
      after_restart();
      return;
    }
    if (forked_mode()) {
      forked_write_and_commit();
      return;
    }
    outcome = write_and_commit();
    refill_internal_pipes();
    fds_after_image();
    share_refill();
    if (outcome == 0 && (r.round.flags & proto::kCkptKillAfter)) sys::kill(sys::getpid(), 9);
    raise_event(Event::kResume);
    if (outcome == 0) resume_steps();
  }
  let_application_run();
}

[[noreturn]] void restart_failed(const char* why, long rc) {
  char msg[800];
  sys::Fmt(msg, sizeof msg).s("ckpt: restart of ").s(rt().exe).s(" failed: ").s(why).s(" (")
      .i(rc).s(")\n");
  sys::write_all(2, msg, sys::str_len(msg));
  sys::exit_group(1);
}

// The checkpoint thread's half of a restart (the leader thread already re-created us).
void after_restart() {
  Runtime& r = rt();
  r.ckpt_tid = static_cast<int>(sys::gettid());
  r.slots[r.ckpt_slot].tid = r.ckpt_tid;
  dirty_tracker::after_restart();
  cpu_clock_after_restart();  // before the application threads run again
  log::state().phase = "restart";
  finish_restart_in_ckpt_thread();
  long fd = coord_connect(r.cfg.coord_host, r.cfg.coord_port, r.coord_fd);
  if (fd < 0) restart_failed("cannot reach the coordinator", fd);
  r.coord_fd = static_cast<int>(fd);
  long rc = send_hello(true);
  if (rc < 0) restart_failed("the coordinator refused the process", rc);
  int s = step("restart");
  if (s != 0) restart_failed("the coordinator aborted the restart (see its log)", s);
  share_restart();  // collective: fds shared with other processes, before any plugin
  reraise_pending_signals();
  term_guard::forget_held();  // its SIGTERM ended the run the image was taken from
  raise_event(Event::kRestart);
  restore_fds_after_plugins();
  resume_steps();
  let_application_run();
}

// Waits for the coordinator or a held SIGTERM (term_guard). True when the coordinator spoke.
bool wait_member_input() {
  Runtime& r = rt();
  for (;;) {
    struct pollfd fds[2] = {{r.coord_fd, POLLIN, 0}, {term_guard::wake_fd(), POLLIN, 0}};
    int timeout = term_guard::poll_timeout_ms();
    sys::Timespec ts{timeout / 1000, (timeout % 1000) * 1000000L};
    long n = sys::call(sys::kPpoll, fds, fds[1].fd >= 0 ? 2 : 1, timeout < 0 ? nullptr : &ts,
                       nullptr, 8);
    if (n > 0 && (fds[0].revents != 0)) return true;
    if (n > 0 && (fds[1].revents & POLLIN)) term_guard::on_wake();
    term_guard::deliver_if_due();
  }
}

void member_loop() {
  Runtime& r = rt();
  for (;;) {
    if (term_guard::enabled()) wait_member_input();
    proto::MsgHeader h;
    char payload[sizeof(proto::Checkpoint) + 64];
    long n = coord_recv(r.coord_fd, &h, payload, sizeof payload, -1);
    if (n < 0) {
      CKPT_LOG(kWarn, "lost the coordinator at {} ({}); the application continues without "
               "checkpoints", r.coord_addr, n);
      return;
    }
    if (h.type == proto::kKill) sys::kill(sys::getpid(), 9);
    if (h.type == proto::kCheckpoint && n >= static_cast<long>(sizeof(proto::Checkpoint))) {
      sys::mem_copy(&r.round, payload, sizeof r.round);
      run_round();
      term_guard::deliver_if_due();
    }
  }
}

long g_connect_rc = -1;  // the connection made by start_ckpt_thread()

void* thread_main(void*) {
  Runtime& r = rt();
  uint64_t all = ~0ull;
  sys::call(sys::kRtSigprocmask, SIG_BLOCK, &all, nullptr, 8);
  r.ckpt_tid = static_cast<int>(sys::gettid());
  sys::prctl(15 /*PR_SET_NAME*/, reinterpret_cast<long>("ckpt:coord"));
  long fd = g_connect_rc;
  if (fd < 0) {
    CKPT_LOG(kError, "no coordinator at {} ({}); the application runs without checkpoints",
             r.coord_addr, fd);
    return nullptr;
  }
  r.coord_fd = static_cast<int>(fd);
  if (send_hello(false) < 0) return nullptr;
  member_loop();
  return nullptr;
}

}  // namespace

long send_hello(bool restarted) {
  Runtime& r = rt();
  proto::Hello h{};
  h.pid = static_cast<int32_t>(sys::getpid());
  h.ppid = static_cast<int32_t>(sys::getppid());
  h.uid = static_cast<int32_t>(sys::call(sys::kGetuid));
  h.flags = restarted ? static_cast<uint32_t>(proto::kHelloRestarted) : 0u;
  h.flags |= (r.cfg.default_modes & 0xffu) << proto::kHelloModesShift;
  h.generation = restarted ? r.round.generation : 0;
  h.vpid = restarted ? r.vpid : 0;
  h.parent_vpid = r.parent_vpid;
  h.nprocs = restarted ? r.round.nprocs : 0;
  h.mpi_rank = -1;
  sys::str_copy(h.host, r.host, sizeof h.host);
  sys::str_copy(h.program, r.exe, sizeof h.program);
  sys::str_copy(h.job_id, restarted ? r.job_id : r.cfg.job_id, sizeof h.job_id);
  sys::str_copy(h.ckpt_dir, r.cfg.ckpt_dir, sizeof h.ckpt_dir);
  sys::str_copy(h.secret, r.cfg.secret, sizeof h.secret);
  long rc = coord_send(r.coord_fd, proto::kHello, &h, sizeof h);
  proto::MsgHeader mh;
  proto::Welcome w{};
  char buf[sizeof(proto::Welcome) + 600];
  long n = rc < 0 ? rc : coord_recv(r.coord_fd, &mh, buf, sizeof buf - 1, 30000);
  if (n < 0 || mh.type != proto::kWelcome) {
    buf[n > 0 ? n : 0] = '\0';
    CKPT_LOG(kError, "coordinator at {} refused this process: {}", r.coord_addr,
             (n > 0 && mh.type == proto::kAbort) ? buf : "no welcome");
    return n < 0 ? n : -13;
  }
  sys::mem_copy(&w, buf, sizeof w);
  r.vpid = w.vpid;
  r.barrier_timeout_ms = w.barrier_timeout_ms != 0 ? w.barrier_timeout_ms : 60000u;
  r.generation = w.generation;
  sys::str_copy(r.job_id, w.job_id, sizeof r.job_id);
  return 0;
}

void start_ckpt_thread() {
  // Connect here, before main() runs (or inside fork()): the socket briefly takes the lowest
  // free fd before it moves to its protected number, which would shift the application's
  // own fd numbers if main() were opening files at the same moment.
  Runtime& r = rt();
  g_connect_rc = coord_connect(r.cfg.coord_host, r.cfg.coord_port, r.coord_fd);
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  if (pthread_create(&t, &attr, thread_main, nullptr) != 0) {
    CKPT_LOG(kError, "cannot start the checkpoint thread; checkpoints are disabled");
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  pthread_attr_destroy(&attr);
}

}  // namespace ckpt
