//! `scratchnet export`: the ONNX file is written (atomically, or to standard output), and bad
//! input is one line and exit code 2 with nothing written. The graph itself is checked by the
//! library's tests (its protobuf structure) and by `tests/onnx/verify.py` in CI (its numbers,
//! in ONNX Runtime and the onnx reference evaluator).

use std::path::Path;

use assert_cmd::Command;

fn scratchnet() -> Command {
    Command::cargo_bin("scratchnet").unwrap()
}

/// A directory with `d.csv` (moons, 40 rows) and `m.json`, a model trained on it.
fn trained() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    scratchnet()
        .args(["generate", "moons", "-n", "40", "-o"])
        .arg(d.join("d.csv"))
        .assert()
        .success();
    scratchnet()
        .arg("train")
        .arg(d.join("d.csv"))
        .args(["--epochs", "3", "--hidden", "3", "-o"])
        .arg(d.join("m.json"))
        .assert()
        .success();
    dir
}

/// Runs `export` with `args` in `dir`; asserts exit 2 and one line of stderr holding `text`.
fn refused(dir: &Path, args: &[&str], text: &str) {
    let out = scratchnet()
        .current_dir(dir)
        .arg("export")
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.contains(text), "{args:?}: {stderr}");
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn export_writes_an_onnx_file_and_the_same_bytes_to_standard_output() {
    let dir = trained();
    let d = dir.path();
    let out = scratchnet()
        .current_dir(d)
        .args([
            "export",
            "m.json",
            "-o",
            "m.onnx",
            "--precision",
            "f32",
            "--opset",
            "17",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("wrote m.onnx (") && stderr.contains("opset 17, f32"),
        "{stderr}"
    );
    let file = std::fs::read(d.join("m.onnx")).unwrap();
    // ModelProto field 1 (ir_version, a varint): key 0x08, IR 8 for opset 17
    assert_eq!(&file[..2], &[0x08, 0x08]);
    let piped = scratchnet()
        .current_dir(d)
        .args([
            "export",
            "m.json",
            "-o",
            "-",
            "--precision",
            "f32",
            "--opset",
            "17",
        ])
        .output()
        .unwrap();
    assert!(piped.status.success() && piped.stderr.is_empty());
    assert_eq!(piped.stdout, file);
    assert_eq!(names(d), ["d.csv", "m.json", "m.onnx"]);
}

#[test]
fn bad_input_is_one_line_exit_2_and_nothing_written() {
    let dir = trained();
    let d = dir.path();
    let model = std::fs::read_to_string(d.join("m.json")).unwrap();
    let future = model.replacen("\"version\": 2", "\"version\": 99", 1);
    assert_ne!(future, model);
    std::fs::write(d.join("future.json"), future).unwrap();
    refused(d, &["d.csv", "-o", "x.onnx"], "not a scratchnet model file");
    refused(
        d,
        &["future.json", "-o", "x.onnx"],
        "model format version 99 is newer",
    );
    refused(d, &["missing.json", "-o", "x.onnx"], "missing.json");
    refused(d, &["m.json", "-o", "no/such/dir/x.onnx"], "no/such/dir");
    refused(
        d,
        &["m.json", "-o", "m.json"],
        "refusing to overwrite the input model",
    );
    refused(
        d,
        &["m.json", "-o", "x.onnx", "--opset", "16"],
        "--opset must be from 17 to 21",
    );
    refused(d, &["m.json", "-o", "x.onnx", "--precision", "f16"], "f16");
    refused(d, &["m.json"], "--output");
    assert_eq!(names(d), ["d.csv", "future.json", "m.json"]);
    assert_eq!(std::fs::read_to_string(d.join("m.json")).unwrap(), model);
}
