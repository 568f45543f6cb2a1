//! The model file: a versioned JSON document holding everything needed to apply a trained
//! network to new raw data: feature names, the standardizer, the label mapping and the layers.
//!
//! ```text
//! {"format": "scratchnet-model", "version": 1,
//!  "features": ["x1", "x2"], "target": "y", "classes": ["0", "1"],
//!  "standardizer": {"mean": [..], "std": [..]},
//!  "layers": [{"weights": [[..], ..], "bias": [..], "activation": "tanh"}, …],
//!  "training": {"seed": 69, "epochs": 10000, "learning_rate": 1.2, "final_loss": ..}}
//! ```
//! Version 2 adds what k classes and regression need: `classes` holds k labels for a softmax
//! output and is empty for regression, whose file also has `target_standardizer` (the target's
//! training mean and deviation); `training` may record the optimizer and early stopping.
//! Version 3 adds `prep`, the fitted column plan ([`crate::prep::Plan`]: each input column's
//! kind, imputation value and categories), written by `train` from a CSV file; `features` then
//! names the encoded columns (`island=Biscoe`). Without it (versions 1 and 2, and the
//! estimator's models) the features are read as numbers, as before.
//! Version 1 files (the foundation's, binary only) and version 2 files still load.
//! Weights are rows = units out, columns = units in (W is n_out × n_in). Numbers are written
//! with enough digits to read back bit for bit.

mod reading;

use std::path::Path;

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::data::csv::{
    CsvSpec, RawTable, encode_labels, read_csv_input, read_text_csv, regression_values,
};
use crate::data::{CsvInput, Dataset, Scalers, Standardizer, Task};
use crate::engine::EngineKind;
pub use crate::nn::network::classes_of;
use crate::nn::{Activation, Dense, Network};
use crate::prep::{Plan, Warning, drop_missing_targets};
use crate::train::{Fitted, TrainConfig};
use crate::{Error, Result};

/// The `format` value that marks our files.
pub const FORMAT: &str = "scratchnet-model";
/// The newest format version this build reads and the one it writes.
pub const VERSION: u64 = 3;
/// Model files larger than this are refused (1 GiB): by their length before they are read, and
/// by the bytes read for pipes and devices. The writer agrees: a network whose file could be
/// larger is refused before training ([`check_file_size`]), so every model scratchnet writes
/// can be read back. Parsing takes at most 96 bytes per JSON value plus 6 per byte (30 per
/// control or non-ASCII byte) and 4 kB beyond the file's bytes (checked against the machine's memory before parsing).
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// Most bytes the writer takes for one weight: 10 spaces of indentation, a number of at most
/// 24 characters (`-2.2250738585072014e-308`), a comma and a newline.
const MAX_BYTES_PER_WEIGHT: u64 = 36;
/// Layers wider than this are refused (a guard against hostile files).
pub const MAX_UNITS: usize = 1 << 20;

/// Refuses, before training, a network of layer sizes `sizes` (n_x, the hidden layers, n_y)
/// whose model file could be larger than [`MAX_FILE_BYTES`], so that the training is not lost
/// to a file that cannot be written (or read back).
pub fn check_file_size(sizes: &[usize]) -> Result<()> {
    let (bound, params) = file_bytes_at_most(sizes);
    if bound <= MAX_FILE_BYTES {
        return Ok(());
    }
    Err(Error::config(
        "hidden",
        format!(
            "gives a network of {params} parameters, whose model file could take {} (up to \
             {MAX_BYTES_PER_WEIGHT} bytes a weight), more than the 1 GiB a model file may \
             have; use smaller hidden layers",
            crate::memory::human(bound),
        ),
    ))
}

/// An upper bound of the bytes of a model file of layer sizes `sizes`, and its parameters:
/// each weight and bias at [`MAX_BYTES_PER_WEIGHT`], each weight row's brackets, the
/// standardizer's mean and deviation per feature, and 1 MB for everything else.
fn file_bytes_at_most(sizes: &[usize]) -> (u64, u64) {
    let (mut bytes, mut params) = (1_000_000u64, 0u64);
    for w in sizes.windows(2) {
        let (n_in, n_out) = (w[0] as u64, w[1] as u64);
        let p = (n_in + 1).saturating_mul(n_out);
        params = params.saturating_add(p);
        bytes = bytes
            .saturating_add(p.saturating_mul(MAX_BYTES_PER_WEIGHT))
            .saturating_add(n_out.saturating_mul(24))
            .saturating_add(200);
    }
    let n_x = sizes.first().map_or(0, |&n| n as u64);
    bytes = bytes.saturating_add(n_x.saturating_mul(2 * MAX_BYTES_PER_WEIGHT));
    (bytes, params)
}

