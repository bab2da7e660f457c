/* tests/cr/fd/file_locks.c: file locks held at checkpoint time are held again after restart:
 * a POSIX record lock (fcntl F_SETLK, write, bytes 10..109), a whole-file flock (LOCK_EX)
 * and an open-file-description read lock (F_OFD_SETLK). A child forked after the restart
 * checks each from outside (F_GETLK, flock LOCK_NB, F_OFD_GETLK) on its own open files;
 * after the parent drops the POSIX lock the child finds the range free. */
#include "ct.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>

static int open_file(const char* name) {
  int fd = open(ct_path(name), O_RDWR | O_CREAT, 0600);
  CT_CHECK(fd >= 0);
  CT_CHECK(ftruncate(fd, 4096) == 0);
  return fd;
}

static void set_lock(int fd, int cmd, short type, off_t start, off_t len) {
  struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
  CT_CHECK(fcntl(fd, cmd, &fl) == 0);
}

static struct flock probe(int fd, int cmd) {
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 200};
  CT_CHECK(fcntl(fd, cmd, &fl) == 0);
  return fl;
}

/* In a child: 0 when the locks look as expected from outside, else a step number. */
static int check_from_outside(int posix_expected) {
  int a = open(ct_path("posix.dat"), O_RDWR), b = open(ct_path("flock.dat"), O_RDWR);
  int c = open(ct_path("ofd.dat"), O_RDWR);
  if (a < 0 || b < 0 || c < 0) return 1;
  struct flock fl = probe(a, F_GETLK);
  if (posix_expected && (fl.l_type != F_WRLCK || fl.l_start != 10 || fl.l_len != 100)) return 2;
  if (!posix_expected && fl.l_type != F_UNLCK) return 3;
  if (flock(b, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK) return 4;
  struct flock ofd = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
  if (fcntl(c, F_OFD_GETLK, &ofd) != 0 || ofd.l_type != F_RDLCK) return 5;
  return 0;
}

static void expect_from_child(int posix_expected) {
  pid_t pid = fork();
  CT_CHECK(pid >= 0);
  if (pid == 0) _exit(check_from_outside(posix_expected));
  int status = 0;
  CT_CHECK(waitpid(pid, &status, 0) == pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ct_fail("lock check %d failed (posix lock expected: %d)", WEXITSTATUS(status),
            posix_expected);
  }
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int a = open_file("posix.dat"), b = open_file("flock.dat"), c = open_file("ofd.dat");
  set_lock(a, F_SETLK, F_WRLCK, 10, 100);
  CT_CHECK(flock(b, LOCK_EX | LOCK_NB) == 0);
  set_lock(c, F_OFD_SETLK, F_RDLCK, 0, 0);
  expect_from_child(1);

  ct_checkpoint_point();

  expect_from_child(1);
  set_lock(a, F_SETLK, F_UNLCK, 10, 100);
  expect_from_child(0);
  ct_pass();
}
