#!/usr/bin/env bash
# tests/slurm/slurm-down.sh: stop what slurm-up.sh BASE started, in the order that lets
# job steps finish cleanly: cancel every job, wait until squeue is empty, `scontrol
# shutdown` (slurmctld and slurmd), wait for the pids in BASE/run (SIGKILL only a pid that
# is still a slurm daemon after 15 s), then stop munged if slurm-up.sh started it (pid
# recorded in BASE/munge.state). Killing slurmctld while steps still run leaves slurmstepd
# retrying for about a minute.
# Usage: slurm-down.sh BASE      (safe to run twice, or after a failed slurm-up.sh)
# Example: tests/slurm/slurm-down.sh /tmp/ckpt-slurm.X
set -uo pipefail

base=$(realpath -m "${1:?usage: slurm-down.sh BASE}")
export SLURM_CONF=$base/slurm.conf

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
  timeout 10 scancel --full --quiet --user=root 2>/dev/null || true
  for _ in $(seq 1 60); do
    [[ -z $(timeout 5 squeue -h 2>/dev/null) ]] && break
    sleep 0.5
  done
  timeout 15 scontrol shutdown >/dev/null 2>&1 || true
fi
for f in "$base"/run/*.pid; do
  [[ -f $f ]] || continue
  stop_pid "$(cat "$f")" slurmctld slurmd
  rm -f "$f"
done
if [[ -f $base/munge.state ]]; then
  read -r how pid <"$base/munge.state" || true
  if [[ ${how:-} == started && -n ${pid:-} ]] && is_daemon "$pid" munged; then
    kill -TERM "$pid"
    stop_pid "$pid" munged
  fi
  rm -f "$base/munge.state"
fi
exit 0
