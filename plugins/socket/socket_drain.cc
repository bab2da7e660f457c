// plugins/socket/socket_drain.cc: see socket_drain.h. Checkpoint path: yes.
#include "socket_drain.h"

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <string.h>
#include <sys/mman.h>

#include "ckpt/plugin.h"
#include "socket_messages.h"
#include "socket_sys.h"
#include "socket_table.h"

namespace ckpt::socket {

namespace {

constexpr uint64_t kArenaBytes = 256ull << 20;  // virtual; only touched pages cost
constexpr uint64_t kChunk = 1u << 20;
constexpr uint64_t kMagic = 0x4b434f53544b5043ull;  // "CPKTSOCK"
constexpr long kDeadlineMs = 20000;

struct Rec {
  int32_t next;  // offset of the next record of the same socket, -1
  uint32_t len;
};

// Records of several sockets, interleaved in one arena, chained per socket.
struct ByteLog {
  char* base;
  uint64_t used;
  int32_t last[kMaxSaved];

  char* data(int32_t rec) { return base + rec + sizeof(Rec); }
  Rec* at(int32_t rec) { return reinterpret_cast<Rec*>(base + rec); }
  // Reads what fd has into a new record chained after `first`: >0 bytes, 0 nothing now,
  // -1 log full, -2 end of stream or error.
  long read_from(int fd, int32_t* first, int idx, uint64_t limit) {
    uint64_t room = kArenaBytes - used - sizeof(Rec);
    if (used + sizeof(Rec) + 8 > kArenaBytes) return -1;
    uint64_t want = limit < kChunk ? limit : kChunk;
    if (want > room) want = room;
    if (want == 0) return limit == 0 ? 0 : -1;
    long n = sys::recv(fd, base + used + sizeof(Rec), want);
    if (n == -EAGAIN) return 0;
    if (n <= 0) return -2;
    auto rec = static_cast<int32_t>(used);
    *at(rec) = Rec{-1, static_cast<uint32_t>(n)};
    if (*first < 0) {
      *first = rec;
    } else {
      at(last[idx])->next = rec;
    }
    last[idx] = rec;
    used += (sizeof(Rec) + static_cast<uint64_t>(n) + 7) & ~7ull;
    return n;
  }
  void reset() {
    if (used != 0) sys::sc(SYS_madvise, base, (used + 4095) & ~4095ull, MADV_DONTNEED);
    used = 0;
  }
};

ByteLog g_drain;
ByteLog g_exchange;

bool draining(const Saved& s) {
  return s.alias_of < 0 && s.kind == Kind::kStream && s.internal && !s.follower;
}

long outq(int fd) {
  int v = 0;
  return sys::ioctl(fd, SIOCOUTQ, &v) < 0 ? 0 : v;
}

// Reads everything available on every internal connection. -1 if the log is full.
int read_round(Table& t) {
  for (int i = 0; i < t.count; ++i) {
    Saved& s = t.saved[i];
    if (!draining(s)) continue;
    long n;
    while ((n = g_drain.read_from(s.fd, &s.first_rec, i, kChunk)) > 0) s.drained += n;
    if (n == -1) {
      msg::drain_full(s.fd, kArenaBytes);
      return -1;
    }
  }
  return 0;
}

bool send_queues_empty(Table& t) {
  for (int i = 0; i < t.count; ++i) {
    if (draining(t.saved[i]) && outq(t.saved[i].fd) > 0) return false;
  }
  return true;
}

}  // namespace

bool arenas_init() {
  ByteLog* logs[] = {&g_drain, &g_exchange};
  for (ByteLog* log : logs) {
    void* p = mmap(nullptr, kArenaBytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return false;
    log->base = static_cast<char*>(p);
    log->used = 0;
  }
  return true;
}

int drain_all(const char* counter_key) {
  Table& t = table();
  bool any = false;
  for (int i = 0; i < t.count; ++i) any = any || draining(t.saved[i]);
  int64_t left = 0;
  if (!any) return ckpt_kv_atomic(CKPT_KV_ADD, counter_key, strlen(counter_key), -1, &left);
  t.drained = true;
  bool mine_done = false;
  long deadline = sys::now_ms() + kDeadlineMs;
  for (;;) {
    if (read_round(t) != 0) return -1;
    if (!mine_done && send_queues_empty(t)) {
      mine_done = true;
      ckpt_kv_atomic(CKPT_KV_ADD, counter_key, strlen(counter_key), -1, &left);
    }
    if (mine_done) {
      ckpt_kv_atomic(CKPT_KV_ADD, counter_key, strlen(counter_key), 0, &left);
      if (left <= 0) return read_round(t);
    }
    if (sys::now_ms() > deadline) {
      msg::drain_timeout(static_cast<int>(left));
      return -1;
    }
    sys::sleep_ms(1);
  }
}

namespace {

struct Refill {
  uint64_t hdr_out[2];
  uint64_t hdr_in[2];
  uint64_t sent_hdr, got_hdr;
  int32_t send_rec;      // next drain record to send
  uint64_t send_off;     // offset inside it
  uint64_t got;          // peer bytes received
  int32_t xfirst;        // exchange records (peer bytes)
  int32_t back_rec;      // next exchange record to write back
  uint64_t back_off;
  bool recv_done, send_done, back_started, done, failed;
};

Refill g_refill[kMaxSaved];

// Sends from a record chain; true when the chain is exhausted.
bool send_chain(int fd, ByteLog& log, int32_t* rec, uint64_t* off, Refill& st) {
  while (*rec >= 0) {
    Rec* r = log.at(*rec);
    long n = sys::send(fd, log.data(*rec) + *off, r->len - *off);
    st.failed = st.failed || (n < 0 && n != -EAGAIN);
    if (n <= 0) return false;
    *off += static_cast<uint64_t>(n);
    if (*off == r->len) {
      *rec = r->next;
      *off = 0;
    }
  }
  return true;
}

bool send_header(int fd, Refill& r) {
  while (r.sent_hdr < sizeof r.hdr_out) {
    long n = sys::send(fd, reinterpret_cast<char*>(r.hdr_out) + r.sent_hdr,
                       sizeof r.hdr_out - r.sent_hdr);
    r.failed = r.failed || (n < 0 && n != -EAGAIN);
    if (n <= 0) return false;
    r.sent_hdr += static_cast<uint64_t>(n);
  }
  return true;
}

void receive(int idx, Saved& s, Refill& r) {
  while (r.got_hdr < sizeof r.hdr_in) {
    long n = sys::recv(s.fd, reinterpret_cast<char*>(r.hdr_in) + r.got_hdr,
                       sizeof r.hdr_in - r.got_hdr);
    r.failed = r.failed || (n != -EAGAIN && n <= 0);
    if (n <= 0) return;
    r.got_hdr += static_cast<uint64_t>(n);
  }
  while (r.got < r.hdr_in[1]) {
    long n = g_exchange.read_from(s.fd, &r.xfirst, idx, r.hdr_in[1] - r.got);
    r.failed = r.failed || n < 0;
    if (n <= 0) return;
    r.got += static_cast<uint64_t>(n);
  }
  r.recv_done = true;
}

// The write-back must fit in this side's send buffer: the peer application is stopped.
void grow_send_buffer(const Saved& s, uint64_t len) {
  long want = static_cast<long>(len) + (256 << 10);
  if (sys::getopt(s.fd, SOL_SOCKET, SO_SNDBUF) >= 2 * want) return;
  int v = want > (1L << 30) ? (1 << 30) : static_cast<int>(want);
  if (sys::setopt(s.fd, SOL_SOCKET, SO_SNDBUFFORCE, v) < 0) {
    sys::setopt(s.fd, SOL_SOCKET, SO_SNDBUF, v);
  }
}

// One step of one connection; true when it has nothing left to do.
bool refill_step(int idx, Saved& s, Refill& r) {
  if (!r.send_done && send_header(s.fd, r)) {
    r.send_done = send_chain(s.fd, g_drain, &r.send_rec, &r.send_off, r);
  }
  if (!r.recv_done) receive(idx, s, r);
  if (r.recv_done && r.hdr_in[0] == kMagic && r.send_done) {
    if (!r.back_started) {
      grow_send_buffer(s, r.got);
      r.back_rec = r.xfirst;
      r.back_started = true;
    }
    r.done = send_chain(s.fd, g_exchange, &r.back_rec, &r.back_off, r);
  }
  if (r.failed) {
    msg::debug("refill: connection lost", s.fd, static_cast<int64_t>(s.drained));
    r.done = true;
  }
  if (r.recv_done && r.hdr_in[0] != kMagic) r.done = true;  // not our peer: give up quietly
  return r.done;
}

void refill_begin(Table& t) {
  for (int i = 0; i < t.count; ++i) {
    Refill& r = g_refill[i];
    memset(&r, 0, sizeof r);
    r.hdr_out[0] = kMagic;
    r.hdr_out[1] = t.saved[i].drained;
    r.send_rec = t.saved[i].first_rec;
    r.xfirst = r.back_rec = -1;
  }
}

void refill_end(Table& t) {
  for (int i = 0; i < t.count; ++i) {
    Saved& s = t.saved[i];
    if (draining(s) && s.sndbuf > 0) sys::setopt(s.fd, SOL_SOCKET, SO_SNDBUF, s.sndbuf);
    s.first_rec = -1;
    s.drained = 0;
  }
  g_drain.reset();
  g_exchange.reset();
  t.drained = false;
}

}  // namespace

int refill_all() {
  Table& t = table();
  refill_begin(t);
  long deadline = sys::now_ms() + kDeadlineMs;
  int rc = 0;
  for (;;) {
    bool all = true;
    for (int i = 0; i < t.count; ++i) {
      if (draining(t.saved[i]) && !g_refill[i].done) {
        all = refill_step(i, t.saved[i], g_refill[i]) && all;
      }
    }
    if (all) break;
    if (sys::now_ms() > deadline) {
      for (int i = 0; i < t.count; ++i) {
        if (draining(t.saved[i]) && !g_refill[i].done) {
          msg::refill_timeout(t.saved[i].fd, t.saved[i].drained);
        }
      }
      rc = -1;
      break;
    }
    sys::sleep_ms(1);
  }
  refill_end(t);
  return rc;
}

}  // namespace ckpt::socket
