// libckpt/core/fd_claims.cc: see fd_claims.h. Checkpoint path: yes.
#include "core/fd_claims.h"

#include <errno.h>

#include "ckpt/plugin.h"
#include "core/runtime.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

struct Claim {
  int fd;
  char plugin[32];
};

struct Claims {
  Claim list[kMaxFds];
  int count;
};

Claims g_claims;

constexpr int kInternalSlots = 16;
int g_internal[kInternalSlots];  // fd + 1, 0 = free

int find_claim(int fd) {
  for (int i = 0; i < g_claims.count; ++i) {
    if (g_claims.list[i].fd == fd) return i;
  }
  return -1;
}

}  // namespace

bool fd_is_claimed(int fd) { return find_claim(fd) >= 0; }

const char* fd_claimant(int fd) {
  int i = find_claim(fd);
  return i >= 0 ? g_claims.list[i].plugin : nullptr;
}

void clear_fd_claims() { g_claims.count = 0; }

void mark_internal_fd(int fd) {
  for (int& slot : g_internal) {
    int free_slot = 0;
    if (__atomic_compare_exchange_n(&slot, &free_slot, fd + 1, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST)) {
      return;
    }
  }
}

void unmark_internal_fd(int fd) {
  for (int& slot : g_internal) {
    int mine = fd + 1;
    __atomic_compare_exchange_n(&slot, &mine, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  }
}

bool is_internal_fd(int fd) {
  for (int slot : g_internal) {
    if (__atomic_load_n(&slot, __ATOMIC_SEQ_CST) == fd + 1) return true;
  }
  return false;
}

}  // namespace ckpt

extern "C" CKPT_EXPORT int ckpt_fd_claim(int fd, const char* plugin) {
  using namespace ckpt;
  if (fd < 0 || sys::fcntl(fd, 1 /*F_GETFD*/) < 0) return -EBADF;
  int i = find_claim(fd);
  if (i < 0) {
    if (g_claims.count >= kMaxFds) return -ENOSPC;
    i = g_claims.count++;
    g_claims.list[i].fd = fd;
  }
  sys::str_copy(g_claims.list[i].plugin, plugin != nullptr ? plugin : "?",
                sizeof g_claims.list[i].plugin);
  return 0;
}
