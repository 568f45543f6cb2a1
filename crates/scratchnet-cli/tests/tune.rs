//! `scratchnet tune`: grid and random search scored by cross-validation, through the real
//! binary: deterministic for a seed, the best model refit and written, one-line errors.

use assert_cmd::Command;
use serde_json::Value;

fn scratchnet() -> Command {
    Command::cargo_bin("scratchnet").unwrap()
}

/// A raw table: an ID column, a text category that decides the class with x, a few missing
/// values.
fn write_table(dir: &std::path::Path) {
    let mut csv = String::from("id,x,colour,y\n");
    for i in 0..120 {
        let colour = ["red", "green", "blue"][i % 3];
        let x = ((i * 37) % 100) as f64 / 10.0;
        let y = if (x > 5.0) ^ (colour == "red") {
            "yes"
        } else {
            "no"
        };
        let x = if i % 17 == 0 {
            "NA".to_string()
        } else {
            format!("{x}")
        };
        csv.push_str(&format!("{},{x},{colour},{y}\n", i + 1));
    }
    std::fs::write(dir.join("t.csv"), csv).unwrap();
}

fn tune_json(dir: &std::path::Path, extra: &[&str]) -> Value {
    let out = scratchnet()
        .current_dir(dir)
        .args(["tune", "t.csv", "--folds", "3", "--epochs", "60", "--json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_grid_scores_every_combination_best_first_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_table(d);
    let grid = ["--grid", "hidden=4,16; lr=0.001,0.03"];
    let a = tune_json(d, &grid);
    assert_eq!(a["candidates"], 4);
    assert_eq!(a["metric"], "accuracy");
    let board = a["leaderboard"].as_array().unwrap();
    assert_eq!(board.len(), 4);
    let scores: Vec<f64> = board
        .iter()
        .map(|e| e["score"]["mean"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let mut seen: Vec<String> = board
        .iter()
        .map(|e| format!("{}/{}", e["settings"]["hidden"], e["settings"]["lr"]))
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            r#""16"/"0.001""#,
            r#""16"/"0.03""#,
            r#""4"/"0.001""#,
            r#""4"/"0.03""#
        ]
    );
    // the same seed gives the same leaderboard, number for number
    assert_eq!(a, tune_json(d, &grid));
}

#[test]
fn random_trials_are_seeded_and_the_best_model_is_refit_and_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_table(d);
    let a = tune_json(d, &["--trials", "3", "--seed", "5", "-o", "best.json"]);
    let b = tune_json(d, &["--trials", "3", "--seed", "5"]);
    assert_eq!(a["leaderboard"], b["leaderboard"]);
    let c = tune_json(d, &["--trials", "3", "--seed", "6"]);
    assert_ne!(
        a["leaderboard"][0]["settings"],
        c["leaderboard"][0]["settings"]
    );
    // the written model reads the raw table (ID ignored, NA imputed, colour one-hot)
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("best.json")).unwrap()).unwrap();
    assert_eq!(
        model["features"].as_array().unwrap().len(),
        4,
        "{}",
        model["features"]
    );
    let best = &a["leaderboard"][0]["settings"];
    let hidden = best["hidden"].as_str().unwrap().replace('x', ",");
    let first = hidden.split(',').next().unwrap().parse::<usize>().unwrap();
    assert_eq!(
        model["layers"][0]["weights"].as_array().unwrap().len(),
        first
    );
    scratchnet()
        .current_dir(d)
        .args(["predict", "best.json", "t.csv"])
        .assert()
        .success();
}

#[test]
fn bad_searches_get_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_table(d);
    for (args, needle) in [
        (&["--grid", "depth=3"][..], "--grid unknown setting `depth`"),
        (&["--grid", "lr=fast"][..], "`lr=fast`: not a number"),
        (
            &["--grid", "hidden=8", "--trials", "3"][..],
            "cannot be used with",
        ),
        (&["--trials", "0"][..], "--trials must be at least 1"),
        (&["--grid", "lr=-1"][..], "lr=-1"),
        (&["--grid", "momentum=0.5"][..], "momentum applies to"),
    ] {
        let out = scratchnet()
            .current_dir(d)
            .args(["tune", "t.csv"])
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("warning"))
            .collect();
        assert_eq!(errors.len(), 1, "{args:?}: {stderr}");
        assert!(errors[0].contains(needle), "{args:?}: {stderr}");
    }
}
