//! Raw tables through the real binary: a text column, missing values and an ID column, from
//! `train` to `predict` and `eval` on equally raw rows.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn scratchnet() -> Command {
    Command::cargo_bin("scratchnet").unwrap()
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// 80 penguin-like rows: `rownames` 1..80, `island` (text, some empty), `bill` (numbers),
/// `mass` (numbers, every 9th `NA`), `species` (the target; row 13's is `NA`).
fn penguins() -> String {
    let mut s = String::from("rownames,island,bill,mass,species\n");
    for i in 1..=80 {
        let island = ["Biscoe", "Dream", "Torgersen"][i % 3];
        let island = if i % 11 == 0 { "" } else { island };
        let bill = 35.0 + (i * 7 % 13) as f64;
        let mass = if i % 9 == 0 {
            "NA".to_string()
        } else {
            (3000 + i * 37 % 2000).to_string()
        };
        let species = if i == 13 {
            "NA"
        } else if island == "Torgersen" || bill < 40.0 {
            "Adelie"
        } else {
            "Gentoo"
        };
        s.push_str(&format!("{i},{island},{bill},{mass},{species}\n"));
    }
    s
}

fn train_raw(d: &Path, extra: &[&str]) -> std::process::Output {
    scratchnet()
        .current_dir(d)
        .args([
            "train", "raw.csv", "--target", "species", "--epochs", "300", "-o", "m.json",
        ])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_raw_csv_trains_predicts_and_evaluates_through_the_stored_plan() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "raw.csv", &penguins());
    let out = train_raw(d, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("column `rownames` looks like a row ID")
            && stderr.contains("--numeric rownames"),
        "{stderr}"
    );
    assert!(
        stderr.contains("dropped 1 row whose target `species` is missing"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("features island=Biscoe, island=Dream, island=Torgersen, bill, mass"),
        "{stdout}"
    );
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("m.json")).unwrap()).unwrap();
    assert_eq!(model["version"], 3);
    assert_eq!(model["prep"]["columns"][0]["kind"], "ignored");
    assert_eq!(model["prep"]["columns"][1]["kind"], "categorical");
    assert_eq!(model["prep"]["columns"][3]["kind"], "numeric");

    // new rows as raw as the training file: no ID column, missing values, an unseen island
    write(
        d,
        "new.csv",
        "island,bill,mass\nBiscoe,41,NA\nMars,38,4000\n,45,\n",
    );
    let out = scratchnet()
        .current_dir(d)
        .args(["predict", "m.json", "new.csv"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("column `island`: category `Mars` was not seen in training; 1 row")
            && stderr.contains("all zeros"),
        "{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 4);

    let out = scratchnet()
        .current_dir(d)
        .args(["predict", "m.json", "new.csv", "--strict"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("new.csv:3: column `island`: `Mars` is a category the model has not seen"),
        "{stderr}"
    );

    let out = scratchnet()
        .current_dir(d)
        .args(["eval", "m.json", "raw.csv", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["samples"], 79);
    assert!(report["accuracy"].as_f64().unwrap() > 0.8, "{report}");
}

#[test]
fn column_flags_force_kinds_and_bad_names_get_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "raw.csv", &penguins());
    let out = train_raw(d, &["--categorical", "bill", "--ignore", "mass,island"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("features bill=35, bill=36"), "{stdout}");
    assert!(!stdout.contains("mass"), "{stdout}");

    std::fs::remove_file(d.join("m.json")).unwrap();
    let out = train_raw(d, &["--categorical", "nosuchcol"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("--categorical column `nosuchcol` does not exist")
            && stderr.contains("rownames, island, bill, mass"),
        "{stderr}"
    );
    assert!(!d.join("m.json").exists());
}

#[test]
fn na_values_sets_the_missing_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "raw.csv", &penguins().replace(",NA,", ",-1,"));
    // -1 is a number unless declared missing; either way training works, and the plan keeps
    // the tokens it was given
    let out = train_raw(d, &["--na-values", "-1,NA"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("m.json")).unwrap()).unwrap();
    assert_eq!(model["prep"]["na_values"], serde_json::json!(["-1", "NA"]));
    let median = model["prep"]["columns"][3]["median"].as_f64().unwrap();
    assert!(median > 2000.0, "{median}");
}

#[test]
fn an_all_numeric_file_without_missing_values_writes_the_same_model_file_as_before_plans() {
    // flower_model_v2.json was written by `scratchnet train planar_flower.csv --seed 69 -o …`
    // before column plans existed: all numbers, none missing, so no plan is stored and the
    // file is the same, byte for byte (sha256 411797be…); with a missing value it gains one
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scratchnet/tests/fixtures");
    let dir = tempfile::tempdir().unwrap();
    scratchnet()
        .current_dir(dir.path())
        .arg("train")
        .arg(fixtures.join("planar_flower.csv"))
        .args(["--preset", "tutorial", "--seed", "69", "-o", "m.json"])
        .assert()
        .success();
    let written = std::fs::read_to_string(dir.path().join("m.json")).unwrap();
    let v2 = std::fs::read_to_string(fixtures.join("flower_model_v2.json")).unwrap();
    assert_eq!(written, v2);
    let csv = std::fs::read_to_string(fixtures.join("planar_flower.csv")).unwrap();
    let mut lines: Vec<&str> = csv.lines().collect();
    let first: Vec<&str> = lines[1].split(',').collect();
    let holed = format!(",{}", first[1..].join(","));
    lines[1] = &holed;
    std::fs::write(dir.path().join("holed.csv"), lines.join("\n") + "\n").unwrap();
    scratchnet()
        .current_dir(dir.path())
        .args(["train", "holed.csv", "--seed", "69", "-o", "h.json"])
        .assert()
        .success();
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("h.json")).unwrap()).unwrap();
    assert_eq!(model["version"], 3);
    assert!(model["prep"]["columns"].is_array());
}

#[test]
fn max_categories_pools_rare_categories_and_must_be_at_least_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "raw.csv", &penguins());
    let out = train_raw(d, &["--max-categories", "2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("pooled 2 rare ones into `island=(other)`"),
        "{stderr}"
    );
    std::fs::remove_file(d.join("m.json")).unwrap();
    let out = train_raw(d, &["--max-categories", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--max-categories must be at least 2"),
        "{stderr}"
    );
}

#[test]
fn warnings_show_column_names_and_values_escaped_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // an ID column whose quoted name holds a newline and a zero-width space
    let mut csv = String::from("\"row\nid\u{200b}\",x1,y\n");
    for i in 1..=60 {
        csv.push_str(&format!("{i},{}.5,{}\n", i % 7, i % 2));
    }
    write(d, "ids.csv", &csv);
    let out = scratchnet()
        .current_dir(d)
        .args(["train", "ids.csv", "--epochs", "3", "--validation", "0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("column `row\\nid\\u{200b}` looks like a row ID"),
        "{stderr}"
    );
}
