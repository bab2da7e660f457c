#!/usr/bin/env bash
# tests/slurm/munge-up.sh: start munged for the Slurm tests unless one already answers.
# Usage: munge-up.sh STATE_FILE
#   Writes "started PID" to STATE_FILE when this script started munged (so that
#   slurm-down.sh stops exactly that daemon), "reused" when a running one answered.
# Needs root (munged runs as user munge; its key /etc/munge/munge.key comes from the package).
# There is no service manager here: the runtime dir /run/munge must be created by hand.
# Example: tests/slurm/munge-up.sh /tmp/ckpt-slurm.X/munge.state
set -euo pipefail

state=${1:?usage: munge-up.sh STATE_FILE}

munge_answers() {
  [[ -S /run/munge/munge.socket.2 ]] && timeout 5 munge -n >/dev/null 2>&1
}

if munge_answers; then
  echo reused >"$state"
  exit 0
fi
install -d -o munge -g munge -m 0755 /run/munge
rm -f /run/munge/munged.pid
runuser -u munge -- /usr/sbin/munged   # daemonizes; writes /run/munge/munged.pid
for _ in $(seq 1 50); do
  if munge_answers; then
    echo "started $(cat /run/munge/munged.pid)" >"$state"
    exit 0
  fi
  sleep 0.1
done
echo "munge-up: munged did not answer within 5 s" >&2
exit 1
