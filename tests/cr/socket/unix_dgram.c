/* tests/cr/socket/unix_dgram.c
 * Unix datagram sockets: a server bound to a path, a client bound to an abstract name and
 * connected to the server, and a datagram socketpair. All keep their names and peers;
 * datagrams flow both ways after the checkpoint. */
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ct.h"

static socklen_t make_addr(struct sockaddr_un* a, const char* name, int abstract) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  snprintf(a->sun_path + (abstract ? 1 : 0), sizeof a->sun_path - 1, "%s", name);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (abstract ? 1 : 0) +
                     strlen(a->sun_path + (abstract ? 1 : 0)) + (abstract ? 0 : 1));
}

static void exchange(int srv, int cli, int pair[2], int n) {
  char msg[64], buf[64];
  int len = snprintf(msg, sizeof msg, "datagram %d", n);
  struct sockaddr_un from;
  socklen_t flen = sizeof from;
  CT_CHECK(send(cli, msg, (size_t)len, 0) == len);
  CT_CHECK(recvfrom(srv, buf, sizeof buf, 0, (struct sockaddr*)&from, &flen) == len);
  CT_CHECK(memcmp(buf, msg, (size_t)len) == 0 && from.sun_path[0] == '\0'); /* abstract */
  CT_CHECK(sendto(srv, msg, (size_t)len, 0, (struct sockaddr*)&from, flen) == len);
  CT_CHECK(recv(cli, buf, sizeof buf, 0) == len && memcmp(buf, msg, (size_t)len) == 0);
  CT_CHECK(send(pair[0], msg, (size_t)len, 0) == len);
  CT_CHECK(recv(pair[1], buf, sizeof buf, 0) == len && memcmp(buf, msg, (size_t)len) == 0);
  CT_CHECK(send(pair[1], msg, 3, 0) == 3);
  CT_CHECK(recv(pair[0], buf, sizeof buf, 0) == 3 && memcmp(buf, msg, 3) == 0);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char abstract[64];
  snprintf(abstract, sizeof abstract, "ckpt-unix-dgram-%d", (int)getpid());
  struct sockaddr_un sa, ca, got;
  socklen_t slen = make_addr(&sa, ct_path("dgram.sock"), 0);
  socklen_t clen = make_addr(&ca, abstract, 1);
  int srv = socket(AF_UNIX, SOCK_DGRAM, 0), cli = socket(AF_UNIX, SOCK_DGRAM, 0), pair[2];
  CT_CHECK(srv >= 0 && cli >= 0 && socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) == 0);
  CT_CHECK(bind(srv, (struct sockaddr*)&sa, slen) == 0);
  CT_CHECK(bind(cli, (struct sockaddr*)&ca, clen) == 0);
  CT_CHECK(connect(cli, (struct sockaddr*)&sa, slen) == 0);
  for (int i = 0; i < 5; ++i) exchange(srv, cli, pair, i);

  ct_checkpoint_point();

  socklen_t glen = sizeof got;
  CT_CHECK(getsockname(srv, (struct sockaddr*)&got, &glen) == 0 && glen == slen &&
           memcmp(&got, &sa, slen) == 0);
  glen = sizeof got;
  CT_CHECK(getsockname(cli, (struct sockaddr*)&got, &glen) == 0 && glen == clen &&
           memcmp(&got, &ca, clen) == 0);
  glen = sizeof got;
  CT_CHECK(getpeername(cli, (struct sockaddr*)&got, &glen) == 0 && glen == slen &&
           memcmp(&got, &sa, slen) == 0);
  for (int i = 5; i < 10; ++i) exchange(srv, cli, pair, i);
  ct_pass();
}
