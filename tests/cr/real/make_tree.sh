#!/bin/bash
# tests/cr/real/make_tree.sh [N]: generates N small C files, a main and a Makefile in the
# current directory, builds them with `make -j2` (processes come and go: make, sh, gcc,
# cc1, as, collect2, ld) and runs the result. Output is deterministic: compared with a
# native run. make holds its jobserver pipe (both ends) and a read end whose write end is
# closed (libckpt/core/pipe_table.h); its children come and go during checkpoint rounds.
set -eu
n=${1:-24}
rm -rf tree && mkdir tree && cd tree
for ((i = 0; i < n; i++)); do
  printf 'long f%d(long x) {\n  long s = 0;\n  for (long k = 0; k < x; ++k) s += (k * %d) %% 7;\n  return s;\n}\n' \
    "$i" "$((i + 3))" > "f$i.c"
done
{
  for ((i = 0; i < n; i++)); do printf 'long f%d(long);\n' "$i"; done
  printf '#include <stdio.h>\nint main(void) {\n  long t = 0;\n'
  for ((i = 0; i < n; i++)); do printf '  t += f%d(%d);\n' "$i" "$((1000 + i))"; done
  printf '  printf("total %%ld\\n", t);\n  return 0;\n}\n'
} > main.c
{
  printf 'OBJS :='
  for ((i = 0; i < n; i++)); do printf ' f%d.o' "$i"; done
  printf ' main.o\n\nprog: $(OBJS)\n\tgcc -o $@ $(OBJS)\n\n%%.o: %%.c\n\tgcc -O1 -c -o $@ $<\n'
} > Makefile
make -j2 -s prog
./prog
echo "built $n files"
echo PASS
