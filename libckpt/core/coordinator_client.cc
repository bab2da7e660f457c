// libckpt/core/coordinator_client.cc: see coordinator_client.h. Checkpoint path: yes.
#include "core/coordinator_client.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include "core/proc_maps.h"
#include "sys/str.h"
#include "sys/syscall.h"

namespace ckpt {

namespace {

bool parse_ipv4(const char* s, uint32_t* out) {
  uint32_t v = 0;
  for (int part = 0; part < 4; ++part) {
    const char* end;
    uint64_t n = sys::parse_u64(s, &end);
    if (end == s || n > 255 || (part < 3 && *end != '.')) return false;
    v = (v << 8) | static_cast<uint32_t>(n);
    s = end + 1;
    if (part == 3 && *end != '\0') return false;
  }
  *out = v;
  return true;
}

// Looks `name` up in /etc/hosts (IPv4 entries only).
bool lookup_hosts_file(const char* name, uint32_t* out) {
  static char buf[16384];
  long n = read_proc_file("/etc/hosts", buf, sizeof buf);
  for (char* line = buf; n > 0 && line < buf + n;) {
    char* eol = line;
    while (*eol != '\0' && *eol != '\n') ++eol;
    *eol = '\0';
    char* p = line;
    while (*p != '\0' && *p != ' ' && *p != '\t') ++p;
    bool has_more = *p != '\0';
    *p = '\0';
    uint32_t addr;
    for (char* w = p + 1; has_more && parse_ipv4(line, &addr) && w < eol;) {
      while (*w == ' ' || *w == '\t') ++w;
      char* we = w;
      while (*we != '\0' && *we != ' ' && *we != '\t') ++we;
      char save = *we;
      *we = '\0';
      bool match = sys::str_eq(w, name);
      *we = save;
      if (match) {
        *out = addr;
        return true;
      }
      w = (save == '\0') ? eol : we + 1;
    }
    line = eol + 1;
  }
  return false;
}

bool resolve(const char* host, uint32_t* out) {
  if (host == nullptr || host[0] == '\0' || sys::str_eq(host, "localhost")) {
    *out = 0x7f000001;
    return true;
  }
  return parse_ipv4(host, out) || lookup_hosts_file(host, out);
}

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
  uint32_t addr;
  if (!resolve(host, &addr)) return -2;  // ENOENT: unknown host
  long fd = sys::call(sys::kSocket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fd;
  struct sockaddr_in sa {};
  sa.sin_family = AF_INET;
  sa.sin_port = __builtin_bswap16(static_cast<uint16_t>(sys::parse_u64(port, nullptr)));
  sa.sin_addr.s_addr = __builtin_bswap32(addr);
  long rc = sys::call(sys::kConnect, fd, &sa, sizeof sa);
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

long coord_barrier(int fd, const char* name, int timeout_ms, BarrierOutcome* outcome) {
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
