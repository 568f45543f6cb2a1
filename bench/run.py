#!/usr/bin/env python3
"""Runs every workload of bench/README.md for scratchnet and each peer that is installed, in the
same run, and prints a markdown table of medians and ratios (peer time / scratchnet time).

    python3 bench/run.py [--runs 5] [--workloads w1,w2,w2-f32,w3]

`w2-f32` is scratchnet's W2 with `--precision f32`, compared with the peers' (f64) W2 times.

Build first: cargo build --release --example workloads (the script does it).

Peers: numpy and scikit-learn in this python; base R (W1 only) when `Rscript` is on PATH;
PyTorch (CPU, float64) in the python named by $TORCH_PYTHON, else this one, when it can
`import torch` (see bench/requirements-torch.txt).
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "crates/scratchnet/tests/fixtures/reference_2-4-1.json")
def target_dir():
    """Cargo's target directory (honours CARGO_TARGET_DIR and cargo config)."""
    out = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["target_directory"]


OURS = os.path.join(target_dir(), "release/examples/workloads")
PEERS = os.path.join(ROOT, "bench/peers")
# multiply-adds per sample of 32-256-256-1: forward 32·256 + 256·256 + 256, dW the same, dA of
# the two upper layers 256·256 + 256; 2 flops each, 100,000 samples
W2_GFLOP = 2 * (2 * (32 * 256 + 256 * 256 + 256) + 256 * 256 + 256) * 100_000 / 1e9


def once(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return json.loads(out)


def measure(cmd, runs):
    results = [once(cmd) for _ in range(runs)]
    return statistics.median(r["seconds"] for r in results), results[-1]


def versions():
    v = {"python": platform.python_version()}
    for mod in ("numpy", "sklearn"):
        try:
            v[mod] = __import__(mod).__version__
        except ImportError:
            pass
    return v


def r_version():
    """R's version string (and its BLAS), or None when Rscript is not on PATH."""
    if shutil.which("Rscript") is None:
        return None
    try:
        return subprocess.run(["Rscript", "-e", "cat(R.version.string, '; BLAS ', basename(extSoftVersion()[['BLAS']]), sep = '')"],
                              check=True, capture_output=True, text=True).stdout.strip()
    except (subprocess.CalledProcessError, OSError):
        return None


def torch_python():
    """(interpreter, 'torch VERSION, N threads') for the python that can import torch, or None."""
    py = os.environ.get("TORCH_PYTHON") or sys.executable
    probe = "import json, numpy, torch; print(json.dumps([torch.__version__, torch.get_num_threads()]))"
    try:
        out = subprocess.run([py, "-c", probe], check=True, capture_output=True, text=True).stdout
        version, threads = json.loads(out.strip().splitlines()[-1])
    except (subprocess.CalledProcessError, OSError, ValueError, IndexError):
        return None
    return py, f"{version}, {threads} threads ({py})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workloads", default="w1,w2,w2-f32,w3")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "workloads"], cwd=ROOT, check=True)
    py = sys.executable
    v = versions()
    # name -> (installed, workloads it runs, command for a workload)
    peers = {
        "numpy": ("numpy" in v, {"w1", "w2", "w3"},
                  lambda w: [py, os.path.join(PEERS, "numpy_workloads.py"), w, FIXTURE]),
        "scikit-learn": ("sklearn" in v, {"w1", "w2"},
                         lambda w: [py, os.path.join(PEERS, "sklearn_workloads.py"), w, FIXTURE]),
    }
    r = r_version()
    if r:
        v["R"] = r
    peers["R"] = (r is not None, {"w1"}, lambda w: ["Rscript", os.path.join(PEERS, "r_w1.R"), FIXTURE])
    tp = torch_python()
    if tp:
        v["torch"] = tp[1]
    peers["PyTorch"] = (tp is not None, {"w1", "w2", "w3"},
                        lambda w: [tp[0], os.path.join(PEERS, "torch_workloads.py"), w, FIXTURE])
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
          f"versions: {v}; OMP/OPENBLAS threads: {os.environ.get('OMP_NUM_THREADS', 'default')}; "
          f"scratchnet: threads {os.environ.get('SCRATCHNET_THREADS', 'all cores')}, GEMM matrixmultiply, own SIMD kernels; medians of {args.runs} runs\n")
    gemm = once([OURS, "gemm"])
    print(f"GEMM peak (matrixmultiply, 256×256×256, one thread): f64 {gemm['f64_gflops']:.1f} GFLOP/s, "
          f"f32 {gemm['f32_gflops']:.1f} GFLOP/s; W2 is {W2_GFLOP:.2f} GFLOP per epoch\n")
    print("| workload | scratchnet | peer | peer time | ratio (peer / scratchnet) | accuracy (ours / peer) |")
    print("|---|---|---|---|---|---|")
    peer_results = {}
    for w in args.workloads.split(","):
        ours, ours_last = measure([OURS, w, FIXTURE], args.runs)
        if w.startswith("w2"):
            print(f"| {w} achieved | {W2_GFLOP * 5 / ours:.1f} GFLOP/s | | | | |")
        pw = "w2" if w == "w2-f32" else w  # the peers' W2 is f64; measured once
        for name, (installed, runs_it, cmd) in peers.items():
            if not installed or pw not in runs_it:
                continue
            try:
                if (name, pw) not in peer_results:
                    peer_results[(name, pw)] = measure(cmd(pw), args.runs)
                theirs, last = peer_results[(name, pw)]
            except subprocess.CalledProcessError as e:
                print(f"{name} {w} failed: {e.stderr.strip()[-500:]}", file=sys.stderr)
                continue
            acc = f"{ours_last.get('accuracy', ours_last.get('mean_probability')):.4f} / " \
                  f"{last.get('accuracy', last.get('mean_probability')):.4f}"
            print(f"| {w} | {ours:.3f} s | {name} | {theirs:.3f} s | {theirs / ours:.2f}× | {acc} |")


if __name__ == "__main__":
    main()
