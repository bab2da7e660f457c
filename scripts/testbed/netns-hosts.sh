#!/usr/bin/env bash
# scripts/testbed/netns-hosts.sh: N test "hosts" in network namespaces (TESTBED.md section 2).
# Usage: netns-hosts.sh up N | down N
#   up    netns h1..hN, each with eth0 = 10.77.0.i/24, joined by bridge br0 in netns "sw";
#         both veth ends are created inside the namespaces, so the root namespace only gets
#         `ip route replace unreachable 10.77.0.0/16` (stray root-ns traffic to the test
#         subnet fails locally instead of leaving through the default gateway).
#         Refuses (exit 1) when one of these namespaces exists already: it may belong to
#         another test; `down N` removes a set left behind.
#   down  deletes h1..hN and sw and that route; safe to run twice or after a failed up.
# Needs root and iproute2. Minimal version written for the Slurm tests (tests/slurm); the
# multihost work provides the same interface.
# Example: scripts/testbed/netns-hosts.sh up 3 && ip -n h2 addr show eth0
set -euo pipefail

cmd=${1:?usage: netns-hosts.sh up|down N}
n=${2:-3}

up() {
  local i
  for i in sw $(seq -f 'h%g' 1 "$n"); do
    if [[ -e /run/netns/$i ]]; then
      echo "netns-hosts.sh: netns $i exists already (another test bed?); 'netns-hosts.sh down $n' removes it" >&2
      exit 1
    fi
  done
  ip netns add sw
  ip -n sw link set lo up
  ip -n sw link add br0 type bridge
  ip -n sw link set br0 up
  for i in $(seq 1 "$n"); do
    ip netns add "h$i"
    ip -n "h$i" link set lo up
    ip link add "veth-h$i" netns sw type veth peer name eth0 netns "h$i"
    ip -n sw link set "veth-h$i" master br0
    ip -n sw link set "veth-h$i" up
    ip -n "h$i" addr add "10.77.0.$i/24" dev eth0
    ip -n "h$i" link set eth0 up
  done
  ip route replace unreachable 10.77.0.0/16
}

down() {
  local i
  for i in $(seq 1 "$n"); do
    ip netns del "h$i" 2>/dev/null || true
  done
  ip netns del sw 2>/dev/null || true
  ip route del unreachable 10.77.0.0/16 2>/dev/null || true
}

case $cmd in
  up) up ;;
  down) down ;;
  *) echo "usage: netns-hosts.sh up|down N" >&2; exit 2 ;;
esac
