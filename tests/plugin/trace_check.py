"""tests/plugin/trace_check.py: checks a trace written by plugins/trace.c against the event
order of shared/DESIGN.md section 3 and the seed's event descriptions.

The scenario (tests/plugin/apps/trace_app.c driven by plugin_test.py --case trace):
process P creates a thread that returns and one that calls pthread_exit, forks a child C
that execs, then takes checkpoint 1 (continue) and checkpoint 2 (kill), and is restarted
as process Q (with P's pid again when it is free), which exits normally.
"""

ROUND = ["WAIT_FOR_SUSPEND_MSG", "THREADS_SUSPEND", "SUSPENDED", "LEADER_ELECTION", "DRAIN",
         "WRITE_CKPT"]
BACK = ["REFILL", "REGISTER_NAME_SERVICE_DATA", "SEND_QUERIES", "THREADS_RESUME"]
CKPT_THREAD = set(ROUND + BACK + ["RESUME", "RESTART"])


def parse(text):
    out = []
    for line in text.splitlines():
        pid, tid, seq, ev = line.split()
        out.append((int(pid), int(tid), int(seq), ev))
    return out


def seq_of(rows, ev, tid=None):
    return [s for (_p, t, s, e) in rows if e == ev and (tid is None or t == tid)]


def check_threads(p_rows, pid, problems):
    main = [r for r in p_rows if r[1] == pid]
    if [r[3] for r in main][:1] != ["INIT"]:
        problems.append("first event of the process is not INIT in its main thread")
    if len(seq_of(main, "THREAD_CREATED")) != 2:
        problems.append("expected 2 THREAD_CREATED in the main thread")
    others = {}
    for r in p_rows:
        if r[1] != pid and r[3] not in CKPT_THREAD:
            others.setdefault(r[1], []).append(r[3])
    seqs = sorted(others.values())
    want = sorted([["THREAD_START", "PTHREAD_START", "PTHREAD_RETURN"],
                   ["THREAD_START", "PTHREAD_START", "PTHREAD_EXIT"]])
    if seqs != want:
        problems.append(f"thread events {seqs}, expected {want}")
    prep, parent = seq_of(main, "ATFORK_PREPARE"), seq_of(main, "ATFORK_PARENT")
    if len(prep) != 1 or len(parent) != 1 or prep[0] > parent[0]:
        problems.append("expected ATFORK_PREPARE then ATFORK_PARENT once in the parent")


def check_child(rows, pid, problems):
    kids = [r for r in rows if r[0] != pid and r[3] in ("ATFORK_CHILD",)]
    if len(kids) != 1:
        problems.append("expected one ATFORK_CHILD in a child process")
        return
    child = kids[0][0]
    evs = [r[3] for r in rows if r[0] == child]
    want = ["ATFORK_CHILD", "PRE_EXEC", "POST_EXEC", "INIT", "EXIT"]
    if evs != want:
        problems.append(f"child {child}: events {evs}, expected {want}")


def check_rounds(p_rows, q_rows, pid, problems):
    ck = [r for r in p_rows if r[3] in CKPT_THREAD]
    tids = {r[1] for r in ck}
    if len(tids) != 1 or pid in tids:
        problems.append(f"round events of the checkpoint thread come from threads {tids}")
    want = ROUND + ["RESUME"] + BACK + ROUND
    got = [r[3] for r in ck]
    if got != want:
        problems.append(f"checkpoint thread before restart: {got}\n    expected {want}")
    main = [r for r in p_rows if r[1] == pid]
    pre = seq_of(main, "PRE_SUSPEND_USER_THREAD")
    waits, susp = seq_of(ck, "WAIT_FOR_SUSPEND_MSG"), seq_of(ck, "THREADS_SUSPEND")
    if len(pre) != 2 or len(waits) != 2 or len(susp) != 2 or \
            not all(waits[i] < pre[i] < susp[i] for i in range(2)):
        problems.append("PRE_SUSPEND_USER_THREAD not between WAIT_FOR_SUSPEND_MSG and "
                        "THREADS_SUSPEND in each round")
    res, tres = seq_of(main, "RESUME_USER_THREAD"), seq_of(ck, "THREADS_RESUME")
    if len(res) != 1 or not tres or res[0] < tres[0]:
        problems.append("RESUME_USER_THREAD must follow THREADS_RESUME once after checkpoint 1")
    qck = [r[3] for r in q_rows if r[3] in CKPT_THREAD]
    if qck != ["RESTART"] + BACK:
        problems.append(f"restarted process: {qck}, expected {['RESTART'] + BACK}")
    last_write = seq_of(ck, "WRITE_CKPT")[-1] if seq_of(ck, "WRITE_CKPT") else -1
    if q_rows and q_rows[0][2] != last_write + 1:
        problems.append(f"restarted process continues at seq {q_rows[0][2]}, expected "
                        f"{last_write + 1} (the trace plugin's memory comes from the image)")
    q_ev = [r[3] for r in q_rows]
    if "RESUME_USER_THREAD" not in q_ev or q_ev[-1] != "EXIT" or "RESUME" in q_ev:
        problems.append(f"restarted process: {q_ev}: want RESUME_USER_THREAD, no RESUME, "
                        "EXIT last")
    elif q_ev.index("RESUME_USER_THREAD") < q_ev.index("THREADS_RESUME"):
        problems.append("restarted process: RESUME_USER_THREAD before THREADS_RESUME")


def check(text, pid):
    rows = parse(text)
    problems = []
    # Q may have P's pid again (restart keeps pids when it can): the trace is in time
    # order, so Q's rows are the non-child rows from its RESTART on.
    restart = next((i for i, r in enumerate(rows) if r[3] == "RESTART"), len(rows))
    child_pids = {r[0] for r in rows if r[3] == "ATFORK_CHILD"}
    p_rows = [r for r in rows[:restart] if r[0] == pid]
    q_rows = [r for r in rows[restart:] if r[0] not in child_pids]
    check_threads(p_rows, pid, problems)
    check_child(rows, pid, problems)
    check_rounds(p_rows, q_rows, pid, problems)
    return problems
