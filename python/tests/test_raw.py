"""Raw tables through the library's column plan (text categories, booleans, missing values),
early stopping on the validation score, and the saved decision threshold. References: the
CLI (`scratchnet train` / `predict` on the same raw CSV), imputation and one-hot encoding done
here with pandas, and the stopping rule replayed on the recorded scores."""

import csv
import os
import pickle
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

import scratchnet
from scratchnet import MLPClassifier, MLPRegressor

pd = pytest.importorskip("pandas")

REPO = Path(__file__).resolve().parents[2]
CLI = os.environ.get("SCRATCHNET_CLI", str(REPO / "target" / "release" / "scratchnet"))
needs_cli = pytest.mark.skipif(
    "SCRATCHNET_CLI" not in os.environ and not os.path.exists(CLI),
    reason="build the CLI first (cargo build --release) or set SCRATCHNET_CLI",
)


def cli(*args):
    out = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def predictions(text):
    return list(csv.DictReader(text.splitlines()))


def raw_frame(seed=0, n=300):
    """A table with a text category, a boolean, and missing values in a number and the text."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = rng.normal(size=n)
    color = rng.choice(["red", "green", "blue"], n)
    flag = rng.random(n) > 0.5
    label = np.where((a + (color == "red") * 1.5 - flag * 0.5) > 0.3, "yes", "no")
    value = 2 * a - b + np.where(color == "red", 3.0, 0.0) + flag
    df = pd.DataFrame({"a": a, "b": b, "color": color, "flag": flag})
    df.loc[rng.choice(n, 30, replace=False), "b"] = np.nan
    df["color"] = df["color"].astype(object)
    df.loc[rng.choice(n, 20, replace=False), "color"] = None
    return df, label, value


def filled(df):
    """`df` with the plan's fill values worked out by pandas: a numeric column's median, a
    text column's most frequent value (the first in sorted order on a tie)."""
    out = df.copy()
    out["b"] = out["b"].fillna(out["b"].median())
    counts = out["color"].value_counts()
    mode = sorted(counts[counts == counts.max()].index)[0]
    out["color"] = out["color"].fillna(mode)
    return out


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_a_dataframe_with_categories_and_missing_values_fits_predicts_and_scores(cls):
    df, label, value = raw_frame()
    y = label if cls is MLPClassifier else value
    # without a validation share the plan is fitted on every row, so pandas gives its values
    m = cls(early_stopping=False, max_iter=60).fit(df, y)
    assert list(m.feature_names_in_) == ["a", "b", "color", "flag"]
    assert m.n_features_in_ == 4
    assert list(m._native.feature_names) == [
        "a", "b", "color=blue", "color=green", "color=red", "flag=False", "flag=True",
    ]
    assert m.score(df, y) > (0.85 if cls is MLPClassifier else 0.8)
    # a missing value predicts as its fill value
    np.testing.assert_array_equal(m.predict(df), m.predict(filled(df)))
    # the DataFrame's category and pandas' string dtypes read the same cells
    as_category = df.assign(color=df["color"].astype("category"))
    np.testing.assert_array_equal(m.predict(as_category), m.predict(df))
    # pickling keeps the plan
    again = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(again.predict(df), m.predict(df))


def test_early_stopping_fits_the_plan_on_the_training_rows_and_predicts_a_subset_of_rows():
    df, label, _ = raw_frame(1)
    m = MLPClassifier(max_iter=50).fit(df, label)
    assert m.score(df, label) > 0.85
    # predicting a few rows, in another order, gives those rows' predictions
    rows = [5, 2, 250]
    np.testing.assert_array_equal(m.predict(df.iloc[rows]), m.predict(df)[rows])


def test_an_unseen_category_warns_and_a_missing_column_is_an_error():
    df, label, _ = raw_frame(2)
    m = MLPClassifier(max_iter=20).fit(df, label)
    new = df.head(5).copy()
    new.loc[new.index[0], "color"] = "purple"
    with pytest.warns(UserWarning, match="category `purple` was not seen in training"):
        m.predict(new)
    with pytest.raises(ValueError, match="feature names"):
        m.predict(df.drop(columns="flag"))


def test_plan_settings_are_parameters():
    df, _, value = raw_frame(3)
    m = MLPRegressor(early_stopping=False, max_iter=5, missing_indicators=True,
                     impute="mean").fit(df, value)
    names = list(m._native.feature_names)
    assert "b=(missing)" in names and "color=(missing)" in names
    # the mean fills b
    mean = df.assign(b=df["b"].fillna(df["b"].mean()), color=filled(df)["color"])
    with_flags = m.predict(df)
    assert not np.allclose(with_flags, m.predict(mean))  # the indicator differs
    with pytest.warns(UserWarning, match="kept the 1 most frequent, pooled 2 rare ones"):
        two = MLPRegressor(early_stopping=False, max_iter=5, max_categories=2).fit(df, value)
    assert "color=(other)" in list(two._native.feature_names)
    with pytest.raises(ValueError, match="impute"):
        MLPRegressor(impute="zero").fit(df, value)


def test_nan_in_a_float_array_is_a_missing_value_and_infinity_an_error():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ [1.0, -2.0, 0.5]
    X[::7, 1] = np.nan
    m = MLPRegressor(early_stopping=False, max_iter=30).fit(X, y)
    assert m._native.plan_columns == ["x1", "x2", "x3"]
    fill = np.nanmedian(X[:, 1])
    np.testing.assert_array_equal(m.predict(X), m.predict(np.where(np.isnan(X), fill, X)))
    X[3, 2] = np.inf
    with pytest.raises(ValueError, match="x3"):
        MLPRegressor(max_iter=5).fit(X, y)


