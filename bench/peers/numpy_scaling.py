"""The scaling curves of bench/README.md in numpy: seconds per full-batch epoch (forward, loss,
backward, update; the tutorial's vectorized code) of 2-H-1 tanh/sigmoid networks, H = 4 as the
samples grow and m = 10,000 as the width grows; the same sizes and protocol as scratchnet's
`workloads scaling`. Prints one JSON line per point.
"""
import json
import time

import numpy as np

from numpy_workloads import tutorial_epochs  # the same tutorial code as W1


def per_epoch(m, h):
    i = np.arange(m)
    X = np.vstack([np.sin(i * 3 * 0.001) * 2.0, np.sin(i * 4 * 0.001) * 2.0])
    Y = ((X[0] * X[1]) > 0).astype(float).reshape(1, -1)
    rng = np.random.default_rng(1)
    lim1, lim2 = np.sqrt(6 / (2 + h)), np.sqrt(6 / (h + 1))
    W1, b1 = rng.uniform(-lim1, lim1, (h, 2)), np.zeros((h, 1))
    W2, b2 = rng.uniform(-lim2, lim2, (1, h)), np.zeros((1, 1))

    def epochs(n):
        start = time.perf_counter()
        loss = tutorial_epochs(W1, b1, W2, b2, X, Y, 0.5, n)
        assert np.isfinite(loss)
        return time.perf_counter() - start

    one = epochs(1)
    n = int(min(max(0.3 / one, 3), 100_000))
    return epochs(n) / n


if __name__ == "__main__":
    for m in [1_000, 3_162, 10_000, 31_623, 100_000, 316_228, 1_000_000]:
        print(json.dumps({"sweep": "samples", "size": m, "seconds_per_epoch": per_epoch(m, 4)}), flush=True)
    for h in [4, 16, 64, 256, 1024]:
        print(json.dumps({"sweep": "width", "size": h, "seconds_per_epoch": per_epoch(10_000, h)}), flush=True)
