//! The estimator: settings → checked settings → fitted model, as in linfa and scikit-learn.
//!
//! [`Mlp::classifier`] or [`Mlp::regressor`] start from the tutorial's settings; each builder
//! method documents its default. [`Mlp::check`] validates every setting once (an
//! [`Error::Config`] names the setting) and gives a [`CheckedMlp`], whose `fit` takes
//! samples × features data (one row per sample, as in a table) and returns a [`FittedMlp`]:
//! the network together with everything it needs to predict on raw data (the standardizer,
//! the class labels, the output and loss that the task implies). A fitted model saves to and
//! loads from the CLI's model file.
//!
//! Rows can weigh more or less in the cost ([`crate::weights`]): `fit_weighted` takes one
//! sample weight per row, and a classifier's [`Mlp::class_weight`] (e.g.
//! [`ClassWeight::Balanced`] for a rare class) weighs each class; the two multiply. Scores
//! stay unweighted.
//!
//! ```
//! use ndarray::array;
//! use scratchnet::estimator::{FittedMlp, Mlp};
//!
//! // XOR: four samples (rows) of two features, labels of any displayable type
//! let x = array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
//! let labels = ["no", "yes", "yes", "no"];
//! let model = Mlp::classifier()
//!     .hidden(&[8])
//!     .optimizer("adam".parse()?)
//!     .learning_rate(0.05)
//!     .epochs(1_000)
//!     .check()?
//!     .fit(x.view(), &labels)?;
//! assert_eq!(model.predict(x.view())?, labels);
//! assert_eq!(model.score(x.view(), &labels)?, 1.0);
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("xor.json");
//! model.save(&path)?;
//! let again = FittedMlp::load_classifier(&path)?;
//! assert_eq!(again.predict_proba(x.view())?, model.predict_proba(x.view())?);
//! # Ok::<(), scratchnet::Error>(())
//! ```

use std::collections::HashMap;
use std::fmt::Display;
use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ndarray::{Array2, ArrayView2, Axis};

use crate::data::csv::distinct_sorted;
use crate::data::{Dataset, Scalers, Task};
use crate::engine::EngineKind;
use crate::metrics::RegressionReport;
use crate::model_file::Model;
use crate::nn::{Activation, Init, classes_of};
use crate::optim::{OptimizerKind, Schedule};
use crate::preset::Preset;
use crate::train::{Precision, Samples, Stream, TrainConfig, rng};
pub use crate::weights::ClassWeight;
use crate::weights::weights_of;
use crate::{Error, Result};

/// What an estimator predicts: class labels ([`Classifier`]) or numbers ([`Regressor`]).
pub trait Kind: private::Sealed {
    /// The task's name, for messages: `classifier` or `regressor`.
    const NAME: &'static str;
    /// True for a model of this kind's task.
    fn accepts(task: Task) -> bool;
}

/// Predicts one of two or more classes: sigmoid output with binary cross-entropy for two,
/// softmax with categorical cross-entropy for more.
#[derive(Debug, Clone, Copy)]
pub struct Classifier;

/// Predicts a number: identity output with squared error, the target standardized.
#[derive(Debug, Clone, Copy)]
pub struct Regressor;

impl Kind for Classifier {
    const NAME: &'static str = "classifier";
    fn accepts(task: Task) -> bool {
        task != Task::Regression
    }
}

impl Kind for Regressor {
    const NAME: &'static str = "regressor";
    fn accepts(task: Task) -> bool {
        task == Task::Regression
    }
}

mod private {
    pub trait Sealed {}
    impl Sealed for super::Classifier {}
    impl Sealed for super::Regressor {}
}

/// The settings of a multi-layer perceptron (not yet checked): see the module docs.
#[derive(Debug, Clone)]
pub struct Mlp<K> {
    config: TrainConfig,
    validation: f64,
    features: Option<Vec<String>>,
    target: String,
    class_weight: ClassWeight,
    stop: Option<Arc<AtomicBool>>,
    kind: PhantomData<K>,
}

impl Mlp<Classifier> {
    /// A classifier with the tutorial's settings (see each builder method for its default).
    pub fn classifier() -> Self {
        Mlp::new()
    }

