"""W1 and W2 with scikit-learn's MLPClassifier (solver sgd, the same settings); W4 and W5 with
its defaults (Adam, batch 200 or 128, alpha 1e-4, Glorot-uniform weights).

python3 sklearn_workloads.py w1|w2 FIXTURE.json -> one JSON line.
python3 sklearn_workloads.py w4|w5 DATA_DIR     -> one JSON line (the tables of practitioner_data.py).
"""
import json
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def run(X, Y, hidden, epochs, lr, batch):
    # plain SGD: no momentum, no L2, constant rate, every epoch run (no early stop)
    clf = MLPClassifier(hidden_layer_sizes=hidden, activation="tanh", solver="sgd", learning_rate_init=lr,
                        learning_rate="constant", momentum=0.0, nesterovs_momentum=False, alpha=0.0,
                        batch_size=batch, max_iter=epochs, tol=0.0, n_iter_no_change=10 ** 9,
                        shuffle=True, random_state=69)
    start = time.perf_counter()
    clf.fit(X, Y)
    s = time.perf_counter() - start
    return s, float(clf.score(X, Y))


def practitioner(which, data):
    """W4: MLPClassifier() as it comes (100 ReLU units, Adam 1e-3, batch 200, alpha 1e-4), 20
    epochs; W5: hidden (128, 64), batch 128, 10 epochs. Every epoch runs (no early stop, tol 0)."""
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from practitioner_data import load
    X, y = load(f"{data}/{which}_train.csv")
    Xt, yt = load(f"{data}/{which}_test.csv")
    hidden, batch, epochs = ((100,), 200, 20) if which == "w4" else ((128, 64), 128, 10)
    clf = MLPClassifier(hidden_layer_sizes=hidden, batch_size=batch, max_iter=epochs, tol=0.0,
                        n_iter_no_change=10 ** 9, random_state=69)
    start = time.perf_counter()
    clf.fit(X, y)
    s = time.perf_counter() - start
    return {"workload": which, "seconds": s, "per_epoch_s": s / epochs,
            "accuracy": float(clf.score(Xt, yt)), "final_loss": float(clf.loss_curve_[-1])}


if __name__ == "__main__":
    if sys.argv[1] in ("w4", "w5"):
        print(json.dumps(practitioner(sys.argv[1], sys.argv[2])))
        sys.exit()
    which = sys.argv[1]
    f = json.load(open(sys.argv[2]))
    if which == "w1":
        X, Y = np.array(f["X"]).T, np.array(f["Y"]).astype(int)
        s, acc = run(X, Y, (4,), 10_000, 1.2, 320)
        print(json.dumps({"workload": "w1", "seconds": s, "per_epoch_us": s / 10_000 * 1e6, "accuracy": acc}))
    elif which == "w2":
        sys.path.insert(0, __file__.rsplit("/", 1)[0])
        from numpy_workloads import w2_data
        X, Y = w2_data(100_000)
        s, acc = run(X.T, Y.ravel().astype(int), (256, 256), 5, 0.05, 256)
        print(json.dumps({"workload": "w2", "seconds": s, "per_epoch_s": s / 5, "accuracy": acc}))
    else:
        sys.exit(f"sklearn has no workload {which}")
