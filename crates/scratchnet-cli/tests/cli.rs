//! End-to-end tests: the real `scratchnet` binary on real files in a temporary directory.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn scratchnet() -> Command {
    Command::cargo_bin("scratchnet").unwrap()
}

fn reference_flower() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scratchnet/tests/fixtures/planar_flower.csv")
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn json_stdout(cmd: &mut Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("stdout is exactly one JSON document")
}

#[test]
fn demo_prints_shapes_and_the_comparison_table() {
    let out = scratchnet()
        .arg("demo")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for needle in [
        "n_x = 2   n_h = 4   n_y = 1",
        "W1 4×2   b1 4×1   W2 1×4   b2 1×1",
        "Z1 4×320   A1 4×320   Z2 1×320   A2 1×320",
        "split 320 train / 80 test",
        "network (2-4-1 tanh/sigmoid)",
        "logistic regression",
        "accuracy",
        "precision",
        "TP / FP",
        "time",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn demo_out_writes_model_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    scratchnet()
        .args(["demo", "--epochs", "300", "--out"])
        .arg(&out)
        .assert()
        .success();
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["epochs"], 300);
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("model.json")).unwrap()).unwrap();
    assert_eq!(model["format"], "scratchnet-model");
    assert!(out.join("baseline.json").exists());
}

#[test]
fn generate_writes_every_kind_with_the_expected_header() {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["flower", "moons", "circles", "xor", "spiral", "gaussians"] {
        let p = dir.path().join(format!("{kind}.csv"));
        scratchnet()
            .args([
                "generate", kind, "-n", "50", "--seed", "1", "--noise", "0.1", "-o",
            ])
            .arg(&p)
            .assert()
            .success();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("x1,x2,y\n"), "{kind}");
        assert_eq!(text.lines().count(), 51, "{kind}");
    }
    let a = scratchnet()
        .args(["generate", "flower", "--seed", "3"])
        .output()
        .unwrap()
        .stdout;
    let b = scratchnet()
        .args(["generate", "flower", "--seed", "3"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(a, b);
    assert_eq!(String::from_utf8(a).unwrap().lines().count(), 401);
}

#[test]
fn train_json_report_has_the_documented_keys_and_nothing_else_on_stdout() {
    let v = json_stdout(
        scratchnet()
            .arg("train")
            .arg(reference_flower())
            .args(["--preset", "tutorial", "--epochs", "2000", "--json"]),
    );
    assert_eq!(v["model"], "2-4-1 tanh/sigmoid");
    assert_eq!(v["epochs"], 2000);
    assert!(v["seconds"].as_f64().unwrap() >= 0.0);
    for part in [
        &v["train"],
        &v["test"],
        &v["baseline"]["train"],
        &v["baseline"]["test"],
    ] {
        for key in ["loss", "accuracy", "precision", "recall", "f1"] {
            assert!(part[key].is_number(), "{key} in {part}");
        }
        for key in ["tp", "fp", "tn", "fn"] {
            assert!(part["confusion"][key].is_u64(), "{key}");
        }
    }
    assert_eq!(v["baseline"]["model"], "logistic regression");
    assert!(v["train"]["accuracy"].as_f64().unwrap() > 0.8);
}

#[test]
fn test_split_zero_trains_on_all_rows_and_omits_test() {
    // no validation share either, so every row trains
    let v = json_stdout(scratchnet().arg("train").arg(reference_flower()).args([
        "--epochs",
        "10",
        "--test-split",
        "0",
        "--validation",
        "0",
        "--json",
    ]));
    assert!(v.get("test").is_none());
    let c = &v["train"]["confusion"];
    let total: u64 = ["tp", "fp", "tn", "fn"]
        .iter()
        .map(|k| c[k].as_u64().unwrap())
        .sum();
    assert_eq!(total, 400);
}

#[test]
fn same_seed_gives_identical_model_files_different_seed_different_weights() {
    let dir = tempfile::tempdir().unwrap();
    let run = |seed: &str, epochs: &str, name: &str| {
        let p = dir.path().join(name);
        scratchnet()
            .arg("train")
            .arg(reference_flower())
            .args([
                "--preset", "tutorial", "--seed", seed, "--epochs", epochs, "-o",
            ])
            .arg(&p)
            .assert()
            .success();
        std::fs::read(p).unwrap()
    };
    assert_eq!(run("7", "500", "a.json"), run("7", "500", "b.json"));
    let init7: Value = serde_json::from_slice(&run("7", "0", "c.json")).unwrap();
    let init8: Value = serde_json::from_slice(&run("8", "0", "d.json")).unwrap();
    assert_ne!(init7["layers"][0]["weights"], init8["layers"][0]["weights"]);
    // --epochs 0 writes the tutorial's initial weights: U(0,1)·0.01 and zero biases.
    for row in init7["layers"][0]["weights"].as_array().unwrap() {
        for w in row.as_array().unwrap() {
            let w = w.as_f64().unwrap();
            assert!((0.0..0.01).contains(&w));
        }
    }
    assert_eq!(
        init7["layers"][0]["bias"],
        serde_json::json!([0.0, 0.0, 0.0, 0.0])
    );
}

#[test]
fn text_labels_any_features_eval_and_predict_in_original_labels() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("radius,texture,noise,diagnosis\n");
    for i in 0..60 {
        let r = i as f64 / 10.0;
        let label = if r > 3.0 { "M" } else { "B" };
        csv.push_str(&format!(
            "{r},{},{},{label}\n",
            (i * 7 % 11) as f64,
            (i * 3 % 5) as f64
        ));
    }
    let data = write(dir.path(), "cells.csv", &csv);
    let model = dir.path().join("m.json");
    scratchnet()
        .arg("train")
        .arg(&data)
        .args([
            "--target",
            "diagnosis",
            "--features",
            "radius,texture",
            "--epochs",
            "3000",
            "--lr",
            "0.5",
            "--positive",
            "M",
            "-o",
        ])
        .arg(&model)
        .assert()
        .success();
    let m: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(m["classes"], serde_json::json!(["B", "M"]));
    assert_eq!(m["features"], serde_json::json!(["radius", "texture"]));
    let v = json_stdout(
        scratchnet()
            .arg("eval")
            .arg(&model)
            .arg(&data)
            .arg("--json"),
    );
    assert!(v["accuracy"].as_f64().unwrap() > 0.9, "{v}");
    assert_eq!(v["samples"], 60);
    let preds = dir.path().join("p.csv");
    scratchnet()
        .arg("predict")
        .arg(&model)
        .arg(&data)
        .arg("--proba")
        .arg("-o")
        .arg(&preds)
        .assert()
        .success();
    let text = std::fs::read_to_string(&preds).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("prediction,proba_B,proba_M"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 60);
    assert!(rows[0].starts_with("B,"));
    assert!(rows[59].starts_with("M,"));
}