    /// Class weights: [`ClassWeight::Balanced`] weighs each class's rows by m / (K · n_k) on
    /// the training rows (scikit-learn's `class_weight="balanced"`), so that a rare class
    /// counts as much as a common one; times each row's sample weight with
    /// [`CheckedMlp::fit_weighted`]. Default [`ClassWeight::None`].
    ///
    /// ```
    /// use ndarray::array;
    /// use scratchnet::estimator::{ClassWeight, Mlp};
    /// let x = array![[0.0], [1.0], [2.0], [3.0], [4.0], [10.0]];
    /// let labels = ["a", "a", "a", "a", "a", "b"];
    /// let model = Mlp::classifier()
    ///     .hidden(&[])
    ///     .class_weight(ClassWeight::Balanced)
    ///     .epochs(500)
    ///     .check()?
    ///     .fit(x.view(), &labels)?;
    /// assert_eq!(model.model().training.class_weight.as_deref(), Some("balanced"));
    /// # Ok::<(), scratchnet::Error>(())
    /// ```
    pub fn class_weight(mut self, class_weight: ClassWeight) -> Self {
        self.class_weight = class_weight;
        self
    }
}

impl Mlp<Regressor> {
    /// A regressor with the tutorial's settings (see each builder method for its default).
    pub fn regressor() -> Self {
        Mlp::new()
    }
}

impl<K: Kind> Mlp<K> {
    fn new() -> Self {
        Mlp {
            config: TrainConfig::default(),
            validation: 0.0,
            features: None,
            target: "y".into(),
            class_weight: ClassWeight::None,
            stop: None,
            kind: PhantomData,
        }
    }

    /// A flag another thread may set to cut training short (a front end's Ctrl-C): training
    /// ends after the epoch during which `flag` became true, and `fit` returns the model of
    /// that epoch (the best one so far with early stopping), as the CLI does on Ctrl-C; its
    /// model file records the epoch (`training.interrupted_at`).
    /// Default: none (training runs to its end).
    pub fn stop_when(mut self, flag: Arc<AtomicBool>) -> Self {
        self.stop = Some(flag);
        self
    }

    /// Units per hidden layer; `&[]` for none (logistic, softmax or linear regression).
    /// Default `&[4]`.
    pub fn hidden(mut self, units: &[usize]) -> Self {
        self.config.hidden = units.to_vec();
        self
    }

    /// The hidden layers' activation (not softmax). Default tanh.
    pub fn activation(mut self, activation: Activation) -> Self {
        self.config.hidden_activation = activation;
        self
    }

    /// The weight initialization. Default: small-uniform (the tutorial's) for one tanh or
    /// sigmoid layer or none, Xavier for deeper ones, He for ReLU and leaky ReLU.
    pub fn init(mut self, init: Init) -> Self {
        self.config.init = Some(init);
        self
    }

    /// Passes over the training data. Default 10,000.
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.config.epochs = epochs;
        self
    }

    /// The learning rate α. Default 1.2 (the tutorial's, for gradient descent).
    pub fn learning_rate(mut self, learning_rate: f64) -> Self {
        self.config.learning_rate = learning_rate;
        self
    }

    /// The update rule. Default plain gradient descent.
    pub fn optimizer(mut self, optimizer: OptimizerKind) -> Self {
        self.config.optimizer = optimizer;
        self
    }

    /// How α changes over the epochs. Default constant.
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.config.schedule = schedule;
        self
    }

    /// Samples per mini-batch, reshuffled every epoch. Default: the full batch.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.config.batch_size = Some(batch_size);
        self
    }

    /// L2 weight decay λ: adds (λ/2m)·Σ‖W‖² to the cost. Default 0.
    pub fn l2(mut self, l2: f64) -> Self {
        self.config.l2 = l2;
        self
    }

    /// Share of the rows held out (shuffled, from the seed) to watch a validation loss, in
    /// [0, 1). Default 0.
    pub fn validation(mut self, fraction: f64) -> Self {
        self.validation = fraction;
        self
    }

    /// Every training setting from `preset` (the seed, features and target stay): e.g.
    /// `Mlp::classifier().preset(Preset::Tabular)` for the CLI's defaults on tables (Adam,
    /// 64 ReLU units, mini-batches, a validation share with early stopping, L2; see
    /// [`crate::preset`]). Builder methods called after it override its values.
    pub fn preset(mut self, preset: Preset) -> Self {
        let e = preset.experiment();
        self.config = TrainConfig {
            seed: self.config.seed,
            ..e.config
        };
        self.validation = e.validation;
        self
    }

    /// Early stopping: stop after this many epochs without a lower validation loss and keep
    /// the best weights (needs [`Mlp::validation`]). Default: off.
    pub fn patience(mut self, epochs: usize) -> Self {
        self.config.patience = Some(epochs);
        self
    }

    /// The seed of every random choice (initial weights, validation rows, mini-batches).
    /// Default 69.
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = seed;
        self
    }

    /// The number type of the forward and backward passes. Default f64.
    pub fn precision(mut self, precision: Precision) -> Self {
        self.config.precision = precision;
        self
    }

    /// The engine that runs the passes: the fast one, or the readable reference. Default fast.
    pub fn engine(mut self, engine: EngineKind) -> Self {
        self.config.engine = engine;
        self
    }

    /// Names of the feature columns, in order (saved in the model file). Default `x1`, `x2`, ….
    pub fn feature_names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.features = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Name of the target (saved in the model file). Default `y`.
    pub fn target_name(mut self, name: impl Into<String>) -> Self {
        self.target = name.into();
        self
    }

    /// Checks every setting once; the error names the setting at fault.
    pub fn check(self) -> Result<CheckedMlp<K>> {
        crate::train::check_fraction("validation", self.validation)?;
        crate::train::check_patience(self.config.patience, self.validation > 0.0)?;
        self.config.validate()?;
        Ok(CheckedMlp { settings: self })
    }
}

