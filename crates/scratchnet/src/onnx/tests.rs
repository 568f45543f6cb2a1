//! The exported bytes read back with a protobuf wire-format reader written here, against the
//! field numbers of `onnx/onnx.proto` (not through `proto.rs`), so that a wrong tag, a wrong
//! type or a missing piece fails. Numbers are checked by `tests/onnx/verify.py` in CI (ONNX
//! Runtime and the onnx reference evaluator).

use super::*;
use crate::data::Standardizer;
use crate::engine::EngineKind;
use crate::model_file::TrainingInfo;
use crate::nn::{Init, LayerSizes, Network};
use crate::prep::{Impute, Plan};
use rand::SeedableRng;

/// One field of a protobuf message: its number and value.
#[derive(Debug, Clone)]
enum Wire<'a> {
    Varint(u64),
    Fixed64,
    Bytes(&'a [u8]),
    Fixed32,
}

fn varint(bytes: &[u8], at: &mut usize) -> u64 {
    let (mut v, mut shift) = (0u64, 0);
    loop {
        let b = bytes[*at];
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

/// A message's fields in order (panics on malformed bytes: a test failure).
fn fields(bytes: &[u8]) -> Vec<(u64, Wire<'_>)> {
    let (mut out, mut at) = (Vec::new(), 0);
    while at < bytes.len() {
        let key = varint(bytes, &mut at);
        let value = match key & 7 {
            0 => Wire::Varint(varint(bytes, &mut at)),
            1 => {
                at += 8;
                Wire::Fixed64
            }
            2 => {
                let n = varint(bytes, &mut at) as usize;
                at += n;
                Wire::Bytes(&bytes[at - n..at])
            }
            5 => {
                at += 4;
                Wire::Fixed32
            }
            t => panic!("wire type {t}"),
        };
        out.push((key >> 3, value));
    }
    out
}

fn all<'a>(msg: &'a [u8], tag: u64) -> Vec<Wire<'a>> {
    fields(msg)
        .into_iter()
        .filter(|(t, _)| *t == tag)
        .map(|(_, v)| v)
        .collect()
}

fn bytes_of(msg: &[u8], tag: u64) -> Vec<&[u8]> {
    all(msg, tag)
        .into_iter()
        .map(|v| match v {
            Wire::Bytes(b) => b,
            other => panic!("field {tag} is {other:?}, not bytes"),
        })
        .collect()
}

fn one(msg: &[u8], tag: u64) -> &[u8] {
    let v = bytes_of(msg, tag);
    assert_eq!(v.len(), 1, "field {tag} appears {} times", v.len());
    v[0]
}

fn text(msg: &[u8], tag: u64) -> String {
    String::from_utf8(one(msg, tag).to_vec()).unwrap()
}

fn int_of(msg: &[u8], tag: u64) -> u64 {
    match all(msg, tag).as_slice() {
        [Wire::Varint(v)] => *v,
        other => panic!("field {tag}: {other:?}"),
    }
}

// onnx.proto field numbers
const MODEL_IR_VERSION: u64 = 1;
const MODEL_PRODUCER: u64 = 2;
const MODEL_GRAPH: u64 = 7;
const MODEL_OPSET: u64 = 8;
const MODEL_METADATA: u64 = 14;
const GRAPH_NODE: u64 = 1;
const GRAPH_INITIALIZER: u64 = 5;
const GRAPH_INPUT: u64 = 11;
const GRAPH_OUTPUT: u64 = 12;
const NODE_INPUT: u64 = 1;
const NODE_OUTPUT: u64 = 2;
const NODE_OP: u64 = 4;
const TENSOR_DIMS: u64 = 1;
const TENSOR_TYPE: u64 = 2;
const TENSOR_FLOAT: u64 = 4;
const TENSOR_NAME: u64 = 8;
const TENSOR_DOUBLE: u64 = 10;