#[test]
fn explain_shows_equations_shapes_and_one_sample() {
    let out = scratchnet()
        .args(["explain", "--sample", "0"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for needle in [
        "Z1 = W1·X + b1",
        "(4×2)·(2×320)",
        "dW2 = (1/m)·dZ2·A1ᵀ",
        "dZ1 = W2ᵀ·dZ2 ⊙ (1 − A1²)",
        "Sample 0",
        "chaotic",
    ] {
        assert!(text.contains(needle), "missing {needle:?}");
    }
    let deep = scratchnet()
        .args(["explain", "--hidden", "5,3"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(deep).unwrap().contains("W3 1×3"));
}

#[test]
fn explain_with_a_trained_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    scratchnet()
        .arg("train")
        .arg(reference_flower())
        .args(["--epochs", "100", "-o"])
        .arg(&model)
        .assert()
        .success();
    scratchnet()
        .arg("explain")
        .arg("--model")
        .arg(&model)
        .args(["--sample", "5"])
        .assert()
        .success()
        .stdout(predicate::str::contains("trained model"));
}

/// Runs scratchnet with `args` in `dir` and checks: exit code 2, one line on stderr that
/// contains `message`, and no file at `must_not_exist`.
fn fails(dir: &Path, args: &[&str], message: &str) {
    let out = scratchnet().current_dir(dir).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{args:?}: not one line: {stderr}"
    );
    assert!(
        stderr.contains(message),
        "{args:?}: {stderr:?} lacks {message:?}"
    );
    assert!(
        !dir.join("out.json").exists(),
        "{args:?} left an output file"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        // a temporary file is `.<name>.XXXXXX`
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn bad_input_gets_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "empty.csv", "");
    write(d, "header.csv", "x1,x2,y\n");
    write(d, "text.csv", "x1,x2,y\n1,2,0\n3,abc,1\n");
    write(d, "nan.csv", "x1,x2,y\n1,NaN,0\n2,3,1\n");
    write(d, "inf.csv", "x1,x2,y\n1,2,0\n2,inf,1\n");
    write(d, "ragged.csv", "x1,x2,y\n1,2,0\n2,1\n");
    write(d, "one.csv", "x1,x2,y\n1,2,0\n2,3,0\n");
    write(d, "three.csv", "x1,x2,y\n1,2,0\n2,3,1\n4,5,2\n");
    write(d, "two.csv", "x1,x2,y\n1,2,0\n2,3,1\n");
    write(d, "other.csv", "a,b,y\n1,2,0\n2,3,1\n");
    write(d, "notours.json", "{\"hello\": 1}");
    std::fs::copy(reference_flower(), d.join("flower.csv")).unwrap();
    let o = ["-o", "out.json"];
    let with_o = |args: &[&'static str]| -> Vec<&'static str> {
        args.iter().chain(o.iter()).copied().collect()
    };
    fails(
        d,
        &with_o(&["train", "empty.csv"]),
        "empty.csv: the file is empty",
    );
    fails(
        d,
        &with_o(&["train", "header.csv"]),
        "header.csv: no data rows after the header",
    );
    fails(
        d,
        // NaN is a missing value by default; without it among --na-values it is a bad number
        &with_o(&["train", "nan.csv", "--na-values", "NA"]),
        "nan.csv:2: column `x2`: `NaN` is not a finite number",
    );
    fails(
        d,
        &with_o(&["train", "inf.csv"]),
        "inf.csv:3: column `x2`: `inf` is not a finite number",
    );
    fails(
        d,
        &with_o(&["train", "ragged.csv"]),
        "ragged.csv:3: expected 3 fields (x1, x2, y), found 2",
    );
    fails(d, &with_o(&["train", "one.csv"]), "only one class");
    fails(
        d,
        &with_o(&["train", "three.csv", "--validation", "0"]),
        "miss a class",
    );
    fails(
        d,
        &with_o(&["train", "flower.csv", "--target", "label"]),
        "no target column `label`; the columns are: x1, x2, y",
    );
    fails(
        d,
        &with_o(&["train", "flower.csv", "--features", "x1,x9"]),
        "no feature column `x9`",
    );
    fails(
        d,
        &with_o(&["train", "flower.csv", "--test-split", "1"]),
        "--test-split must be in [0, 1), got 1",
    );
    fails(
        d,
        &with_o(&["train", "flower.csv", "--test-split", "-0.2"]),
        "--test-split must be in [0, 1)",
    );
    fails(d, &with_o(&["train", "two.csv"]), "too few rows");
    fails(
        d,
        &with_o(&["train", "flower.csv", "--hidden", "0"]),
        "at least 1 unit",
    );
    fails(
        d,
        &with_o(&["train", "flower.csv", "--epochs", "-5"]),
        "expected a whole number",
    );
    fails(
        d,
        &with_o(&["train", "flower.csv", "--epochs", "many"]),
        "expected a whole number",
    );
    fails(
        d,
        &with_o(&["train", "flower.csv", "--lr", "-0.1"]),
        "error: --lr must be positive and finite, got -0.1",
    );
    fails(
        d,
        &with_o(&["train", "flower.csv", "--lr", "fast"]),
        "invalid value 'fast'",
    );
    fails(d, &with_o(&["train", "missing.csv"]), "missing.csv");
    fails(
        d,
        &[
            "train",
            "flower.csv",
            "--epochs",
            "1",
            "-o",
            "no/such/dir/out.json",
        ],
        "does not exist",
    );
    fails(
        d,
        &["eval", "notours.json", "flower.csv"],
        "not a scratchnet model file",
    );
    fails(
        d,
        &["eval", "empty.csv", "flower.csv"],
        "not a scratchnet model file",
    );

    // A real model for the model-file checks.
    scratchnet()
        .current_dir(d)
        .args(["train", "flower.csv", "--epochs", "5", "-o", "m.json"])
        .assert()
        .success();
    let text = std::fs::read_to_string(d.join("m.json")).unwrap();
    write(
        d,
        "future.json",
        &text.replace("\"version\": 2", "\"version\": 9"),
    );
    fails(
        d,
        &["eval", "future.json", "flower.csv"],
        "model format version 9 is newer",
    );
    fails(
        d,
        &["predict", "m.json", "other.csv", "-o", "out.json"],
        "no feature column `x1`",
    );
    fails(
        d,
        &["eval", "m.json", "three.csv"],
        "three.csv:4: column `y`: `2` is not one of the model's classes",
    );
    fails(d, &["generate", "blobs"], "unknown data set `blobs`");
    fails(
        d,
        &["generate", "moons", "--classes", "3"],
        "exactly 2 classes",
    );
    fails(d, &["explain", "--sample", "100000"], "out of range");
    fails(
        d,
        &with_o(&["train", "flower.csv", "--features", "x1,x1"]),
        "--features lists `x1` twice",
    );
    fails(
        d,
        &with_o(&["train", "flower.csv", "--epochs", "99999999999999999999"]),
        "is too large",
    );
    fails(d, &["train"], "<DATA.csv>");
    fails(
        d,
        &["generate", "flower", "-n", "18446744073709551615"],
        "-n must be at most",
    );
    fails(
        d,
        &["generate", "moons", "--noise", "1e308", "-n", "2000"],
        "--noise 1e308 is too large",
    );
    fails(
        d,
        &["predict", "m.json", "flower.csv", "-o", "flower.csv"],
        "refusing to overwrite the input data",
    );
}

#[test]
fn closed_stdout_is_not_a_panic() {
    for args in [
        vec!["demo", "--epochs", "5"],
        vec!["explain"],
        vec!["generate", "flower", "-n", "100000"],
    ] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("scratchnet"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away at once
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(out.status.code(), Some(101), "{args:?}");
    }
}

#[test]
fn output_through_a_symlink_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("real.csv"), "old").unwrap();
    std::os::unix::fs::symlink("real.csv", dir.path().join("link.csv")).unwrap();
    scratchnet()
        .current_dir(dir.path())
        .args(["generate", "moons", "-n", "10", "-o", "link.csv"])
        .assert()
        .success();
    assert!(
        std::fs::symlink_metadata(dir.path().join("link.csv"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(dir.path().join("real.csv"))
            .unwrap()
            .starts_with("x1,x2,y")
    );
}

#[test]
fn output_through_a_symlink_loop_is_refused_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows: String = (0..40)
        .map(|i| format!("{},{},{}\n", i % 7, i % 5, i % 2))
        .collect();
    write(d, "small.csv", &format!("x1,x2,y\n{rows}"));
    std::os::unix::fs::symlink("loop.json", d.join("loop.json")).unwrap();
    std::os::unix::fs::symlink("b.json", d.join("a.json")).unwrap();
    std::os::unix::fs::symlink("a.json", d.join("b.json")).unwrap();
    for out_path in ["loop.json", "a.json"] {
        // 10^9 epochs: only a check before training can finish in time
        let out = scratchnet()
            .current_dir(d)
            .args([
                "train",
                "small.csv",
                "--epochs",
                "1000000000",
                "-o",
                out_path,
            ])
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{out_path}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{out_path}: {stderr}");
        assert!(
            stderr.contains(&format!("{out_path}: "))
                && stderr.contains("too many levels of symbolic links"),
            "{out_path}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{out_path}: training must not start");
    }
    let mut names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a.json", "b.json", "loop.json", "small.csv"]);
}

#[test]
fn output_to_dev_stdout_into_a_pipe_writes_the_data() {
    // /dev/stdout → /proc/self/fd/1 → `pipe:[…]`, a link that names no file
    let out = scratchnet()
        .args(["generate", "moons", "-n", "5", "-o", "/dev/stdout"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("x1,x2,y\n"), "{stdout}");
    assert_eq!(stdout.lines().count(), 6, "{stdout}");
}

#[test]
fn help_and_version() {
    scratchnet()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("scratchnet "));
    scratchnet()
        .args(["train", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--test-split"));
}

#[test]
fn multiclass_and_regression_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    scratchnet()
        .current_dir(d)
        .args([
            "generate",
            "gaussians",
            "--classes",
            "4",
            "-n",
            "200",
            "-o",
            "blobs.csv",
        ])
        .assert()
        .success();
    let v = json_stdout(scratchnet().current_dir(d).args([
        "train",
        "blobs.csv",
        "--hidden",
        "16,8",
        "--activation",
        "relu",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--epochs",
        "300",
        "--batch-size",
        "32",
        "--json",
        "-o",
        "blobs.json",
    ]));
    assert_eq!(v["task"], "multiclass");
    assert_eq!(v["model"], "2-16-8-4 relu/softmax");
    assert_eq!(v["baseline"]["model"], "softmax regression");
    assert_eq!(v["test"]["confusion_matrix"].as_array().unwrap().len(), 4);
    assert!(v["test"]["macro"]["f1"].is_number() && v["test"]["weighted"]["f1"].is_number());
    assert_eq!(v["test"]["per_class"].as_array().unwrap().len(), 4);
    let out = scratchnet()
        .current_dir(d)
        .args(["predict", "blobs.json", "blobs.csv", "--proba"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines().next(),
        Some("prediction,proba_0,proba_1,proba_2,proba_3")
    );
    let row: Vec<f64> = text
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .skip(1)
        .map(|v| v.parse().unwrap())
        .collect();
    assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);

    scratchnet()
        .current_dir(d)
        .args(["generate", "sine", "-n", "300", "-o", "sine.csv"])
        .assert()
        .success();
    let v = json_stdout(scratchnet().current_dir(d).args([
        "train",
        "sine.csv",
        "--task",
        "regression",
        "--hidden",
        "16",
        "--optimizer",
        "adam",
        "--lr",
        "0.01",
        "--epochs",
        "1500",
        "--json",
        "-o",
        "sine.json",
    ]));
    assert_eq!(v["task"], "regression");
    assert!(v["test"]["r2"].as_f64().unwrap() > 0.9, "{v}");
    assert!(v["test"]["rmse"].is_number() && v["test"]["mae"].is_number());
    let out = scratchnet()
        .current_dir(d)
        .args(["predict", "sine.json", "sine.csv"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().next(), Some("prediction"));
    assert!(text.lines().nth(1).unwrap().parse::<f64>().is_ok());
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("sine.json")).unwrap()).unwrap();
    assert_eq!(model["version"], 2); // no column plan needed: all numbers, none missing
    assert!(model["target_standardizer"]["mean"].is_array());

    // --init-from continues a model; its shapes are checked
    scratchnet()
        .current_dir(d)
        .args([
            "train",
            "sine.csv",
            "--task",
            "regression",
            "--hidden",
            "16",
            "--epochs",
            "10",
            "--init-from",
            "sine.json",
            "-o",
            "more.json",
        ])
        .assert()
        .success();
    fails(
        d,
        &[
            "train",
            "sine.csv",
            "--task",
            "regression",
            "--hidden",
            "8",
            "--init-from",
            "sine.json",
        ],
        "the model's hidden layers are [16]",
    );
    fails(
        d,
        &["train", "blobs.csv", "--init-from", "sine.json"],
        "--init-from",
    );
    fails(
        d,
        &["plot", "boundary", "sine.json", "sine.csv", "-o", "b.png"],
        "needs a classifier",
    );
    fails(
        d,
        &["predict", "sine.json", "sine.csv", "--proba"],
        "--proba needs a classifier",
    );
}

#[test]
fn invalid_mlp_combinations_get_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "one.csv", "x1,x2,y\n1,2,a\n2,3,a\n3,1,a\n");
    write(d, "text.csv", "x1,y\n1,low\n2,high\n3,low\n");
    std::fs::copy(reference_flower(), d.join("flower.csv")).unwrap();
    fails(d, &["train", "one.csv"], "only one class");
    fails(
        d,
        &["train", "flower.csv", "--batch-size", "0"],
        "--batch-size must be at least 1",
    );
    fails(
        d,
        &[
            "train",
            "flower.csv",
            "--validation",
            "0",
            "--patience",
            "5",
        ],
        "--patience needs a validation set (--validation: the fraction of training rows it watches)",
    );
    fails(
        d,
        &["train", "text.csv", "--task", "regression"],
        "text.csv:2: column `y`: `low` is not a number (a regression target must be numeric)",
    );
    fails(
        d,
        &["train", "flower.csv", "--activation", "softmax"],
        "softmax can only be the output",
    );
    fails(
        d,
        &["train", "flower.csv", "--activation", "swish"],
        "unknown activation `swish`",
    );
    fails(
        d,
        &["train", "flower.csv", "--optimizer", "rmsprop"],
        "unknown optimizer `rmsprop`",
    );
    fails(
        d,
        &["train", "flower.csv", "--init", "zeros"],
        "unknown initialization `zeros`",
    );
    fails(
        d,
        &["train", "flower.csv", "--lr-schedule", "linear"],
        "unknown --lr-schedule `linear`",
    );
    fails(
        d,
        &["train", "flower.csv", "--validation", "1.5"],
        "--validation must be in [0, 1)",
    );
    fails(
        d,
        &[
            "train",
            "flower.csv",
            "--optimizer",
            "momentum",
            "--momentum",
            "1.5",
        ],
        "--momentum must be in [0, 1)",
    );
    fails(
        d,
        &["train", "flower.csv", "--task", "clustering"],
        "unknown --task `clustering`",
    );
    fails(
        d,
        &[
            "train",
            "flower.csv",
            "--task",
            "regression",
            "--positive",
            "1",
        ],
        "--positive applies to classification",
    );
}

