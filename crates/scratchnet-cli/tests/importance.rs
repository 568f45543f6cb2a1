//! `scratchnet importance`, `plot importance` and `plot residuals` through the real binary:
//! on generated data whose target depends on one column only, that column comes first and
//! the noise columns are near 0; the seed; the CSV; the one-line errors; the pictures.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn scratchnet() -> Command {
    Command::cargo_bin("scratchnet").unwrap()
}

/// Runs `args` in `dir` and expects success; returns stdout.
fn run(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = scratchnet().current_dir(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs `args` in `dir` and expects exit code 2 with one line on stderr; returns that line.
fn fails(dir: &Path, args: &[&str]) -> String {
    let out = scratchnet().current_dir(dir).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// `generate sine` (y = sin(x1) + noise) with two columns added that the target does not
/// depend on: `noise` (numbers) and `tag` (a category), then a regression model trained on
/// all three. Returns nothing; writes sine.csv and sine.json in `dir`.
fn sine_model(dir: &Path) {
    run(dir, &["generate", "sine", "-n", "300", "-o", "plain.csv"]);
    let plain = std::fs::read_to_string(dir.join("plain.csv")).unwrap();
    let mut text = String::from("x1,noise,tag,y\n");
    for (i, line) in plain.lines().skip(1).enumerate() {
        let (x1, y) = line.split_once(',').unwrap();
        // a fixed, irregular sequence in [−1.5, 1.5), and three tags in turn
        let noise = ((i as f64 * 0.618_034).fract() - 0.5) * 3.0;
        let tag = ["a", "b", "c"][i % 3];
        text.push_str(&format!("{x1},{noise},{tag},{y}\n"));
    }
    std::fs::write(dir.join("sine.csv"), text).unwrap();
    run(
        dir,
        &[
            "train",
            "sine.csv",
            "--task",
            "regression",
            "--hidden",
            "8",
            "--optimizer",
            "adam",
            "--lr",
            "0.01",
            "--epochs",
            "800",
            "-o",
            "sine.json",
        ],
    );
}

fn moons_model(dir: &Path) {
    run(dir, &["generate", "moons", "-n", "200", "-o", "moons.csv"]);
    run(
        dir,
        &[
            "train",
            "moons.csv",
            "--hidden",
            "8",
            "--optimizer",
            "adam",
            "--lr",
            "0.02",
            "--epochs",
            "300",
            "-o",
            "moons.json",
        ],
    );
}

#[test]
fn the_column_the_target_depends_on_comes_first_and_the_others_are_near_zero() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    sine_model(d);
    let json = run(d, &["importance", "sine.json", "sine.csv", "--json"]);
    let r: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(
        (r["score_name"].as_str(), r["repeats"].as_u64()),
        (Some("r2"), Some(5))
    );
    assert!(r["baseline"]["score"].as_f64().unwrap() > 0.9, "{r}");
    let cols = r["columns"].as_array().unwrap();
    let names: Vec<&str> = cols.iter().map(|c| c["column"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(names[0], "x1");
    assert!(cols[0]["score_drop"]["mean"].as_f64().unwrap() > 0.5, "{r}");
    for c in &cols[1..] {
        assert!(
            c["score_drop"]["mean"].as_f64().unwrap().abs() < 0.05,
            "{c}"
        );
    }
    // the category is one column, shuffled as a whole: its three one-hot features together
    let tag = cols.iter().find(|c| c["column"] == "tag").unwrap();
    assert_eq!(
        tag["features"],
        serde_json::json!(["tag=a", "tag=b", "tag=c"])
    );
    assert_eq!(tag["score_drops"].as_array().unwrap().len(), 5);
    // the table: a heading, the unshuffled score, one row per column in the same order
    let table = String::from_utf8(run(d, &["importance", "sine.json", "sine.csv"])).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("permutation importance of 5-8-1 relu/identity on 300 rows"),
        "{table}"
    );
    assert!(lines[0].contains("5 repeats, seed 69"), "{table}");
    assert!(lines[1].starts_with("unshuffled: R² 0.9"), "{table}");
    assert!(
        lines[3].starts_with("column") && lines[3].contains("R² drop"),
        "{table}"
    );
    let first: Vec<&str> = lines[4..]
        .iter()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(first, names);
}

#[test]
fn the_same_seed_gives_the_same_report_and_the_csv_holds_its_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    moons_model(d);
    let args = [
        "importance",
        "moons.json",
        "moons.csv",
        "--repeats",
        "3",
        "--json",
    ];
    let a = run(d, &args);
    assert_eq!(a, run(d, &args), "same seed, same bytes");
    let mut other = args.to_vec();
    other.extend(["--seed", "70"]);
    assert_ne!(a, run(d, &other));
    let r: Value = serde_json::from_slice(&a).unwrap();
    assert_eq!(r["loss_name"], "log_loss");
    // -o: the table as CSV, every number as in the JSON
    run(
        d,
        &[
            "importance",
            "moons.json",
            "moons.csv",
            "--repeats",
            "3",
            "-o",
            "imp.csv",
        ],
    );
    let csv = std::fs::read_to_string(d.join("imp.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "column,accuracy_drop_mean,accuracy_drop_sd,log_loss_increase_mean,log_loss_increase_sd"
        )
    );
    for (line, c) in lines.zip(r["columns"].as_array().unwrap()) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[0], c["column"].as_str().unwrap());
        let n = |i: usize| f[i].parse::<f64>().unwrap();
        assert_eq!(n(1), c["score_drop"]["mean"].as_f64().unwrap());
        assert_eq!(n(2), c["score_drop"]["sd"].as_f64().unwrap());
        assert_eq!(n(3), c["loss_increase"]["mean"].as_f64().unwrap());
        assert_eq!(n(4), c["loss_increase"]["sd"].as_f64().unwrap());
    }
    assert_eq!(
        csv.lines().count(),
        3,
        "a header and the two columns x1, x2"
    );
}

