/* plugins/pid/proc_copy.c: see proc_copy.h. */
#define _GNU_SOURCE 1
#include "proc_copy.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "pid_sys.h"
#include "pid_table.h"

#define COPY_CAP 16384

static int is_number(const char* s, const char* end) {
  if (s == end) return 0;
  for (; s < end; ++s) {
    if (*s < '0' || *s > '9') return 0;
  }
  return 1;
}

/* Skips "<number>/", "self/" or "thread-self/" at *p; 0 if none. */
static int skip_id(const char** p) {
  const char* slash = strchr(*p, '/');
  if (slash == NULL) return 0;
  if (!is_number(*p, slash) && strncmp(*p, "self/", 5) != 0 &&
      strncmp(*p, "thread-self/", 12) != 0) {
    return 0;
  }
  *p = slash + 1;
  return 1;
}

int proc_copy_kind(const char* path, int flags) {
  if (path == NULL || (flags & O_ACCMODE) != O_RDONLY || (flags & (O_PATH | O_DIRECTORY)) ||
      pid_table()->count == 0 || strncmp(path, "/proc/", 6) != 0) {
    return PROC_COPY_NONE;
  }
  const char* p = path + 6;
  if (!skip_id(&p)) return PROC_COPY_NONE;
  if (strncmp(p, "task/", 5) == 0) {
    p += 5;
    if (!skip_id(&p)) return PROC_COPY_NONE;
  }
  if (strcmp(p, "stat") == 0) return PROC_COPY_STAT;
  if (strcmp(p, "status") == 0) return PROC_COPY_STATUS;
  return PROC_COPY_NONE;
}

/* Copies a number from *in to *out translated (real -> virtual); other text as it is. */
static void copy_number(const char** in, char** out, const char* out_end) {
  const char* s = *in;
  int neg = *s == '-';
  long v = 0;
  const char* d = s + neg;
  while (*d >= '0' && *d <= '9')
    v = v * 10 + (*d++ - '0');
  if (d == s + neg) return;
  if (!neg && v > 0) v = pid_to_virtual((pid_t)v);
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  if (neg && *out < out_end) *(*out)++ = '-';
  while (n > 0 && *out < out_end)
    *(*out)++ = digits[--n];
  *in = d;
}

/* "pid (comm) state ppid pgrp session tty_nr tpgid ...": fields 1, 4, 5, 6 and 8. */
static void rewrite_stat(const char* in, char* out, const char* out_end) {
  const char* comm_end = strrchr(in, ')');
  copy_number(&in, &out, out_end);
  for (int field = 2; *in != '\0' && out < out_end;) {
    if (*in == ' ' && in > comm_end) {
      *out++ = *in++;
      ++field;
      if (field == 4 || field == 5 || field == 6 || field == 8) copy_number(&in, &out, out_end);
      continue;
    }
    *out++ = *in++;
  }
  *out = '\0';
}

static int id_line(const char* line) {
  static const char* const kKeys[] = {
      "Tgid:", "Pid:", "PPid:", "TracerPid:", "NStgid:", "NSpid:", "NSpgid:", "NSsid:"};
  for (unsigned i = 0; i < sizeof kKeys / sizeof kKeys[0]; ++i) {
    if (strncmp(line, kKeys[i], strlen(kKeys[i])) == 0) return 1;
  }
  return 0;
}

/* "Key:\tvalue" lines; every number on the id lines. */
static void rewrite_status(const char* in, char* out, const char* out_end) {
  while (*in != '\0' && out < out_end) {
    int ids = id_line(in);
    while (*in != '\0' && *in != '\n' && out < out_end) {
      if (ids && *in >= '0' && *in <= '9' && (in[-1] == '\t' || in[-1] == ' ')) {
        copy_number(&in, &out, out_end);
      } else {
        *out++ = *in++;
      }
    }
    if (*in == '\n' && out < out_end) *out++ = *in++;
  }
  *out = '\0';
}

static long read_all(const char* path, char* buf, long cap) {
  long fd = pid_sys(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fd;
  long used = 0, n;
  while (used < cap - 1 && (n = pid_sys(SYS_read, fd, buf + used, cap - 1 - used)) > 0)
    used += n;
  pid_sys(SYS_close, fd, 0, 0);
  buf[used] = '\0';
  return used;
}

int proc_copy_open(const char* path, int kind, int flags) {
  char in[COPY_CAP], out[COPY_CAP];
  long n = read_all(path, in, sizeof in);
  if (n < 0) {
    errno = (int)-n;
    return -1;
  }
  if (kind == PROC_COPY_STAT) {
    rewrite_stat(in, out, out + sizeof out - 1);
  } else {
    rewrite_status(in, out, out + sizeof out - 1);
  }
  long fd = pid_sys(SYS_memfd_create, "ckpt-proc-copy", (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0, 0);
  if (fd < 0) {
    errno = (int)-fd;
    return -1;
  }
  long len = (long)strlen(out);
  for (long done = 0, w; done < len; done += w) {
    w = pid_sys(SYS_write, fd, out + done, len - done);
    if (w <= 0) break;
  }
  pid_sys(SYS_lseek, fd, 0, SEEK_SET);
  return (int)fd;
}
