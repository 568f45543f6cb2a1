//! CSV bytes → the loader: classification (any target), regression, and the features-only read
//! that `predict` uses. Must return Ok or Err, never panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use scratchnet::data::csv::{CsvSpec, encode_labels, infer_classes, read_csv_from, regression_values};

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.csv");
    let _ = read_csv_from(path, data, &CsvSpec::default());
    if let Ok(table) = read_csv_from(path, data, &CsvSpec { target: Some("y"), features: None }) {
        if let Some(t) = &table.target {
            if let Ok(classes) = infer_classes(path, &t.name, &t.distinct, None) {
                let _ = encode_labels(&table, &classes);
            }
            let _ = regression_values(&table);
        }
    }
    let features = ["x1".to_string(), "x2".to_string()];
    let _ = read_csv_from(path, data, &CsvSpec { target: None, features: Some(&features) });
});
