/* plugins/pid/pid_fd_marks.c: see pid_fd_marks.h. */
#define _GNU_SOURCE 1
#include "pid_fd_marks.h"

#include <fcntl.h>
#include <string.h>

#include "pid_sys.h"

#define MARKED_FDS 4096

static unsigned char g_marks[MARKED_FDS];

void pid_fd_mark(int fd, int kind) {
  if (fd >= 0 && fd < MARKED_FDS)
    __atomic_store_n(&g_marks[fd], (unsigned char)kind, __ATOMIC_RELAXED);
}

static const char* link_of(int kind) {
  return kind == PID_FD_SIGNALFD ? "anon_inode:[signalfd]" : "";
}

int pid_fd_is(int fd, int kind) {
  if (fd < 0 || fd >= MARKED_FDS || __atomic_load_n(&g_marks[fd], __ATOMIC_RELAXED) != kind) {
    return 0;
  }
  char path[32] = "/proc/self/fd/", target[64];
  int o = 14, n = 0;
  char digits[12];
  int v = fd;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  while (n > 0)
    path[o++] = digits[--n];
  path[o] = '\0';
  long len = pid_sys6(SYS_readlinkat, AT_FDCWD, (long)path, (long)target, sizeof target - 1, 0, 0);
  const char* want = link_of(kind);
  if (len == (long)strlen(want) && memcmp(target, want, (size_t)len) == 0) return 1;
  pid_fd_mark(fd, 0);
  return 0;
}
