//! The whole tutorial as one call: shuffle, split, standardize with the training statistics,
//! train the network and its baseline (the same network without hidden layers: logistic,
//! softmax or linear regression), and report both on train, validation and test data.
//!
//! Weights ([`crate::weights`]): every row carries its sample weight ([`Dataset::weights`])
//! through the splits, and [`Experiment::class_weight`] adds class weights computed on the
//! training rows. The network and its baseline are trained on the same weighted cost, and the
//! validation loss (early stopping) is weighted too; the reported metrics on train, validation
//! and test rows are the plain, unweighted ones.

use std::borrow::Cow;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ndarray::{Array2, ArrayView2};
use serde::Serialize;

use crate::collective::{Collective, Solo};
use crate::data::{Dataset, Scalers, Standardized, Target, Task};
use crate::engine::EngineKind;
use crate::metrics::{Metrics, MulticlassReport, RegressionReport, Report};
use crate::model_file::{Model, check_finite_output, classes_of};
use crate::nn::Network;
use crate::train::{EpochInfo, Fitted, Samples, Stream, TrainConfig, rng};
use crate::weights::{ClassWeight, weights_of};
use crate::{Error, Result};

/// An experiment: training settings plus how the rows are split.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// Settings for the network (the baseline uses the same, without hidden layers). Its
    /// `output_activation` is set from the data's task.
    pub config: TrainConfig,
    /// Share of rows held out for testing, in [0, 1). Default 0.2.
    pub test_split: f64,
    /// Share of the training rows held out for validation (early stopping), in [0, 1).
    /// Default 0.
    pub validation: f64,
    /// Stratify the test and validation splits for classification: each class keeps its
    /// share in every part within one sample (see [`Dataset::shuffled_split_stratified`]);
    /// regression always uses the plain shuffle. Default `false`: the tutorial's split
    /// (plain shuffle, 42/38 test rows on the flower data) stays as it is.
    pub stratify: bool,
    /// The decision threshold of a two-class target, in (0, 1): positive when p > T. The
    /// report's metrics use it and the models record it ([`Model::threshold`]). Default
    /// `None`: 0.5, not recorded.
    pub threshold: Option<f64>,
    /// Record the learning curve every this many epochs (`None`: do not record). Default `None`.
    pub log_every: Option<usize>,
    /// Continue training this model (same features, classes and task) instead of a fresh
    /// network; its standardizers are kept. Default `None`.
    pub init_from: Option<Model>,
    /// When this flag becomes true (e.g. on Ctrl-C), training stops at the end of the current
    /// epoch and the baseline stops after its first epoch; the outcome says where the network
    /// stopped (`interrupted_at`). Default `None`.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Class weights for classification: [`ClassWeight::Balanced`] weighs each class's rows
    /// by m / (K · n_k) on the training rows (times each row's sample weight, if the data has
    /// them). Default [`ClassWeight::None`]; balanced with a regression target is an error.
    pub class_weight: ClassWeight,
    /// Train as one process of this group (data parallelism, [`crate::collective`]): every
    /// process runs the same experiment on the same data, and each training step's batch is
    /// shared among them. Default `None`: one process.
    pub group: Option<Arc<dyn Collective>>,
}

impl Default for Experiment {
    fn default() -> Self {
        Experiment {
            config: TrainConfig::default(),
            test_split: 0.2,
            validation: 0.0,
            stratify: false,
            threshold: None,
            log_every: None,
            init_from: None,
            cancel: None,
            class_weight: ClassWeight::None,
            group: None,
        }
    }
}

/// One point of the learning curve: the network after `epoch` epochs, on train and test.
/// The score is accuracy for classifiers and R² for regression.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    /// Epochs done.
    pub epoch: usize,
    /// Loss on the training set.
    pub train_loss: f64,
    /// Accuracy (or R²) on the training set.
    pub train_score: f64,
    /// Loss on the test set (when there is one).
    pub test_loss: Option<f64>,
    /// Accuracy (or R²) on the test set (when there is one).
    pub test_score: Option<f64>,
}