def write_raw_csv(df, y, path, target="y"):
    out = df.copy()
    out[target] = y
    out.to_csv(path, index=False, float_format="%.17g", na_rep="")


@needs_cli
@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_a_raw_table_model_from_python_runs_in_the_cli_on_the_raw_csv(tmp_path, cls):
    df, label, value = raw_frame(4)
    y = label if cls is MLPClassifier else value
    write_raw_csv(df, y, tmp_path / "t.csv")
    read = pd.read_csv(tmp_path / "t.csv")
    X = read.drop(columns="y")
    m = cls(max_iter=40).fit(X, read["y"])
    m.save(tmp_path / "m.json")
    rows = predictions(cli("predict", tmp_path / "m.json", tmp_path / "t.csv"))
    if cls is MLPClassifier:
        assert [r["prediction"] for r in rows] == list(m.predict(X))
    else:
        np.testing.assert_array_equal([float(r["prediction"]) for r in rows], m.predict(X))


@needs_cli
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_a_raw_table_model_from_the_cli_predicts_a_dataframe_in_python(tmp_path, task):
    df, label, value = raw_frame(5)
    write_raw_csv(df, label if task == "classification" else value, tmp_path / "t.csv")
    cli("train", tmp_path / "t.csv", "--task", task, "--epochs", "40", "-o", tmp_path / "m.json")
    m = scratchnet.load(tmp_path / "m.json")
    assert list(m.feature_names_in_) == ["a", "b", "color", "flag"]
    X = pd.read_csv(tmp_path / "t.csv").drop(columns="y")
    rows = predictions(cli("predict", tmp_path / "m.json", tmp_path / "t.csv"))
    if task == "classification":
        assert [r["prediction"] for r in rows] == list(m.predict(X))
    else:
        np.testing.assert_allclose([float(r["prediction"]) for r in rows], m.predict(X),
                                   rtol=1e-12)


def sklearn_stop(scores, patience, tol):
    """The epoch at which the rule stops: `patience` epochs in a row not above best + tol."""
    best, count = -np.inf, 0
    for epoch, s in enumerate(scores, 1):
        count = count + 1 if s <= best + tol else 0
        best = max(best, s)
        if count >= patience:
            return epoch
    return None


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_early_stopping_on_the_validation_score(cls):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 5))
    y = X[:, 0] + 0.5 * rng.normal(size=600)
    y = (y > 0).astype(int) if cls is MLPClassifier else y
    m = cls(n_iter_no_change=5, monitor="score", tol=1e-3, max_iter=500).fit(X, y)
    scores = m.validation_scores_
    assert len(scores) == m.n_iter_ < 500
    assert m.best_validation_score_ == max(scores)
    assert sklearn_stop(scores, 5, 1e-3) == m.n_iter_
    assert m.best_epoch_ == scores.index(max(scores)) + 1
    # the validation loss is recorded too; on the loss, no scores
    assert len(m.validation_loss_curve_) == len(scores)
    by_loss = cls(n_iter_no_change=5, max_iter=500).fit(X, y)  # the default: the loss
    assert not hasattr(by_loss, "validation_scores_")
    assert by_loss.best_epoch_ == int(np.argmin(by_loss.validation_loss_curve_)) + 1
    with pytest.raises(ValueError, match="monitor"):
        cls(monitor="accuracy").fit(X, y)
    with pytest.raises(ValueError, match="tol"):
        cls(tol=-1.0).fit(X, y)


@needs_cli
def test_predict_uses_the_threshold_a_cli_model_saved(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 2))
    y = np.where(X[:, 0] + 0.7 * rng.normal(size=300) > 0, "b", "a")
    df = pd.DataFrame({"u": X[:, 0], "v": X[:, 1], "y": y})
    df.to_csv(tmp_path / "t.csv", index=False, float_format="%.17g")
    cli("train", tmp_path / "t.csv", "--epochs", "30", "--threshold", "0.8",
        "-o", tmp_path / "m.json")
    m = scratchnet.load(tmp_path / "m.json")
    assert m._native.threshold == 0.8
    p = m.predict_proba(df[["u", "v"]])[:, list(m.classes_).index("b")]
    want = np.where(p > 0.8, "b", "a")
    assert (want != np.where(p > 0.5, "b", "a")).any()
    np.testing.assert_array_equal(m.predict(df[["u", "v"]]), want)
    rows = predictions(cli("predict", tmp_path / "m.json", tmp_path / "t.csv"))
    assert [r["prediction"] for r in rows] == list(want)


def test_weights_go_with_a_raw_table():
    import json

    df, label, _ = raw_frame(6)
    w = np.where(label == "yes", 3.0, 1.0)
    m = MLPClassifier(max_iter=20, class_weight="balanced").fit(df, label, sample_weight=w)
    training = json.loads(m._native.to_json())["training"]
    assert training["sample_weight"] == "given" and training["class_weight"] == "balanced"
    plain = MLPClassifier(max_iter=20).fit(df, label)
    assert not np.allclose(m.predict_proba(df), plain.predict_proba(df))
    with pytest.raises(ValueError, match="sample_weight"):
        MLPClassifier(max_iter=5).fit(df, label, sample_weight=w[:-1])
