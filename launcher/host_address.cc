// launcher/host_address.cc: see host_address.h.
#include "launcher/host_address.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "launcher/messages.h"

namespace ckpt::launcher {

namespace {

std::string numeric(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

bool is_numeric(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

bool in_hosts_file(const std::string& name) {
  std::ifstream in("/etc/hosts");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line.substr(0, line.find('#')));
    std::string word;
    words >> word;  // the address
    while (words >> word) {
      if (word == name) {
        return true;
      }
    }
  }
  return false;
}

// The source address of a UDP "connection" to `peer` (no packet is sent).
std::string source_address_toward(const std::string& peer) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (peer.empty() || getaddrinfo(peer.c_str(), "9", &hints, &res) != 0) {
    return "";
  }
  std::string out;
  int fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
    out = numeric(reinterpret_cast<sockaddr*>(&ss));
  }
  if (fd >= 0) {
    close(fd);
  }
  freeaddrinfo(res);
  return is_loopback_or_wildcard(out) ? "" : out;
}

}  // namespace

bool is_interface_address(const std::string& host) {
  ifaddrs* list = nullptr;
  if (!is_numeric(host) || getifaddrs(&list) != 0) {
    return false;
  }
  bool found = false;
  for (ifaddrs* i = list; i != nullptr && !found; i = i->ifa_next) {
    found = i->ifa_addr != nullptr && numeric(i->ifa_addr) == host;
  }
  freeifaddrs(list);
  return found;
}

bool is_loopback_or_wildcard(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1" ||
         host == "0.0.0.0" || host == "::" || host == "[::1]";
}

Result<std::string> routable_address_toward(const std::string& peer) {
  std::string via_route = source_address_toward(peer);
  if (!via_route.empty()) {
    return via_route;
  }
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) {
    return Status::from_errno(Code::kIo, "getifaddrs");
  }
  std::string found;
  for (ifaddrs* i = list; i != nullptr && found.empty(); i = i->ifa_next) {
    if (i->ifa_addr != nullptr && i->ifa_addr->sa_family == AF_INET &&
        (i->ifa_flags & IFF_UP) != 0 && (i->ifa_flags & IFF_LOOPBACK) == 0) {
      found = numeric(i->ifa_addr);
    }
  }
  freeifaddrs(list);
  if (found.empty()) {
    return Status(Code::kUnavailable, msg::no_routable_address(peer));
  }
  return found;
}

Result<std::string> host_for_libckpt(const std::string& host) {
  if (host == "localhost" || is_numeric(host) || in_hosts_file(host)) {
    return host;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    return Status(Code::kNotFound, msg::unknown_coord_host(host, gai_strerror(rc)));
  }
  std::string out = numeric(res->ai_addr);
  freeaddrinfo(res);
  return out;
}

}  // namespace ckpt::launcher
