"""Issue 7 tables for report.py: stall and durable commit, restarts, incremental and
compressed checkpoints, overhead, and the targets of issue 7 with the measured values.
Cells are medians over repeats. Nothing here asserts: a target that is not met is shown
as "no". Python standard library only.
"""
import statistics

MIB = float(1 << 20)
TARGET_MODE = "random"


def med(rows, fn):
    """Median of fn(row) over the rows where it can be computed, or None."""
    values = []
    for r in rows:
        try:
            v = fn(r)
        except (KeyError, TypeError, ZeroDivisionError):
            continue
        if v is not None:
            values.append(v)
    return statistics.median(values) if values else None


def cell(value, fmt):
    return "–" if value is None else fmt % value


def by_kind(records, kind):
    groups = {}
    for r in records:
        if r.get("benchmark") == kind and "error" not in r:
            groups.setdefault((r["size_mib"], r["mode"]), []).append(r)
    return groups


def table(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def checkpoint_table(records):
    default, forked = by_kind(records, "checkpoint_restart"), by_kind(records, "checkpoint_forked")
    base = by_kind(records, "stall_baseline")
    rows = []
    for key in sorted(default):
        d, f, b = default[key], forked.get(key, []), base.get(key, [])
        rows.append([str(key[0]), key[1], str(len(d)),
                     cell(med(b, lambda r: r["stall_s"] * 1e3), "%.1f"),
                     cell(med(d, lambda r: r["stall_s"] * 1e3), "%.0f"),
                     cell(med(f, lambda r: r["stall_s"] * 1e3), "%.1f"),
                     cell(med(f, lambda r: r.get("fork_same_process_s") * 1e3), "%.1f"),
                     cell(med(d, lambda r: r["ckpt_seconds"]), "%.3f"),
                     cell(med(f, lambda r: r["ckpt_seconds"]), "%.3f"),
                     cell(med(d, lambda r: r["dd_image_fsync_s"]), "%.3f"),
                     cell(med(d, lambda r: r["ckpt_seconds"] / r["dd_image_fsync_s"]), "%.2f"),
                     cell(med(d, lambda r: r.get("dd_image_direct_s")), "%.3f"),
                     cell(med(d, lambda r: r["image_bytes"] / MIB), "%.1f"),
                     cell(med(d, lambda r: r["image_disk_bytes"] / MIB), "%.1f")])
    head = ["size (MiB)", "mode", "n", "idle max gap (ms)", "stall default (ms)",
            "stall --forked (ms)", "fork of memhog itself (ms)", "durable commit default (s)", "durable commit --forked (s)",
            "dd same bytes fsync (s)", "default / dd", "dd same bytes O_DIRECT (s)",
            "image (MiB)", "on disk (MiB)"]
    return table(head, rows) if rows else []


def restart_table(records):
    eager, lazy = by_kind(records, "checkpoint_restart"), by_kind(records, "restart_lazy")
    incr, comp = by_kind(records, "incremental"), by_kind(records, "compress")
    rows = []
    for key in sorted(eager):
        e, z = eager[key], lazy.get(key, [])
        rows.append([str(key[0]), key[1],
                     cell(med(e, lambda r: r["warm_cat_image_s"]), "%.3f"),
                     cell(med(e, lambda r: r.get("fresh_memory_read_image_s")), "%.3f"),
                     cell(med(e, lambda r: r.get("fresh_huge_memory_read_image_s")), "%.3f"),
                     cell(med(e, lambda r: r.get("restart_verify_only_s")), "%.3f"),
                     cell(med(e, lambda r: r["restart_to_running_s"]), "%.3f"),
                     cell(med(e, lambda r: r["restart_to_verified_s"]), "%.3f"),
                     cell(med(e, lambda r: r["restart_to_running_s"] / r["warm_cat_image_s"]),
                          "%.1f"),
                     cell(med(z, lambda r: r["restart_to_running_s"]), "%.3f"),
                     cell(med(z, lambda r: r["restart_to_verified_s"]), "%.3f"),
                     cell(med(incr.get(key, []), lambda r: r["restart_to_verified_s"]), "%.3f"),
                     cell(med(comp.get(key, []), lambda r: r["restart_to_verified_s"]), "%.3f")])
    head = ["size (MiB)", "mode", "warm cat image (s)", "image read into fresh memory (s)",
            "same, MADV_HUGEPAGE (s)",
            "restart --dry-run (checksums) (s)",
            "eager→running (s)",
            "eager→verified (s)", "eager / cat", "lazy→running (s)", "lazy→verified (s)",
            "incremental gen→verified (s)", "compressed gen→verified (s)"]
    return table(head, rows) if rows else []


def incremental_compress_table(records):
    incr, comp = by_kind(records, "incremental"), by_kind(records, "compress")
    rows = []
    for key in sorted(set(incr) | set(comp)):
        i, c = incr.get(key, []), comp.get(key, [])
        rows.append([str(key[0]), key[1],
                     cell(med(i, lambda r: r["full_image_bytes"] / MIB), "%.1f"),
                     cell(med(i, lambda r: r["dirtied_pages"] * 4096 / MIB), "%.1f"),
                     cell(med(i, lambda r: r["image_bytes"] / MIB), "%.1f"),
                     cell(med(i, lambda r: 100.0 * r["image_bytes"] / r["full_image_bytes"]),
                          "%.1f"),
                     cell(med(i, lambda r: r["ckpt_seconds"]), "%.3f"),
                     cell(med(c, lambda r: r["image_bytes"] / MIB), "%.1f"),
                     cell(med(c, lambda r: r["ckpt_seconds"]), "%.3f"),
                     cell(med(c, lambda r: r["gzip_bytes"] / MIB), "%.1f"),
                     cell(med(c, lambda r: r["gzip_s"]), "%.3f"),
                     cell(med(c, lambda r: r["gzip_s"] / r["ckpt_seconds"]), "%.1f"),
                     cell(med(c, lambda r: r.get("lz4_image_bytes") / MIB), "%.1f"),
                     cell(med(c, lambda r: r.get("lz4_ckpt_seconds")), "%.3f"),
                     cell(med(c, lambda r: r["gzip_s"] / r.get("lz4_ckpt_seconds")), "%.1f")])
    head = ["size (MiB)", "mode", "full image (MiB)", "dirtied (MiB)", "2nd incremental (MiB)",
            "2nd / full (%)", "2nd incremental (s)", "--compress image (MiB)",
            "--compress ckpt (s)", "gzip -1 out (MiB)", "gzip -1 (s)", "gzip / --compress",
            "--compress-lz4 image (MiB)", "--compress-lz4 ckpt (s)", "gzip / --compress-lz4"]
    return table(head, rows) if rows else []


def overhead_table(records):
    loops = {}
    for r in records:
        if r.get("benchmark") == "overhead" and "error" not in r:
            loops.setdefault(r["loop"], []).append(r)
    rows = []
    for loop in ("compute", "getpid", "read"):
        rs = loops.get(loop, [])
        if rs:
            rows.append([loop, "%d" % rs[0]["iterations"], "%d" % rs[0].get("runs", 0),
                         cell(med(rs, lambda r: r["native_s"]), "%.4f"),
                         cell(med(rs, lambda r: r["ckpt_s"]), "%.4f"),
                         cell(med(rs, lambda r: r["overhead_pct"]), "%+.2f"),
                         cell(med(rs, lambda r: r.get("native_idle_thread_s")), "%.4f"),
                         cell(med(rs, lambda r: r.get("idle_thread_overhead_pct")), "%+.2f"),
                         cell(med(rs, lambda r: r["native_wall_s"]), "%.4f"),
                         cell(med(rs, lambda r: r["ckpt_wall_s"]), "%.4f")])
    head = ["loop", "iterations", "runs (best of)", "native loop (s)", "under ckpt loop (s)",
            "overhead (%)", "native + 1 idle thread (s)", "idle thread alone (%)",
            "native wall (s)", "under ckpt wall (s)"]
    return table(head, rows) if rows else []


def target_rows(records, size):
    """(target, measured text, met) for the issue 7 targets at `size` MiB, random content."""
    key, sparse_key = (size, TARGET_MODE), (size, "sparse")
    d = by_kind(records, "checkpoint_restart").get(key, [])
    f = by_kind(records, "checkpoint_forked").get(key, [])
    z = by_kind(records, "restart_lazy").get(key, [])
    i = by_kind(records, "incremental").get(key, [])
    c = by_kind(records, "compress").get(key, [])
    s = by_kind(records, "checkpoint_restart").get(sparse_key, [])
    t = by_kind(records, "compress").get((size, "text"), [])
    o = [r for r in records if r.get("benchmark") == "overhead" and r.get("loop") == "compute"
         and "error" not in r]
    specs = [
        ("stall with --forked ≤ 50 ms", med(f, lambda r: r["stall_s"] * 1e3), "%.1f ms",
         lambda v: v <= 50),
        ("(context) the kernel's fork of the same process alone ≤ 50 ms",
         med(f, lambda r: r["fork_same_process_s"] * 1e3), "%.1f ms", lambda v: v <= 50),
        ("durable committed generation ≤ 1.2× dd of the same bytes with fsync",
         med(d, lambda r: r["ckpt_seconds"] / r["dd_image_fsync_s"]), "%.2f×", lambda v: v <= 1.2),
        ("lazy restart to running ≤ 100 ms", med(z, lambda r: r["restart_to_running_s"] * 1e3),
         "%.0f ms", lambda v: v <= 100),
        ("eager restart ≤ 1.2× a warm read of the image",
         med(d, lambda r: r["restart_to_running_s"] / r["warm_cat_image_s"]), "%.1f×",
         lambda v: v <= 1.2),
        ("(context) eager restart ≤ 1.2× one read of the image into fresh memory",
         med(d, lambda r: r["restart_to_running_s"] / r["fresh_memory_read_image_s"]), "%.2f×",
         lambda v: v <= 1.2),
        ("(context) eager restart ≤ 1.2× one read into fresh memory with MADV_HUGEPAGE",
         med(d, lambda r: r["restart_to_running_s"] / r["fresh_huge_memory_read_image_s"]),
         "%.2f×", lambda v: v <= 1.2),
        ("5% dirtied → second checkpoint writes ≤ 7% of the bytes",
         med(i, lambda r: 100.0 * r["image_bytes"] / r["full_image_bytes"]), "%.1f%%",
         lambda v: v <= 7),
        ("sparse (16 GiB reserved): image ≈ touched bytes (within 10%)",
         med(s, lambda r: r["image_bytes"] / (r["size_mib"] * MIB)), "%.3f× touched",
         lambda v: 0.9 <= v <= 1.1),
        ("zstd: ≥ 10× faster than single-threaded gzip -1 of the same image",
         med(c, lambda r: r["gzip_s"] / r["ckpt_seconds"]), "%.1f× faster", lambda v: v >= 10),
        ("zstd, compressible (text) content: ≥ 10× faster than gzip -1",
         med(t, lambda r: r["gzip_s"] / r["ckpt_seconds"]), "%.1f× faster", lambda v: v >= 10),
        ("lz4 (--compress-lz4), compressible (text) content: ≥ 10× faster than gzip -1",
         med(t, lambda r: r["gzip_s"] / r["lz4_ckpt_seconds"]), "%.1f× faster",
         lambda v: v >= 10),
        ("overhead of running under ckpt ≤ 1% (compute loop, best of N)",
         med(o, lambda r: r["overhead_pct"]), "%+.2f%%", lambda v: v <= 1),
    ]
    return [(name, cell(v, fmt), "–" if v is None else ("yes" if ok(v) else "no"))
            for name, v, fmt, ok in specs]


def targets_table(records, size):
    rows = target_rows(records, size)
    if all(measured == "–" for _, measured, _ in rows):
        return []
    title = ["Issue 7 targets at %d MiB of %s content (medians):" % (size, TARGET_MODE), ""]
    return title + table(["target", "measured", "met"], [list(r) for r in rows])


def issue7_blocks(records, target_size):
    return [targets_table(records, target_size), checkpoint_table(records),
            restart_table(records), incremental_compress_table(records), overhead_table(records)]
