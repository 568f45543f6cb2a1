//! ONNX export: a fitted model — its column plan, standardizer, layers, output and label
//! mapping — as one ONNX graph that ONNX Runtime (or any ONNX runtime) runs without scratchnet.
//!
//! ## Inputs
//! - A model without a column plan (the estimator's, or one `train` wrote for a file of
//!   numbers only with no value missing) has one input, `input`: a float matrix `[N, d]` of the raw (unstandardized)
//!   features in the order of [`Model::features`] (the `features` metadata entry).
//! - A model with a column plan ([`crate::prep`]) has one input per column it reads, named by
//!   the column, each a 1-D tensor `[N]` of raw values, as raw as the training file:
//!   a numeric column is a float tensor where NaN marks a missing value (imputed with the
//!   fitted fill value; what `predict` reads as missing, an NA token or text, is NaN here);
//!   a categorical column is a string tensor of the values as written, spaces around them
//!   trimmed (a missing-value token, compared ignoring ASCII case as `predict` does, takes the
//!   column's mode; an unseen category is all zeros, as `predict` without `--strict`).
//!   What `predict` refuses is not checked by the graph (an infinite number, for one).
//!
//! "Float" is `double` for [`Precision::F64`] (the default: the numbers of `predict` to
//! rounding) and `float` for [`Precision::F32`] (constants rounded to f32).
//!
//! ## Outputs
//! - Classifiers: `probabilities` `[N, k]`, one column per class in the order of the `classes`
//!   metadata entry (for two classes: P(classes\[0\]), P(classes\[1\])), and `label` `[N]`,
//!   the predicted class label (string): for two classes the positive one when
//!   p > the model's decision threshold ([`Model::decision_threshold`]), else the most
//!   probable (the first on a tie).
//! - Regression: `prediction` `[N, 1]`, in the target's original units.
//!
//! ## Operators
//! The default opset is [`DEFAULT_OPSET`] (19, the first whose `Equal` compares strings);
//! [`OPSETS`] are accepted (17 and 18 for models without categorical columns). The graph uses
//! only `Sub`, `Div`, `MatMul`, `Add`, `Mul`, `Max`, `Tanh`, `Sigmoid`, `Relu`, `Softmax`,
//! `Concat`, `ArgMax`, `Gather`, `Greater`, `Cast`, `Reshape`, `Identity` and, for a column plan, `IsNaN`,
//! `Where`, `Equal`, `ReduceSum`, `Unsqueeze`. Leaky ReLU is `Max(z, α·z)` with α =
//! [`LEAKY_SLOPE`] as a tensor of the graph's float type (ONNX Runtime has no double
//! `LeakyRelu` at opset 13, and its `alpha` attribute is an f32 whatever the type).
//!
//! ## Metadata
//! `metadata_props` holds `scratchnet_version`, `task`, `features`, `classes` (JSON lists),
//! `target`, `threshold` (two classes), `precision`, `inputs` (JSON list of the input names)
//! and `training` (the model file's `training` object, as JSON).

mod proto;

use std::collections::HashSet;
use std::ops::RangeInclusive;

use prost::Message;

use crate::data::Task;
use crate::model_file::Model;
use crate::nn::Activation;
use crate::nn::activation::LEAKY_SLOPE;
use crate::prep::Column;
use crate::train::Precision;
use crate::{Error, Result};
use proto::{
    AttributeProto, Dimension, GraphProto, ModelProto, NodeProto, OperatorSetIdProto,
    StringStringEntryProto, TensorProto, TensorShapeProto, TensorTypeProto, TypeProto,
    ValueInfoProto, attribute_type, data_type,
};

/// The opset written unless told otherwise.
pub const DEFAULT_OPSET: i64 = 19;
/// The opsets an export may target (a model with a categorical column needs 19 or later).
pub const OPSETS: RangeInclusive<i64> = 17..=21;
/// The first opset whose `Equal` compares strings (needed for categorical columns).
const STRING_EQUAL_OPSET: i64 = 19;
/// Most spellings of one missing-value token (its ASCII case variants) a graph compares with.
const MAX_TOKEN_SPELLINGS: usize = 4096;

/// How to export: the number type of the graph and its opset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnnxOptions {
    /// The graph's float type: `double` for [`Precision::F64`] (default), `float` for F32.
    pub precision: Precision,
    /// The ONNX opset (default [`DEFAULT_OPSET`]; one of [`OPSETS`]).
    pub opset: i64,
}

