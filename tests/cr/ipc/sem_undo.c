/* tests/cr/ipc/sem_undo.c: SEM_UNDO adjustments survive a restart. A forked child changes
 * two semaphores with SEM_UNDO (one semop of two operations, one semtimedop) and one without;
 * after the checkpoint it exits, and the kernel must undo exactly its SEM_UNDO operations:
 * the values the parent then reads are those of a native run. (The child's exit is seen as
 * EOF on a pipe, since restarted processes may be siblings; the kernel undoes before it
 * closes the exiting process's files.) */
#define _GNU_SOURCE 1
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <time.h>

#include "ct.h"

static void child(int id, int ready, int go) {
  struct sembuf two[2] = {{0, -2, SEM_UNDO}, {1, 4, SEM_UNDO}};
  struct sembuf one = {1, -1, SEM_UNDO};
  struct sembuf plain = {0, -1, 0};
  struct timespec ts = {5, 0};
  if (semop(id, two, 2) != 0 || semtimedop(id, &one, 1, &ts) != 0 || semop(id, &plain, 1) != 0) {
    ct_fail("child semop: %s", strerror(errno));
  }
  char c = 'r';
  CT_CHECK(write(ready, &c, 1) == 1);
  CT_CHECK(read(go, &c, 1) == 1); /* the parent's word after the checkpoint */
  _exit(0);                       /* semadj applied: sem0 += 2, sem1 -= 3 */
}

static int g_id = -1;

static void remove_set(void) { /* also when a check fails (ct_fail exits) */
  if (g_id >= 0) semctl(g_id, 0, IPC_RMID);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int id = g_id = semget(IPC_PRIVATE, 2, 0600);
  CT_CHECK(id >= 0);
  atexit(remove_set);
  unsigned short init[2] = {5, 3};
  CT_CHECK(semctl(id, 0, SETALL, init) == 0);
  int up[2], down[2];
  CT_CHECK(pipe(up) == 0 && pipe(down) == 0);
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid == 0) {
    close(up[0]);
    close(down[1]);
    child(id, up[1], down[0]);
  }
  close(up[1]);
  close(down[0]);
  char c;
  CT_CHECK(read(up[0], &c, 1) == 1 && c == 'r');
  CT_CHECK(semctl(id, 0, GETVAL) == 2 && semctl(id, 1, GETVAL) == 6);

  ct_checkpoint_point();

  CT_CHECK(semctl(id, 0, GETVAL) == 2 && semctl(id, 1, GETVAL) == 6);
  CT_CHECK(write(down[1], "g", 1) == 1);
  CT_CHECK(read(up[0], &c, 1) == 0); /* EOF: the child is gone */
  int v0 = semctl(id, 0, GETVAL), v1 = semctl(id, 1, GETVAL);
  ct_log("after the child's exit: %d %d\n", v0, v1);
  CT_CHECK(v0 == 4 && v1 == 3);
  CT_CHECK(semctl(id, 0, IPC_RMID) == 0);
  g_id = -1;
  waitpid(pid, NULL, WNOHANG);
  ct_pass();
}
