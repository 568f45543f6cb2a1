"""The benchmark workloads of bench/README.md in PyTorch (CPU, float64).

python torch_workloads.py w1|w2|w3 FIXTURE.json [manual|autograd]  ->  one JSON line, like
numpy_workloads.py and scratchnet's `examples/workloads.rs`.
python torch_workloads.py w4|w5 DATA_DIR [f64|f32]  ->  the practitioner workloads the way a
PyTorch user writes them (nn.Linear, autograd, torch.optim.Adam), with scikit-learn's settings.

The default, `manual`, is numpy_workloads.py line for line with torch tensors: the same
vectorized forward and hand-written backward pass, so the difference is the kernels (MKL GEMM,
torch's tanh/sigmoid, its dispatcher overhead per op). `autograd` computes the same gradients
with binary_cross_entropy_with_logits(...).backward() instead (W1, W2 only; not used by run.py).
The data, W1's initial weights (from the fixture), W2's Xavier-uniform weights and its shuffles
are those of numpy_workloads.py (the same numpy generator, seed 69), so the run is numpy's twin
and the accuracies agree.
"""
import json
import os
import sys
import time

import numpy as np
import torch

sys.dont_write_bytecode = True  # no __pycache__ in bench/peers
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_workloads import w2_data  # noqa: E402  (the same data formula as every side)

F64 = torch.float64

# autograd's loss: the cross-entropy of sigmoid(z), computed from z (log(1 - sigmoid(z)) is -inf
# once sigmoid(z) rounds to 1, which W2's saturated outputs reach); its gradient in z is
# (sigmoid(z) - y) / n, the manual backward pass's dZ
bce_with_logits = torch.nn.functional.binary_cross_entropy_with_logits


def t(a):
    return torch.tensor(a, dtype=F64)


def w1(f, mode):
    # 2-4-1 tanh/sigmoid, 320 standardized samples, 10,000 full-batch epochs, lr 1.2,
    # loss computed every epoch; same initial weights as scratchnet.
    X = t(f["X"])
    Y = t(f["Y"]).reshape(1, -1)
    p = f["initial"]
    W1, b1 = t(p["W1"]), t(p["b1"]).reshape(-1, 1)
    W2, b2 = t(p["W2"]), t(p["b2"]).reshape(-1, 1)
    m = X.shape[1]
    lr = 1.2
    if mode == "manual":
        with torch.no_grad():
            start = time.perf_counter()
            for _ in range(10_000):
                Z1 = W1 @ X + b1
                A1 = torch.tanh(Z1)
                Z2 = W2 @ A1 + b2
                A2 = torch.sigmoid(Z2)
                loss = -torch.mean(Y * torch.log(A2) + (1 - Y) * torch.log(1 - A2))
                dZ2 = A2 - Y
                dW2 = dZ2 @ A1.T / m
                db2 = dZ2.sum(dim=1, keepdim=True) / m
                dZ1 = (W2.T @ dZ2) * (1 - A1 ** 2)
                dW1 = dZ1 @ X.T / m
                db1 = dZ1.sum(dim=1, keepdim=True) / m
                W1 -= lr * dW1
                b1 -= lr * db1
                W2 -= lr * dW2
                b2 -= lr * db2
            s = time.perf_counter() - start
    else:
        params = [W1, b1, W2, b2]
        for q in params:
            q.requires_grad_(True)
        start = time.perf_counter()
        for _ in range(10_000):
            Z2 = W2 @ torch.tanh(W1 @ X + b1) + b2
            loss = bce_with_logits(Z2, Y)
            loss.backward()
            with torch.no_grad():
                for q in params:
                    q -= lr * q.grad
                    q.grad = None
        s = time.perf_counter() - start
    with torch.no_grad():
        A2 = torch.sigmoid(W2 @ torch.tanh(W1 @ X + b1) + b2)
        acc = float(((A2 > 0.5) == (Y > 0.5)).double().mean())
    return {"workload": "w1", "mode": mode, "seconds": s, "per_epoch_us": s / 10_000 * 1e6,
            "accuracy": acc, "final_loss": float(loss.detach())}


def w2(_f, mode, dtype=F64):
    # 32-256-256-1 tanh, mini-batch 256, lr 0.05, 5 epochs, 100,000 samples (the same formula
    # as scratchnet's), Xavier-uniform weights, seeded shuffles; `w2-f32`: the same in float32.
    Xn, Yn = w2_data(100_000)
    X, Y = torch.from_numpy(Xn).to(dtype), torch.from_numpy(Yn).to(dtype)
    rng = np.random.default_rng(69)
    sizes = [32, 256, 256, 1]
    Ws = [torch.from_numpy(rng.uniform(-np.sqrt(6 / (a + b)), np.sqrt(6 / (a + b)), (b, a))).to(dtype)
          for a, b in zip(sizes, sizes[1:])]
    bs = [torch.zeros((b, 1), dtype=dtype) for b in sizes[1:]]
    lr, m = 0.05, X.shape[1]
    if mode == "autograd":
        for q in Ws + bs:
            q.requires_grad_(True)
    start = time.perf_counter()
    for _ in range(5):
        order = torch.from_numpy(rng.permutation(m))
        for k in range(0, m, 256):
            idx = order[k:k + 256]
            xb, yb = X[:, idx], Y[:, idx]
            if mode == "manual":
                with torch.no_grad():
                    As = [xb]
                    for l in range(3):
                        z = Ws[l] @ As[-1] + bs[l]
                        As.append(torch.tanh(z) if l < 2 else torch.sigmoid(z))
                    n = xb.shape[1]
                    dz = As[-1] - yb
                    for l in (2, 1, 0):
                        dW = dz @ As[l].T / n
                        db = dz.sum(dim=1, keepdim=True) / n
                        if l > 0:
                            dz = (Ws[l].T @ dz) * (1 - As[l] ** 2)
                        Ws[l] -= lr * dW
                        bs[l] -= lr * db
            else:
                a = xb
                for l in range(3):
                    z = Ws[l] @ a + bs[l]
                    a = torch.tanh(z) if l < 2 else z
                bce_with_logits(a, yb).backward()
                with torch.no_grad():
                    for q in Ws + bs:
                        q -= lr * q.grad
                        q.grad = None
    s = time.perf_counter() - start
    with torch.no_grad():
        a = X
        for l in range(3):
            z = Ws[l] @ a + bs[l]
            a = torch.tanh(z) if l < 2 else torch.sigmoid(z)
        acc = float(((a > 0.5) == (Y > 0.5)).double().mean())
    return {"workload": "w2" if dtype == F64 else "w2-f32", "mode": mode, "seconds": s, "per_epoch_s": s / 5, "accuracy": acc}


