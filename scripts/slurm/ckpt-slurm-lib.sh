#!/usr/bin/env bash
# scripts/slurm/ckpt-slurm-lib.sh: the hooks behind ckpt-job.sbatch (DESIGN.md section 8).
# Source it from a batch script and call `ckpt_slurm_main PROG ARGS...`, or call the steps
# one by one (ckpt_slurm_init, ckpt_slurm_start_coordinator, ckpt_slurm_run, ...).
#
# Lifecycle of one batch job (first run and every requeued run):
#   1. start the coordinator as a sidecar of the batch shell (its port file lives in the
#      job's checkpoint directory; it ignores SIGTERM so that it outlives the signal that
#      starts a checkpoint; it is stopped by pid or `ckpt quit` when the job ends);
#   2. if a generation of this job verifies (`ckpt restart --dry-run`), run
#      `srun ckpt restart GEN` (multi-node job: `srun -N <nodes> -n <nodes>
#      --ntasks-per-node=1 ckpt restart --slurm GEN`, each node restoring one old host's
#      processes) and print
#      "restarting from gen-N (restart count R)";
#      otherwise run `srun ckpt launch PROG ARGS` and print
#      "no valid generation: starting fresh (restart count R)";
#   3. while the step runs, the warning signal (sbatch --signal=B:USR1@T) makes the batch
#      shell take a blocking checkpoint that stops the step (`ckpt checkpoint --wait --kill`);
#      the SIGTERM Slurm sends to the steps at the start of a pre-emption grace time, on
#      `scontrol requeue` or at the time limit makes every process checkpoint itself first
#      (libckpt's CKPT_CHECKPOINT_ON_TERM, exported to the steps), and the committed
#      generation ends the computation without the program ever seeing that SIGTERM;
#   4. when the step stopped after a checkpoint, requeue the job (`scontrol requeue`) or let
#      it end, as configured; when it finished, stop the coordinator and exit with its code.
#
# Environment read (all optional):
#   CKPT                      the ckpt command (default: `ckpt` in PATH)
#   CKPT_CKPTDIR              checkpoint directory, absolute (default: $SLURM_SUBMIT_DIR/ckpt);
#                             generations go to CKPT_CKPTDIR/JOB/gen-NNNNNN
#   CKPT_JOB_ID               job name of the generations (default: SLURM_JOB_ID); set it to
#                             a fixed name to continue a computation in a new submission
#   CKPT_SLURM_WARN_SIGNAL    signal the batch shell treats as the warning (default USR1;
#                             pair it with `#SBATCH --signal=B:USR1@SECONDS`)
#   CKPT_SLURM_REQUEUE        1 (default): once a checkpoint stopped the step after the warning
#                             or a pre-emption, `scontrol requeue` the job; 0: after the warning
#                             the job ends, after a pre-emption Slurm requeues or ends it
#   CKPT_SLURM_SRUN_OPTS      extra srun options for the launch step (e.g. "-n 4")
#   CKPT_SLURM_SPREAD         1: the restart step runs one `ckpt restart --slurm` per node
#                             of the allocation, and node i restores the processes of the
#                             generation's i-th old host; 0: one `ckpt restart` on the first
#                             node restores every process. Default 1 in a multi-node job, 0 in
#                             a one-node job
#   CKPT_SLURM_RESTART_SRUN_OPTS  srun options for the restart step (default "-n 1 -N 1", or
#                             "-N <nodes> -n <nodes> --ntasks-per-node=1" when spreading)
#   CKPT_SLURM_LAUNCH_OPTS    extra `ckpt launch` options (e.g. "--interval 600 --keep 3")
#   CKPT_SLURM_COORD_OPTS     extra `ckpt coordinator` options (e.g. "--barrier-timeout 20")
#   CKPT_SLURM_COORD_HOST     IPv4 address the steps use to reach the coordinator (default
#                             127.0.0.1 in a one-node job, else the batch node's NodeAddr from
#                             `scontrol show node`, resolved to IPv4: libckpt reads only
#                             addresses and /etc/hosts)
#   CKPT_SLURM_COORD_BIND     address the coordinator listens on (default 127.0.0.1 in a
#                             one-node job, else CKPT_SLURM_COORD_HOST)
#   CKPT_SLURM_CKPT_TIMEOUT   seconds a blocking checkpoint may take (default 60)
#   CKPT_CHECKPOINT_ON_TERM   exported to the steps; default stop (see step 3 above): the
#                             checkpoint that Slurm's SIGTERM starts ends the computation once
#                             committed, like `ckpt checkpoint --kill`, so the program's own
#                             clean-up on SIGTERM (mpirun deletes its session directory) cannot
#                             remove what the restart needs; the program gets the SIGTERM only
#                             when no generation commits in time. 1: checkpoint, then the
#                             program gets the SIGTERM. 0: the steps die of Slurm's SIGTERM
#                             unless the program handles it (only the warning checkpoints
#                             then), and the batch shell's SIGTERM trap tries `ckpt checkpoint
#                             --wait --kill` itself
#   CKPT_SECRET               passed on to the coordinator and the steps when set
#   SLURM_JOB_ID, SLURM_RESTART_COUNT, SLURM_JOB_NUM_NODES, SLURM_SUBMIT_DIR, SLURMD_NODENAME
#                             (from Slurm). A multi-node job needs CKPT_CKPTDIR on a file system
#                             every node sees (the port file and the images are read there)
# Lines this prints start with "ckpt-slurm:"; every text is in ckpt_slurm_msg below.
# Example: sbatch -n 1 --requeue --open-mode=append --signal=B:USR1@120 \
#            scripts/slurm/ckpt-job.sbatch ./my_program arg1

