// libckpt/core/dmtcp_api.cc: the DMTCP 2.x functions of dmtcp.h that plugins call
// (publish/subscribe and the utility functions of the seed's Appendix A.4), over the native
// API. Strings are kept in static buffers ("canonical strings", never allocated).
// Checkpoint path: yes, all of them may be called from event hooks (raw syscalls only).
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "ckpt/plugin.h"
#include "core/runtime.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {
namespace {

struct DmtcpStrings {
  char tmpdir[1024];
  char subdir[1100];
  char uniquepid[200];
  char ckpt_dir[1024];
  uint64_t first_seen_ns;
};
DmtcpStrings g_str;

const char* env_or(const char* a, const char* b, const char* fallback) {
  const char* v = getenv(a);
  if (v == nullptr || *v == '\0') v = getenv(b);
  return (v == nullptr || *v == '\0') ? fallback : v;
}

// Looks `name` up in /proc/self/environ (the environment the process was started with).
int lookup_environ(const char* name, char* value, int cap) {
  static char buf[64 * 1024];  // only the calling thread's: hooks run one at a time
  long fd = sys::open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -4;
  long n = 0;
  for (long r; n < static_cast<long>(sizeof buf) - 1 &&
               (r = sys::read(static_cast<int>(fd), buf + n, sizeof buf - 1 - n)) > 0;) {
    n += r;
  }
  sys::close(static_cast<int>(fd));
  buf[n > 0 ? n : 0] = '\0';
  size_t len = sys::str_len(name);
  for (long off = 0; off < n; off += static_cast<long>(sys::str_len(buf + off)) + 1) {
    const char* e = buf + off;
    if (sys::starts_with(e, name) && e[len] == '=') {
      if (static_cast<int>(sys::str_len(e + len + 1)) >= cap) return -2;
      sys::str_copy(value, e + len + 1, static_cast<size_t>(cap));
      return 0;
    }
  }
  return -1;
}

}  // namespace
}  // namespace ckpt

using ckpt::g_str;
using ckpt::rt;

extern "C" CKPT_EXPORT int dmtcp_send_key_val_pair_to_coordinator(const void* key,
                                                                  size_t key_len,
                                                                  const void* val,
                                                                  size_t val_len) {
  return ckpt_kv_put(key, key_len, val, val_len) == 0 ? 1 : 0;
}

extern "C" CKPT_EXPORT int dmtcp_send_query_to_coordinator(const void* key, size_t key_len,
                                                           void* val, size_t* val_len) {
  if (val_len == nullptr) return 0;
  long n = ckpt_kv_get(key, key_len, val, *val_len);
  if (n < 0) return 0;
  *val_len = static_cast<size_t>(n) < *val_len ? static_cast<size_t>(n) : *val_len;
  return 1;
}

extern "C" CKPT_EXPORT void dmtcp_get_local_ip_addr(struct in_addr* in) {
  struct sockaddr_in sa {};
  socklen_t len = sizeof sa;
  in->s_addr = htonl(INADDR_LOOPBACK);
  if (rt().coord_fd >= 0 &&
      ckpt::sys::call(51 /*getsockname*/, rt().coord_fd, &sa, &len) == 0 &&
      sa.sin_family == AF_INET) {
    *in = sa.sin_addr;
  }
}

extern "C" CKPT_EXPORT const char* dmtcp_get_tmpdir(void) {
  ckpt::sys::str_copy(g_str.tmpdir, ckpt::env_or("DMTCP_TMPDIR", "TMPDIR", "/tmp"),
                      sizeof g_str.tmpdir);
  return g_str.tmpdir;
}

extern "C" CKPT_EXPORT const char* dmtcp_get_ckpt_dir(void) {
  const char* d = rt().cfg.ckpt_dir;
  if (d[0] == '\0') {
    if (ckpt::sys::call(79 /*getcwd*/, g_str.ckpt_dir, sizeof g_str.ckpt_dir) < 0) {
      ckpt::sys::str_copy(g_str.ckpt_dir, ".", sizeof g_str.ckpt_dir);
    }
    return g_str.ckpt_dir;
  }
  return d;
}

// The directory this round's files go to: the generation being written, else the job's.
extern "C" CKPT_EXPORT const char* dmtcp_get_ckpt_files_subdir(void) {
  if (rt().round.dir[0] != '\0') return rt().round.dir;
  ckpt::sys::Fmt(g_str.subdir, sizeof g_str.subdir).s(dmtcp_get_ckpt_dir()).c('/')
      .s(rt().job_id);
  return g_str.subdir;
}

extern "C" CKPT_EXPORT int dmtcp_get_ckpt_signal(void) { return rt().cfg.signal; }

// "<computation>-<vpid>": unique in the computation and stable across restarts.
extern "C" CKPT_EXPORT const char* dmtcp_get_uniquepid_str(void) {
  ckpt::sys::Fmt(g_str.uniquepid, sizeof g_str.uniquepid).s(rt().job_id).c('-').i(rt().vpid);
  return g_str.uniquepid;
}

extern "C" CKPT_EXPORT const char* dmtcp_get_computation_id_str(void) { return rt().job_id; }

// Nanoseconds (CLOCK_REALTIME) when this process first asked; kept across restarts, so it
// identifies the computation's first run from this process's point of view.
extern "C" CKPT_EXPORT uint64_t dmtcp_get_coordinator_timestamp(void) {
  if (g_str.first_seen_ns == 0) {
    ckpt::sys::Timespec ts{};
    ckpt::sys::clock_gettime(0 /*CLOCK_REALTIME*/, &ts);
    g_str.first_seen_ns = static_cast<uint64_t>(ts.sec) * 1000000000ull +
                          static_cast<uint64_t>(ts.nsec);
  }
  return g_str.first_seen_ns;
}

extern "C" CKPT_EXPORT uint32_t dmtcp_get_generation(void) {
  return static_cast<uint32_t>(ckpt_generation());
}

extern "C" CKPT_EXPORT const char* dmtcp_get_executable_path(void) { return rt().exe; }
extern "C" CKPT_EXPORT int dmtcp_is_enabled(void) { return ckpt_is_enabled(); }
extern "C" CKPT_EXPORT int dmtcp_is_restarted(void) { return ckpt_is_restarted(); }

extern "C" CKPT_EXPORT int dmtcp_get_restart_env(char* name, char* value, int maxvaluelen) {
  if (name == nullptr || value == nullptr) return -5;
  if (maxvaluelen <= 0) return -3;
  return ckpt::lookup_environ(name, value, maxvaluelen);
}
