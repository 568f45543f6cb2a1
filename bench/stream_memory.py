#!/usr/bin/env python3
"""Peak memory of streamed training and prediction against the number of rows (issue #18).

Generates CSV files of 10^6, 10^7 and 5·10^7 rows (four numeric features with 6 decimals, a
two-class label: about 45 bytes a row), then runs

    scratchnet train DATA --stream --epochs 1 --batch-size 256 --hidden 16 --threads 2 -o m.json
    scratchnet predict m.json DATA --stream --threads 2 -o p.csv

under /usr/bin/time -v and reports each run's peak resident set size (RSS) and wall time; the
streamed runs should take the same memory whatever the rows. For reference, the in-memory
training of the smallest file is measured too. Each file is deleted after its runs.

    python3 bench/stream_memory.py [--rows 1000000,10000000,50000000] [--dir /tmp] [--bin PATH]

Needs numpy, GNU time (/usr/bin/time) and a release build (cargo build --release).
"""

import argparse
import os
import re
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def generate(path, rows, seed=1, chunk=1_000_000):
    """`rows` rows of x1..x4 uniform in (−1, 1) and y = [x1·x2 + x3 − x4/2 > 0], written in chunks."""
    rng = np.random.default_rng(seed)
    with open(path, "w") as f:
        f.write("x1,x2,x3,x4,y\n")
        done = 0
        while done < rows:
            n = min(chunk, rows - done)
            x = rng.uniform(-1, 1, size=(n, 4))
            y = (x[:, 0] * x[:, 1] + x[:, 2] - x[:, 3] / 2 > 0).astype(np.int64)
            text = np.char.mod("%.6f", x)
            lines = [",".join(r) for r in text.tolist()]
            f.write("\n".join(f"{line},{label}" for line, label in zip(lines, y.tolist())))
            f.write("\n")
            done += n


def measured(cmd):
    """(peak RSS in MB, wall seconds) of `cmd` under /usr/bin/time -v; fails loudly."""
    start = time.monotonic()
    run = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    seconds = time.monotonic() - start
    if run.returncode != 0:
        sys.exit(f"failed ({run.returncode}): {' '.join(cmd)}\n{run.stderr[-2000:]}")
    kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1))
    return kb / 1024, seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", default="1000000,10000000,50000000")
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "scratchnet"))
    args = ap.parse_args()
    rows_list = [int(r) for r in args.rows.split(",")]
    common = ["--threads", "2"]
    train_flags = ["--stream", "--epochs", "1", "--batch-size", "256", "--hidden", "16", *common]
    print("| rows | file | train --stream: peak RSS | time | predict --stream: peak RSS | time |")
    print("|---:|---:|---:|---:|---:|---:|")
    reference = None
    for rows in rows_list:
        data = os.path.join(args.dir, f"stream_bench_{rows}.csv")
        model = os.path.join(args.dir, f"stream_bench_{rows}.json")
        out = os.path.join(args.dir, f"stream_bench_{rows}_p.csv")
        try:
            generate(data, rows)
            size = os.path.getsize(data) / 1e6
            t_rss, t_s = measured([args.bin, "train", data, *train_flags, "-o", model])
            p_rss, p_s = measured([args.bin, "predict", model, data, "--stream", *common, "-o", out])
            if reference is None:
                in_memory = [f for f in train_flags if f != "--stream"]
                reference = (rows, measured([args.bin, "train", data, *in_memory, "-o", model]))
            print(f"| {rows:,} | {size:,.0f} MB | {t_rss:.1f} MB | {t_s:.0f} s | {p_rss:.1f} MB | {p_s:.0f} s |",
                  flush=True)
        finally:
            for p in (data, model, out):
                if os.path.exists(p):
                    os.remove(p)
    rows, (rss, seconds) = reference
    print(f"\nin memory (no --stream), {rows:,} rows: peak RSS {rss:.1f} MB, {seconds:.0f} s")


if __name__ == "__main__":
    main()