# Every user-facing text of the Slurm scripts (STYLE.md section 4, tier 3).
ckpt_slurm_msg() {
  local key=$1
  shift
  case $key in
    usage) echo "usage: ckpt-job.sbatch PROG [ARGS...] (see the header of ckpt-job.sbatch)" ;;
    no_ckpt) echo "cannot find the ckpt command: put it in PATH or set CKPT=/path/to/ckpt" ;;
    no_job) echo "SLURM_JOB_ID is not set: run this under sbatch, or set CKPT_JOB_ID" ;;
    bad_dir) echo "cannot create the checkpoint directory $1: check CKPT_CKPTDIR and its permissions" ;;
    coord_up) echo "coordinator pid $1 listening on $2:$3 (port file $4, log $5)" ;;
    coord_fail) echo "the coordinator did not start within 10 s: see its log $1" ;;
    no_addr) echo "cannot find an IPv4 address of node $1 for the coordinator (NodeAddr '$2'): set CKPT_SLURM_COORD_HOST" ;;
    spread) echo "restart spread over $1 node(s), one 'ckpt restart --slurm' per node" ;;
    restarting) echo "restarting from $1 (restart count $2)" ;;
    fresh) echo "no valid generation: starting fresh (restart count $1)" ;;
    skipped) echo "$1" ;;
    warned) echo "warning signal $1: taking a blocking checkpoint and stopping the job step" ;;
    committed) echo "checkpoint committed: $1 (${2} s)" ;;
    ckpt_failed) echo "checkpoint failed: $1; the newest committed generation stays ${2:-none}" ;;
    term) echo "SIGTERM for the batch shell (requeue, cancel, time limit or end of the grace time)" ;;
    term_self) echo "the job step's processes checkpoint themselves on SIGTERM (CKPT_CHECKPOINT_ON_TERM=$1)" ;;
    step_done) echo "job step finished: exit $1" ;;
    step_stopped) echo "job step stopped (exit $1) after checkpoint $2" ;;
    step_failed) echo "job step failed: exit $1" ;;
    step_killed) echo "job step ended (exit $1) before a new generation committed; the newest stays $2" ;;
    requeue) echo "requeueing job $1 to continue from $2" ;;
    requeue_failed) echo "scontrol requeue $1 failed: $2" ;;
    wait_slurm) echo "waiting for Slurm to requeue or end job $1 (CKPT_SLURM_REQUEUE=0)" ;;
    ends) echo "job ends after checkpoint $1; to continue, submit again with CKPT_JOB_ID=$2" ;;
    *) echo "$key $*" ;;
  esac
}

