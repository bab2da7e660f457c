// libckpt/core/fd_share.cc: see fd_share.h. Checkpoint path: yes.
#include "core/fd_share.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ckpt/plugin.h"
#include "core/plugin_internal.h"
#include "core/runtime.h"
#include "sys/log.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

constexpr int kMaxKeys = 1024;
constexpr int kKeyCap = 64;
constexpr int kBatch = 200;          // fds per message (SCM_MAX_FD is 253)
constexpr int kMaxPairs = 4096;      // (offer, wanter) pairs of one exchange
constexpr int kMaxTagNames = 64;     // distinct round_tag() names in one round
constexpr long kAccept4 = 288, kSendmsg = 46, kRecvmsg = 47, kBind = 49, kListen = 50;

struct Slot {
  char key[kKeyCap];
  int fd;  // offers: the offered fd; wants: the received fd (-1 none yet)
};

Slot g_offers[kMaxKeys];
int g_noffers;
Slot g_wants[kMaxKeys];
int g_nwants;
bool g_exchanged;  // wants hold the results of the last exchange
struct Pair {
  int vpid;
  int offer;
};
Pair g_pairs[kMaxPairs];
char g_msg[kBatch * kKeyCap];

// Job and host in one number, so socket names fit sun_path whatever their lengths.
uint64_t fnv(uint64_t h, const char* s) {
  for (; *s != '\0'; ++s) h = (h ^ static_cast<unsigned char>(*s)) * 1099511628211ull;
  return h;
}

uint64_t name_hash() { return fnv(fnv(fnv(1469598103934665603ull, rt().job_id), "/"), rt().host); }

socklen_t socket_name(int64_t tag, int vpid, sockaddr_un* a) {
  sys::mem_zero(a, sizeof *a);
  a->sun_family = AF_UNIX;
  sys::Fmt f(a->sun_path + 1, sizeof a->sun_path - 1);
  f.s("ckpt-fdx-").x(name_hash()).c('-').i(tag).c('-').i(vpid);
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 +
                                sys::str_len(a->sun_path + 1));
}

void kv_key(char* out, size_t cap, int64_t tag, const char* key, const char* suffix, long idx) {
  sys::Fmt f(out, cap);
  f.s("fdx:").i(tag).c(':').s(rt().host).c(':').s(key).c(':').s(suffix);
  if (idx >= 0) f.i(idx);
}

void reset_wants() {
  for (int i = 0; i < g_nwants; ++i) {
    if (g_wants[i].fd >= 0) sys::close(g_wants[i].fd);
  }
  g_nwants = 0;
  g_exchanged = false;
}

// Publishes this process's wants; returns the listening socket (or -errno).
long listen_and_publish(int64_t tag) {
  if (g_nwants == 0) return -ENOENT;
  long s = sys::call(sys::kSocket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s < 0) return s;
  sockaddr_un a;
  socklen_t len = socket_name(tag, rt().vpid, &a);
  long rc = sys::call(kBind, s, &a, len);
  if (rc == 0) rc = sys::call(kListen, s, 4096);
  if (rc < 0) {
    sys::close(static_cast<int>(s));
    return rc;
  }
  int64_t vpid = rt().vpid;
  for (int i = 0; i < g_nwants; ++i) {
    char k[256];
    int64_t idx = 0;
    kv_key(k, sizeof k, tag, g_wants[i].key, "n", -1);
    if (ckpt_kv_atomic(CKPT_KV_ADD, k, sys::str_len(k), 1, &idx) != 0) continue;
    kv_key(k, sizeof k, tag, g_wants[i].key, "w", idx);
    ckpt_kv_put(k, sys::str_len(k), &vpid, sizeof vpid);
  }
  return s;
}

// Lists (wanter vpid, offer) pairs from the KV store into g_pairs; returns their count.
int collect_pairs(int64_t tag) {
  int n = 0;
  for (int i = 0; i < g_noffers; ++i) {
    char k[256];
    int64_t count = 0;
    kv_key(k, sizeof k, tag, g_offers[i].key, "n", -1);
    if (ckpt_kv_get(k, sys::str_len(k), &count, sizeof count) != sizeof count) continue;
    for (int64_t j = 1; j <= count && n < kMaxPairs; ++j) {
      int64_t vpid = -1;
      kv_key(k, sizeof k, tag, g_offers[i].key, "w", j);
      if (ckpt_kv_get(k, sys::str_len(k), &vpid, sizeof vpid) != sizeof vpid) continue;
      g_pairs[n++] = Pair{static_cast<int>(vpid), i};
    }
  }
  return n;
}

