//! The native part of the `scratchnet` Python package: a thin PyO3 layer over the library's
//! estimator ([`scratchnet::estimator`]). Training, prediction, model files and every check
//! are the library's; this crate only converts arrays, releases the GIL, turns Ctrl-C into a
//! stop flag and maps [`scratchnet::Error`] to Python exceptions with the library's one-line
//! message. The scikit-learn classes (`MLPClassifier`, `MLPRegressor`) are written in Python on
//! top of it (`pysrc/scratchnet/`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use ndarray::ArrayView2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::{PyMemoryError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use scratchnet::Error;
use scratchnet::data::csv::TextTable;
use scratchnet::estimator::{ClassWeight, Classifier, FittedMlp, Kind, Mlp, Regressor};
use scratchnet::model_file::Model;
use scratchnet::prep::{Column, Impute, PrepSettings, Warning};
use scratchnet::preset::Preset;
use scratchnet::train::Precision;

/// The library's settings as the Python estimators name them (their constructor parameters),
/// so that an error about `epochs` speaks of `max_iter`.
const PYTHON_NAMES: &[(&str, &str)] = &[
    ("hidden", "hidden_layer_sizes"),
    ("epochs", "max_iter"),
    ("learning_rate", "learning_rate_init"),
    ("l2", "alpha"),
    ("validation", "validation_fraction"),
    ("patience", "n_iter_no_change"),
    ("optimizer", "solver"),
    ("batch_size", "batch_size"),
    ("max_categories", "max_categories"),
];

fn python_name(setting: &str) -> &str {
    PYTHON_NAMES
        .iter()
        .find(|(lib, _)| *lib == setting)
        .map_or(setting, |(_, py)| py)
}

/// The library's error as a Python exception, with its one-line message: bad input and bad
/// settings are `ValueError`, a failed read or write `OSError`, too little memory
/// `MemoryError`, a bug `RuntimeError`.
fn to_py(e: Error) -> PyErr {
    match e {
        Error::Config { setting, message } => {
            let mut message = message;
            for (lib, py) in PYTHON_NAMES {
                message = message.replace(&format!("`{lib}`"), &format!("`{py}`"));
            }
            PyValueError::new_err(format!("{} {message}", python_name(setting)))
        }
        e @ Error::Io { .. } => PyOSError::new_err(e.to_string()),
        e @ Error::OutOfMemory { .. } => PyMemoryError::new_err(e.to_string()),
        e @ Error::Internal(_) => PyRuntimeError::new_err(e.to_string()),
        e => PyValueError::new_err(e.to_string()),
    }
}

/// Runs `job` on a helper thread with the GIL released, checking for Python signals (Ctrl-C)
/// every 20 ms: on one, sets `stop` (training ends after its current epoch), waits for the
/// job, drops its result and returns the signal's exception (`KeyboardInterrupt`).
fn interruptible<T: Send>(
    py: Python<'_>,
    stop: &AtomicBool,
    job: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    py.detach(|| {
        std::thread::scope(|s| {
            let (done, finished) = mpsc::channel::<()>();
            let handle = s.spawn(move || {
                let out = job();
                let _ = done.send(());
                out
            });
            let mut interrupt = None;
            while interrupt.is_none() {
                match finished.recv_timeout(Duration::from_millis(20)) {
                    Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if let Err(e) = Python::attach(|py| py.check_signals()) {
                            stop.store(true, Ordering::Relaxed);
                            interrupt = Some(e);
                        }
                    }
                }
            }
            // joined here, so that a panic of the job is a value, never an unwind into Python
            let out = handle.join().map_err(|_| {
                PyRuntimeError::new_err(
                    "internal error (a bug in scratchnet, please report it): training panicked",
                )
            })?;
            match interrupt {
                Some(e) => Err(e),
                None => Ok(out),
            }
        })
    })
}

/// A raw table (a DataFrame's columns as text, missing values as `""`), for the column plan.
#[pyclass(module = "scratchnet._native", frozen)]
struct Table {
    inner: TextTable,
}

