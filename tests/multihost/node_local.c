/* tests/multihost/node_local.c
 * Files that live on one node: a file in /dev/shm mapped MAP_SHARED (its fd closed, only
 * the mapping keeps it; size not a page multiple, mode 0640), a log under /tmp kept open
 * for reading and appending, and a listening Unix socket bound in a directory of /tmp.
 * The driver checkpoints it on one host and restarts it on another whose /tmp and /dev/shm
 * are empty (separate_hosts_test.py): ckpt must bring all three back. After the restart it
 * checks that the mapping and the file are still one (a write through either shows in the
 * other), the file's size and mode, connects to its own socket, and reads the whole log
 * back. Usage: node_local TAG STEPS. The "result" line must equal a native run's. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ct.h"

enum { kSegSize = 3 * 4096 + 100, kMapLen = 4 * 4096 };

static char g_seg[128], g_log[128], g_dir[80];
static struct sockaddr_un g_sock = {.sun_family = AF_UNIX};

static uint64_t mix(uint64_t h, const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

static void say_host(const char* when) {
  char host[256] = {0};
  CT_CHECK(gethostname(host, sizeof host - 1) == 0);
  ct_log("%s host=%s", when, host);
}

static unsigned char* make_segment(void) {
  int fd = open(g_seg, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  CT_CHECK(fd >= 0);
  CT_CHECK(fchmod(fd, 0640) == 0 && ftruncate(fd, kSegSize) == 0);
  unsigned char* m = mmap(NULL, kMapLen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CT_CHECK(m != MAP_FAILED);
  for (int i = 0; i < kSegSize; ++i) m[i] = (unsigned char)(i * 7 + 3);
  close(fd);
  return m;
}

static void work(unsigned char* m, int log, int from, int to) {
  for (int s = from; s < to; ++s) {
    for (int i = s % 97; i < kSegSize; i += 97) m[i] = (unsigned char)(m[i] + s);
    char line[64];
    int n = snprintf(line, sizeof line, "step %d byte %u\n", s, m[s % kSegSize]);
    CT_CHECK(write(log, line, (size_t)n) == n);
  }
}

/* The mapping and the file on disk are one: a byte written through each shows in the other. */
static void check_one_file(unsigned char* m) {
  struct stat st;
  CT_CHECK(stat(g_seg, &st) == 0);
  ct_log("segment size=%lld mode=%o", (long long)st.st_size, (unsigned)(st.st_mode & 07777));
  int fd = open(g_seg, O_RDWR | O_CLOEXEC);
  CT_CHECK(fd >= 0);
  unsigned char b = (unsigned char)(m[5] + 1);
  m[5] = b;
  unsigned char got = 0;
  CT_CHECK(pread(fd, &got, 1, 5) == 1 && got == b);
  b = (unsigned char)(b + 1);
  CT_CHECK(pwrite(fd, &b, 1, 6) == 1 && m[6] == b);
  close(fd);
}

static int listen_unix(void) {
  CT_CHECK(mkdir(g_dir, 0700) == 0);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CT_CHECK(fd >= 0 && bind(fd, (struct sockaddr*)&g_sock, sizeof g_sock) == 0);
  CT_CHECK(listen(fd, 4) == 0);
  return fd;
}

/* The listening socket is bound at its path again: a client connects and is accepted. */
static void check_listener(int lfd) {
  int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CT_CHECK(c >= 0 && connect(c, (struct sockaddr*)&g_sock, sizeof g_sock) == 0);
  int a = accept(lfd, NULL, NULL);
  CT_CHECK(a >= 0 && write(c, "k", 1) == 1);
  char b = 0;
  CT_CHECK(read(a, &b, 1) == 1 && b == 'k');
  close(a);
  close(c);
  ct_log("listener ok");
}

static uint64_t log_digest(int log, long* len) {
  CT_CHECK(lseek(log, 0, SEEK_SET) == 0);
  static unsigned char buf[1 << 16];
  uint64_t h = 1469598103934665603ull;
  long n, total = 0;
  while ((n = read(log, buf, sizeof buf)) > 0) {
    h = mix(h, buf, (size_t)n);
    total += n;
  }
  CT_CHECK(n == 0);
  *len = total;
  return h;
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  CT_CHECK(argc == 3);
  int steps = atoi(argv[2]);
  snprintf(g_seg, sizeof g_seg, "/dev/shm/ckpt-nl-%s.seg", argv[1]);
  snprintf(g_log, sizeof g_log, "/tmp/ckpt-nl-%s.log", argv[1]);
  snprintf(g_dir, sizeof g_dir, "/tmp/ckpt-nl-%s.d", argv[1]);
  snprintf(g_sock.sun_path, sizeof g_sock.sun_path, "%s/sock", g_dir);
  say_host("before");
  int lfd = listen_unix();
  unsigned char* m = make_segment();
  int log = open(g_log, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  CT_CHECK(log >= 0);
  work(m, log, 0, steps / 2);

  ct_checkpoint_point(); /* driver: checkpoint, kill, restart on a host with empty /tmp */

  say_host("after");
  check_one_file(m);
  check_listener(lfd);
  work(m, log, steps / 2, steps);
  long len;
  uint64_t lh = log_digest(log, &len);
  ct_log("result seg=%016llx log=%016llx len=%ld", (unsigned long long)mix(0, m, kSegSize),
         (unsigned long long)lh, len);
  CT_CHECK(unlink(g_seg) == 0 && unlink(g_log) == 0);
  CT_CHECK(unlink(g_sock.sun_path) == 0 && rmdir(g_dir) == 0);
  ct_pass();
}
