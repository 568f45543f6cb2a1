"""scratchnet's Python estimators against scikit-learn's MLPClassifier / MLPRegressor.

Same data, same split, same settings on both sides (scratchnet's defaults, the CLI's tabular
preset, spelled out for scikit-learn): one hidden layer of 64 ReLU units, Adam at 0.003,
mini-batches of 32, at most 500 epochs, the same L2, early stopping on a 10 % validation share.
Inputs standardized on both sides (scratchnet inside the model, scikit-learn by a
StandardScaler in the pipeline). Prints a Markdown table: mean test score over the seeds
(accuracy or R²), median fit and predict wall times, epochs run, and the ratio scikit-learn
time / scratchnet time (above 1: scratchnet is faster).

    python bench/python/bench.py [--seeds 3] [--monitor score|loss] [--datasets breast_cancer,...]

Early stopping, --monitor score (the default, like with like): both sides watch the validation
score (accuracy, R²) with tol = 1e-4 and stop after 20 epochs in a row without a gain above
tol (scikit-learn's n_iter_no_change=19: it stops when its count exceeds the parameter,
scratchnet when it reaches it), keeping the best epoch's weights. --monitor loss: scratchnet's
defaults (the CLI's: the validation loss, tol 0, patience 20) against scikit-learn's score rule.
Both hold out 10 % (scikit-learn stratifies a classifier's validation rows, scratchnet does not).

L2: scratchnet's penalty is (λ/2m)·Σ‖W‖² with m the training rows, added to every batch;
scikit-learn's is (α/2b)·Σ‖W‖² with b the batch's rows. The same step needs α = λ·b/m.
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from sklearn.datasets import (
    fetch_california_housing,
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_wine,
    make_classification,
    make_regression,
)
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import scratchnet

LAMBDA, BATCH, PATIENCE = 2.0, 32, 20


def synthetic_classification():
    return make_classification(
        n_samples=20000, n_features=20, n_informative=10, n_classes=3, random_state=0
    )


def synthetic_regression():
    X, y = make_regression(n_samples=20000, n_features=20, n_informative=10, noise=10, random_state=0)
    return X, y + 0.01 * y**2  # a little curvature


DATASETS = {
    "breast_cancer": ("classification", lambda: load_breast_cancer(return_X_y=True)),
    "wine": ("classification", lambda: load_wine(return_X_y=True)),
    "digits": ("classification", lambda: load_digits(return_X_y=True)),
    "synthetic_clf_20k": ("classification", synthetic_classification),
    "diabetes": ("regression", lambda: load_diabetes(return_X_y=True)),
    "synthetic_reg_20k": ("regression", synthetic_regression),
}


def timed(f):
    start = time.perf_counter()
    out = f()
    return out, time.perf_counter() - start


def run(name, task, X, y, seed, monitor):
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed)
    m = int(len(Xtr) * 0.9)  # scratchnet's training rows after its 10 % validation share
    common = dict(hidden_layer_sizes=(64,), activation="relu", batch_size=BATCH, max_iter=500,
                  early_stopping=True, validation_fraction=0.1, random_state=seed)
    stopping = dict(monitor="score", tol=1e-4) if monitor == "score" else dict(monitor="loss", tol=0.0)
    sk = dict(solver="adam", learning_rate_init=0.003, alpha=LAMBDA * BATCH / m, tol=1e-4,
              n_iter_no_change=PATIENCE - 1)
    if task == "classification":
        ours = scratchnet.MLPClassifier(**common, **stopping, n_iter_no_change=PATIENCE)
        theirs = SkClassifier(**common, **sk)
    else:
        ours = scratchnet.MLPRegressor(**common, **stopping, n_iter_no_change=PATIENCE)
        theirs = SkRegressor(**common, **sk)
    theirs = make_pipeline(StandardScaler(), theirs)
    rows = {}
    for side, est in [("scratchnet", ours), ("scikit-learn", theirs)]:
        _, fit_s = timed(lambda: est.fit(Xtr, ytr))
        _, pred_s = timed(lambda: est.predict(Xte))
        score = est.score(Xte, yte)
        epochs = est.n_iter_ if side == "scratchnet" else est[-1].n_iter_
        rows[side] = (score, fit_s, pred_s, epochs)
    return rows


def main():
    warnings.filterwarnings("ignore", message=".*Maximum iterations")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--monitor", choices=["score", "loss"], default="score",
                    help="scratchnet's early stopping: score (as scikit-learn's) or loss (its default)")
    ap.add_argument("--california", action="store_true",
                    help="also California housing (20,640 rows; downloaded by scikit-learn once)")
    args = ap.parse_args()
    names = args.datasets.split(",")
    if args.california:
        DATASETS["california"] = ("regression", lambda: fetch_california_housing(return_X_y=True))
        names.append("california")
    import sklearn
    rule = ("both: validation score, tol 1e-4, 20 epochs without a gain" if args.monitor == "score"
            else "scratchnet: validation loss, tol 0, patience 20 (its default); "
                 "scikit-learn: validation score, tol 1e-4, 20 epochs")
    print(f"scratchnet {scratchnet.__version__}, {scratchnet.threads()} threads; scikit-learn "
          f"{sklearn.__version__}; {args.seeds} seeds; times are medians, scores means; "
          f"early stopping on a 10 % validation share, {rule}")
    print()
    print("| data | task | rows × cols | score scratchnet | score sklearn | fit s scratchnet | fit s sklearn "
          "| fit speed-up | epochs scratchnet / sklearn | per-epoch speed-up | predict ms scratchnet "
          "| predict ms sklearn |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in names:
        task, load = DATASETS[name]
        X, y = load()
        results = [run(name, task, X, y, seed, args.monitor) for seed in range(args.seeds)]
        col = {side: list(zip(*[r[side] for r in results])) for side in ("scratchnet", "scikit-learn")}
        s, k = col["scratchnet"], col["scikit-learn"]
        fit_s, fit_k = statistics.median(s[1]), statistics.median(k[1])
        per_epoch = statistics.median(b / (1 + e) for b, e in zip(k[1], k[3])) / statistics.median(
            a / (1 + e) for a, e in zip(s[1], s[3]))
        print(f"| {name} | {task} | {X.shape[0]} × {X.shape[1]} | {np.mean(s[0]):.4f} | {np.mean(k[0]):.4f} "
              f"| {fit_s:.3f} | {fit_k:.3f} | {fit_k / fit_s:.1f}× "
              f"| {statistics.median(s[3]):.0f} / {statistics.median(k[3]):.0f} "
              f"| {per_epoch:.1f}× "
              f"| {1000 * statistics.median(s[2]):.2f} | {1000 * statistics.median(k[2]):.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