/// How a model was trained, kept in the file for the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// The seed of every random choice.
    pub seed: u64,
    /// Epochs of gradient descent.
    pub epochs: usize,
    /// The learning rate α.
    pub learning_rate: f64,
    /// Training loss after the last epoch.
    pub final_loss: f64,
    /// The optimizer with its hyper-parameters, when not plain gradient descent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<String>,
    /// How the weights started: `small-uniform`, `xavier`, `he`, or `continued` (--init-from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<String>,
    /// The L2 weight decay λ, when not 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l2: Option<f64>,
    /// The learning-rate schedule, when not constant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr_schedule: Option<String>,
    /// Mini-batch size, when not full-batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<usize>,
    /// With early stopping: the epoch whose weights were kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_epoch: Option<usize>,
    /// The epoch at which training was interrupted (Ctrl-C), when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted_at: Option<usize>,
    /// `f32` when training computed in f32 (`--precision f32`); absent for f64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<String>,
    /// `balanced` when the cost weighed each class by m / (K · n_k) (`--class-weight`);
    /// absent without class weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_weight: Option<String>,
    /// Where the sample weights of the cost came from: the CSV column (`--sample-weight`), or
    /// `given` for weights given to the library; absent without sample weights. Predictions
    /// need no weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_weight: Option<String>,
}

/// A trained model: the network plus what it needs to read raw data and write labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The feature columns, in the order the network reads them.
    pub features: Vec<String>,
    /// The target column's name.
    pub target: String,
    /// Class labels; `classes[1]` is the positive class.
    pub classes: Vec<String>,
    /// Statistics of the training data, applied to any input before the network.
    pub standardizer: Standardizer,
    /// Regression only: the target's training mean and deviation (predictions are mapped
    /// back through it).
    pub target_standardizer: Option<Standardizer>,
    /// The trained network.
    pub network: Network,
    /// How it was trained.
    pub training: TrainingInfo,
    /// The engine that computes its predictions: the one it was trained with, the fast one
    /// for a loaded file (not saved: both compute the same numbers).
    pub engine: EngineKind,
    /// The column plan that turns raw rows into `features` (see [`crate::prep`]); `None`
    /// reads the features as numbers.
    pub prep: Option<Plan>,
    /// The decision threshold of a two-class model, when training chose one: positive when
    /// p > T (`eval` and `predict` use it unless `--threshold` says otherwise); `None` is 0.5.
    pub threshold: Option<f64>,
}

/// Rows read for a model: the data set in its features, each sample's file line, and what
/// the column plan did (unseen categories, dropped rows).
#[derive(Debug)]
pub struct ReadData {
    /// The data set, in the model's (encoded) features.
    pub data: Dataset,
    /// The 1-based file line of each sample.
    pub lines: Vec<u64>,
    /// The plan's warnings.
    pub warnings: Vec<Warning>,
}

#[derive(Serialize, Deserialize)]
struct LayerFile {
    weights: reading::Weights,
    bias: Vec<f64>,
    activation: Activation,
}

#[derive(Serialize, Deserialize)]
struct ModelFile {
    format: String,
    version: u64,
    features: Vec<String>,
    target: String,
    classes: Vec<String>,
    standardizer: Standardizer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target_standardizer: Option<Standardizer>,
    layers: Vec<LayerFile>,
    training: TrainingInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prep: Option<Plan>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    threshold: Option<f64>,
}

#[derive(Deserialize)]
struct Header {
    format: Option<reading::Scalar>,
    version: Option<reading::Scalar>,
}

impl Model {
    /// Wraps a trained network with what it needs to read raw data: the feature names, target
    /// and classes of `data` (the training set), the standardizer fitted on it, and how it
    /// was trained.
    pub fn from_training(
        data: &Dataset,
        standardizer: Standardizer,
        fitted: Fitted,
        config: &TrainConfig,
    ) -> Model {
        let scalers = Scalers {
            features: standardizer,
            target: None,
        };
        Model::trained_on(
            data.feature_names.clone(),
            data.target_name.clone(),
            data.classes().to_vec(),
            scalers,
            fitted,
            config,
        )
    }

    /// A trained network wrapped with the names of its training rows, their standardizers
    /// and how it was trained.
    pub(crate) fn trained_on(
        features: Vec<String>,
        target: String,
        classes: Vec<String>,
        scalers: Scalers,
        fitted: Fitted,
        config: &TrainConfig,
    ) -> Model {
        Model {
            features,
            target,
            classes,
            standardizer: scalers.features,
            target_standardizer: scalers.target,
            network: fitted.network,
            engine: config.engine,
            training: TrainingInfo {
                seed: config.seed,
                epochs: fitted.history.len().saturating_sub(1),
                learning_rate: config.learning_rate,
                final_loss: fitted.history.last().copied().unwrap_or(f64::NAN),
                optimizer: (config.optimizer != crate::optim::OptimizerKind::Gd)
                    .then(|| config.optimizer.describe()),
                init: Some(config.init_for().name().to_string()),
                l2: (config.l2 > 0.0).then_some(config.l2),
                lr_schedule: (config.schedule != crate::optim::Schedule::Constant)
                    .then(|| config.schedule.describe()),
                batch_size: config.batch_size,
                best_epoch: fitted.best_epoch,
                interrupted_at: None,
                precision: (config.precision != crate::train::Precision::F64)
                    .then(|| config.precision.name().to_string()),
                class_weight: None,
                sample_weight: None,
            },
            prep: None,
            threshold: None,
        }
    }