void deliver(const char* key, int fd) {
  for (int i = 0; i < g_nwants; ++i) {
    if (sys::str_eq(g_wants[i].key, key) && g_wants[i].fd < 0) {
      g_wants[i].fd = fd;
      return;
    }
  }
  sys::close(fd);
}

// Sends `count` offers (indices in idx) in one message on socket s.
long send_batch(int s, const int* idx, int count) {
  union {
    cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int) * kBatch)];
  } ctl;
  sys::mem_zero(&ctl, sizeof ctl);
  for (int i = 0; i < count; ++i) sys::str_copy(g_msg + i * kKeyCap, g_offers[idx[i]].key, kKeyCap);
  iovec iov{g_msg, static_cast<size_t>(count) * kKeyCap};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = ctl.buf;
  m.msg_controllen = CMSG_SPACE(sizeof(int) * count);
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * count);
  int* fds = reinterpret_cast<int*>(CMSG_DATA(c));
  for (int i = 0; i < count; ++i) fds[i] = g_offers[idx[i]].fd;
  return sys::call(kSendmsg, s, &m, MSG_NOSIGNAL);
}

// Sends every offer some wanter `vpid` asked for (pairs [from, to) all name vpid).
void send_to(int64_t tag, int vpid, int from, int to) {
  if (vpid == rt().vpid) {
    for (int i = from; i < to; ++i) {
      const Slot& o = g_offers[g_pairs[i].offer];
      long fd = sys::fcntl(o.fd, F_DUPFD_CLOEXEC, 0);
      if (fd >= 0) deliver(o.key, static_cast<int>(fd));
    }
    return;
  }
  long s = sys::call(sys::kSocket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  sockaddr_un a;
  socklen_t len = socket_name(tag, vpid, &a);
  long rc = s < 0 ? s : sys::call(sys::kConnect, s, &a, len);
  for (int i = from; rc >= 0 && i < to; i += kBatch) {
    int idx[kBatch];
    int n = to - i < kBatch ? to - i : kBatch;
    for (int k = 0; k < n; ++k) idx[k] = g_pairs[i + k].offer;
    rc = send_batch(static_cast<int>(s), idx, n);
  }
  if (rc < 0) CKPT_LOG(kError, "fd exchange: cannot pass fds to process {} ({})", vpid, rc);
  if (s >= 0) sys::close(static_cast<int>(s));
}

void send_offers(int64_t tag) {
  int n = collect_pairs(tag);
  for (int i = 1; i < n; ++i) {  // insertion sort by wanter: one connection per wanter
    Pair p = g_pairs[i];
    int j = i;
    for (; j > 0 && g_pairs[j - 1].vpid > p.vpid; --j) g_pairs[j] = g_pairs[j - 1];
    g_pairs[j] = p;
  }
  for (int i = 0; i < n;) {
    int j = i;
    while (j < n && g_pairs[j].vpid == g_pairs[i].vpid) ++j;
    send_to(tag, g_pairs[i].vpid, i, j);
    i = j;
  }
}

void receive_from(int conn) {
  for (;;) {
    union {
      cmsghdr h;
      char buf[CMSG_SPACE(sizeof(int) * 253)];
    } ctl;
    iovec iov{g_msg, sizeof g_msg};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl.buf;
    m.msg_controllen = sizeof ctl.buf;
    long n = sys::call(kRecvmsg, conn, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n <= 0) return;
    int nfds = 0;
    int* fds = nullptr;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        fds = reinterpret_cast<int*>(CMSG_DATA(c));
        nfds = static_cast<int>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      }
    }
    for (int i = 0; i < nfds; ++i) {
      char key[kKeyCap];
      sys::str_copy(key, i * kKeyCap < n ? g_msg + i * kKeyCap : "", kKeyCap);
      deliver(key, fds[i]);
    }
  }
}

