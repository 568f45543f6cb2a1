"""The model file shared with the CLI (the CLI is the reference reader and writer),
DataFrames, the GIL and Ctrl-C."""

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import scratchnet
from scratchnet import MLPClassifier, MLPRegressor

pd = pytest.importorskip("pandas")

REPO = Path(__file__).resolve().parents[2]
CLI = os.environ.get("SCRATCHNET_CLI", str(REPO / "target" / "release" / "scratchnet"))
# .ci/run sets SCRATCHNET_CLI, so that a missing binary fails there instead of skipping
needs_cli = pytest.mark.skipif(
    "SCRATCHNET_CLI" not in os.environ and not os.path.exists(CLI),
    reason="build the CLI first (cargo build --release) or set SCRATCHNET_CLI",
)


def cli(*args):
    out = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def read_csv_rows(text):
    return list(csv.DictReader(text.splitlines()))


def table(seed=0, n=300):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    label = np.where(X[:, 0] + X[:, 1] ** 2 > 0.8, "high", np.where(X[:, 2] > 0, "mid", "low"))
    value = 3 * X[:, 0] - X[:, 1] * X[:, 2] + 10
    return pd.DataFrame({"alpha": X[:, 0], "beta": X[:, 1], "gamma": X[:, 2]}), label, value


@needs_cli
def test_a_classifier_trained_in_python_runs_in_the_cli(tmp_path):
    df, label, _ = table()
    m = MLPClassifier(random_state=1).fit(df, label)
    m.save(tmp_path / "m.json")
    df.to_csv(tmp_path / "x.csv", index=False, float_format="%.17g")
    rows = read_csv_rows(cli("predict", tmp_path / "m.json", tmp_path / "x.csv", "--proba"))
    assert [r["prediction"] for r in rows] == list(m.predict(df))
    P = m.predict_proba(df)
    for j, c in enumerate(m.classes_):
        np.testing.assert_allclose([float(r[f"proba_{c}"]) for r in rows], P[:, j], atol=1e-6)


@needs_cli
def test_a_regressor_trained_in_python_runs_in_the_cli(tmp_path):
    df, _, value = table(2)
    m = MLPRegressor(random_state=1).fit(df, value)
    m.save(tmp_path / "m.json")
    df.to_csv(tmp_path / "x.csv", index=False, float_format="%.17g")
    rows = read_csv_rows(cli("predict", tmp_path / "m.json", tmp_path / "x.csv"))
    np.testing.assert_allclose([float(r["prediction"]) for r in rows], m.predict(df), rtol=1e-6)


@needs_cli
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_a_model_trained_by_the_cli_runs_in_python(tmp_path, task):
    df, label, value = table(3)
    data = df.assign(y=label if task == "classification" else value)
    data.to_csv(tmp_path / "train.csv", index=False, float_format="%.17g")
    cli("train", tmp_path / "train.csv", "--task", task, "--epochs", "30", "-o", tmp_path / "m.json")
    m = scratchnet.load(tmp_path / "m.json")
    assert isinstance(m, MLPClassifier if task == "classification" else MLPRegressor)
    assert list(m.feature_names_in_) == ["alpha", "beta", "gamma"] and m.n_features_in_ == 3
    assert m.get_params()["max_iter"] == 30
    df.to_csv(tmp_path / "x.csv", index=False, float_format="%.17g")
    args = ["--proba"] if task == "classification" else []
    rows = read_csv_rows(cli("predict", tmp_path / "m.json", tmp_path / "x.csv", *args))
    if task == "classification":
        assert sorted(m.classes_) == ["high", "low", "mid"]
        assert [r["prediction"] for r in rows] == list(m.predict(df))
        P = m.predict_proba(df)
        for j, c in enumerate(m.classes_):
            np.testing.assert_allclose([float(r[f"proba_{c}"]) for r in rows], P[:, j], atol=1e-6)
    else:
        np.testing.assert_allclose([float(r["prediction"]) for r in rows], m.predict(df), rtol=1e-6)


@needs_cli
def test_numeric_labels_come_back_as_numbers(tmp_path):
    df, label, _ = table(4)
    y = np.where(label == "high", 7, 3)
    m = MLPClassifier(max_iter=20).fit(df.to_numpy(), y)
    m.save(tmp_path / "m.json")
    again = scratchnet.load(tmp_path / "m.json")
    np.testing.assert_array_equal(again.classes_, [3, 7])
    np.testing.assert_array_equal(again.predict(df.to_numpy()), m.predict(df.to_numpy()))
    # a NumPy-trained model has the CLI's default feature names, x1, x2, …
    header = "x1,x2,x3\n" + "\n".join(",".join(f"{v:.17g}" for v in r) for r in df.to_numpy())
    (tmp_path / "x.csv").write_text(header + "\n")
    rows = read_csv_rows(cli("predict", tmp_path / "m.json", tmp_path / "x.csv"))
    assert [int(r["prediction"]) for r in rows] == list(m.predict(df.to_numpy()))


def test_save_load_without_the_cli(tmp_path):
    df, label, _ = table(5)
    m = MLPClassifier(max_iter=20, hidden_layer_sizes=(8, 5), activation="tanh").fit(df, label)
    m.save(tmp_path / "m.json")
    saved = json.loads((tmp_path / "m.json").read_text())
    assert saved["features"] == ["alpha", "beta", "gamma"]
    assert sorted(saved["classes"]) == ["high", "low", "mid"]
    again = scratchnet.load(tmp_path / "m.json")
    assert again.get_params()["hidden_layer_sizes"] == (8, 5)
    assert again.get_params()["activation"] == "tanh"
    np.testing.assert_array_equal(again.predict_proba(df), m.predict_proba(df))
    with pytest.raises(OSError, match="nowhere"):
        scratchnet.load(tmp_path / "nowhere.json")
    (tmp_path / "bad.json").write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="bad.json"):
        scratchnet.load(tmp_path / "bad.json")


