"""scratchnet: a multi-layer perceptron written from scratch in Rust, as scikit-learn
estimators.

>>> from scratchnet import MLPClassifier
>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> MLPClassifier().fit(X, y).score(X, y) > 0.9
True

Models save to the CLI's model file (``model.save(path)``, ``scratchnet.load(path)``), so a
model trained here runs in ``scratchnet predict`` and the other way round.
"""

from ._estimators import MLPClassifier, MLPRegressor, load
from ._native import set_threads, threads

__all__ = ["MLPClassifier", "MLPRegressor", "load", "set_threads", "threads"]
__version__ = "0.1.0"
