/* tests/cr/fd/append_log.c: an O_APPEND|O_CLOEXEC log written before and after the
 * checkpoint, and a dup of a regular file fd that shares its offset: the log holds every line
 * once, in order (printed, and compared with a native run), and the dup still shares. */
#include "ct.h"

static void line(int fd, const char* text) {
  CT_CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
}

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int log = open(ct_path("app.log"), O_CREAT | O_WRONLY | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  CT_CHECK(log >= 0);
  line(log, "one\n");
  line(log, "two\n");
  int data = open(ct_path("data"), O_CREAT | O_RDWR | O_TRUNC, 0600);
  CT_CHECK(data >= 0 && write(data, "0123456789", 10) == 10);
  int twin = dup(data);
  CT_CHECK(lseek(data, 3, SEEK_SET) == 3);
  int other = open(ct_path("data"), O_RDONLY);  /* its own offset */
  CT_CHECK(lseek(other, 7, SEEK_SET) == 7);

  ct_checkpoint_point();

  CT_CHECK((fcntl(log, F_GETFL) & O_APPEND) && (fcntl(log, F_GETFD) & FD_CLOEXEC));
  line(log, "three\n");
  CT_CHECK(lseek(twin, 0, SEEK_CUR) == 3);
  CT_CHECK(lseek(twin, 5, SEEK_SET) == 5 && lseek(data, 0, SEEK_CUR) == 5);
  CT_CHECK(lseek(other, 0, SEEK_CUR) == 7);
  char buf[64] = {0};
  int rd = open(ct_path("app.log"), O_RDONLY);
  ssize_t n = read(rd, buf, sizeof buf - 1);
  CT_CHECK(n == 14);
  ct_log("log: %s", buf);
  CT_CHECK(strcmp(buf, "one\ntwo\nthree\n") == 0);
  ct_pass();
}
