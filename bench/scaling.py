#!/usr/bin/env python3
"""Scaling curves: seconds per full-batch epoch of 2-H-1 networks for scratchnet and numpy, as
the samples grow (H = 4; 1,000 → 1,000,000) and as the width grows (m = 10,000; H = 4 → 1024),
measured in the same run, written to bench/scaling.csv and drawn by scratchnet's own plot
module into bench/scaling.png.

    python3 bench/scaling.py
"""
import argparse
import csv
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lines(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return [json.loads(l) for l in out.splitlines() if l.startswith("{") and "sweep" in l]


def target_dir():
    """Cargo's target directory (honours CARGO_TARGET_DIR and cargo config)."""
    out = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["target_directory"]


def main():
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "workloads"], cwd=ROOT, check=True)
    ours = os.path.join(target_dir(), "release/examples/workloads")
    rows = [dict(r, implementation="scratchnet") for r in lines([ours, "scaling"])]
    try:
        rows += [dict(r, implementation="numpy") for r in lines([sys.executable, os.path.join(ROOT, "bench/peers/numpy_scaling.py")])]
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        print(f"numpy peer skipped: {e}", file=sys.stderr)
    out = os.path.join(ROOT, "bench/scaling.csv")
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sweep", "size", "implementation", "seconds_per_epoch"])
        for r in rows:
            w.writerow([r["sweep"], r["size"], r["implementation"], f"{r['seconds_per_epoch']:.6g}"])
    print(f"wrote {out}")
    subprocess.run(["cargo", "run", "--release", "--quiet", "-p", "scratchnet-cli", "--example", "scaling_plot", "--",
                    out, os.path.join(ROOT, "bench/scaling.png")], cwd=ROOT, check=True)
    for sweep in ("samples", "width"):
        print(f"\n| {sweep} | " + " | ".join(sorted({r['implementation'] for r in rows})) + " | ratio |")
        print("|---|---|---|---|")
        sizes = sorted({r["size"] for r in rows if r["sweep"] == sweep})
        for s in sizes:
            t = {r["implementation"]: r["seconds_per_epoch"] for r in rows if r["sweep"] == sweep and r["size"] == s}
            ratio = f"{t['numpy'] / t['scratchnet']:.1f}×" if "numpy" in t and "scratchnet" in t else "–"
            print(f"| {s} | " + " | ".join(f"{t.get(k, float('nan')) * 1e3:.3f} ms" for k in sorted(t)) + f" | {ratio} |")


if __name__ == "__main__":
    main()