impl Default for OnnxOptions {
    fn default() -> Self {
        OnnxOptions {
            precision: Precision::F64,
            opset: DEFAULT_OPSET,
        }
    }
}

/// The IR version that goes with an opset (ONNX's versioning table).
fn ir_version(opset: i64) -> i64 {
    match opset {
        ..=18 => 8,
        19 | 20 => 9,
        _ => 10,
    }
}

impl Model {
    /// The model as an ONNX file (protobuf bytes): see the [module docs](crate::onnx) for
    /// its inputs, outputs and metadata. An [`Error::Config`] for an opset outside
    /// [`OPSETS`] (or below 19 for a model with a categorical column).
    pub fn to_onnx(&self, options: &OnnxOptions) -> Result<Vec<u8>> {
        Ok(self.onnx_model(options)?.encode_to_vec())
    }

    fn onnx_model(&self, options: &OnnxOptions) -> Result<ModelProto> {
        if !OPSETS.contains(&options.opset) {
            return Err(Error::config(
                "opset",
                format!(
                    "must be from {} to {}, got {}",
                    OPSETS.start(),
                    OPSETS.end(),
                    options.opset
                ),
            ));
        }
        let mut g = Builder::new(options.precision);
        let (inputs, features) = match &self.prep {
            None => {
                let input = "input".to_string();
                let doc = format!(
                    "the raw features, one row per sample, in this order: {}",
                    self.features.join(", ")
                );
                g.inputs.push(value_info(
                    &input,
                    g.float,
                    &[None, Some(self.features.len())],
                    &doc,
                ));
                (vec![input.clone()], input)
            }
            Some(plan) => {
                let has_categorical = plan
                    .columns
                    .iter()
                    .any(|c| matches!(c, Column::Categorical { .. }));
                if has_categorical && options.opset < STRING_EQUAL_OPSET {
                    return Err(Error::config(
                        "opset",
                        format!(
                            "must be {STRING_EQUAL_OPSET} or later for a model with a categorical \
                             column (`Equal` compares strings from opset {STRING_EQUAL_OPSET} on), \
                             got {}",
                            options.opset
                        ),
                    ));
                }
                g.plan(plan)?
            }
        };
        let x = g.standardize(&features, self.standardizer.mean(), self.standardizer.std());
        let layers = self.network.layers();
        let mut a = x;
        for (i, layer) in layers.iter().enumerate() {
            let w_t: Vec<f64> = layer.w().t().iter().copied().collect();
            let (n_out, n_in) = layer.w().dim();
            let w = g.floats(&format!("W{}", i + 1), &[n_in, n_out], &w_t);
            let b = g.floats(&format!("b{}", i + 1), &[n_out], &layer.b().to_vec());
            let z = g.node("MatMul", &[&a, &w], vec![]);
            let z = g.node("Add", &[&z, &b], vec![]);
            a = g.activation(layer.activation(), &z);
        }
        match self.task() {
            Task::Binary => {
                let one = g.floats("one", &[], &[1.0]);
                let q = g.node("Sub", &[&one, &a], vec![]);
                let probs = g.node("Concat", &[&q, &a], vec![int("axis", 1)]);
                let t = g.floats("threshold", &[], &[self.decision_threshold()]);
                let positive = g.node("Greater", &[&a, &t], vec![]);
                let index = g.node(
                    "Cast",
                    &[&positive],
                    vec![int("to", i64::from(data_type::INT64))],
                );
                let flat = g.ints("flat", &[1], &[-1]);
                let index = g.node("Reshape", &[&index, &flat], vec![]);
                g.label_outputs(&probs, &index, &self.classes)
            }
            Task::Multiclass => {
                let index = g.node(
                    "ArgMax",
                    &[&a],
                    vec![
                        int("axis", 1),
                        int("keepdims", 0),
                        int("select_last_index", 0),
                    ],
                );
                g.label_outputs(&a, &index, &self.classes)
            }
            Task::Regression => {
                let t = self.target_standardizer.as_ref().ok_or_else(|| {
                    Error::Internal("a regression model without a target standardizer".into())
                })?;
                let y = g.unstandardize(&a, t.mean(), t.std());
                let doc = "the predicted value, in the target's units";
                g.output(&y, "prediction", g.float, &[None, Some(1)], doc);
            }
        }
        g.check_names(&inputs)?;
        let metadata = self.onnx_metadata(options, &inputs)?;
        let graph = GraphProto {
            node: g.nodes,
            name: "scratchnet".into(),
            initializer: g.initializers,
            doc_string: format!(
                "scratchnet {} model of target `{}`",
                self.task(),
                self.target
            ),
            input: g.inputs,
            output: g.outputs,
        };
        Ok(ModelProto {
            ir_version: ir_version(options.opset),
            opset_import: vec![OperatorSetIdProto {
                domain: String::new(),
                version: options.opset,
            }],
            producer_name: "scratchnet".into(),
            producer_version: env!("CARGO_PKG_VERSION").into(),
            doc_string: "exported by `scratchnet export`: see the metadata".into(),
            graph: Some(graph),
            metadata_props: metadata,
        })
    }