#[pymethods]
impl Table {
    /// A table of the columns `names`, each a list of one text per row.
    #[new]
    fn new(names: Vec<String>, columns: Vec<Vec<String>>) -> PyResult<Self> {
        if names.len() != columns.len() {
            return Err(PyValueError::new_err(format!(
                "{} column names for {} columns",
                names.len(),
                columns.len()
            )));
        }
        let m = columns.first().map_or(0, Vec::len);
        if let Some(c) = columns.iter().position(|c| c.len() != m) {
            return Err(PyValueError::new_err(format!(
                "column `{}` has {} rows, not {m}",
                names[c],
                columns[c].len()
            )));
        }
        // column by column → row by row
        let mut cells = Vec::with_capacity(m * columns.len());
        for row in 0..m {
            cells.extend(columns.iter().map(|c| c[row].clone()));
        }
        let inner = TextTable::in_memory("X", names, cells).map_err(to_py)?;
        Ok(Table { inner })
    }
}

/// What a fit or a prediction reads: a float64 array, or a raw table.
#[derive(FromPyObject)]
enum Input<'py> {
    Array(PyReadonlyArray2<'py, f64>),
    Table(PyRef<'py, Table>),
}

/// A warning of the column plan in words (the CLI's, with the Python parameters' names).
fn warning_text(w: &Warning) -> String {
    match w {
        Warning::IgnoredColumn { column, why } => {
            format!("column `{column}` looks like a row ID ({why}) and is ignored")
        }
        Warning::MissingTarget { column, rows } => {
            format!("dropped {rows} row(s) whose target `{column}` is missing")
        }
        Warning::MissingFeatures { rows } => {
            format!("dropped {rows} row(s) with a missing feature value")
        }
        Warning::PooledCategories {
            column,
            pooled,
            kept,
        } => format!(
            "column `{column}` has more than max_categories categories: kept the {kept} most frequent, pooled {pooled} rare ones into `{column}=(other)`"
        ),
        Warning::MixedColumn { column, value } => format!(
            "column `{column}` mixes numbers and text (`{value}`) in few distinct values: one-hot encoded as categories"
        ),
        Warning::TextAsMissing {
            column,
            value,
            rows,
        } => format!(
            "column `{column}`: {rows} row(s) hold text (first `{value}`) where numbers are expected, read as missing (imputed)"
        ),
        Warning::UnseenCategory {
            column,
            value,
            rows,
        } => format!(
            "column `{column}`: category `{value}` was not seen in training; {rows} row(s) with unseen categories encoded as all zeros"
        ),
    }
}

/// A fitted classifier or regressor.
enum Inner {
    Classifier(FittedMlp<Classifier>),
    Regressor(FittedMlp<Regressor>),
}

/// A trained model (the library's `FittedMlp`): predicts, saves the CLI's model file.
#[pyclass(module = "scratchnet._native", frozen)]
struct Fitted {
    inner: Inner,
}

impl Fitted {
    fn model(&self) -> &Model {
        match &self.inner {
            Inner::Classifier(f) => f.model(),
            Inner::Regressor(f) => f.model(),
        }
    }

    fn from_model(model: Model) -> PyResult<Self> {
        let inner = if Classifier::accepts(model.task()) {
            Inner::Classifier(FittedMlp::from_model(model).map_err(to_py)?)
        } else {
            Inner::Regressor(FittedMlp::from_model(model).map_err(to_py)?)
        };
        Ok(Fitted { inner })
    }

    fn classifier(&self) -> PyResult<&FittedMlp<Classifier>> {
        match &self.inner {
            Inner::Classifier(f) => Ok(f),
            Inner::Regressor(_) => Err(PyValueError::new_err(
                "the model is a regression model, not a classifier",
            )),
        }
    }

    fn regressor(&self) -> PyResult<&FittedMlp<Regressor>> {
        match &self.inner {
            Inner::Regressor(f) => Ok(f),
            Inner::Classifier(_) => Err(PyValueError::new_err(
                "the model is a classification model, not a regressor",
            )),
        }
    }
}

#[pymethods]
impl Fitted {
    /// `"classifier"` or `"regressor"`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner {
            Inner::Classifier(_) => Classifier::NAME,
            Inner::Regressor(_) => Regressor::NAME,
        }
    }

    /// The class labels as the model file holds them, in the order of `predict_proba`'s
    /// columns (empty for a regressor).
    #[getter]
    fn classes(&self) -> Vec<String> {
        self.model().classes.clone()
    }

    /// The feature names, in the order X's columns must have.
    #[getter]
    fn feature_names(&self) -> Vec<String> {
        self.model().features.clone()
    }

    /// The training loss after each epoch, epoch 0 first (empty for a loaded model).
    #[getter]
    fn loss_curve(&self) -> Vec<f64> {
        match &self.inner {
            Inner::Classifier(f) => f.loss_curve().to_vec(),
            Inner::Regressor(f) => f.loss_curve().to_vec(),
        }
    }

    /// The validation loss after each epoch (empty without a validation share).
    #[getter]
    fn validation_curve(&self) -> Vec<f64> {
        match &self.inner {
            Inner::Classifier(f) => f.validation_curve().to_vec(),
            Inner::Regressor(f) => f.validation_curve().to_vec(),
        }
    }

    /// The validation score (accuracy or R²) after each epoch, when early stopping watched it.
    #[getter]
    fn validation_scores(&self) -> Vec<f64> {
        match &self.inner {
            Inner::Classifier(f) => f.validation_scores().to_vec(),
            Inner::Regressor(f) => f.validation_scores().to_vec(),
        }
    }

    /// The column plan's warnings of the fit, in words.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        let w = match &self.inner {
            Inner::Classifier(f) => f.warnings(),
            Inner::Regressor(f) => f.warnings(),
        };
        w.iter().map(warning_text).collect()
    }

    /// The raw input columns of the model's column plan (ignored ones included), or `None`
    /// for a model that reads numbers.
    #[getter]
    fn plan_columns(&self) -> Option<Vec<String>> {
        let plan = self.model().prep.as_ref()?;
        Some(plan.columns.iter().map(|c| c.name().to_string()).collect())
    }

    /// The plan's columns that it reads (not the ignored ones), or `None` without a plan.
    #[getter]
    fn used_columns(&self) -> Option<Vec<String>> {
        self.model().prep.as_ref().map(|p| p.used_columns())
    }

    /// The plan's columns that are categorical, or `None` without a plan.
    #[getter]
    fn categorical_columns(&self) -> Option<Vec<String>> {
        let plan = self.model().prep.as_ref()?;
        let names = plan.columns.iter().filter_map(|c| match c {
            Column::Categorical { name, .. } => Some(name.clone()),
            _ => None,
        });
        Some(names.collect())
    }

    /// The two-class decision threshold the model file holds, if any (0.5 otherwise).
    #[getter]
    fn threshold(&self) -> Option<f64> {
        self.model().threshold
    }

    /// A raw table encoded by the model's column plan: (X, m × d, the warnings in words).
    fn encode<'py>(
        &self,
        py: Python<'py>,
        table: PyRef<'py, Table>,
    ) -> PyResult<(Bound<'py, PyArray2<f64>>, Vec<String>)> {
        let t = &table.inner;
        let (x, w) = py
            .detach(|| match &self.inner {
                Inner::Classifier(f) => f.encode(t),
                Inner::Regressor(f) => f.encode(t),
            })
            .map_err(to_py)?;
        Ok((x.into_pyarray(py), w.iter().map(warning_text).collect()))
    }

    /// The epoch whose weights were kept by early stopping, if any.
    #[getter]
    fn best_epoch(&self) -> Option<usize> {
        self.model().training.best_epoch
    }

    /// The epoch at which training was cut short, if it was.
    #[getter]
    fn interrupted_at(&self) -> Option<usize> {
        self.model().training.interrupted_at
    }

    /// Class probabilities (m × k) of raw X (m × d), the GIL released.
    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let f = self.classifier()?;
        let x = x.as_array();
        let p = py.detach(|| f.predict_proba(x)).map_err(to_py)?;
        Ok(p.into_pyarray(py))
    }

    /// The index (into `classes`) of each sample's predicted class, the GIL released.
    fn predict_index<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let f = self.classifier()?;
        let x = x.as_array();
        let labels = py.detach(|| f.predict(x)).map_err(to_py)?;
        let index: HashMap<&str, i64> = f
            .classes()
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i as i64))
            .collect();
        let out: Vec<i64> = labels
            .iter()
            .map(|l| index.get(l.as_str()).copied().unwrap_or(-1))
            .collect();
        Ok(out.into_pyarray(py))
    }

    /// The predicted value of each sample of raw X (m × d), the GIL released.
    fn predict_values<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let f = self.regressor()?;
        let x = x.as_array();
        let v = py.detach(|| f.predict(x)).map_err(to_py)?;
        Ok(v.into_pyarray(py))
    }

    /// The model file's text (the CLI's JSON format).
    fn to_json(&self) -> String {
        self.model().to_json()
    }

    /// Writes the CLI's model file at `path`, atomically.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let model = self.model();
        py.detach(|| model.save(&path)).map_err(to_py)
    }
}

