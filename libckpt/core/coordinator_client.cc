// libckpt/core/coordinator_client.cc: see coordinator_client.h. Checkpoint path: yes.
#include "core/coordinator_client.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include "core/host_resolver.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

BarrierOutcome g_pending_abort;

long read_exact(int fd, void* buf, size_t n, int timeout_ms) {
  char* p = static_cast<char*>(buf);
  size_t done = 0;
  while (done < n) {
    struct pollfd pfd = {fd, POLLIN, 0};
    sys::Timespec ts{timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
    long pr = sys::call(sys::kPpoll, &pfd, 1, timeout_ms < 0 ? nullptr : &ts, nullptr, 8);
    if (pr == -4) continue;
    if (pr == 0) return -110;  // ETIMEDOUT
    if (pr < 0) return pr;
    long r = sys::read(fd, p + done, n - done);
    if (r == -4 || r == -11) continue;
    if (r == 0) return -104;  // ECONNRESET
    if (r < 0) return r;
    done += static_cast<size_t>(r);
  }
  return static_cast<long>(done);
}

}  // namespace

long coord_connect(const char* host, const char* port, int protected_fd) {
  HostAddress addr;
  if (!resolve_host(host, &addr)) return -2;  // ENOENT: unknown host
  long fd = sys::call(sys::kSocket, addr.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fd;
  sockaddr_in6 sa;
  unsigned len =
      fill_sockaddr(addr, static_cast<uint16_t>(sys::parse_u64(port, nullptr)), &sa);
  long rc = sys::call(sys::kConnect, fd, &sa, len);
  if (rc < 0) {
    sys::close(static_cast<int>(fd));
    return rc;
  }
  int one = 1;
  sys::call(54 /*setsockopt*/, fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (protected_fd >= 0 && fd != protected_fd) {
    sys::dup3(static_cast<int>(fd), protected_fd, O_CLOEXEC);
    sys::close(static_cast<int>(fd));
    fd = protected_fd;
  }
  return fd;
}

long coord_send(int fd, uint16_t type, const void* payload, uint32_t len) {
  char buf[sizeof(proto::MsgHeader) + 4096];
  if (len > sizeof buf - sizeof(proto::MsgHeader)) return -90;  // EMSGSIZE
  proto::MsgHeader h{proto::kMagic, type, proto::kVersion, len, 0};
  sys::mem_copy(buf, &h, sizeof h);
  sys::mem_copy(buf + sizeof h, payload, len);
  long r = sys::write_all(fd, buf, sizeof h + len);
  return r < 0 ? r : 0;
}

long coord_recv(int fd, proto::MsgHeader* h, void* payload, uint32_t cap, int timeout_ms) {
  long r = read_exact(fd, h, sizeof *h, timeout_ms);
  if (r < 0) return r;
  if (h->magic != proto::kMagic || h->length > proto::kMaxPayload) return -71;  // EPROTO
  uint32_t keep = h->length < cap ? h->length : cap;
  r = read_exact(fd, payload, keep, timeout_ms);
  if (r < 0) return r;
  char sink[512];
  for (uint32_t left = h->length - keep; left > 0;) {
    uint32_t n = left < sizeof sink ? left : sizeof sink;
    r = read_exact(fd, sink, n, timeout_ms);
    if (r < 0) return r;
    left -= n;
  }
  return keep;
}

void note_pending_abort(const char* reason) {
  g_pending_abort.aborted = 1;
  sys::str_copy(g_pending_abort.reason, reason, sizeof g_pending_abort.reason);
}

bool take_pending_abort(BarrierOutcome* outcome) {
  if (!g_pending_abort.aborted) return false;
  *outcome = g_pending_abort;
  clear_pending_abort();
  return true;
}

void clear_pending_abort() {
  g_pending_abort.aborted = 0;
  g_pending_abort.reason[0] = '\0';
}

long coord_barrier(int fd, const char* name, int timeout_ms, BarrierOutcome* outcome) {
  if (take_pending_abort(outcome)) return 0;
  outcome->aborted = 0;
  outcome->reason[0] = '\0';
  proto::Barrier b{};
  sys::str_copy(b.name, name, sizeof b.name);
  long rc = coord_send(fd, proto::kBarrier, &b, sizeof b);
  while (rc == 0) {
    proto::MsgHeader h;
    char payload[1200];
    long n = coord_recv(fd, &h, payload, sizeof payload - 1, timeout_ms);
    if (n < 0) return n;
    payload[n] = '\0';
    if (h.type == proto::kRelease && sys::str_eq(payload, name)) return 0;
    if (h.type == proto::kKill) {
      sys::kill(sys::getpid(), 9);
    }
    if (h.type == proto::kAbort) {
      outcome->aborted = 1;
      sys::str_copy(outcome->reason, payload, sizeof outcome->reason);
      return 0;
    }
  }
  return rc;
}

}  // namespace ckpt
