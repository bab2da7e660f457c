/* tests/cr/ipc/shm_fork.c
 * A SysV segment shared by a parent and its forked child: after restart both processes are
 * attached to one segment again, so each sees the other's writes. (Restarted processes may
 * be siblings: the child's exit is not awaited with waitpid.) */
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>

#include "ct.h"

struct shared {
  volatile int child_ready;  /* child -> parent: attached and waiting */
  volatile int question;     /* parent -> child, after the checkpoint */
  volatile int answer;       /* child -> parent */
  volatile int child_saw;    /* what the child read of the parent's pre-checkpoint data */
  char data[4096];
};

static void child(struct shared* s) {
  s->child_saw = s->data[100] == 'P' && s->data[4000] == 'P';
  s->child_ready = 1;
  uint64_t deadline = ct_now_ns() + 600ull * 1000000000ull;
  while (s->question == 0 && ct_now_ns() < deadline) ct_sleep_ms(10);
  s->answer = s->question * 2 + 1;
  _exit(0);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int id = shmget(IPC_PRIVATE, sizeof(struct shared), 0600);
  CT_CHECK(id >= 0);
  struct shared* s = shmat(id, NULL, 0);
  CT_CHECK(s != (void*)-1);
  CT_CHECK(shmctl(id, IPC_RMID, NULL) == 0); /* gone when both have detached */
  memset(s->data, 'P', sizeof s->data);
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid == 0) child(s);
  uint64_t deadline = ct_now_ns() + 20ull * 1000000000ull;
  while (!s->child_ready) {
    if (ct_now_ns() > deadline) ct_fail("child did not start");
    ct_sleep_ms(5);
  }
  CT_CHECK(s->child_saw);

  ct_checkpoint_point();

  s->question = 20;
  deadline = ct_now_ns() + 20ull * 1000000000ull;
  while (s->answer == 0) {
    if (ct_now_ns() > deadline) ct_fail("the child did not see the parent's write");
    ct_sleep_ms(5);
  }
  CT_CHECK(s->answer == 41);
  waitpid(pid, NULL, WNOHANG); /* reaps it if it is still our child */
  ct_pass();
}
