/* tests/cr/proc/saved_pids.c
 * Every process and thread of a tree gets its saved pid or tid back from `ckpt restart`,
 * although the killed originals are still unreaped zombies when the restart starts (sidecar
 * hold_zombies: the harness, their subreaper, reaps them about a second later, as a
 * container's pid 1 does): `ckpt restart` waits for them. The root and two children, each
 * with a second thread, compare the kernel's pid and tid (raw system calls, past the pid
 * plugin) with the ones they had before the checkpoint. */
#include "ct.h" /* first: it defines _GNU_SOURCE */

#include <sys/syscall.h>
#include <sys/wait.h>

static volatile long g_tid_before;
static volatile long g_tid_after;
static volatile int g_ask;

static void* second_thread(void* arg) {
  (void)arg;
  g_tid_before = ct_raw_syscall1(SYS_gettid, 0);
  while (!g_ask) ct_sleep_ms(5);
  g_tid_after = ct_raw_syscall1(SYS_gettid, 0);
  return NULL;
}

static pthread_t start_thread(void) {
  pthread_t t;
  CT_CHECK(pthread_create(&t, NULL, second_thread, NULL) == 0);
  while (g_tid_before == 0) ct_sleep_ms(5);
  return t;
}

/* After the checkpoint: the kernel's ids are the saved ones. */
static void check_ids(const char* who, long pid_before, pthread_t t) {
  long pid_now = ct_raw_syscall1(SYS_getpid, 0);
  g_ask = 1;
  CT_CHECK(pthread_join(t, NULL) == 0);
  if (pid_now != pid_before) {
    ct_fail("%s: the kernel's pid is %ld, saved %ld (not given back)", who, pid_now, pid_before);
  }
  if (g_tid_after != g_tid_before) {
    ct_fail("%s: the second thread's tid is %ld, saved %ld", who, g_tid_after, g_tid_before);
  }
}

static void touch(const char* name) {
  int fd = open(ct_path(name), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  CT_CHECK(fd >= 0);
  close(fd);
}

static void wait_file(const char* name) {
  while (access(ct_path(name), F_OK) != 0) ct_sleep_ms(10);
}

static pid_t child(const char* name) {
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid != 0) return pid;
  long before = ct_raw_syscall1(SYS_getpid, 0);
  pthread_t t = start_thread();
  touch(name);
  ct_checkpoint_point();
  check_ids(name, before, t);
  _exit(0);
}

static void reap(pid_t pid, const char* name) {
  int st = 0;
  if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    ct_fail("%s (pid %d) ended with status 0x%x", name, (int)pid, st);
  }
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  pid_t b = child("b.ready");
  pid_t c = child("c.ready");
  long before = ct_raw_syscall1(SYS_getpid, 0);
  pthread_t t = start_thread();
  wait_file("b.ready");
  wait_file("c.ready");

  ct_checkpoint_point();

  check_ids("root", before, t);
  reap(b, "child b");
  reap(c, "child c");
  ct_log("three processes and their threads kept pid %ld and its children's", before);
  ct_pass();
}
