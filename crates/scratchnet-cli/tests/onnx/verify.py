#!/usr/bin/env python3
"""Checks `scratchnet export` against two independent ONNX runtimes.

For every case (binary, 3-class and regression; each hidden activation; depth 0 to 3; raw
tables with categorical columns, missing values, missing indicators, pooled categories and
an unseen category; a decision threshold; opsets 17 and 21) it trains a model with the CLI,
exports it in f64 and f32, runs `onnx.checker.check_model` (full check), runs the graph in
ONNX Runtime and in the `onnx` package's pure-Python `ReferenceEvaluator` (independent of
ONNX Runtime), and compares both with `scratchnet predict --proba` on the same raw rows:
max |difference| <= 1e-12 in f64 and <= 1e-5 in f32, and the same labels (in f32, except
where a probability is within 1e-5 of the threshold). Prints a table of the max differences
and exits 1 on any failure.

Usage: verify.py PATH/TO/scratchnet [WORKDIR]
"""

import csv
import json
import math
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx.reference import ReferenceEvaluator

TOL = {"f64": 1e-12, "f32": 1e-5}
ACTIVATIONS = ["identity", "tanh", "sigmoid", "relu", "leaky-relu"]
DEPTHS = {0: "", 1: "8", 2: "8,6", 3: "8,6,4"}
NA = {"", "na", "nan", "null", "?"}


def run(args, **kw):
    out = subprocess.run(args, capture_output=True, text=True, **kw)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({out.returncode}): {out.stderr.strip()}")
    return out.stdout


def raw_table(path, rows, seed, task, unseen=False):
    """A table with an ID column, two numeric columns with missing values (and text), a
    categorical column with missing values, a many-valued code column (pooled with
    --max-categories) and a target."""
    rng = random.Random(seed)
    colors = ["red", "green", "blue"]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "a", "b", "color", "code", "y"])
        for i in range(rows):
            a = rng.gauss(0, 2)
            b = rng.uniform(-3, 3)
            color = rng.choice(colors)
            code = f"c{rng.randint(0, 7)}"
            score = a + (1.5 if color == "red" else -1.0 if color == "blue" else 0) + 0.5 * b
            score += 0.3 * int(code[1:]) - 1 + rng.gauss(0, 0.5)
            if task == "binary":
                y = "yes" if score > 0 else "no"
            elif task == "multiclass":
                y = "low" if score < -1 else "mid" if score < 1.5 else "high"
            else:
                y = repr(round(score, 6))
            a_text = repr(a) if rng.random() > 0.1 else rng.choice(["NA", "", "nan"])
            b_text = repr(b) if rng.random() > 0.1 else rng.choice(["?", "Null", "NA"])
            if unseen and rng.random() < 0.05:
                b_text = "abc"  # text in a numeric column: read as missing
            if rng.random() < 0.1:
                color = rng.choice(["NA", "", "na", "?"])
            if unseen and rng.random() < 0.05:
                color = "purple"  # a category the model has not seen: all zeros
            w.writerow([i + 1, a_text, b_text, f" {color}" if i % 7 == 0 else color, code, y])


def feeds(session_inputs, meta, rows):
    """The graph's inputs for raw CSV rows (dicts), as the module docs of `onnx` say."""
    names = json.loads(meta["inputs"])
    types = {i.name: i for i in session_inputs}
    out = {}
    if names == ["input"]:
        ftype = np.float64 if meta["precision"] == "f64" else np.float32
        out["input"] = np.array(
            [[float(r[f]) for f in json.loads(meta["features"])] for r in rows], dtype=ftype
        )
        return out
    for name in names:
        kind = types[name].type
        values = [r[name].strip() for r in rows]
        if kind == "tensor(string)":
            out[name] = np.array(values, dtype=object)
        else:
            ftype = np.float64 if kind == "tensor(double)" else np.float32
            out[name] = np.array([number(v) for v in values], dtype=ftype)
    return out


def number(text):
    if text.lower() in NA:
        return math.nan
    try:
        return float(text)
    except ValueError:
        return math.nan


def check_case(exe, work, name, data, train_flags, predict_data=None, opsets=(None,)):
    """Trains, exports and compares one case; returns its table rows."""
    model = os.path.join(work, f"{name}.json")
    run([exe, "train", data, "-o", model, "--seed", "7", *train_flags])
    predict_data = predict_data or data
    m = json.load(open(model))
    regression = not m["classes"]
    flags = [] if regression else ["--proba"]
    expected = list(csv.DictReader(run([exe, "predict", model, predict_data, *flags]).splitlines()))
    rows = list(csv.DictReader(open(predict_data, newline="")))
    assert len(rows) == len(expected), "predict dropped rows"
    if regression:
        want = np.array([[float(e["prediction"])] for e in expected])
    else:
        want = np.array([[float(e[f"proba_{c}"]) for c in m["classes"]] for e in expected])
    want_labels = [e["prediction"] for e in expected]
    threshold = m.get("threshold", 0.5)
    results = []
    for opset in opsets:
        for precision in ("f64", "f32"):
            path = os.path.join(work, f"{name}-{precision}-{opset or 'default'}.onnx")
            cmd = [exe, "export", model, "-o", path, "--precision", precision]
            if opset:
                cmd += ["--opset", str(opset)]
            run(cmd)
            proto = onnx.load(path)
            onnx.checker.check_model(proto, full_check=True)
            meta = {p.key: p.value for p in proto.metadata_props}
            version = proto.opset_import[0].version
            session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            inputs = feeds(session.get_inputs(), meta, rows)
            diffs, ok = {}, True
            for runtime, outputs in (
                ("ort", session.run(None, inputs)),
                ("ref", ReferenceEvaluator(proto).run(None, inputs)),
            ):
                got = np.asarray(outputs[0], dtype=np.float64)
                if got.shape != want.shape:
                    diffs[runtime] = math.inf
                    ok = False
                    continue
                diffs[runtime] = float(np.abs(got - want).max())
                ok &= diffs[runtime] <= TOL[precision]
                if not regression:
                    labels = [str(v) for v in outputs[1]]
                    for j, (a, b) in enumerate(zip(labels, want_labels)):
                        if a == b:
                            continue
                        near = len(m["classes"]) == 2 and abs(want[j, 1] - threshold) < 1e-5
                        if not (precision == "f32" and near):
                            ok = False
            results.append((name, precision, version, diffs["ort"], diffs["ref"], ok))
    return results