void receive_all(int listener) {
  for (;;) {
    long c = sys::call(kAccept4, listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0) return;
    receive_from(static_cast<int>(c));
    sys::close(static_cast<int>(c));
  }
}

}  // namespace

int64_t round_tag(const char* what) {
  // The coordinator counts every round it starts (each checkpoint attempt, each restart) in
  // "ckpt.rounds" before any participant hears of it, so all participants of one round,
  // late joiners too, read the same number, and an aborted attempt that only some processes
  // reached never shares keys with the next. Within a round every process makes the same
  // calls in the same order: the n-th call for `what` gets round * 1024 + n.
  static struct {
    uint64_t hash[kMaxTagNames];
    int count[kMaxTagNames];
    int n;
    int64_t round;
  } calls;
  const char kKey[] = "ckpt.rounds";
  int64_t round = 0;
  long got = ckpt_kv_get(kKey, sizeof kKey - 1, &round, sizeof round);
  if (got < 0 && got != -ENOENT) return got;
  if (round != calls.round) {
    calls.n = 0;
    calls.round = round;
  }
  uint64_t h = fnv(1469598103934665603ull, what);
  int i = 0;
  while (i < calls.n && calls.hash[i] != h) ++i;
  if (i == calls.n) {
    if (calls.n == kMaxTagNames) return -ENOSPC;
    calls.hash[calls.n] = h;
    calls.count[calls.n++] = 0;
  }
  return round * 1024 + calls.count[i]++;
}

int move_fd_above(int fd, int above) {
  if (fd >= above) return fd;
  long moved = sys::fcntl(fd, F_DUPFD_CLOEXEC, above);
  if (moved < 0) return fd;
  sys::close(fd);
  return static_cast<int>(moved);
}

}  // namespace ckpt

using namespace ckpt;

extern "C" CKPT_EXPORT int ckpt_fd_offer(const char* key, int fd) {
  if (sys::str_len(key) >= kKeyCap) return -EINVAL;
  if (sys::fcntl(fd, F_GETFD) < 0) return -EBADF;
  if (g_noffers >= kMaxKeys) return -ENOSPC;
  sys::str_copy(g_offers[g_noffers].key, key, kKeyCap);
  g_offers[g_noffers++].fd = fd;
  return 0;
}

extern "C" CKPT_EXPORT int ckpt_fd_want(const char* key) {
  if (sys::str_len(key) >= kKeyCap) return -EINVAL;
  if (g_exchanged) reset_wants();
  for (int i = 0; i < g_nwants; ++i) {
    if (sys::str_eq(g_wants[i].key, key)) return 0;
  }
  if (g_nwants >= kMaxKeys) return -ENOSPC;
  sys::str_copy(g_wants[g_nwants].key, key, kKeyCap);
  g_wants[g_nwants++].fd = -1;
  return 0;
}

extern "C" CKPT_EXPORT int ckpt_fd_exchange(const char* plugin) {
  if (!in_ckpt_thread()) return -EPERM;
  if (g_exchanged) reset_wants();
  int64_t tag = round_tag(plugin);
  long listener = tag < 0 ? -1 : listen_and_publish(tag);
  if (listener < 0 && listener != -ENOENT && g_nwants > 0) {
    CKPT_LOG(kError, "fd exchange {}: cannot listen ({})", plugin, listener);
  }
  int rc = ckpt_barrier(plugin, "fdx-want", CKPT_SCOPE_GLOBAL);
  if (rc == 0 && tag >= 0) send_offers(tag);
  int rc2 = rc == 0 ? ckpt_barrier(plugin, "fdx-sent", CKPT_SCOPE_GLOBAL) : rc;
  if (listener >= 0) {
    if (rc2 == 0) receive_all(static_cast<int>(listener));
    sys::close(static_cast<int>(listener));
  }
  g_noffers = 0;
  g_exchanged = true;
  return rc2 != 0 ? rc2 : (tag < 0 ? static_cast<int>(tag) : 0);
}

extern "C" CKPT_EXPORT int ckpt_fd_received(const char* key) {
  for (int i = 0; i < g_nwants; ++i) {
    if (sys::str_eq(g_wants[i].key, key) && g_wants[i].fd >= 0) {
      int fd = g_wants[i].fd;
      g_wants[i].fd = -1;
      return fd;
    }
  }
  return -ENOENT;
}