/// The JSON report: the network and the baseline on train and (when there is one) test data.
#[derive(Debug, Clone, Serialize)]
pub struct ExperimentReport {
    /// e.g. `2-4-1 tanh/sigmoid`.
    pub model: String,
    /// `binary`, `multiclass` or `regression`.
    pub task: Task,
    /// Epochs trained.
    pub epochs: usize,
    /// Wall-clock training time of the network, in seconds.
    pub seconds: f64,
    /// With early stopping: the epoch whose weights were kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_epoch: Option<usize>,
    /// The epoch at which training stopped early, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<usize>,
    /// `f32` when training computed in f32 (`--precision f32`); absent for f64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<String>,
    /// Metrics on the training set.
    pub train: Metrics,
    /// Metrics on the validation set, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<Metrics>,
    /// Metrics on the test set; absent with `test_split` 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<Metrics>,
    /// The baseline without hidden layers.
    pub baseline: BaselineReport,
}

/// The baseline's part of the report.
#[derive(Debug, Clone, Serialize)]
pub struct BaselineReport {
    /// `logistic regression`, `softmax regression` or `linear regression`.
    pub model: String,
    /// Wall-clock training time, in seconds.
    pub seconds: f64,
    /// Metrics on the training set.
    pub train: Metrics,
    /// Metrics on the test set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<Metrics>,
    /// When a cancellation cut the baseline's training short: the epoch it stopped after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted_at: Option<usize>,
}

/// Everything an experiment produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The trained network with its standardizer and labels.
    pub model: Model,
    /// The trained baseline (a network without hidden layers).
    pub baseline: Model,
    /// The rows the network was fitted on (shuffled), standardized as the network saw them
    /// (with `model.standardizer`; kept standardized so that big data is never held twice).
    pub train: Standardized,
    /// The validation rows, standardized; empty without validation.
    pub validation: Standardized,
    /// The test rows, standardized; empty with `test_split` 0.
    pub test: Standardized,
    /// The network's training loss after each epoch.
    pub history: Vec<f64>,
    /// The learning curve, when `log_every` was set: epoch 0, every k-th epoch, and the last.
    pub curve: Vec<CurvePoint>,
    /// The report.
    pub report: ExperimentReport,
    /// The epoch after which training was cancelled (see [`Experiment::cancel`]), if it was.
    pub interrupted_at: Option<usize>,
}

/// Loss and score (accuracy, or R² for regression) of `net` on standardized X (n_x × m) and
/// Y (n_y × m, standardized for regression), through `engine`.
pub fn loss_and_score(
    engine: EngineKind,
    net: &Network,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
) -> Result<(f64, f64)> {
    let (out, loss) = engine.output_and_cost(net, x, y)?;
    let score = match net
        .layers()
        .last()
        .and_then(|l| Task::of_output(l.activation()))
    {
        Some(Task::Regression) => {
            let (p, t): (Vec<f64>, Vec<f64>) =
                (out.iter().copied().collect(), y.iter().copied().collect());
            RegressionReport::new(loss, &p, &t).r2
        }
        _ => {
            let predicted = classes_of(&out);
            let truth = classes_of(&y.to_owned());
            let correct = predicted.iter().zip(&truth).filter(|(a, b)| a == b).count();
            correct as f64 / truth.len().max(1) as f64
        }
    };
    Ok((loss, score))
}

/// The learning curve as CSV: `epoch,train_loss,train_<score>[,test_loss,test_<score>]`, where
/// the score is `accuracy` or, for regression, `r2`.
pub fn curve_csv(curve: &[CurvePoint], task: Task) -> String {
    let score = if task == Task::Regression {
        "r2"
    } else {
        "accuracy"
    };
    let with_test = curve.first().is_some_and(|p| p.test_loss.is_some());
    let mut out = format!("epoch,train_loss,train_{score}");
    if with_test {
        out.push_str(&format!(",test_loss,test_{score}"));
    }
    out.push('\n');
    for p in curve {
        out.push_str(&format!("{},{},{}", p.epoch, p.train_loss, p.train_score));
        if let (Some(l), Some(a)) = (p.test_loss, p.test_score) {
            out.push_str(&format!(",{l},{a}"));
        }
        out.push('\n');
    }
    out
}

/// Metrics of `model` on a labelled data set in raw units (two classes: positive when
/// p > 0.5).
pub fn evaluate(model: &Model, data: &Dataset) -> Result<Metrics> {
    evaluate_at(model, data, model.decision_threshold())
}

