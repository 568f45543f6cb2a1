//! The binary metrics of the probabilities (ROC AUC, PR AUC, log loss, balanced accuracy),
//! `--threshold` in `eval` and `predict`, and `train --stratify`, on the real binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn scratchnet() -> Command {
    Command::cargo_bin("scratchnet").unwrap()
}

fn flower() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scratchnet/tests/fixtures/planar_flower.csv")
}

fn json_stdout(cmd: &mut Command) -> Value {
    let out = cmd.assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("stdout is exactly one JSON document")
}

/// A short training run on the flower data, saved in `dir`.
fn trained(dir: &Path) -> PathBuf {
    let model = dir.join("m.json");
    scratchnet()
        .arg("train")
        .arg(flower())
        .args(["--epochs", "300", "-o"])
        .arg(&model)
        .assert()
        .success();
    model
}

#[test]
fn eval_reports_auc_log_loss_and_balanced_accuracy_beside_the_old_keys() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let r = json_stdout(
        scratchnet()
            .arg("eval")
            .arg(&model)
            .arg(flower())
            .arg("--json"),
    );
    for key in ["loss", "accuracy", "precision", "recall", "f1", "confusion"] {
        assert!(r.get(key).is_some(), "old key {key} missing: {r}");
    }
    for key in [
        "roc_auc",
        "pr_auc",
        "log_loss",
        "balanced_accuracy",
        "threshold",
    ] {
        let v = r[key]
            .as_f64()
            .unwrap_or_else(|| panic!("{key} not a number: {r}"));
        assert!(v.is_finite(), "{key} = {v}");
    }
    assert!(r["roc_auc"].as_f64().unwrap() > 0.8, "{r}");
    assert_eq!(r["threshold"].as_f64(), Some(0.5));
    let text = scratchnet()
        .arg("eval")
        .arg(&model)
        .arg(flower())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    for row in ["balanced acc", "ROC AUC", "PR AUC", "log loss", "TN / FN"] {
        assert!(text.contains(row), "missing {row:?} in\n{text}");
    }
}

#[test]
fn threshold_moves_eval_and_predict_decisions_but_not_the_auc() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let eval = |t: &str| {
        json_stdout(scratchnet().arg("eval").arg(&model).arg(flower()).args([
            "--json",
            "--threshold",
            t,
        ]))
    };
    let (low, high) = (eval("0.2"), eval("0.9"));
    let predicted_pos =
        |r: &Value| r["confusion"]["tp"].as_u64().unwrap() + r["confusion"]["fp"].as_u64().unwrap();
    assert!(predicted_pos(&low) > predicted_pos(&high), "{low}\n{high}");
    assert_eq!(low["roc_auc"], high["roc_auc"]);
    assert_eq!(high["threshold"].as_f64(), Some(0.9));
    // predict: the label is the positive class exactly when proba_1 > 0.9
    let out = scratchnet()
        .arg("predict")
        .arg(&model)
        .arg(flower())
        .args(["--proba", "--threshold", "0.9"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let mut positives = 0;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let p1: f64 = f[2].parse().unwrap();
        assert_eq!(f[0] == "1", p1 > 0.9, "{line}");
        positives += usize::from(f[0] == "1");
    }
    assert_eq!(positives as u64, predicted_pos(&high));
}

#[test]
fn bad_thresholds_get_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    for cmd in ["eval", "predict"] {
        for t in ["0", "1", "1.5", "-0.2", "NaN", "abc"] {
            let out = scratchnet()
                .arg(cmd)
                .arg(&model)
                .arg(flower())
                .args(["--threshold", t])
                .assert()
                .code(2)
                .get_output()
                .stderr
                .clone();
            let err = String::from_utf8(out).unwrap();
            assert_eq!(err.lines().count(), 1, "{cmd} {t}: {err}");
            assert!(err.contains("--threshold"), "{cmd} {t}: {err}");
        }
    }
    // a threshold for a multiclass model is refused, not ignored
    let spiral = dir.path().join("spiral.csv");
    scratchnet()
        .args(["generate", "spiral", "--classes", "3", "-n", "60", "-o"])
        .arg(&spiral)
        .assert()
        .success();
    let m3 = dir.path().join("m3.json");
    scratchnet()
        .arg("train")
        .arg(&spiral)
        .args(["--epochs", "5", "-o"])
        .arg(&m3)
        .assert()
        .success();
    let out = scratchnet()
        .arg("eval")
        .arg(&m3)
        .arg(&spiral)
        .args(["--threshold", "0.3"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(err.contains("applies to two-class models"), "{err}");
}

#[test]
fn one_class_data_gives_null_auc_with_a_warning_never_nan() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let all = std::fs::read_to_string(flower()).unwrap();
    let mut zeros: Vec<&str> = vec![all.lines().next().unwrap()];
    zeros.extend(all.lines().skip(1).filter(|l| l.ends_with(",0")).take(30));
    let data = dir.path().join("zeros.csv");
    std::fs::write(&data, zeros.join("\n") + "\n").unwrap();
    let out = scratchnet()
        .arg("eval")
        .arg(&model)
        .arg(&data)
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains("NaN"), "{stdout}");
    let r: Value = serde_json::from_str(&stdout).unwrap();
    assert!(r["roc_auc"].is_null() && r["pr_auc"].is_null(), "{r}");
    assert!(r["balanced_accuracy"].as_f64().is_some());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("ROC AUC is undefined"), "{stderr}");
}

