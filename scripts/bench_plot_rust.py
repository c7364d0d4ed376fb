#!/usr/bin/python3
"""Chart of the Rust restore benchmark (bindings/rust/bbsnap/benches/restore.rs,
`scripts/bench BUILD --rust-full`): the time to get at the state from Rust,
per state, against the runtime's serde paths (CPU time, log scale; lower is
better).

    /usr/bin/python3 scripts/bench_plot_rust.py RESULTS.json OUT.png

Needs Debian's python3-matplotlib.
"""

import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_gate import load_results  # noqa: E402

# (benchmark, label, color): bbsnap's paths in blue, the alternatives in orange.
ROWS = [
    ("BM_RustOpenLazyFirstLookup", "bbsnap: lazy open + first lookup", "#aec7e8"),
    ("BM_RustOpenFullWalk", "bbsnap: full verification + walk of every slot", "#1f77b4"),
    ("BM_RustToTransient", "bbsnap: to_transient() of an open snapshot (owned copy)", "#17becf"),
    ("BM_ReadBincode", "fs::read + bincode::deserialize", "#ff7f0e"),
    ("BM_ReadStateDocumentSerdeJson", "fs::read + serde_json::Value of the state document", "#d62728"),
]
STATES = ["S", "M", "L"]


def main(results_path, out_path):
    _, results = load_results(results_path)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / len(ROWS)
    for i, (bench, label, color) in enumerate(ROWS):
        xs, ys = [], []
        for s, state in enumerate(STATES):
            r = results.get(f"{bench}/{state}")
            if r:
                xs.append(s + (i - (len(ROWS) - 1) / 2) * width)
                ys.append(r["cpu"] / 1e6)  # ms
        ax.bar(xs, ys, width, label=label, color=color)
    ax.set_yscale("log")
    ax.set_xticks(range(len(STATES)))
    ax.set_xticklabels([f"state {s}" for s in STATES])
    ax.set_ylabel("CPU time, ms (log scale; lower is better)")
    ax.set_title("Restoring TransientSnapshot from Rust")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out_path, dpi=110)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
