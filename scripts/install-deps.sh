#!/usr/bin/env bash
# scripts/install-deps.sh: installs what ckpt needs to build and run its tests on Debian 12.
# Usage: scripts/install-deps.sh        (as root, or through sudo when available)
# Idempotent: when every package is already installed it changes nothing and does not
# touch the network. Otherwise runs `apt-get update` once and installs the missing ones.
# Environment: CKPT_EXTRA_PACKAGES  more Debian packages to install (space-separated).
set -euo pipefail

packages=(
  cmake g++ make pkg-config                          # toolchain
  libcli11-dev libzstd-dev liblz4-dev libhdf5-dev hdf5-tools  # launcher, images, index.h5
  libhwloc-dev                                        # topology summary
  libgtest-dev libgmock-dev libbenchmark-dev          # unit tests, benchmarks
  python3 perl gawk file procps sqlite3               # cr harness and real-program tests
  slurmctld slurmd slurm-client munge shellcheck      # tests/slurm: a real one-node Slurm
  redis-server redis-tools                            # tests/cr/socket: a real TCP server
  openmpi-bin libopenmpi-dev iproute2                 # tests/mpi, tests/multihost: mpirun
  hpcc lammps                                         # tests/mpi: real MPI applications
)
# shellcheck disable=SC2206
packages+=(${CKPT_EXTRA_PACKAGES:-})

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then
    sudo=(sudo)
  else
    echo "install-deps: must run as root to install: ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "${sudo[@]}" apt-get update -qq >"$log" 2>&1 ||
   ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
  cat "$log" >&2
  echo "install-deps: apt-get failed while installing: ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installed ${#missing[@]} package(s): ${missing[*]}"
