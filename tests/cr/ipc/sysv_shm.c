/* tests/cr/ipc/sysv_shm.c
 * SysV shared memory: a private segment attached twice (read-write and read-only) is
 * re-attached at the same addresses after restart with its contents, and both attachments
 * still share the segment; it was removed (IPC_RMID) while attached and stays usable (and
 * goes away with the process, whatever happens); a keyed segment that nobody had attached
 * keeps its contents. */
#include <sys/ipc.h>
#include <sys/shm.h>

#include "ct.h"

#define SEG (256 * 1024)

static void fill(unsigned char* p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; ++i) p[i] = (unsigned char)(i * 31 + seed);
}

static int same(const unsigned char* p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != (unsigned char)(i * 31 + seed)) return 0;
  }
  return 1;
}

static int g_keyed = -1;

static void cleanup(void) { shmctl(g_keyed, IPC_RMID, NULL); } /* also after a failure */

int main(int argc, char** argv) {
  ct_init(argc, argv);
  atexit(cleanup);
  int priv = shmget(IPC_PRIVATE, SEG, 0600);
  CT_CHECK(priv >= 0);
  unsigned char* rw = shmat(priv, NULL, 0);
  unsigned char* ro = shmat(priv, NULL, SHM_RDONLY);
  CT_CHECK(rw != (void*)-1 && ro != (void*)-1);
  fill(rw, SEG, 1);
  CT_CHECK(shmctl(priv, IPC_RMID, NULL) == 0); /* lives on while attached */

  int fd = open(ct_path("shmkey"), O_CREAT | O_WRONLY, 0600);
  CT_CHECK(fd >= 0);
  close(fd);
  key_t key = ftok(ct_path("shmkey"), 'h');
  int keyed = g_keyed = shmget(key, 8192, IPC_CREAT | IPC_EXCL | 0640);
  CT_CHECK(keyed >= 0);
  unsigned char* k = shmat(keyed, NULL, 0);
  CT_CHECK(k != (void*)-1);
  fill(k, 8192, 7);
  CT_CHECK(shmdt(k) == 0); /* nobody has it attached at checkpoint time */

  ct_checkpoint_point();

  CT_CHECK(same(rw, SEG, 1) && same(ro, SEG, 1));
  fill(rw, SEG, 2); /* a write through one attachment shows through the other */
  CT_CHECK(same(ro, SEG, 2));
  struct shmid_ds ds;
  CT_CHECK(shmctl(priv, IPC_STAT, &ds) == 0);
  CT_CHECK(ds.shm_segsz == SEG && ds.shm_nattch == 2 && (ds.shm_perm.mode & 0777) == 0600);
  CT_CHECK(ds.shm_perm.mode & SHM_DEST);

  CT_CHECK(shmget(key, 0, 0) == keyed);
  CT_CHECK(shmctl(keyed, IPC_STAT, &ds) == 0);
  CT_CHECK(ds.shm_segsz == 8192 && ds.shm_nattch == 0 && (ds.shm_perm.mode & 0777) == 0640);
  k = shmat(keyed, NULL, SHM_RDONLY);
  CT_CHECK(k != (void*)-1 && same(k, 8192, 7));
  CT_CHECK(shmdt(k) == 0);

  CT_CHECK(shmdt(rw) == 0 && shmdt(ro) == 0);
  CT_CHECK(shmctl(priv, IPC_STAT, &ds) == -1 && errno == EINVAL); /* gone with the last detach */
  CT_CHECK(shmctl(keyed, IPC_RMID, NULL) == 0);
  g_keyed = -1;
  ct_pass();
}
