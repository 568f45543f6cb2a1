//! Model-file bytes → the checked loader; whatever loads must predict without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scratchnet::model_file::Model;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Model::from_json(data) {
        let d = m.features.len();
        let x = ndarray::Array2::from_elem((d, 3), 0.5);
        let _ = m.predict_proba(x.view());
        let _ = m.to_json();
    }
});
