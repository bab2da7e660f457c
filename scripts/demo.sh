#!/usr/bin/env bash
# scripts/demo.sh: checkpoint/restart in one minute. Launches an unmodified python3 program
# under ckpt, checkpoints it mid-run, kills it, restarts it from the image, and checks that
# it finishes with the same answer as an uninterrupted run.
# Usage: scripts/demo.sh [BUILD_DIR]   (default: build). Needs a built tree.
# Environment: none. Everything it creates lives in a temporary directory it removes.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(realpath "${1:-$root/build}")
ckpt=$build/bin/ckpt
[[ -x $ckpt ]] || { echo "demo: $ckpt not found: build first (see README)" >&2; exit 1; }
work=$(mktemp -d /tmp/ckpt-demo.XXXXXX)
cleanup() {
  "$ckpt" quit --coord-port "$(cat "$work/port" 2>/dev/null || echo 1)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/primes.py" <<'PY'
import sys, time
limit, found, total = 60000, 0, 0
for n in range(2, limit):
    if all(n % d for d in range(2, int(n ** 0.5) + 1)):
        found += 1
        total += n
    if n % 5000 == 0:
        print(f"  progress: n={n:6d} primes so far={found}", flush=True)
        time.sleep(0.25)
print(f"  answer: {found} primes below {limit}, sum {total}", flush=True)
PY

say() { printf '\n== %s\n' "$*"; }
say "expected answer (uninterrupted run):"
/usr/bin/python3 "$work/primes.py" | tail -n 1 | tee "$work/expected"

say "starting a coordinator and launching the program under ckpt"
"$ckpt" coordinator --daemon --port 0 --port-file "$work/port" --ckptdir "$work/ckpt"
port=$(cat "$work/port")
# stdout is a pipe: after the restart the program writes to ckpt restart's stdout instead
"$ckpt" launch --coord-port "$port" --ckptdir "$work/ckpt" /usr/bin/python3 "$work/primes.py" \
  2>&1 | cat &
app=$!
sleep 1.2

say "checkpoint, then kill the program (ckpt checkpoint --wait --kill)"
gen=$("$ckpt" checkpoint --coord-port "$port" --wait --kill)
wait "$app" 2>/dev/null || true
echo "  committed: $gen"
"$ckpt" inspect "$gen" | sed 's/^/  /' | head -n 8

say "restart from the image (ckpt restart); the program continues where it was"
"$ckpt" restart --coord-port "$port" "$(dirname "$gen")" 2>/dev/null | tee "$work/out2"

say "result"
if [[ "$(tail -n 1 "$work/out2")" == "$(cat "$work/expected")" ]]; then
  echo "  DEMO OK: the restarted program finished with the same answer"
else
  echo "  DEMO FAILED: expected '$(cat "$work/expected")', got '$(tail -n 1 "$work/out2")'" >&2
  exit 1
fi
