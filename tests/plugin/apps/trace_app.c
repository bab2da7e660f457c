/* tests/plugin/apps/trace_app.c: exercises every kind of event for the trace plugin: a
 * thread that returns, a thread that calls pthread_exit, a fork whose child execs this
 * program again ("exec-child"), then the checkpoint point. */
#include <stdio.h>
#include <sys/wait.h>
#include "ct.h"

static void* returns(void* p) { return p; }
static void* exits(void* p) { pthread_exit(p); }

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "exec-child") == 0) return 0;
  ct_init(argc, argv);
  pthread_t a, b;
  CT_CHECK(pthread_create(&a, NULL, returns, NULL) == 0);
  CT_CHECK(pthread_join(a, NULL) == 0);
  CT_CHECK(pthread_create(&b, NULL, exits, NULL) == 0);
  CT_CHECK(pthread_join(b, NULL) == 0);
  pid_t child = fork();
  CT_CHECK(child >= 0);
  if (child == 0) {
    execl("/proc/self/exe", argv[0], "exec-child", (char*)NULL);
    _exit(127);
  }
  int st = 0;
  CT_CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  ct_checkpoint_point();
  ct_pass();
}
