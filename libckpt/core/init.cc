// libckpt/core/init.cc: the library's one constructor. Runs before main() in every
// process started under ckpt (and again after exec), in a fixed order: configuration,
// logging, identity, per-thread discovery, suspend handler, fork hooks, checkpoint thread.
// Not checkpoint-path: it may allocate and call libc.
#include <fcntl.h>
#include <stdio.h>
#include <gnu/libc-version.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/dirty_tracker.h"
#include "core/ckpt_thread.h"
#include "core/cpu_clock.h"
#include "core/delay_lock.h"
#include "core/events.h"
#include "core/fd_files.h"
#include "core/forked_writer.h"
#include "core/plugin_registry.h"
#include "core/page_index.h"
#include "core/runtime.h"
#include "core/term_guard.h"
#include "core/thread_state.h"
#include "core/thread_suspend.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr int kDefaultSignal = 61;  // SIGRTMIN+27: rarely used by applications

const char* env2(const char* a, const char* b, const char* fallback) {
  const char* v = getenv(a);
  if (v == nullptr || *v == '\0') v = b != nullptr ? getenv(b) : nullptr;
  return (v == nullptr || *v == '\0') ? fallback : v;
}

void read_config() {
  Config& c = rt().cfg;
  sys::str_copy(c.coord_host, env2("CKPT_COORD_HOST", "DMTCP_COORD_HOST", "localhost"),
                sizeof c.coord_host);
  sys::str_copy(c.coord_port, env2("CKPT_COORD_PORT", "DMTCP_COORD_PORT", "7779"),
                sizeof c.coord_port);
  sys::str_copy(c.ckpt_dir, env2("CKPT_CKPTDIR", "DMTCP_CHECKPOINT_DIR", ""), sizeof c.ckpt_dir);
  sys::str_copy(c.job_id, env2("CKPT_JOB_ID", nullptr, ""), sizeof c.job_id);
  sys::str_copy(c.secret, env2("CKPT_SECRET", nullptr, ""), sizeof c.secret);
  sys::str_copy(c.hwloc_summary, env2("CKPT_HWLOC_SUMMARY", nullptr, ""), sizeof c.hwloc_summary);
  c.signal = atoi(env2("CKPT_SIGNAL", "DMTCP_SIGCKPT", "0"));
  if (c.signal <= 0 || c.signal >= kNumSignals || c.signal == 9 || c.signal == 19) {
    c.signal = kDefaultSignal;
  }
  if (getenv("CKPT_FORKED") != nullptr) c.default_modes |= proto::kCkptForked;
  if (getenv("CKPT_INCREMENTAL") != nullptr) c.default_modes |= proto::kCkptIncremental;
  if (getenv("CKPT_COMPRESS") != nullptr) c.default_modes |= proto::kCkptCompress;
  if (getenv("CKPT_COMPRESS_LZ4") != nullptr) {
    c.default_modes |= proto::kCkptCompress | proto::kCkptCompressLz4;
  }
  read_fd_config();
  Runtime& r = rt();
  sys::Fmt(r.coord_addr, sizeof r.coord_addr).s(c.coord_host).c(':').s(c.coord_port);
}

// The coordinator socket and the log get fds near the top of the fd range, where
// applications rarely look; the file plugin will hide them entirely.
void setup_protected_fds() {
  Runtime& r = rt();
  struct rlimit rl {};
  getrlimit(RLIMIT_NOFILE, &rl);
  int top = (rl.rlim_cur > 1024 || rl.rlim_cur == RLIM_INFINITY) ? 1024
                                                                 : static_cast<int>(rl.rlim_cur);
  r.coord_fd = top - 1;
  r.log_fd = top - 2;
  sys::dup3(2, r.log_fd, O_CLOEXEC);
  log::state().fd = r.log_fd;
  log::configure(getenv("CKPT_LOG"));
}

