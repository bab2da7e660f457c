/* tests/cr/socket/udp.c
 * UDP sockets survive: a bound server socket keeps its port, a connected client keeps its
 * peer and its own port, datagrams flow both ways after the checkpoint. A datagram left in
 * flight may be dropped by a restart (UDP semantics) but is never altered. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "ct.h"

static void roundtrip(int srv, int cli, int n) {
  char msg[64], buf[64];
  int len = snprintf(msg, sizeof msg, "datagram %d", n);
  CT_CHECK(send(cli, msg, (size_t)len, 0) == len);
  struct sockaddr_in from;
  socklen_t flen = sizeof from;
  CT_CHECK(recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr*)&from, &flen) == len);
  CT_CHECK(memcmp(buf, msg, (size_t)len) == 0);
  CT_CHECK(sendto(srv, msg, (size_t)len, 0, (struct sockaddr*)&from, flen) == len);
  CT_CHECK(recv(cli, buf, sizeof buf, 0) == len && memcmp(buf, msg, (size_t)len) == 0);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int srv = socket(AF_INET, SOCK_DGRAM, 0), cli = socket(AF_INET, SOCK_DGRAM, 0);
  CT_CHECK(srv >= 0 && cli >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  CT_CHECK(bind(srv, (struct sockaddr*)&a, len) == 0);
  CT_CHECK(getsockname(srv, (struct sockaddr*)&a, &len) == 0);
  CT_CHECK(connect(cli, (struct sockaddr*)&a, len) == 0);
  struct sockaddr_in cli_addr;
  socklen_t clen = sizeof cli_addr;
  CT_CHECK(getsockname(cli, (struct sockaddr*)&cli_addr, &clen) == 0);
  for (int i = 0; i < 10; ++i) roundtrip(srv, cli, i);
  CT_CHECK(send(cli, "in flight", 9, 0) == 9);

  ct_checkpoint_point();

  char buf[64];
  ssize_t n = recv(srv, buf, sizeof buf, MSG_DONTWAIT);
  CT_CHECK((n == 9 && memcmp(buf, "in flight", 9) == 0) || (n < 0 && errno == EAGAIN));
  struct sockaddr_in now;
  socklen_t nlen = sizeof now;
  CT_CHECK(getsockname(srv, (struct sockaddr*)&now, &nlen) == 0 && now.sin_port == a.sin_port);
  CT_CHECK(getsockname(cli, (struct sockaddr*)&now, &nlen) == 0 &&
           now.sin_port == cli_addr.sin_port);
  CT_CHECK(getpeername(cli, (struct sockaddr*)&now, &nlen) == 0 && now.sin_port == a.sin_port);
  for (int i = 10; i < 20; ++i) roundtrip(srv, cli, i);
  ct_pass();
}
