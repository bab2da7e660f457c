// tests/unit/socket/socket_host_addr_test.cc: what the socket plugin binds when a process
// is restored on a host that lacks its old IP (plugins/socket/socket_host_addr.h).
#include "socket_host_addr.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ckpt::socket {
namespace {

Addr ipv4(const char* ip, int port) {
  Addr a{};
  auto* in = reinterpret_cast<sockaddr_in*>(&a.ss);
  in->sin_family = AF_INET;
  in->sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip, &in->sin_addr);
  a.len = sizeof *in;
  return a;
}

TEST(SocketHostAddr, ForeignAddressIsGone) {
  // 192.0.2.1 (TEST-NET-1) is an address of no host here: bind fails as on another node.
  Addr a = ipv4("192.0.2.1", 0);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  long rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a.ss), a.len) == 0 ? 0 : -errno;
  ::close(fd);
  EXPECT_TRUE(address_gone(rc)) << "bind to 192.0.2.1 returned " << rc;
  EXPECT_FALSE(address_gone(-EADDRINUSE));
  EXPECT_FALSE(address_gone(0));
}

TEST(SocketHostAddr, WildcardKeepsThePort) {
  Addr w = wildcard_of(ipv4("10.77.0.1", 4242));
  auto* in = reinterpret_cast<sockaddr_in*>(&w.ss);
  EXPECT_EQ(in->sin_addr.s_addr, htonl(INADDR_ANY));
  EXPECT_EQ(ntohs(in->sin_port), 4242);
  EXPECT_EQ(w.len, sizeof(sockaddr_in));
  Addr six{};
  six.ss.ss_family = AF_INET6;
  reinterpret_cast<sockaddr_in6*>(&six.ss)->sin6_port = htons(80);
  inet_pton(AF_INET6, "fd00::1", &reinterpret_cast<sockaddr_in6*>(&six.ss)->sin6_addr);
  Addr w6 = wildcard_of(six);
  EXPECT_EQ(memcmp(&reinterpret_cast<sockaddr_in6*>(&w6.ss)->sin6_addr, &in6addr_any, 16), 0);
  EXPECT_EQ(ntohs(reinterpret_cast<sockaddr_in6*>(&w6.ss)->sin6_port), 80);
}

TEST(SocketHostAddr, LocalAddressTowardAPeerIsBindable) {
  Addr out{};
  ASSERT_TRUE(local_address_toward(AF_INET, ipv4("127.0.0.1", 9), &out));
  auto* in = reinterpret_cast<sockaddr_in*>(&out.ss);
  char text[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
  EXPECT_STREQ(text, "127.0.0.1");
  EXPECT_EQ(in->sin_port, 0);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&out.ss), out.len), 0) << strerror(errno);
  ::close(fd);
  EXPECT_FALSE(local_address_toward(AF_UNIX, ipv4("127.0.0.1", 9), &out));
}

}  // namespace
}  // namespace ckpt::socket