    /// The decision threshold of a two-class model: the one it was trained with, or 0.5.
    pub fn decision_threshold(&self) -> f64 {
        self.threshold.unwrap_or(crate::metrics::DEFAULT_THRESHOLD)
    }

    /// What the model is for: two classes, k classes or regression.
    pub fn task(&self) -> Task {
        self.network
            .layers()
            .last()
            .and_then(|l| Task::of_output(l.activation()))
            .unwrap_or(Task::Binary)
    }

    /// The network's output for raw (unstandardized) X (d × m): two classes, the probability of
    /// the positive class (1 × m); k classes, one probability per class (k × m); regression,
    /// the predicted values in the target's original units (1 × m). An error, never NaN, when
    /// the model's numbers overflow on this data.
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let xs = self.standardizer.transform(x)?;
        let mut out = self.engine.predict_proba(&self.network, xs.view())?;
        if let Some(t) = &self.target_standardizer {
            out = t.inverse(out.view());
        }
        check_finite_output(&out)?;
        Ok(out)
    }

    /// Predicted class indices for raw X (d × m): for two classes the positive one when its
    /// probability exceeds [`Model::decision_threshold`] (as `predict` and `eval` decide), the
    /// most probable class for k. (For regression, use [`Model::predict_proba`].)
    pub fn predict_classes(&self, x: ArrayView2<f64>) -> Result<Vec<usize>> {
        let out = self.predict_proba(x)?;
        Ok(crate::experiment::classes_at(
            &out,
            self.decision_threshold(),
        ))
    }

    /// Serializes the model as pretty JSON.
    pub fn to_json(&self) -> String {
        let file = ModelFile {
            format: FORMAT.into(),
            // version 3 only for a model with a column plan or a threshold: a plain one is
            // written as before
            version: if self.prep.is_some() || self.threshold.is_some() {
                VERSION
            } else {
                2
            },
            features: self.features.clone(),
            target: self.target.clone(),
            classes: self.classes.clone(),
            standardizer: self.standardizer.clone(),
            target_standardizer: self.target_standardizer.clone(),
            layers: self
                .network
                .layers()
                .iter()
                .map(|l| LayerFile {
                    weights: reading::Weights::from_rows(
                        l.w().nrows(),
                        l.w().ncols(),
                        l.w().iter().copied().collect(),
                    ),
                    bias: l.b().to_vec(),
                    activation: l.activation(),
                })
                .collect(),
            training: self.training.clone(),
            prep: self.prep.clone(),
            threshold: self.threshold,
        };
        let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Writes the model to `path` atomically. A model whose file would be larger than
    /// [`MAX_FILE_BYTES`] (which [`check_file_size`] prevents before training) is refused.
    pub fn save(&self, path: &Path) -> Result<()> {
        if !self.network.is_finite() {
            return Err(Error::Invalid(
                "refusing to save a model whose weights are not all finite".into(),
            ));
        }
        let json = self.to_json();
        if json.len() as u64 > MAX_FILE_BYTES {
            return Err(Error::Invalid(format!(
                "{}: refusing to write a model file of {} bytes, more than the {MAX_FILE_BYTES} \
                 bytes a model file may have",
                path.display(),
                json.len()
            )));
        }
        crate::io::write_atomic(path, json.as_bytes())
    }

    /// Reads and checks a model file.
    pub fn load(path: &Path) -> Result<Model> {
        let err = |message: String| Error::Model {
            path: path.to_path_buf(),
            message,
        };
        let bytes = reading::read_bounded(path).map_err(|e| match e {
            reading::ReadError::Io(e) => Error::io(path, e),
            other => err(other.message()),
        })?;
        crate::memory::check(
            reading::parse_need(&bytes),
            &format!("reading model file {}", path.display()),
        )?;
        Model::from_json(&bytes).map_err(err)
    }

    /// Parses and checks a model from JSON bytes; the error is a one-line reason.
    pub fn from_json(bytes: &[u8]) -> std::result::Result<Model, String> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        reading::check_depth(bytes)?;
        check_format_and_version(bytes)?;
        let file: ModelFile = serde_json::from_slice(bytes)
            .map_err(|e| format!("malformed model file: {}", reading::json_error(&e)))?;
        Model::from_file(file)
    }

    /// Checks a parsed file in steps (features and classes, the standardizer, each layer's
    /// shape and finiteness, the activations against the classes) and builds the model.
    fn from_file(file: ModelFile) -> std::result::Result<Model, String> {
        let d = check_features_and_classes(&file.features, &file.classes)?;
        check_standardizer(&file.standardizer, d)?;
        let max_layers = crate::train::MAX_HIDDEN_LAYERS + 1;
        if file.layers.len() > max_layers {
            return Err(format!(
                "model has {} layers; at most {max_layers} (1000 hidden and the output) are allowed",
                file.layers.len()
            ));
        }
        let activations: Vec<Activation> = file.layers.iter().map(|l| l.activation).collect();
        let (layers, n_out) = layers_from(file.layers, d)?;
        check_activations(
            &activations,
            n_out,
            file.classes.len(),
            file.target_standardizer.as_ref(),
        )?;
        let network = Network::new(layers).map_err(|e| e.to_string())?;
        if let Some(plan) = &file.prep {
            plan.check(&file.features)?;
        }
        if let Some(t) = file.threshold {
            if file.classes.len() != 2 {
                return Err("\"threshold\" applies to two-class models only".into());
            }
            crate::experiment::check_threshold(t)
                .map_err(|_| format!("\"threshold\" must be in (0, 1), got {t}"))?;
        }
        Ok(Model {
            features: file.features,
            target: file.target,
            classes: file.classes,
            standardizer: file.standardizer,
            target_standardizer: file.target_standardizer,
            network,
            training: file.training,
            engine: EngineKind::Fast,
            prep: file.prep,
            threshold: file.threshold,
        })
    }

    /// Reads the model's feature columns (in the model's order) and, when `with_target`, its
    /// target from a CSV input (a path, or a [`CsvInput`]), as a data set of the model's task with the file
    /// line of each sample. Class labels are encoded with the model's classes (a label it does
    /// not know is an error naming its line); a regression target must be numeric. Without
    /// the target, every label is class 0 (every value 0.0 for regression).
    ///
    /// A missing column is an error that also names what the model was trained on:
    /// `data.csv: no feature column `x2`; the columns are: x1, y (the model was trained on
    /// features x1, x2 and target `y`)`.
    pub fn read_data(
        &self,
        input: impl Into<CsvInput>,
        with_target: bool,
    ) -> Result<(Dataset, Vec<u64>)> {
        let read = self.read_raw(input, with_target, false)?;
        Ok((read.data, read.lines))
    }

    /// [`Model::read_data`] through the model's column plan, when it has one: the plan's input
    /// columns read as text, missing values imputed, categories one-hot; with the target, rows
    /// whose target is missing are dropped. An unseen category is all zeros with a warning, or
    /// an error naming its line when `strict`. Without a plan, the features are numbers.
    pub fn read_raw(
        &self,
        input: impl Into<CsvInput>,
        with_target: bool,
        strict: bool,
    ) -> Result<ReadData> {
        let input = input.into();
        let Some(plan) = &self.prep else {
            let (data, lines) = self.read_numeric(&input, with_target)?;
            return Ok(ReadData {
                data,
                lines,
                warnings: Vec::new(),
            });
        };
        let (used, note) = self.input_columns();
        let spec = CsvSpec {
            target: with_target.then_some(self.target.as_str()),
            features: Some(&used),
        };
        let mut table = read_text_csv(&input, &spec, Some(&note))?;
        let mut warnings = drop_missing_targets(&mut table, &plan.na_values)?;
        let (x, w) = plan.apply(&table, strict)?;
        warnings.extend(w);
        let lines = table.lines.clone();
        let raw = RawTable {
            path: table.path,
            feature_names: self.features.clone(),
            x,
            target: table.target,
            lines: table.lines,
        };
        Ok(ReadData {
            data: self.dataset_from(raw)?,
            lines,
            warnings,
        })
    }

    /// The input columns the model reads (its plan's, or its features as numbers), and the
    /// note that a message about a missing one adds.
    pub(crate) fn input_columns(&self) -> (Vec<String>, String) {
        let target = crate::quoted(&self.target);
        match &self.prep {
            Some(plan) => {
                let used = plan.used_columns();
                let note = format!(
                    "the model was trained on columns {} and target `{target}`",
                    quoted_list(&used)
                );
                (used, note)
            }
            None => {
                let note = format!(
                    "the model was trained on features {} and target `{target}`",
                    quoted_list(&self.features)
                );
                (self.features.clone(), note)
            }
        }
    }

    /// The model's feature columns read as numbers (a model without a plan).
    fn read_numeric(&self, input: &CsvInput, with_target: bool) -> Result<(Dataset, Vec<u64>)> {
        let (features, note) = self.input_columns();
        let spec = CsvSpec {
            target: with_target.then_some(self.target.as_str()),
            features: Some(&features),
        };
        let table = read_csv_input(input, &spec, Some(&note))?;
        let lines = table.lines.clone();
        Ok((self.dataset_from(table)?, lines))
    }

    /// A table read with the model's columns as a data set of the model's task.
    pub(crate) fn dataset_from(&self, table: RawTable) -> Result<Dataset> {
        let m = table.lines.len();
        let target = self.target.clone();
        match (self.task(), &table.target) {
            (Task::Regression, Some(_)) => {
                let values = regression_values(&table)?;
                Dataset::regression(table.feature_names, target, table.x, values)
            }
            (Task::Regression, None) => {
                Dataset::regression(table.feature_names, target, table.x, vec![0.0; m])
            }
            (_, Some(_)) => {
                let labels = encode_labels(&table, &self.classes)?;
                let classes = self.classes.clone();
                Dataset::new(table.feature_names, target, table.x, labels, classes)
            }
            (_, None) => {
                let classes = self.classes.clone();
                Dataset::new(table.feature_names, target, table.x, vec![0; m], classes)
            }
        }
    }
}

