//! Long runs: Ctrl-C stops at the end of an epoch and saves the model so far (exit 130);
//! `kill -9` at any moment leaves either the old model file or the complete new one;
//! divergence is an error that names the epoch and writes nothing.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("scratchnet")
}

fn flower() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scratchnet/tests/fixtures/planar_flower.csv")
}

/// Waits for the child to print `needle` on stderr is not possible without blocking; instead
/// wait until it has run for `ms` milliseconds.
fn sleep_ms(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// Runs `train` of the flower for 5·10⁷ epochs with the `extra` flags and `-o model`, sends it
/// `signal` after 700 ms, and checks that it exits with 130 saying after which epoch it was
/// interrupted.
fn interrupt_a_long_training(extra: &[&std::ffi::OsStr], model: &Path, signal: &str) {
    let child = Command::new(bin())
        .arg("train")
        .arg(flower())
        .args(extra)
        .args(["--preset", "tutorial", "--epochs", "50000000", "-o"])
        .arg(model)
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    sleep_ms(700);
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{signal}: {stderr}");
    assert!(
        stderr.contains("interrupted after epoch"),
        "{signal}: {stderr}"
    );
}

#[test]
fn ctrl_c_saves_the_model_so_far_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let history = dir.path().join("h.csv");
    let extra = [
        "--log-every".as_ref(),
        "1000".as_ref(),
        "--history".as_ref(),
        history.as_os_str(),
    ];
    interrupt_a_long_training(&extra, &model, "-INT");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let at = v["training"]["interrupted_at"]
        .as_u64()
        .expect("the model records the interruption");
    assert!(at > 0 && at < 50_000_000);
    assert_eq!(v["training"]["epochs"].as_u64(), Some(at));
    // the learning curve so far is written too: epoch 0 and every 1000th epoch up to `at`
    let curve = std::fs::read_to_string(&history).expect("the history is written on Ctrl-C");
    let lines: Vec<&str> = curve.lines().collect();
    assert!(lines[0].starts_with("epoch"), "{curve}");
    assert!(lines[1].starts_with("0,"), "{curve}");
    assert!(lines.len() >= 2);
}