/// Checked settings, ready to fit.
#[derive(Debug, Clone)]
pub struct CheckedMlp<K> {
    settings: Mlp<K>,
}

impl CheckedMlp<Classifier> {
    /// Trains on X (m samples × d features) and one label per sample. The classes are the
    /// distinct labels, sorted (numerically when they are numbers); with two, the larger is
    /// the positive class.
    pub fn fit<L: Display>(
        &self,
        x: ArrayView2<f64>,
        labels: &[L],
    ) -> Result<FittedMlp<Classifier>> {
        self.fit_with(x, labels, None)
    }

    /// [`CheckedMlp::fit`] with a weight per sample (m, each finite and ≥ 0): sample j's loss
    /// counts `weights[j]` times, relative to the others (a weight of 2 is the row twice).
    pub fn fit_weighted<L: Display>(
        &self,
        x: ArrayView2<f64>,
        labels: &[L],
        weights: &[f64],
    ) -> Result<FittedMlp<Classifier>> {
        self.fit_with(x, labels, Some(weights))
    }

    fn fit_with<L: Display>(
        &self,
        x: ArrayView2<f64>,
        labels: &[L],
        weights: Option<&[f64]>,
    ) -> Result<FittedMlp<Classifier>> {
        let labels: Vec<String> = labels.iter().map(ToString::to_string).collect();
        let classes = distinct_sorted(&labels);
        if classes.len() < 2 {
            return Err(Error::Invalid(format!(
                "the labels have {} distinct value(s); a classifier needs at least two",
                classes.len()
            )));
        }
        let index: HashMap<&str, usize> = classes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let encoded = labels.iter().map(|l| index[l.as_str()]).collect();
        let (names, xt) = self.features_of(x, labels.len())?;
        let data = Dataset::new(names, self.settings.target.clone(), xt, encoded, classes)?;
        self.fit_dataset(with_weights(data, weights)?)
    }
}

impl CheckedMlp<Regressor> {
    /// Trains on X (m samples × d features) and one finite target value per sample.
    pub fn fit(&self, x: ArrayView2<f64>, values: &[f64]) -> Result<FittedMlp<Regressor>> {
        self.fit_with(x, values, None)
    }

    /// [`CheckedMlp::fit`] with a weight per sample (m, each finite and ≥ 0): sample j's
    /// squared error counts `weights[j]` times, relative to the others.
    pub fn fit_weighted(
        &self,
        x: ArrayView2<f64>,
        values: &[f64],
        weights: &[f64],
    ) -> Result<FittedMlp<Regressor>> {
        self.fit_with(x, values, Some(weights))
    }

    fn fit_with(
        &self,
        x: ArrayView2<f64>,
        values: &[f64],
        weights: Option<&[f64]>,
    ) -> Result<FittedMlp<Regressor>> {
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::Invalid(format!(
                "target value {} (sample {}) is not a finite number",
                values[i],
                i + 1
            )));
        }
        let (names, xt) = self.features_of(x, values.len())?;
        let data = Dataset::regression(names, self.settings.target.clone(), xt, values.to_vec())?;
        self.fit_dataset(with_weights(data, weights)?)
    }
}

impl<K: Kind> CheckedMlp<K> {
    /// The feature names and X transposed to the network's layout (d × m), checked: as many
    /// rows as targets, at least one, every value finite.
    fn features_of(
        &self,
        x: ArrayView2<f64>,
        targets: usize,
    ) -> Result<(Vec<String>, Array2<f64>)> {
        let (m, d) = x.dim();
        check_count(m, targets)?;
        let names = match &self.settings.features {
            Some(names) if names.len() != d => {
                return Err(Error::config(
                    "feature_names",
                    format!("has {} names but X has {d} columns", names.len()),
                ));
            }
            Some(names) => names.clone(),
            None => (1..=d).map(|j| format!("x{j}")).collect(),
        };
        check_finite(x, &names)?;
        Ok((names, x.t().as_standard_layout().into_owned()))
    }

