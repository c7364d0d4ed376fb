#!/usr/bin/python3
"""Chart of a bbsnap_bench JSON run: bbsnap against the machine's limits and
the alternatives, per state, as throughput of the state's bytes (the bbsnap
file's size per second; higher is better).

    /usr/bin/python3 scripts/bench_plot.py RESULTS.json OUT.png

Needs Debian's python3-matplotlib.
"""

import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_gate import load_results  # noqa: E402

LIMIT, OURS, ALT = "limit", "bbsnap", "alternative"
COLORS = {LIMIT: "#9e9e9e", OURS: "#1f77b4", ALT: "#ff7f0e"}

# (panel title, [(benchmark, label, category, clock)]) in display order, top to
# bottom. The clock is the one bench/gates.json reads for that benchmark: the
# thread's CPU time for single-threaded work in memory or the page cache (a
# loaded machine makes its wall time measure the scheduler), the wall clock
# for I/O and for 2 threads; rows on the wall clock say so.
PANELS = [
    ("Open / restore (page cache hot)", [
        ("BM_Memcpy", "memcpy of the file", LIMIT, "cpu"),
        ("BM_Xxh3Aligned", "XXH3 over the file (dispatched), aligned", LIMIT, "cpu"),
        ("BM_Xxh3Unaligned", "XXH3, 8 bytes off alignment", LIMIT, "cpu"),
        ("BM_Xxh3Mapped", "XXH3 over a fresh mapping", LIMIT, "cpu"),
        ("BM_ReadMapping", "sequential read of a fresh mapping", LIMIT, "cpu"),
        ("BM_OpenFull", "bbsnap open, full verification", OURS, "cpu"),
        ("BM_OpenFull2T", "bbsnap open, full, 2 threads (wall)", OURS, "real"),
        ("BM_FlatBufXxh3Verify", "FlatBuffers: XXH3 + Verifier", ALT, "cpu"),
        ("BM_CapnpRead", "Cap'n Proto: reader + traversal", ALT, "cpu"),
        ("BM_ProtoParse", "protobuf ParseFromArray", ALT, "cpu"),
        ("BM_ToModel", "owned copy: to_model()", ALT, "cpu"),
    ]),
    ("Write (page cache, no fsync)", [
        ("BM_WriteSyscall", "write() of the bytes (wall)", LIMIT, "real"),
        ("BM_WriteSyscallRename", "write() + rename over old (wall)", LIMIT, "real"),
        ("BM_WriteSnapshotNew", "bbsnap write_snapshot, new path (wall)", OURS, "real"),
        ("BM_WriteSnapshot", "bbsnap write_snapshot over old (wall)", OURS, "real"),
        ("BM_WriteStreaming", "bbsnap streaming writer (wall)", OURS, "real"),
        ("BM_ProtoSerialize", "protobuf serialize, memory", ALT, "cpu"),
        ("BM_CapnpBuild", "Cap'n Proto build, memory", ALT, "cpu"),
        ("BM_FlatBufBuild", "FlatBuffers build, memory", ALT, "cpu"),
    ]),
    ("Cold start (evicted)", [
        ("BM_PreadCold", "pread of the cold file (wall)", LIMIT, "real"),
        ("BM_Xxh3MappedCold", "XXH3 over the cold mapping (wall)", LIMIT, "real"),
        ("BM_OpenFullCold", "bbsnap open, full, cold (wall)", OURS, "real"),
    ]),
]
STATES = ["S", "M", "L", "Lmany"]
STATE_NAMES = {"S": "S (~1 MiB)", "M": "M (~64 MiB)", "L": "L (~1 GiB)", "Lmany": "Lmany (1M slots x 64 B)"}


def throughput(results, key, clock):
    r = results.get(key)
    if not r:
        return None
    size = r["counters"].get("file_bytes")
    if not size or not r[clock]:
        return None
    return size / (r[clock] / 1e9) / 1e9  # GB/s


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    context, results = load_results(sys.argv[1])
    states = [s for s in STATES if any(k.endswith("/" + s) for k in results)]
    if not states:
        print("bench_plot: no bbsnap_bench results in " + sys.argv[1], file=sys.stderr)
        return 1

    heights = [max(len(p[1]), 4) for p in PANELS]
    fig, axes = plt.subplots(len(PANELS), len(states), figsize=(4.2 * len(states) + 2.6, 0.36 * sum(heights) + 3.2),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for col, state in enumerate(states):
        for row, (title, items) in enumerate(PANELS):
            ax = axes[row][col]
            labels, values, colors = [], [], []
            for bench, label, category, clock in items:
                v = throughput(results, f"{bench}/{state}", clock)
                labels.append(label)
                values.append(v or 0)
                colors.append(COLORS[category])
            y = list(range(len(items)))[::-1]
            ax.barh(y, values, color=colors, height=0.7)
            ax.set_xscale("log")
            positive = [v for v in values if v > 0]
            if positive:
                ax.set_xlim(min(positive) / 2.5, max(positive) * 6)
            for yi, v in zip(y, values):
                if v > 0:
                    ax.text(v * 1.08, yi, f"{v:.2f}" if v < 10 else f"{v:.0f}", va="center", fontsize=7.5)
                else:
                    ax.text(ax.get_xlim()[0] * 1.1, yi, "not run", va="center", fontsize=7, color="#777")
            ax.set_yticks(y)
            ax.set_yticklabels(labels if col == 0 else [""] * len(labels), fontsize=8.5)
            ax.tick_params(axis="x", labelsize=7.5)
            ax.grid(axis="x", which="major", alpha=0.3)
            if row == 0:
                ax.set_title(STATE_NAMES.get(state, state), fontsize=10.5, fontweight="bold")
            if col == 0:
                ax.set_ylabel(title, fontsize=9, fontweight="bold")
            if row == len(PANELS) - 1:
                ax.set_xlabel("GB/s of the state's bytes (log scale)", fontsize=8.5)

    handles = [plt.Rectangle((0, 0), 1, 1, color=COLORS[c]) for c in (LIMIT, OURS, ALT)]
    fig.legend(handles, ["limit of the machine", "bbsnap", "alternative"], loc="upper right", ncol=3, fontsize=9,
               frameon=False)
    memory = context.get("memory", "")
    if memory.endswith(" kB") and memory[:-3].strip().isdigit():
        memory = f"{int(memory[:-3]) / 1048576:.0f} GiB RAM"
    machine = ", ".join(str(x) for x in (
        context.get("cpu_model"), f"{context.get('num_cpus')} CPUs" if context.get("num_cpus") else None,
        memory, context.get("kernel")) if x)
    fig.suptitle(f"bbsnap_bench, {context.get('date', '')}\n{machine}; medians of "
                 f"{context.get('repetitions', '?')} repetitions; higher is better.\nRows marked (wall): wall clock; "
                 "the others: CPU time of the benchmark thread", x=0.01, ha="left", fontsize=9.5)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    fig.savefig(sys.argv[2], dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())