    /// The metadata entries (see the module docs).
    fn onnx_metadata(
        &self,
        options: &OnnxOptions,
        inputs: &[String],
    ) -> Result<Vec<StringStringEntryProto>> {
        let task = match self.task() {
            Task::Binary => "binary",
            Task::Multiclass => "multiclass",
            Task::Regression => "regression",
        };
        let mut entries = vec![
            ("scratchnet_version", env!("CARGO_PKG_VERSION").to_string()),
            ("task", task.to_string()),
            ("target", self.target.clone()),
            ("features", json(&self.features)?),
            ("classes", json(&self.classes)?),
            ("inputs", json(inputs)?),
            ("precision", options.precision.name().to_string()),
            ("training", json(&self.training)?),
        ];
        if self.task() == Task::Binary {
            entries.push(("threshold", format!("{}", self.decision_threshold())));
        }
        Ok(entries
            .into_iter()
            .map(|(key, value)| StringStringEntryProto {
                key: key.into(),
                value,
            })
            .collect())
    }
}

/// JSON text of a metadata value.
fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(e.to_string()))
}

/// An attribute holding one integer.
fn int(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        i: Some(value),
        r#type: attribute_type::INT,
    }
}

/// A tensor type [`data_type`] with the shape `dims` (`None`: the free batch size `N`).
fn value_info(name: &str, elem: i32, dims: &[Option<usize>], doc: &str) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| match d {
            Some(n) => Dimension {
                dim_value: Some(*n as i64),
                dim_param: None,
            },
            None => Dimension {
                dim_value: None,
                dim_param: Some("N".into()),
            },
        })
        .collect();
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TensorTypeProto {
                elem_type: elem,
                shape: Some(TensorShapeProto { dim }),
            }),
        }),
        doc_string: doc.into(),
    }
}

/// Every ASCII case spelling of `token` (`na`, `nA`, `Na`, `NA`), so that `Equal` finds what
/// `eq_ignore_ascii_case` does; `None` when there would be more than `limit`.
fn ascii_case_spellings(token: &str, limit: usize) -> Option<Vec<String>> {
    let mut out = vec![String::new()];
    for ch in token.chars() {
        let (lo, up) = (ch.to_ascii_lowercase(), ch.to_ascii_uppercase());
        if lo == up {
            out.iter_mut().for_each(|s| s.push(ch));
            continue;
        }
        if out.len() * 2 > limit {
            return None;
        }
        out = out
            .into_iter()
            .flat_map(|s| [format!("{s}{lo}"), format!("{s}{up}")])
            .collect();
    }
    Some(out)
}

/// The graph under construction: nodes, constants, inputs and outputs, with fresh value names.
struct Builder {
    precision: Precision,
    /// The graph's float element type.
    float: i32,
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    inputs: Vec<ValueInfoProto>,
    outputs: Vec<ValueInfoProto>,
    next: usize,
}

impl Builder {
    fn new(precision: Precision) -> Builder {
        let float = match precision {
            Precision::F64 => data_type::DOUBLE,
            Precision::F32 => data_type::FLOAT,
        };
        Builder {
            precision,
            float,
            nodes: Vec::new(),
            initializers: Vec::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            next: 0,
        }
    }

    /// A fresh value name.
    fn fresh(&mut self, what: &str) -> String {
        self.next += 1;
        format!("scratchnet/{}_{what}", self.next)
    }