    /// Splits off the validation rows, standardizes with the training rows' statistics,
    /// trains, and wraps the network with its preprocessing.
    fn fit_dataset(&self, data: Dataset) -> Result<FittedMlp<K>> {
        let s = &self.settings;
        let task = data.task();
        let (train, validation) = if s.validation > 0.0 {
            let (t, v) = data
                .into_shuffled_split(&mut rng(s.config.seed, Stream::Data), 1.0 - s.validation)?;
            (t, Some(v))
        } else {
            (data, None)
        };
        crate::experiment::check_every_class(&train)?;
        // class weights from the training rows, for the training and the validation rows
        let counts = train.class_counts();
        let train_weights = weights_of(&train, s.class_weight, &counts);
        let validation_weights = validation
            .as_ref()
            .and_then(|v| weights_of(v, s.class_weight, &counts));
        let sample_weighted = train.weights.is_some();
        let scalers = Scalers::fit(&train);
        let names = (train.feature_names.clone(), train.target_name.clone());
        let classes = train.classes().to_vec();
        let train = scalers.standardize(train)?;
        let validation = validation.map(|v| scalers.standardize(v)).transpose()?;
        let config = TrainConfig {
            output_activation: task.output_activation(),
            ..s.config.clone()
        };
        let (x, y) = (train.x(), train.y());
        let network = config.init_network_checked(x, y)?;
        let samples = Samples {
            x,
            y,
            weights: train_weights.as_deref(),
        };
        let val = validation.as_ref().map(|v| Samples {
            x: v.x(),
            y: v.y(),
            weights: validation_weights.as_deref(),
        });
        let stop = s.stop.clone();
        let fitted = config.fit_checked(network, samples, val, |_| match &stop {
            Some(flag) if flag.load(Ordering::Relaxed) => ControlFlow::Break(()),
            _ => ControlFlow::Continue(()),
        })?;
        let (history, validation_history) =
            (fitted.history.clone(), fitted.validation_history.clone());
        // as an experiment records a cancellation: the epoch training stopped after
        let interrupted_at = s
            .stop
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
            .then(|| fitted.stopped_at.unwrap_or(history.len() - 1));
        let mut model = Model::trained_on(names.0, names.1, classes, scalers, fitted, &config);
        if s.class_weight != ClassWeight::None && task != Task::Regression {
            model.training.class_weight = Some(s.class_weight.name().into());
        }
        if sample_weighted {
            model.training.sample_weight = Some("given".into());
        }
        model.training.interrupted_at = interrupted_at;
        Ok(FittedMlp {
            model,
            history,
            validation_history,
            kind: PhantomData,
        })
    }
}

/// A trained network with its preprocessing and labels: the only type that predicts.
#[derive(Debug, Clone)]
pub struct FittedMlp<K> {
    model: Model,
    history: Vec<f64>,
    validation_history: Vec<f64>,
    kind: PhantomData<K>,
}

impl<K: Kind> FittedMlp<K> {
    /// The model as the CLI's model file holds it (network, standardizers, names, classes).
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The training loss after each epoch, epoch 0 first (the loss curve).
    pub fn loss_curve(&self) -> &[f64] {
        &self.history
    }

    /// The validation loss after each epoch (empty without [`Mlp::validation`]).
    pub fn validation_curve(&self) -> &[f64] {
        &self.validation_history
    }

    /// The feature names, in the order X's columns must have.
    pub fn feature_names(&self) -> &[String] {
        &self.model.features
    }

