// plugins/socket/socket_plugin.cc: the socket plugin's descriptor and event handler, i.e. its
// protocol from top to bottom (phase table in README.md). Runs in the checkpoint thread while
// the application is stopped (INIT excepted): no allocation, raw syscalls, static memory.
#include <stdlib.h>
#include <string.h>

#include "ckpt/plugin.h"
#include "socket_addr.h"
#include "socket_drain.h"
#include "socket_messages.h"
#include "socket_restart.h"
#include "socket_share.h"
#include "socket_table.h"

namespace ckpt::socket {

namespace {

bool g_counted;  // this process takes part in the drain counter of the round

void round_key(char* out, size_t cap, const char* what, bool with_nonce) {
  Table& t = table();
  Fmt f(out, cap);
  f.s("socket.").s(what).c('.').u(t.generation);
  if (with_nonce) f.c('.').u(t.nonce);
}

void endpoint_key(const Saved& s, bool peer_first, char* out, size_t cap) {
  char base[64];
  round_key(base, sizeof base, "ep", true);
  Fmt(out, cap).s(base).c('.').s(peer_first ? s.key_peer : s.key_local).c('>')
      .s(peer_first ? s.key_local : s.key_peer);
}

bool is_connection(const Saved& s) { return s.alias_of < 0 && s.kind == Kind::kStream; }

// SUSPENDED: what the process has; one ADD per process makes the round's id (read later).
int on_suspended() {
  Table& t = table();
  t.generation = ckpt_generation();
  g_counted = false;
  if (capture() == 0) return 0;
  char key[64];
  round_key(key, sizeof key, "round", false);
  int64_t v = 0;
  return ckpt_kv_atomic(CKPT_KV_ADD, key, strlen(key), 1, &v) == 0 ? 0 : 1;
}

// LEADER_ELECTION: the round id; publish every socket's holder (socket_share.h) and every
// connection's endpoint pair; join the drain counter.
int on_leader_election() {
  Table& t = table();
  char key[2 * kKeyLen + 64];
  round_key(key, sizeof key, "round", false);
  int64_t nonce = 0;  // read by every process: the WRITE_CKPT decision needs it everywhere
  ckpt_kv_atomic(CKPT_KV_ADD, key, strlen(key), 0, &nonce);
  t.nonce = static_cast<uint64_t>(nonce);
  if (t.count == 0) return 0;
  round_key(key, sizeof key, "sh", true);
  share_publish(key);
  for (int i = 0; i < t.count; ++i) {
    if (!is_connection(t.saved[i])) continue;
    endpoint_key(t.saved[i], false, key, sizeof key);
    ckpt_kv_put(key, strlen(key), "1", 1);
    g_counted = true;
  }
  if (!g_counted) return 0;
  round_key(key, sizeof key, "drain", true);
  int64_t v = 0;
  return ckpt_kv_atomic(CKPT_KV_ADD, key, strlen(key), 1, &v) == 0 ? 0 : 1;
}

// DRAIN: owners and followers of shared sockets; a connection whose peer endpoint was
// published is internal, the rest are external.
int on_drain() {
  Table& t = table();
  char key[2 * kKeyLen + 64], local[120], peer[120];
  if (t.count > 0) {
    round_key(key, sizeof key, "sh", true);
    share_decide(key);
  }
  if (!g_counted) return 0;
  for (int i = 0; i < t.count; ++i) {
    Saved& s = t.saved[i];
    if (!is_connection(s)) continue;
    endpoint_key(s, true, key, sizeof key);
    char v = 0;
    s.internal = ckpt_kv_get(key, strlen(key), &v, 1) == 1;
    s.acceptor = strcmp(s.key_local, s.key_peer) < 0;
    if (!s.internal && !s.follower) {
      describe_addr(s.domain, s.local, local, sizeof local);
      describe_addr(s.domain, s.peer, peer, sizeof peer);
      msg::external_peer(s.fd, local, peer);
    }
  }
  round_key(key, sizeof key, "drain", true);
  return drain_all(key) == 0 ? 0 : 1;
}

void refill_if_pending() {
  Table& t = table();
  if (t.drained) refill_all();
  t.drain_confirmed = false;
}

}  // namespace

int on_event(ckpt_event_t event, void* data) {
  (void)data;
  switch (event) {
    case CKPT_EVENT_INIT: {
      const char* port = getenv("CKPT_COORD_PORT");
      const char* log = getenv("CKPT_LOG");
      table().coord_port = port != nullptr ? atoi(port) : 0;
      msg::set_debug(log != nullptr && strstr(log, "socket=debug") != nullptr);
      return arenas_init() ? 0 : 1;
    }
    case CKPT_EVENT_SUSPENDED:
      return on_suspended();
    case CKPT_EVENT_LEADER_ELECTION:
      return on_leader_election();
    case CKPT_EVENT_DRAIN:
      return on_drain();
    case CKPT_EVENT_WRITE_CKPT: {
      char key[64];
      round_key(key, sizeof key, "sh", true);
      share_note_round(key);
      table().drain_confirmed = true;
      return 0;
    }
    case CKPT_EVENT_RESTART:
      return restart_all() == 0 ? 0 : 1;
    case CKPT_EVENT_REFILL:
    case CKPT_EVENT_THREADS_RESUME:  // forked checkpoints and aborted rounds come here first
      refill_if_pending();
      return 0;
    default:
      return 0;
  }
}

}  // namespace ckpt::socket

// extern "C": in C++ a const object would otherwise have internal linkage.
extern "C" CKPT_DECLARE_PLUGIN({CKPT_PLUGIN_ABI_V1, "socket", 40, 1, &ckpt::socket::on_event});
