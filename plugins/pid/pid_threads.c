/* plugins/pid/pid_threads.c: see pid_threads.h. Checkpoint path: yes. */
#define _GNU_SOURCE 1
#include "pid_threads.h"

#include <fcntl.h>
#include <time.h>

#include "pid_names.h"
#include "pid_sys.h"
#include "pid_table.h"

#define MAX_THREADS 1024
#define MAX_FRAME_GAP ((uintptr_t)64 << 10) /* a parked thread's sp is this close to its note */

struct note {
  int32_t vtid;
  uintptr_t frame;
};

static struct note g_notes[MAX_THREADS];
static int g_nnotes;

void pid_threads_reset(void) {
  __atomic_store_n(&g_nnotes, 0, __ATOMIC_RELEASE);
}

void pid_threads_note(pid_t vtid, uintptr_t frame) {
  int i = __atomic_fetch_add(&g_nnotes, 1, __ATOMIC_ACQ_REL);
  if (i >= MAX_THREADS) return;
  g_notes[i].vtid = vtid;
  g_notes[i].frame = frame;
}

/* "/proc/self/task/<tid>/syscall" of `tid` into path. */
static void syscall_path(char* path, int tid) {
  static const char head[] = "/proc/self/task/";
  char digits[12];
  int n = 0, o = 0;
  do {
    digits[n++] = (char)('0' + tid % 10);
    tid /= 10;
  } while (tid > 0);
  for (const char* h = head; *h != '\0'; ++h)
    path[o++] = *h;
  while (n > 0)
    path[o++] = digits[--n];
  for (const char* t = "/syscall"; *t != '\0'; ++t)
    path[o++] = *t;
  path[o] = '\0';
}

/* The stack pointer of a thread blocked in a system call (8th field, hex), or 0. */
static uintptr_t parked_sp(int tid) {
  char path[64], text[256];
  syscall_path(path, tid);
  long fd = pid_sys(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  long n = pid_sys(SYS_read, fd, text, sizeof text - 1);
  pid_sys(SYS_close, fd, 0, 0);
  if (n <= 0) return 0;
  text[n] = '\0';
  int field = 0;
  const char* p = text;
  while (*p != '\0' && field < 7) {
    if (*p++ == ' ') ++field;
  }
  if (field < 7 || p[0] != '0' || p[1] != 'x') return 0; /* "running" or too short */
  uintptr_t sp = 0;
  for (p += 2;; ++p) {
    int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
    if (d < 0) break;
    sp = sp * 16 + (uintptr_t)d;
  }
  return sp;
}

/* The note whose frame lies closest to sp (the thread parks a few frames away from where it
 * noted itself, on the same stack), or -1. */
static int note_of(uintptr_t sp, int nnotes) {
  int best = -1;
  uintptr_t best_gap = MAX_FRAME_GAP;
  for (int i = 0; i < nnotes; ++i) {
    uintptr_t f = g_notes[i].frame;
    uintptr_t gap = f >= sp ? f - sp : sp - f;
    if (gap < best_gap) {
      best = i;
      best_gap = gap;
    }
  }
  return best;
}

static int publish_task(int tid, pid_t self, int nnotes) {
  uintptr_t sp = 0;
  for (int tries = 0; tries < 50 && (sp = parked_sp(tid)) == 0; ++tries) {
    struct timespec ts = {0, 2000000}; /* not parked yet: 2 ms */
    pid_sys(SYS_nanosleep, &ts, 0, 0);
  }
  int i = sp != 0 ? note_of(sp, nnotes) : -1;
  if (i < 0 || g_notes[i].vtid == self || g_notes[i].vtid <= 0) return 0;
  pid_map(g_notes[i].vtid, tid);
  return pid_names_publish(g_notes[i].vtid, tid, PID_NAME_EXTRA) == 0 ? 1 : 0;
}

int pid_threads_publish(pid_t self) {
  int nnotes = __atomic_load_n(&g_nnotes, __ATOMIC_ACQUIRE);
  if (nnotes > MAX_THREADS) nnotes = MAX_THREADS;
  if (nnotes <= 1) return 0;
  char buf[4096];
  long dir = pid_sys(SYS_openat, AT_FDCWD, "/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return (int)dir;
  int me = raw_gettid(), published = 0, main_tid = raw_getpid();
  long n;
  while ((n = pid_sys(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
    for (long off = 0; off < n;) {
      unsigned short reclen = *(unsigned short*)(buf + off + 16);
      const char* name = buf + off + 19;
      int tid = 0;
      for (const char* c = name; *c >= '0' && *c <= '9'; ++c)
        tid = tid * 10 + (*c - '0');
      if (tid > 0 && tid != me && tid != main_tid) published += publish_task(tid, self, nnotes);
      off += reclen;
    }
  }
  pid_sys(SYS_close, dir, 0, 0);
  return published;
}