#[test]
fn threads_same_count_gives_identical_models_and_zero_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("spiral.csv");
    scratchnet()
        .args([
            "generate",
            "spiral",
            "--samples",
            "3000",
            "--seed",
            "3",
            "-o",
        ])
        .arg(&data)
        .assert()
        .success();
    // 2-300-300-3 on batches of 1000: enough work per batch to split over threads
    let run = |threads: &str, name: &str| {
        let p = dir.path().join(name);
        scratchnet()
            .arg("train")
            .arg(&data)
            .args([
                "--hidden",
                "300,300",
                "--activation",
                "relu",
                "--epochs",
                "3",
            ])
            .args(["--batch-size", "1000", "--lr", "0.05", "--threads", threads])
            .arg("-o")
            .arg(&p)
            .assert()
            .success();
        std::fs::read(p).unwrap()
    };
    assert_eq!(run("2", "a.json"), run("2", "b.json"));
    assert_eq!(run("1", "c.json"), run("1", "d.json"));
    let out = scratchnet()
        .arg("train")
        .arg(&data)
        .args(["--threads", "0"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("--threads"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn precision_f32_trains_records_itself_and_other_types_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let v = json_stdout(
        scratchnet()
            .arg("train")
            .arg(reference_flower())
            .args([
                "--preset",
                "tutorial",
                "--precision",
                "f32",
                "--epochs",
                "3000",
                "--json",
                "-o",
            ])
            .arg(&model),
    );
    let acc = v["train"]["accuracy"].as_f64().unwrap();
    assert!(acc > 0.85, "f32 training accuracy {acc}");
    let m: Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(m["training"]["precision"], "f32");
    let out = scratchnet()
        .arg("train")
        .arg(reference_flower())
        .args(["--precision", "f16"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("f16") && err.trim().lines().count() == 1,
        "{err}"
    );
}

#[test]
fn model_read_data_gives_the_same_errors_as_eval_and_predict() {
    // The library's Model::read_data is to replace the CLI's read_for_model: same messages.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows: String = (0..40)
        .map(|i| format!("{},{},{}\n", i % 7, i % 5, i % 2))
        .collect();
    let data = write(d, "small.csv", &format!("x1,x2,y\n{rows}"));
    let model_path = d.join("m.json");
    scratchnet()
        .arg("train")
        .arg(&data)
        .args(["--epochs", "5", "-o"])
        .arg(&model_path)
        .assert()
        .success();
    let model = scratchnet::model_file::Model::load(&model_path).unwrap();
    for (name, content) in [
        ("nofeat.csv", "x1,z,y\n1,2,0\n"),
        ("notarget.csv", "x1,x2,q\n1,2,0\n"),
        ("badclass.csv", "x1,x2,y\n1,2,7\n"),
        ("ragged.csv", "x1,x2,y\n1,2\n"),
    ] {
        let p = write(d, name, content);
        for (command, with_target) in [("eval", true), ("predict", false)] {
            let out = scratchnet()
                .arg(command)
                .arg(&model_path)
                .arg(&p)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            match model.read_data(&p, with_target) {
                Err(e) => assert_eq!(stderr, format!("error: {e}\n"), "{command} {name}"),
                Ok(_) => assert_eq!(out.status.code(), Some(0), "{command} {name}: {stderr}"),
            }
        }
    }
}

#[test]
fn init_from_refuses_an_explicit_hidden_4_that_contradicts_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(reference_flower(), d.join("flower.csv")).unwrap();
    scratchnet()
        .current_dir(d)
        .args([
            "train",
            "flower.csv",
            "--hidden",
            "16",
            "--epochs",
            "5",
            "-o",
            "m16.json",
        ])
        .assert()
        .success();
    // --hidden 4 is the default's value, but given explicitly it is a contradiction like 8
    for hidden in ["4", "8"] {
        fails(
            d,
            &[
                "train",
                "flower.csv",
                "--hidden",
                hidden,
                "--init-from",
                "m16.json",
                "-o",
                "out.json",
            ],
            &format!("the model's hidden layers are [16], not --hidden [{hidden}]"),
        );
    }
    // without --hidden, or with the model's own sizes, it continues the model
    for extra in [&[][..], &["--hidden", "16"][..]] {
        let v = json_stdout(
            scratchnet()
                .current_dir(d)
                .args([
                    "train",
                    "flower.csv",
                    "--epochs",
                    "5",
                    "--init-from",
                    "m16.json",
                    "--json",
                ])
                .args(extra),
        );
        // the model's ReLU layer (the tabular preset's), kept
        assert_eq!(v["model"], "2-16-1 relu/sigmoid", "{extra:?}");
    }
}

/// A small two-class CSV (40 rows) and a model trained on it, in `d`.
fn small_data_and_model(d: &Path) {
    let rows: String = (0..40)
        .map(|i| format!("{},{},{}\n", i % 7, i % 5, i % 2))
        .collect();
    write(d, "d.csv", &format!("x1,x2,y\n{rows}"));
    scratchnet()
        .current_dir(d)
        .args(["train", "d.csv", "--epochs", "5", "-o", "m.json"])
        .assert()
        .success();
}

#[test]
fn an_output_never_overwrites_an_input_or_another_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_data_and_model(d);
    std::os::unix::fs::symlink("d.csv", d.join("alias.csv")).unwrap();
    let data = std::fs::read(d.join("d.csv")).unwrap();
    let model = std::fs::read(d.join("m.json")).unwrap();
    let long = ["--epochs", "1000000000"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["train", "d.csv", "-o", "d.csv"],
            "refusing to overwrite the input data",
        ),
        (
            vec!["train", "d.csv", "-o", "./alias.csv"],
            "refusing to overwrite the input data",
        ),
        (
            vec!["train", "d.csv", "--history", "d.csv"],
            "refusing to overwrite the input data",
        ),
        (
            vec!["train", "d.csv", "--init-from", "m.json", "-o", "m.json"],
            "refusing to overwrite the input --init-from model",
        ),
        (
            vec!["train", "d.csv", "-o", "x.csv", "--history", "x.csv"],
            "-o and --history name the same file",
        ),
        (
            vec![
                "train",
                "d.csv",
                "-o",
                "x.csv",
                "--history",
                "./sub/../x.csv",
            ],
            "-o and --history name the same file",
        ),
        (
            vec!["predict", "m.json", "d.csv", "-o", "m.json"],
            "refusing to overwrite the input model",
        ),
        (
            vec!["predict", "m.json", "d.csv", "-o", "d.csv"],
            "refusing to overwrite the input data",
        ),
        (
            vec!["tune", "d.csv", "-o", "d.csv"],
            "refusing to overwrite the input data",
        ),
        (
            vec!["importance", "m.json", "d.csv", "-o", "m.json"],
            "refusing to overwrite the input model",
        ),
    ];
    std::fs::create_dir(d.join("sub")).unwrap();
    for (mut args, message) in cases {
        if args[0] == "train" || args[0] == "tune" {
            args.extend(long);
        }
        fails(d, &args, message);
        assert!(!d.join("x.csv").exists(), "{args:?}");
    }
    // a picture's extension is checked first; with a .png output, the clash itself is named
    std::fs::copy(d.join("d.csv"), d.join("d.png")).unwrap();
    fails(
        d,
        &["plot", "data", "d.png", "-o", "d.png"],
        "refusing to overwrite the input data",
    );
    std::os::unix::fs::symlink("d.png", d.join("alias.png")).unwrap();
    fails(
        d,
        &["plot", "data", "d.png", "-o", "alias.png"],
        "refusing to overwrite the input data",
    );
    fails(
        d,
        &["plot", "boundary", "m.json", "d.png", "-o", "d.png"],
        "refusing to overwrite the input data",
    );
    assert_eq!(
        std::fs::read(d.join("d.csv")).unwrap(),
        data,
        "the data stay"
    );
    assert_eq!(
        std::fs::read(d.join("m.json")).unwrap(),
        model,
        "the model stays"
    );
}

