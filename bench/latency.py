#!/usr/bin/env python3
"""One-row prediction latency of a 20-100-1 classifier: p50 and p99 over many calls (10^5 by
default), each call timed on its own, for scratchnet's library, scikit-learn, PyTorch and ONNX
Runtime; and `scratchnet predict` of a one-row CSV end to end (a process per run), beside a
Python process that loads scikit-learn, a joblib model and predicts the same row.

    python3 bench/latency.py [--calls 100000] [--runs 50]

The model: `scratchnet train` (its tabular defaults, --hidden 100) on the first 2,000 rows of
W4's table (bench/peers/practitioner_data.py); `scratchnet export` makes its ONNX graph.
scikit-learn's MLPClassifier(100) is trained on the same rows; PyTorch runs a 20-100-1
nn.Sequential in float64 under no_grad with the scratchnet model's standardization and weights,
and ONNX Runtime the exported graph (float64), so these three print the same probability. Peers
run in $TORCH_PYTHON (or this python) when they import; a missing one is left out.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from run import target_dir  # noqa: E402

PEER = r'''
import json, sys, time
import numpy as np
which, model_json, train_csv, onnx_path, calls = sys.argv[1:6]
calls = int(calls)
m = json.load(open(model_json))
d = 20
row = (0.1 * np.arange(d)).reshape(1, d)

def timed(f):
    for _ in range(1000):
        f()
    us = []
    for _ in range(calls):
        t = time.perf_counter()
        out = f()
        us.append((time.perf_counter() - t) * 1e6)
    us.sort()
    return {"side": which, "calls": calls, "p50_us": us[calls // 2], "p99_us": us[min(calls - 1, int(calls * 0.99))],
            "mean_us": sum(us) / calls, "probability": float(np.asarray(out).ravel()[-1])}

if which == "scikit-learn":
    import warnings
    from sklearn.neural_network import MLPClassifier
    a = np.loadtxt(train_csv, delimiter=",", skiprows=1)
    warnings.filterwarnings("ignore")
    clf = MLPClassifier(hidden_layer_sizes=(100,), max_iter=20, random_state=69).fit(a[:, :-1], a[:, -1])
    print(json.dumps(timed(lambda: clf.predict_proba(row))))
elif which == "PyTorch":
    import torch
    torch.set_grad_enabled(False)
    (l1, l2), st = m["layers"], m["standardizer"]
    mean, std = torch.tensor(st["mean"], dtype=torch.float64), torch.tensor(st["std"], dtype=torch.float64)
    net = torch.nn.Sequential(torch.nn.Linear(d, 100, dtype=torch.float64), torch.nn.ReLU(),
                              torch.nn.Linear(100, 1, dtype=torch.float64), torch.nn.Sigmoid())
    for lin, l in ((net[0], l1), (net[2], l2)):
        lin.weight.copy_(torch.tensor(l["weights"], dtype=torch.float64))
        lin.bias.copy_(torch.tensor(l["bias"], dtype=torch.float64))
    x = torch.from_numpy(row)
    print(json.dumps(timed(lambda: net((x - mean) / std))))
elif which == "ONNX Runtime":
    import onnxruntime as ort
    opts = ort.SessionOptions()
    sess = ort.InferenceSession(onnx_path, opts, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    feed = {name: row.astype(np.float64)}
    r = timed(lambda: sess.run(["probabilities"], feed)[0])
    print(json.dumps(r))
'''

# a Python process as a practitioner runs it: import scikit-learn, load a joblib model, predict
E2E = r'''
import sys, joblib, numpy as np
clf = joblib.load(sys.argv[1])
print(clf.predict((0.1 * np.arange(20)).reshape(1, 20))[0])
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=50, help="end-to-end process runs")
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "scratchnet-cli", "--bin", "scratchnet"],
                   cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "latency"], cwd=ROOT, check=True)
    target = target_dir()
    cli = os.path.join(target, "release/scratchnet")
    data = os.path.join(target, "bench-data")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench/peers/practitioner_data.py"), data], check=True)
    work = tempfile.mkdtemp(prefix="latency-", dir=target)
    train_csv = os.path.join(work, "train.csv")
    with open(os.path.join(data, "w4_train.csv")) as f, open(train_csv, "w") as out:
        out.write(",".join([f"f{j}" for j in range(20)] + ["y"]) + "\n")
        for _ in range(2000):
            out.write(f.readline())
    one_csv = os.path.join(work, "one.csv")
    with open(one_csv, "w") as out:
        out.write(",".join(f"f{j}" for j in range(20)) + "\n" + ",".join(repr(0.1 * j) for j in range(20)) + "\n")
    model = os.path.join(work, "model.json")
    onnx = os.path.join(work, "model.onnx")
    subprocess.run([cli, "train", train_csv, "--hidden", "100", "-o", model, "--json"], check=True,
                   capture_output=True)
    subprocess.run([cli, "export", model, "-o", onnx], check=True, capture_output=True)
    py = os.environ.get("TORCH_PYTHON") or sys.executable
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {args.calls} calls per side\n")
    rows = [json.loads(subprocess.run([os.path.join(target, "release/examples/latency"), model, str(args.calls)],
                                      check=True, capture_output=True, text=True).stdout)]
    for side in ("ONNX Runtime", "PyTorch", "scikit-learn"):
        r = subprocess.run([py, "-c", PEER, side, model, train_csv, onnx, str(args.calls)],
                           capture_output=True, text=True)
        if r.returncode == 0:
            rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
        else:
            print(f"{side}: left out ({r.stderr.strip().splitlines()[-1] if r.stderr.strip() else r.returncode})",
                  file=sys.stderr)
    print("| side | p50 µs | p99 µs | mean µs | p(positive) of the row |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['side']} | {r['p50_us']:.2f} | {r['p99_us']:.2f} | {r['mean_us']:.2f} | {r['probability']:.4f} |")
    # end to end: one process per prediction, interleaved
    e2e = {"scratchnet predict (one-row CSV)": [cli, "predict", model, one_csv]}
    joblib_model = os.path.join(work, "model.joblib")
    fit = ("import sys, joblib, warnings, numpy as np; from sklearn.neural_network import MLPClassifier; "
           "warnings.filterwarnings('ignore'); a = np.loadtxt(sys.argv[1], delimiter=',', skiprows=1); "
           "joblib.dump(MLPClassifier((100,), max_iter=20, random_state=69).fit(a[:, :-1], a[:, -1]), sys.argv[2])")
    if subprocess.run([py, "-c", fit, train_csv, joblib_model], capture_output=True).returncode == 0:
        e2e["python: import scikit-learn, joblib.load, predict"] = [py, "-c", E2E, joblib_model]
    times = {k: [] for k in e2e}
    for i in range(args.runs):
        for k, cmd in e2e.items():
            if k.startswith("python") and i >= max(5, args.runs // 10):
                continue  # a second per run: fewer runs
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times[k].append((time.perf_counter() - t) * 1e3)
    print("\n| end to end, a process per prediction | median ms | range ms | runs |")
    print("|---|---:|---:|---:|")
    for k, t in times.items():
        print(f"| {k} | {statistics.median(t):.2f} | {min(t):.2f}–{max(t):.2f} | {len(t)} |")
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