#[test]
fn kill_9_leaves_the_old_file_or_the_complete_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    std::fs::write(&model, "old").unwrap();
    let start = Instant::now();
    let mut delay = 1;
    let mut outcomes = (0, 0);
    for round in 0..40 {
        let mut child = Command::new(bin())
            .arg("train")
            .arg(flower())
            .args(["--epochs", "300", "--seed", &round.to_string(), "-o"])
            .arg(&model)
            .stderr(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        sleep_ms(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let text = std::fs::read_to_string(&model).unwrap();
        if text == "old" {
            outcomes.0 += 1;
        } else {
            let v: Value =
                serde_json::from_str(&text).expect("a complete model file, never a partial one");
            assert_eq!(v["format"], "scratchnet-model");
            outcomes.1 += 1;
            std::fs::write(&model, "old").unwrap();
        }
        delay = (delay * 3 / 2 + 1) % 90;
        if start.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    assert!(outcomes.0 + outcomes.1 > 0);
}

/// The names in `dir` that start with a dot: temporary files left behind.
fn hidden_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// A CSV of `rows` rows of two features and a 0/1 label, and a model of it, in `dir`.
fn big_data_and_model(dir: &Path, rows: usize) {
    let mut csv = String::from("x1,x2,y\n");
    for r in 0..rows {
        csv.push_str(&format!("{}.{},{}.5,{}\n", r % 13, r % 7, r % 5, r % 2));
    }
    std::fs::write(dir.join("d.csv"), csv).unwrap();
    let ok = Command::new(bin())
        .current_dir(dir)
        .args(["train", "d.csv", "--epochs", "1", "-o", "m.json"])
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok);
}

/// Runs `args` in `dir` up to 8 times, each sent `signal` (`-9`, `-TERM`, or `-INT` twice)
/// after a delay that sweeps 0…`max_ms` evenly; after each round `out` holds `old` or a complete
/// output that `complete` accepts, and no temporary file is left. Returns the rounds that
/// ended with the new output.
fn signal_loop(
    dir: &Path,
    args: &[&str],
    (signal, max_ms): (&str, u64),
    out: &str,
    complete: fn(&str) -> bool,
) -> usize {
    let target = dir.join(out);
    std::fs::write(&target, "old").unwrap();
    let mut replaced = 0;
    let start = Instant::now();
    for round in 0..8 {
        // 0, 3/8, 6/8, 1/8, … of max_ms: the eight eighths, in an order that spreads them
        let delay = 2 + max_ms * ((round * 3) % 8) / 8;
        let mut child = Command::new(bin())
            .current_dir(dir)
            .args(args)
            .stderr(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        sleep_ms(delay);
        let pid = child.id().to_string();
        let signals: &[&str] = if signal == "-INT" {
            &["-INT", "-INT"]
        } else {
            &[signal]
        };
        for (i, s) in signals.iter().enumerate() {
            if i > 0 {
                sleep_ms(delay % 40);
            }
            let _ = Command::new("kill").args([*s, pid.as_str()]).status();
        }
        let _ = child.wait();
        let text = std::fs::read_to_string(&target).unwrap();
        if text != "old" {
            assert!(complete(&text), "{signal} round {round}: a partial {out}");
            replaced += 1;
            std::fs::write(&target, "old").unwrap();
        }
        let left = hidden_files(dir);
        assert!(left.is_empty(), "{signal} round {round} left {left:?}");
        if start.elapsed() > Duration::from_secs(40) {
            break;
        }
    }
    replaced
}

fn a_complete_model(text: &str) -> bool {
    serde_json::from_str::<Value>(text).is_ok_and(|v| v["format"] == "scratchnet-model")
}

fn complete_predictions(text: &str) -> bool {
    text.starts_with("x1,") && text.ends_with('\n') && text.lines().count() == 200_001
}

#[test]
fn signals_at_any_moment_leave_the_old_output_or_the_new_one_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    big_data_and_model(d, 200_000);
    std::fs::copy(flower(), d.join("flower.csv")).unwrap();
    // a 47 MB model: its serialization and write take a third of the run (~0.4–0.55 s of
    // ~0.8 s here), where the sweep of delays lands often
    let train = [
        "train",
        "flower.csv",
        "--hidden",
        "1200,1200",
        "--epochs",
        "1",
        "--validation",
        "0",
        "-o",
        "n.json",
    ];
    let predict = ["predict", "m.json", "d.csv", "--keep", "x1", "-o", "p.csv"];
    for signal in ["-9", "-TERM", "-INT"] {
        let t = signal_loop(d, &train, (signal, 1000), "n.json", a_complete_model);
        let p = signal_loop(d, &predict, (signal, 300), "p.csv", complete_predictions);
        eprintln!("{signal}: new model in {t} rounds, new predictions in {p}");
    }
}

#[test]
fn sigterm_saves_the_model_so_far_like_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    interrupt_a_long_training(&[], &model, "-TERM");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert!(v["training"]["interrupted_at"].as_u64().is_some());
    assert!(hidden_files(dir.path()).is_empty());
}

#[test]
fn divergence_names_the_epoch_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .current_dir(dir.path())
        .arg("train")
        .arg(flower())
        .args(["--lr", "1e308", "--epochs", "50", "-o", "m.json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("training diverged at epoch") && stderr.contains("smaller learning rate"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("m.json").exists(),
        "no NaN model is ever written"
    );
}

#[test]
fn a_finite_blow_up_is_divergence_too() {
    // Adam's steps are about the learning rate in size: with 1e200 the weights reach 1e200,
    // finite, and were written as a model whose outputs are not.
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(bin())
        .current_dir(dir.path())
        .arg("train")
        .arg(flower())
        .args([
            "--optimizer",
            "adam",
            "--lr",
            "1e200",
            "--epochs",
            "20",
            "-o",
            "m.json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("training diverged at epoch") && stderr.contains("larger than 1e100"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!dir.path().join("m.json").exists());
}

#[test]
fn running_out_of_memory_is_one_clear_line_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    // 200,000 rows × 10 features: 16 MB as numbers, more than a 60 MB address-space limit
    // leaves room for once the split and standardized copies are made.
    let mut csv = String::from("a,b,c,d,e,f,g,h,i,j,y\n");
    for r in 0..200_000u32 {
        for c in 0..10u32 {
            csv.push_str(&format!("{}.{},", (r * 7 + c * 13) % 97, r % 10));
        }
        csv.push_str(if r % 3 == 0 { "1\n" } else { "0\n" });
    }
    std::fs::write(dir.path().join("big.csv"), csv).unwrap();
    let out = Command::new("sh")
        .current_dir(dir.path())
        .arg("-c")
        .arg(format!(
            "ulimit -v 60000; exec {} train big.csv --preset tutorial --hidden 64 --epochs 2 -o m.json",
            bin().display()
        ))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("error: out of memory"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(!dir.path().join("m.json").exists());
}
