#!/usr/bin/env bash
# scripts/testbed/netns-hosts.sh: N test "hosts" in network namespaces on one machine.
#
# Usage: netns-hosts.sh up N | down N | status N
#   up    creates netns <P>1..<P>N, each with eth0 = <NET>.i/24, joined by bridge br0 in the
#         switch netns (<P>sw, "sw" for the default prefix h); idempotent (what exists is kept)
#   down  kills the processes still inside those namespaces (they can only be the test
#         bed's), deletes the namespaces; idempotent, also after a failed or partial up
#   status exits 0 when all N hosts are up
# Environment:
#   CKPT_TESTBED_PREFIX  host name prefix (default h: hosts h1..hN, switch netns sw)
#   CKPT_TESTBED_NET     first three octets of the /24 (default 10.77.0); must lie inside
#                        10.77.0.0/16, which gets an 'unreachable' route in the root netns so
#                        that stray root-namespace traffic fails locally instead of leaving
#                        through the default gateway
#   CKPT_TESTBED_PRIVATE_DIRS  the hosts' private /tmp and /dev/shm (see onhost): down
#                        removes this folder
# Commands run "on" a host with onhost / netns-rsh (same folder), which also give the
# process its own UTS namespace with hostname <P>i.
# Example: CKPT_TESTBED_PREFIX=mh CKPT_TESTBED_NET=10.77.1 netns-hosts.sh up 4
set -euo pipefail

prefix=${CKPT_TESTBED_PREFIX:-h}
net=${CKPT_TESTBED_NET:-10.77.0}
guard=10.77.0.0/16
if [[ $prefix == h ]]; then sw=sw; else sw=${prefix}sw; fi

usage() {
  echo "usage: netns-hosts.sh up|down|status N" >&2
  exit 2
}

[[ $# -eq 2 && $2 =~ ^[0-9]+$ && $2 -ge 1 && $2 -le 250 ]] || usage
[[ $prefix =~ ^[a-z][a-z0-9]*$ ]] || { echo "netns-hosts.sh: bad CKPT_TESTBED_PREFIX '$prefix'" >&2; exit 2; }
[[ $net =~ ^10\.77\.[0-9]+$ ]] || { echo "netns-hosts.sh: CKPT_TESTBED_NET must be 10.77.X" >&2; exit 2; }
cmd=$1
n=$2

ns_exists() { [[ -e /run/netns/$1 ]]; }

ensure_ns() {
  ns_exists "$1" || ip netns add "$1"
  ip -n "$1" link set lo up
}

host_up() {
  local i=$1 h=$prefix$1
  ensure_ns "$h"
  if ! ip -n "$h" link show eth0 >/dev/null 2>&1; then
    ip -n "$sw" link del "veth-$h" 2>/dev/null || true
    ip link add "veth-$h" netns "$sw" type veth peer name eth0 netns "$h"
  fi
  ip -n "$sw" link set "veth-$h" master br0
  ip -n "$sw" link set "veth-$h" up
  ip -n "$h" addr replace "$net.$i/24" dev eth0
  ip -n "$h" link set eth0 up
}

kill_inside() {
  local pids
  pids=$(ip netns pids "$1" 2>/dev/null || true)
  [[ -n $pids ]] || return 0
  # shellcheck disable=SC2086  # one pid per word
  kill -KILL $pids 2>/dev/null || true
}

up() {
  ip route replace unreachable "$guard"
  ensure_ns "$sw"
  ip -n "$sw" link show br0 >/dev/null 2>&1 || ip -n "$sw" link add br0 type bridge
  ip -n "$sw" link set br0 up
  local i
  for i in $(seq 1 "$n"); do
    host_up "$i"
  done
}

down() {
  local i
  for i in $(seq 1 "$n"); do
    kill_inside "$prefix$i"
    ip netns del "$prefix$i" 2>/dev/null || true
  done
  kill_inside "$sw"
  ip netns del "$sw" 2>/dev/null || true
  if [[ -n ${CKPT_TESTBED_PRIVATE_DIRS:-} && ${CKPT_TESTBED_PRIVATE_DIRS} == /?* ]]; then
    rm -rf -- "$CKPT_TESTBED_PRIVATE_DIRS"
  fi
  # The guard route is shared with other test beds: it goes with the last switch.
  if ! ip netns list | grep -Eq '^[a-z0-9]*sw( |$)'; then
    ip route del unreachable "$guard" 2>/dev/null || true
  fi
}

status() {
  local i
  for i in $(seq 1 "$n"); do
    ip -n "$prefix$i" -4 addr show dev eth0 2>/dev/null | grep -q "inet $net.$i/" || return 1
  done
}

case "$cmd" in
  up)
    if ! up; then
      echo "netns-hosts.sh: up failed; tearing down" >&2
      down
      exit 1
    fi
    ;;
  down) down ;;
  status) status ;;
  *) usage ;;
esac
