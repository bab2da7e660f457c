/* tests/cr/fd/claimed_socket.c: sockets claimed by a plugin (claim_plugin.c, loaded by the
 * test) do not stop the checkpoint; at restart their numbers are left to the plugin while
 * an internal pipe, a file and an epoll set watching a claimed socket come back around
 * them: the pipe keeps its bytes, and the epoll set holds the socket the plugin put back. */
#include "ct.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int lst = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  CT_CHECK(lst >= 0 && bind(lst, (struct sockaddr*)&a, sizeof a) == 0 && listen(lst, 1) == 0);
  int p[2];
  CT_CHECK(pipe(p) == 0 && write(p[1], "in flight", 9) == 9);
  int file = open(ct_path("f"), O_CREAT | O_RDWR, 0600);
  int ep = epoll_create1(0);
  CT_CHECK(file >= 0 && ep >= 0);
  struct epoll_event e = {.events = EPOLLIN, .data.u64 = 77};
  CT_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, lst, &e) == 0);
  CT_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e) == 0);

  ct_checkpoint_point();

  int type = 0;
  socklen_t len = sizeof type;
  CT_CHECK(getsockopt(lst, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM);
  char buf[16] = {0};
  CT_CHECK(read(p[0], buf, sizeof buf) == 9 && memcmp(buf, "in flight", 9) == 0);
  CT_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, lst, &e) == -1 && errno == EEXIST);
  CT_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e) == -1 && errno == EEXIST);
  CT_CHECK(write(file, "ok", 2) == 2);
  ct_pass();
}
