// plugins/socket/socket_host.cc: see socket_host.h. Checkpoint path: yes.
#include "socket_host.h"

#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>

#include "socket_sys.h"

namespace ckpt::socket {

namespace {

bool routable(const sockaddr_in& in) {
  uint32_t a = ntohl(in.sin_addr.s_addr);
  return a != 0 && (a >> 24) != 127;
}

struct Found {
  bool ok;
  sockaddr_in in;
};

void from_connected_socket(int fd, void* ctx) {
  auto* f = static_cast<Found*>(ctx);
  if (f->ok || sys::getopt(fd, SOL_SOCKET, SO_DOMAIN) != AF_INET ||
      sys::getopt(fd, SOL_SOCKET, SO_TYPE) != SOCK_STREAM) {
    return;
  }
  sockaddr_in local{}, peer{};
  socklen_t len = sizeof local, plen = sizeof peer;
  if (sys::sc(SYS_getpeername, fd, &peer, &plen) < 0 ||
      sys::sc(SYS_getsockname, fd, &local, &len) < 0 || !routable(local)) {
    return;
  }
  f->in = local;
  f->ok = true;
}

bool from_interfaces(Found* f) {
  long s = sys::sock(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  ifreq reqs[32];
  ifconf conf{};
  conf.ifc_len = sizeof reqs;
  conf.ifc_req = reqs;
  long rc = sys::ioctl(static_cast<int>(s), SIOCGIFCONF, &conf);
  int n = rc < 0 ? 0 : conf.ifc_len / static_cast<int>(sizeof(ifreq));
  for (int i = 0; i < n && !f->ok; ++i) {
    sockaddr_in in;
    memcpy(&in, &reqs[i].ifr_addr, sizeof in);
    ifreq flags = reqs[i];
    bool up = sys::ioctl(static_cast<int>(s), SIOCGIFFLAGS, &flags) == 0 &&
              (flags.ifr_flags & IFF_UP) != 0 && (flags.ifr_flags & IFF_LOOPBACK) == 0;
    if (in.sin_family == AF_INET && up && routable(in)) {
      f->in = in;
      f->ok = true;
    }
  }
  sys::close_fd(static_cast<int>(s));
  return f->ok;
}

}  // namespace

bool host_address(Addr* out) {
  Found f{};
  for_each_fd(from_connected_socket, &f);
  if (!f.ok && !from_interfaces(&f)) return false;
  memset(out, 0, sizeof *out);
  f.in.sin_port = 0;
  memcpy(&out->ss, &f.in, sizeof f.in);
  out->len = sizeof f.in;
  return true;
}

}  // namespace ckpt::socket
