/* plugins/pid/proc_dirs.c: see proc_dirs.h. Wrapped: readdir readdir64 closedir. */
#define _GNU_SOURCE 1
#include "proc_dirs.h"

#include <stdio.h>
#include <string.h>

#include "ckpt/plugin.h"
#include "pid_table.h"

#define WRAPPER __attribute__((visibility("default")))
#define MARKED_DIRS 64

static DIR* g_marked[MARKED_DIRS];

/* "/proc", "/proc/self/task", "/proc/<digits>/task", each with or without a final '/'. */
static int lists_pids(const char* path) {
  if (path == NULL || strncmp(path, "/proc", 5) != 0) return 0;
  const char* p = path + 5;
  if (*p == '\0' || strcmp(p, "/") == 0) return 1;
  if (*p++ != '/') return 0;
  if (strncmp(p, "self", 4) == 0) {
    p += 4;
  } else {
    const char* digits = p;
    while (*p >= '0' && *p <= '9') ++p;
    if (p == digits) return 0;
  }
  return strcmp(p, "/task") == 0 || strcmp(p, "/task/") == 0;
}

static int marked(DIR* d) {
  for (int i = 0; i < MARKED_DIRS; ++i) {
    if (__atomic_load_n(&g_marked[i], __ATOMIC_ACQUIRE) == d) return 1;
  }
  return 0;
}

void proc_dir_opened(DIR* d, const char* path) {
  if (d == NULL || !lists_pids(path)) return;
  for (int i = 0; i < MARKED_DIRS; ++i) {
    DIR* none = NULL;
    if (__atomic_compare_exchange_n(&g_marked[i], &none, d, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      return;
    }
  }
}

/* Real pid `real` as the application names it: its virtual pid, itself, or -1 (hide). */
static long shown_as(long real) {
  pid_t v = pid_to_virtual((pid_t)real);
  if (v != real) return v;
  return pid_conflicts((pid_t)real) ? -1 : real;
}

static __thread struct dirent64 t_copy;

/* e itself, a translated copy, or NULL when the entry is to be skipped. */
static struct dirent64* translated(struct dirent64* e) {
  const char* s = e->d_name;
  long real = 0;
  for (; *s >= '0' && *s <= '9'; ++s) real = real * 10 + (*s - '0');
  if (s == e->d_name || *s != '\0') return e;
  long v = shown_as(real);
  if (v == real) return e;
  if (v < 0) return NULL;
  size_t head = offsetof(struct dirent64, d_name);
  memcpy(&t_copy, e, head);
  snprintf(t_copy.d_name, sizeof t_copy.d_name, "%ld", v);
  return &t_copy;
}

static struct dirent64* next_entry(DIR* d, struct dirent64* (*next)(DIR*)) {
  if (pid_table()->count == 0 || !marked(d)) return next(d);
  for (;;) {
    struct dirent64* e = next(d);
    if (e == NULL) return NULL;
    struct dirent64* shown = translated(e);
    if (shown != NULL) return shown;
  }
}

WRAPPER struct dirent64* readdir64(DIR* d) { return next_entry(d, CKPT_NEXT(readdir64)); }

/* On x86_64 struct dirent and struct dirent64 have one layout (glibc makes them aliases). */
WRAPPER struct dirent* readdir(DIR* d) {
  return (struct dirent*)next_entry(d, (struct dirent64 * (*)(DIR*)) CKPT_NEXT(readdir));
}

WRAPPER int closedir(DIR* d) {
  for (int i = 0; i < MARKED_DIRS; ++i) {
    DIR* want = d;
    __atomic_compare_exchange_n(&g_marked[i], &want, NULL, 0, __ATOMIC_ACQ_REL,
                                __ATOMIC_ACQUIRE);
  }
  return CKPT_NEXT(closedir)(d);
}