def w3(f, _mode):
    # probabilities for 1,000,000 × 2 samples through the trained 2-4-1 model (epoch 5000 of
    # the fixture), the same inputs as scratchnet's
    p = f["steps"][6]
    W1, b1 = t(p["W1"]), t(p["b1"]).reshape(-1, 1)
    W2, b2 = t(p["W2"]), t(p["b2"]).reshape(-1, 1)
    i = np.arange(1_000_000)
    X = torch.from_numpy(np.vstack([np.sin(i * 0.001) * 2.0, np.cos(i * 0.0007) * 2.0]))
    # steady state: 5 warm-up calls, then the median of 10 timed calls (the same on every side)
    times = []
    with torch.no_grad():
        for k in range(15):
            start = time.perf_counter()
            A2 = torch.sigmoid(W2 @ torch.tanh(W1 @ X + b1) + b2)
            if k >= 5:
                times.append(time.perf_counter() - start)
    s = sorted(times)[5]
    return {"workload": "w3", "seconds": s, "mean_probability": float(A2.mean())}


def practitioner(which, data, precision):
    """W4/W5 as scikit-learn's MLPClassifier trains them: Glorot-uniform weights, zero biases
    (scikit-learn draws its biases from the same uniform), Adam 1e-3, its L2 α/(2·batch)·Σ‖W‖²
    added to each batch's mean loss, a fresh shuffle every epoch, every epoch run."""
    from practitioner_data import load
    dtype = torch.float64 if precision == "f64" else torch.float32
    torch.manual_seed(69)
    if os.environ.get("TORCH_THREADS"):
        torch.set_num_threads(int(os.environ["TORCH_THREADS"]))
    X, y = load(f"{data}/{which}_train.csv")
    Xt, yt = load(f"{data}/{which}_test.csv")
    X, Xt = torch.from_numpy(X).to(dtype), torch.from_numpy(Xt).to(dtype)
    sizes, batch, epochs = ([20, 100, 1], 200, 20) if which == "w4" else ([64, 128, 64, 10], 128, 10)
    layers = []
    for a, b in zip(sizes, sizes[1:]):
        lin = torch.nn.Linear(a, b, dtype=dtype)
        torch.nn.init.xavier_uniform_(lin.weight)
        torch.nn.init.zeros_(lin.bias)
        layers += [lin, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    weights = [l.weight for l in model if isinstance(l, torch.nn.Linear)]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    if sizes[-1] == 1:
        target = torch.from_numpy(y).to(dtype).reshape(-1, 1)
        loss_fn = torch.nn.BCEWithLogitsLoss()
    else:
        target = torch.from_numpy(y)
        loss_fn = torch.nn.CrossEntropyLoss()
    alpha, m = 1e-4, X.shape[0]
    start = time.perf_counter()
    for _ in range(epochs):
        total = 0.0
        for idx in torch.randperm(m).split(batch):
            xb, tb = X[idx], target[idx]
            loss = loss_fn(model(xb), tb)
            loss = loss + alpha / (2 * len(idx)) * sum((w * w).sum() for w in weights)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
    s = time.perf_counter() - start
    with torch.no_grad():
        out = model(Xt)
        pred = (out[:, 0] > 0).long() if sizes[-1] == 1 else out.argmax(dim=1)
        acc = float((pred == torch.from_numpy(yt)).double().mean())
    return {"workload": which, "precision": precision, "seconds": s, "per_epoch_s": s / epochs,
            "accuracy": acc, "final_loss": total / m}


if __name__ == "__main__":
    which = sys.argv[1]
    if which in ("w4", "w5"):
        print(json.dumps(practitioner(which, sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "f64")))
        sys.exit()
    fixture = json.load(open(sys.argv[2]))
    mode = sys.argv[3] if len(sys.argv) > 3 else "manual"
    if mode not in ("manual", "autograd") or (mode == "autograd" and which == "w3"):
        sys.exit(f"unknown mode {mode} for {which}")
    w2_f32 = lambda f, mode: w2(f, mode, torch.float32)  # noqa: E731
    print(json.dumps({"w1": w1, "w2": w2, "w2-f32": w2_f32, "w3": w3}[which](fixture, mode)))
