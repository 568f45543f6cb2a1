//! The model loader's memory, counted by a global allocator that keeps the peak: parsing a
//! model file (hostile or valid) takes at most 96 bytes per JSON value plus 6 per byte beyond
//! its bytes (the bound `Model::load` checks against the machine's available memory before
//! parsing), and a valid file about as much again as its size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use scratchnet::model_file::Model;

struct Peak;

thread_local! {
    // per thread, so the test harness's other threads do not count
    static NOW: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

fn grow(by: usize) {
    NOW.with(|n| {
        let now = n.get() + by;
        n.set(now);
        PEAK.with(|p| p.set(p.get().max(now)));
    });
}

fn shrink(by: usize) {
    NOW.with(|n| n.set(n.get().saturating_sub(by)));
}

// SAFETY: forwards every call to `System` and only counts.
unsafe impl GlobalAlloc for Peak {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        // SAFETY: the caller's contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrink(layout.size());
        // SAFETY: the caller's contract.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // the old block and the new one both exist while the data is copied
        grow(new_size);
        shrink(layout.size());
        // SAFETY: the caller's contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Peak = Peak;

/// Bytes allocated at the peak of parsing `bytes`, beyond what was allocated before.
fn parse_peak(bytes: &[u8]) -> usize {
    let before = NOW.with(Cell::get);
    PEAK.with(|p| p.set(before));
    let result = Model::from_json(bytes);
    drop(result);
    PEAK.with(Cell::get) - before
}

/// JSON values that can start in `bytes` (at a comma, `[` or `{`), plus one.
fn values(bytes: &[u8]) -> usize {
    1 + bytes
        .iter()
        .filter(|&&b| matches!(b, b',' | b'[' | b'{'))
        .count()
}

/// `n` copies of `item`, comma-separated.
fn many(item: &str, n: usize) -> String {
    vec![item; n].join(",")
}

/// The head of a model file up to its layers.
fn head(features: &str, classes: &str, d: usize) -> String {
    format!(
        r#"{{"format": "scratchnet-model", "version": 2, "features": [{features}], "target": "y",
        "classes": [{classes}], "standardizer": {{"mean": [{}], "std": [{}]}}, "layers": "#,
        many("0", d),
        many("1", d)
    )
}

const TAIL: &str =
    r#", "training": {"seed": 1, "epochs": 1, "learning_rate": 0.1, "final_loss": 0.5}}"#;

#[test]
fn hostile_files_take_at_most_96_bytes_a_value_and_6_a_byte_to_parse() {
    let n = 1_000_000;
    let names: Vec<String> = (0..n).map(|i| format!("\"{i:x}\"")).collect();
    let cases: Vec<(&str, String)> = vec![
        (
            "format as an array",
            format!("{{\"format\": [{}]}}", many("0", n)),
        ),
        (
            "an unknown key holding an array",
            format!(
                "{{\"format\": \"scratchnet-model\", \"version\": 2, \"x\": [{}]}}",
                many("0", n)
            ),
        ),
        (
            "one wide weight row",
            format!(
                "{}[{{\"weights\": [[{}]], \"bias\": [0], \"activation\": \"sigmoid\"}}]{TAIL}",
                head("\"a\"", "\"0\", \"1\"", 1),
                many("0", n)
            ),
        ),
        (
            "a million one-weight rows",
            format!(
                "{}[{{\"weights\": [{}], \"bias\": [0], \"activation\": \"sigmoid\"}}]{TAIL}",
                head("\"a\"", "\"0\", \"1\"", 1),
                many("[0]", n)
            ),
        ),
        (
            "a million features",
            format!("{}[]{TAIL}", head(&names.join(","), "\"0\", \"1\"", 1)),
        ),
        (
            "a million classes",
            format!("{}[]{TAIL}", head("\"a\"", &names.join(","), 1)),
        ),
        (
            // found by the fuzz target: a parser error quotes the string whole
            "a top-level string",
            format!("\"{{we{}ight]\": [1, 2]}}", "(".repeat(n)),
        ),
        (
            "a long string where layers belong",
            format!(
                "{}\"{}\"{TAIL}",
                head("\"a\"", "\"0\", \"1\"", 1),
                "x".repeat(n)
            ),
        ),
        (
            // found by the fuzz target: an error escapes each DEL into `\u{7f}`
            "a long string of DEL characters",
            format!("\"{}\"", "\u{7f}".repeat(n)),
        ),
        (
            "a million empty layers",
            format!(
                "{}[{}]{TAIL}",
                head("\"a\"", "\"0\", \"1\"", 1),
                many("{}", n)
            ),
        ),
    ];
    for (what, json) in &cases {
        let bytes = json.as_bytes();
        let peak = parse_peak(bytes);
        let escaped = bytes
            .iter()
            .filter(|&&b| !(0x20..0x7f).contains(&b))
            .count();
        let bound = 96 * values(bytes) + 6 * bytes.len() + 24 * escaped + 4096;
        eprintln!(
            "{what}: {} bytes, peak {peak} ({:.1} a value)",
            bytes.len(),
            peak as f64 / values(bytes) as f64
        );
        assert!(
            peak <= bound,
            "{what}: {peak} bytes at the peak for a {}-byte file, more than {bound}",
            bytes.len()
        );
        assert!(
            Model::from_json(bytes).is_err(),
            "{what} is not a valid model"
        );
    }
}

#[test]
fn a_valid_model_takes_about_its_size_to_parse() {
    // 2-1000-1000-1: a million weights, ~30 MB as the writer writes them
    let layer = |n_out: usize, n_in: usize, act: &str| {
        let row = format!("[{}]", many("0.012345678901234567", n_in));
        format!(
            "{{\"weights\": [{}], \"bias\": [{}], \"activation\": \"{act}\"}}",
            many(&row, n_out),
            many("0", n_out)
        )
    };
    let json = format!(
        "{}[{}, {}, {}]{TAIL}",
        head("\"a\", \"b\"", "\"0\", \"1\"", 2),
        layer(1000, 2, "tanh"),
        layer(1000, 1000, "tanh"),
        layer(1, 1000, "sigmoid")
    );
    let bytes = json.as_bytes();
    Model::from_json(bytes).expect("a valid model");
    let peak = parse_peak(bytes);
    assert!(
        peak <= bytes.len(),
        "{peak} bytes at the peak for a {}-byte file",
        bytes.len()
    );
}