ckpt_slurm_log() {
  printf 'ckpt-slurm: %s %s\n' "$(date +%H:%M:%S)" "$(ckpt_slurm_msg "$@")"
}

ckpt_slurm_die() {
  printf 'ckpt-slurm: error: %s\n' "$(ckpt_slurm_msg "$@")" >&2
  exit 1
}

# Resolves the configuration into CKPT_SLURM_* globals; exits with a message when unusable.
ckpt_slurm_init() {
  CKPT=${CKPT:-$(command -v ckpt || true)}
  [[ -n $CKPT && -x $CKPT ]] || ckpt_slurm_die no_ckpt
  CKPT_CKPTDIR=${CKPT_CKPTDIR:-${SLURM_SUBMIT_DIR:-$PWD}/ckpt}
  CKPT_JOB_ID=${CKPT_JOB_ID:-${SLURM_JOB_ID:-}}
  [[ -n $CKPT_JOB_ID ]] || ckpt_slurm_die no_job
  CKPT_SLURM_JOB_DIR=$CKPT_CKPTDIR/$CKPT_JOB_ID
  CKPT_SLURM_PORT_FILE=$CKPT_SLURM_JOB_DIR/coordinator.port
  CKPT_SLURM_RESTARTS=${SLURM_RESTART_COUNT:-0}
  CKPT_SLURM_COORD_LOG=$CKPT_SLURM_JOB_DIR/coordinator.$CKPT_SLURM_RESTARTS.log
  local local_only=0
  [[ ${SLURM_JOB_NUM_NODES:-1} == 1 ]] && local_only=1
  if [[ $local_only == 1 ]]; then
    CKPT_SLURM_COORD_HOST=${CKPT_SLURM_COORD_HOST:-127.0.0.1}
    CKPT_SLURM_COORD_BIND=${CKPT_SLURM_COORD_BIND:-127.0.0.1}
    CKPT_SLURM_SPREAD=${CKPT_SLURM_SPREAD:-0}
  else
    [[ -n ${CKPT_SLURM_COORD_HOST:-} ]] || ckpt_slurm_node_address
    CKPT_SLURM_COORD_BIND=${CKPT_SLURM_COORD_BIND:-$CKPT_SLURM_COORD_HOST}
    CKPT_SLURM_SPREAD=${CKPT_SLURM_SPREAD:-1}
  fi
  CKPT_SLURM_WARN_SIGNAL=${CKPT_SLURM_WARN_SIGNAL:-USR1}
  CKPT_SLURM_REQUEUE=${CKPT_SLURM_REQUEUE:-1}
  CKPT_SLURM_CKPT_TIMEOUT=${CKPT_SLURM_CKPT_TIMEOUT:-60}
  if [[ $CKPT_SLURM_SPREAD == 1 ]]; then
    # -n too: the job's own task count (SLURM_NTASKS, e.g. 4 tasks on 2 nodes) would win.
    local nodes=${SLURM_JOB_NUM_NODES:-1}
    CKPT_SLURM_RESTART_SRUN_OPTS=${CKPT_SLURM_RESTART_SRUN_OPTS:--N $nodes -n $nodes --ntasks-per-node=1}
  else
    CKPT_SLURM_RESTART_SRUN_OPTS=${CKPT_SLURM_RESTART_SRUN_OPTS:--n 1 -N 1}
  fi
  export CKPT_CHECKPOINT_ON_TERM=${CKPT_CHECKPOINT_ON_TERM:-stop}
  export CKPT_JOB_ID CKPT_CKPTDIR CKPT_COORD_HOST=$CKPT_SLURM_COORD_HOST
  (umask 077 && mkdir -p "$CKPT_SLURM_JOB_DIR") || ckpt_slurm_die bad_dir "$CKPT_SLURM_JOB_DIR"
  CKPT_SLURM_WARNED=0
  CKPT_SLURM_TERMED=0
}

