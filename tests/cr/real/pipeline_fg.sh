#!/bin/bash
# tests/cr/real/pipeline_fg.sh: bash runs seq | awk | sort | tail in the FOREGROUND and
# waits for the whole job (waitpid on each member; non-interactive, so no job control and
# no terminal: the job stays in bash's process group). Checkpointed while the job runs,
# with bytes in flight in its pipes; after a restart bash must still wait for its restored
# children and see their exit statuses (PIPESTATUS), and the result equals a native run's.
set -u
seq 1 12000000 | awk '{ s += $1 } NR % 100 == 0 { print s }' | sort -n | tail -3
echo "status ${PIPESTATUS[*]}"
echo PASS