#[test]
fn outputs_are_checked_by_creating_a_file_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_data_and_model(d);
    // a dangling link into a missing directory
    std::os::unix::fs::symlink("missing/x.json", d.join("dangling.json")).unwrap();
    let long = ["train", "d.csv", "--epochs", "1000000000"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        long.iter().chain(extra).copied().collect()
    };
    fails(d, &with(&["-o", "dangling.json"]), "does not exist");
    fails(d, &with(&["--history", "dangling.json"]), "does not exist");
    // a directory no one may create files in (/sys refuses even root)
    for args in [
        with(&["-o", "/sys/scratchnet-out.json"]),
        with(&["--history", "/sys/scratchnet-history.csv"]),
        vec![
            "tune",
            "d.csv",
            "--epochs",
            "1000000000",
            "-o",
            "/sys/scratchnet-out.json",
        ],
        vec!["predict", "m.json", "d.csv", "-o", "/sys/scratchnet-p.csv"],
        vec![
            "importance",
            "m.json",
            "d.csv",
            "-o",
            "/sys/scratchnet-i.csv",
        ],
        vec!["generate", "moons", "-o", "/sys/scratchnet-g.csv"],
        vec!["plot", "activations", "-o", "/sys/scratchnet-a.png"],
        vec![
            "demo",
            "--epochs",
            "100000000",
            "--out",
            "/sys/scratchnet-demo",
        ],
    ] {
        fails(d, &args, "/sys/scratchnet-");
        fails(d, &args, "cannot write");
    }
    // a read-only directory (not enforced for root, who may write anywhere)
    let ro = d.join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::File::create(ro.join("probe")).is_err() {
        fails(d, &with(&["-o", "ro/m.json"]), "ro/m.json: cannot write");
    }
    let _ = std::fs::remove_file(ro.join("probe"));
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_replaced_output_keeps_its_mode_and_long_names_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_data_and_model(d);
    let mode = |p: &str| std::fs::metadata(d.join(p)).unwrap().permissions().mode() & 0o7777;
    std::fs::set_permissions(d.join("m.json"), std::fs::Permissions::from_mode(0o600)).unwrap();
    scratchnet()
        .current_dir(d)
        .args(["train", "d.csv", "--epochs", "5", "-o", "m.json"])
        .assert()
        .success();
    assert_eq!(mode("m.json"), 0o600, "a 0600 model stays 0600");
    // a 250-byte file name: the temporary file's name must still fit
    let long = "g".repeat(246) + ".csv";
    for _ in 0..2 {
        scratchnet()
            .current_dir(d)
            .args(["generate", "moons", "-n", "10", "-o", &long])
            .assert()
            .success();
    }
    assert!(
        std::fs::read_to_string(d.join(&long))
            .unwrap()
            .starts_with("x1,x2,y")
    );
    let hidden: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "temporary files left: {hidden:?}");
}

