// plugins/socket/socket_addr.cc: see socket_addr.h. Checkpoint path: yes.
#include "socket_addr.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "socket_sys.h"

namespace ckpt::socket {

Fmt& Fmt::s(const char* str) {
  while (*str != '\0' && len + 1 < cap) out[len++] = *str++;
  if (cap) out[len] = '\0';
  return *this;
}

Fmt& Fmt::c(char ch) {
  char b[2] = {ch, '\0'};
  return s(b);
}

Fmt& Fmt::u(uint64_t v) {
  char b[24];
  int n = 0;
  do {
    b[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) c(b[--n]);
  return *this;
}

Fmt& Fmt::i(int64_t v) {
  if (v < 0) {
    c('-');
    return u(static_cast<uint64_t>(-v));
  }
  return u(static_cast<uint64_t>(v));
}

Fmt& Fmt::hex(uint64_t v) {
  const char* digits = "0123456789abcdef";
  char b[20];
  int n = 0;
  do {
    b[n++] = digits[v & 15];
    v >>= 4;
  } while (v != 0);
  while (n > 0) c(b[--n]);
  return *this;
}

namespace {

bool v4_mapped(const sockaddr_in6* a) {
  static const unsigned char kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return memcmp(a->sin6_addr.s6_addr, kPrefix, 12) == 0;
}

void hex_bytes(Fmt& f, const unsigned char* p, int n) {
  const char* digits = "0123456789abcdef";
  for (int k = 0; k < n; ++k) f.c(digits[p[k] >> 4]).c(digits[p[k] & 15]);
}

}  // namespace

int addr_port(const Addr& a) {
  if (a.ss.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&a.ss)->sin_port);
  }
  if (a.ss.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&a.ss)->sin6_port);
  }
  return 0;
}

void endpoint_name(int domain, const Addr& a, uint64_t ino, char* out, size_t cap) {
  Fmt f(out, cap);
  if (domain == AF_UNIX) {
    f.s("u:").u(ino);
    return;
  }
  if (a.ss.ss_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(&a.ss);
    hex_bytes(f.s("4:"), reinterpret_cast<const unsigned char*>(&in->sin_addr), 4);
  } else {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a.ss);
    if (v4_mapped(in6)) {
      hex_bytes(f.s("4:"), in6->sin6_addr.s6_addr + 12, 4);
    } else {
      hex_bytes(f.s("6:"), in6->sin6_addr.s6_addr, 16);
    }
  }
  f.c(':').u(static_cast<uint64_t>(addr_port(a)));
}

void describe_addr(int domain, const Addr& a, char* out, size_t cap) {
  Fmt f(out, cap);
  if (domain == AF_UNIX) {
    auto* un = reinterpret_cast<const sockaddr_un*>(&a.ss);
    size_t n = a.len > sizeof(sa_family_t) ? a.len - sizeof(sa_family_t) : 0;
    if (n == 0) {
      f.s("unnamed");
    } else if (un->sun_path[0] == '\0') {
      f.c('@');
      for (size_t k = 1; k < n && k < sizeof un->sun_path; ++k) f.c(un->sun_path[k]);
    } else {
      f.s(un->sun_path);
    }
    return;
  }
  if (a.ss.ss_family == AF_INET) {
    auto* p = reinterpret_cast<const unsigned char*>(
        &reinterpret_cast<const sockaddr_in*>(&a.ss)->sin_addr);
    f.u(p[0]).c('.').u(p[1]).c('.').u(p[2]).c('.').u(p[3]);
  } else {
    const unsigned char* p = reinterpret_cast<const sockaddr_in6*>(&a.ss)->sin6_addr.s6_addr;
    f.c('[');
    for (int k = 0; k < 16; k += 2) {
      f.hex(static_cast<uint64_t>(p[k] << 8 | p[k + 1]));
      if (k < 14) f.c(':');
    }
    f.c(']');
  }
  f.c(':').u(static_cast<uint64_t>(addr_port(a)));
}

bool is_named(int domain, const Addr& a) {
  if (domain == AF_UNIX) return a.len > sizeof(sa_family_t);
  return addr_port(a) != 0;
}

uint64_t unix_peer_inode(uint64_t ino) {
  long nl = sys::sock(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (nl < 0) return 0;
  struct {
    nlmsghdr h;
    unix_diag_req r;
  } req{};
  req.h.nlmsg_len = sizeof req;
  req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  req.h.nlmsg_flags = NLM_F_REQUEST;
  req.r.sdiag_family = AF_UNIX;
  req.r.udiag_states = ~0u;
  req.r.udiag_ino = static_cast<uint32_t>(ino);
  req.r.udiag_show = UDIAG_SHOW_PEER;
  req.r.udiag_cookie[0] = req.r.udiag_cookie[1] = ~0u;
  uint64_t peer = 0;
  alignas(8) char buf[1024];
  if (sys::sc(SYS_sendto, nl, &req, sizeof req, 0, 0, 0) == sizeof req) {
    long n = sys::sc(SYS_recvfrom, nl, buf, sizeof buf, 0, 0, 0);
    auto* h = reinterpret_cast<nlmsghdr*>(buf);
    if (n >= static_cast<long>(NLMSG_LENGTH(sizeof(unix_diag_msg))) &&
        h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
      auto* m = static_cast<unix_diag_msg*>(NLMSG_DATA(h));
      long rest = static_cast<long>(h->nlmsg_len) - NLMSG_LENGTH(sizeof *m);
      for (auto* at = reinterpret_cast<nlattr*>(m + 1); rest >= static_cast<long>(sizeof *at) &&
                                                      at->nla_len >= sizeof *at;) {
        if (at->nla_type == UNIX_DIAG_PEER) peer = *reinterpret_cast<uint32_t*>(at + 1);
        long step = NLA_ALIGN(at->nla_len);
        rest -= step;
        at = reinterpret_cast<nlattr*>(reinterpret_cast<char*>(at) + step);
      }
    }
  }
  sys::close_fd(static_cast<int>(nl));
  return peer;
}

bool host_address(int domain, int port, Addr* out) {
  if (domain != AF_INET) return false;
  long fd = sys::sc(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  struct ifreq reqs[16];
  struct ifconf conf{};
  conf.ifc_len = sizeof reqs;
  conf.ifc_req = reqs;
  bool found = false;
  if (sys::ioctl(static_cast<int>(fd), SIOCGIFCONF, &conf) == 0) {
    int n = conf.ifc_len / static_cast<int>(sizeof reqs[0]);
    for (int i = 0; i < n && !found; ++i) {
      auto* in = reinterpret_cast<sockaddr_in*>(&reqs[i].ifr_addr);
      struct ifreq flags = reqs[i];
      if (in->sin_family != AF_INET ||
          sys::ioctl(static_cast<int>(fd), SIOCGIFFLAGS, &flags) != 0 ||
          !(flags.ifr_flags & IFF_UP) || (flags.ifr_flags & IFF_LOOPBACK)) {
        continue;
      }
      memset(out, 0, sizeof *out);
      auto* o = reinterpret_cast<sockaddr_in*>(&out->ss);
      o->sin_family = AF_INET;
      o->sin_addr = in->sin_addr;
      o->sin_port = htons(static_cast<uint16_t>(port));
      out->len = sizeof *o;
      found = true;
    }
  }
  sys::close_fd(static_cast<int>(fd));
  return found;
}

}  // namespace ckpt::socket
