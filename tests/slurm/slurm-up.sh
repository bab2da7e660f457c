#!/usr/bin/env bash
# tests/slurm/slurm-up.sh: a private one-node Slurm (munge + slurmctld + slurmd) for tests.
# Usage: slurm-up.sh BASE
#   BASE   an empty scratch directory (e.g. from mktemp -d under /tmp); everything Slurm
#          writes (slurm.conf, state, spool, logs, pid files) stays under it.
# Node c1 (127.0.0.1, every CPU of this machine). Partitions:
#   low   default; PriorityTier=1, PreemptMode=REQUEUE, GraceTime=$CKPT_TEST_GRACE (10 s)
#   high  PriorityTier=10, PreemptMode=OFF: a job there pre-empts low jobs
#         (PreemptType=preempt/partition_prio, requeue after the grace time).
# AuthInfo=cred_expire=10 makes a requeued job eligible again ~11 s after the requeue
# (Slurm's default is 120 s); sched_interval=2 starts it soon after (default 60 s).
# No cgroup.conf (an empty one is a parse error).
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
mkdir -p "$base"/{state,log,run,spool/c1/tmp}
cpus=$(nproc)
mem=$(( $(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p') * 9 / 10 ))
cat >"$base/slurm.conf" <<CONF
ClusterName=ckpttest
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=cred_expire=10
CredType=cred/munge
CommunicationParameters=NoInAddrAny
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$base/state
SlurmdSpoolDir=$base/spool/%n
TmpFS=$base/spool/%n/tmp
SlurmctldPidFile=$base/run/slurmctld.pid
SlurmdPidFile=$base/run/slurmd-%n.pid
SlurmctldLogFile=$base/log/slurmctld.log
SlurmdLogFile=$base/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
MpiDefault=none
ReturnToService=2
JobRequeue=1
PreemptType=preempt/partition_prio
PreemptMode=REQUEUE
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SlurmdTimeout=30
KillWait=5
NodeName=c1 NodeAddr=127.0.0.1 NodeHostname=$(hostname -s) CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=low  Nodes=c1 Default=YES MaxTime=INFINITE State=UP PriorityTier=1  PreemptMode=REQUEUE GraceTime=$grace
PartitionName=high Nodes=c1 MaxTime=INFINITE State=UP PriorityTier=10 PreemptMode=OFF
CONF
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
