/* tests/cr/socket/external.c
 * A TCP connection to a process outside the computation (a python3 echo server started
 * without ckpt). A checkpoint warns about it, naming the peer; after a restart the fd reads
 * as reset (ECONNRESET or EOF), never hangs. Without a restart (native run, checkpoint and
 * continue) the connection keeps working. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "stream_check.h"

extern char** environ;

static const char kServer[] =
    "import socket,sys\n"
    "s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(1); s.settimeout(120)\n"
    "open(sys.argv[1]+'.tmp','w').write(str(s.getsockname()[1]))\n"
    "import os; os.rename(sys.argv[1]+'.tmp', sys.argv[1])\n"
    "c,_=s.accept(); c.settimeout(120)\n"
    "try:\n"
    "  while True:\n"
    "    d=c.recv(4096)\n"
    "    if not d: break\n"
    "    c.sendall(d)\n"
    "except OSError: pass\n";

static void start_server(const char* port_file) {
  char* env[256];
  int n = 0;
  for (char** e = environ; *e != NULL && n < 255; ++e) {
    if (strncmp(*e, "LD_PRELOAD=", 11) != 0) env[n++] = *e;
  }
  env[n] = NULL;
  char* argv[] = {"python3", "-c", (char*)kServer, (char*)port_file, NULL};
  execve("/usr/bin/python3", argv, env);
  _exit(127);
}

static int read_port(const char* path) {
  for (int i = 0; i < 3000; ++i) {
    FILE* f = fopen(path, "r");
    int port = 0;
    if (f != NULL && fscanf(f, "%d", &port) == 1) {
      fclose(f);
      return port;
    }
    if (f != NULL) fclose(f);
    ct_sleep_ms(10);
  }
  ct_fail("the python3 server wrote no port");
}

static void echo(int fd) {
  CT_CHECK(write(fd, "ping", 4) == 4);
  char buf[8];
  struct pollfd p = {fd, POLLIN, 0};
  CT_CHECK(poll(&p, 1, 10000) == 1 && read(fd, buf, sizeof buf) == 4);
  CT_CHECK(memcmp(buf, "ping", 4) == 0);
}

static int stderr_mentions(const char* what) {
  static char text[1 << 16];
  int fd = open("/proc/self/fd/2", O_RDONLY);
  ssize_t n = fd >= 0 ? pread(fd, text, sizeof text - 1, 0) : -1;
  if (fd >= 0) close(fd);
  text[n > 0 ? n : 0] = '\0';
  return strstr(text, what) != NULL;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  char port_file[4096];
  snprintf(port_file, sizeof port_file, "%s", ct_path("python.port"));
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid == 0) start_server(port_file);
  int port = read_port(port_file);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  CT_CHECK(fd >= 0 && connect(fd, (struct sockaddr*)&a, sizeof a) == 0);
  echo(fd);
  struct stat before, after;
  CT_CHECK(fstat(fd, &before) == 0);

  ct_checkpoint_point();

  CT_CHECK(fstat(fd, &after) == 0);
  if (after.st_ino == before.st_ino) { /* no restart: the connection still works */
    echo(fd);
  } else {
    char peer[64];
    snprintf(peer, sizeof peer, "connected to 127.0.0.1:%d, outside the computation", port);
    CT_CHECK(stderr_mentions(peer));
    char buf[8];
    struct pollfd p = {fd, POLLIN, 0};
    CT_CHECK(poll(&p, 1, 10000) == 1);
    ssize_t n = read(fd, buf, sizeof buf);
    CT_CHECK(n == 0 || (n < 0 && errno == ECONNRESET));
  }
  close(fd);
  ct_pass();
}
