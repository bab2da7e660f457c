/* plugins/pid/proc_paths.c: "/proc/<vpid>/..." and ".../task/<vtid>" in path arguments
 * become the real ids. Wrapped: open open64 openat openat64 fopen fopen64 stat lstat
 * stat64 lstat64 access readlink opendir. Before any restart (empty table) paths pass
 * unchanged. Read-only opens of .../stat and .../status give a rewritten copy with virtual
 * ids (proc_copy.h); listings of /proc and .../task: proc_dirs.h. Only absolute paths are seen: openat(<a /proc dir fd>, "stat") is not.
 * Not checkpoint-path: application threads. */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ckpt/plugin.h"
#include "pid_table.h"
#include "proc_copy.h"
#include "proc_dirs.h"

#define WRAPPER __attribute__((visibility("default")))
#define PATH_CAP 4096

/* Copies the number at *p (translated) to out; advances both. 0 if no number there. */
static int copy_id(const char** p, char** out, const char* end) {
  const char* s = *p;
  long v = 0;
  while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
  if (s == *p || (*s != '/' && *s != '\0')) return 0;
  int n = snprintf(*out, (size_t)(end - *out), "%d", (int)pid_to_real((pid_t)v));
  if (n < 0 || *out + n >= end) return 0;
  *out += n;
  *p = s;
  return 1;
}

/* The path with ids translated (in buf), or `path` itself when nothing changes. */
static const char* real_path(const char* path, char* buf) {
  if (path == NULL || pid_table()->count == 0 || strncmp(path, "/proc/", 6) != 0) return path;
  const char* p = path + 6;
  char* out = buf + 6;
  char* end = buf + PATH_CAP - 1;
  memcpy(buf, "/proc/", 6);
  if (strncmp(p, "self/", 5) == 0 || strncmp(p, "self", 5) == 0) {
    memcpy(out, "self", 4);
    out += 4;
    p += 4;
  } else if (!copy_id(&p, &out, end)) {
    return path;
  }
  if (strncmp(p, "/task/", 6) == 0) {
    memcpy(out, "/task/", 6);
    out += 6;
    p += 6;
    if (!copy_id(&p, &out, end)) return path;
  }
  size_t rest = strlen(p);
  if (out + rest >= end) return path;
  memcpy(out, p, rest + 1);
  return buf;
}

static mode_t mode_arg(int flags, va_list ap) {
  return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

#define OPEN_WRAPPER(name)                                         \
  WRAPPER int name(const char* path, int flags, ...) {             \
    char buf[PATH_CAP];                                            \
    va_list ap;                                                    \
    va_start(ap, flags);                                           \
    mode_t mode = mode_arg(flags, ap);                             \
    va_end(ap);                                                    \
    const char* real = real_path(path, buf);                       \
    int kind = proc_copy_kind(real, flags);                        \
    if (kind != PROC_COPY_NONE) return proc_copy_open(real, kind, flags); \
    return CKPT_NEXT(name)(real, flags, mode);                     \
  }
OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)

#define OPENAT_WRAPPER(name)                                           \
  WRAPPER int name(int dirfd, const char* path, int flags, ...) {      \
    char buf[PATH_CAP];                                                \
    va_list ap;                                                        \
    va_start(ap, flags);                                               \
    mode_t mode = mode_arg(flags, ap);                                 \
    va_end(ap);                                                        \
    const char* real = real_path(path, buf);                           \
    int kind = proc_copy_kind(real, flags); /* absolute /proc paths only */ \
    if (kind != PROC_COPY_NONE) return proc_copy_open(real, kind, flags); \
    return CKPT_NEXT(name)(dirfd, real, flags, mode);                  \
  }
OPENAT_WRAPPER(openat)
OPENAT_WRAPPER(openat64)

/* A stdio stream on the rewritten copy of a stat/status file, or NULL (errno 0) if `real`
 * is not one. */
static FILE* fopen_copy(const char* real, const char* mode) {
  int flags = (mode[0] == 'r' && strchr(mode, '+') == NULL ? O_RDONLY : O_RDWR) |
              (strchr(mode, 'e') != NULL ? O_CLOEXEC : 0);
  int kind = proc_copy_kind(real, flags);
  if (kind == PROC_COPY_NONE) return NULL;
  int fd = proc_copy_open(real, kind, flags);
  if (fd < 0) return NULL;
  FILE* f = fdopen(fd, mode);
  if (f == NULL) close(fd);
  return f;
}

WRAPPER FILE* fopen(const char* path, const char* mode) {
  char buf[PATH_CAP];
  const char* real = real_path(path, buf);
  FILE* copy = mode != NULL ? fopen_copy(real, mode) : NULL;
  return copy != NULL ? copy : CKPT_NEXT(fopen)(real, mode);
}
WRAPPER FILE* fopen64(const char* path, const char* mode) {
  char buf[PATH_CAP];
  const char* real = real_path(path, buf);
  FILE* copy = mode != NULL ? fopen_copy(real, mode) : NULL;
  return copy != NULL ? copy : CKPT_NEXT(fopen64)(real, mode);
}

WRAPPER int stat(const char* path, struct stat* st) {
  char buf[PATH_CAP];
  return CKPT_NEXT(stat)(real_path(path, buf), st);
}
WRAPPER int lstat(const char* path, struct stat* st) {
  char buf[PATH_CAP];
  return CKPT_NEXT(lstat)(real_path(path, buf), st);
}
WRAPPER int stat64(const char* path, struct stat64* st) {
  char buf[PATH_CAP];
  return CKPT_NEXT(stat64)(real_path(path, buf), st);
}
WRAPPER int lstat64(const char* path, struct stat64* st) {
  char buf[PATH_CAP];
  return CKPT_NEXT(lstat64)(real_path(path, buf), st);
}

WRAPPER int access(const char* path, int mode) {
  char buf[PATH_CAP];
  return CKPT_NEXT(access)(real_path(path, buf), mode);
}

WRAPPER ssize_t readlink(const char* path, char* out, size_t cap) {
  char buf[PATH_CAP];
  return CKPT_NEXT(readlink)(real_path(path, buf), out, cap);
}

WRAPPER DIR* opendir(const char* path) {
  char buf[PATH_CAP];
  DIR* d = CKPT_NEXT(opendir)(real_path(path, buf));
  proc_dir_opened(d, path);
  return d;
}