    /// Adds the node `op(inputs)` and returns its output's name.
    fn node(&mut self, op: &str, inputs: &[&str], attribute: Vec<AttributeProto>) -> String {
        let out = self.fresh(op);
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![out.clone()],
            name: out.clone(),
            op_type: op.into(),
            attribute,
        });
        out
    }

    /// A constant of the graph's float type (values rounded to f32 for F32).
    fn floats(&mut self, what: &str, dims: &[usize], values: &[f64]) -> String {
        let name = self.fresh(what);
        let mut t = TensorProto {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: self.float,
            name: name.clone(),
            ..TensorProto::default()
        };
        match self.precision {
            Precision::F64 => t.double_data = values.to_vec(),
            Precision::F32 => t.float_data = values.iter().map(|&v| v as f32).collect(),
        }
        self.initializers.push(t);
        name
    }

    /// An int64 constant.
    fn ints(&mut self, what: &str, dims: &[usize], values: &[i64]) -> String {
        let name = self.fresh(what);
        self.initializers.push(TensorProto {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: data_type::INT64,
            int64_data: values.to_vec(),
            name: name.clone(),
            ..TensorProto::default()
        });
        name
    }

    /// A string constant of shape `dims`.
    fn strings(&mut self, what: &str, dims: &[usize], values: &[String]) -> String {
        let name = self.fresh(what);
        self.initializers.push(TensorProto {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: data_type::STRING,
            string_data: values.iter().map(|s| s.as_bytes().to_vec()).collect(),
            name: name.clone(),
            ..TensorProto::default()
        });
        name
    }

    /// `Identity(value)` named `name`, declared as a graph output.
    fn output(&mut self, value: &str, name: &str, elem: i32, dims: &[Option<usize>], doc: &str) {
        self.nodes.push(NodeProto {
            input: vec![value.into()],
            output: vec![name.into()],
            name: name.into(),
            op_type: "Identity".into(),
            attribute: vec![],
        });
        self.outputs.push(value_info(name, elem, dims, doc));
    }

    /// `probabilities` and `label` = classes\[index\].
    fn label_outputs(&mut self, probs: &str, index: &str, classes: &[String]) {
        let k = classes.len();
        let labels = self.strings("classes", &[k], classes);
        let label = self.node("Gather", &[&labels, index], vec![int("axis", 0)]);
        let doc = format!("P(class) per class: {}", classes.join(", "));
        self.output(probs, "probabilities", self.float, &[None, Some(k)], &doc);
        let doc = "the predicted class label";
        self.output(&label, "label", data_type::STRING, &[None], doc);
    }

    /// X̃ = (X − μ) / σ, as [`crate::data::Standardizer::transform`].
    fn standardize(&mut self, x: &str, mean: &[f64], std: &[f64]) -> String {
        let mu = self.floats("mean", &[mean.len()], mean);
        let sigma = self.floats("std", &[std.len()], std);
        let centred = self.node("Sub", &[x, &mu], vec![]);
        self.node("Div", &[&centred, &sigma], vec![])
    }

    /// Y = Ỹ · σ + μ, as [`crate::data::Standardizer::inverse`].
    fn unstandardize(&mut self, y: &str, mean: &[f64], std: &[f64]) -> String {
        let mu = self.floats("target_mean", &[mean.len()], mean);
        let sigma = self.floats("target_std", &[std.len()], std);
        let scaled = self.node("Mul", &[y, &sigma], vec![]);
        self.node("Add", &[&scaled, &mu], vec![])
    }

    /// a = g(z) for the layer's activation (softmax over each row's units).
    fn activation(&mut self, activation: Activation, z: &str) -> String {
        match activation {
            Activation::Identity => z.to_string(),
            Activation::Sigmoid => self.node("Sigmoid", &[z], vec![]),
            Activation::Tanh => self.node("Tanh", &[z], vec![]),
            Activation::Relu => self.node("Relu", &[z], vec![]),
            Activation::LeakyRelu => {
                // max(z, α·z) = z for z ≥ 0, α·z below, for 0 < α < 1
                let alpha = self.floats("leaky_slope", &[], &[LEAKY_SLOPE]);
                let scaled = self.node("Mul", &[z, &alpha], vec![]);
                self.node("Max", &[z, &scaled], vec![])
            }
            Activation::Softmax => self.node("Softmax", &[z], vec![int("axis", 1)]),
        }
    }

    /// One input per column the plan reads, encoded as [`crate::prep::Plan::apply`] does;
    /// returns the input names and the encoded matrix `[N, d]`.
    fn plan(&mut self, plan: &crate::prep::Plan) -> Result<(Vec<String>, String)> {
        let axis1 = self.ints("axis1", &[1], &[1]);
        let mut na = Vec::new();
        for token in &plan.na_values {
            let spellings = ascii_case_spellings(token, MAX_TOKEN_SPELLINGS).ok_or_else(|| {
                Error::Invalid(format!(
                    "the missing-value token `{}` has too many letters to export (more than \
                     {MAX_TOKEN_SPELLINGS} spellings ignoring case)",
                    crate::quoted(token)
                ))
            })?;
            na.extend(spellings);
        }
        let (mut inputs, mut pieces) = (Vec::new(), Vec::new());
        for c in &plan.columns {
            let (indicator, missing) = match c {
                Column::Ignored { .. } => continue,
                Column::Numeric {
                    name,
                    median,
                    missing_indicator,
                    ..
                } => {
                    let doc = "numbers; NaN where the value is missing";
                    self.inputs.push(value_info(name, self.float, &[None], doc));
                    let x = self.node("Unsqueeze", &[name, &axis1], vec![]);
                    let missing = self.node("IsNaN", &[&x], vec![]);
                    let fill = self.floats("fill", &[], &[*median]);
                    pieces.push(self.node("Where", &[&missing, &fill, &x], vec![]));
                    inputs.push(name.clone());
                    (*missing_indicator, missing)
                }
                Column::Categorical {
                    name,
                    categories,
                    mode,
                    pooled,
                    missing_indicator,
                } => {
                    let doc = "text values, trimmed; a missing-value token where missing";
                    self.inputs
                        .push(value_info(name, data_type::STRING, &[None], doc));
                    let s = self.node("Unsqueeze", &[name, &axis1], vec![]);
                    let missing = self.any_equal(&s, &na, &axis1);
                    let mode = self.strings("mode", &[], std::slice::from_ref(mode));
                    let mut v = self.node("Where", &[&missing, &mode, &s], vec![]);
                    if let Some(other) = categories.last().filter(|_| !pooled.is_empty()) {
                        let is_pooled = self.any_equal(&v, pooled, &axis1);
                        let other = self.strings("other", &[], std::slice::from_ref(other));
                        v = self.node("Where", &[&is_pooled, &other, &v], vec![]);
                    }
                    let cats = self.strings("categories", &[1, categories.len()], categories);
                    let hot = self.node("Equal", &[&v, &cats], vec![]);
                    pieces.push(self.node("Cast", &[&hot], vec![int("to", i64::from(self.float))]));
                    inputs.push(name.clone());
                    (*missing_indicator, missing)
                }
            };
            if indicator {
                let to = int("to", i64::from(self.float));
                pieces.push(self.node("Cast", &[&missing], vec![to]));
            }
        }
        let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
        let x = self.node("Concat", &refs, vec![int("axis", 1)]);
        Ok((inputs, x))
    }

    /// `[N, 1]` bool: whether each string of `s` `[N, 1]` is one of `values` (none: all false).
    fn any_equal(&mut self, s: &str, values: &[String], axis1: &str) -> String {
        let list = self.strings("values", &[1, values.len()], values);
        let eq = self.node("Equal", &[s, &list], vec![]);
        let as_int = self.node("Cast", &[&eq], vec![int("to", i64::from(data_type::INT64))]);
        let count = self.node("ReduceSum", &[&as_int, axis1], vec![int("keepdims", 1)]);
        let zero = self.ints("zero", &[], &[0]);
        self.node("Greater", &[&count, &zero], vec![])
    }

    /// Refuses a graph whose input names (the column names) clash with a name it uses.
    fn check_names(&self, inputs: &[String]) -> Result<()> {
        let mut used: HashSet<&str> = self.initializers.iter().map(|t| t.name.as_str()).collect();
        used.extend(
            self.nodes
                .iter()
                .flat_map(|n| n.output.iter().map(String::as_str)),
        );
        let mut seen = HashSet::new();
        for name in inputs {
            if name.is_empty() || used.contains(name.as_str()) || !seen.insert(name.as_str()) {
                return Err(Error::Invalid(format!(
                    "the column `{}` cannot be an ONNX input name (empty, or a name the graph \
                     uses for its own values or outputs); rename the column and train again",
                    crate::quoted(name)
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
