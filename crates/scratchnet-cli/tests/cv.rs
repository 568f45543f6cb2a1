//! `scratchnet cv`: k folds, each the test set once, through the real binary.

use assert_cmd::Command;
use serde_json::Value;

fn scratchnet() -> Command {
    Command::cargo_bin("scratchnet").unwrap()
}

#[test]
fn cv_tests_every_row_once_and_reports_the_mean_of_each_metric() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    scratchnet()
        .current_dir(d)
        .args(["generate", "moons", "-n", "120", "-o", "moons.csv"])
        .assert()
        .success();
    let out = scratchnet()
        .current_dir(d)
        .args([
            "cv",
            "moons.csv",
            "--folds",
            "3",
            "--epochs",
            "300",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["folds"], 3);
    let folds = report["per_fold"].as_array().unwrap();
    assert_eq!(folds.len(), 3);
    // every row is a test row exactly once: the folds' test confusion counts add up to 120
    let tested: u64 = folds
        .iter()
        .map(|f| {
            let c = &f["test"]["confusion"];
            ["tp", "fp", "tn", "fn"]
                .iter()
                .map(|k| c[k].as_u64().unwrap())
                .sum::<u64>()
        })
        .sum();
    assert_eq!(tested, 120);
    let accuracies: Vec<f64> = folds
        .iter()
        .map(|f| f["test"]["accuracy"].as_f64().unwrap())
        .collect();
    let mean = accuracies.iter().sum::<f64>() / 3.0;
    assert!((report["network"]["accuracy"]["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    assert!(report["baseline"]["accuracy"]["sd"].as_f64().unwrap() >= 0.0);
    // seeded: the same command gives the same report
    let again = scratchnet()
        .current_dir(d)
        .args([
            "cv",
            "moons.csv",
            "--folds",
            "3",
            "--epochs",
            "300",
            "--json",
        ])
        .output()
        .unwrap();
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["network"], report["network"]);
}

#[test]
fn cv_refuses_too_few_or_too_many_folds_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    scratchnet()
        .current_dir(d)
        .args(["generate", "xor", "-n", "40", "-o", "xor.csv"])
        .assert()
        .success();
    for folds in ["1", "41"] {
        let out = scratchnet()
            .current_dir(d)
            .args(["cv", "xor.csv", "--folds", folds])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("error: --folds must be at least 2 and at most the 40 rows"),
            "{err}"
        );
    }
}

#[test]
fn cv_checks_the_data_flags_as_train_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("t.csv"), "a,y\n1,0\n2,1\n3,0\n4,1\n").unwrap();
    let cases: [(&[&str], &str); 2] = [
        (
            &["--max-categories", "1"],
            "error: --max-categories must be at least 2 (one kept category and `(other)`), got 1\n",
        ),
        (
            &["--task", "regression", "--positive", "1"],
            "error: --positive applies to classification, not --task regression\n",
        ),
    ];
    for (flags, message) in cases {
        for command in ["cv", "train"] {
            let out = scratchnet()
                .current_dir(d)
                .args([command, "t.csv"])
                .args(flags)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{command} {flags:?}");
            assert_eq!(String::from_utf8_lossy(&out.stderr), message);
        }
    }
}
