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
//! A raw table — text categories, missing values — goes through the CLI's column plan
//! ([`crate::prep`]): [`CheckedMlp::fit_table`] takes a [`TextTable`] (a CSV read as text, or
//! one built in memory with [`TextTable::in_memory`]), fits the plan on the training rows and
//! keeps it in the model (a format-3 model file, which `scratchnet predict` applies to a raw
//! CSV); [`FittedMlp::encode`] turns a raw table into the features the model predicts on.
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

use crate::data::csv::{TextTable, distinct_sorted};
use crate::data::{Dataset, Scalers, Task};
use crate::engine::EngineKind;
use crate::metrics::RegressionReport;
use crate::model_file::Model;
use crate::nn::{Activation, Init};
use crate::optim::{OptimizerKind, Schedule};
use crate::prep::{PrepSettings, Warning};
use crate::preset::Preset;
use crate::train::{Monitor, Precision, Samples, Stream, TrainConfig, rng};
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
    prep: PrepSettings,
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
            prep: PrepSettings::default(),
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

    /// What early stopping watches: the validation loss, or the validation score (accuracy,
    /// R² for regression) as scikit-learn's `early_stopping=True`. Default the loss.
    pub fn monitor(mut self, monitor: Monitor) -> Self {
        self.config.monitor = monitor;
        self
    }

    /// The least improvement of the watched value that resets the patience (scikit-learn's
    /// `tol`; [`TrainConfig::tol`]). Default 0.
    pub fn tol(mut self, tol: f64) -> Self {
        self.config.tol = tol;
        self
    }

    /// The column plan's settings for [`CheckedMlp::fit_table`] (imputation, missing-value
    /// indicators, most categories, forced kinds, missing-value tokens). Default
    /// [`PrepSettings::default`], the CLI's. Its `drop_missing` and `sample_weight` apply to
    /// training files only: `fit_table` refuses them (a table's rows are its labels' rows; give
    /// the weights to `fit_table`).
    pub fn prep(mut self, settings: PrepSettings) -> Self {
        self.prep = settings;
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
        if self.prep.drop_missing {
            let why = "applies to training files; fit_table keeps every row (the labels' rows)";
            return Err(Error::config("drop_missing", why));
        }
        if self.prep.sample_weight.is_some() {
            let why = "names a column of a training file; give fit_table the weights instead";
            return Err(Error::config("sample_weight", why));
        }
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
        self.fit_with(Features::Matrix(x), labels, None)
    }

    /// Trains on a raw table (m rows; text categories, missing values) and one label per row,
    /// with a weight per row when `weights` are given: the column plan ([`crate::prep`], with
    /// [`Mlp::prep`]'s settings) infers each column's kind from every row, fits its fill values
    /// and categories on the training rows (those left after the validation share), and
    /// encodes the table; the model keeps the plan, so that [`FittedMlp::encode`] and
    /// `scratchnet predict` read raw rows the same way.
    ///
    /// ```
    /// use scratchnet::data::csv::TextTable;
    /// use scratchnet::estimator::Mlp;
    /// let cells = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    /// let table = TextTable::in_memory(
    ///     "X",
    ///     cells(&["size", "color"]),
    ///     cells(&["1", "red", "2", "", "NA", "blue", "4", "blue"]),
    /// )?;
    /// let model = Mlp::classifier().epochs(50).check()?.fit_table(&table, &["a", "a", "b", "b"], None)?;
    /// assert_eq!(model.feature_names(), ["size", "color=blue", "color=red"]);
    /// let (x, _warnings) = model.encode(&table)?; // missing values filled, colors one-hot
    /// assert_eq!(model.predict(x.view())?.len(), 4);
    /// # Ok::<(), scratchnet::Error>(())
    /// ```
    pub fn fit_table<L: Display>(
        &self,
        table: &TextTable,
        labels: &[L],
        weights: Option<&[f64]>,
    ) -> Result<FittedMlp<Classifier>> {
        self.fit_with(Features::Table(table), labels, weights)
    }

    /// [`CheckedMlp::fit`] with a weight per sample (m, each finite and ≥ 0): sample j's loss
    /// counts `weights[j]` times, relative to the others (a weight of 2 is the row twice).
    pub fn fit_weighted<L: Display>(
        &self,
        x: ArrayView2<f64>,
        labels: &[L],
        weights: &[f64],
    ) -> Result<FittedMlp<Classifier>> {
        self.fit_with(Features::Matrix(x), labels, Some(weights))
    }

    fn fit_with<L: Display>(
        &self,
        x: Features<'_>,
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
        let encoded: Vec<usize> = labels.iter().map(|l| index[l.as_str()]).collect();
        let target = &self.settings.target;
        self.fit_features(x, labels.len(), weights, |names, xt| {
            Dataset::new(names, target.clone(), xt, encoded.clone(), classes.clone())
        })
    }
}

impl CheckedMlp<Regressor> {
    /// Trains on X (m samples × d features) and one finite target value per sample.
    pub fn fit(&self, x: ArrayView2<f64>, values: &[f64]) -> Result<FittedMlp<Regressor>> {
        self.fit_with(Features::Matrix(x), values, None)
    }

    /// Trains on a raw table (m rows) and one finite target value per row, through the column
    /// plan, as [`CheckedMlp::fit_table`] does for a classifier.
    pub fn fit_table(
        &self,
        table: &TextTable,
        values: &[f64],
        weights: Option<&[f64]>,
    ) -> Result<FittedMlp<Regressor>> {
        self.fit_with(Features::Table(table), values, weights)
    }