def readme_example(exe, work):
    """Runs the README's onnxruntime example (its Deploy section's python block) on the
    tutorial's model of the flower data, in a directory of its own."""
    readme = open(os.path.join(os.path.dirname(__file__), "../../../../README.md")).read()
    section = readme[readme.index("## Deploy"):]
    start = section.index("```python\n") + len("```python\n")
    block = section[start:section.index("```", start)]
    assert len(block.strip().splitlines()) == 6, "the README's example has 6 lines"
    d = os.path.join(work, "readme")
    os.makedirs(d, exist_ok=True)
    run([exe, "generate", "flower", "-o", os.path.join(d, "flower.csv")])
    run([exe, "train", "flower.csv", "--preset", "tutorial", "-o", "model.json"], cwd=d)
    run([exe, "export", "model.json", "-o", "model.onnx"], cwd=d)
    out = run([sys.executable, "-c", block], cwd=d)
    assert "[" in out, out
    print("README example runs:", " ".join(out.split())[:100])


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    exe = os.path.abspath(sys.argv[1])
    work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="scratchnet-onnx-")
    os.makedirs(work, exist_ok=True)
    sets = {}
    for task, kind, extra in (
        ("binary", "moons", []),
        ("multiclass", "spiral", ["--classes", "3"]),
        ("regression", "sine", []),
    ):
        path = os.path.join(work, f"{kind}.csv")
        run([exe, "generate", kind, "-n", "300", "-o", path, *extra])
        sets[task] = path
    short = ["--epochs", "60", "--validation", "0"]
    cases = []
    for task, data in sets.items():
        task_flags = ["--task", "regression"] if task == "regression" else []
        for depth, hidden in DEPTHS.items():
            for act in ACTIVATIONS if depth else ["-"]:
                flags = [*task_flags, *short, "--hidden", hidden]
                if depth:
                    flags += ["--activation", act]
                cases.append((f"{task}-d{depth}-{act}", data, flags, None, (None,)))
    cases.append(
        ("binary-tutorial-opsets", sets["binary"], ["--preset", "tutorial", "--epochs", "300"],
         None, (17, 21))
    )
    cases.append(("binary-threshold", sets["binary"], [*short, "--threshold", "0.3"], None, (None,)))
    for task in ("binary", "multiclass", "regression"):
        train = os.path.join(work, f"raw-{task}.csv")
        new = os.path.join(work, f"raw-{task}-new.csv")
        raw_table(train, 400, 11, task)
        raw_table(new, 200, 12, task, unseen=True)
        task_flags = ["--task", "regression"] if task == "regression" else []
        base = [*task_flags, *short, "--hidden", "8,4", "--activation", "tanh"]
        cases.append((f"raw-{task}", train, base, new, (None,)))
        cases.append(
            (f"raw-{task}-indicators-pooled", train,
             [*base, "--missing-indicators", "--max-categories", "4", "--impute", "mean"],
             new, (None,) if task != "binary" else (None, 21))
        )
    results, failed = [], 0
    try:
        readme_example(exe, work)
    except Exception as e:  # noqa: BLE001 - reported as a failure
        print(f"FAIL README example: {e}")
        failed += 1
    for name, data, flags, new, opsets in cases:
        try:
            results += check_case(exe, work, name, data, flags, new, opsets)
        except Exception as e:  # noqa: BLE001 - reported as a failed case
            print(f"FAIL {name}: {e}")
            failed += 1
    print(f"{'case':40} {'type':4} {'opset':>5} {'ONNX Runtime':>13} {'reference':>13}  ok")
    for name, precision, opset, d_ort, d_ref, ok in results:
        print(f"{name:40} {precision:4} {opset:>5} {d_ort:13.3e} {d_ref:13.3e}  {'ok' if ok else 'FAIL'}")
        failed += not ok
    for precision in ("f64", "f32"):
        worst = [max(r[3], r[4]) for r in results if r[1] == precision]
        print(f"max over {len(worst)} {precision} exports: {max(worst):.3e} (limit {TOL[precision]:g})")
    print(f"onnx {onnx.__version__}, onnxruntime {ort.__version__}, numpy {np.__version__}")
    if failed:
        print(f"{failed} failures")
        sys.exit(1)
    print("all ONNX exports agree with scratchnet predict")


if __name__ == "__main__":
    main()
