// libckpt/core/process_tree.cc: see process_tree.h. Checkpoint path: yes (raw syscalls and
// one static buffer; no allocation, no locks).
#include "core/process_tree.h"

#include <fcntl.h>

#include "core/proc_maps.h"
#include "image/proctree_section.h"
#include "sys/proc_dir.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr long kGetpgid = 121;
constexpr long kGetsid = 124;

struct Tree {
  image::ProcTreeHeader head;
  image::ProcTreeChild children[image::kProcTreeMaxChildren];
};

Tree g_tree;

// Field n (1-based, as in proc(5)) of a /proc/<pid>/stat line, counted after the ")" that
// ends the command name (which may hold spaces). Returns 0 when missing.
long stat_field(const char* buf, long len, int n, char* state) {
  const char* p = nullptr;
  for (long i = len - 1; i >= 0; --i) {
    if (buf[i] == ')') {
      p = buf + i + 2;  // field 3
      break;
    }
  }
  if (p == nullptr) return 0;
  for (int f = 3; *p != '\0'; ++f) {
    if (f == 3 && state != nullptr) *state = *p;
    if (f == n) {
      bool neg = *p == '-';
      long v = static_cast<long>(sys::parse_u64(neg ? p + 1 : p, nullptr));
      return neg ? -v : v;
    }
    while (*p != '\0' && *p != ' ') ++p;
    while (*p == ' ') ++p;
  }
  return 0;
}

void add_child(long pid) {
  image::ProcTreeHeader& h = g_tree.head;
  for (uint32_t i = 0; i < h.nchildren; ++i) {
    if (g_tree.children[i].pid == pid) return;
  }
  if (h.nchildren >= image::kProcTreeMaxChildren) return;
  char path[64];
  char buf[1024];
  sys::Fmt(path, sizeof path).s("/proc/").i(pid).s("/stat");
  long n = read_proc_file(path, buf, sizeof buf - 1);
  if (n <= 0) return;  // gone (reaped meanwhile)
  buf[n] = '\0';
  char state = '?';
  image::ProcTreeChild& c = g_tree.children[h.nchildren++];
  c.pid = static_cast<int32_t>(pid);
  c.pgid = static_cast<int32_t>(stat_field(buf, n, 5, &state));
  c.sid = static_cast<int32_t>(stat_field(buf, n, 6, nullptr));
  c.state = (state == 'Z' || state == 'X') ? image::kChildZombie : image::kChildLive;
  c.wait_status = static_cast<int32_t>(stat_field(buf, n, 52, nullptr));
  c.reserved = 0;
}

// "12 345 " -> add_child(12), add_child(345).
void add_children_of(long tid) {
  char path[64];
  char buf[4096];
  sys::Fmt(path, sizeof path).s("/proc/self/task/").i(tid).s("/children");
  long n = read_proc_file(path, buf, sizeof buf - 1);
  if (n <= 0) return;
  buf[n] = '\0';
  for (const char* p = buf; *p != '\0';) {
    if (*p >= '0' && *p <= '9') {
      add_child(static_cast<long>(sys::parse_u64(p, &p)));
    } else {
      ++p;
    }
  }
}

}  // namespace

void capture_process_tree() {
  image::ProcTreeHeader& h = g_tree.head;
  sys::mem_zero(&h, sizeof h);
  h.pid = static_cast<int32_t>(sys::getpid());
  h.ppid = static_cast<int32_t>(sys::getppid());
  h.pgid = static_cast<int32_t>(sys::call(kGetpgid, 0));
  h.sid = static_cast<int32_t>(sys::call(kGetsid, 0));
  sys::for_each_number("/proc/self/task", false, [](long tid) { add_children_of(tid); });
}

const void* process_tree_body(size_t* len) {
  *len = sizeof g_tree.head + g_tree.head.nchildren * sizeof(image::ProcTreeChild);
  return &g_tree;
}

}  // namespace ckpt
