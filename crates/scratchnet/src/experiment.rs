//! The whole tutorial as one call: shuffle, split, standardize with the training statistics,
//! train the network and the logistic-regression baseline, and report both on train and test.

use std::ops::ControlFlow;
use std::time::Instant;

use serde::Serialize;

use ndarray::{ArrayView2, Zip};

use crate::data::{Dataset, Standardizer};
use crate::metrics::{ConfusionMatrix, Report};
use crate::model_file::Model;
use crate::nn::Network;
use crate::train::{EpochInfo, Stream, TrainConfig, rng};
use crate::{Error, Result};

/// An experiment: training settings plus the share of rows held out for testing.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// Settings for the network (the baseline uses the same epochs, rate and seed).
    pub config: TrainConfig,
    /// Share of rows held out for testing, in [0, 1). Default 0.2.
    pub test_split: f64,
    /// Record the learning curve every this many epochs (`None`: do not record). Default `None`.
    pub log_every: Option<usize>,
}

impl Default for Experiment {
    fn default() -> Self {
        Experiment {
            config: TrainConfig::default(),
            test_split: 0.2,
            log_every: None,
        }
    }
}

/// One point of the learning curve: the network after `epoch` updates, on train and test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    /// Updates done.
    pub epoch: usize,
    /// Loss on the training set.
    pub train_loss: f64,
    /// Accuracy on the training set.
    pub train_accuracy: f64,
    /// Loss on the test set (when there is one).
    pub test_loss: Option<f64>,
    /// Accuracy on the test set (when there is one).
    pub test_accuracy: Option<f64>,
}

/// Loss and accuracy (threshold 0.5) of `net` on standardized X (n_x × m), Y (1 × m).
pub fn loss_and_accuracy(net: &Network, x: ArrayView2<f64>, y: ArrayView2<f64>) -> (f64, f64) {
    let cache = net.forward(x);
    let loss = net.cost(&cache, y);
    let correct = Zip::from(cache.output())
        .and(y)
        .fold(0usize, |n, &p, &t| n + usize::from((p > 0.5) == (t > 0.5)));
    (loss, correct as f64 / y.ncols().max(1) as f64)
}

/// The learning curve as CSV: `epoch,train_loss,train_accuracy[,test_loss,test_accuracy]`.
pub fn curve_csv(curve: &[CurvePoint]) -> String {
    let with_test = curve.first().is_some_and(|p| p.test_loss.is_some());
    let mut out = String::from("epoch,train_loss,train_accuracy");
    if with_test {
        out.push_str(",test_loss,test_accuracy");
    }
    out.push('\n');
    for p in curve {
        out.push_str(&format!(
            "{},{},{}",
            p.epoch, p.train_loss, p.train_accuracy
        ));
        if let (Some(l), Some(a)) = (p.test_loss, p.test_accuracy) {
            out.push_str(&format!(",{l},{a}"));
        }
        out.push('\n');
    }
    out
}

/// The JSON report: the network and the baseline on train and (when there is one) test data.
#[derive(Debug, Clone, Serialize)]
pub struct ExperimentReport {
    /// e.g. `2-4-1 tanh/sigmoid`.
    pub model: String,
    /// Epochs trained.
    pub epochs: usize,
    /// Wall-clock training time of the network, in seconds.
    pub seconds: f64,
    /// Metrics on the training set.
    pub train: Report,
    /// Metrics on the test set; absent with `test_split` 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<Report>,
    /// The logistic-regression baseline.
    pub baseline: BaselineReport,
}

/// The baseline's part of the report.
#[derive(Debug, Clone, Serialize)]
pub struct BaselineReport {
    /// Always `logistic regression`.
    pub model: String,
    /// Wall-clock training time, in seconds.
    pub seconds: f64,
    /// Metrics on the training set.
    pub train: Report,
    /// Metrics on the test set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<Report>,
}

/// Everything an experiment produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The trained network with its standardizer and labels.
    pub model: Model,
    /// The trained logistic regression (a network without hidden layers).
    pub baseline: Model,
    /// The training rows (raw units, shuffled).
    pub train: Dataset,
    /// The test rows (raw units); empty with `test_split` 0.
    pub test: Dataset,
    /// The network's training loss after each epoch (epochs + 1 values).
    pub history: Vec<f64>,
    /// The learning curve, when `log_every` was set: epoch 0, every k-th epoch, and the last.
    pub curve: Vec<CurvePoint>,
    /// The report.
    pub report: ExperimentReport,
}