/// A graph read from the wire: inputs and outputs (name, element type, dims as text),
/// operators, metadata, opset.
#[derive(Debug)]
struct Read {
    ir: u64,
    opset: (String, u64),
    producer: String,
    inputs: Vec<(String, u64, Vec<String>)>,
    outputs: Vec<(String, u64, Vec<String>)>,
    ops: Vec<String>,
    metadata: Vec<(String, String)>,
    graph: Vec<u8>,
}

fn value_infos(graph: &[u8], tag: u64) -> Vec<(String, u64, Vec<String>)> {
    bytes_of(graph, tag)
        .into_iter()
        .map(|vi| {
            let tensor = one(one(vi, 2), 1); // ValueInfoProto.type → TypeProto.tensor_type
            let dims = bytes_of(one(tensor, 2), 1) // .shape → TensorShapeProto.dim
                .into_iter()
                .map(|d| match fields(d).as_slice() {
                    [(1, Wire::Varint(n))] => n.to_string(),
                    [(2, Wire::Bytes(p))] => String::from_utf8(p.to_vec()).unwrap(),
                    other => panic!("dimension {other:?}"),
                })
                .collect();
            (text(vi, 1), int_of(tensor, 1), dims)
        })
        .collect()
}

fn read(bytes: &[u8]) -> Read {
    let graph = one(bytes, MODEL_GRAPH);
    let opset = one(bytes, MODEL_OPSET);
    let domain = bytes_of(opset, 1)
        .first()
        .map_or(String::new(), |d| String::from_utf8(d.to_vec()).unwrap());
    Read {
        ir: int_of(bytes, MODEL_IR_VERSION),
        opset: (domain, int_of(opset, 2)),
        producer: text(bytes, MODEL_PRODUCER),
        inputs: value_infos(graph, GRAPH_INPUT),
        outputs: value_infos(graph, GRAPH_OUTPUT),
        ops: bytes_of(graph, GRAPH_NODE)
            .into_iter()
            .map(|n| text(n, NODE_OP))
            .collect(),
        metadata: bytes_of(bytes, MODEL_METADATA)
            .into_iter()
            .map(|e| (text(e, 1), text(e, 2)))
            .collect(),
        graph: graph.to_vec(),
    }
}

fn meta<'a>(r: &'a Read, key: &str) -> &'a str {
    &r.metadata
        .iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no metadata {key}: {:?}", r.metadata))
        .1
}

