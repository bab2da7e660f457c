#!/usr/bin/env bash
# tests/slurm/slurm-down.sh: stop what slurm-up.sh BASE started, in the order that lets
# job steps finish cleanly: cancel every job, wait until squeue is empty, `scontrol
# shutdown` (slurmctld and slurmd), wait for the pids in BASE/run (SIGKILL only a pid that
# is still a slurm daemon after 15 s), then stop munged if slurm-up.sh started it (pid
# recorded in BASE/munge.state). Killing slurmctld while steps still run leaves slurmstepd
# retrying for about a minute.
# For a slurm-multi-up.sh cluster (BASE/netns.state holds N): the Slurm commands run inside
# netns h1; afterwards every process still left in h1..hN (they all belong to this test
# cluster) is killed by pid and the namespaces are deleted (netns-hosts.sh down N).
# Usage: slurm-down.sh BASE      (safe to run twice, or after a failed slurm-(multi-)up.sh)
# Example: tests/slurm/slurm-down.sh /tmp/ckpt-slurm.X
set -uo pipefail

base=$(realpath -m "${1:?usage: slurm-down.sh BASE}")
kit=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
export SLURM_CONF=$base/slurm.conf
netns_n=
[[ -f $base/netns.state ]] && netns_n=$(cat "$base/netns.state")
in_cluster=()  # prefix for Slurm commands: the multi-node cluster is reachable from h1 only
if [[ -n $netns_n ]]; then
  [[ -e /run/netns/h1 ]] || SLURM_CONF=/nonexistent  # no h1: no cluster to talk to
  in_cluster=(nsenter --net=/run/netns/h1)
fi

is_daemon() {  # PID NAME...: true when PID is alive and its comm is one of NAME
  local comm
  comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
  local name
  for name in "${@:2}"; do
    [[ $comm == "$name" ]] && return 0
  done
  return 1
}

stop_pid() {  # PID NAME...: wait up to 15 s for PID to exit, then SIGKILL it if still NAME
  local pid=$1
  for _ in $(seq 1 60); do
    is_daemon "$pid" "${@:2}" || return 0
    sleep 0.25
  done
  kill -KILL "$pid" 2>/dev/null || true
}

if [[ -f $SLURM_CONF ]]; then
  "${in_cluster[@]}" timeout 10 scancel --full --quiet --user=root 2>/dev/null || true
  for _ in $(seq 1 60); do
    [[ -z $("${in_cluster[@]}" timeout 5 squeue -h 2>/dev/null) ]] && break
    sleep 0.5
  done
  "${in_cluster[@]}" timeout 15 scontrol shutdown >/dev/null 2>&1 || true
fi
for f in "$base"/run/*.pid; do
  [[ -f $f ]] || continue
  stop_pid "$(cat "$f")" slurmctld slurmd
  rm -f "$f"
done
if [[ -n $netns_n ]]; then
  for i in $(seq 1 "$netns_n"); do
    [[ -e /run/netns/h$i ]] || continue
    for pid in $(ip netns pids "h$i" 2>/dev/null); do
      echo "slurm-down: killing pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) left in netns h$i" >&2
      kill -KILL "$pid" 2>/dev/null || true
    done
  done
  "$kit/../../scripts/testbed/netns-hosts.sh" down "$netns_n" || true
  rm -f "$base/netns.state"
fi
if [[ -f $base/munge.state ]]; then
  read -r how pid <"$base/munge.state" || true
  if [[ ${how:-} == started && -n ${pid:-} ]] && is_daemon "$pid" munged; then
    kill -TERM "$pid"
    stop_pid "$pid" munged
  fi
  rm -f "$base/munge.state"
fi
exit 0