/// Metrics of `model` on a labelled data set in raw units.
pub fn evaluate(model: &Model, data: &Dataset) -> Result<Report> {
    if data.feature_names != model.features {
        return Err(Error::Invalid(format!(
            "data has features ({}) but the model was trained on ({})",
            data.feature_names.join(", "),
            model.features.join(", ")
        )));
    }
    let xs = model.standardizer.transform(data.x.view())?;
    let cache = model.network.forward(xs.view());
    crate::model_file::check_finite_output(&cache.output().to_owned())?;
    let y = data.y();
    let loss = model.network.cost(&cache, y.view());
    let predicted: Vec<usize> = cache
        .output()
        .row(0)
        .iter()
        .map(|&p| usize::from(p > 0.5))
        .collect();
    Ok(Report::new(
        loss,
        ConfusionMatrix::from_labels(&predicted, &data.labels),
    ))
}

impl Experiment {
    /// Checks the settings.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..1.0).contains(&self.test_split) {
            return Err(Error::Config(format!(
                "--test-split must be in [0, 1), got {}",
                self.test_split
            )));
        }
        self.config.validate()
    }

    /// Runs the experiment on `data`; `on_epoch` sees the network's progress.
    pub fn run(
        &self,
        data: &Dataset,
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Outcome> {
        self.validate()?;
        if data.classes.len() != 2 {
            return Err(Error::Invalid(format!(
                "need two classes, got {}",
                data.classes.len()
            )));
        }
        // set.seed(69); df[sample(nrow(df)), ]; 80/20 split
        let mut shuffled = data.clone();
        shuffled.shuffle(&mut rng(self.config.seed, Stream::Data));
        let (train, test) = shuffled.split(1.0 - self.test_split)?;
        if train.class_counts().contains(&0) {
            return Err(Error::Invalid(format!(
                "the training split holds only one class ({} rows); use more data or another --seed",
                train.n_samples()
            )));
        }
        // scale() with the *training* statistics, applied to train and test alike
        let standardizer = Standardizer::fit(train.x.view());
        let x_train = standardizer.transform(train.x.view())?;
        let y_train = train.y();

        let x_test = standardizer.transform(test.x.view())?;
        let y_test = test.y();
        let has_test = test.n_samples() > 0;
        let mut curve = Vec::new();
        let mut on_epoch = on_epoch;
        let mut record = |net: &Network, epoch: usize| {
            let (train_loss, train_accuracy) =
                loss_and_accuracy(net, x_train.view(), y_train.view());
            let (test_loss, test_accuracy) = if has_test {
                let (l, a) = loss_and_accuracy(net, x_test.view(), y_test.view());
                (Some(l), Some(a))
            } else {
                (None, None)
            };
            curve.push(CurvePoint {
                epoch,
                train_loss,
                train_accuracy,
                test_loss,
                test_accuracy,
            });
        };
        let start = Instant::now();
        let network = self.config.init_network(x_train.view(), y_train.view())?;
        if self.log_every.is_some() {
            record(&network, 0);
        }
        let fitted = self
            .config
            .fit_from(network, x_train.view(), y_train.view(), |info| {
                if let Some(k) = self.log_every {
                    if info.epoch % k.max(1) == 0 || info.epoch == info.epochs {
                        record(info.network, info.epoch);
                    }
                }
                on_epoch(info)
            })?;
        let seconds = start.elapsed().as_secs_f64();
        let history = fitted.history.clone();

        let baseline_cfg = TrainConfig {
            hidden: vec![],
            ..self.config.clone()
        };
        let start = Instant::now();
        let base_net = baseline_cfg.init_network(x_train.view(), y_train.view())?;
        let base_fit = baseline_cfg.fit_from(base_net, x_train.view(), y_train.view(), |_| {
            ControlFlow::Continue(())
        })?;
        let baseline_seconds = start.elapsed().as_secs_f64();

        let model = Model::from_training(&train, standardizer.clone(), fitted, &self.config);
        let baseline = Model::from_training(&train, standardizer, base_fit, &baseline_cfg);
        let report = ExperimentReport {
            model: model.network.describe(),
            epochs: model.training.epochs,
            seconds,
            train: evaluate(&model, &train)?,
            test: if has_test {
                Some(evaluate(&model, &test)?)
            } else {
                None
            },
            baseline: BaselineReport {
                model: "logistic regression".into(),
                seconds: baseline_seconds,
                train: evaluate(&baseline, &train)?,
                test: if has_test {
                    Some(evaluate(&baseline, &test)?)
                } else {
                    None
                },
            },
        };
        Ok(Outcome {
            model,
            baseline,
            train,
            test,
            history,
            curve,
            report,
        })
    }
}
