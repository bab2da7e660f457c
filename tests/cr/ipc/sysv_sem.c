/* tests/cr/ipc/sysv_sem.c
 * SysV semaphores: a keyed and a private set keep their ids, values and permissions; the key
 * still finds the set; a thread blocked in semop() at checkpoint time is woken by a post
 * after the restart. */
#include <sys/ipc.h>
#include <sys/sem.h>

#include "ct.h"

union semun {
  int val;
  struct semid_ds* buf;
  unsigned short* array;
};

static int g_set = -1, g_priv = -1;
static volatile int g_woken;

static void* waiter(void* arg) {
  (void)arg;
  struct sembuf down = {1, -1, 0};
  CT_CHECK(semop(g_set, &down, 1) == 0);
  g_woken = 1;
  return NULL;
}

static void cleanup(void) { /* also when a check fails: no set outlives the test */
  semctl(g_set, 0, IPC_RMID);
  semctl(g_priv, 0, IPC_RMID);
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  atexit(cleanup);
  int fd = open(ct_path("semkey"), O_CREAT | O_WRONLY, 0600);
  CT_CHECK(fd >= 0);
  close(fd);
  key_t key = ftok(ct_path("semkey"), 's');
  CT_CHECK(key != -1);
  g_set = semget(key, 3, IPC_CREAT | IPC_EXCL | 0640);
  CT_CHECK(g_set >= 0);
  int priv = g_priv = semget(IPC_PRIVATE, 2, 0600);
  CT_CHECK(priv >= 0);
  unsigned short init[3] = {5, 0, 7};
  union semun arg = {.array = init};
  CT_CHECK(semctl(g_set, 0, SETALL, arg) == 0);
  CT_CHECK(semctl(priv, 1, SETVAL, (union semun){.val = 9}) == 0);
  struct sembuf two = {0, -2, 0};
  CT_CHECK(semop(g_set, &two, 1) == 0);
  pthread_t t;
  CT_CHECK(pthread_create(&t, NULL, waiter, NULL) == 0);
  ct_sleep_ms(50);
  CT_CHECK(semctl(g_set, 1, GETNCNT) == 1); /* the thread waits on semaphore 1 */

  ct_checkpoint_point();

  CT_CHECK(semget(key, 0, 0) == g_set);
  unsigned short now[3] = {0, 0, 0};
  arg.array = now;
  CT_CHECK(semctl(g_set, 0, GETALL, arg) == 0);
  CT_CHECK(now[0] == 3 && now[1] == 0 && now[2] == 7);
  CT_CHECK(semctl(priv, 1, GETVAL) == 9 && semctl(priv, 0, GETVAL) == 0);
  struct semid_ds ds;
  arg.buf = &ds;
  CT_CHECK(semctl(g_set, 0, IPC_STAT, arg) == 0);
  CT_CHECK((ds.sem_perm.mode & 0777) == 0640 && ds.sem_nsems == 3);
  CT_CHECK(!g_woken);
  struct sembuf up = {1, 1, 0};
  CT_CHECK(semop(g_set, &up, 1) == 0);
  CT_CHECK(pthread_join(t, NULL) == 0);
  CT_CHECK(g_woken && semctl(g_set, 1, GETVAL) == 0);
  CT_CHECK(semctl(g_set, 0, IPC_RMID) == 0);
  CT_CHECK(semctl(priv, 0, IPC_RMID) == 0);
  g_set = g_priv = -1;
  CT_CHECK(semget(key, 0, 0) == -1 && errno == ENOENT);
  ct_pass();
}
