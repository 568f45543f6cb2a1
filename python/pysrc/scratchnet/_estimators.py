"""scikit-learn estimators on scratchnet's library estimator (``scratchnet::estimator``).

Training, prediction, the checks of settings and data, and the model file are the Rust
library's; this module converts scikit-learn's inputs (validation, labels of any type, class
weights given as a dict, feature names of DataFrames) and holds the fitted attributes.
"""

import json
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from . import _native

_COMMON_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(64,)
        Units per hidden layer; ``()`` for none (logistic, softmax or linear regression).
    activation : {"relu", "tanh", "sigmoid", "leaky-relu", "identity"}, default="relu"
        The hidden layers' activation.
    init : {"he", "xavier", "small-uniform"} or None, default=None
        The weight initialization; ``None`` is the CLI's choice: He (normal, 2/fan_in) for ReLU
        and leaky ReLU, Xavier (Glorot uniform, scikit-learn's) otherwise.
    solver : {"adam", "gd", "momentum", "nesterov"}, default="adam"
        The update rule (``"sgd"`` is accepted for ``"gd"``).
    alpha : float, default=2.0
        L2 weight decay λ: adds (λ/2m)·Σ‖W‖² to the cost, m the training rows (the same
        formula as scikit-learn's ``alpha``).
    batch_size : int or None, default=32
        Rows per mini-batch, reshuffled every epoch; ``None`` for full-batch training.
    learning_rate_init : float or None, default=None
        The learning rate; ``None`` is the CLI's rate for the solver: 0.003 for Adam, 0.1 for
        gradient descent, 0.01 for momentum and Nesterov.
    max_iter : int, default=500
        Most epochs (passes over the training rows); early stopping usually ends sooner.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the rows, stop after ``n_iter_no_change`` epochs
        without a gain of more than ``tol`` in the watched value (``monitor``: the validation
        loss, or the score) and keep the best epoch's weights.
    validation_fraction : float, default=0.1
        The held-out share for early stopping, in (0, 1).
    n_iter_no_change : int, default=20
        Patience of early stopping, in epochs (the CLI's ``--patience``). scikit-learn stops
        one epoch later: when its count *exceeds* ``n_iter_no_change``.
    tol : float, default=0.0
        The least gain of the watched value that resets the patience (scikit-learn's ``tol``,
        whose default is 1e-4; 0 here, the CLI's rule: any gain counts).
    monitor : {"loss", "score"}, default="loss"
        What early stopping watches on the validation rows: the loss, as ``scratchnet
        train`` does, or the score (accuracy, or R² for a regressor) as scikit-learn's
        ``early_stopping=True`` does, which gives ``validation_scores_`` and
        ``best_validation_score_``. ``monitor="score", tol=1e-4`` is scikit-learn's rule; it
        stops sooner (2–5× fewer epochs on the bench's small sets) and, on small validation
        shares, at a lower accuracy (bench/python/README.md).
    impute : {"median", "mean", "most_frequent"}, default="median"
        How a numeric column's missing values are filled (from the training rows), for data
        that goes through the column plan (see below); a categorical column's missing values
        become its most frequent category.
    missing_indicators : bool, default=False
        Add a 0/1 feature ``col=(missing)`` after each column with a missing training value.
    max_categories : int, default=50
        Most one-hot features per categorical column: the rarest categories beyond it are
        pooled into ``col=(other)``.
    random_state : int, RandomState or None, default=None
        The seed of every random choice (initial weights, validation rows, mini-batches).
        ``None`` is the CLI's seed, 69: fits are reproducible unless told otherwise.
    precision : {"f64", "f32"}, default="f64"
        The number type of the forward and backward passes (the weights stay f64).

    The defaults are the CLI's ``tabular`` preset (``scratchnet train`` without ``--preset``),
    so that a model fitted here and one trained by ``scratchnet train`` on the same table are
    trained alike. Threads: all cores; see :func:`scratchnet.set_threads`.

    Data: numbers as a float array (read in place when float64, without a copy), or a pandas
    DataFrame. A DataFrame with a text, categorical or boolean column, or a missing value
    (NaN, None, ``pd.NA``), goes through the library's column plan, the one ``scratchnet
    train`` applies to a raw CSV: numeric columns' missing values filled with the training
    rows' median (``impute``), categories one-hot (``col=value``, sorted; booleans as the
    categories ``True``/``False``), a category unseen in training all zeros with a warning.
    The plan is fitted on the training rows and saved in the model, so ``predict`` and
    ``scratchnet predict`` on the same raw CSV read rows alike; ``feature_names_in_`` stays
    the DataFrame's columns. A float array with NaN goes through the plan too (NaN is a
    missing value, as for scikit-learn's ``HistGradientBoosting*``); infinity is an error.
"""


def _seed(random_state):
    if random_state is None:
        return int(_native.tabular_defaults()["random_state"])
    if isinstance(random_state, numbers.Integral):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}")
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _hidden(sizes):
    if isinstance(sizes, numbers.Integral):
        sizes = (sizes,)
    try:
        sizes = [int(s) for s in sizes]
    except (TypeError, ValueError):
        raise ValueError(f"hidden_layer_sizes must be an int or a sequence of ints, got {sizes!r}")
    if any(s < 1 for s in sizes):
        raise ValueError(f"hidden_layer_sizes must be positive, got {sizes}")
    return sizes


def _count(name, value, minimum):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value)


class _BaseMLP(BaseEstimator):
    _kind = None

    def __init__(
        self,
        hidden_layer_sizes=(64,),
        activation="relu",
        init=None,
        solver="adam",
        alpha=2.0,
        batch_size=32,
        learning_rate_init=None,
        max_iter=500,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        tol=0.0,
        monitor="loss",
        random_state=None,
        precision="f64",
        impute="median",
        missing_indicators=False,
        max_categories=50,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.init = init
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.monitor = monitor
        self.random_state = random_state
        self.precision = precision
        self.impute = impute
        self.missing_indicators = missing_indicators
        self.max_categories = max_categories

    def _settings(self):
        early = bool(self.early_stopping)
        return {
            "hidden": _hidden(self.hidden_layer_sizes),
            "activation": str(self.activation),
            "init": None if self.init is None else str(self.init),
            "solver": str(self.solver),
            "learning_rate": None
            if self.learning_rate_init is None
            else float(self.learning_rate_init),
            "epochs": _count("max_iter", self.max_iter, 0),
            "batch_size": None
            if self.batch_size is None
            else _count("batch_size", self.batch_size, 1),
            "l2": float(self.alpha),
            "validation": float(self.validation_fraction) if early else 0.0,
            "patience": _count("n_iter_no_change", self.n_iter_no_change, 1) if early else None,
            "monitor": str(self.monitor),
            "tol": float(self.tol),
            "seed": _seed(self.random_state),
            "precision": str(self.precision),
            "feature_names": [str(c) for c in self.feature_names_in_]
            if hasattr(self, "feature_names_in_")
            else None,
            "impute": str(self.impute),
            "missing_indicators": bool(self.missing_indicators),
            "max_categories": _count("max_categories", self.max_categories, 2),
        }

    def _fit_input(self, X, y, **kw):
        """(X for the library, y): a float64 array, or a raw table for the column plan (a
        DataFrame with text, categories, booleans or missing values; an array with NaN)."""
        if _is_raw_frame(X):
            # the names and the column count only: the cells are the plan's to read
            validate_data(self, X, skip_check_array=True)
            y = column_or_1d(y, warn=True)
            check_consistent_length(X, y)
            if kw.get("y_numeric"):
                y = check_array(y, ensure_2d=False, dtype=np.float64)
            return _table(X, _names(X)), y
        X, y = validate_data(
            self, X, y, dtype=np.float64, ensure_all_finite=False, multi_output=False, **kw
        )
        if np.isnan(X).any():
            return _table(X, _names(X, getattr(self, "feature_names_in_", None))), y
        return X, y

    def _features(self, X):
        """X for the library's prediction: float64, through the model's plan when it has one
        (the plan's warnings, e.g. unseen categories, as Python warnings)."""
        if self._native.plan_columns is None:
            return self._validate_X(X, reset=False)
        if _is_frame(X):
            validate_data(self, X, reset=False, skip_check_array=True)
            used = set(self._native.used_columns)
            names = [c for c in X.columns if str(c) in used]
            table = _table(X[names], [str(c) for c in names])
        else:
            X = self._validate_X(X, reset=False)
            table = _table(X, [str(c) for c in self._native.plan_columns])
        x, notes = self._native.encode(table)
        for note in notes:
            warnings.warn(note, stacklevel=3)
        return x

    def _check_samples(self, y):
        # scikit-learn's convention for one sample (the library would say it with its own
        # words: one class, or a validation split that leaves nothing to train on)
        if len(y) == 1 and (self._kind == "classifier" or self.early_stopping):
            reason = (
                "a classifier needs at least two classes"
                if self._kind == "classifier"
                else "early stopping needs one to train on and one to validate"
            )
            raise ValueError(f"n_samples=1: got 1 sample; {reason}")

    def _validate_X(self, X, reset):
        return validate_data(
            self, X, reset=reset, dtype=np.float64, ensure_all_finite=False
        )

    def _set_fitted(self, native):
        for note in native.warnings:
            warnings.warn(note, stacklevel=3)
        self._native = native
        self.loss_curve_ = list(native.loss_curve)
        self.n_iter_ = max(len(self.loss_curve_) - 1, 0)
        validation = list(native.validation_curve)
        if validation:
            self.validation_loss_curve_ = validation
            self.best_validation_loss_ = float(min(validation))
        scores = list(native.validation_scores)
        if scores:
            self.validation_scores_ = scores
            self.best_validation_score_ = float(max(scores))
        self.best_epoch_ = native.best_epoch

    def save(self, path):
        """Write the CLI's model file at ``path`` (``scratchnet predict`` reads it)."""
        check_is_fitted(self)
        self._native.save(str(path))

    def __getstate__(self):
        state = dict(super().__getstate__())
        if "_native" in state:
            state["_native"] = state["_native"].to_json()
        return state

    def __setstate__(self, state):
        state = dict(state)
        if isinstance(state.get("_native"), str):
            state["_native"] = _native.from_json(state["_native"])
        super().__setstate__(state)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_native")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # NaN is a missing value, filled by the column plan; DataFrames may hold categories
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        return tags


class MLPClassifier(ClassifierMixin, _BaseMLP):
    __doc__ = (
        """A multi-layer perceptron classifier (scratchnet, in Rust): sigmoid output with binary
    cross-entropy for two classes, softmax with categorical cross-entropy for more; the inputs
    are standardized with the training rows' statistics (kept in the model).
"""
        + _COMMON_DOC
        + """
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the cost: ``"balanced"`` weighs class k's rows by
        m / (K · n_k) on the training rows; a dict maps labels to weights. They multiply the
        sample weights given to ``fit``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when fitted on a DataFrame with string column names
    loss_curve_ : list of float, the training loss after each epoch, epoch 0 (the initial
        weights) first
    n_iter_ : int, the epochs run
    validation_loss_curve_, best_validation_loss_ : with early stopping, the validation loss
        after each epoch from epoch 1 and its minimum (with the default ``monitor="loss"``, the
        weights kept are that epoch's, ``best_epoch_``, counted from 1)
    validation_scores_, best_validation_score_ : with ``monitor="score"``, the validation
        accuracy after each epoch and its maximum (the weights kept are its epoch's)
"""
    )

    _kind = "classifier"

    def __init__(
        self,
        hidden_layer_sizes=(64,),
        activation="relu",
        init=None,
        solver="adam",
        alpha=2.0,
        batch_size=32,
        learning_rate_init=None,
        max_iter=500,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        tol=0.0,
        monitor="loss",
        random_state=None,
        precision="f64",
        impute="median",
        missing_indicators=False,
        max_categories=50,
        class_weight=None,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            init=init,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate_init=learning_rate_init,
            max_iter=max_iter,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            monitor=monitor,
            random_state=random_state,
            precision=precision,
            impute=impute,
            missing_indicators=missing_indicators,
            max_categories=max_categories,
        )
        self.class_weight = class_weight

    def fit(self, X, y, sample_weight=None):
        """Train on X (n_samples × n_features) and one label per sample."""
        X, y = self._fit_input(X, y)
        check_classification_targets(y)
        self._check_samples(y)
        classes, index = np.unique(y, return_inverse=True)
        names = [str(c) for c in classes]
        if len(set(names)) != len(names):
            raise ValueError("two class labels have the same text; use distinct labels")
        weights = None
        if sample_weight is not None:
            weights = _check_sample_weight(sample_weight, y, dtype=np.float64)
        library_class_weight = None
        if isinstance(self.class_weight, dict):
            w = compute_sample_weight(self.class_weight, y)
            weights = w if weights is None else weights * w
        elif self.class_weight is not None:
            library_class_weight = str(self.class_weight)
        native = _native.fit_classifier(
            self._settings(),
            X,
            index.astype(np.int64).ravel(),
            names,
            None if weights is None else np.ascontiguousarray(weights, dtype=np.float64),
            library_class_weight,
        )
        self.classes_ = classes
        self._set_order(native)
        self._set_fitted(native)
        return self

    def _set_order(self, native):
        # the library sorts the labels its own way (numerically when they are numbers);
        # _order[i] is the position in classes_ of the library's class i
        position = {str(c): i for i, c in enumerate(self.classes_)}
        self._order = np.array([position[c] for c in native.classes], dtype=np.int64)

    def predict_proba(self, X):
        """The probability of each class (n_samples × n_classes, columns as ``classes_``)."""
        check_is_fitted(self)
        native = self._native.predict_proba(self._features(X))
        out = np.empty_like(native)
        out[:, self._order] = native
        return out

    def predict_log_proba(self, X):
        """The log of ``predict_proba``."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The predicted label of each sample (the library's decision, threshold included)."""
        check_is_fitted(self)
        return self.classes_[self._order[self._native.predict_index(self._features(X))]]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.classifier_tags.multi_label = False
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    __doc__ = (
        """A multi-layer perceptron regressor (scratchnet, in Rust): identity output with
    squared error; inputs and target standardized with the training rows' statistics (kept in
    the model), predictions in the target's units.
"""
        + _COMMON_DOC
        + """
    Attributes
    ----------
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when fitted on a DataFrame with string column names
    loss_curve_ : list of float, the training loss (on the standardized target) after each
        epoch, epoch 0 first
    n_iter_ : int, the epochs run
    validation_scores_, best_validation_score_ : with ``monitor="score"``, the validation R²
        after each epoch and its maximum
    validation_loss_curve_, best_validation_loss_, best_epoch_ : with early stopping, as for
        :class:`MLPClassifier`
"""
    )

    _kind = "regressor"

    def fit(self, X, y, sample_weight=None):
        """Train on X (n_samples × n_features) and one target value per sample."""
        X, y = self._fit_input(X, y, y_numeric=True)
        self._check_samples(y)
        weights = None
        if sample_weight is not None:
            weights = _check_sample_weight(sample_weight, y, dtype=np.float64)
        native = _native.fit_regressor(
            self._settings(),
            X,
            np.ascontiguousarray(y, dtype=np.float64).ravel(),
            None if weights is None else np.ascontiguousarray(weights, dtype=np.float64),
        )
        self._set_fitted(native)
        return self

    def predict(self, X):
        """The predicted value of each sample, in the target's units."""
        check_is_fitted(self)
        return self._native.predict_values(self._features(X))


def _labels(names):
    """Labels read from a model file as numbers when they all are, else as text."""
    for kind in (int, float):
        try:
            return np.array([kind(n) for n in names])
        except ValueError:
            pass
    return np.array(names, dtype=object)


def load(path):
    """Read a model file (written by ``save`` or ``scratchnet train``) as a fitted
    :class:`MLPClassifier` or :class:`MLPRegressor`; its parameters are the ones the file
    records (hidden layers, activation, seed, and the training settings it keeps).

    A model that ``scratchnet train`` fitted on a raw table (text columns or missing values:
    a column plan) takes raw rows, as ``scratchnet predict`` does: a DataFrame of the
    training file's columns (``feature_names_in_``, e.g. ``pd.read_csv(path).drop(columns=
    target)``), encoded by the plan."""
    return _from_native(_native.load(str(path)))


def _from_native(native):
    info = json.loads(native.to_json())
    training = info.get("training", {})
    layers = info.get("layers", [])
    params = {
        "hidden_layer_sizes": tuple(len(layer["bias"]) for layer in layers[:-1]),
        "random_state": training.get("seed"),
        "max_iter": training.get("epochs"),
        "learning_rate_init": training.get("learning_rate"),
    }
    if len(layers) > 1:
        params["activation"] = layers[0]["activation"]
    if training.get("init") in ("he", "xavier", "small-uniform"):
        params["init"] = training["init"]
    for key, param in [
        ("optimizer", "solver"),
        ("l2", "alpha"),
        ("batch_size", "batch_size"),
        ("precision", "precision"),
    ]:
        if training.get(key) is not None:
            params[param] = training[key]
    params = {k: v for k, v in params.items() if v is not None}
    if native.kind == "classifier":
        if training.get("class_weight") == "balanced":
            params["class_weight"] = "balanced"
        est = MLPClassifier(**params)
        est.classes_ = _labels(native.classes)
        est._set_order(native)
    else:
        est = MLPRegressor(**params)
    names = native.plan_columns
    if names is None:
        names = list(native.feature_names)
    est.n_features_in_ = len(names)
    if names != [f"x{j}" for j in range(1, len(names) + 1)]:
        est.feature_names_in_ = np.array(names, dtype=object)
    est._set_fitted(native)
    return est


def _is_frame(X):
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def _is_raw_frame(X):
    """A DataFrame that needs the column plan: a non-numeric or boolean column, or a missing
    value."""
    if not _is_frame(X):
        return False
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    kinds = [is_numeric_dtype(t) and not is_bool_dtype(t) for t in X.dtypes]
    return not all(kinds) or bool(X.isna().to_numpy().any())


def _names(X, given=None):
    if given is not None:
        return [str(c) for c in given]
    if _is_frame(X):
        return [str(c) for c in X.columns]
    return [f"x{j}" for j in range(1, X.shape[1] + 1)]


def _number(v):
    """A float as the CSV reader would read it back: integral values without ``.0`` (so that
    codes forced categorical read as the CLI reads ``4``), else the shortest round-trip text."""
    if v.is_integer() and abs(v) < 2.0**53:
        return str(int(v))
    return repr(v)


def _cell_text(v):
    """One non-missing cell as text: booleans ``True``/``False``, numbers by :func:`_number`."""
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return "True" if v else "False"
    if isinstance(v, (numbers.Real, np.floating, np.integer)):
        return _number(float(v))
    return str(v)


def _column_text(values, missing):
    """One column's cells as text, missing ones as ``""`` (a missing-value token)."""
    if values.dtype.kind == "f":
        return ["" if m else _number(v) for v, m in zip(values.tolist(), missing)]
    return ["" if m else _cell_text(v) for v, m in zip(values.tolist(), missing)]


def _table(X, names):
    """The library's raw table of X (a DataFrame, or a 2-D float array) with columns
    ``names``."""
    if _is_frame(X):
        columns = []
        for j in range(X.shape[1]):
            col = X.iloc[:, j]
            missing = col.isna().to_numpy()
            if col.dtype.kind in "iuf" and str(col.dtype) != "category":
                values = col.to_numpy(dtype=np.float64, na_value=np.nan)
            else:
                values = col.to_numpy(dtype=object)
            columns.append(_column_text(values, missing))
    else:
        X = np.asarray(X, dtype=np.float64)
        columns = [_column_text(X[:, j], np.isnan(X[:, j])) for j in range(X.shape[1])]
    return _native.Table(names, columns)
