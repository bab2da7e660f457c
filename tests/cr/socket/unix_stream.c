/* tests/cr/socket/unix_stream.c
 * Unix stream sockets: a forked server listens on a named path and on an abstract name;
 * the client connects to both, and also holds a socketpair. Every connection has bytes in
 * flight both ways at the checkpoint and is checked to its end; then both listeners (same
 * names) accept one more connection each. */
#include <stddef.h>
#include <stdio.h>
#include <sys/un.h>

#include "stream_check.h"

#define TOTAL (2ull << 20)

static socklen_t make_addr(struct sockaddr_un* a, const char* name, int abstract) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  snprintf(a->sun_path + (abstract ? 1 : 0), sizeof a->sun_path - 1, "%s", name);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (abstract ? 1 : 0) +
                     strlen(a->sun_path + (abstract ? 1 : 0)) + (abstract ? 0 : 1));
}

static int listener(struct sockaddr_un* a, socklen_t len) {
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  CT_CHECK(l >= 0 && bind(l, (struct sockaddr*)a, len) == 0 && listen(l, 4) == 0);
  return l;
}

static int dial(struct sockaddr_un* a, socklen_t len) {
  int c = socket(AF_UNIX, SOCK_STREAM, 0);
  CT_CHECK(c >= 0 && connect(c, (struct sockaddr*)a, len) == 0);
  return c;
}

static void short_stream(int fd, int server) {
  stream_t e = {server ? 31u : 32u, server ? 32u : 31u, 65536, 0, 0};
  pump(fd, &e);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char result[4096], abstract[64];
  snprintf(result, sizeof result, "%s", ct_path("server.result"));
  snprintf(abstract, sizeof abstract, "ckpt-unix-stream-%d", (int)getpid());
  struct sockaddr_un na, aa;
  socklen_t nlen = make_addr(&na, ct_path("named.sock"), 0);
  socklen_t alen = make_addr(&aa, abstract, 1);
  int ln = listener(&na, nlen), la = listener(&aa, alen);
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  int server = pid == 0;
  int fds[4];
  stream_t s[4];
  int n = server ? 2 : 4;
  if (server) {
    fds[0] = accept(ln, NULL, NULL);
    fds[1] = accept(la, NULL, NULL);
    CT_CHECK(fds[0] >= 0 && fds[1] >= 0);
  } else {
    close(ln);
    close(la);
    fds[0] = dial(&na, nlen);
    fds[1] = dial(&aa, alen);
    CT_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds + 2) == 0);
  }
  for (int i = 0; i < n; ++i) {
    uint64_t mine = (uint64_t)(server ? 10 + i : 20 + i);
    uint64_t theirs = (uint64_t)(server ? 20 + i : 10 + i);
    if (i >= 2) mine = (uint64_t)(40 + i), theirs = (uint64_t)(40 + (5 - i)); /* pair: 42<->43 */
    s[i] = (stream_t){mine, theirs, TOTAL, 0, 0};
    fill_burst(fds[i], &s[i]);
  }
  ct_checkpoint_point();
  if (!server) { /* the socketpair's two ends must be pumped together */
    while (s[2].sent < TOTAL || s[2].recvd < TOTAL || s[3].sent < TOTAL || s[3].recvd < TOTAL) {
      stream_send(fds[2], &s[2]);
      stream_send(fds[3], &s[3]);
      stream_recv(fds[2], &s[2]);
      stream_recv(fds[3], &s[3]);
    }
  }
  for (int i = 0; i < 2; ++i) pump(fds[i], &s[i]);
  if (server) {
    int c1 = accept(ln, NULL, NULL), c2 = accept(la, NULL, NULL);
    CT_CHECK(c1 >= 0 && c2 >= 0);
    short_stream(c1, 1);
    short_stream(c2, 1);
    put_result(result, 'k');
    _exit(0);
  }
  int d1 = dial(&na, nlen), d2 = dial(&aa, alen);
  short_stream(d1, 0);
  short_stream(d2, 0);
  CT_CHECK(wait_result(result) == 'k');
  ct_pass();
}