/// Checks that `bytes` are JSON with our `format` and a `version` this build reads (1 to
/// [`VERSION`]), before the whole file is parsed.
fn check_format_and_version(bytes: &[u8]) -> std::result::Result<u64, String> {
    let not_ours = "not a scratchnet model file (expected \"format\": \"scratchnet-model\")";
    let header: Header = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            format!(
                "not a scratchnet model file (invalid JSON: {})",
                reading::json_error(&e)
            )
        } else if e.to_string().contains("duplicate field") {
            format!("malformed model file: {}", reading::json_error(&e))
        } else {
            not_ours.to_string()
        }
    })?;
    if header.format.as_ref().and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(not_ours.into());
    }
    let version = match &header.version {
        None => return Err("model file has no \"version\"".into()),
        Some(v) => v
            .as_u64()
            .ok_or_else(|| format!("\"version\" must be a whole number ≥ 1, got {v}"))?,
    };
    if version > VERSION {
        return Err(format!(
            "model format version {version} is newer than this scratchnet reads (up to {VERSION}); upgrade scratchnet"
        ));
    }
    if version == 0 {
        return Err("model format version 0 does not exist".into());
    }
    Ok(version)
}

/// At least one feature, and no class twice. Returns d, the number of features.
fn check_features_and_classes(
    features: &[String],
    classes: &[String],
) -> std::result::Result<usize, String> {
    if features.is_empty() {
        return Err("model has no features".into());
    }
    // a set of the names seen so far: linear (200,000 classes took 78 s with a scan per class)
    for (names, what, key) in [
        (features, "feature", "features"),
        (classes, "class", "classes"),
    ] {
        let mut seen: std::collections::HashSet<&str> =
            std::collections::HashSet::with_capacity(names.len());
        for name in names {
            if !seen.insert(name.as_str()) {
                return Err(format!(
                    "{what} `{}` appears twice in \"{key}\"",
                    crate::quoted(name)
                ));
            }
        }
    }
    Ok(features.len())
}