/// [`evaluate`] with the decision threshold of a two-class model: positive when
/// p > `threshold`, which must be in (0, 1) (other tasks ignore it).
pub fn evaluate_at(model: &Model, data: &Dataset, threshold: f64) -> Result<Metrics> {
    check_threshold(threshold)?;
    check_fits(model, data)?;
    let scalers = Scalers {
        features: model.standardizer.clone(),
        target: model.target_standardizer.clone(),
    };
    evaluate_standardized(model, &scalers.standardize(data.clone())?, threshold)
}

/// An error unless `data` has the model's features (names and order), task and classes.
pub(crate) fn check_fits(model: &Model, data: &Dataset) -> Result<()> {
    if data.feature_names != model.features {
        return Err(Error::Invalid(format!(
            "data has features ({}) but the model was trained on ({})",
            data.feature_names.join(", "),
            model.features.join(", ")
        )));
    }
    let task = model.task();
    if data.task() != task || data.classes() != model.classes {
        return Err(Error::Invalid(format!(
            "the data is {} with classes ({}) but the model is a {} model with classes ({})",
            data.task(),
            data.classes().join(", "),
            task,
            model.classes.join(", ")
        )));
    }
    Ok(())
}

/// An error unless `threshold` is a decision threshold: finite and strictly inside (0, 1).
pub fn check_threshold(threshold: f64) -> Result<()> {
    if threshold > 0.0 && threshold < 1.0 {
        Ok(())
    } else {
        Err(Error::config(
            "threshold",
            format!("must be in (0, 1), got {threshold}"),
        ))
    }
}

/// The predicted class of each sample (a column of the output `out`): for one sigmoid row,
/// 1 when p > `threshold`; for k rows, the most probable class (the threshold is not used).
pub fn classes_at(out: &Array2<f64>, threshold: f64) -> Vec<usize> {
    if out.nrows() == 1 {
        out.row(0)
            .iter()
            .map(|&p| usize::from(p > threshold))
            .collect()
    } else {
        classes_of(out)
    }
}

/// Metrics of `model` on rows already standardized with its statistics.
fn evaluate_standardized(model: &Model, data: &Standardized, threshold: f64) -> Result<Metrics> {
    // chunked (big data sets never hold every layer's Z and A at once) and threaded
    let (out, loss) = model
        .engine
        .output_and_cost(&model.network, data.x(), data.y())?;
    check_finite_output(&out)?;
    if !loss.is_finite() {
        // outputs saturated at exactly 0 or 1 by infinite logits: the cost is NaN
        return Err(Error::Invalid(
            "the model's loss is not a finite number on this data (its weights or the inputs are too large)".into(),
        ));
    }
    Ok(match data.target() {
        Target::Classes { labels, classes } if classes.len() == 2 => {
            let p: Vec<f64> = out.row(0).to_vec();
            Metrics::Binary(Report::new(loss, &p, labels, threshold))
        }
        Target::Classes { labels, classes } => {
            let proba: Vec<Vec<f64>> = out.rows().into_iter().map(|r| r.to_vec()).collect();
            Metrics::Multiclass(MulticlassReport::new(
                loss,
                classes,
                &proba,
                &classes_of(&out),
                labels,
            ))
        }
        Target::Values(values) => {
            let predicted = match &model.target_standardizer {
                Some(t) => t.inverse(out.view()),
                None => out,
            };
            let predicted: Vec<f64> = predicted.iter().copied().collect();
            Metrics::Regression(RegressionReport::new(loss, &predicted, values))
        }
    })
}

/// The rows of one experiment, standardized with the training rows' statistics, and the
/// weights of the training and validation rows in the cost (sample × class weights), if any.
struct Splits {
    train: Standardized,
    validation: Standardized,
    test: Standardized,
    scalers: Scalers,
    train_weights: Option<Vec<f64>>,
    validation_weights: Option<Vec<f64>>,
}

/// What training the network gave: the fit, its time, the learning curve and where a
/// cancellation stopped it.
struct Trained {
    fitted: Fitted,
    seconds: f64,
    curve: Vec<CurvePoint>,
    interrupted_at: Option<usize>,
}

