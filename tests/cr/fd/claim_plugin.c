/* tests/cr/fd/claim_plugin.c: a native plugin ("fdclaim") standing in for the socket
 * plugin, to test ckpt_fd_claim: at SUSPENDED it claims every socket fd below 100 (the
 * core's own fds are protected high numbers); at RESTART it puts a fresh TCP socket at each
 * claimed number, as a real plugin re-creates its endpoints. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ckpt/plugin.h"

static int claimed[100];
static int nclaimed;

static void claim_sockets(void) {
  nclaimed = 0;
  for (int fd = 0; fd < 100; ++fd) {
    char link[64], target[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    if (strncmp(target, "socket:", 7) == 0 && ckpt_fd_claim(fd, "fdclaim") == 0) {
      claimed[nclaimed++] = fd;
    }
  }
}

static int on_event(ckpt_event_t event, void* data) {
  (void)data;
  if (event == CKPT_EVENT_SUSPENDED) claim_sockets();
  if (event == CKPT_EVENT_RESTART) {
    for (int i = 0; i < nclaimed; ++i) {
      if (fcntl(claimed[i], F_GETFD) != -1) { /* the core must leave it free */
        char target[64] = "?", link[64];
        snprintf(link, sizeof link, "/proc/self/fd/%d", claimed[i]);
        ssize_t n = readlink(link, target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        fprintf(stderr, "fdclaim: ERROR fd %d is taken at restart (%s)\n", claimed[i], target);
        return 1;
      }
      int s = socket(AF_INET, SOCK_STREAM, 0);
      if (s != claimed[i]) {
        dup2(s, claimed[i]);
        close(s);
      }
    }
  }
  return 0;
}

CKPT_DECLARE_PLUGIN({CKPT_PLUGIN_ABI_V1, "fdclaim", 40, 1, on_event});
