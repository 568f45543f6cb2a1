#!/usr/bin/env python3
"""W2 trained by `scratchnet train` on 1 process × 1 thread and on 2 MPI processes × 1 thread.

    cargo build --release -p scratchnet-cli --features mpi --bin scratchnet --example mpi_sum
    python3 bench/mpi.py [--repeats 5] [--bin target/release/scratchnet]

W2 as in bench/README.md (32-256-256-1 tanh, gradient descent at 0.05, mini-batches of 256,
Xavier weights, 5 epochs, 100,000 × 32 rows of x_ij = sin(0.001·i·(j+1) + j), y_i =
[Σ_j cos(j)·x_ij > 0]), through the CLI: the whole file a training set (no test or
validation share). The two settings run interleaved, `--repeats` times each, since the
machine is shared; the time is the network's training time of the report (`seconds`, not
the reading of the file), and `SCRATCHNET_MPI_STATS=1` gives the share of process 0's whole
run (reading, network, baseline, report) spent in the sums (MPI_Allgather + the sum in rank
order, waiting for the other process included). `--batch-size` changes W2's batch of 256
(fewer, larger steps: fewer sums per row). Between the runs, `examples/mpi_sum` times one W2-sized sum alone: the
rank-order sum beside MPI_Allreduce, and two independent 1-process runs at once measure what
the machine offers two processes: `parallel_capacity` = 2 × (one run alone) / (each of two at
once), 2.0 with two free cores, 1.0 with one, the bound of any 2-process speed-up at that
moment. Prints one JSON line per run and a summary with ranges.
"""

import argparse
import json
import math
import os
import re
import subprocess
import tempfile

MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]
TRAIN = [
    "--hidden", "256,256", "--activation", "tanh", "--optimizer", "gd", "--lr", "0.05",
    "--init", "xavier", "--epochs", "5", "--l2", "0",
    "--test-split", "0", "--validation", "0", "--threads", "1", "--json",
]


def write_w2(path, m=100_000):
    with open(path, "w") as f:
        f.write(",".join(f"x{j}" for j in range(32)) + ",y\n")
        cos = [math.cos(j) for j in range(32)]
        for i in range(m):
            x = [math.sin(0.001 * i * (j + 1) + j) for j in range(32)]
            y = int(sum(c * v for c, v in zip(cos, x)) > 0)
            f.write(",".join(repr(v) for v in x) + f",{y}\n")


def run(binary, data, processes, batch):
    cmd = [binary, "train", data, *TRAIN, "--batch-size", batch]
    if processes > 1:
        cmd = [*MPIRUN, "-np", str(processes), *cmd]
    env = dict(os.environ, SCRATCHNET_MPI_STATS="1")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    report = json.loads(out.stdout)
    share = None
    stats = re.search(r"mpi: \d+ processes, (\d+) sums, ([\d.]+) s of ([\d.]+) s", out.stderr)
    if stats:
        share = float(stats.group(2)) / float(stats.group(3))
        sums = int(stats.group(1))
    result = {"processes": processes, "train_seconds": report["seconds"],
              "loss": report["train"]["loss"]}
    if share is not None:
        result.update(sum_share=round(share, 4), sums=sums,
                      ms_per_sum=round(1e3 * float(stats.group(2)) / sums, 3))
    return result


def pair(binary, data, batch):
    """Two independent one-process runs at the same time: each one's training seconds."""
    cmd = [binary, "train", data, *TRAIN, "--batch-size", batch]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
             for _ in range(2)]
    return [json.loads(p.communicate()[0])["seconds"] for p in procs]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--bin", default="target/release/scratchnet")
    p.add_argument("--batch-size", default="256")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "w2.csv")
        write_w2(data)
        runs = {1: [], 2: []}
        capacity = []
        for _ in range(args.repeats):
            for n in (1, 2):
                r = run(args.bin, data, n, args.batch_size)
                print(json.dumps(r), flush=True)
                runs[n].append(r)
            sums = os.path.join(os.path.dirname(args.bin), "examples", "mpi_sum")
            out = subprocess.run([*MPIRUN, "-np", "2", sums], capture_output=True, text=True,
                                 check=True)
            print(out.stdout.strip(), flush=True)
            both = pair(args.bin, data, args.batch_size)
            capacity.append(round(2 * runs[1][-1]["train_seconds"] / max(both), 2))
            print(json.dumps({"two_independent_runs_s": both,
                              "parallel_capacity": capacity[-1]}), flush=True)
    one = sorted(r["train_seconds"] for r in runs[1])
    two = sorted(r["train_seconds"] for r in runs[2])
    ratios = sorted(a["train_seconds"] / b["train_seconds"] for a, b in zip(runs[1], runs[2]))
    shares = sorted(r["sum_share"] for r in runs[2])
    print(json.dumps({
        "one_process_s": [one[0], one[-1]], "two_processes_s": [two[0], two[-1]],
        "speedup_pairwise": [round(ratios[0], 2), round(ratios[-1], 2)],
        "speedup_best_to_best": round(one[0] / two[0], 2),
        "batch_size": int(args.batch_size),
        "parallel_capacity": sorted(capacity),
        "sum_share_of_run": [shares[0], shares[-1]],
        "ms_per_sum": sorted(r["ms_per_sum"] for r in runs[2]),
    }))


if __name__ == "__main__":
    main()