/// An initializer's values as f64 (packed doubles or floats) with its dims.
fn initializer(r: &Read, name: &str) -> (Vec<u64>, Vec<f64>) {
    let t = bytes_of(&r.graph, GRAPH_INITIALIZER)
        .into_iter()
        .find(|t| text(t, TENSOR_NAME) == name)
        .unwrap();
    let dims = all(t, TENSOR_DIMS)
        .into_iter()
        .map(|d| match d {
            Wire::Varint(v) => v,
            other => panic!("{other:?}"),
        })
        .collect();
    let values = match int_of(t, TENSOR_TYPE) {
        11 => one(t, TENSOR_DOUBLE)
            .chunks(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect(),
        1 => one(t, TENSOR_FLOAT)
            .chunks(4)
            .map(|c| f64::from(f32::from_le_bytes(c.try_into().unwrap())))
            .collect(),
        other => panic!("type {other}"),
    };
    (dims, values)
}

/// The initializer that node `op` (the `nth` of its kind) takes as input `slot`.
fn node_input(r: &Read, op: &str, nth: usize, slot: usize) -> String {
    let node = bytes_of(&r.graph, GRAPH_NODE)
        .into_iter()
        .filter(|n| text(n, NODE_OP) == op)
        .nth(nth)
        .unwrap();
    String::from_utf8(bytes_of(node, NODE_INPUT)[slot].to_vec()).unwrap()
}

fn training() -> TrainingInfo {
    TrainingInfo {
        seed: 5,
        epochs: 3,
        learning_rate: 0.1,
        final_loss: 0.5,
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
    }
}

/// A model of `hidden` layers of `activation` for `classes` (0: regression).
fn model(hidden: &[usize], activation: Activation, classes: usize) -> Model {
    let (n_y, output) = match classes {
        0 => (1, Activation::Identity),
        2 => (1, Activation::Sigmoid),
        k => (k, Activation::Softmax),
    };
    let sizes = LayerSizes {
        n_x: 3,
        n_h: hidden.to_vec(),
        n_y,
    };
    let network = Network::init(
        &sizes,
        activation,
        output,
        Init::Xavier,
        &mut crate::Rng::seed_from_u64(3),
    )
    .unwrap();
    Model {
        features: vec!["a".into(), "b".into(), "c".into()],
        target: "y".into(),
        classes: (0..classes).map(|i| format!("k{i}")).collect(),
        standardizer: Standardizer::new(vec![1.0, -2.0, 0.5], vec![2.0, 0.25, 1.0]).unwrap(),
        target_standardizer: (classes == 0)
            .then(|| Standardizer::new(vec![10.0], vec![3.0]).unwrap()),
        network,
        training: training(),
        engine: EngineKind::Fast,
        prep: None,
        threshold: None,
    }
}

const DOUBLE: u64 = 11;
const FLOAT: u64 = 1;
const STRING: u64 = 8;

fn n_dims(d: usize) -> Vec<String> {
    vec!["N".into(), d.to_string()]
}

#[test]
fn a_binary_model_has_one_matrix_input_probabilities_and_a_label() {
    let m = model(&[4], Activation::Tanh, 2);
    let r = read(&m.to_onnx(&OnnxOptions::default()).unwrap());
    assert_eq!(r.opset, (String::new(), 19));
    assert_eq!(r.ir, 9);
    assert_eq!(r.producer, "scratchnet");
    assert_eq!(r.inputs, [("input".to_string(), DOUBLE, n_dims(3))]);
    assert_eq!(
        r.outputs,
        [
            ("probabilities".to_string(), DOUBLE, n_dims(2)),
            ("label".to_string(), STRING, vec!["N".to_string()]),
        ]
    );
    assert_eq!(meta(&r, "task"), "binary");
    assert_eq!(meta(&r, "classes"), r#"["k0","k1"]"#);
    assert_eq!(meta(&r, "features"), r#"["a","b","c"]"#);
    assert_eq!(meta(&r, "target"), "y");
    assert_eq!(meta(&r, "threshold"), "0.5");
    assert_eq!(meta(&r, "precision"), "f64");
    assert_eq!(meta(&r, "scratchnet_version"), env!("CARGO_PKG_VERSION"));
    let training: serde_json::Value = serde_json::from_str(meta(&r, "training")).unwrap();
    assert_eq!(training["seed"], 5);
    for op in [
        "Sub", "Div", "MatMul", "Add", "Tanh", "Sigmoid", "Concat", "Greater", "Gather",
    ] {
        assert!(r.ops.iter().any(|o| o == op), "no {op} in {:?}", r.ops);
    }
}

#[test]
fn weights_and_statistics_are_written_bit_for_bit_in_f64_and_rounded_in_f32() {
    let m = model(&[4, 3], Activation::Relu, 3);
    for precision in [Precision::F64, Precision::F32] {
        let options = OnnxOptions {
            precision,
            ..OnnxOptions::default()
        };
        let r = read(&m.to_onnx(&options).unwrap());
        let round = |v: f64| match precision {
            Precision::F64 => v,
            Precision::F32 => f64::from(v as f32),
        };
        // the first MatMul's second input is W1ᵀ (n_in × n_out), row-major
        let (dims, w) = initializer(&r, &node_input(&r, "MatMul", 0, 1));
        assert_eq!(dims, [3, 4]);
        let w1 = m.network.layers()[0].w();
        for i in 0..3 {
            for j in 0..4 {
                assert_eq!(w[i * 4 + j], round(w1[[j, i]]), "W1[{j}, {i}]");
            }
        }
        let (_, b) = initializer(&r, &node_input(&r, "Add", 2, 1));
        let b3 = m.network.layers()[2].b();
        assert_eq!(b, b3.iter().map(|&v| round(v)).collect::<Vec<_>>());
        let (_, sigma) = initializer(&r, &node_input(&r, "Div", 0, 1));
        assert_eq!(sigma, [2.0, 0.25, 1.0]);
        let elem = if precision == Precision::F64 {
            DOUBLE
        } else {
            FLOAT
        };
        assert_eq!(r.inputs[0].1, elem);
        assert_eq!(r.outputs[0], ("probabilities".to_string(), elem, n_dims(3)));
        assert!(r.ops.iter().any(|o| o == "Softmax") && r.ops.iter().any(|o| o == "ArgMax"));
        assert_eq!(r.ops.iter().filter(|o| *o == "Relu").count(), 2);
    }
}

#[test]
fn leaky_relu_is_max_of_z_and_its_slope_times_z() {
    let r = read(
        &model(&[5], Activation::LeakyRelu, 2)
            .to_onnx(&OnnxOptions::default())
            .unwrap(),
    );
    assert!(!r.ops.iter().any(|o| o == "LeakyRelu"), "{:?}", r.ops);
    assert!(r.ops.iter().any(|o| o == "Max"));
    let (dims, alpha) = initializer(&r, &node_input(&r, "Mul", 0, 1));
    assert_eq!((dims, alpha), (vec![], vec![LEAKY_SLOPE]));
}

#[test]
fn a_regression_model_maps_back_through_the_target_standardizer() {
    let r = read(
        &model(&[], Activation::Tanh, 0)
            .to_onnx(&OnnxOptions::default())
            .unwrap(),
    );
    assert_eq!(r.outputs, [("prediction".to_string(), DOUBLE, n_dims(1))]);
    assert_eq!(meta(&r, "task"), "regression");
    assert_eq!(meta(&r, "classes"), "[]");
    assert!(!r.metadata.iter().any(|(k, _)| k == "threshold"));
    // depth 0: one MatMul; then Mul by σ_y and Add μ_y
    assert_eq!(r.ops.iter().filter(|o| *o == "MatMul").count(), 1);
    let (_, sigma) = initializer(&r, &node_input(&r, "Mul", 0, 1));
    let (_, mu) = initializer(&r, &node_input(&r, "Add", 1, 1));
    assert_eq!((sigma, mu), (vec![3.0], vec![10.0]));
}

#[test]
fn the_threshold_of_a_binary_model_is_the_one_it_was_trained_with() {
    let mut m = model(&[2], Activation::Sigmoid, 2);
    m.threshold = Some(0.3);
    let r = read(&m.to_onnx(&OnnxOptions::default()).unwrap());
    assert_eq!(meta(&r, "threshold"), "0.3");
    let (_, t) = initializer(&r, &node_input(&r, "Greater", 0, 1));
    assert_eq!(t, [0.3]);
}

fn plan_model() -> Model {
    let mut m = model(&[3], Activation::Tanh, 3);
    m.prep = Some(Plan {
        na_values: vec!["NA".into(), String::new()],
        columns: vec![
            Column::Ignored { name: "id".into() },
            Column::Numeric {
                name: "a".into(),
                median: 0.5,
                impute: Impute::Median,
                missing_indicator: true,
            },
            Column::Categorical {
                name: "colour".into(),
                categories: vec!["blue".into(), "red".into()],
                mode: "red".into(),
                pooled: vec![],
                missing_indicator: false,
            },
        ],
    });
    m.features = m.prep.as_ref().unwrap().encoded_names();
    m
}

#[test]
fn a_column_plan_gives_one_input_per_column_it_reads() {
    let m = plan_model();
    assert_eq!(
        m.features,
        ["a", "a=(missing)", "colour=blue", "colour=red"]
    );
    let r = read(&m.to_onnx(&OnnxOptions::default()).unwrap());
    let n = vec!["N".to_string()];
    assert_eq!(
        r.inputs,
        [
            ("a".to_string(), DOUBLE, n.clone()),
            ("colour".to_string(), STRING, n)
        ]
    );
    assert_eq!(meta(&r, "inputs"), r#"["a","colour"]"#);
    for op in ["IsNaN", "Where", "Equal", "Concat", "ReduceSum"] {
        assert!(r.ops.iter().any(|o| o == op), "no {op} in {:?}", r.ops);
    }
    // the NA tokens are compared in every ASCII case: NA, Na, nA, na and the empty string
    let strings: Vec<Vec<u8>> = bytes_of(&r.graph, GRAPH_INITIALIZER)
        .into_iter()
        .filter(|t| int_of(t, TENSOR_TYPE) == STRING)
        .flat_map(|t| bytes_of(t, 6).into_iter().map(<[u8]>::to_vec))
        .collect();
    for s in ["NA", "Na", "nA", "na", "", "blue", "red", "k2"] {
        assert!(
            strings.contains(&s.as_bytes().to_vec()),
            "no `{s}` in {strings:?}"
        );
    }
    // every node input is a graph input, an initializer or an earlier node's output
    let mut known: HashSet<String> = r.inputs.iter().map(|i| i.0.clone()).collect();
    known.extend(
        bytes_of(&r.graph, GRAPH_INITIALIZER)
            .into_iter()
            .map(|t| text(t, TENSOR_NAME)),
    );
    for node in bytes_of(&r.graph, GRAPH_NODE) {
        for input in bytes_of(node, NODE_INPUT) {
            let input = String::from_utf8(input.to_vec()).unwrap();
            assert!(known.contains(&input), "`{input}` used before it is made");
        }
        known.insert(text(node, NODE_OUTPUT));
    }
    assert!(known.contains("probabilities") && known.contains("label"));
}

#[test]
fn opsets_outside_the_range_and_strings_before_19_are_refused() {
    let m = model(&[2], Activation::Tanh, 2);
    for opset in [16, 22] {
        let e = m
            .to_onnx(&OnnxOptions {
                opset,
                ..OnnxOptions::default()
            })
            .unwrap_err();
        assert!(
            matches!(
                &e,
                Error::Config {
                    setting: "opset",
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("from 17 to 21"), "{e}");
    }
    let at = |opset| OnnxOptions {
        opset,
        ..OnnxOptions::default()
    };
    assert_eq!(read(&m.to_onnx(&at(17)).unwrap()).ir, 8);
    assert_eq!(read(&m.to_onnx(&at(21)).unwrap()).ir, 10);
    let e = plan_model().to_onnx(&at(18)).unwrap_err();
    assert!(e.to_string().contains("19 or later"), "{e}");
    assert!(plan_model().to_onnx(&at(19)).is_ok());
}

#[test]
fn a_column_named_like_an_output_is_refused() {
    let mut m = plan_model();
    if let Some(plan) = &mut m.prep {
        plan.columns[1] = Column::Numeric {
            name: "label".into(),
            median: 0.0,
            impute: Impute::Median,
            missing_indicator: true,
        };
        m.features = plan.encoded_names();
    }
    let e = m.to_onnx(&OnnxOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("column `label` cannot be an ONNX input"),
        "{e}"
    );
}

#[test]
fn ascii_case_spellings_are_all_cases_and_bounded() {
    assert_eq!(
        ascii_case_spellings("n/A", 100).unwrap(),
        ["n/a", "n/A", "N/a", "N/A"]
    );
    assert_eq!(ascii_case_spellings("", 10).unwrap(), [""]);
    assert_eq!(ascii_case_spellings("?", 10).unwrap(), ["?"]);
    assert!(ascii_case_spellings("abcde", 16).is_none());
}
