/* tests/multihost/host_stream.c
 * A client/server computation across hosts: one TCP connection with a checked byte stream
 * each way (tests/cr/socket/stream_check.h: every byte is compared with the sender's
 * pseudo-random stream at its offset). Each side reports its host, writes until its socket
 * is full (bytes in flight both ways), waits at the checkpoint point (the driver
 * checkpoints, kills and restarts both on two other hosts), reports its host again and
 * finishes both streams. The server's listener is bound to its host's own IP, which the
 * new host does not have: it must still listen on the same port after the restart.
 * Usage: host_stream server BIND_IP PORT | host_stream client SERVER_IP PORT */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "stream_check.h"

#define TOTAL (16ull << 20)

static void say_host(const char* when) {
  char host[256] = {0};
  CT_CHECK(gethostname(host, sizeof host - 1) == 0);
  ct_log("%s host=%s pid=%d", when, host, (int)getpid());
}

static int dial(const struct sockaddr_in* a) {
  for (int i = 0; i < 200; ++i, ct_sleep_ms(50)) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CT_CHECK(c >= 0);
    if (connect(c, (const struct sockaddr*)a, sizeof *a) == 0) return c;
    close(c);
  }
  ct_fail("cannot connect to the server");
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  CT_CHECK(argc == 4);
  int server = strcmp(argv[1], "server") == 0;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3]))};
  CT_CHECK(inet_pton(AF_INET, argv[2], &a.sin_addr) == 1);
  say_host("before");
  int l = -1, fd;
  if (server) {
    int one = 1;
    l = socket(AF_INET, SOCK_STREAM, 0);
    CT_CHECK(l >= 0 && setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
    CT_CHECK(bind(l, (struct sockaddr*)&a, sizeof a) == 0 && listen(l, 4) == 0);
    ct_log("listening");
    CT_CHECK((fd = accept(l, NULL, NULL)) >= 0);
  } else {
    fd = dial(&a);
  }
  stream_t s = {server ? 0x5151u : 0xC1C1u, server ? 0xC1C1u : 0x5151u, TOTAL, 0, 0};
  big_buffers(fd);
  ct_sleep_ms(200); /* let the peer set its buffers too */
  uint64_t burst = fill_burst(fd, &s);
  if (burst < (256u << 10)) ct_fail("only %llu bytes in flight", (unsigned long long)burst);

  ct_checkpoint_point(); /* driver: checkpoint, kill, restart on two other hosts */

  say_host("after");
  pump(fd, &s);
  if (server) {
    struct sockaddr_in now;
    socklen_t len = sizeof now;
    CT_CHECK(getsockname(l, (struct sockaddr*)&now, &len) == 0 && now.sin_port == a.sin_port);
  }
  ct_log("result %s sent %llu received %llu", argv[1], (unsigned long long)s.sent,
         (unsigned long long)s.recvd);
  ct_pass();
}
