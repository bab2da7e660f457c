#!/usr/bin/env bash
# tests/slurm/slurm-up.sh: a private one-node Slurm (munge + slurmctld + slurmd) for tests.
# Usage: slurm-up.sh BASE
#   BASE   an empty scratch directory (e.g. from mktemp -d under /tmp); everything Slurm
#          writes (slurm.conf, state, spool, logs, pid files) stays under it.
# Node c1 (127.0.0.1, every CPU of this machine). Partitions:
#   low   default; PriorityTier=1, PreemptMode=REQUEUE, GraceTime=$CKPT_TEST_GRACE (10 s)
#   high  PriorityTier=10, PreemptMode=OFF: a job there pre-empts low jobs
#         (PreemptType=preempt/partition_prio, requeue after the grace time).
# slurm.conf comes from slurm-conf.sh (requeue delay ~11 s, scheduler pass every 2 s).
# slurmd binds 127.0.0.1 only (CommunicationParameters=NoInAddrAny); slurmctld 22.05 still
# listens on every address (port 6817) and answers only munge-authenticated requests.
# Environment: CKPT_TEST_GRACE  GraceTime of partition low in seconds (default 10).
# Afterwards: export SLURM_CONF=BASE/slurm.conf; stop with slurm-down.sh BASE.
# Example: tests/slurm/slurm-up.sh /tmp/ckpt-slurm.X && SLURM_CONF=/tmp/ckpt-slurm.X/slurm.conf sinfo
set -euo pipefail

base=$(realpath -m "${1:?usage: slurm-up.sh BASE}")
kit=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
grace=${CKPT_TEST_GRACE:-10}

"$kit/munge-up.sh" "$base/munge.state"
cpus=$(nproc)
mem=$(( $(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p') * 9 / 10 ))
"$kit/slurm-conf.sh" "$base" 127.0.0.1 CommunicationParameters=NoInAddrAny \
  "NodeName=c1 NodeAddr=127.0.0.1 NodeHostname=$(hostname -s) CPUs=$cpus RealMemory=$mem State=UNKNOWN" \
  "PartitionName=low  Nodes=c1 Default=YES MaxTime=INFINITE State=UP PriorityTier=1  PreemptMode=REQUEUE GraceTime=$grace" \
  "PartitionName=high Nodes=c1 MaxTime=INFINITE State=UP PriorityTier=10 PreemptMode=OFF"
mkdir -p "$base/spool/c1/tmp"
export SLURM_CONF=$base/slurm.conf
slurmctld -f "$SLURM_CONF"   # both daemonize; pid files under $base/run
slurmd -f "$SLURM_CONF" -N c1
for _ in $(seq 1 60); do
  if sinfo -h -N -o %t 2>/dev/null | grep -qx idle; then
    echo "slurm-up: node c1 idle; export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.5
done
echo "slurm-up: node c1 not idle after 30 s; see $base/log" >&2
exit 1
