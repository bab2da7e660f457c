/* tests/cr/fd/socket_unsupported.c: the program of error case unsupported_socket
 * (tests/harness/error_cases.py): it holds a TCP connection to a listener of its own on
 * 127.0.0.1. Without the socket plugin `ckpt checkpoint` must fail naming the fd, and the
 * program must keep running: after the checkpoint point the connection still carries data. */
#include "ct.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int lst = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  CT_CHECK(lst >= 0 && bind(lst, (struct sockaddr*)&a, sizeof a) == 0 && listen(lst, 1) == 0);
  CT_CHECK(getsockname(lst, (struct sockaddr*)&a, &len) == 0);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  CT_CHECK(c >= 0 && connect(c, (struct sockaddr*)&a, sizeof a) == 0);
  int s = accept(lst, NULL, NULL);
  CT_CHECK(s >= 0);
  ct_log("client fd %d", c);

  ct_checkpoint_point();

  char buf[8] = {0};
  CT_CHECK(write(c, "ping", 4) == 4 && read(s, buf, sizeof buf) == 4);
  CT_CHECK(memcmp(buf, "ping", 4) == 0);
  ct_pass();
}
