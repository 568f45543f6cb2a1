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
//! Version 1 files (the foundation's, binary only) still load.
//! Weights are rows = units out, columns = units in (W is n_out × n_in). Numbers are written
//! with enough digits to read back bit for bit.

use std::path::Path;

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::data::{Dataset, Standardizer, Task};
pub use crate::nn::network::classes_of;
use crate::nn::{Activation, Dense, Network};
use crate::train::{Fitted, TrainConfig};
use crate::{Error, Result};

/// The `format` value that marks our files.
pub const FORMAT: &str = "scratchnet-model";
/// The newest format version this build reads and the one it writes.
pub const VERSION: u64 = 2;
/// Model files larger than this are refused before they are read (256 MiB).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// Layers wider than this are refused (a guard against hostile files).
pub const MAX_UNITS: usize = 1 << 20;

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
}

#[derive(Serialize, Deserialize)]
struct LayerFile {
    weights: Vec<Vec<f64>>,
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
}

#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
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
        Model {
            features: data.feature_names.clone(),
            target: data.target_name.clone(),
            classes: data.classes.clone(),
            standardizer,
            target_standardizer: None,
            network: fitted.network,
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
            },
        }
    }

    /// What the model is for: two classes, k classes or regression.
    pub fn task(&self) -> Task {
        self.network
            .layers
            .last()
            .and_then(|l| Task::of_output(l.activation))
            .unwrap_or(Task::Binary)
    }

    /// The network's output for raw (unstandardized) X (d × m): two classes, the probability of
    /// the positive class (1 × m); k classes, one probability per class (k × m); regression,
    /// the predicted values in the target's original units (1 × m). An error, never NaN, when
    /// the model's numbers overflow on this data.
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let xs = self.standardizer.transform(x)?;
        let mut out = crate::engine::predict_proba(&self.network, xs.view())?;
        if let Some(t) = &self.target_standardizer {
            out = t.inverse(out.view());
        }
        check_finite_output(&out)?;
        Ok(out)
    }

    /// Predicted class indices for raw X (d × m): threshold 0.5 for two classes, the most
    /// probable class for k. (For regression, use [`Model::predict_proba`].)
    pub fn predict_classes(&self, x: ArrayView2<f64>) -> Result<Vec<usize>> {
        Ok(classes_of(&self.predict_proba(x)?))
    }

    /// Serializes the model as pretty JSON.
    pub fn to_json(&self) -> String {
        let file = ModelFile {
            format: FORMAT.into(),
            version: VERSION,
            features: self.features.clone(),
            target: self.target.clone(),
            classes: self.classes.clone(),
            standardizer: self.standardizer.clone(),
            target_standardizer: self.target_standardizer.clone(),
            layers: self
                .network
                .layers
                .iter()
                .map(|l| LayerFile {
                    weights: l.w.rows().into_iter().map(|r| r.to_vec()).collect(),
                    bias: l.b.to_vec(),
                    activation: l.activation,
                })
                .collect(),
            training: self.training.clone(),
        };
        let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Writes the model to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        if !self.network.is_finite() {
            return Err(Error::Invalid(
                "refusing to save a model whose weights are not all finite".into(),
            ));
        }
        crate::io::write_atomic(path, self.to_json().as_bytes())
    }

    /// Reads and checks a model file.
    pub fn load(path: &Path) -> Result<Model> {
        let err = |message: String| Error::Model {
            path: path.to_path_buf(),
            message,
        };
        let size = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        if size > MAX_FILE_BYTES {
            return Err(err(format!(
                "file is {size} bytes, larger than the {MAX_FILE_BYTES}-byte limit for model files"
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Model::from_json(&bytes).map_err(err)
    }

    /// Parses and checks a model from JSON bytes; the error is a one-line reason.
    pub fn from_json(bytes: &[u8]) -> std::result::Result<Model, String> {
        let not_ours = "not a scratchnet model file (expected \"format\": \"scratchnet-model\")";
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let header: Header = serde_json::from_slice(bytes).map_err(|e| {
            if e.is_syntax() || e.is_eof() {
                format!("not a scratchnet model file (invalid JSON: {e})")
            } else if e.to_string().contains("duplicate field") {
                format!("malformed model file: {e}")
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
        let file: ModelFile =
            serde_json::from_slice(bytes).map_err(|e| format!("malformed model file: {e}"))?;
        Model::from_file(file)
    }

    fn from_file(file: ModelFile) -> std::result::Result<Model, String> {
        let d = file.features.len();
        if d == 0 {
            return Err("model has no features".into());
        }
        for (i, c) in file.classes.iter().enumerate() {
            if file.classes[..i].contains(c) {
                return Err(format!("class `{c}` appears twice in \"classes\""));
            }
        }
        let st = &file.standardizer;
        if st.mean.len() != d || st.std.len() != d {
            return Err(format!(
                "standardizer has {} means and {} deviations for {d} features",
                st.mean.len(),
                st.std.len()
            ));
        }
        if st.mean.iter().any(|v| !v.is_finite())
            || st.std.iter().any(|v| !(v.is_normal() && *v > 0.0))
        {
            return Err("standardizer has non-finite means, or deviations that are not positive normal numbers".into());
        }
        let mut layers = Vec::with_capacity(file.layers.len());
        let mut n_in = d;
        for (i, l) in file.layers.into_iter().enumerate() {
            let n_out = l.weights.len();
            let here = format!("layer {}", i + 1);
            if n_out == 0 || n_out > MAX_UNITS {
                return Err(format!("{here} has {n_out} units"));
            }
            if let Some(r) = l.weights.iter().position(|row| row.len() != n_in) {
                return Err(format!(
                    "{here}: weight row {} has {} entries, expected {n_in} (the units of the layer below)",
                    r + 1,
                    l.weights[r].len()
                ));
            }
            if l.bias.len() != n_out {
                return Err(format!(
                    "{here}: bias has {} entries, expected {n_out}",
                    l.bias.len()
                ));
            }
            let flat: Vec<f64> = l.weights.into_iter().flatten().collect();
            if flat.iter().chain(&l.bias).any(|v| !v.is_finite()) {
                return Err(format!("{here} has non-finite weights"));
            }
            let w = Array2::from_shape_vec((n_out, n_in), flat).map_err(|e| e.to_string())?;
            layers.push(
                Dense::new(w, Array1::from(l.bias), l.activation).map_err(|e| e.to_string())?,
            );
            n_in = n_out;
        }
        let Some(output) = layers.last() else {
            return Err("model has no layers".into());
        };
        if let Some(l) = layers[..layers.len() - 1]
            .iter()
            .position(|l| !l.activation.is_elementwise())
        {
            return Err(format!(
                "layer {} is a hidden layer with a softmax activation",
                l + 1
            ));
        }
        let k = file.classes.len();
        match Task::of_output(output.activation) {
            Some(Task::Binary) if n_in == 1 && k == 2 => {}
            Some(Task::Binary) => {
                return Err(format!(
                    "a sigmoid output needs 1 unit and 2 classes, has {n_in} and {k}"
                ));
            }
            Some(Task::Multiclass) if n_in == k && k >= 2 => {}
            Some(Task::Multiclass) => {
                return Err(format!(
                    "a softmax output needs one unit per class, has {n_in} units and {k} classes"
                ));
            }
            Some(Task::Regression) => {
                let ok = n_in == 1
                    && k == 0
                    && file.target_standardizer.as_ref().is_some_and(|t| {
                        t.mean.len() == 1
                            && t.std.len() == 1
                            && t.mean[0].is_finite()
                            && t.std[0].is_normal()
                            && t.std[0] > 0.0
                    });
                if !ok {
                    return Err("a regression model needs 1 output unit, no classes and a valid \"target_standardizer\"".into());
                }
            }
            None => {
                return Err(format!(
                    "output activation `{}` is not one scratchnet uses",
                    output.activation
                ));
            }
        }
        let network = Network::new(layers).map_err(|e| e.to_string())?;
        Ok(Model {
            features: file.features,
            target: file.target,
            classes: file.classes,
            standardizer: file.standardizer,
            target_standardizer: file.target_standardizer,
            network,
            training: file.training,
        })
    }
}

/// An error when a model's output holds NaN or infinity (weights so large that they overflow).
pub fn check_finite_output(out: &Array2<f64>) -> Result<()> {
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
            standardizer: Standardizer {
                mean: vec![1.0, 2.0],
                std: vec![0.5, 3.0],
            },
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
            },
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
    fn rejects_a_future_version() {
        let json = model()
            .to_json()
            .replace("\"version\": 2", "\"version\": 3");
        let e = Model::from_json(json.as_bytes()).unwrap_err();
        assert!(e.contains("version 3 is newer"), "{e}");
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

    #[test]
    fn rejects_deeply_nested_json() {
        let deep = "[".repeat(100_000);
        assert!(Model::from_json(deep.as_bytes()).is_err());
    }
}
