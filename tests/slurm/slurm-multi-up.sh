#!/usr/bin/env bash
# tests/slurm/slurm-multi-up.sh: a private N-node Slurm on N netns "hosts" for tests
# (TESTBED.md sections 3.3 and 11.4).
# Usage: slurm-multi-up.sh BASE [N]      (N = 3 by default)
#   BASE   an empty scratch directory; slurm.conf, state, spool, logs and pid files stay
#          under it. BASE/netns.state records N before the namespaces are made, so that
#          slurm-down.sh BASE removes them again (also after a failure half-way).
# Makes netns h1..hN (scripts/testbed/netns-hosts.sh up N: 10.77.0.i on eth0, bridge in
# netns sw); refuses when they exist already. slurmctld runs in h1 (10.77.0.1); slurmd nI
# runs in hI (NodeAddr 10.77.0.I) in its own UTS namespace with hostname nI, so the job's
# processes see hostname nI. Everything is entered with `nsenter --net` (not `ip netns
# exec`, which remounts /sys and hides /sys/fs/cgroup from slurmd). One munged (munge-up.sh)
# serves all nodes through its unix socket. Partitions low (default; PriorityTier=1,
# requeue, GraceTime=$CKPT_TEST_GRACE or 10 s) and high, over every node. Ports 6817/6818
# are those of the namespaces, so this cluster never collides with slurm-up.sh's.
# slurmd listens on every address of its namespace (NoInAddrAny would make it resolve its
# node name, and there is no DNS for n1..nN).
# Clients run inside a host: nsenter --net=/run/netns/h1 sbatch ...
# Environment: CKPT_TEST_GRACE (GraceTime of partition low, default 10).
# Afterwards: export SLURM_CONF=BASE/slurm.conf; stop with slurm-down.sh BASE.
# Example: tests/slurm/slurm-multi-up.sh /tmp/ckpt-slurm.X 3 &&
#   SLURM_CONF=/tmp/ckpt-slurm.X/slurm.conf nsenter --net=/run/netns/h1 srun -N3 hostname
set -euo pipefail

base=$(realpath -m "${1:?usage: slurm-multi-up.sh BASE [N]}")
n=${2:-3}
kit=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
testbed=$(realpath -m "$kit/../../scripts/testbed")
grace=${CKPT_TEST_GRACE:-10}

mkdir -p "$base"
"$kit/munge-up.sh" "$base/munge.state"
if [[ -e /run/netns/h1 && ! -f $base/netns.state ]]; then
  echo "slurm-multi-up: netns h1 exists already (another test bed?); not touching it" >&2
  exit 1
fi
echo "$n" >"$base/netns.state"
"$testbed/netns-hosts.sh" up "$n"
nodes=()
for i in $(seq 1 "$n"); do
  nodes+=("NodeName=n$i NodeAddr=10.77.0.$i NodeHostname=n$i CPUs=$(nproc) RealMemory=4000 State=UNKNOWN")
done
"$kit/slurm-conf.sh" "$base" 10.77.0.1 "${nodes[@]}" \
  "PartitionName=low  Nodes=n[1-$n] Default=YES MaxTime=INFINITE State=UP PriorityTier=1  PreemptMode=REQUEUE GraceTime=$grace" \
  "PartitionName=high Nodes=n[1-$n] MaxTime=INFINITE State=UP PriorityTier=10 PreemptMode=OFF"
export SLURM_CONF=$base/slurm.conf
nsenter --net=/run/netns/h1 slurmctld -f "$SLURM_CONF"  # daemonizes; pid in $base/run
for i in $(seq 1 "$n"); do
  mkdir -p "$base/spool/n$i/tmp"
  # shellcheck disable=SC2016  # $0/$1/$2 belong to the inner sh
  nsenter --net="/run/netns/h$i" unshare --uts \
    sh -c 'hostname "$0" && exec slurmd -f "$1" -N "$0"' "n$i" "$SLURM_CONF"
done
for _ in $(seq 1 60); do
  idle=$(nsenter --net=/run/netns/h1 sinfo -h -N -o %t 2>/dev/null | grep -cx idle || true)
  if [[ $idle -ge $n ]]; then
    echo "slurm-multi-up: nodes n1..n$n idle in netns h1..h$n; export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.5
done
echo "slurm-multi-up: $n nodes not idle after 30 s; see $base/log" >&2
exit 1
