//! Imputation options through the real binary: `--impute`, `--missing-indicators` and
//! `--drop-missing` from `train` (and `cv`) to a model file that `predict` reads raw rows with,
//! and a model file written before these options existed.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use scratchnet::model_file::Model;

fn scratchnet() -> Command {
    Command::cargo_bin("scratchnet").unwrap()
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scratchnet/tests/fixtures")
}

/// Four training rows (no test or validation split, so every row fits the plan):
/// x = 1, 2, NA, 9 (mean 4); c = a, (empty), b, a (mode a); z = 1, 2, 3, 10 (mean 4, never
/// missing, so no indicator).
const TRAIN: &str = "x,c,z,y\n1,a,1,0\n2,,2,1\nNA,b,3,0\n9,a,10,1\n";

fn train(d: &Path, extra: &[&str]) -> std::process::Output {
    write(d, "t.csv", TRAIN);
    scratchnet()
        .current_dir(d)
        .args(["train", "t.csv", "--target", "y", "--epochs", "5"])
        .args(["--test-split", "0", "--validation", "0", "-o", "m.json"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn missing_indicators_and_the_mean_round_trip_through_the_model_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = train(d, &["--impute", "mean", "--missing-indicators"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let model = Model::load(&d.join("m.json")).unwrap();
    assert_eq!(
        model.features,
        ["x", "x=(missing)", "c=a", "c=b", "c=(missing)", "z"]
    );
    let json = std::fs::read_to_string(d.join("m.json")).unwrap();
    assert!(json.contains("\"impute\": \"mean\""), "{json}");
    // raw rows with missing values, encoded through the stored plan:
    // row 1: x NA → 4 (indicator 1), c b, z 5; row 2: x 7, c empty → a (indicator 1),
    // z NA → 4 (no indicator: z was never missing in training)
    let rows = write(d, "p.csv", "x,c,z\nNA,b,5\n7,,NA\n");
    let read = model.read_raw(rows.as_path(), false, false).unwrap();
    assert_eq!(
        read.data.x.column(0).to_vec(),
        [4.0, 1.0, 0.0, 1.0, 0.0, 5.0]
    );
    assert_eq!(
        read.data.x.column(1).to_vec(),
        [7.0, 0.0, 1.0, 0.0, 1.0, 4.0]
    );
    scratchnet()
        .current_dir(d)
        .args(["predict", "m.json", "p.csv"])
        .assert()
        .success();
}

#[test]
fn most_frequent_imputes_the_commonest_number() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "t.csv", "x,y\n5,0\n1,1\n5,0\n9,1\nNA,0\n");
    scratchnet()
        .current_dir(d)
        .args(["train", "t.csv", "--target", "y", "--epochs", "5"])
        .args(["--test-split", "0", "--validation", "0", "-o", "m.json"])
        .args(["--impute", "most-frequent"])
        .assert()
        .success();
    let model = Model::load(&d.join("m.json")).unwrap();
    let rows = write(d, "p.csv", "x\nNA\n");
    let read = model.read_raw(rows.as_path(), false, false).unwrap();
    assert_eq!(read.data.x[[0, 0]], 5.0);
}

#[test]
fn drop_missing_drops_rows_with_one_warning_and_predict_still_imputes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = train(d, &["--drop-missing"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let warning = "warning: dropped 2 rows with a missing feature value (--drop-missing)";
    assert_eq!(stderr.matches(warning).count(), 1, "{stderr}");
    // fitted on rows 1 and 4 only: x median (1 + 9) / 2 = 5, c mode a
    let model = Model::load(&d.join("m.json")).unwrap();
    assert_eq!(model.features, ["x", "c=a", "z"]);
    let rows = write(d, "p.csv", "x,c,z\nNA,,2\n");
    let read = model.read_raw(rows.as_path(), false, false).unwrap();
    assert_eq!(read.data.x.column(0).to_vec(), [5.0, 1.0, 2.0]);
}

#[test]
fn drop_missing_without_a_complete_row_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "t.csv", "x,c,y\nNA,a,0\n2,,1\n");
    let out = scratchnet()
        .current_dir(d)
        .args(["train", "t.csv", "--target", "y", "--drop-missing"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("--drop-missing") && stderr.contains("t.csv") && stderr.contains("no row"),
        "{stderr}"
    );
}

#[test]
fn drop_missing_conflicts_with_impute_and_missing_indicators_in_train_and_cv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "t.csv", TRAIN);
    for command in ["train", "cv", "tune"] {
        for other in [&["--impute", "mean"][..], &["--missing-indicators"]] {
            let out = scratchnet()
                .current_dir(d)
                .args([command, "t.csv", "--target", "y", "--drop-missing"])
                .args(other)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{command} {other:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("cannot be used with"), "{stderr}");
        }
    }
}

#[test]
fn a_model_file_written_before_these_options_loads_and_predicts_the_same() {
    // raw_model_before_impute.json was written by `scratchnet train raw_before_impute.csv
    // --target y --epochs 200 --seed 3` from commit c1aa0c5 (before --impute existed; its
    // plan: a categorical and two numeric columns with medians), and
    // raw_before_impute_predictions.csv by that binary's `predict --proba` on
    // raw_before_impute_rows.csv (missing values and an unseen category)
    let f = fixtures();
    let out = scratchnet()
        .arg("predict")
        .arg(f.join("raw_model_before_impute.json"))
        .arg(f.join("raw_before_impute_rows.csv"))
        .arg("--proba")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = std::fs::read_to_string(f.join("raw_before_impute_predictions.csv")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    // its plan reads as median imputation without indicators
    let model = Model::load(&f.join("raw_model_before_impute.json")).unwrap();
    assert_eq!(
        model.features,
        [
            "colour=blue",
            "colour=green",
            "colour=red",
            "size",
            "weight"
        ]
    );
}
