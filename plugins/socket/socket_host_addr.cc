// plugins/socket/socket_host_addr.cc: see socket_host_addr.h. Checkpoint path: yes.
#include "socket_host_addr.h"

#include <netinet/in.h>
#include <string.h>

#include "socket_sys.h"

namespace ckpt::socket {

bool address_gone(long err) { return err == -EADDRNOTAVAIL; }

bool local_address_toward(int domain, const Addr& toward, Addr* out) {
  if (domain != AF_INET && domain != AF_INET6) return false;
  long fd = sys::sock(domain, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  Addr a{};
  socklen_t len = sizeof a.ss;
  bool ok = sys::connect(static_cast<int>(fd), &toward.ss, toward.len) == 0 &&
            sys::sc(SYS_getsockname, fd, &a.ss, &len) == 0;
  sys::close_fd(static_cast<int>(fd));
  if (!ok) return false;
  a.len = len;
  reinterpret_cast<sockaddr_in*>(&a.ss)->sin_port = 0;  // same offset for sin6_port
  *out = a;
  return true;
}

Addr wildcard_of(const Addr& a) {
  Addr w = a;
  if (a.ss.ss_family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&w.ss)->sin_addr.s_addr = htonl(INADDR_ANY);
  } else if (a.ss.ss_family == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(&w.ss)->sin6_addr = in6addr_any;
  }
  return w;
}

}  // namespace ckpt::socket
