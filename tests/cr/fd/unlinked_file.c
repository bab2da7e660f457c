/* tests/cr/fd/unlinked_file.c: a file deleted while open keeps its contents, offset, size,
 * flags and "(deleted)" state across checkpoint/restart (its bytes are in the image). A
 * second fd opened on the same file sees the same inode afterwards. */
#include "ct.h"

#define SIZE 300000

static unsigned char byte_at(long i) { return (unsigned char)(i * 131 + 7); }

int main(int argc, char** argv) {
  ct_init(argc, argv);
  static unsigned char buf[SIZE];
  for (long i = 0; i < SIZE; ++i) buf[i] = byte_at(i);
  int fd = open(ct_path("scratch.bin"), O_CREAT | O_RDWR | O_CLOEXEC, 0640);
  CT_CHECK(fd >= 0);
  CT_CHECK(write(fd, buf, SIZE) == SIZE);
  int ro = open(ct_path("scratch.bin"), O_RDONLY);
  CT_CHECK(ro >= 0);
  CT_CHECK(unlink(ct_path("scratch.bin")) == 0);
  CT_CHECK(lseek(fd, 1000, SEEK_SET) == 1000);
  CT_CHECK(lseek(ro, 5, SEEK_SET) == 5);

  ct_checkpoint_point();

  struct stat st, st2;
  CT_CHECK(fstat(fd, &st) == 0 && fstat(ro, &st2) == 0);
  CT_CHECK(st.st_nlink == 0 && st.st_size == SIZE && (st.st_mode & 0777) == 0640);
  CT_CHECK(st.st_ino == st2.st_ino);
  CT_CHECK(lseek(fd, 0, SEEK_CUR) == 1000 && lseek(ro, 0, SEEK_CUR) == 5);
  CT_CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
  CT_CHECK((fcntl(ro, F_GETFL) & O_ACCMODE) == O_RDONLY);
  static unsigned char back[SIZE];
  CT_CHECK(pread(ro, back, SIZE, 0) == SIZE);
  for (long i = 0; i < SIZE; ++i) {
    if (back[i] != byte_at(i)) ct_fail("byte %ld differs", i);
  }
  CT_CHECK(write(fd, "x", 1) == 1);  /* both fds are the same file */
  CT_CHECK(pread(ro, back, 1, 1000) == 1 && back[0] == 'x');
  ct_pass();
}