/// One finite mean and one positive normal deviation per feature (d of each).
fn check_standardizer(st: &Standardizer, d: usize) -> std::result::Result<(), String> {
    if st.mean().len() != d || st.std().len() != d {
        return Err(format!(
            "standardizer has {} means and {} deviations for {d} features",
            st.mean().len(),
            st.std().len()
        ));
    }
    if st.mean().iter().any(|v| !v.is_finite())
        || st.std().iter().any(|v| !(v.is_normal() && *v > 0.0))
    {
        return Err(
            "standardizer has non-finite means, or deviations that are not positive normal numbers"
                .into(),
        );
    }
    Ok(())
}

/// The layers, each checked against the one below (the first against the d features).
/// Returns them with the units of the last one.
fn layers_from(
    files: Vec<LayerFile>,
    d: usize,
) -> std::result::Result<(Vec<Dense>, usize), String> {
    let mut layers = Vec::with_capacity(files.len());
    let mut n_in = d;
    for (i, l) in files.into_iter().enumerate() {
        let (layer, n_out) = layer_from(&format!("layer {}", i + 1), l, n_in)?;
        layers.push(layer);
        n_in = n_out;
    }
    Ok((layers, n_in))
}

/// One layer: W (n_out × n_in) with 1 ≤ n_out ≤ [`MAX_UNITS`], b (n_out), all finite.
/// Returns it with n_out.
fn layer_from(
    here: &str,
    l: LayerFile,
    n_in: usize,
) -> std::result::Result<(Dense, usize), String> {
    let n_out = l.weights.rows;
    if n_out == 0 || n_out > MAX_UNITS {
        return Err(format!("{here} has {n_out} units"));
    }
    let bad_row = match l.weights.ragged {
        _ if l.weights.cols != n_in => Some((0, l.weights.cols)),
        ragged => ragged,
    };
    if let Some((r, len)) = bad_row {
        return Err(format!(
            "{here}: weight row {} has {len} entries, expected {n_in} (the units of the layer below)",
            r + 1,
        ));
    }
    if l.bias.len() != n_out {
        return Err(format!(
            "{here}: bias has {} entries, expected {n_out}",
            l.bias.len()
        ));
    }
    let flat = l.weights.values;
    if flat.iter().chain(&l.bias).any(|v| !v.is_finite()) {
        return Err(format!("{here} has non-finite weights"));
    }
    let limit = crate::train::DIVERGENCE_LIMIT;
    if let Some(big) = flat.iter().chain(&l.bias).find(|v| v.abs() > limit) {
        return Err(format!(
            "{here} has a weight of {}, larger than {limit:e} in size (training stops as diverged before that)",
            crate::error::short(*big)
        ));
    }
    let w = Array2::from_shape_vec((n_out, n_in), flat).map_err(|e| e.to_string())?;
    let dense = Dense::new(w, Array1::from(l.bias), l.activation).map_err(|e| e.to_string())?;
    Ok((dense, n_out))
}

