/* tests/cr/proc/tgkill_thread.c
 * After restart, a thread of another process is reached by the ids its process saw: the
 * child's second thread writes its gettid() to a file; the parent finds
 * /proc/<child>/task/<tid> (its stat names that tid) and tgkill()s that thread, which must
 * be the one whose handler runs. The child checks /proc/self/task/<tid> too. */
#include "ct.h" /* first: it defines _GNU_SOURCE */

#include <stdio.h>
#include <sys/wait.h>

static volatile pid_t g_hit_tid;
static volatile pid_t g_worker_tid;
static volatile int g_done;

static void on_usr1(int sig) {
  (void)sig;
  g_hit_tid = gettid();
}

static void* worker(void* arg) {
  (void)arg;
  g_worker_tid = gettid();
  char text[32];
  int len = snprintf(text, sizeof text, "%d", (int)g_worker_tid);
  int fd = open(ct_path("tid.tmp"), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  CT_CHECK(fd >= 0 && write(fd, text, (size_t)len) == len);
  close(fd);
  CT_CHECK(rename(ct_path("tid.tmp"), ct_path("tid")) == 0);
  while (!g_done)
    ct_sleep_ms(10); /* alive until the main thread looked at its task dir */
  return NULL;
}

static void run_child(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  CT_CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
  pthread_t t;
  CT_CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
  while (access(ct_path("tid"), F_OK) != 0)
    ct_sleep_ms(10);
  ct_checkpoint_point();
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d", (int)g_worker_tid);
  if (access(path, F_OK) != 0) ct_fail("child: %s missing after restart", path);
  for (int i = 0; i < 500 && g_hit_tid == 0; ++i)
    ct_sleep_ms(10);
  g_done = 1;
  pthread_join(t, NULL);
  _exit(g_hit_tid == g_worker_tid ? 3 : 4);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  pid_t child = fork();
  CT_CHECK(child >= 0);
  if (child == 0) run_child();
  for (int i = 0; i < 1000 && access(ct_path("tid"), F_OK) != 0; ++i)
    ct_sleep_ms(10);
  char text[32] = {0};
  int fd = open(ct_path("tid"), O_RDONLY | O_CLOEXEC);
  CT_CHECK(fd >= 0 && read(fd, text, sizeof text - 1) > 0);
  close(fd);
  pid_t tid = (pid_t)atoi(text);

  ct_checkpoint_point();

  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)child, (int)tid);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) ct_fail("%s: %s", path, strerror(errno));
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  CT_CHECK(n > 0);
  buf[n] = '\0';
  if (atoi(buf) != tid) ct_fail("%s names tid %d, want %d", path, atoi(buf), (int)tid);
  CT_CHECK(tgkill(child, tid, SIGUSR1) == 0);
  int st = 0;
  CT_CHECK(waitpid(child, &st, 0) == child);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 3) {
    ct_fail("child %d: status 0x%x (4: another thread got the signal)", (int)child, st);
  }
  ct_log("tgkill reached thread %d of child %d", (int)tid, (int)child);
  ct_pass();
}
