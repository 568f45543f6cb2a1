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

#[test]
fn ctrl_c_saves_the_model_so_far_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let history = dir.path().join("h.csv");
    let child = Command::new(bin())
        .arg("train")
        .arg(flower())
        .args([
            "--preset",
            "tutorial",
            "--epochs",
            "50000000",
            "--log-every",
            "1000",
        ])
        .arg("--history")
        .arg(&history)
        .arg("-o")
        .arg(&model)
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    sleep_ms(700);
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted after epoch"), "{stderr}");
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
