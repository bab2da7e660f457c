/* tests/cr/socket/listen_taken.c
 * A listener whose port is taken at restart (bad input, issue 5). A python3 helper outside
 * the computation tries to bind the listener's port every millisecond; it gets it once the
 * checkpointed process is killed, and holds it. The restart then cannot bind the old port:
 * the socket plugin listens on another port of the same address and says so (a warning
 * naming both addresses) instead of failing. After the checkpoint point: if the helper
 * holds the port, the listener must be on another port, else on the same one; either way it
 * must accept a connection. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "stream_check.h"

extern char** environ;

static const char kHelper[] =
    "import os,socket,sys,time\n"
    "port,held,done=int(sys.argv[1]),sys.argv[2],sys.argv[3]\n"
    "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
    "end=time.time()+150\n"
    "while time.time()<end and not os.path.exists(done):\n"
    "  try:\n"
    "    s.bind(('127.0.0.1',port)); s.listen(1); open(held,'w').write('held'); break\n"
    "  except OSError: time.sleep(0.001)\n"
    "while time.time()<end and not os.path.exists(done): time.sleep(0.05)\n";

static void start_helper(int port, const char* held, const char* done) {
  char* env[256];
  int n = 0;
  for (char** e = environ; *e != NULL && n < 255; ++e) {
    if (strncmp(*e, "LD_PRELOAD=", 11) != 0) env[n++] = *e; /* not under ckpt */
  }
  env[n] = NULL;
  char p[16];
  snprintf(p, sizeof p, "%d", port);
  char* argv[] = {"python3", "-c", (char*)kHelper, p, (char*)held, (char*)done, NULL};
  execve("/usr/bin/python3", argv, env);
  _exit(127);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char held[4096], done[4096];
  snprintf(held, sizeof held, "%s", ct_path("held"));
  snprintf(done, sizeof done, "%s", ct_path("done"));
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);
  CT_CHECK(l >= 0 && setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
  CT_CHECK(bind(l, (struct sockaddr*)&a, len) == 0 && listen(l, 4) == 0);
  CT_CHECK(getsockname(l, (struct sockaddr*)&a, &len) == 0);
  int port = ntohs(a.sin_port);
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid == 0) close(l), start_helper(port, held, done); /* the port must free at a kill */

  ct_checkpoint_point();

  int taken = access(held, F_OK) == 0;
  CT_CHECK(getsockname(l, (struct sockaddr*)&a, &len) == 0);
  ct_log("port %s: listening on %d (was %d)", taken ? "taken" : "free", ntohs(a.sin_port), port);
  if (taken && ntohs(a.sin_port) == port) ct_fail("the helper holds %d, the listener too", port);
  if (!taken && ntohs(a.sin_port) != port) ct_fail("the listener moved from a free port");
  int c = socket(AF_INET, SOCK_STREAM, 0);
  CT_CHECK(c >= 0 && connect(c, (struct sockaddr*)&a, len) == 0);
  int s = accept(l, NULL, NULL);
  char b = 0;
  CT_CHECK(s >= 0 && write(c, "k", 1) == 1 && read(s, &b, 1) == 1 && b == 'k');
  put_result(done, 'd');
  ct_pass();
}
