#!/bin/bash
# tests/cr/real/pipeline.sh: a shell pipeline checkpointed mid-stream (bytes in flight in
# its pipes, a named FIFO at its end). No process waits for another: the pipeline runs in
# the background of a subshell that exits at once, and the root process becomes awk,
# reading the FIFO (until restarted processes keep their parent, a waiting shell would see
# its children vanish at a restart).
rm -f pipeline.fifo
mkfifo pipeline.fifo
(seq 1 15000000 | awk '{ s += $1 } NR % 100 == 0 { print s }' | sort -n | tail -3 > pipeline.fifo &)
exec awk '{ print } END { print "PASS" }' < pipeline.fifo
