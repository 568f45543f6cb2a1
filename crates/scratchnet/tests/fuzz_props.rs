//! Property tests: random and mutated CSV and model bytes fed to the loaders must give an error
//! or a value, never a panic, and quickly (no hangs). The coverage-guided fuzz targets in
//! `fuzz/` run the same entry points for longer.

use std::io::Write;

use proptest::prelude::*;
use scratchnet::data::Dataset;
use scratchnet::model_file::Model;

const CSV: &str = "x1,x2,y\n1.5,2,0\n-3,4e2,1\n0.25,-1,0\n7,8,1\n";

fn model_json() -> String {
    let v1 = r#"{"format": "scratchnet-model", "version": 2, "features": ["x1", "x2"], "target": "y",
        "classes": ["0", "1"], "standardizer": {"mean": [0.0, 0.0], "std": [1.0, 1.0]},
        "layers": [{"weights": [[0.1, 0.2], [0.3, -0.4]], "bias": [0.0, 0.1], "activation": "tanh"},
                   {"weights": [[0.5, -0.6]], "bias": [0.2], "activation": "sigmoid"}],
        "training": {"seed": 69, "epochs": 0, "learning_rate": 1.2, "final_loss": 0.69}}"#;
    assert!(Model::from_json(v1.as_bytes()).is_ok());
    v1.to_string()
}

fn load_csv(bytes: &[u8]) {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(bytes).unwrap();
    let _ = Dataset::from_csv(f.path(), "y", None, None);
    let _ = Dataset::from_csv_regression(f.path(), "y", None);
}

/// `base` with `edits` applied: (position, new byte) pairs, plus a cut at `cut`.
fn mutate(base: &[u8], edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    let mut b = base.to_vec();
    for &(pos, byte) in edits {
        if !b.is_empty() {
            let i = pos % b.len();
            b[i] = byte;
        }
    }
    b.truncate(cut % (b.len() + 1));
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn csv_loader_never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        load_csv(&bytes);
    }

    #[test]
    fn csv_loader_never_panics_on_mutated_csv(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8), cut in any::<usize>()) {
        load_csv(&mutate(CSV.as_bytes(), &edits, cut));
    }

    #[test]
    fn model_loader_never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Model::from_json(&bytes);
    }

    #[test]
    fn model_loader_never_panics_on_mutated_models(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8), cut in any::<usize>()) {
        let bytes = mutate(model_json().as_bytes(), &edits, cut);
        if let Ok(m) = Model::from_json(&bytes) {
            // whatever loads must be usable: predictions are numbers or a clean error
            let _ = m.predict_proba(ndarray::array![[0.5], [1.5]].view());
        }
    }

    #[test]
    fn model_loader_never_panics_on_mutated_numbers(w in any::<f64>(), s in any::<f64>(), units in 0usize..5) {
        let mut v: serde_json::Value = serde_json::from_str(&model_json()).unwrap();
        v["layers"][0]["weights"][0][0] = serde_json::json!(w);
        v["standardizer"]["std"][1] = serde_json::json!(s);
        v["layers"][1]["weights"] = serde_json::json!(vec![vec![0.1; units]; 1]);
        if let Ok(m) = Model::from_json(v.to_string().as_bytes()) {
            let _ = m.predict_proba(ndarray::array![[0.5], [1.5]].view());
        }
    }
}

#[test]
fn hostile_model_files_are_rejected_cleanly() {
    // deeply nested JSON
    assert!(Model::from_json("[".repeat(1_000_000).as_bytes()).is_err());
    // a number too large for f64 is not a weight
    let json = model_json().replace("0.1, 0.2", "1e999, 0.2");
    assert!(Model::from_json(json.as_bytes()).is_err());
    // a huge declared layer: 2,000,000 units, each with a row of 2 weights, exceeds the limit
    let rows = vec![vec![0.0; 2]; 2_000_000];
    let mut v: serde_json::Value = serde_json::from_str(&model_json()).unwrap();
    v["layers"][0]["weights"] = serde_json::json!(rows);
    let e = Model::from_json(v.to_string().as_bytes()).unwrap_err();
    assert!(e.contains("2000000 units"), "{e}");
    // a file over the size limit is refused before it is read
    let f = tempfile::NamedTempFile::new().unwrap();
    f.as_file()
        .set_len(scratchnet::model_file::MAX_FILE_BYTES + 1)
        .unwrap();
    let e = Model::load(f.path()).unwrap_err().to_string();
    assert!(e.contains("larger than the"), "{e}");
}
