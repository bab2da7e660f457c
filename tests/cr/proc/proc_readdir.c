/* tests/cr/proc/proc_readdir.c: a program that lists /proc to find its processes (as tools
 * scanning /proc/[0-9]* do) sees the pids it knows after a restart: its own pid and its two
 * children's are entries of /proc, each entry names a process whose /proc/<n>/stat starts
 * with that number, no number is listed twice, and /proc/self/task lists its two threads'
 * tids. */
#include "ct.h" /* first: it defines _GNU_SOURCE */

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

static volatile pid_t g_thread_tid;

static void* thread_main(void* arg) {
  (void)arg;
  g_thread_tid = gettid();
  for (;;) pause();
  return NULL;
}

/* Whether `want` is listed in dir; checks the numeric entries on the way. */
static int listed(const char* dir, long want, int check_stat) {
  DIR* d = opendir(dir);
  CT_CHECK(d != NULL);
  static long seen[65536];
  int n = 0, found = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL) {
    char* end;
    long v = strtol(e->d_name, &end, 10);
    if (*end != '\0' || end == e->d_name) continue;
    for (int i = 0; i < n; ++i) {
      if (seen[i] == v) ct_fail("%s lists %ld twice", dir, v);
    }
    if (n < 65536) seen[n++] = v;
    found |= v == want;
  }
  closedir(d);
  if (found && check_stat) {
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%ld/stat", want);
    FILE* f = fopen(path, "r");
    CT_CHECK(f != NULL && fgets(buf, sizeof buf, f) != NULL);
    fclose(f);
    CT_CHECK(strtol(buf, NULL, 10) == want);
  }
  return found;
}

static void check_all(pid_t a, pid_t b) {
  if (!listed("/proc", getpid(), 1)) ct_fail("/proc does not list my pid %d", getpid());
  if (!listed("/proc/", a, 1)) ct_fail("/proc does not list child %d", a);
  if (!listed("/proc", b, 1)) ct_fail("/proc does not list child %d", b);
  if (!listed("/proc/self/task", gettid(), 0)) ct_fail("task lists no tid %d", gettid());
  if (!listed("/proc/self/task/", g_thread_tid, 0)) ct_fail("task lists no thread tid");
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  pid_t kids[2];
  for (int i = 0; i < 2; ++i) {
    kids[i] = fork();
    CT_CHECK(kids[i] >= 0);
    if (kids[i] == 0) {
      for (;;) pause();
    }
  }
  pthread_t t;
  CT_CHECK(pthread_create(&t, NULL, thread_main, NULL) == 0);
  while (g_thread_tid == 0) ct_sleep_ms(1);
  check_all(kids[0], kids[1]);

  ct_checkpoint_point();

  check_all(kids[0], kids[1]);
  for (int i = 0; i < 2; ++i) {
    CT_CHECK(kill(kids[i], SIGKILL) == 0);
    CT_CHECK(waitpid(kids[i], NULL, 0) == kids[i]);
  }
  ct_pass();
}