/// A 2-4-3 softmax model whose output ignores its input: probabilities 1, e^-740 (a
/// subnormal) and e^-800 (0). `weight` is every weight and bias of the hidden layer.
fn constant_softmax_model(weight: f64) -> String {
    let w = format!("[{weight},{weight}]");
    format!(
        r#"{{"format":"scratchnet-model","version":2,"features":["x1","x2"],"target":"y",
        "classes":["a","b","c"],"standardizer":{{"mean":[0,0],"std":[1,1]}},
        "layers":[{{"weights":[{w},{w},{w},{w}],"bias":[{weight},{weight},{weight},{weight}],"activation":"tanh"}},
        {{"weights":[[0,0,0,0],[0,0,0,0],[0,0,0,0]],"bias":[0,-740,-800],"activation":"softmax"}}],
        "training":{{"seed":1,"epochs":1,"learning_rate":1,"final_loss":1,"init":"small-uniform"}}}}"#
    )
}

#[test]
fn predict_proba_writes_tiny_probabilities_in_a_bounded_exponent_form() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("m.json"), constant_softmax_model(0.5)).unwrap();
    std::fs::write(d.join("rows.csv"), "x1,x2\n1,2\n0.5,-1\n").unwrap();
    let out = scratchnet()
        .current_dir(d)
        .args(["predict", "m.json", "rows.csv", "--proba"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let text = String::from_utf8(out.stdout).unwrap();
    let want = format!(
        "prediction,proba_a,proba_b,proba_c\na,1,{:e},0\n",
        (-740f64).exp()
    );
    assert_eq!(text, want.clone() + want.lines().nth(1).unwrap() + "\n");
    assert!(text.lines().all(|l| l.len() < 60), "{text}");
}

#[test]
fn a_label_of_70000_characters_is_cut_in_the_tables_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let long = "z".repeat(70_000);
    let mut csv = String::from("x1,x2,y\n");
    for i in 0..60 {
        let label = ["a", "b", long.as_str()][i % 3];
        csv.push_str(&format!("{},{},{label}\n", i % 7, (i * 3) % 11));
    }
    std::fs::write(d.join("long.csv"), csv).unwrap();
    for args in [
        &["train", "long.csv", "--epochs", "5", "-o", "m.json"][..],
        &["eval", "m.json", "long.csv"][..],
    ] {
        let out = scratchnet().current_dir(d).args(args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("zzz…"), "{args:?}");
        let longest = stdout.lines().map(|l| l.chars().count()).max();
        assert!(
            longest < Some(200),
            "{args:?}: a line of {longest:?} characters"
        );
    }
}