/// A model from a model file's text (checked as `scratchnet predict` checks it).
#[pyfunction]
fn from_json(text: &str) -> PyResult<Fitted> {
    let model = Model::from_json(text.as_bytes())
        .map_err(|m| PyValueError::new_err(format!("model file: {m}")))?;
    Fitted::from_model(model)
}

/// Reads a model file written by `save` or by `scratchnet train`.
#[pyfunction]
fn load(py: Python<'_>, path: PathBuf) -> PyResult<Fitted> {
    let model = py.detach(|| Model::load(&path)).map_err(to_py)?;
    Fitted::from_model(model)
}

/// Use `n` threads for training and prediction, process-wide (0: every core). Takes effect
/// only before the first training or prediction.
#[pyfunction]
fn set_threads(n: usize) {
    scratchnet::set_threads(n);
}

/// The thread count in use.
#[pyfunction]
fn threads() -> usize {
    scratchnet::threads()
}

/// The settings of one fit, as the Python estimators pass them.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct Settings {
    hidden: Vec<usize>,
    activation: String,
    init: Option<String>,
    solver: String,
    learning_rate: Option<f64>,
    epochs: usize,
    batch_size: Option<usize>,
    l2: f64,
    validation: f64,
    patience: Option<usize>,
    monitor: String,
    tol: f64,
    seed: u64,
    precision: String,
    feature_names: Option<Vec<String>>,
    impute: String,
    missing_indicators: bool,
    max_categories: usize,
}

