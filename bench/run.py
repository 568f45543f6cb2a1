#!/usr/bin/env python3
"""Runs every workload of bench/README.md for scratchnet and each peer that is installed, in the
same run, and prints a markdown table of medians and ratios (peer time / scratchnet time).

    python3 bench/run.py [--runs 5] [--workloads w1,w2,w3]

Build first: cargo build --release --example workloads (the script does it).
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "crates/scratchnet/tests/fixtures/reference_2-4-1.json")
OURS = os.path.join(ROOT, "target/release/examples/workloads")
PEERS = os.path.join(ROOT, "bench/peers")


def once(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return json.loads(out)


def measure(cmd, runs):
    results = [once(cmd) for _ in range(runs)]
    return statistics.median(r["seconds"] for r in results), results[-1]


def versions():
    v = {"python": platform.python_version()}
    for mod in ("numpy", "sklearn", "torch"):
        try:
            v[mod] = __import__(mod).__version__
        except ImportError:
            pass
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workloads", default="w1,w2,w3")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "workloads"], cwd=ROOT, check=True)
    py = sys.executable
    peers = {
        "numpy": lambda w: [py, os.path.join(PEERS, "numpy_workloads.py"), w, FIXTURE],
        "scikit-learn": lambda w: [py, os.path.join(PEERS, "sklearn_workloads.py"), w, FIXTURE],
    }
    have = {"numpy": "numpy" in versions(), "scikit-learn": "sklearn" in versions()}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
          f"versions: {versions()}; OMP/OPENBLAS threads: {os.environ.get('OMP_NUM_THREADS', 'default')}; "
          f"scratchnet: ndarray+matrixmultiply (MATMUL_NUM_THREADS: {os.environ.get('MATMUL_NUM_THREADS', 'default')}); medians of {args.runs} runs\n")
    print("| workload | scratchnet | peer | peer time | ratio (peer / scratchnet) | accuracy (ours / peer) |")
    print("|---|---|---|---|---|---|")
    for w in args.workloads.split(","):
        ours, ours_last = measure([OURS, w, FIXTURE], args.runs)
        for name, cmd in peers.items():
            if not have[name] or (name == "scikit-learn" and w == "w3"):
                continue
            try:
                theirs, last = measure(cmd(w), args.runs)
            except subprocess.CalledProcessError:
                continue
            acc = f"{ours_last.get('accuracy', ours_last.get('mean_probability')):.4f} / " \
                  f"{last.get('accuracy', last.get('mean_probability')):.4f}"
            print(f"| {w} | {ours:.3f} s | {name} | {theirs:.3f} s | {theirs / ours:.2f}× | {acc} |")


if __name__ == "__main__":
    main()
