/* tests/cr/socket/many_conns.c
 * Sixteen TCP connections through one listener (server forked), each with bytes in flight
 * both ways at the checkpoint, each stream checked to its end; then the restored listener
 * (same port) accepts one more connection. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "stream_check.h"

#define NCONN 16
#define TOTAL (1ull << 20)

static void run_streams(int* fds, stream_t* s, int server) {
  for (int i = 0; i < NCONN; ++i) {
    s[i] = (stream_t){server ? 100u + i : 200u + i, server ? 200u + i : 100u + i, TOTAL, 0, 0};
    fill_burst(fds[i], &s[i]);
  }
  ct_checkpoint_point();
  for (int i = 0; i < NCONN; ++i) pump(fds[i], &s[i]);
}

static void server(int l, const char* result) {
  int fds[NCONN];
  stream_t s[NCONN];
  for (int i = 0; i < NCONN; ++i) {
    fds[i] = accept(l, NULL, NULL);
    CT_CHECK(fds[i] >= 0);
  }
  run_streams(fds, s, 1);
  int extra = accept(l, NULL, NULL); /* after the restart: the listener is back */
  CT_CHECK(extra >= 0);
  stream_t e = {7, 8, 65536, 0, 0};
  pump(extra, &e);
  put_result(result, 'k');
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char result[4096];
  snprintf(result, sizeof result, "%s", ct_path("server.result"));
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  CT_CHECK(l >= 0 && setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
  CT_CHECK(bind(l, (struct sockaddr*)&a, len) == 0 && listen(l, NCONN + 1) == 0);
  CT_CHECK(getsockname(l, (struct sockaddr*)&a, &len) == 0);
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid == 0) {
    server(l, result);
    _exit(0);
  }
  close(l);
  int fds[NCONN];
  stream_t s[NCONN];
  for (int i = 0; i < NCONN; ++i) {
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    CT_CHECK(fds[i] >= 0 && connect(fds[i], (struct sockaddr*)&a, len) == 0);
  }
  ct_sleep_ms(100); /* all accepted before the checkpoint */
  run_streams(fds, s, 0);
  int extra = socket(AF_INET, SOCK_STREAM, 0);
  CT_CHECK(extra >= 0 && connect(extra, (struct sockaddr*)&a, len) == 0);
  stream_t e = {8, 7, 65536, 0, 0};
  pump(extra, &e);
  CT_CHECK(wait_result(result) == 'k');
  ct_pass();
}
