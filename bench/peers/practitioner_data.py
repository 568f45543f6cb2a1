"""The tables of the practitioner workloads W4 and W5 (bench/README.md), written once as CSV so
that every side (scratchnet, scikit-learn, PyTorch, FANN) trains on the same bytes.

    python3 practitioner_data.py OUT_DIR  ->  OUT_DIR/w4_train.csv, w4_test.csv, w5_train.csv, w5_test.csv

Rows: features, then the class (0..k-1), comma-separated, no header, 17 significant digits.
scikit-learn's make_classification with fixed seeds: W4 20 features (10 informative), 2 classes;
W5 64 features (32 informative), 10 classes. 50,000 training rows and 10,000 test rows each.
"""
import os
import sys

import numpy as np
from sklearn.datasets import make_classification

TABLES = {
    "w4": dict(n_features=20, n_informative=10, n_redundant=5, n_classes=2,
               n_clusters_per_class=2, flip_y=0.01, class_sep=1.0, random_state=4),
    "w5": dict(n_features=64, n_informative=32, n_redundant=16, n_classes=10,
               n_clusters_per_class=2, flip_y=0.01, class_sep=1.5, random_state=5),
}
TRAIN, TEST = 50_000, 10_000


def write(path, x, y):
    tmp = path + ".tmp"
    np.savetxt(tmp, np.column_stack([x, y]), delimiter=",", fmt="%.17g")
    os.replace(tmp, path)


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, params in TABLES.items():
        if all(os.path.exists(os.path.join(out, f"{name}_{s}.csv")) for s in ("train", "test")):
            continue
        x, y = make_classification(n_samples=TRAIN + TEST, **params)
        write(os.path.join(out, f"{name}_train.csv"), x[:TRAIN], y[:TRAIN])
        write(os.path.join(out, f"{name}_test.csv"), x[TRAIN:], y[TRAIN:])


def load(path):
    """(X rows × features, y ints) of one of the tables."""
    a = np.loadtxt(path, delimiter=",")
    return np.ascontiguousarray(a[:, :-1]), a[:, -1].astype(np.int64)


if __name__ == "__main__":
    main(sys.argv[1])
