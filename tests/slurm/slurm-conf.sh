#!/usr/bin/env bash
# tests/slurm/slurm-conf.sh: writes BASE/slurm.conf for the test clusters (slurm-up.sh: one
# node on loopback; slurm-multi-up.sh: N nodes in network namespaces) and creates the
# directories it names, all under BASE.
# Usage: slurm-conf.sh BASE CTLADDR NODELINE... [PartitionName=...]...
#   CTLADDR   address of slurmctld (SlurmctldHost=localhost(CTLADDR))
#   the remaining arguments are appended as lines (NodeName=..., PartitionName=...)
# AuthInfo=cred_expire=10 makes a requeued job eligible again ~11 s after the requeue
# (Slurm's default is 120 s); sched_interval=2 starts it soon after (default 60 s).
# No cgroup.conf (an empty one is a parse error). TmpFS is per node (PMIx and job tmp dirs
# would collide in the shared /tmp otherwise).
# Example: tests/slurm/slurm-conf.sh /tmp/ckpt-slurm.X 127.0.0.1 "NodeName=c1 NodeAddr=127.0.0.1"
set -euo pipefail

base=${1:?usage: slurm-conf.sh BASE CTLADDR LINE...}
ctl=${2:?usage: slurm-conf.sh BASE CTLADDR LINE...}
shift 2
mkdir -p "$base"/{state,log,run,spool}
cat >"$base/slurm.conf" <<CONF
ClusterName=ckpttest
SlurmctldHost=localhost($ctl)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=cred_expire=10
CredType=cred/munge
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
CONF
printf '%s\n' "$@" >>"$base/slurm.conf"
