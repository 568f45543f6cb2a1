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
//! Weights are rows = units out, columns = units in (W is n_out × n_in). Numbers are written
//! with enough digits to read back bit for bit.

use std::path::Path;

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::data::{Dataset, Standardizer};
use crate::nn::{Activation, Dense, Network};
use crate::train::{Fitted, TrainConfig};
use crate::{Error, Result};

/// The `format` value that marks our files.
pub const FORMAT: &str = "scratchnet-model";
/// The newest format version this build reads and the one it writes.
pub const VERSION: u64 = 1;
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
            network: fitted.network,
            training: TrainingInfo {
                seed: config.seed,
                epochs: fitted.history.len().saturating_sub(1),
                learning_rate: config.learning_rate,
                final_loss: fitted.history.last().copied().unwrap_or(f64::NAN),
            },
        }
    }

    /// Probabilities of the positive class for raw (unstandardized) X (d × m): (1 × m).
    /// An error, never NaN, when the model's numbers overflow on this data.
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let xs = self.standardizer.transform(x)?;
        let out = self.network.predict_proba(xs.view());
        check_finite_output(&out)?;
        Ok(out)
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
        if file.classes.len() != 2 || file.classes[0] == file.classes[1] {
            return Err(format!(
                "model must have two distinct classes, has {:?}",
                file.classes
            ));
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
        if layers.is_empty() {
            return Err("model has no layers".into());
        }
        if n_in != 1 {
            return Err(format!(
                "the output layer has {n_in} units; a binary classifier has 1"
            ));
        }
        let network = Network::new(layers).map_err(|e| e.to_string())?;
        Ok(Model {
            features: file.features,
            target: file.target,
            classes: file.classes,
            standardizer: file.standardizer,
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
            network,
            training: TrainingInfo {
                seed: 1,
                epochs: 0,
                learning_rate: 1.2,
                final_loss: 0.69,
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
            .replace("\"version\": 1", "\"version\": 2");
        let e = Model::from_json(json.as_bytes()).unwrap_err();
        assert!(e.contains("version 2 is newer"), "{e}");
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
        let e = Model::from_json(json.replace("\"version\": 1", "\"version\": -1").as_bytes())
            .unwrap_err();
        assert!(e.contains("\"version\" must be a whole number"), "{e}");
        let e = Model::from_json(
            json.replace("\"version\": 1", "\"version\": \"1\"")
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
    fn rejects_deeply_nested_json() {
        let deep = "[".repeat(100_000);
        assert!(Model::from_json(deep.as_bytes()).is_err());
    }
}