impl Settings {
    /// The library's estimator with every setting given (none left to the estimator's own
    /// tutorial defaults): the weight initialization when `init` is `None` and, when
    /// `learning_rate` is `None`, the learning rate are the tabular preset's for the activation
    /// and solver, as in the CLI.
    fn mlp<K: Kind>(&self, mlp: Mlp<K>, stop: Arc<AtomicBool>) -> PyResult<Mlp<K>> {
        let activation = self.activation.parse().map_err(to_py)?;
        let optimizer = self.solver.parse().map_err(to_py)?;
        let preset = Preset::Tabular;
        let mut mlp = mlp
            .hidden(&self.hidden)
            .activation(activation)
            .optimizer(optimizer)
            .learning_rate(
                self.learning_rate
                    .unwrap_or_else(|| preset.learning_rate(optimizer)),
            )
            .epochs(self.epochs)
            .l2(self.l2)
            .validation(self.validation)
            .seed(self.seed)
            .precision(self.precision.parse::<Precision>().map_err(to_py)?)
            .batch_size(self.batch_size.unwrap_or(usize::MAX))
            .monitor(self.monitor.parse().map_err(to_py)?)
            .tol(self.tol)
            .prep(self.prep()?)
            .stop_when(stop);
        let init = match &self.init {
            Some(name) => Some(name.parse().map_err(to_py)?),
            None => preset.init(activation),
        };
        if let Some(init) = init {
            mlp = mlp.init(init);
        }
        if let Some(p) = self.patience {
            mlp = mlp.patience(p);
        }
        if let Some(names) = &self.feature_names {
            mlp = mlp.feature_names(names.iter().cloned());
        }
        Ok(mlp)
    }

    /// The column plan's settings (the CLI's defaults for the rest).
    fn prep(&self) -> PyResult<PrepSettings> {
        let impute = match self.impute.as_str() {
            "median" => Impute::Median,
            "mean" => Impute::Mean,
            "most_frequent" => Impute::MostFrequent,
            other => {
                return Err(PyValueError::new_err(format!(
                    "impute must be \"median\", \"mean\" or \"most_frequent\", got {other:?}"
                )));
            }
        };
        if self.max_categories < 2 {
            return Err(PyValueError::new_err(format!(
                "max_categories must be at least 2, got {}",
                self.max_categories
            )));
        }
        Ok(PrepSettings {
            impute,
            missing_indicators: self.missing_indicators,
            max_categories: self.max_categories,
            ..PrepSettings::default()
        })
    }
}