    /// Writes the model file (the CLI's format: `scratchnet predict` reads it), atomically.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        self.model.save(path.as_ref())
    }

    /// The model as an ONNX file (protobuf bytes), for ONNX Runtime and other runtimes:
    /// [`Model::to_onnx`]. Its input is the matrix `input` `[N, d]` of raw features, one row
    /// per sample, as [`FittedMlp::predict`] takes them.
    ///
    /// ```
    /// use ndarray::array;
    /// use scratchnet::estimator::Mlp;
    /// use scratchnet::onnx::OnnxOptions;
    /// let x = array![[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]];
    /// let model = Mlp::classifier().epochs(10).check()?.fit(x.view(), &["a", "a", "b", "b"])?;
    /// let bytes = model.to_onnx(&OnnxOptions::default())?;
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let path = dir.path().join("model.onnx");
    /// scratchnet::io::write_atomic(&path, &bytes)?; // for onnxruntime.InferenceSession(path)
    /// # Ok::<(), scratchnet::Error>(())
    /// ```
    pub fn to_onnx(&self, options: &crate::onnx::OnnxOptions) -> Result<Vec<u8>> {
        self.model.to_onnx(options)
    }

    /// A model of this kind from a checked model; errors when it is of the other kind.
    pub fn from_model(model: Model) -> Result<Self> {
        let task = model.task();
        if !K::accepts(task) {
            return Err(Error::Invalid(format!(
                "the model is a {task} model, not a {}",
                K::NAME
            )));
        }
        Ok(FittedMlp {
            model,
            history: Vec::new(),
            validation_history: Vec::new(),
            kind: PhantomData,
        })
    }

    /// The network's output for raw X (m × d, every value finite: the first that is not is
    /// named in the error), one row per sample: k columns of class probabilities, or one of
    /// values in the target's units.
    fn output(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let d = self.model.features.len();
        if x.ncols() != d {
            return Err(Error::Invalid(format!(
                "X has {} columns; the model was trained on {d} ({})",
                x.ncols(),
                self.model.features.join(", ")
            )));
        }
        check_finite(x, &self.model.features)?;
        Ok(self.model.predict_proba(x.t())?.reversed_axes())
    }
}

impl FittedMlp<Classifier> {
    /// Reads a classifier's model file (written by [`FittedMlp::save`] or `scratchnet train`).
    pub fn load_classifier(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_model(Model::load(path.as_ref())?)
    }

    /// The class labels, in the order of [`FittedMlp::predict_proba`]'s columns.
    pub fn classes(&self) -> &[String] {
        &self.model.classes
    }

    /// The probability of each class for raw X (m × d): (m × k), rows summing to 1.
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let out = self.output(x)?;
        if out.ncols() > 1 {
            return Ok(out);
        }
        // two classes: the sigmoid gives P(positive); the negative class gets 1 − P
        let p = out.column(0);
        ndarray::stack(Axis(1), &[p.mapv(|p| 1.0 - p).view(), p])
            .map_err(|e| Error::Internal(e.to_string()))
    }

    /// The predicted label of each sample of raw X (m × d).
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Vec<String>> {
        let out = self.output(x)?.reversed_axes();
        Ok(classes_of(&out)
            .into_iter()
            .map(|c| self.model.classes[c].clone())
            .collect())
    }

    /// Accuracy on raw X (m × d) and its true labels.
    pub fn score<L: Display>(&self, x: ArrayView2<f64>, labels: &[L]) -> Result<f64> {
        let predicted = self.predict(x)?;
        check_count(predicted.len(), labels.len())?;
        let right = predicted
            .iter()
            .zip(labels)
            .filter(|(p, l)| **p == l.to_string())
            .count();
        Ok(right as f64 / labels.len() as f64)
    }
}

impl FittedMlp<Regressor> {
    /// Reads a regressor's model file (written by [`FittedMlp::save`] or `scratchnet train`).
    pub fn load_regressor(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_model(Model::load(path.as_ref())?)
    }

    /// The predicted value of each sample of raw X (m × d), in the target's units.
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Vec<f64>> {
        Ok(self.output(x)?.column(0).to_vec())
    }

    /// R² on raw X (m × d) and the true values: 1 − Σ(y − ŷ)² / Σ(y − ȳ)².
    pub fn score(&self, x: ArrayView2<f64>, values: &[f64]) -> Result<f64> {
        let predicted = self.predict(x)?;
        check_count(predicted.len(), values.len())?;
        Ok(RegressionReport::new(f64::NAN, &predicted, values).r2)
    }
}

/// `data` with its sample weights, when there are (checked: one per row, finite, ≥ 0).
fn with_weights(data: Dataset, weights: Option<&[f64]>) -> Result<Dataset> {
    match weights {
        Some(w) => data.with_weights(w.to_vec()),
        None => Ok(data),
    }
}

/// Every value of X (m × d, columns named `names`) finite, or the first that is not, named.
fn check_finite(x: ArrayView2<f64>, names: &[String]) -> Result<()> {
    match x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        Some(((i, j), v)) => Err(Error::Invalid(format!(
            "X[{i}, {j}] (sample {}, feature `{}`) is {v}, not a finite number",
            i + 1,
            names[j]
        ))),
        None => Ok(()),
    }
}

fn check_count(rows: usize, targets: usize) -> Result<()> {
    if rows != targets || rows == 0 {
        return Err(Error::Invalid(format!(
            "X has {rows} rows (samples) and there are {targets} targets; need the same, at least 1"
        )));
    }
    Ok(())
}
