#!/usr/bin/env bash
# tests/slurm/shellcheck.sh: shellcheck every shell script of the Slurm integration.
# Usage: shellcheck.sh DIR...   (checks DIR/*.sh, DIR/*.sbatch and DIR's extension-less files
# starting with a sh/bash #! line; exit 77 if no shellcheck)
# Example: tests/slurm/shellcheck.sh scripts/slurm scripts/testbed tests/slurm
set -euo pipefail
if ! command -v shellcheck >/dev/null; then
  echo "SKIP: shellcheck is not installed (Debian package shellcheck)"
  exit 77
fi
files=()
for dir in "$@"; do
  for f in "$dir"/*.sh "$dir"/*.sbatch; do
    [[ -f $f ]] && files+=("$f")
  done
  for f in "$dir"/*; do
    [[ -f $f && $(basename "$f") != *.* ]] || continue
    head -n1 "$f" | grep -Eq '^#!.*(/|env )(ba)?sh$' && files+=("$f")
  done
done
[[ ${#files[@]} -gt 0 ]] || { echo "shellcheck.sh: no scripts under $*" >&2; exit 1; }
cd "$(dirname "${files[0]}")"
shellcheck -x "${files[@]}"
echo "shellcheck: ${#files[@]} scripts clean"