/// At least one layer; softmax only at the output; the output fits the task: a sigmoid has 1
/// unit and 2 classes, a softmax one unit per class (k ≥ 2), an identity (regression) 1 unit,
/// no classes and a valid target standardizer. `n_out` is the output's units, `k` the classes.
fn check_activations(
    activations: &[Activation],
    n_out: usize,
    k: usize,
    target_standardizer: Option<&Standardizer>,
) -> std::result::Result<(), String> {
    let Some((&output, hidden)) = activations.split_last() else {
        return Err("model has no layers".into());
    };
    if let Some(l) = hidden.iter().position(|a| !a.is_elementwise()) {
        return Err(format!(
            "layer {} is a hidden layer with a softmax activation",
            l + 1
        ));
    }
    let regression_ok = n_out == 1 && k == 0 && is_target_standardizer(target_standardizer);
    match Task::of_output(output) {
        Some(Task::Binary) if n_out == 1 && k == 2 => Ok(()),
        Some(Task::Binary) => Err(format!(
            "a sigmoid output needs 1 unit and 2 classes, has {n_out} and {k}"
        )),
        Some(Task::Multiclass) if n_out == k && k >= 2 => Ok(()),
        Some(Task::Multiclass) => Err(format!(
            "a softmax output needs one unit per class, has {n_out} units and {k} classes"
        )),
        Some(Task::Regression) if regression_ok => Ok(()),
        Some(Task::Regression) => Err(
            "a regression model needs 1 output unit, no classes and a valid \"target_standardizer\""
                .into(),
        ),
        None => Err(format!(
            "output activation `{output}` is not one scratchnet uses"
        )),
    }
}

/// A regression target's standardizer: one finite mean and one positive normal deviation.
fn is_target_standardizer(t: Option<&Standardizer>) -> bool {
    t.is_some_and(|t| {
        t.mean().len() == 1
            && t.std().len() == 1
            && t.mean()[0].is_finite()
            && t.std()[0].is_normal()
            && t.std()[0] > 0.0
    })
}

/// Names as a message lists them, each through [`crate::quoted`].
fn quoted_list(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().map(|n| crate::quoted(n)).collect();
    shown.join(", ")
}