#[test]
fn stratify_is_named_in_the_run_description() {
    let out = scratchnet()
        .arg("train")
        .arg(flower())
        .args(["--preset", "tutorial", "--epochs", "0", "--stratify"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("shuffled, stratified, split 320 train / 80 test"),
        "{text}"
    );
}

#[test]
fn stratify_keeps_the_class_shares_of_the_test_rows() {
    let train = |extra: &[&str]| {
        json_stdout(
            scratchnet()
                .arg("train")
                .arg(flower())
                .args(["--preset", "tutorial", "--epochs", "0", "--json"])
                .args(extra),
        )
    };
    let positives = |r: &Value| {
        let c = &r["test"]["confusion"];
        (
            c["tp"].as_u64().unwrap() + c["fn"].as_u64().unwrap(),
            c["tn"].as_u64().unwrap() + c["fp"].as_u64().unwrap(),
        )
    };
    // the tutorial's plain split (default): 38 positives, 42 negatives among the 80 test rows
    assert_eq!(positives(&train(&[])), (38, 42));
    // stratified: 40 / 40, and the validation rows too (25 % of 320: 40 / 40)
    assert_eq!(positives(&train(&["--stratify"])), (40, 40));
    let r = train(&["--stratify", "--validation", "0.25"]);
    let c = &r["validation"]["confusion"];
    let val_pos = c["tp"].as_u64().unwrap() + c["fn"].as_u64().unwrap();
    assert_eq!(val_pos, 40, "{r}");
}

#[test]
fn readme_demo_block_is_what_demo_prints_apart_from_the_times() {
    // the new metric rows come below the old ones, so the tutorial's lines are unchanged; the
    // README shows the whole table, kept equal here (the `time` row differs run to run)
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let start = readme
        .find("scratchnet demo: the tutorial's network")
        .unwrap();
    let block = &readme[start..start + readme[start..].find("```").unwrap()];
    let out = scratchnet()
        .arg("demo")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let printed = String::from_utf8(out).unwrap();
    let keep = |l: &&str| !l.starts_with("time");
    let expected: Vec<&str> = block.lines().filter(keep).collect();
    let got: Vec<&str> = printed.lines().filter(keep).collect();
    assert_eq!(got, expected);
}

#[test]
fn a_threshold_chosen_in_training_is_recorded_and_used_by_eval_and_predict() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = d.join("t.json");
    let trained_report = json_stdout(
        scratchnet()
            .arg("train")
            .arg(flower())
            .args(["--epochs", "300", "--threshold", "0.3", "--json", "-o"])
            .arg(&model),
    );
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(file["threshold"], 0.3);
    assert_eq!(file["version"], 3);
    let eval = |extra: &[&str]| {
        json_stdout(
            scratchnet()
                .arg("eval")
                .arg(&model)
                .arg(flower())
                .arg("--json")
                .args(extra),
        )
    };
    // eval without --threshold decides at the recorded 0.3, as --threshold 0.3 does, and not
    // as 0.5 does (positives can only grow when the threshold falls)
    let (recorded, explicit, half) = (
        eval(&[]),
        eval(&["--threshold", "0.3"]),
        eval(&["--threshold", "0.5"]),
    );
    assert_eq!(recorded["confusion"], explicit["confusion"]);
    let positives =
        |r: &Value| r["confusion"]["tp"].as_u64().unwrap() + r["confusion"]["fp"].as_u64().unwrap();
    assert!(positives(&recorded) >= positives(&half));
    assert_ne!(recorded["confusion"], half["confusion"]);
    assert!(trained_report["train"]["confusion"].is_object());
    // predict: the same decisions as eval's
    let out = scratchnet()
        .arg("predict")
        .arg(&model)
        .arg(flower())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let predicted_positive = text.lines().skip(1).filter(|l| l.trim() == "1").count() as u64;
    assert_eq!(predicted_positive, positives(&recorded));
    // a threshold outside (0, 1) in a model file is refused when it is loaded
    let bad = std::fs::read_to_string(&model)
        .unwrap()
        .replace("\"threshold\": 0.3", "\"threshold\": 1.5");
    std::fs::write(d.join("bad.json"), bad).unwrap();
    let out = scratchnet()
        .arg("eval")
        .arg(d.join("bad.json"))
        .arg(flower())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\"threshold\" must be in (0, 1), got 1.5"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
}

#[test]
fn a_training_threshold_outside_0_1_or_for_three_classes_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut csv = String::from("x,y\n");
    for i in 0..30 {
        csv.push_str(&format!("{},{}\n", (i * 7) % 11, ["a", "b", "c"][i % 3]));
    }
    std::fs::write(d.join("three.csv"), csv).unwrap();
    for (args, needle) in [
        (
            vec!["train", "three.csv", "--threshold", "0.4"],
            "--threshold applies to two-class targets",
        ),
        (
            vec!["train", "three.csv", "--threshold", "1"],
            "must be in (0, 1)",
        ),
    ] {
        let out = scratchnet().current_dir(d).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}
