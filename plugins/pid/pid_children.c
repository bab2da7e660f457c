/* plugins/pid/pid_children.c: see pid_children.h. Checkpoint path: yes. */
#define _GNU_SOURCE 1
#include "pid_children.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "pid_sys.h"
#include "pid_table.h"

#define MAX_CHILDREN 512

struct saved_child {
  int virt;
  int zombie;
  int status;
};

static struct saved_child g_saved[MAX_CHILDREN];
static int g_nsaved;

static long read_file(const char* path, char* buf, long cap) {
  long fd = pid_sys(SYS_open, path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return fd;
  long n = pid_sys(SYS_read, fd, buf, cap - 1);
  pid_sys(SYS_close, fd, 0, 0);
  buf[n > 0 ? n : 0] = '\0';
  return n;
}

long pid_stat_field(int pid, int n, char* state) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  long len = read_file(path, buf, sizeof buf);
  if (len <= 0) return -1;
  const char* p = NULL;
  for (long i = len - 1; i >= 0; --i) {
    if (buf[i] == ')') {
      p = buf + i + 2;
      break;
    }
  }
  for (int f = 3; p != NULL && *p != '\0'; ++f) {
    if (f == 3 && state != NULL) *state = *p;
    if (f == n) return strtol(p, NULL, 10);
    while (*p != '\0' && *p != ' ') ++p;
    while (*p == ' ') ++p;
  }
  return -1;
}

/* Calls fn(real pid of each child, arg). */
static void for_each_child(void (*fn)(int, void*), void* arg) {
  long dir = pid_sys(SYS_open, "/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (dir < 0) return;
  char ents[4096];
  long n;
  while ((n = pid_sys(SYS_getdents64, dir, ents, sizeof ents)) > 0) {
    for (long off = 0; off < n;) {
      const char* name = ents + off + 19; /* linux_dirent64: ino, off, reclen, type, name */
      off += *(unsigned short*)(ents + off + 16);
      if (name[0] < '0' || name[0] > '9') continue;
      char path[64], buf[4096];
      snprintf(path, sizeof path, "/proc/self/task/%s/children", name);
      if (read_file(path, buf, sizeof buf) <= 0) continue;
      for (char* p = buf; *p != '\0';) {
        char* end;
        long pid = strtol(p, &end, 10);
        if (end == p) break;
        fn((int)pid, arg);
        p = end;
      }
    }
  }
  pid_sys(SYS_close, dir, 0, 0);
}

static void save_one(int real, void* arg) {
  (void)arg;
  if (g_nsaved >= MAX_CHILDREN) return;
  char state = '?';
  long status = pid_stat_field(real, 52, &state);
  if (status < 0) return;
  struct saved_child* c = &g_saved[g_nsaved++];
  c->virt = pid_to_virtual(real);
  c->zombie = state == 'Z' || state == 'X';
  c->status = (int)status;
}

void pid_children_capture(void) {
  g_nsaved = 0;
  for_each_child(save_one, NULL);
}

struct zombie_list {
  int real[MAX_CHILDREN];
  int status[MAX_CHILDREN];
  int n;
};

static void list_zombie(int real, void* arg) {
  struct zombie_list* z = arg;
  char state = '?';
  long status = pid_stat_field(real, 52, &state);
  if (status < 0 || (state != 'Z' && state != 'X') || z->n >= MAX_CHILDREN) return;
  int i = z->n++;
  while (i > 0 && z->real[i - 1] > real) { /* ascending real pid = creation order */
    z->real[i] = z->real[i - 1];
    z->status[i] = z->status[i - 1];
    --i;
  }
  z->real[i] = real;
  z->status[i] = (int)status;
}

int pid_children_match_zombies(void) {
  static struct zombie_list z;
  z.n = 0;
  for_each_child(list_zombie, &z);
  int matched = 0;
  for (int k = 0; k < g_nsaved; ++k) {
    if (!g_saved[k].zombie) continue;
    for (int i = 0; i < z.n; ++i) {
      if (z.real[i] > 0 && z.status[i] == g_saved[k].status) {
        pid_map(g_saved[k].virt, z.real[i]);
        z.real[i] = 0;
        ++matched;
        break;
      }
    }
  }
  return matched;
}