#[test]
fn absurd_layer_counts_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hidden = vec!["1"; 1001].join(",");
    fails(
        d,
        &[
            "train",
            reference_flower().to_str().unwrap(),
            "--hidden",
            &hidden,
            "-o",
            "out.json",
        ],
        "has 1001 layers; at most 1000 hidden layers are allowed",
    );
    let layer = r#"{"weights":[[0.5]],"bias":[0],"activation":"tanh"}"#;
    let first = r#"{"weights":[[0.5,0.5]],"bias":[0],"activation":"tanh"}"#;
    let mut layers = vec![first.to_string()];
    layers.extend((0..1000).map(|_| layer.to_string()));
    layers.push(r#"{"weights":[[1]],"bias":[0],"activation":"sigmoid"}"#.into());
    let model = format!(
        r#"{{"format":"scratchnet-model","version":2,"features":["x1","x2"],"target":"y",
        "classes":["0","1"],"standardizer":{{"mean":[0,0],"std":[1,1]}},"layers":[{}],
        "training":{{"seed":1,"epochs":1,"learning_rate":1,"final_loss":1,"init":"xavier"}}}}"#,
        layers.join(",")
    );
    std::fs::write(d.join("deep.json"), model).unwrap();
    fails(
        d,
        &["eval", "deep.json", reference_flower().to_str().unwrap()],
        "model has 1002 layers; at most 1001",
    );
}