#[test]
fn bad_input_is_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    moons_model(d);
    std::fs::write(d.join("no_x2.csv"), "x1,y\n0.5,1\n").unwrap();
    std::fs::write(d.join("no_y.csv"), "x1,x2\n0.5,0.2\n").unwrap();
    let e = fails(d, &["importance", "moons.json", "no_x2.csv"]);
    assert!(
        e.starts_with("error: no_x2.csv: no feature column `x2`") && e.contains("trained on"),
        "{e}"
    );
    let e = fails(d, &["importance", "moons.json", "no_y.csv"]);
    assert!(e.contains("no_y.csv: no target column `y`"), "{e}");
    let e = fails(
        d,
        &["importance", "moons.json", "moons.csv", "--repeats", "0"],
    );
    assert!(
        e.contains("--repeats") && e.contains("must be at least 1, got 0"),
        "{e}"
    );
    let e = fails(
        d,
        &["importance", "moons.json", "moons.csv", "--repeats", "x"],
    );
    assert!(e.contains("expected a whole number ≥ 1"), "{e}");
    let e = fails(
        d,
        &["importance", "moons.json", "moons.csv", "-o", "moons.csv"],
    );
    assert!(e.contains("refusing to overwrite the input data"), "{e}");
    let e = fails(d, &["importance", "missing.json", "moons.csv"]);
    assert!(e.contains("missing.json"), "{e}");
    // the data file is left as it was
    assert!(
        std::fs::read_to_string(d.join("moons.csv"))
            .unwrap()
            .starts_with("x1,x2,y")
    );
}

/// Width and height from a PNG, after checking the signature and decoding it.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let img =
        image::load_from_memory_with_format(bytes, image::ImageFormat::Png).expect("PNG decodes");
    (img.width(), img.height())
}

#[test]
fn plot_importance_and_residuals_write_pictures_of_the_requested_size() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    sine_model(d);
    moons_model(d);
    let size = ["--width", "640", "--height", "480"];
    let cases: [&[&str]; 3] = [
        &[
            "plot",
            "importance",
            "sine.json",
            "sine.csv",
            "-o",
            "imp.png",
        ],
        &[
            "plot",
            "importance",
            "moons.json",
            "moons.csv",
            "-o",
            "imp_moons.png",
        ],
        &[
            "plot",
            "residuals",
            "sine.json",
            "sine.csv",
            "-o",
            "res.png",
        ],
    ];
    for args in cases {
        let args: Vec<&str> = args.iter().chain(&size).copied().collect();
        run(d, &args);
        let file = args[args.iter().position(|&a| a == "-o").unwrap() + 1];
        let bytes = std::fs::read(d.join(file)).unwrap();
        assert!(bytes.len() > 5_000, "{file}: {} bytes", bytes.len());
        assert_eq!(png_size(&bytes), (640, 480), "{file}");
        // the same inputs give the same picture, byte for byte
        run(d, &args);
        assert_eq!(std::fs::read(d.join(file)).unwrap(), bytes, "{file}");
    }
    let svg = run(
        d,
        &[
            "plot",
            "residuals",
            "sine.json",
            "sine.csv",
            "-o",
            "res.svg",
        ],
    );
    assert!(svg.is_empty());
    let text = std::fs::read_to_string(d.join("res.svg")).unwrap();
    assert!(
        text.contains("<svg") && text.contains("RMSE"),
        "an SVG with its title"
    );
}

#[test]
fn residuals_of_a_classifier_is_one_line_pointing_to_plot_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    moons_model(d);
    let e = fails(
        d,
        &[
            "plot",
            "residuals",
            "moons.json",
            "moons.csv",
            "-o",
            "res.png",
        ],
    );
    assert!(
        e.contains("moons.json: plot residuals is for regression models")
            && e.contains("plot boundary"),
        "{e}"
    );
    assert!(!d.join("res.png").exists());
    let e = fails(
        d,
        &[
            "plot",
            "importance",
            "moons.json",
            "moons.csv",
            "--repeats",
            "0",
            "-o",
            "i.png",
        ],
    );
    assert!(e.contains("must be at least 1, got 0"), "{e}");
}
