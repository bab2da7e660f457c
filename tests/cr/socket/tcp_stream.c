/* tests/cr/socket/tcp_stream.c
 * A TCP connection between two processes of the computation (the test forks the server)
 * survives checkpoint/restart with megabytes in flight in both directions: each side writes
 * until its socket is full before the checkpoint, then both finish their 32 MiB streams and
 * check every byte. tcp6_stream.c builds the same over IPv6 (::1). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>

#include "stream_check.h"

#define TOTAL (32ull << 20)
#ifndef FAMILY
#define FAMILY AF_INET
#endif

static int make_listener(int family, struct sockaddr_storage* a, socklen_t* len) {
  int l = socket(family, SOCK_STREAM, 0);
  int one = 1;
  CT_CHECK(l >= 0 && setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
  memset(a, 0, sizeof *a);
  if (family == AF_INET) {
    struct sockaddr_in* in = (struct sockaddr_in*)a;
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    *len = sizeof *in;
  } else {
    struct sockaddr_in6* in6 = (struct sockaddr_in6*)a;
    in6->sin6_family = AF_INET6;
    in6->sin6_addr = in6addr_loopback;
    *len = sizeof *in6;
  }
  CT_CHECK(bind(l, (struct sockaddr*)a, *len) == 0 && listen(l, 4) == 0);
  CT_CHECK(getsockname(l, (struct sockaddr*)a, len) == 0);
  return l;
}

static void run_side(int fd, int server, const char* result) {
  stream_t s = {server ? 0x5151u : 0xC1C1u, server ? 0xC1C1u : 0x5151u, TOTAL, 0, 0};
  big_buffers(fd);
  int one = 1;
  CT_CHECK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
  ct_sleep_ms(200); /* let the peer set its buffers too */
  uint64_t burst = fill_burst(fd, &s);
  ct_log("%s: %llu bytes in flight before the checkpoint", server ? "server" : "client",
         (unsigned long long)burst);
  if (burst < (1u << 20)) ct_fail("only %llu bytes in flight", (unsigned long long)burst);

  ct_checkpoint_point();

  pump(fd, &s);
  int v = 0;
  socklen_t len = sizeof v;
  CT_CHECK(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v == 1);
  if (server) put_result(result, 'k');
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int family = FAMILY;
  char result[4096];
  snprintf(result, sizeof result, "%s", ct_path("server.result"));
  struct sockaddr_storage a;
  socklen_t len;
  int l = make_listener(family, &a, &len);
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid == 0) {
    int c = accept(l, NULL, NULL);
    CT_CHECK(c >= 0);
    close(l);
    run_side(c, 1, result);
    _exit(0);
  }
  close(l);
  int c = socket(family, SOCK_STREAM, 0);
  CT_CHECK(c >= 0 && connect(c, (struct sockaddr*)&a, len) == 0);
  run_side(c, 0, result);
  CT_CHECK(wait_result(result) == 'k');
  ct_pass();
}
