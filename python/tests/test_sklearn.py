"""scikit-learn compatibility: check_estimator, the CLI's defaults, meta-estimators, labels,
weights, errors. References are scikit-learn's own checks and estimators, the library's preset
and hand-made data whose answer is known."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import scratchnet
from scratchnet import MLPClassifier, MLPRegressor, _native

# The one check that cannot pass, by design (the same for both estimators): a weight of 2 is
# not the row twice, because the inputs (and a regressor's target) are standardized with the
# training rows' unweighted statistics, as the CLI stores them in the model file, and the
# validation split and mini-batches draw rows, not weights. Shown by
# test_weight_two_is_the_row_twice_when_the_statistics_agree below.
EXPECTED_FAILED = {
    "check_sample_weight_equivalence_on_dense_data": (
        "inputs are standardized with unweighted training-row statistics (the model file's "
        "standardizer), and the validation split and mini-batches draw rows, not weights"
    ),
}


@pytest.mark.parametrize(
    "estimator",
    [
        MLPClassifier(),
        MLPRegressor(),
        # the other paths: full batch, gradient descent, tanh, balanced classes, no early
        # stopping; no hidden layer (linear regression) in f32
        MLPClassifier(early_stopping=False, batch_size=None, solver="gd", activation="tanh",
                      class_weight="balanced"),
        MLPRegressor(early_stopping=False, hidden_layer_sizes=(), precision="f32"),
        # early stopping on the validation score, as scikit-learn's
        MLPClassifier(monitor="score", tol=1e-4),
        MLPRegressor(monitor="score", tol=1e-4),
    ],
    ids=["classifier", "regressor", "classifier-gd-tanh-balanced", "regressor-linear-f32",
         "classifier-score", "regressor-score"],
)
def test_check_estimator(estimator):
    results = check_estimator(
        estimator, expected_failed_checks=EXPECTED_FAILED, on_skip=None, on_fail=None
    )
    bad = [r for r in results if r["status"] == "failed"]
    assert not bad, [(r["check_name"], repr(r["exception"])[:300]) for r in bad]
    statuses = {r["check_name"]: r["status"] for r in results}
    assert statuses["check_sample_weight_equivalence_on_dense_data"] == "xfail"
    assert sum(s == "passed" for s in statuses.values()) >= 50
    # the only skip is the array-API check, which scikit-learn runs only with SCIPY_ARRAY_API=1
    skipped = {name for name, s in statuses.items() if s == "skipped"}
    assert skipped <= {"check_array_api_input"}, skipped


def test_weight_two_is_the_row_twice_when_the_statistics_agree():
    # the reason for the expected failure above: when repeating the rows leaves every column's
    # mean and standard deviation unchanged, full-batch training without validation or L2 on
    # weights of 2 is training on those rows twice (to rounding)
    rng = np.random.default_rng(0)
    S = rng.normal(size=(20, 4))  # 3 features and the target
    S -= S.mean(0)
    # T: S's columns shuffled, scaled so that D = S ∪ T and R = D ∪ S have the same column
    # means (0) and sample variances (Σv²/(m − 1), the library's): Q_T = (19/20)·Q_S
    T = np.column_stack([rng.permutation(S[:, j]) for j in range(4)]) * np.sqrt(19 / 20)
    D = np.vstack([S, T])
    w = np.concatenate([np.full(20, 2.0), np.ones(20)])
    R = np.vstack([D, S])
    kw = dict(early_stopping=False, batch_size=None, alpha=0.0, max_iter=200, solver="gd")
    a = MLPRegressor(**kw).fit(D[:, :3], D[:, 3], sample_weight=w)
    b = MLPRegressor(**kw).fit(R[:, :3], R[:, 3])
    np.testing.assert_allclose(a.predict(D[:, :3]), b.predict(D[:, :3]), rtol=1e-9, atol=1e-9)
    # and when they do not agree (weights on other rows), the two differ
    w2 = np.concatenate([np.ones(20), np.full(20, 2.0)])
    c = MLPRegressor(**kw).fit(D[:, :3], D[:, 3], sample_weight=w2)
    assert not np.allclose(c.predict(D[:, :3]), b.predict(D[:, :3]), rtol=1e-6)


def test_defaults_are_the_cli_tabular_preset():
    preset = _native.tabular_defaults()
    for est in (MLPClassifier(), MLPRegressor()):
        params = est.get_params()
        assert tuple(params["hidden_layer_sizes"]) == tuple(preset["hidden_layer_sizes"])
        for key in ["activation", "solver", "max_iter", "batch_size", "alpha",
                    "validation_fraction", "n_iter_no_change", "max_categories",
                    "missing_indicators"]:
            assert params[key] == preset[key], key
        assert params["early_stopping"] is True
        # the CLI's early stopping: on the validation loss, any gain counts
        assert params["monitor"] == "loss" and params["tol"] == 0.0
        assert params["impute"] == "median"
        assert params["init"] is None  # the preset's for the activation: He for ReLU
        # None means the preset's rate for the solver (Adam: 0.003) and seed 69
        assert params["learning_rate_init"] is None and preset["learning_rate_init"] == 0.003
        assert params["random_state"] is None and preset["random_state"] == 69
    # and the preset's rate is what a default fit records in its model file
    X, y = load_iris(return_X_y=True)
    m = MLPClassifier(max_iter=2).fit(X, y)
    import json
    training = json.loads(m._native.to_json())["training"]
    assert training["learning_rate"] == 0.003 and training["seed"] == 69
    assert training["batch_size"] == 32 and training["l2"] == 2.0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_accuracy_matches_scikit_learn_and_meta_estimators_work():
    from sklearn.neural_network import MLPClassifier as SkMLP

    X, y = make_classification(n_samples=600, n_features=10, n_informative=6, random_state=3)
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0)
    ours = make_pipeline(StandardScaler(), MLPClassifier(random_state=0)).fit(Xtr, ytr)
    theirs = make_pipeline(StandardScaler(), SkMLP(max_iter=500, random_state=0)).fit(Xtr, ytr)
    assert ours.score(Xte, yte) >= theirs.score(Xte, yte) - 0.05
    scores = cross_val_score(MLPClassifier(max_iter=50), X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.7
    grid = GridSearchCV(MLPClassifier(max_iter=50), {"hidden_layer_sizes": [(2,), (32,)]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_ in ({"hidden_layer_sizes": (2,)}, {"hidden_layer_sizes": (32,)})
    c = clone(MLPClassifier(alpha=0.5, class_weight="balanced"))
    assert c.get_params()["alpha"] == 0.5 and not hasattr(c, "classes_")


def test_regressor_fits_a_known_function():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(800, 2))
    y = np.sin(X[:, 0]) * 3 + X[:, 1] ** 2 + 100.0  # units far from 0: the target is standardized
    m = MLPRegressor(alpha=0.01, random_state=1).fit(X[:600], y[:600])
    assert m.score(X[600:], y[600:]) > 0.95
    assert abs(m.predict(X[600:]).mean() - 100 - (y[600:].mean() - 100)) < 0.5
    assert m.n_features_in_ == 2 and len(m.loss_curve_) == m.n_iter_ + 1


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["9", "10"]),  # np.unique sorts as text ("10" < "9"), the library as numbers
        np.array([10, 9, -3]),
        np.array(["cat", "dog", "émeu"], dtype=object),
        np.array([True, False]),
    ],
    ids=["text-numbers", "ints", "strings", "bools"],
)
def test_classes_and_proba_columns_follow_classes_(labels):
    k = len(labels)
    rng = np.random.default_rng(1)
    centers = np.arange(k)[:, None] * 6.0 * np.ones((1, 2))
    idx = rng.integers(0, k, 300)
    X = centers[idx] + rng.normal(size=(300, 2))
    y = labels[idx]
    m = MLPClassifier(random_state=0).fit(X, y)
    np.testing.assert_array_equal(m.classes_, np.unique(y))
    P = m.predict_proba(centers)
    # the centre of class labels[j] must be most probably classes_ == labels[j]
    for j in range(k):
        assert m.classes_[P[j].argmax()] == labels[j]
        assert m.predict(centers[j : j + 1])[0] == labels[j]
    np.testing.assert_allclose(P.sum(1), 1.0)
    assert m.score(X, y) > 0.97


def test_class_weight_balanced_and_dict_raise_the_rare_class_recall():
    X, y = make_classification(
        n_samples=1000, n_features=4, weights=[0.95], flip_y=0, class_sep=0.5, random_state=2
    )
    recall = {}
    for cw in [None, "balanced", {0: 1.0, 1: 19.0}]:
        m = MLPClassifier(class_weight=cw, random_state=0).fit(X, y)
        recall[str(cw)] = (m.predict(X[y == 1]) == 1).mean()
    assert recall["balanced"] > recall["None"] + 0.1
    assert recall[str({0: 1.0, 1: 19.0})] > recall["None"] + 0.1


def test_sample_weight_zero_ignores_rows():
    # the rows at x > 0 are labelled 1, except for a copy of them labelled 0 with weight 0:
    # with the weights the model must ignore the copy
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(400, 1))
    y = (x[:, 0] > 0).astype(int)
    X = np.vstack([x, x[x[:, 0] > 0]])
    Y = np.concatenate([y, np.zeros((x[:, 0] > 0).sum(), dtype=int)])
    w = np.concatenate([np.ones(400), np.zeros((x[:, 0] > 0).sum())])
    m = MLPClassifier(random_state=0, early_stopping=False).fit(X, Y, sample_weight=w)
    assert m.score(x, y) > 0.97
    # without the weights, half of the x > 0 rows say 0: the model cannot be as sure
    u = MLPClassifier(random_state=0, early_stopping=False).fit(X, Y)
    assert u.predict_proba(np.array([[0.8]]))[0, 1] < m.predict_proba(np.array([[0.8]]))[0, 1]


def test_errors_are_value_errors_with_the_library_message():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="unknown optimizer `bogus`; expected one of: gd"):
        MLPClassifier(solver="bogus").fit(X, y)
    with pytest.raises(ValueError, match="unknown activation `swish`"):
        MLPClassifier(activation="swish").fit(X, y)
    # the library's setting names become the constructor's
    with pytest.raises(ValueError, match=r"^learning_rate_init must be"):
        MLPClassifier(learning_rate_init=-1.0).fit(X, y)
    with pytest.raises(ValueError, match=r"^validation_fraction"):
        MLPClassifier(validation_fraction=1.5).fit(X, y)
    # NaN is a missing value to fit on (the column plan, test_raw.py); infinity is an error,
    # and so is NaN for a model fitted on numbers only (it has no fill values)
    Xn = X.copy()
    Xn[3, 2] = np.inf
    with pytest.raises(ValueError, match=r"X\[3, 2\] \(sample 4, feature `x3`\) is inf"):
        MLPClassifier().fit(Xn, y)
    Xn[3, 2] = np.nan
    m = MLPClassifier(max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match=r"X\[3, 2\] \(sample 4, feature `x3`\) is NaN"):
        m.predict(Xn)
    with pytest.raises(ValueError, match="X has 3 features"):
        m.predict(X[:, :3])


def test_pickle_and_clone_keep_the_model():
    X, y = load_iris(return_X_y=True)
    m = MLPClassifier(random_state=4).fit(X, y)
    again = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(again.predict_proba(X), m.predict_proba(X))
    np.testing.assert_array_equal(again.classes_, m.classes_)
    assert again.loss_curve_ == m.loss_curve_ and again.get_params() == m.get_params()
    r = MLPRegressor(max_iter=20).fit(X[:, :3], X[:, 3])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(r)).predict(X[:, :3]), r.predict(X[:, :3]))


def test_same_seed_same_model_other_seed_other_model():
    X, y = load_iris(return_X_y=True)
    a = MLPClassifier(random_state=5).fit(X, y).predict_proba(X)
    b = MLPClassifier(random_state=5).fit(X, y).predict_proba(X)
    c = MLPClassifier(random_state=6).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_early_stopping_attributes():
    X, y = make_classification(n_samples=500, random_state=0)
    m = MLPClassifier(n_iter_no_change=5).fit(X, y)
    assert m.n_iter_ < 500
    assert m.best_validation_loss_ == min(m.validation_loss_curve_)
    # the validation curve starts after epoch 1; best_epoch_ counts from 1
    assert m.validation_loss_curve_[m.best_epoch_ - 1] == m.best_validation_loss_
    assert len(m.validation_loss_curve_) == m.n_iter_
    off = MLPClassifier(early_stopping=False, max_iter=30).fit(X, y)
    assert off.n_iter_ == 30 and not hasattr(off, "validation_loss_curve_")


def test_float32_and_non_contiguous_input():
    X, y = load_iris(return_X_y=True)
    m = MLPClassifier(random_state=0).fit(X, y)
    Xf = np.asfortranarray(X)
    np.testing.assert_array_equal(m.predict_proba(Xf), m.predict_proba(X))
    wide = np.zeros((150, 8))
    wide[:, ::2] = X
    np.testing.assert_array_equal(m.predict_proba(wide[:, ::2]), m.predict_proba(X))
    f32 = MLPClassifier(random_state=0, precision="f32").fit(X.astype(np.float32), y)
    assert f32.score(X, y) > 0.9


def test_threads_are_reported():
    assert scratchnet.threads() >= 1


def test_init_is_a_parameter_and_the_model_file_records_it():
    import json

    X, y = make_regression(n_samples=200, n_features=4, random_state=0)
    kw = dict(max_iter=3, early_stopping=False)
    default = MLPRegressor(**kw).fit(X, y)
    assert json.loads(default._native.to_json())["training"]["init"] == "he"
    xavier = MLPRegressor(init="xavier", **kw).fit(X, y)
    assert json.loads(xavier._native.to_json())["training"]["init"] == "xavier"
    assert not np.allclose(default.predict(X), xavier.predict(X))
    assert MLPRegressor(init="he", **kw).fit(X, y).predict(X).tolist() == default.predict(X).tolist()
    with pytest.raises(ValueError, match="unknown initialization `glorot`"):
        MLPRegressor(init="glorot").fit(X, y)