    /// [`CheckedMlp::fit`] with a weight per sample (m, each finite and ≥ 0): sample j's
    /// squared error counts `weights[j]` times, relative to the others.
    pub fn fit_weighted(
        &self,
        x: ArrayView2<f64>,
        values: &[f64],
        weights: &[f64],
    ) -> Result<FittedMlp<Regressor>> {
        self.fit_with(Features::Matrix(x), values, Some(weights))
    }

    fn fit_with(
        &self,
        x: Features<'_>,
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
        let target = &self.settings.target;
        self.fit_features(x, values.len(), weights, |names, xt| {
            Dataset::regression(names, target.clone(), xt, values.to_vec())
        })
    }
}

/// What a fit reads: numbers (samples × features) or a raw table.
#[derive(Clone, Copy)]
enum Features<'a> {
    Matrix(ArrayView2<'a, f64>),
    Table(&'a TextTable),
}

impl<K: Kind> CheckedMlp<K> {
    /// Builds the data set (`dataset` of the feature names and X, d × m) from numbers, or from
    /// a raw table through a column plan fitted on the training rows, then fits; the model
    /// keeps the plan and the fit its warnings.
    fn fit_features(
        &self,
        x: Features<'_>,
        targets: usize,
        weights: Option<&[f64]>,
        dataset: impl Fn(Vec<String>, Array2<f64>) -> Result<Dataset>,
    ) -> Result<FittedMlp<K>> {
        let table = match x {
            Features::Matrix(x) => {
                let (names, xt) = self.features_of(x, targets)?;
                return self.fit_dataset(with_weights(dataset(names, xt)?, weights)?);
            }
            Features::Table(table) => table,
        };
        check_count(table.n_rows(), targets)?;
        // the rows the split will train on, from a data set of row numbers
        let rows = dataset(
            vec!["row".into()],
            Array2::from_shape_fn((1, targets), |(_, j)| j as f64),
        )?;
        let (train, _) = self.split(rows)?;
        let train_rows: Vec<usize> = train.x.row(0).iter().map(|&j| j as usize).collect();
        let (plan, mut warnings) = crate::prep::fit_plan(table, &self.settings.prep, &train_rows)?;
        let (xt, w) = plan.apply(table, false)?;
        warnings.extend(w);
        let data = with_weights(dataset(plan.encoded_names(), xt)?, weights)?;
        let mut fitted = self.fit_dataset(data)?;
        fitted.model.prep = Some(plan);
        fitted.warnings = warnings;
        Ok(fitted)
    }

    /// (training rows, validation rows): the validation share shuffled off from the seed.
    fn split(&self, data: Dataset) -> Result<(Dataset, Option<Dataset>)> {
        let s = &self.settings;
        if s.validation > 0.0 {
            let mut rng = rng(s.config.seed, Stream::Data);
            let (t, v) = data.into_shuffled_split(&mut rng, 1.0 - s.validation)?;
            Ok((t, Some(v)))
        } else {
            Ok((data, None))
        }
    }

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
        let (train, validation) = self.split(data)?;
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
        let validation_scores = fitted.validation_scores.clone();
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
            validation_scores,
            warnings: Vec::new(),
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
    validation_scores: Vec<f64>,
    warnings: Vec<Warning>,
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

    /// The validation score after each epoch (accuracy, or R²), when early stopping watched
    /// it ([`Mlp::monitor`] [`Monitor::Score`]); else empty.
    pub fn validation_scores(&self) -> &[f64] {
        &self.validation_scores
    }

    /// What the column plan did in [`CheckedMlp::fit_table`] (columns ignored as row IDs, rare
    /// categories pooled, text read as missing); empty for a fit on numbers.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// The feature names, in the order X's columns must have (with a column plan: the
    /// encoded features, `color=red` one-hot).
    pub fn feature_names(&self) -> &[String] {
        &self.model.features
    }

    /// A raw table (rows of the plan's input columns, by name; others are not read) encoded
    /// by the model's column plan as X (m × d, the model's features): missing values filled
    /// with the training rows' values, categories one-hot, an unseen category all zeros with a
    /// warning, as `scratchnet predict` reads a raw CSV. An error for a model without a plan
    /// (it reads numbers only) and for a table without one of the plan's columns.
    pub fn encode(&self, table: &TextTable) -> Result<(Array2<f64>, Vec<Warning>)> {
        let Some(plan) = &self.model.prep else {
            return Err(Error::Invalid(
                "the model has no column plan (it was trained on numbers): give X as numbers"
                    .into(),
            ));
        };
        let used = plan.used_columns();
        if let Some(c) = used.iter().find(|c| !table.feature_names.contains(c)) {
            return Err(Error::Invalid(format!(
                "{}: no column `{c}`; the model reads the columns {}",
                table.path.display(),
                used.join(", ")
            )));
        }
        let (x, warnings) = plan.apply(table, false)?;
        Ok((x.reversed_axes(), warnings))
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
            validation_scores: Vec::new(),
            warnings: Vec::new(),
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

    /// The predicted label of each sample of raw X (m × d): for two classes the positive one
    /// when its probability exceeds the model's decision threshold ([`Model::decision_threshold`]:
    /// 0.5, or the one `scratchnet train --threshold` saved), as `scratchnet predict` decides;
    /// for more, the most probable class.
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Vec<String>> {
        let out = self.output(x)?.reversed_axes();
        Ok(
            crate::experiment::classes_at(&out, self.model.decision_threshold())
                .into_iter()
                .map(|c| self.model.classes[c].clone())
                .collect(),
        )
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
