//! The whole tutorial as one call: shuffle, split, standardize with the training statistics,
//! train the network and its baseline (the same network without hidden layers: logistic,
//! softmax or linear regression), and report both on train, validation and test data.

use std::borrow::Cow;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ndarray::{Array2, ArrayView2};
use serde::Serialize;

use crate::data::{Dataset, Standardizer, Task};
use crate::metrics::{ConfusionMatrix, Metrics, MulticlassReport, RegressionReport, Report};
use crate::model_file::{Model, check_finite_output, classes_of};
use crate::nn::Network;
use crate::train::{EpochInfo, Fitted, Stream, TrainConfig, rng};
use crate::{Error, Result, engine};

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
    /// Record the learning curve every this many epochs (`None`: do not record). Default `None`.
    pub log_every: Option<usize>,
    /// Continue training this model (same features, classes and task) instead of a fresh
    /// network; its standardizers are kept. Default `None`.
    pub init_from: Option<Model>,
    /// When this flag becomes true (e.g. on Ctrl-C), training stops at the end of the current
    /// epoch and the baseline is skipped; the outcome says where it stopped. Default `None`.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for Experiment {
    fn default() -> Self {
        Experiment {
            config: TrainConfig::default(),
            test_split: 0.2,
            validation: 0.0,
            log_every: None,
            init_from: None,
            cancel: None,
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
    pub train: Dataset,
    /// The validation rows, standardized; empty without validation.
    pub validation: Dataset,
    /// The test rows, standardized; empty with `test_split` 0.
    pub test: Dataset,
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
/// Y (n_y × m, standardized for regression).
pub fn loss_and_score(net: &Network, x: ArrayView2<f64>, y: ArrayView2<f64>) -> Result<(f64, f64)> {
    let (out, loss) = engine::output_and_cost(net, x, y)?;
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

/// The targets of `data` as the model's network sees them: Y (n_y × m), standardized for
/// regression.
fn network_targets(model: &Model, data: &Dataset) -> Result<Array2<f64>> {
    let y = data.y();
    match &model.target_standardizer {
        Some(t) => t.transform(y.view()),
        None => Ok(y),
    }
}

/// Metrics of `model` on a labelled data set in raw units.
pub fn evaluate(model: &Model, data: &Dataset) -> Result<Metrics> {
    if data.feature_names != model.features {
        return Err(Error::Invalid(format!(
            "data has features ({}) but the model was trained on ({})",
            data.feature_names.join(", "),
            model.features.join(", ")
        )));
    }
    let task = model.task();
    if data.task() != task || data.classes != model.classes {
        return Err(Error::Invalid(format!(
            "the data is {} with classes ({}) but the model is a {} model with classes ({})",
            data.task(),
            data.classes.join(", "),
            task,
            model.classes.join(", ")
        )));
    }
    let xs = model.standardizer.transform(data.x.view())?;
    evaluate_scaled(model, xs.view(), data)
}

/// Metrics of `model` on `data`, whose features are already standardized with the model's
/// statistics in `xs` (d × m): saves a copy of X when the caller has one.
fn evaluate_scaled(model: &Model, xs: ArrayView2<f64>, data: &Dataset) -> Result<Metrics> {
    let task = model.task();
    let y = network_targets(model, data)?;
    // chunked (big data sets never hold every layer's Z and A at once) and threaded
    let (out, loss) = engine::output_and_cost(&model.network, xs, y.view())?;
    check_finite_output(&out)?;
    Ok(match task {
        Task::Binary => {
            let predicted = classes_of(&out);
            Metrics::Binary(Report::new(
                loss,
                ConfusionMatrix::from_labels(&predicted, &data.labels),
            ))
        }
        Task::Multiclass => Metrics::Multiclass(MulticlassReport::new(
            loss,
            &model.classes,
            &classes_of(&out),
            &data.labels,
        )),
        Task::Regression => {
            let values = match &model.target_standardizer {
                Some(t) => t.inverse(out.view()),
                None => out,
            };
            let predicted: Vec<f64> = values.iter().copied().collect();
            Metrics::Regression(RegressionReport::new(loss, &predicted, &data.values))
        }
    })
}

impl Experiment {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..1.0).contains(&self.test_split) {
            return Err(Error::config(
                "test_split",
                format!("must be in [0, 1), got {}", self.test_split),
            ));
        }
        if !(0.0..1.0).contains(&self.validation) {
            return Err(Error::config(
                "validation",
                format!("must be in [0, 1), got {}", self.validation),
            ));
        }
        crate::train::check_patience(self.config.patience, self.validation > 0.0)?;
        self.config.validate()
    }

    /// True once the cancel flag is set.
    pub fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
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
        if m.task() != data.task() || m.classes != data.classes {
            return Err(Error::config(
                "init_from",
                format!(
                    "is a {} model with classes ({}) but the data is {} with classes ({})",
                    m.task(),
                    m.classes.join(", "),
                    data.task(),
                    data.classes.join(", ")
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

    fn run_inner(
        &self,
        data: Cow<'_, Dataset>,
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Outcome> {
        self.validate()?;
        self.check_init_from(&data)?;
        let task = data.task();
        let config = TrainConfig {
            output_activation: task.output_activation(),
            ..self.config.clone()
        };
        // set.seed(69); df[sample(nrow(df)), ]; 80/20 split; then a validation share of the rest
        // (shuffling indices, then copying each split once: no full shuffled copy of the data)
        let mut data_rng = rng(config.seed, Stream::Data);
        let (train_all, mut test) = match data {
            // an owned data set is permuted in place and split: only the test share is copied
            Cow::Owned(d) => d.into_shuffled_split(&mut data_rng, 1.0 - self.test_split)?,
            Cow::Borrowed(d) => d.shuffled_split(&mut data_rng, 1.0 - self.test_split)?,
        };
        let (mut train, mut validation) = if self.validation > 0.0 {
            train_all.split(1.0 - self.validation)?
        } else {
            let empty = test.select(&[]);
            (train_all, empty)
        };
        if task != Task::Regression && train.class_counts().contains(&0) {
            return Err(Error::Invalid(format!(
                "the training rows ({}) miss a class; use more data or another --seed",
                train.n_samples()
            )));
        }
        // scale() with the *training* statistics (or the continued model's), for every split
        let (standardizer, target_standardizer) = match &self.init_from {
            Some(m) => (m.standardizer.clone(), m.target_standardizer.clone()),
            None => (
                Standardizer::fit(train.x.view()),
                (task == Task::Regression).then(|| Standardizer::fit(train.y().view())),
            ),
        };
        // Standardize every split in place (no second copy of X); Y is small.
        let scaled = |d: &mut Dataset| -> Result<Array2<f64>> {
            standardizer.transform_in_place(&mut d.x)?;
            let y = d.y();
            match &target_standardizer {
                Some(t) => t.transform(y.view()),
                None => Ok(y),
            }
        };
        let y_train = scaled(&mut train)?;
        let y_val = scaled(&mut validation)?;
        let y_test = scaled(&mut test)?;
        let (x_train, x_val, x_test) = (&train.x, &validation.x, &test.x);
        let val = (validation.n_samples() > 0).then(|| (x_val.view(), y_val.view()));
        let has_test = test.n_samples() > 0;

        let mut curve = Vec::new();
        let mut record = |net: &Network, epoch: usize| {
            let (train_loss, train_score) =
                loss_and_score(net, x_train.view(), y_train.view()).unwrap_or((f64::NAN, f64::NAN));
            let (test_loss, test_score) = if has_test {
                let (l, a) = loss_and_score(net, x_test.view(), y_test.view())
                    .unwrap_or((f64::NAN, f64::NAN));
                (Some(l), Some(a))
            } else {
                (None, None)
            };
            curve.push(CurvePoint {
                epoch,
                train_loss,
                train_score,
                test_loss,
                test_score,
            });
        };
        let mut on_epoch = on_epoch;
        let start = Instant::now();
        let network = match &self.init_from {
            Some(m) => m.network.clone(),
            None => config.init_network(x_train.view(), y_train.view())?,
        };
        if self.log_every.is_some() {
            record(&network, 0);
        }
        let fitted = config.fit_from(network, x_train.view(), y_train.view(), val, |info| {
            if let Some(k) = self.log_every
                && (info.epoch % k.max(1) == 0 || info.epoch == info.epochs)
            {
                record(info.network, info.epoch);
            }
            if self.cancelled() {
                return ControlFlow::Break(());
            }
            on_epoch(info)
        })?;
        let seconds = start.elapsed().as_secs_f64();
        let (history, best_epoch, stopped_at) =
            (fitted.history.clone(), fitted.best_epoch, fitted.stopped_at);
        let interrupted_at = if self.cancelled() {
            stopped_at.or(Some(history.len() - 1))
        } else {
            None
        };

        let baseline_cfg = TrainConfig {
            hidden: vec![],
            ..config.clone()
        };
        let start = Instant::now();
        let base_net = baseline_cfg.init_network(x_train.view(), y_train.view())?;
        let base_fit =
            baseline_cfg.fit_from(base_net, x_train.view(), y_train.view(), val, |_| {
                if self.cancelled() {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })?;
        let baseline_seconds = start.elapsed().as_secs_f64();

        let wrap = |fitted: Fitted, cfg: &TrainConfig| {
            let mut m = Model::from_training(&train, standardizer.clone(), fitted, cfg);
            m.target_standardizer = target_standardizer.clone();
            m
        };
        let mut model = wrap(fitted, &config);
        model.training.interrupted_at = interrupted_at;
        if self.init_from.is_some() {
            model.training.init = Some("continued".into());
        }
        let baseline = wrap(base_fit, &baseline_cfg);
        // the validation rows are already standardized (in place, above): evaluate them as
        // they are, like train and test (standardizing them again gave wrong metrics)
        let on = |m: &Model, d: &Dataset| -> Result<Option<Metrics>> {
            if d.n_samples() > 0 {
                evaluate_scaled(m, d.x.view(), d).map(Some)
            } else {
                Ok(None)
            }
        };
        let report = ExperimentReport {
            model: model.network.describe(),
            task,
            epochs: model.training.epochs,
            seconds,
            best_epoch,
            stopped_at,
            precision: model.training.precision.clone(),
            train: evaluate_scaled(&model, x_train.view(), &train)?,
            validation: on(&model, &validation)?,
            test: if has_test {
                Some(evaluate_scaled(&model, x_test.view(), &test)?)
            } else {
                None
            },
            baseline: BaselineReport {
                model: task.baseline_name().into(),
                seconds: baseline_seconds,
                train: evaluate_scaled(&baseline, x_train.view(), &train)?,
                test: if has_test {
                    Some(evaluate_scaled(&baseline, x_test.view(), &test)?)
                } else {
                    None
                },
            },
        };
        Ok(Outcome {
            model,
            baseline,
            train,
            validation,
            test,
            history,
            curve,
            report,
            interrupted_at,
        })
    }
}
