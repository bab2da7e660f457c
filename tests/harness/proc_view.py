"""tests/harness/proc_view.py: the outside view of a process for ckpt_test.py (zdtm's
visible-state check): /proc/<pid>/maps and /proc/<pid>/fd, plus process helpers.
Python stdlib only."""
import os
import re

SPECIAL_MAPS = ("[vdso]", "[vvar]", "[vvar_vclock]")
STACK_SLACK = 1 << 20


def read_maps(pid):
    """[(start, end, perms, path)] with adjacent identical entries merged, and specials."""
    regions, specials = [], {}
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            start, end = (int(x, 16) for x in parts[0].split("-"))
            path = parts[5].strip() if len(parts) > 5 else ""
            if path in SPECIAL_MAPS:
                specials[path] = (start, end)
                continue
            if regions and regions[-1][1] == start and regions[-1][2:] == (parts[1], path):
                regions[-1] = (regions[-1][0], end, parts[1], path)
            else:
                regions.append((start, end, parts[1], path))
    return regions, specials


def socket_inodes_on_port(pid, port):
    """Inodes of TCP sockets in pid's network namespace with either end on `port`."""
    inodes = set()
    for name in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{name}") as f:
                next(f)
                for line in f:
                    cols = line.split()
                    local, remote = cols[1], cols[2]
                    if int(local.rsplit(":", 1)[1], 16) == port or \
                            int(remote.rsplit(":", 1)[1], 16) == port:
                        inodes.add(cols[9])
        except OSError:
            pass
    return inodes


def read_fds(pid, coord_port):
    """{fd: target}, without the coordinator connection; kernel object inodes renamed to
    their order of appearance (pipe#0, socket#1) so sharing is compared, not numbers."""
    coord = socket_inodes_on_port(pid, coord_port)
    fds, canon = {}, {}
    base = f"/proc/{pid}/fd"
    for name in sorted(os.listdir(base), key=int):
        try:
            target = os.readlink(f"{base}/{name}")
        except OSError:
            continue
        m = re.fullmatch(r"(socket|pipe|anon_inode):\[(\d+)\]", target)
        if m and m.group(1) == "socket" and m.group(2) in coord:
            continue
        if m:
            target = canon.setdefault(target, f"{m.group(1)}#{len(canon)}")
        fds[int(name)] = target
    return fds


def snapshot(pid, coord_port):
    regions, specials = read_maps(pid)
    return {"regions": regions, "specials": specials, "fds": read_fds(pid, coord_port)}


def fmt_region(r):
    return f"{r[0]:x}-{r[1]:x} {r[2]} {r[3]}"


def allow_stack_growth(before, region):
    """The main stack may have grown down while the checkpoint signal ran on it (the kernel
    extends [stack] on demand): same end, perms and label, start lower by <= STACK_SLACK."""
    for start, end, perms, path in before["regions"]:
        if path == "[stack]" and region[1:] == (end, perms, path) and \
                start - STACK_SLACK <= region[0] <= start:
            return (start, end, perms, path)
    return region


def coalesce(regions):
    """Joins adjacent regions with the same permissions and path: whether the kernel keeps
    two such VMAs apart (anon_vma, creation order) is invisible to the program."""
    out = []
    for r in regions:
        if out and out[-1][1] == r[0] and out[-1][2] == r[2] and out[-1][3] == r[3]:
            out[-1] = (out[-1][0], r[1], r[2], r[3])
        else:
            out.append(r)
    return out


def compare_views(before, after, file_maps_only, lazy=False, fds=True):
    """Problems (strings) between two snapshots; [vdso]/[vvar]* need only keep their start.
    After a --lazy restart saved pages are mapped from the image file, which splits writable
    regions: then only the read-only file mappings are compared. fds=False: fds are not
    compared (a program that opens and closes files while checkpointed at random times)."""
    problems = []
    for name, (start, _end) in before["specials"].items():
        now = after["specials"].get(name)
        if now is None:
            problems.append(f"{name} missing after restart")
        elif now[0] != start:
            problems.append(f"{name} moved from {start:x} to {now[0]:x}")
    pick = (lambda rs: [r for r in rs if r[3].startswith("/")]) if file_maps_only else list
    if lazy:
        pick = lambda rs: [r for r in rs if r[3].startswith("/") and "x" in r[2]]  # noqa: E731
    old = coalesce(pick(before["regions"]))
    new = coalesce([allow_stack_growth(before, r) for r in pick(after["regions"])])
    if old != new:
        gone = [fmt_region(r) for r in old if r not in new]
        added = [fmt_region(r) for r in new if r not in old]
        problems.append("mappings differ:\n    before only: " + "\n      ".join(gone) +
                        "\n    after only:  " + "\n      ".join(added))
    if fds and before["fds"] != after["fds"]:
        problems.append(f"fds differ: before {before['fds']} after {after['fds']}")
    return problems


def proc_start_time(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        fields = stat[stat.rindex(")") + 2:].split()
        return fields[19] if fields[0] != "Z" else None
    except (OSError, ValueError, IndexError):
        return None


def alive(pid):
    return proc_start_time(pid) is not None


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            tasks = []
        for task in tasks:
            try:
                with open(f"/proc/{p}/task/{task}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                kids = []
            out += kids
            todo += kids
    return out


def listeners_on_port(port):
    """Pids of processes holding a listening TCP socket on `port` (stray coordinators)."""
    inodes = set()
    for name in ("tcp", "tcp6"):
        try:
            with open(f"/proc/net/{name}") as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add(f"socket:[{cols[9]}]")
        except OSError:
            pass
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")) if inodes else []:
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in inodes
                   for fd in os.listdir(f"/proc/{pid}/fd")):
                pids.append(int(pid))
        except OSError:
            pass
    return pids