impl Experiment {
    /// Refuses, before training, settings whose model for `data` could not be saved: a file
    /// larger than [`crate::model_file::MAX_FILE_BYTES`] (see
    /// [`crate::model_file::check_file_size`]).
    pub fn check_model_file_size(&self, data: &Dataset) -> Result<()> {
        let n_y = match data.task() {
            Task::Multiclass => data.classes().len(),
            Task::Binary | Task::Regression => 1,
        };
        let mut sizes = vec![data.n_features()];
        sizes.extend(&self.config.hidden);
        sizes.push(n_y);
        crate::model_file::check_file_size(&sizes)
    }

    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        crate::train::check_fraction("test_split", self.test_split)?;
        crate::train::check_fraction("validation", self.validation)?;
        crate::train::check_patience(self.config.patience, self.validation > 0.0)?;
        if let Some(t) = self.threshold {
            check_threshold(t)?;
        }
        self.config.validate()
    }

    /// True once the cancel flag is set.
    pub fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    }

    /// Class weights need classes: an error for [`ClassWeight::Balanced`] with a regression
    /// `task`.
    pub fn check_class_weight(&self, task: Task) -> Result<()> {
        if self.class_weight != ClassWeight::None && task == Task::Regression {
            return Err(Error::config(
                "class_weight",
                format!(
                    "{} applies to classification, not regression (the target is numeric)",
                    self.class_weight
                ),
            ));
        }
        Ok(())
    }

    /// The model to continue from, checked against the data.
    fn check_init_from(&self, data: &Dataset) -> Result<()> {
        let Some(m) = &self.init_from else {
            return Ok(());
        };
        if m.features != data.feature_names {
            return Err(Error::config(
                "init_from",
                format!(
                    "reads features ({}) but the data has ({})",
                    m.features.join(", "),
                    data.feature_names.join(", ")
                ),
            ));
        }
        if m.task() != data.task() || m.classes != data.classes() {
            return Err(Error::config(
                "init_from",
                format!(
                    "is a {} model with classes ({}) but the data is {} with classes ({})",
                    m.task(),
                    m.classes.join(", "),
                    data.task(),
                    data.classes().join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// Runs the experiment on `data`; `on_epoch` sees the network's progress.
    pub fn run(
        &self,
        data: &Dataset,
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Outcome> {
        self.run_inner(Cow::Borrowed(data), on_epoch)
    }

    /// Like [`Experiment::run`], but takes the data and frees it as soon as it is split:
    /// for big data sets this saves one copy of X at the peak.
    pub fn run_owned(
        &self,
        data: Dataset,
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Outcome> {
        self.run_inner(Cow::Owned(data), on_epoch)
    }

    /// The tutorial's steps: split, standardize, train the network, train the baseline,
    /// report both.
    /// Like [`Experiment::run`], but with the given rows as the test set (one fold of a
    /// cross-validation) instead of a shuffled `test_split`; the validation share is taken from
    /// the other rows as usual.
    pub fn run_with_test_rows(
        &self,
        data: &Dataset,
        test_rows: &[usize],
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Outcome> {
        self.run_inner_on(Cow::Borrowed(data), Some(test_rows), on_epoch)
    }

    fn run_inner(
        &self,
        data: Cow<'_, Dataset>,
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Outcome> {
        self.run_inner_on(data, None, on_epoch)
    }

    fn run_inner_on(
        &self,
        data: Cow<'_, Dataset>,
        test_rows: Option<&[usize]>,
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Outcome> {
        self.validate()?;
        self.check_init_from(&data)?;
        let task = data.task();
        self.check_class_weight(task)?;
        if self.threshold.is_some() && task != Task::Binary {
            return Err(Error::config(
                "threshold",
                format!("applies to two-class targets; this target is {task}"),
            ));
        }
        let config = TrainConfig {
            output_activation: task.output_activation(),
            ..self.config.clone()
        };
        let splits = self.split(data, config.seed, test_rows)?;
        let trained = self.train_network(&config, &splits, on_epoch)?;
        let baseline_cfg = TrainConfig {
            hidden: vec![],
            ..config.clone()
        };
        let start = Stopwatch::start();
        let base_fit = self.fit_on(&baseline_cfg, None, &splits, |_| {
            if self.cancelled() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        let baseline_seconds = start.seconds();
        // cancelled while the baseline trained (the network had finished): the run is
        // interrupted all the same, and both models say how far they got
        let baseline_cut = trained.interrupted_at.is_none() && self.cancelled();
        let interrupted_at = match baseline_cut {
            true => Some(trained.fitted.history.len().saturating_sub(1)),
            false => trained.interrupted_at,
        };
        let mut model = model_of(&splits, trained.fitted.clone(), &config);
        model.training.interrupted_at = interrupted_at;
        if self.init_from.is_some() {
            model.training.init = Some("continued".into());
        }
        let mut baseline = model_of(&splits, base_fit, &baseline_cfg);
        if self.cancelled() {
            baseline.training.interrupted_at = Some(baseline.training.epochs);
        }
        for m in [&mut model, &mut baseline] {
            self.record_weights(m, &splits);
            m.threshold = self.threshold;
        }
        let mut report = report(&model, &baseline, &splits, &trained, baseline_seconds)?;
        report.baseline.interrupted_at = baseline.training.interrupted_at;
        Ok(Outcome {
            model,
            baseline,
            history: trained.fitted.history,
            curve: trained.curve,
            interrupted_at,
            report,
            train: splits.train,
            validation: splits.validation,
            test: splits.test,
        })
    }

    /// Notes in the model's training record that it was trained with class weights or
    /// sample weights (`given`: the front end may name their source, e.g. the CSV column).
    fn record_weights(&self, model: &mut Model, splits: &Splits) {
        if self.class_weight != ClassWeight::None && model.task() != Task::Regression {
            model.training.class_weight = Some(self.class_weight.name().into());
        }
        if splits.train.weights().is_some() {
            model.training.sample_weight = Some("given".into());
        }
    }

    /// set.seed(69); df[sample(nrow(df)), ]; the test split; then a validation share of the
    /// rest (both stratified with `stratify`); every split standardized with the training rows' statistics (or the continued
    /// model's). Shuffles indices and copies each split once: no full shuffled copy.
    fn split(
        &self,
        data: Cow<'_, Dataset>,
        seed: u64,
        test_rows: Option<&[usize]>,
    ) -> Result<Splits> {
        let (train, validation, test) = match test_rows {
            None => self.partition(data, seed)?,
            Some(rows) => self.hold_out(&data, rows)?,
        };
        check_every_class(&train)?;
        // class weights from the training rows, for the training and the validation rows
        let counts = train.class_counts();
        let train_weights = weights_of(&train, self.class_weight, &counts);
        let validation_weights = weights_of(&validation, self.class_weight, &counts);
        let scalers = match &self.init_from {
            Some(m) => Scalers {
                features: m.standardizer.clone(),
                target: m.target_standardizer.clone(),
            },
            None => Scalers::fit(&train),
        };
        Ok(Splits {
            train: scalers.standardize(train)?,
            validation: scalers.standardize(validation)?,
            test: scalers.standardize(test)?,
            scalers,
            train_weights,
            validation_weights,
        })
    }

    /// The rows (indices into `data`, in training order) that [`Experiment::run`] trains on:
    /// the same shuffle and splits, applied to the row numbers. The column plan
    /// ([`crate::prep`]) is fitted on these rows only.
    pub fn training_rows(&self, data: &Dataset) -> Result<Vec<usize>> {
        let m = data.n_samples();
        let index = Array2::from_shape_fn((1, m), |(_, j)| j as f64);
        let rows = Dataset {
            feature_names: vec!["row".into()],
            target_name: data.target_name.clone(),
            x: index,
            target: data.target.clone(),
            weights: None,
        };
        let (train, _, _) = self.partition(Cow::Owned(rows), self.config.seed)?;
        Ok(train.x.row(0).iter().map(|&j| j as usize).collect())
    }

    /// The shuffle and the (train, validation, test) splits of `split`.
    /// (train, validation, test) with `rows` as the test set: the other rows, in their order,
    /// give the validation share.
    fn hold_out(&self, data: &Dataset, rows: &[usize]) -> Result<(Dataset, Dataset, Dataset)> {
        let m = data.n_samples();
        let mut held = vec![false; m];
        for &r in rows {
            if r >= m {
                return Err(Error::Invalid(format!(
                    "test row {r} is beyond the {m} rows"
                )));
            }
            held[r] = true;
        }
        let rest: Vec<usize> = (0..m).filter(|&j| !held[j]).collect();
        let (train_all, test) = (data.select(&rest), data.select(rows));
        let (train, validation) = self.validation_split(train_all)?;
        Ok((train, validation, test))
    }

    /// The training rows split into (train, validation) by the validation share (stratified
    /// with `stratify`); without a share, all rows train and the validation set is empty.
    fn validation_split(&self, train_all: Dataset) -> Result<(Dataset, Dataset)> {
        if self.validation <= 0.0 {
            let empty = train_all.select(&[]);
            return Ok((train_all, empty));
        }
        let keep = 1.0 - self.validation;
        let split = match self.stratify {
            false => train_all.split(keep),
            true => train_all.split_stratified(keep),
        };
        split.map_err(|_| {
            let m = train_all.n_samples();
            Error::config(
                "validation",
                format!(
                    "of {} leaves no validation row of {m} training rows; use a larger share or 0",
                    self.validation
                ),
            )
        })
    }

    fn partition(&self, data: Cow<'_, Dataset>, seed: u64) -> Result<(Dataset, Dataset, Dataset)> {
        let mut data_rng = rng(seed, Stream::Data);
        let train_fraction = 1.0 - self.test_split;
        let (train_all, test) = match (data, self.stratify) {
            // an owned data set is permuted in place and split: only the test share is copied
            (Cow::Owned(d), false) => d.into_shuffled_split(&mut data_rng, train_fraction)?,
            (Cow::Owned(d), true) => {
                d.into_shuffled_split_stratified(&mut data_rng, train_fraction)?
            }
            (Cow::Borrowed(d), false) => d.shuffled_split(&mut data_rng, train_fraction)?,
            (Cow::Borrowed(d), true) => {
                d.shuffled_split_stratified(&mut data_rng, train_fraction)?
            }
        };
        let (train, validation) = self.validation_split(train_all)?;
        Ok((train, validation, test))
    }

    /// Trains the network (fresh, or continued from `init_from`), recording the learning
    /// curve every `log_every` epochs and stopping when cancelled.
    fn train_network(
        &self,
        config: &TrainConfig,
        splits: &Splits,
        mut on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Trained> {
        let mut curve = Vec::new();
        let mut record = |net: &Network, epoch: usize| -> Result<()> {
            curve.push(curve_point(
                config.engine,
                net,
                epoch,
                &splits.train,
                &splits.test,
            )?);
            Ok(())
        };
        let start = Stopwatch::start();
        let network = match &self.init_from {
            Some(m) => m.network.clone(),
            None => config.init_network_checked(splits.train.x(), splits.train.y())?,
        };
        if self.log_every.is_some() {
            record(&network, 0)?;
        }
        let mut failed = None;
        let fitted = self.fit_on(config, Some(network), splits, |info| {
            if let Some(k) = self.log_every
                && (info.epoch % k.max(1) == 0 || info.epoch == info.epochs)
                && let Err(e) = record(info.network, info.epoch)
            {
                failed = Some(e);
                return ControlFlow::Break(());
            }
            if self.cancelled() {
                return ControlFlow::Break(());
            }
            on_epoch(info)
        });
        if let Some(e) = failed {
            return Err(e);
        }
        let fitted = fitted?;
        let seconds = start.seconds();
        let interrupted_at = self
            .cancelled()
            .then(|| fitted.stopped_at.unwrap_or(fitted.history.len() - 1));
        Ok(Trained {
            fitted,
            seconds,
            curve,
            interrupted_at,
        })
    }

    /// Trains `config`'s network (from `initial`, or freshly initialized) on the training
    /// rows, watching the validation rows; stops when `on_epoch` says so.
    fn fit_on(
        &self,
        config: &TrainConfig,
        initial: Option<Network>,
        splits: &Splits,
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Fitted> {
        let (x, y) = (splits.train.x(), splits.train.y());
        let train = Samples {
            x,
            y,
            weights: splits.train_weights.as_deref(),
        };
        let validation = &splits.validation;
        let val = (validation.n_samples() > 0).then(|| Samples {
            x: validation.x(),
            y: validation.y(),
            weights: splits.validation_weights.as_deref(),
        });
        let network = match initial {
            Some(net) => net,
            None => config.init_network_checked(x, y)?,
        };
        let group = self.group.as_deref().unwrap_or(&Solo);
        config.fit_checked_on(network, train, val, on_epoch, group)
    }
}

/// The training rows of a classifier must hold every class (or its output unit never learns).
pub(crate) fn check_every_class(train: &Dataset) -> Result<()> {
    if train.task() != Task::Regression && train.class_counts().contains(&0) {
        return Err(Error::Invalid(format!(
            "the training rows ({}) miss a class; use more data or another seed",
            train.n_samples()
        )));
    }
    Ok(())
}

/// The learning curve's point after `epoch` epochs: loss and score on train and test.
fn curve_point(
    engine: EngineKind,
    net: &Network,
    epoch: usize,
    train: &Standardized,
    test: &Standardized,
) -> Result<CurvePoint> {
    let (train_loss, train_score) = loss_and_score(engine, net, train.x(), train.y())?;
    let (test_loss, test_score) = if test.n_samples() > 0 {
        let (l, a) = loss_and_score(engine, net, test.x(), test.y())?;
        (Some(l), Some(a))
    } else {
        (None, None)
    };
    Ok(CurvePoint {
        epoch,
        train_loss,
        train_score,
        test_loss,
        test_score,
    })
}

/// A fitted network wrapped with the training rows' names, classes and standardizers.
fn model_of(splits: &Splits, fitted: Fitted, config: &TrainConfig) -> Model {
    let train = &splits.train;
    let classes = match train.target() {
        Target::Classes { classes, .. } => classes.clone(),
        Target::Values(_) => Vec::new(),
    };
    Model::trained_on(
        train.feature_names().to_vec(),
        train.target_name().to_string(),
        classes,
        splits.scalers.clone(),
        fitted,
        config,
    )
}

/// The report: the network and the baseline on the training rows, the validation rows (the
/// network only) and the test rows, evaluated as they are (already standardized).
fn report(
    model: &Model,
    baseline: &Model,
    splits: &Splits,
    trained: &Trained,
    baseline_seconds: f64,
) -> Result<ExperimentReport> {
    let on = |m: &Model, d: &Standardized| -> Result<Option<Metrics>> {
        (d.n_samples() > 0)
            .then(|| evaluate_standardized(m, d, m.decision_threshold()))
            .transpose()
    };
    Ok(ExperimentReport {
        model: model.network.describe(),
        task: model.task(),
        epochs: model.training.epochs,
        seconds: trained.seconds,
        best_epoch: trained.fitted.best_epoch,
        stopped_at: trained.fitted.stopped_at,
        precision: model.training.precision.clone(),
        train: evaluate_standardized(model, &splits.train, model.decision_threshold())?,
        validation: on(model, &splits.validation)?,
        test: on(model, &splits.test)?,
        baseline: BaselineReport {
            model: model.task().baseline_name().into(),
            seconds: baseline_seconds,
            train: evaluate_standardized(baseline, &splits.train, baseline.decision_threshold())?,
            test: on(baseline, &splits.test)?,
            interrupted_at: None,
        },
    })
}

/// The wall clock of the reported training times. WebAssembly in a browser has no clock
/// `std` can read (`Instant::now` traps there), so on `wasm32` it reads 0 s: the playground
/// times its runs in JavaScript.
struct Stopwatch {
    #[cfg(not(target_arch = "wasm32"))]
    start: std::time::Instant,
}

impl Stopwatch {
    /// Starts the clock.
    fn start() -> Self {
        Stopwatch {
            #[cfg(not(target_arch = "wasm32"))]
            start: std::time::Instant::now(),
        }
    }

    /// Seconds since [`Stopwatch::start`] (0 on `wasm32`).
    fn seconds(&self) -> f64 {
        #[cfg(not(target_arch = "wasm32"))]
        {
            self.start.elapsed().as_secs_f64()
        }
        #[cfg(target_arch = "wasm32")]
        {
            0.0
        }
    }
}
