/* tests/cr/fd/missing_file.c: the program the file-check error cases restart
 * (tests/harness/error_cases.py missing_file, changed_input): it holds "data" open for
 * writing (contents saved with `ckpt launch --save-files`) and "input" open read-only, and
 * checks both after the checkpoint point, so a restart with wrong files cannot pass. */
#include "ct.h"

int main(int argc, char** argv) {
  ct_init(argc, argv);
  int data = open(ct_path("data"), O_CREAT | O_RDWR | O_TRUNC, 0640);
  CT_CHECK(data >= 0 && write(data, "saved contents\n", 15) == 15);
  int in = open(ct_path("input"), O_CREAT | O_RDWR | O_TRUNC, 0600);
  CT_CHECK(in >= 0 && write(in, "input v1\n", 9) == 9 && close(in) == 0);
  in = open(ct_path("input"), O_RDONLY);
  CT_CHECK(in >= 0);

  ct_checkpoint_point();

  char buf[64] = {0};
  CT_CHECK(pread(data, buf, sizeof buf - 1, 0) == 15 && strcmp(buf, "saved contents\n") == 0);
  CT_CHECK(lseek(data, 0, SEEK_CUR) == 15);
  memset(buf, 0, sizeof buf);
  CT_CHECK(pread(in, buf, sizeof buf - 1, 0) == 9 && strcmp(buf, "input v1\n") == 0);
  ct_pass();
}