/// The CLI's defaults (the tabular preset) under the Python estimators' parameter names, so
/// that the tests can check the constructors' defaults against them.
#[pyfunction]
fn tabular_defaults(py: Python<'_>) -> PyResult<Bound<'_, pyo3::types::PyDict>> {
    let p = Preset::Tabular;
    let d = pyo3::types::PyDict::new(py);
    d.set_item("hidden_layer_sizes", p.hidden())?;
    d.set_item("activation", p.activation().name())?;
    d.set_item("solver", p.optimizer().name())?;
    d.set_item("learning_rate_init", p.learning_rate(p.optimizer()))?;
    d.set_item("max_iter", p.epochs())?;
    d.set_item("batch_size", p.batch_size())?;
    d.set_item("alpha", p.l2())?;
    d.set_item("validation_fraction", p.validation())?;
    d.set_item("n_iter_no_change", p.patience(p.validation()))?;
    let prep = PrepSettings::default();
    d.set_item("max_categories", prep.max_categories)?;
    d.set_item("missing_indicators", prep.missing_indicators)?;
    d.set_item(
        "random_state",
        scratchnet::train::TrainConfig::default().seed,
    )?;
    Ok(d)
}

/// Trains a classifier on X (m × d) and `y` (the index into `class_names` of each sample's
/// class), with an optional weight per sample and `class_weight` `"balanced"` or none; the GIL
/// released, Ctrl-C raising `KeyboardInterrupt`.
#[pyfunction]
#[pyo3(signature = (settings, x, y, class_names, sample_weight=None, class_weight=None))]
fn fit_classifier(
    py: Python<'_>,
    settings: Settings,
    x: Input<'_>,
    y: PyReadonlyArray1<'_, i64>,
    class_names: Vec<String>,
    sample_weight: Option<PyReadonlyArray1<'_, f64>>,
    class_weight: Option<String>,
) -> PyResult<Fitted> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut mlp = settings.mlp(Mlp::classifier(), stop.clone())?;
    if let Some(cw) = class_weight {
        mlp = mlp.class_weight(cw.parse::<ClassWeight>().map_err(to_py)?);
    }
    let checked = mlp.check().map_err(to_py)?;
    let y = y.as_array();
    let mut labels: Vec<&str> = Vec::with_capacity(y.len());
    for &i in y {
        let name = usize::try_from(i)
            .ok()
            .and_then(|i| class_names.get(i))
            .ok_or_else(|| PyValueError::new_err(format!("class index {i} is out of range")))?;
        labels.push(name);
    }
    let w = sample_weight.as_ref().map(|w| w.as_array());
    let w: Option<Vec<f64>> = w.map(|w| w.to_vec());
    let fitted = match &x {
        Input::Array(a) => {
            let x: ArrayView2<f64> = a.as_array();
            interruptible(py, &stop, || match &w {
                Some(w) => checked.fit_weighted(x, &labels, w),
                None => checked.fit(x, &labels),
            })?
        }
        Input::Table(t) => {
            let t = &t.inner;
            interruptible(py, &stop, || checked.fit_table(t, &labels, w.as_deref()))?
        }
    }
    .map_err(to_py)?;
    Ok(Fitted {
        inner: Inner::Classifier(fitted),
    })
}

/// Trains a regressor on X (m × d) and one target value per sample, with an optional weight
/// per sample; the GIL released, Ctrl-C raising `KeyboardInterrupt`.
#[pyfunction]
#[pyo3(signature = (settings, x, y, sample_weight=None))]
fn fit_regressor(
    py: Python<'_>,
    settings: Settings,
    x: Input<'_>,
    y: PyReadonlyArray1<'_, f64>,
    sample_weight: Option<PyReadonlyArray1<'_, f64>>,
) -> PyResult<Fitted> {
    let stop = Arc::new(AtomicBool::new(false));
    let checked = settings
        .mlp(Mlp::regressor(), stop.clone())?
        .check()
        .map_err(to_py)?;
    let y: Vec<f64> = y.as_array().to_vec();
    let w: Option<Vec<f64>> = sample_weight.as_ref().map(|w| w.as_array().to_vec());
    let fitted = match &x {
        Input::Array(a) => {
            let x: ArrayView2<f64> = a.as_array();
            interruptible(py, &stop, || match &w {
                Some(w) => checked.fit_weighted(x, &y, w),
                None => checked.fit(x, &y),
            })?
        }
        Input::Table(t) => {
            let t = &t.inner;
            interruptible(py, &stop, || checked.fit_table(t, &y, w.as_deref()))?
        }
    }
    .map_err(to_py)?;
    Ok(Fitted {
        inner: Inner::Regressor(fitted),
    })
}

/// The native module `scratchnet._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Fitted>()?;
    m.add_class::<Table>()?;
    m.add_function(wrap_pyfunction!(fit_classifier, m)?)?;
    m.add_function(wrap_pyfunction!(fit_regressor, m)?)?;
    m.add_function(wrap_pyfunction!(from_json, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(set_threads, m)?)?;
    m.add_function(wrap_pyfunction!(threads, m)?)?;
    m.add_function(wrap_pyfunction!(tabular_defaults, m)?)?;
    Ok(())
}