def test_dataframes_feature_names():
    df, label, _ = table(6)
    m = MLPClassifier(max_iter=20).fit(df, label)
    np.testing.assert_array_equal(m.feature_names_in_, ["alpha", "beta", "gamma"])
    assert list(m._native.feature_names) == ["alpha", "beta", "gamma"]
    # numbers only: no column plan; a missing value in prediction is refused, named
    assert m._native.plan_columns is None
    holes = df.copy()
    holes.loc[2, "beta"] = np.nan
    with pytest.raises(ValueError, match=r"X\[2, 1\] \(sample 3, feature `beta`\) is NaN"):
        m.predict(holes)
    # scikit-learn's rule: columns in another order are refused
    with pytest.raises(ValueError, match="feature names"):
        m.predict(df[["gamma", "beta", "alpha"]])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        np.testing.assert_array_equal(m.predict(df), m.predict(df.to_numpy()))


def ticks_while(target):
    """How often the main thread ticks while `target` runs in another thread, and how long."""
    t = threading.Thread(target=target)
    t.start()
    ticks = 0
    start = time.perf_counter()
    while t.is_alive():
        ticks += 1
        time.sleep(0.001)
    took = time.perf_counter() - start
    t.join()
    return ticks, took


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the control calls libc")
def test_the_gil_test_sees_a_call_that_holds_the_gil():
    import ctypes

    # the control: libc's usleep through ctypes.PyDLL keeps the GIL for its half second
    ticks, took = ticks_while(lambda: ctypes.PyDLL(None).usleep(500_000))
    assert ticks < 20
    ticks, took = ticks_while(lambda: ctypes.CDLL(None).usleep(500_000))
    assert ticks >= 20


def test_the_gil_is_released_while_training():
    X = np.random.default_rng(0).normal(size=(4000, 20))
    y = (X[:, 0] > 0).astype(int)
    est = MLPClassifier(early_stopping=False, max_iter=400, hidden_layer_sizes=(128,))
    ticks, took = ticks_while(lambda: est.fit(X, y))
    assert hasattr(est, "classes_")
    # the main thread kept running during the fit: with the GIL held for the whole fit it
    # would tick once or twice (a native call holding the GIL never yields it)
    assert took > 0.2 and ticks >= 20, (ticks, took)


CTRL_C = textwrap.dedent(
    """
    import sys, time, numpy as np
    from scratchnet import MLPClassifier
    from sklearn.utils.validation import check_is_fitted
    X = np.random.default_rng(0).normal(size=(3000, 30))
    y = (X[:, 0] > 0).astype(int)
    est = MLPClassifier(early_stopping=False, max_iter=100000)
    print("fitting", flush=True)
    start = time.perf_counter()
    try:
        est.fit(X, y)
    except KeyboardInterrupt:
        print("interrupted after %.2f s" % (time.perf_counter() - start), flush=True)
        try:
            check_is_fitted(est)
            print("fitted")
        except Exception as e:
            print("not fitted:", type(e).__name__)
        # the estimator still works
        print("score", MLPClassifier(max_iter=5).fit(X, y).score(X, y) > 0.8)
        sys.exit(0)
    print("finished")
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_raises_keyboard_interrupt_and_leaves_the_estimator_unfitted():
    p = subprocess.Popen(
        [sys.executable, "-c", CTRL_C], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert p.stdout.readline().strip() == "fitting"
    time.sleep(1.0)
    sent = time.perf_counter()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert time.perf_counter() - sent < 5
    lines = out.splitlines()
    assert lines[0].startswith("interrupted after"), out
    assert lines[1] == "not fitted: NotFittedError"
    assert lines[2] == "score True"


@needs_cli
def test_a_cli_model_with_a_column_plan_takes_the_raw_columns(tmp_path):
    # the CLI one-hot encodes a text column; the loaded model reads the raw rows through the
    # plan and predicts what `scratchnet predict` predicts from the same CSV
    rng = np.random.default_rng(0)
    n = 200
    df = pd.DataFrame({"a": rng.normal(size=n), "color": rng.choice(["red", "blue"], n)})
    df["y"] = np.where((df.a > 0) ^ (df.color == "red"), "p", "q")
    df.to_csv(tmp_path / "t.csv", index=False, float_format="%.17g")
    cli("train", tmp_path / "t.csv", "--epochs", "50", "-o", tmp_path / "m.json")
    m = scratchnet.load(tmp_path / "m.json")
    assert list(m.feature_names_in_) == ["a", "color"]
    assert list(m._native.feature_names) == ["a", "color=blue", "color=red"]
    raw = pd.read_csv(tmp_path / "t.csv").drop(columns="y")
    rows = read_csv_rows(cli("predict", tmp_path / "m.json", tmp_path / "t.csv", "--proba"))
    assert [r["prediction"] for r in rows] == list(m.predict(raw))
    np.testing.assert_allclose(
        [float(r["proba_p"]) for r in rows],
        m.predict_proba(raw)[:, list(m.classes_).index("p")],
        atol=1e-6,
    )