# Sets CKPT_SLURM_COORD_HOST to an IPv4 address of the batch node that the other nodes of
# the job reach: its NodeAddr in slurm.conf (how slurmctld reaches it), resolved to IPv4.
ckpt_slurm_node_address() {
  local node=${SLURMD_NODENAME:-$(hostname)} addr
  addr=$(scontrol show node -o "$node" 2>/dev/null | sed -n 's/.*NodeAddr=\([^ ]*\).*/\1/p')
  addr=${addr:-$node}
  if [[ ! $addr =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    addr=$(getent ahostsv4 "$addr" 2>/dev/null | awk '{ print $1; exit }')
  fi
  [[ -n $addr ]] || ckpt_slurm_die no_addr "$node" "${addr:-none}"
  CKPT_SLURM_COORD_HOST=$addr
}

# The coordinator runs as a child of the batch shell (not --daemon: Slurm then tracks and
# ends it with the job), with SIGTERM ignored: the SIGTERM of a requeue reaches the whole
# batch step, and the coordinator must live on to commit the checkpoint it triggers.
ckpt_slurm_start_coordinator() {
  rm -f "$CKPT_SLURM_PORT_FILE"
  local -a extra
  read -r -a extra <<<"${CKPT_SLURM_COORD_OPTS:-}"
  (
    trap '' TERM
    exec "$CKPT" coordinator --port 0 --port-file "$CKPT_SLURM_PORT_FILE" \
      --bind "$CKPT_SLURM_COORD_BIND" --ckptdir "$CKPT_CKPTDIR" --job-id "$CKPT_JOB_ID" \
      --log-file "$CKPT_SLURM_COORD_LOG" "${extra[@]}" </dev/null
  ) &
  CKPT_SLURM_COORD_PID=$!
  local port=
  for _ in $(seq 1 100); do
    port=$(cat "$CKPT_SLURM_PORT_FILE" 2>/dev/null || true)
    [[ $port =~ ^[0-9]+$ ]] && break
    kill -0 "$CKPT_SLURM_COORD_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ $port =~ ^[0-9]+$ ]] || ckpt_slurm_die coord_fail "$CKPT_SLURM_COORD_LOG"
  ckpt_slurm_log coord_up "$CKPT_SLURM_COORD_PID" "$CKPT_SLURM_COORD_HOST" "$port" \
    "$CKPT_SLURM_PORT_FILE" "$CKPT_SLURM_COORD_LOG"
}

ckpt_slurm_stop_coordinator() {
  [[ -n ${CKPT_SLURM_COORD_PID:-} ]] || return 0
  "$CKPT" quit --coord-host "$CKPT_SLURM_COORD_HOST" --port-file "$CKPT_SLURM_PORT_FILE" \
    >/dev/null 2>&1 || true
  for _ in $(seq 1 50); do
    kill -0 "$CKPT_SLURM_COORD_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$CKPT_SLURM_COORD_PID" 2>/dev/null || true
  wait "$CKPT_SLURM_COORD_PID" 2>/dev/null || true
  rm -f "$CKPT_SLURM_PORT_FILE"
  CKPT_SLURM_COORD_PID=
}

# Name of the generation `latest` points to ("" when none).
ckpt_slurm_latest() {
  local target
  target=$(readlink "$CKPT_SLURM_JOB_DIR/latest" 2>/dev/null || true)
  echo "${target##*/}"
}

# Sets CKPT_SLURM_GEN_DIR to the newest generation of this job that verifies, and prints
# ckpt restart's reason for every generation it skipped. False when none verifies.
ckpt_slurm_find_generation() {
  CKPT_SLURM_GEN_DIR=
  local out errs line
  compgen -G "$CKPT_SLURM_JOB_DIR/gen-*" >/dev/null || return 1
  errs=$(mktemp)
  out=$("$CKPT" restart --dry-run --ckptdir "$CKPT_CKPTDIR" "$CKPT_SLURM_JOB_DIR" 2>"$errs" ||
    true)
  while IFS= read -r line; do
    [[ -n $line ]] && ckpt_slurm_log skipped "$line"
  done <"$errs"
  rm -f "$errs"
  CKPT_SLURM_GEN_DIR=$(sed -n 's/^dir //p' <<<"$out" | head -n 1)
  [[ -n $CKPT_SLURM_GEN_DIR ]]
}

ckpt_slurm_on_warning() {
  CKPT_SLURM_WARNED=1
}

ckpt_slurm_on_term() {
  CKPT_SLURM_TERMED=1
}

# A blocking checkpoint that stops the computation; logs the outcome. False on failure.
ckpt_slurm_checkpoint_and_stop() {
  local start out rc=0
  start=$(date +%s.%N)
  out=$("$CKPT" checkpoint --wait --kill --timeout "$CKPT_SLURM_CKPT_TIMEOUT" \
    --coord-host "$CKPT_SLURM_COORD_HOST" --port-file "$CKPT_SLURM_PORT_FILE" 2>&1) || rc=$?
  if [[ $rc -ne 0 ]]; then
    ckpt_slurm_log ckpt_failed "$(tr '\n' ' ' <<<"$out")" "$(ckpt_slurm_latest)"
    return 1
  fi
  ckpt_slurm_log committed "${out##*/}" "$(awk -v s="$start" -v e="$(date +%s.%N)" \
    'BEGIN { printf "%.1f", e - s }')"
}

# Runs one job step (srun in the background so that the traps run at once) and waits for
# it, reacting to the warning signal and SIGTERM. Sets CKPT_SLURM_STEP_RC.
ckpt_slurm_run_step() {
  "$@" &
  local step=$! rc handled_warning=0 handled_term=0
  while true; do
    rc=0
    wait "$step" || rc=$?
    if ! kill -0 "$step" 2>/dev/null; then
      break
    fi
    if [[ $CKPT_SLURM_WARNED == 1 && $handled_warning == 0 ]]; then
      handled_warning=1
      ckpt_slurm_log warned "$CKPT_SLURM_WARN_SIGNAL"
      ckpt_slurm_checkpoint_and_stop || CKPT_SLURM_WARNED=0
    fi
    if [[ $CKPT_SLURM_TERMED == 1 && $handled_term == 0 ]]; then
      handled_term=1
      ckpt_slurm_log term
      if [[ $CKPT_CHECKPOINT_ON_TERM != 0 ]]; then
        ckpt_slurm_log term_self "$CKPT_CHECKPOINT_ON_TERM"
      else
        ckpt_slurm_checkpoint_and_stop || true
      fi
    fi
  done
  CKPT_SLURM_STEP_RC=$rc
}

# Starts (or restores) the computation and waits for its step. Sets CKPT_SLURM_STEP_RC.
ckpt_slurm_run() {
  local -a srun_opts launch_opts
  if ckpt_slurm_find_generation; then
    ckpt_slurm_log restarting "${CKPT_SLURM_GEN_DIR##*/}" "$CKPT_SLURM_RESTARTS"
    read -r -a srun_opts <<<"$CKPT_SLURM_RESTART_SRUN_OPTS"
    local -a part=()
    if [[ $CKPT_SLURM_SPREAD == 1 ]]; then
      part=(--slurm)
      ckpt_slurm_log spread "${SLURM_JOB_NUM_NODES:-1}"
    fi
    ckpt_slurm_run_step srun "${srun_opts[@]}" "$CKPT" restart "${part[@]}" \
      --ckptdir "$CKPT_CKPTDIR" --coord-host "$CKPT_SLURM_COORD_HOST" \
      --port-file "$CKPT_SLURM_PORT_FILE" "$CKPT_SLURM_GEN_DIR"
  else
    ckpt_slurm_log fresh "$CKPT_SLURM_RESTARTS"
    read -r -a srun_opts <<<"${CKPT_SLURM_SRUN_OPTS:-}"
    read -r -a launch_opts <<<"${CKPT_SLURM_LAUNCH_OPTS:-}"
    ckpt_slurm_run_step srun "${srun_opts[@]}" "$CKPT" launch --ckptdir "$CKPT_CKPTDIR" \
      --coord-host "$CKPT_SLURM_COORD_HOST" --port-file "$CKPT_SLURM_PORT_FILE" \
      "${launch_opts[@]}" -- "$@"
  fi
}

# After a step that a checkpoint stopped: requeue, wait for Slurm, or end. Never returns.
ckpt_slurm_after_checkpoint() {
  local gen=$1
  ckpt_slurm_stop_coordinator
  if [[ $CKPT_SLURM_TERMED == 1 ]]; then
    exit "$CKPT_SLURM_STEP_RC"  # Slurm is already requeueing, cancelling or ending the job
  fi
  if [[ $CKPT_SLURM_REQUEUE == 1 ]]; then
    ckpt_slurm_log requeue "${SLURM_JOB_ID:-?}" "$gen"
    local out
    if ! out=$(scontrol requeue "${SLURM_JOB_ID:-}" 2>&1); then
      ckpt_slurm_log requeue_failed "${SLURM_JOB_ID:-?}" "$out"
      exit "$CKPT_SLURM_STEP_RC"
    fi
  elif [[ $CKPT_SLURM_WARNED == 1 ]]; then
    ckpt_slurm_log ends "$gen" "$CKPT_JOB_ID"
    exit 0
  else
    ckpt_slurm_log wait_slurm "${SLURM_JOB_ID:-?}"
  fi
  # The requeue (ours or Slurm's) sends SIGTERM; until then, do not end the job: a job that
  # ends during its grace time is not requeued.
  for _ in $(seq 1 600); do
    [[ $CKPT_SLURM_TERMED == 1 ]] && exit "$CKPT_SLURM_STEP_RC"
    sleep 1 &
    wait $! || true
  done
  exit "$CKPT_SLURM_STEP_RC"
}

# The whole lifecycle (see the header). Never returns.
ckpt_slurm_main() {
  [[ $# -ge 1 ]] || ckpt_slurm_die usage
  ckpt_slurm_init
  trap ckpt_slurm_on_warning "$CKPT_SLURM_WARN_SIGNAL"
  trap ckpt_slurm_on_term TERM
  ckpt_slurm_start_coordinator
  local before after
  before=$(ckpt_slurm_latest)
  ckpt_slurm_run "$@"
  after=$(ckpt_slurm_latest)
  if [[ $CKPT_SLURM_STEP_RC == 0 ]]; then
    ckpt_slurm_log step_done 0
    ckpt_slurm_stop_coordinator
    exit 0
  fi
  # Stopped by a signal (ours, or SIGTERM/SIGKILL from Slurm: srun exits 128+N) after a
  # generation committed: continue later. Any other failure is the program's own.
  local signalled=0
  if [[ $CKPT_SLURM_WARNED == 1 || $CKPT_SLURM_TERMED == 1 || $CKPT_SLURM_STEP_RC == 143 ||
    $CKPT_SLURM_STEP_RC == 137 ]]; then
    signalled=1
  fi
  if [[ $signalled == 1 && -n $after && $after != "$before" ]]; then
    ckpt_slurm_log step_stopped "$CKPT_SLURM_STEP_RC" "$after"
    ckpt_slurm_after_checkpoint "$after"
  fi
  if [[ $signalled == 1 ]]; then
    ckpt_slurm_log step_killed "$CKPT_SLURM_STEP_RC" "${after:-none}"
  else
    ckpt_slurm_log step_failed "$CKPT_SLURM_STEP_RC"
  fi
  ckpt_slurm_stop_coordinator
  exit "$CKPT_SLURM_STEP_RC"
}