/// An error when a model's output holds NaN or infinity (weights so large that they overflow).
pub(crate) fn check_finite_output(out: &Array2<f64>) -> Result<()> {
    if out.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Error::Invalid(
            "the model's output is not a finite number on this data (its weights or the inputs are too large)".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Init, LayerSizes};
    use rand::SeedableRng;

    fn model() -> Model {
        let sizes = LayerSizes {
            n_x: 2,
            n_h: vec![3],
            n_y: 1,
        };
        let network = Network::init(
            &sizes,
            Activation::Tanh,
            Activation::Sigmoid,
            Init::Xavier,
            &mut crate::Rng::seed_from_u64(1),
        )
        .unwrap();
        Model {
            features: vec!["a".into(), "b".into()],
            target: "y".into(),
            classes: vec!["no".into(), "yes".into()],
            standardizer: Standardizer::new(vec![1.0, 2.0], vec![0.5, 3.0]).unwrap(),
            target_standardizer: None,
            network,
            training: TrainingInfo {
                seed: 1,
                epochs: 0,
                learning_rate: 1.2,
                final_loss: 0.69,
                optimizer: None,
                init: None,
                l2: None,
                lr_schedule: None,
                batch_size: None,
                best_epoch: None,
                interrupted_at: None,
                precision: None,
                class_weight: None,
                sample_weight: None,
            },
            engine: EngineKind::Fast,
            prep: None,
            threshold: None,
        }
    }

    #[test]
    fn round_trips_bit_for_bit() {
        let m = model();
        let back = Model::from_json(m.to_json().as_bytes()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn rejects_files_that_are_not_ours() {
        assert!(
            Model::from_json(b"{\"a\": 1}")
                .unwrap_err()
                .contains("not a scratchnet model")
        );
        assert!(
            Model::from_json(b"[1, 2]")
                .unwrap_err()
                .contains("not a scratchnet model")
        );
        assert!(
            Model::from_json(b"hello")
                .unwrap_err()
                .contains("invalid JSON")
        );
        assert!(
            Model::from_json(b"")
                .unwrap_err()
                .contains("not a scratchnet model")
        );
    }

    #[test]
    fn a_duplicate_among_200000_classes_is_found_in_one_pass() {
        // the check keeps a set (it scanned all earlier classes per class: 78 s for these)
        let mut classes: Vec<String> = (0..200_000).map(|i| format!("k{i}")).collect();
        classes.push("k3".into());
        let e = check_features_and_classes(&["x".into()], &classes).unwrap_err();
        assert!(e.contains("class `k3` appears twice"), "{e}");
        classes.pop();
        assert_eq!(check_features_and_classes(&["x".into()], &classes), Ok(1));
    }

    #[test]
    fn rejects_a_future_version() {
        let json = model()
            .to_json()
            .replace("\"version\": 2", "\"version\": 4");
        let e = Model::from_json(json.as_bytes()).unwrap_err();
        assert!(e.contains("version 4 is newer"), "{e}");
    }

    #[test]
    fn rejects_shapes_that_do_not_chain() {
        let mut v: serde_json::Value = serde_json::from_str(&model().to_json()).unwrap();
        v["layers"][1]["weights"][0].as_array_mut().unwrap().pop();
        let e = Model::from_json(v.to_string().as_bytes()).unwrap_err();
        assert!(
            e.contains("layer 2: weight row 1 has 2 entries, expected 3"),
            "{e}"
        );
    }

    #[test]
    fn version_must_be_a_whole_number_and_a_bom_is_fine() {
        let json = model().to_json();
        let e = Model::from_json(json.replace("\"version\": 2", "\"version\": -1").as_bytes())
            .unwrap_err();
        assert!(e.contains("\"version\" must be a whole number"), "{e}");
        let e = Model::from_json(
            json.replace("\"version\": 2", "\"version\": \"1\"")
                .as_bytes(),
        )
        .unwrap_err();
        assert!(e.contains("\"version\" must be a whole number"), "{e}");
        let with_bom = format!("\u{feff}{json}");
        assert!(Model::from_json(with_bom.as_bytes()).is_ok());
    }

    #[test]
    fn rejects_subnormal_deviations() {
        let json = model().to_json().replace("0.5", "1e-320");
        assert!(
            Model::from_json(json.as_bytes())
                .unwrap_err()
                .contains("standardizer")
        );
    }

    #[test]
    fn loads_a_version_1_file_from_the_foundation() {
        // Written by the foundation (format version 1): no target_standardizer, binary.
        let v1 = r#"{"format": "scratchnet-model", "version": 1, "features": ["x1", "x2"], "target": "y",
            "classes": ["0", "1"], "standardizer": {"mean": [0.0, 0.0], "std": [1.0, 1.0]},
            "layers": [{"weights": [[0.1, 0.2]], "bias": [0.0], "activation": "sigmoid"}],
            "training": {"seed": 69, "epochs": 0, "learning_rate": 1.2, "final_loss": 0.69}}"#;
        let m = Model::from_json(v1.as_bytes()).unwrap();
        assert_eq!(m.task(), Task::Binary);
        // a model without a column plan is written as format version 2
        assert!(m.to_json().contains("\"version\": 2"));
    }

    #[test]
    fn rejects_outputs_that_do_not_match_the_classes() {
        let mut v: serde_json::Value = serde_json::from_str(&model().to_json()).unwrap();
        v["classes"] = serde_json::json!(["a", "b", "c"]);
        let e = Model::from_json(v.to_string().as_bytes()).unwrap_err();
        assert!(
            e.contains("sigmoid output needs 1 unit and 2 classes"),
            "{e}"
        );
    }

    fn csv(dir: &tempfile::TempDir, name: &str, content: &str) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    #[test]
    fn read_data_takes_the_models_columns_in_its_order_and_its_classes() {
        let dir = tempfile::tempdir().unwrap();
        let p = csv(&dir, "d.csv", "b,extra,y,a\n2,9,yes,1\n4,9,no,3\n");
        let (d, lines) = model().read_data(&p, true).unwrap();
        assert_eq!(d.feature_names, ["a", "b"]);
        assert_eq!(d.x, ndarray::array![[1.0, 3.0], [2.0, 4.0]]);
        assert_eq!(
            (d.classes(), d.labels()),
            (&["no".to_string(), "yes".to_string()][..], &[1, 0][..])
        );
        assert_eq!(lines, [2, 3]);
        // unlabelled: no target column needed, every label class 0
        let p = csv(&dir, "u.csv", "a,b\n1,2\n");
        let (d, lines) = model().read_data(&p, false).unwrap();
        assert_eq!((d.labels().to_vec(), lines), (vec![0], vec![2]));
    }

    #[test]
    fn read_data_says_what_the_model_was_trained_on_when_a_column_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let p = csv(&dir, "d.csv", "a,q,y\n1,2,no\n");
        let e = model().read_data(&p, true).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "{}: no feature column `b`; the columns are: a, q, y \
                 (the model was trained on features a, b and target `y`)",
                p.display()
            )
        );
        let p = csv(&dir, "n.csv", "a,b,label\n1,2,no\n");
        let e = model().read_data(&p, true).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "{}: no target column `y`; the columns are: a, b, label \
                 (the model was trained on features a, b and target `y`)",
                p.display()
            )
        );
        assert!(model().read_data(&p, false).is_ok(), "no target asked for");
        // other errors are left as they are
        let p = csv(&dir, "c.csv", "a,b,y\n1,2,no\n3,4,maybe\n");
        let e = model().read_data(&p, true).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "{}:3: column `y`: `maybe` is not one of the model's classes (no, yes)",
                p.display()
            )
        );
    }

    #[test]
    fn read_data_of_a_regression_model_reads_numeric_targets() {
        let json = r#"{"format": "scratchnet-model", "version": 2, "features": ["x"], "target": "t",
            "classes": [], "standardizer": {"mean": [0.0], "std": [1.0]},
            "target_standardizer": {"mean": [10.0], "std": [2.0]},
            "layers": [{"weights": [[1.0]], "bias": [0.0], "activation": "identity"}],
            "training": {"seed": 1, "epochs": 0, "learning_rate": 0.1, "final_loss": 0.0}}"#;
        let m = Model::from_json(json.as_bytes()).unwrap();
        assert_eq!(m.task(), Task::Regression);
        let dir = tempfile::tempdir().unwrap();
        let p = csv(&dir, "r.csv", "t,x\n1.5,1\n-2,2\n");
        let (d, _) = m.read_data(&p, true).unwrap();
        assert_eq!(d.values(), [1.5, -2.0]);
        let (d, _) = m.read_data(&p, false).unwrap();
        assert_eq!(d.values(), [0.0, 0.0]);
        let p = csv(&dir, "bad.csv", "t,x\nbig,1\n");
        let e = m.read_data(&p, true).unwrap_err().to_string();
        assert!(
            e.ends_with(
                ":2: column `t`: `big` is not a number (a regression target must be numeric)"
            ),
            "{e}"
        );
    }

    #[test]
    fn loads_a_version_2_file_written_before_the_column_plan() {
        // Written by `scratchnet train planar_flower.csv --seed 69` before format version 3.
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/flower_model_v2.json");
        let v2 = std::fs::read_to_string(&path).unwrap();
        let m = Model::load(&path).unwrap();
        assert_eq!(m.prep, None);
        // without a column plan it is written back byte for byte
        assert_eq!(m.to_json(), v2);
        let (data, _) = m
            .read_data(path.with_file_name("planar_flower.csv"), true)
            .unwrap();
        assert_eq!(data.n_samples(), 400);
    }

    #[test]
    fn a_column_plan_round_trips_and_must_match_the_features() {
        let mut m = model();
        m.prep = Some(Plan {
            na_values: vec!["NA".into()],
            columns: vec![
                crate::prep::Column::Ignored { name: "id".into() },
                crate::prep::Column::Numeric {
                    name: "a".into(),
                    median: 0.5,
                    impute: crate::prep::Impute::Median,
                    missing_indicator: false,
                },
                crate::prep::Column::Numeric {
                    name: "b".into(),
                    median: -1.0,
                    impute: crate::prep::Impute::Median,
                    missing_indicator: false,
                },
            ],
        });
        let back = Model::from_json(m.to_json().as_bytes()).unwrap();
        assert_eq!(back, m);
        let bad = m.to_json().replace("\"name\": \"b\"", "\"name\": \"z\"");
        let e = Model::from_json(bad.as_bytes()).unwrap_err();
        assert!(e.contains("\"prep\" encodes the features (a, z)"), "{e}");
    }

    #[test]
    fn rejects_deeply_nested_json() {
        let deep = "[".repeat(100_000);
        assert!(Model::from_json(deep.as_bytes()).is_err());
    }
}