void read_identity() {
  Runtime& r = rt();
  struct utsname u {};
  uname(&u);
  sys::str_copy(r.host, u.nodename, sizeof r.host);
  sys::str_copy(log::state().host, u.nodename, sizeof log::state().host);
  ssize_t n = readlink("/proc/self/exe", r.exe, sizeof r.exe - 1);
  r.exe[n > 0 ? n : 0] = '\0';
  sys::str_copy(r.glibc_version, gnu_get_libc_version(), sizeof r.glibc_version);
}

// glibc's cached tid: an offset that holds the tid in two different threads.
uint64_t g_main_candidates[16];
uint64_t g_probe_candidates[16];
void* probe_thread(void*) {
  tid_offset_candidates(g_probe_candidates);
  return nullptr;
}
void find_tid_offset() {
  tid_offset_candidates(g_main_candidates);
  pthread_t t;
  if (pthread_create(&t, nullptr, probe_thread, nullptr) == 0) {
    pthread_join(t, nullptr);
  }
  rt().tid_offset = pick_tid_offset(g_main_candidates, g_probe_candidates);
  CKPT_LOG(kDebug, "glibc tid offset {}", rt().tid_offset);
}

bool is_ckpt_tool() {
  const char* base = strrchr(rt().exe, '/');
  base = base != nullptr ? base + 1 : rt().exe;
  return strcmp(base, "ckpt") == 0 || strncmp(base, "dmtcp_", 6) == 0 ||
         strcmp(base, "ckpt-restore") == 0 || getenv("CKPT_DISABLE") != nullptr;
}

void atfork_prepare() {
  delay_lock();
  raise_event(Event::kAtforkPrepare);
}
void atfork_parent() {
  raise_event(Event::kAtforkParent);
  delay_unlock();
}
void at_exit() {
  wait_forked_write();
  raise_event(Event::kExit);
}
void atfork_child() {
  Runtime& r = rt();
  if (r.coord_fd >= 0) sys::close(r.coord_fd);
  set_forked_write_pending(false);  // the parent's image, not ours
  dirty_tracker::after_fork_child();
  r.parent_vpid = r.vpid;
  r.vpid = 0;
  r.nslots = 0;
  r.delay_count = 0;
  r.ckpt_pending = 0;
  r.suspend_active = 0;
  raise_event(Event::kAtforkChild);
  start_ckpt_thread();
}

// One line per plugin, in checkpoint order (restart runs them in reverse).
void print_plugin_order() {
  PluginTable& t = plugins();
  printf("%-6s %-20s %-7s %s\n", "ORDER", "PLUGIN", "KIND", "LIBRARY");
  for (int i = 0; i < t.count; ++i) {
    const PluginRecord& p = t.plugins[t.sorted[i]];
    printf("%-6d %-20s %-7s %s\n", p.order, p.name,
                p.kind == PluginKind::kNative ? "native" : "seed", p.path);
  }
  printf("(checkpoint: top to bottom; restart: bottom to top; seed plugins chain in "
              "library search order)\n");
  fflush(stdout);
}

__attribute__((constructor)) void ckpt_init() {
  cpu_clock_init();  // first: clock wrappers may be called from anywhere
  Runtime& r = rt();
  r.coord_fd = -1;
  r.log_fd = -1;
  r.main_slot = -1;
  read_identity();
  if (is_ckpt_tool()) {
    return;
  }
  read_config();
  setup_protected_fds();
  find_tid_offset();
  install_suspend_handler();
  block_suspend_signal(false);  // blocked by the exec wrapper of the program before us
  term_guard::install();
  discover_plugins();
  if (getenv("CKPT_LIST_PLUGINS") != nullptr) {  // `ckpt launch --list-plugins`
    print_plugin_order();
    _exit(0);
  }
  if (getenv("CKPT_POST_EXEC") != nullptr) {
    unsetenv("CKPT_POST_EXEC");
    raise_event(Event::kPostExec);
  }
  if (rt().cfg.default_modes & proto::kCkptIncremental) {
    page_index::reserve(1u << 19);  // 32 MiB of address space, resident as it fills
    dirty_tracker::start();
  }
  raise_event(Event::kInit);
  pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
  atexit(at_exit);
  start_ckpt_thread();
}

}  // namespace

}  // namespace ckpt
