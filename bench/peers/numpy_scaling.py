"""The scaling curves of bench/README.md in numpy: seconds per full-batch epoch (forward, loss,
backward, update; the tutorial's vectorized code) of 2-H-1 tanh/sigmoid networks, H = 4 as the
samples grow and m = 10,000 as the width grows; the same sizes and protocol as scratchnet's
`workloads scaling`. Prints one JSON line per point.
"""
import json
import time

import numpy as np


def per_epoch(m, h):
    i = np.arange(m)
    X = np.vstack([np.sin(i * 3 * 0.001) * 2.0, np.sin(i * 4 * 0.001) * 2.0])
    Y = ((X[0] * X[1]) > 0).astype(float).reshape(1, -1)
    rng = np.random.default_rng(1)
    lim1, lim2 = np.sqrt(6 / (2 + h)), np.sqrt(6 / (h + 1))
    W1, b1 = rng.uniform(-lim1, lim1, (h, 2)), np.zeros((h, 1))
    W2, b2 = rng.uniform(-lim2, lim2, (1, h)), np.zeros((1, 1))
    lr = 0.5

    def epochs(n):
        nonlocal W1, b1, W2, b2
        start = time.perf_counter()
        for _ in range(n):
            Z1 = W1 @ X + b1
            A1 = np.tanh(Z1)
            Z2 = W2 @ A1 + b2
            A2 = 1.0 / (1.0 + np.exp(-Z2))
            loss = -np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))
            dZ2 = A2 - Y
            dW2 = dZ2 @ A1.T / m
            db2 = dZ2.sum(axis=1, keepdims=True) / m
            dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
            dW1 = dZ1 @ X.T / m
            db1 = dZ1.sum(axis=1, keepdims=True) / m
            W1 -= lr * dW1
            b1 -= lr * db1
            W2 -= lr * dW2
            b2 -= lr * db2
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
