// plugins/socket/socket_share.cc: see socket_share.h. Checkpoint path: yes.
#include "socket_share.h"

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/utsname.h>

#include "ckpt/plugin.h"
#include "socket_addr.h"
#include "socket_messages.h"
#include "socket_restart.h"
#include "socket_sys.h"
#include "socket_table.h"

namespace ckpt::socket {

namespace {

constexpr const char* kPlugin = "socket";
char g_host[65];

// Both ends of an unnamed datagram pair have one owner: it makes the pair at restart.
void owner_key(const char* round_prefix, const Saved& s, const char* what, char* out,
               size_t cap) {
  uint64_t id = s.ino;
  if (s.kind == Kind::kDgramPair && s.peer_ino < id) id = s.peer_ino;
  Fmt(out, cap).s(round_prefix).c('.').s(what).c('.').s(g_host).c('.').u(id);
}

int64_t kv_op(ckpt_kv_op_t op, const char* key, int64_t v) {
  int64_t out = v;
  ckpt_kv_atomic(op, key, strlen(key), v, &out);
  return out;
}

void shared_round_key(const char* round_prefix, char* out, size_t cap) {
  Fmt(out, cap).s(round_prefix).s(".shared");
}

void fdx_key(uint64_t ino, char* out, size_t cap) { Fmt(out, cap).s("socket:").u(ino); }

bool primary(const Saved& s) { return s.alias_of < 0; }

}  // namespace

void share_publish(const char* round_prefix) {
  Table& t = table();
  struct utsname u{};
  if (sys::sc(SYS_uname, &u) == 0) Fmt(g_host, sizeof g_host).s(u.nodename);
  char key[256];
  int64_t vpid = ckpt_vpid();
  for (int i = 0; i < t.count; ++i) {
    if (!primary(t.saved[i])) continue;
    owner_key(round_prefix, t.saved[i], "own-min", key, sizeof key);
    kv_op(CKPT_KV_MIN, key, vpid);
    owner_key(round_prefix, t.saved[i], "own-max", key, sizeof key);
    kv_op(CKPT_KV_MAX, key, vpid);
  }
}

void share_decide(const char* round_prefix) {
  Table& t = table();
  char key[256];
  int64_t vpid = ckpt_vpid();
  bool any = false;
  for (int i = 0; i < t.count; ++i) {
    Saved& s = t.saved[i];
    if (!primary(s)) continue;
    owner_key(round_prefix, s, "own-min", key, sizeof key);
    int64_t lo = kv_op(CKPT_KV_MIN, key, vpid);
    owner_key(round_prefix, s, "own-max", key, sizeof key);
    int64_t hi = kv_op(CKPT_KV_MAX, key, vpid);
    s.shared = lo != hi;
    s.follower = s.shared && lo != vpid;
    any = any || s.shared;
    if (s.shared) msg::debug(s.follower ? "shared, follower" : "shared, owner", s.fd, lo);
  }
  for (int i = 0; i < t.count; ++i) {  // dup'd fds follow their first fd
    Saved& s = t.saved[i];
    if (!primary(s)) s.follower = t.saved[s.alias_of].follower;
  }
  if (!any) return;
  shared_round_key(round_prefix, key, sizeof key);
  kv_op(CKPT_KV_ADD, key, 1);
}

void share_note_round(const char* round_prefix) {
  char key[256];
  shared_round_key(round_prefix, key, sizeof key);
  int64_t n = 0;
  table().shared_round = ckpt_kv_atomic(CKPT_KV_ADD, key, strlen(key), 0, &n) == 0 && n > 0;
}

int share_restart() {
  Table& t = table();
  if (!t.shared_round) return 0;
  char key[64];
  for (int i = 0; i < t.count; ++i) {
    const Saved& s = t.saved[i];
    if (!primary(s) || !s.shared) continue;
    fdx_key(s.ino, key, sizeof key);
    long rc = s.follower ? ckpt_fd_want(key) : ckpt_fd_offer(key, s.fd);
    if (rc != 0) msg::restart_failed(s.fd, "pass the shared socket", rc);
    if (s.pair_extra < 0) continue;
    fdx_key(s.peer_ino, key, sizeof key);
    rc = ckpt_fd_offer(key, s.pair_extra);
    if (rc != 0) msg::restart_failed(s.fd, "pass the other end of the pair", rc);
  }
  int rc = ckpt_fd_exchange(kPlugin);
  for (int i = 0; i < t.count; ++i) {
    if (t.saved[i].pair_extra >= 0) sys::close_fd(t.saved[i].pair_extra);
    t.saved[i].pair_extra = -1;
  }
  if (rc != 0) return rc;
  for (int i = 0; i < t.count; ++i) {  // received fds first, above every saved number
    Saved& s = t.saved[i];
    if (!primary(s) || !s.follower) continue;
    fdx_key(s.ino, key, sizeof key);
    long fd = park_fd(ckpt_fd_received(key));
    if (fd < 0) msg::shared_not_received(s.fd, s.ino);
    s.newfd = static_cast<int>(fd < 0 ? make_reset(s) : fd);
  }
  for (int i = 0; i < t.count; ++i) {
    Saved& s = t.saved[i];
    if (!s.follower) continue;
    int from = primary(s) ? s.newfd : t.saved[s.alias_of].fd;
    if (from >= 0) sys::dup3(from, s.fd, (s.fd_flags & FD_CLOEXEC) ? O_CLOEXEC : 0);
    if (primary(s) && s.newfd >= 0) sys::close_fd(s.newfd);
    s.newfd = -1;
  }
  return 0;
}

}  // namespace ckpt::socket
