#!/usr/bin/env python3
"""Runs every workload of bench/README.md for scratchnet and each peer that is installed, in the
same run, and prints a markdown table of medians and ratios (peer time / scratchnet time).

    python3 bench/run.py [--runs 5] [--workloads w1,w2,w2-f32,w3,w4,w5] [--torch-threads N]

`w2-f32` is scratchnet's W2 with `--precision f32`, compared with the peers' (f64) W2 times.
The sides' runs are interleaved: each round runs every side once (A, B, C, A, B, C, …), so a
neighbour's burst of load lands on all of them; the table shows medians, ranges, and the range
of the per-round ratios.

Build first: cargo build --release --example workloads (the script does it).

Peers: numpy and scikit-learn in this python; base R (W1 only) when `Rscript` is on PATH;
PyTorch (CPU, float64; W4/W5 also float32) in the python named by $TORCH_PYTHON, else this
one, when it can `import torch` (see bench/requirements-torch.txt); FANN (W4/W5, C, compiled
here) when `cc` and libfann-dev's doublefann.h are there. W4/W5's tables are written by
bench/peers/practitioner_data.py (once, into the target directory).
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


def flops_per_sample(sizes):
    """Flops of one training sample through an MLP of these layer sizes: the forward product and
    dW of every layer (a multiply-add per weight each) and dA of every layer but the first."""
    macs = sum(a * b for a, b in zip(sizes, sizes[1:]))
    return 2 * (2 * macs + sum(a * b for a, b in zip(sizes[1:], sizes[2:])))


# GFLOP of a whole run (all epochs) of the training workloads
GFLOP = {
    "w2": 5 * W2_GFLOP,
    "w4": 20 * 50_000 * flops_per_sample([20, 100, 1]) / 1e9,
    "w5": 10 * 50_000 * flops_per_sample([64, 128, 64, 10]) / 1e9,
}
GFLOP["w2-f32"] = GFLOP["w2"]


def once(cmd, env=None):
    """One run of a side: its last output line, a JSON object with at least `seconds`."""
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         env=None if env is None else {**os.environ, **env})
    return json.loads(out.stdout.strip().splitlines()[-1])


def quality(r):
    """What a side reports about its result: accuracy, mean probability and final loss."""
    parts = []
    for key, label in (("accuracy", "acc"), ("mean_probability", "mean p"), ("final_loss", "loss"),
                       ("final_mse", "mse")):
        if key in r:
            parts.append(f"{label} {r[key]:.4f}")
    return ", ".join(parts)


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


def fann_binary():
    """bench/peers/fann_workloads.c compiled against libdoublefann, or None without it."""
    out = os.path.join(os.path.dirname(OURS), "fann_workloads")
    src = os.path.join(PEERS, "fann_workloads.c")
    if shutil.which("cc") is None or not os.path.exists("/usr/include/doublefann.h"):
        return None
    try:
        subprocess.run(["cc", "-O2", "-o", out, src, "-ldoublefann", "-lm"], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        return None
    return out


def sides(workloads, py, tp, r, fann, data, torch_threads):
    """Every (workload, side name, command, extra environment) to run, scratchnet first."""
    out = []
    for w in workloads:
        arg = data if w in ("w4", "w5") else FIXTURE
        out.append((w, "scratchnet", [OURS, w, arg], None))
        env = {"TORCH_THREADS": str(torch_threads)} if torch_threads else None
        script = os.path.join(PEERS, "torch_workloads.py")
        if w == "w2-f32":
            # also compared with the peers' f64 W2 below
            if tp:
                out.append((w, "PyTorch f32", [tp, script, w, FIXTURE], env))
            continue
        if w in ("w1", "w2", "w3"):
            out.append((w, "numpy", [py, os.path.join(PEERS, "numpy_workloads.py"), w, FIXTURE], None))
        if w in ("w1", "w2", "w4", "w5"):
            out.append((w, "scikit-learn", [py, os.path.join(PEERS, "sklearn_workloads.py"), w, arg], None))
        if w == "w1" and r:
            out.append((w, "R", ["Rscript", os.path.join(PEERS, "r_w1.R"), FIXTURE], None))
        if tp:
            if w in ("w4", "w5"):
                for precision in ("f64", "f32"):
                    out.append((w, f"PyTorch {precision}", [tp, script, w, arg, precision], env))
            else:
                out.append((w, "PyTorch", [tp, script, w, FIXTURE], env))
        if fann and w in ("w4", "w5"):
            out.append((w, "FANN", [fann, w, data], None))
    return out


def spread(xs):
    return f"{min(xs):.3g}–{max(xs):.3g}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workloads", default="w1,w2,w2-f32,w3,w4,w5")
    ap.add_argument("--torch-threads", type=int, default=0,
                    help="torch.set_num_threads for PyTorch (0: its default)")
    ap.add_argument("--data", default=None, help="where W4/W5's tables go (default: TARGET/bench-data)")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "workloads"], cwd=ROOT, check=True)
    py = sys.executable
    v = versions()
    workloads = args.workloads.split(",")
    data = args.data or os.path.join(target_dir(), "bench-data")
    if "w4" in workloads or "w5" in workloads:
        subprocess.run([py, os.path.join(PEERS, "practitioner_data.py"), data], check=True)
    r = r_version()
    if r:
        v["R"] = r
    tp = torch_python()
    if tp:
        v["torch"] = tp[1]
    fann = fann_binary()
    if fann:
        v["FANN"] = "2.2 (libdoublefann)"
    load = os.getloadavg()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
          f"versions: {v}; OMP/OPENBLAS threads: {os.environ.get('OMP_NUM_THREADS', 'default')}; "
          f"PyTorch threads: {args.torch_threads or 'default'}; "
          f"scratchnet: threads {os.environ.get('SCRATCHNET_THREADS', 'all cores')}, GEMM matrixmultiply, own SIMD kernels; "
          f"{args.runs} interleaved rounds (every side once per round), medians and ranges; "
          f"load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    gemm = once([OURS, "gemm"])
    print(f"GEMM peak (matrixmultiply, 256×256×256, one thread): f64 {gemm['f64_gflops']:.1f} GFLOP/s, "
          f"f32 {gemm['f32_gflops']:.1f} GFLOP/s; GFLOP per run: "
          + ", ".join(f"{w} {g:.2f}" for w, g in GFLOP.items()) + "\n")
    todo = sides(workloads, py, tp and tp[0], r, fann, data, args.torch_threads)
    times = {(w, name): [] for w, name, _, _ in todo}
    last = {}
    for round_ in range(args.runs):
        for w, name, cmd, env in todo:
            try:
                res = once(cmd, env)
            except subprocess.CalledProcessError as e:
                print(f"{name} {w} failed: {e.stderr.strip()[-500:]}", file=sys.stderr)
                continue
            times[(w, name)].append(res["seconds"])
            last[(w, name)] = res
            # every measurement as it comes, for a run cut short
            print(json.dumps({"round": round_ + 1, "workload": w, "side": name, **res}), file=sys.stderr)
        print(f"round {round_ + 1}/{args.runs} done, load {os.getloadavg()[0]:.2f}", file=sys.stderr)
    print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print("| workload | side | median s | range s | GFLOP/s | peer / scratchnet (median, range over rounds) | result |")
    print("|---|---|---|---|---|---|---|")
    for w in workloads:
        ours = times.get((w, "scratchnet"), [])
        if not ours:
            continue
        pw = "w2" if w == "w2-f32" else w
        rows = [(w, "scratchnet", ours)] + [(ww, n, t) for (ww, n), t in times.items()
                                             if ww in (w, pw) and n != "scratchnet" and t]
        for key, name, t in rows:
            med = statistics.median(t)
            gf = f"{GFLOP[w] / med:.1f}" if w in GFLOP else ""
            if name == "scratchnet":
                ratio = ""
            else:
                per_round = [a / b for a, b in zip(t, ours)]
                ratio = f"{med / statistics.median(ours):.2f}× ({spread(per_round)})"
            res = last[(key, name)]
            print(f"| {w} | {name} | {med:.4g} | {spread(t)} | {gf} | {ratio} | {quality(res)} |")


if __name__ == "__main__":
    main()
