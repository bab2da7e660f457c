// libckpt/core/restart.cc: the restart entry. The loader (restore/loader.cc) has mapped
// every saved region back and jumps here on its own temporary stack, in the process's
// first thread. This thread adopts the saved main thread's identity, restores the
// process-wide state, re-creates every other thread (each jumps back into its suspend
// handler, see thread_suspend.cc), then jumps into the main thread's own handler.
// Checkpoint path: yes (nothing here may allocate or take a lock; libc is not usable
// until each thread's TLS is back).
#include "core/restart.h"

#include <asm/prctl.h>
#include <fcntl.h>
#include <linux/prctl.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/utsname.h>

#include "core/fd_table.h"
#include "core/process_state.h"
#include "core/runtime.h"
#include "core/thread_state.h"
#include "core/thread_suspend.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr unsigned long kThreadCloneFlags =
    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
    CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;

void thread_trampoline(void* arg) {
  auto* slot = static_cast<ThreadSlot*>(arg);
  if (slot == &rt().slots[rt().ckpt_slot]) {
    uint64_t all = ~0ull;
    sys::call(sys::kRtSigprocmask, 0 /*SIG_BLOCK*/, &all, nullptr, 8);
  }
  restore_thread_state(*slot);
  slot->tid = static_cast<int>(sys::gettid());
  ckpt_ctx_restore(&slot->ctx, 1);
}

// clone3 with the thread's saved tid (root: CAP_CHECKPOINT_RESTORE), so that locks the
// thread held at checkpoint still name it: glibc records an rwlock's writer and a recursive
// or error-checking mutex's owner as the tid cached in the thread block, and unlocks by
// comparing with it (a write lock released as a read lock would hang every later locker).
// Returns -errno if the tid is taken or not allowed; the caller then takes any tid.
long clone_with_saved_tid(ThreadSlot& s, uint64_t stack_top, int* ctid) {
  int want = s.tid;
  struct clone_args args = {};
  args.flags = kThreadCloneFlags;
  args.child_tid = reinterpret_cast<uint64_t>(ctid);
  args.parent_tid = reinterpret_cast<uint64_t>(&s.new_tid);
  args.stack = stack_top - 4096;
  args.stack_size = 4096;
  args.tls = s.fs_base;
  args.set_tid = reinterpret_cast<uint64_t>(&want);
  args.set_tid_size = 1;
  return ckpt_clone3(&args, sizeof args, thread_trampoline, &s);
}

void recreate_thread(ThreadSlot& s) {
  Runtime& r = rt();
  int* ctid = r.tid_offset >= 0 ? reinterpret_cast<int*>(s.fs_base + r.tid_offset) : nullptr;
  // The thread first runs below its saved stack pointer: that part of its stack is free.
  uint64_t top = (s.ctx.rsp - 4096) & ~15ull;
  long tid = s.tid > 0 ? clone_with_saved_tid(s, top, ctid) : -1;
  if (tid < 0) {
    CKPT_LOG(kDebug, "thread keeps a new tid (saved tid {} not given: {})", s.tid, tid);
    tid = ckpt_clone(kThreadCloneFlags, reinterpret_cast<void*>(top), &s.new_tid, ctid,
                     s.fs_base, thread_trampoline, &s);
  }
  CKPT_ASSERT(tid > 0, "clone of thread (old tid {}) failed: {}", s.tid, tid);
}

// The process may come back on another host (ckpt restart --hosts): its host name (sent to
// the coordinator, used in log lines and image names) is this host's, not the saved one.
void adopt_host_name() {
  struct utsname u;
  if (sys::call(63 /*uname*/, &u) == 0) {
    sys::str_copy(rt().host, u.nodename, sizeof rt().host);
    sys::str_copy(log::state().host, u.nodename, sizeof log::state().host);
  }
}

void adopt_args(const RestoreArgs* a) {
  Runtime& r = rt();
  adopt_host_name();
  CKPT_ASSERT(a->magic == kRestoreArgsMagic, "bad restore arguments from the loader");
  sys::str_copy(r.cfg.coord_host, a->coord_host, sizeof r.cfg.coord_host);
  sys::str_copy(r.cfg.coord_port, a->coord_port, sizeof r.cfg.coord_port);
  if (a->ckpt_dir[0] != '\0') sys::str_copy(r.cfg.ckpt_dir, a->ckpt_dir, sizeof r.cfg.ckpt_dir);
  sys::str_copy(r.cfg.secret, a->secret, sizeof r.cfg.secret);
  sys::Fmt(r.coord_addr, sizeof r.coord_addr).s(r.cfg.coord_host).c(':').s(r.cfg.coord_port);
  for (uint32_t i = 0; i < a->nunmap && i < 4; ++i) {
    r.loader_unmap[i][0] = a->unmap[i][0];
    r.loader_unmap[i][1] = a->unmap[i][1];
  }
  r.loader_nunmap = a->nunmap;
  if (a->log_spec[0] != '\0') log::configure(a->log_spec);
  set_restore_files(a->restore_files != 0);
}

// Once the log's fd is back (after restore_process_state): the loader's re-created files.
void report_recreated(const RestoreArgs* a) {
  if (a->recreated_count > 0) {
    CKPT_LOG(kInfo, "{} mapped file(s) missing on host {} re-created from the image: {}",
             a->recreated_count, rt().host, a->recreated_paths);
  }
}

// Gives this (first) thread the saved main thread's TLS and glibc tid.
void become_main_thread(ThreadSlot& main) {
  Runtime& r = rt();
  sys::arch_prctl(ARCH_SET_FS, main.fs_base);
  int tid = static_cast<int>(sys::gettid());
  if (r.tid_offset >= 0) {
    int* cached = reinterpret_cast<int*>(main.fs_base + r.tid_offset);
    *cached = tid;
    sys::call(sys::kSetTidAddress, cached);
  }
  main.tid = tid;
}

}  // namespace

void finish_restart_in_ckpt_thread() {
  Runtime& r = rt();
  wait_threads_restored(parked_user_threads());
  for (uint32_t i = 0; i < r.loader_nunmap; ++i) {
    sys::munmap(r.loader_unmap[i][0], r.loader_unmap[i][1] - r.loader_unmap[i][0]);
  }
  long fd = sys::open(r.exe, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    long rc = sys::prctl(PR_SET_MM, PR_SET_MM_EXE_FILE, fd, 0, 0);
    if (rc < 0) CKPT_LOG(kDebug, "PR_SET_MM_EXE_FILE: {}", rc);
    sys::close(static_cast<int>(fd));
  }
}

}  // namespace ckpt

extern "C" [[noreturn]] void ckpt_restart_entry(const ckpt::RestoreArgs* args, uint64_t) {
  using namespace ckpt;
  Runtime& r = rt();
  uint64_t all = ~0ull;
  sys::call(sys::kRtSigprocmask, 2 /*SIG_SETMASK*/, &all, nullptr, 8);
  r.restart_started_ns = sys::monotonic_ns();
  adopt_args(args);
  CKPT_ASSERT(r.main_slot >= 0, "image has no main thread");
  ThreadSlot& main = r.slots[r.main_slot];
  become_main_thread(main);
  r.restarted = 1;
  r.nrestored = 0;
  r.suspend_active = 1;
  restore_process_state();
  report_recreated(args);
  for (int i = 0; i < r.nslots; ++i) {
    bool user = i != r.main_slot && r.slots[i].state == kSlotSuspended;
    if (user || i == r.ckpt_slot) recreate_thread(r.slots[i]);
  }
  restore_thread_state(main);
  ckpt_ctx_restore(&main.ctx, 1);
}
