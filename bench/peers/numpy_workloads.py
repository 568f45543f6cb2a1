"""The benchmark workloads of bench/README.md in numpy: the tutorial's vectorized code.

python3 numpy_workloads.py w1|w2|w3 FIXTURE.json  ->  one JSON line, like scratchnet's
`examples/workloads.rs`.
"""
import json
import sys
import time

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def tutorial_epochs(W1, b1, W2, b2, X, Y, lr, n):
    """n full-batch epochs of the tutorial's vectorized code (forward, loss, backward, update),
    updating W1, b1, W2, b2 in place; returns the last epoch's loss."""
    m = X.shape[1]
    loss = float("nan")
    for _ in range(n):
        Z1 = W1 @ X + b1
        A1 = np.tanh(Z1)
        Z2 = W2 @ A1 + b2
        A2 = sigmoid(Z2)
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
    return loss


def w1(f):
    # 2-4-1 tanh/sigmoid, 320 standardized samples, 10,000 full-batch epochs, lr 1.2,
    # loss computed every epoch; same initial weights as scratchnet.
    X = np.array(f["X"])
    Y = np.array(f["Y"]).reshape(1, -1)
    p = f["initial"]
    W1, b1 = np.array(p["W1"]), np.array(p["b1"]).reshape(-1, 1)
    W2, b2 = np.array(p["W2"]), np.array(p["b2"]).reshape(-1, 1)
    start = time.perf_counter()
    loss = tutorial_epochs(W1, b1, W2, b2, X, Y, 1.2, 10_000)
    s = time.perf_counter() - start
    A2 = sigmoid(W2 @ np.tanh(W1 @ X + b1) + b2)
    acc = float(np.mean((A2 > 0.5) == (Y > 0.5)))
    return {"workload": "w1", "seconds": s, "per_epoch_us": s / 10_000 * 1e6, "accuracy": acc, "final_loss": float(loss)}


def w2_data(m):
    i = np.arange(m).reshape(1, -1)
    j = np.arange(32).reshape(-1, 1)
    X = np.sin(0.001 * i * (j + 1) + j)
    Y = ((np.cos(np.arange(32)) @ X) > 0).astype(float).reshape(1, -1)
    return X, Y


def w2(_f):
    # 32-256-256-1 tanh, mini-batch 256, lr 0.05, 5 epochs, 100,000 samples (the same formula
    # as scratchnet's), Xavier-uniform weights, seeded shuffles.
    X, Y = w2_data(100_000)
    rng = np.random.default_rng(69)
    sizes = [32, 256, 256, 1]
    Ws = [rng.uniform(-np.sqrt(6 / (a + b)), np.sqrt(6 / (a + b)), (b, a)) for a, b in zip(sizes, sizes[1:])]
    bs = [np.zeros((b, 1)) for b in sizes[1:]]
    lr, m = 0.05, X.shape[1]
    start = time.perf_counter()
    for _ in range(5):
        order = rng.permutation(m)
        for k in range(0, m, 256):
            idx = order[k:k + 256]
            xb, yb = X[:, idx], Y[:, idx]
            As = [xb]
            for l in range(3):
                z = Ws[l] @ As[-1] + bs[l]
                As.append(np.tanh(z) if l < 2 else sigmoid(z))
            n = xb.shape[1]
            dz = As[-1] - yb
            for l in (2, 1, 0):
                dW = dz @ As[l].T / n
                db = dz.sum(axis=1, keepdims=True) / n
                if l > 0:
                    dz = (Ws[l].T @ dz) * (1 - As[l] ** 2)
                Ws[l] -= lr * dW
                bs[l] -= lr * db
    s = time.perf_counter() - start
    a = X
    for l in range(3):
        z = Ws[l] @ a + bs[l]
        a = np.tanh(z) if l < 2 else sigmoid(z)
    acc = float(np.mean((a > 0.5) == (Y > 0.5)))
    return {"workload": "w2", "seconds": s, "per_epoch_s": s / 5, "accuracy": acc}


def w3(f):
    # probabilities for 1,000,000 × 2 samples through the trained 2-4-1 model (epoch 5000 of
    # the fixture), the same inputs as scratchnet's
    p = f["steps"][6]
    W1, b1 = np.array(p["W1"]), np.array(p["b1"]).reshape(-1, 1)
    W2, b2 = np.array(p["W2"]), np.array(p["b2"]).reshape(-1, 1)
    i = np.arange(1_000_000)
    X = np.vstack([np.sin(i * 0.001) * 2.0, np.cos(i * 0.0007) * 2.0])
    # steady state: 5 warm-up calls, then the median of 10 timed calls (the same on every side)
    times = []
    for k in range(15):
        start = time.perf_counter()
        A2 = sigmoid(W2 @ np.tanh(W1 @ X + b1) + b2)
        if k >= 5:
            times.append(time.perf_counter() - start)
    s = sorted(times)[5]
    return {"workload": "w3", "seconds": s, "mean_probability": float(A2.mean())}


if __name__ == "__main__":
    which = sys.argv[1]
    fixture = json.load(open(sys.argv[2]))
    print(json.dumps({"w1": w1, "w2": w2, "w3": w3}[which](fixture)))
