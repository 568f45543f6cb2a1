//! Data larger than memory, through the real binary: `train --stream` against the in-memory
//! training of the same rows, `predict --stream` against the in-memory prediction (bit for
//! bit), a file several times larger than a virtual-memory limit trained and predicted under
//! it, and bad input half-way through a stream.
//!
//! The tolerance of the train comparison: the plan and the standardizer are fitted on the same
//! rows both ways (no test or validation rows here), so the plan is identical and the
//! standardizer equal to 1e-12; the weights are not bit-identical, since a streamed epoch draws
//! its mini-batches within blocks of rows read in file order, not from a shuffle of the whole
//! set, so the two runs take different steps to similar minima: their predictions on fresh rows
//! agree on at least 97% of the labels and their accuracies are within 2 points.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn scratchnet() -> Command {
    Command::cargo_bin("scratchnet").unwrap()
}

/// A small deterministic generator (xorshift64*), so the data do not depend on another crate.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n` rows of `id,x1,x2,c,y`: x1, x2 uniform in (−2, 2), c one of a/b/c, y = 1 when
/// x1·x2 + 0.8·[c = a] > 0 (else 0); 4% of x2 empty and 3% of c `NA` (imputed), rows in random
/// order. With `value`, the label is the class name instead (three classes), or x1·x2 + c for
/// regression.
fn table(n: usize, seed: u64, target: Target) -> String {
    let mut g = Gen(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut s = String::from("id,x1,x2,c,y\n");
    for i in 0..n {
        let (x1, x2) = (g.next() * 4.0 - 2.0, g.next() * 4.0 - 2.0);
        let c = ["a", "b", "c"][(g.next() * 3.0) as usize % 3];
        let effect = if c == "a" { 0.8 } else { 0.0 };
        let y = match target {
            Target::Binary => format!("{}", u8::from(x1 * x2 + effect > 0.0)),
            Target::Three => {
                ["low", "mid", "high"][((x1 + x2 + 4.0) / 8.0 * 3.0) as usize % 3].into()
            }
            Target::Value => format!("{:.5}", x1 * x2 + effect),
        };
        let x2_text = if g.next() < 0.04 {
            String::new()
        } else {
            format!("{x2:.5}")
        };
        let c_text = if g.next() < 0.03 { "NA" } else { c };
        s.push_str(&format!("r{i},{x1:.5},{x2_text},{c_text},{y}\n"));
    }
    s
}

#[derive(Clone, Copy)]
enum Target {
    Binary,
    Three,
    Value,
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The settings both ways: every row trains (so the plan is fitted on the same rows), mini-batches.
const SETTINGS: [&str; 12] = [
    "--test-split",
    "0",
    "--validation",
    "0",
    "--epochs",
    "30",
    "--batch-size",
    "32",
    "--hidden",
    "16",
    "--seed",
    "3",
];

fn train(data: &Path, model: &Path, extra: &[&str]) {
    scratchnet()
        .arg("train")
        .arg(data)
        .args(SETTINGS)
        .args(["--ignore", "id"])
        .args(extra)
        .arg("-o")
        .arg(model)
        .assert()
        .success();
}

fn predictions(model: &Path, data: &Path, extra: &[&str]) -> String {
    let out = scratchnet()
        .arg("predict")
        .arg(model)
        .arg(data)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn labels(csv: &str) -> Vec<String> {
    csv.lines().skip(1).map(str::to_string).collect()
}

#[test]
fn streamed_training_agrees_with_the_in_memory_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", table(3000, 1, Target::Binary));
    let fresh = write(dir.path(), "fresh.csv", table(2000, 2, Target::Binary));
    let (mem, st) = (dir.path().join("mem.json"), dir.path().join("st.json"));
    train(&data, &mem, &[]);
    train(&data, &st, &["--stream", "--block-rows", "500"]);
    let (a, b) = (json(&mem), json(&st));
    // the same rows fit the same plan: medians, categories and modes exactly
    assert_eq!(a["prep"], b["prep"]);
    assert_eq!(a["features"], b["features"]);
    for key in ["mean", "std"] {
        let (x, y) = (&a["standardizer"][key], &b["standardizer"][key]);
        for (u, v) in x.as_array().unwrap().iter().zip(y.as_array().unwrap()) {
            let (u, v) = (u.as_f64().unwrap(), v.as_f64().unwrap());
            assert!(
                (u - v).abs() <= 1e-12 * u.abs().max(1.0),
                "{key}: {u} vs {v}"
            );
        }
    }
    // not the same bits (batches within blocks), the same predictions nearly everywhere
    let (pa, pb) = (
        labels(&predictions(&mem, &fresh, &[])),
        labels(&predictions(&st, &fresh, &[])),
    );
    let agree = pa.iter().zip(&pb).filter(|(x, y)| x == y).count();
    assert!(
        agree * 100 >= pa.len() * 97,
        "{agree} of {} agree",
        pa.len()
    );
    let truth: Vec<String> = table(2000, 2, Target::Binary)
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect();
    let accuracy =
        |p: &[String]| p.iter().zip(&truth).filter(|(x, y)| x == y).count() as f64 / 2000.0;
    let (acc_a, acc_b) = (accuracy(&pa), accuracy(&pb));
    assert!(acc_a > 0.9 && acc_b > 0.9, "{acc_a} {acc_b}");
    assert!((acc_a - acc_b).abs() <= 0.02, "{acc_a} vs {acc_b}");
    // the training record says what ran
    assert_eq!(b["training"]["epochs"], 30);
    assert_eq!(b["training"]["batch_size"], 32);
}

#[test]
fn streamed_predictions_are_the_in_memory_ones_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    for (k, target) in [Target::Binary, Target::Three, Target::Value]
        .into_iter()
        .enumerate()
    {
        let data = write(
            dir.path(),
            &format!("d{k}.csv"),
            table(1500, 5 + k as u64, target),
        );
        let new = write(
            dir.path(),
            &format!("n{k}.csv"),
            table(1003, 9 + k as u64, target),
        );
        let model = dir.path().join(format!("m{k}.json"));
        let task: &[&str] = match target {
            Target::Value => &["--task", "regression"],
            _ => &[],
        };
        train(&data, &model, task);
        let flags: &[&str] = match target {
            Target::Value => &["--keep", "id"],
            _ => &["--keep", "id,c", "--proba"],
        };
        let whole = predictions(&model, &new, flags);
        for block in ["1", "7", "1000", "65536"] {
            let mut streamed = flags.to_vec();
            streamed.extend(["--stream", "--block-rows", block]);
            assert_eq!(predictions(&model, &new, &streamed), whole, "block {block}");
        }
        // into a file, named once complete
        let out = dir.path().join(format!("p{k}.csv"));
        scratchnet()
            .arg("predict")
            .arg(&model)
            .arg(&new)
            .args(flags)
            .args(["--stream", "--block-rows", "100", "-o"])
            .arg(&out)
            .assert()
            .success();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), whole);
    }
}

#[test]
fn a_gzip_stream_trains_the_same_model_as_the_plain_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = table(2000, 4, Target::Binary);
    let plain = write(dir.path(), "d.csv", &text);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    let gz = write(dir.path(), "d.csv.gz", enc.finish().unwrap());
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    let args = ["--stream", "--block-rows", "300"];
    train(&plain, &a, &args);
    train(&gz, &b, &args);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn early_stopping_and_the_loss_history_work_on_a_stream() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", table(2000, 6, Target::Binary));
    let history = dir.path().join("h.csv");
    let out = scratchnet()
        .arg("train")
        .arg(&data)
        .args([
            "--ignore",
            "id",
            "--stream",
            "--block-rows",
            "256",
            "--epochs",
            "500",
        ])
        .args([
            "--validation",
            "0.25",
            "--patience",
            "3",
            "--lr",
            "0.05",
            "--json",
        ])
        .arg("--history")
        .arg(&history)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let epochs = report["epochs"].as_u64().unwrap() as usize;
    assert!(
        epochs < 500,
        "early stopping never stopped: {epochs} epochs"
    );
    let best = report["best_epoch"].as_u64().unwrap() as usize;
    assert_eq!(best + 3, epochs, "stopped 3 epochs after the best");
    let val = report["validation_history"].as_array().unwrap();
    assert_eq!(val.len(), epochs);
    let losses: Vec<f64> = val.iter().map(|v| v.as_f64().unwrap()).collect();
    let min = losses.iter().cloned().fold(f64::INFINITY, f64::min);
    assert_eq!(
        losses[best - 1],
        min,
        "the best epoch has the lowest validation loss"
    );
    let csv = std::fs::read_to_string(&history).unwrap();
    assert_eq!(csv.lines().next(), Some("epoch,train_loss,validation_loss"));
    assert_eq!(csv.lines().count(), epochs + 1);
    // the rows: a quarter of the 80% left by the default test share validate
    let rows = &report["rows"];
    let (train, validation, test) = (
        rows["train"].as_u64().unwrap(),
        rows["validation"].as_u64().unwrap(),
        rows["test"].as_u64().unwrap(),
    );
    assert_eq!(train + validation + test, 2000);
    assert!((300..500).contains(&test), "{test}");
    assert!((300..500).contains(&validation), "{validation}");
}

#[test]
fn bad_input_mid_stream_names_file_and_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = table(5000, 7, Target::Binary);
    let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
    // line 3500 of the file (the header is line 1): a text value in a numeric column
    lines[3499] = "r3498,abc,0.5,b,1".into();
    let bad = write(dir.path(), "bad.csv", lines.join("\n") + "\n");
    let model = dir.path().join("m.json");
    let out = scratchnet()
        .arg("train")
        .arg(&bad)
        .args(["--ignore", "id", "--stream", "--block-rows", "1000", "-o"])
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv:3500: column `x1`: `abc` is not a number"),
        "{err}"
    );
    assert!(!model.exists());
    // a row with a field too many, in the last block, for predict
    let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
    lines[4800] = "r4799,0.1,0.2,a,1,extra".into();
    let bad = write(dir.path(), "bad2.csv", lines.join("\n") + "\n");
    let good_file = write(dir.path(), "good.csv", &good);
    train(&good_file, &model, &["--stream"]);
    let predicted = write(dir.path(), "p.csv", "old content\n");
    let out = scratchnet()
        .arg("predict")
        .arg(&model)
        .arg(&bad)
        .args(["--stream", "--block-rows", "1000", "-o"])
        .arg(&predicted)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad2.csv:4801: expected 5 fields"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&predicted).unwrap(),
        "old content\n"
    );
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 5, "a temporary file was left behind");
}

#[test]
fn streaming_starts_by_itself_above_a_quarter_of_the_memory_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", table(500, 8, Target::Binary));
    let model = dir.path().join("m.json");
    let out = scratchnet()
        .env("SCRATCHNET_MEMORY_AVAILABLE", "40000")
        .arg("train")
        .arg(&data)
        .args(["--ignore", "id", "--epochs", "3", "-o"])
        .arg(&model)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("streaming").count(), 1, "{err}");
    assert!(err.contains("more than a quarter of the"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("streamed in blocks"));
    // with plenty of memory: in memory, no note
    let out = scratchnet()
        .env("SCRATCHNET_MEMORY_AVAILABLE", "100000000000")
        .arg("train")
        .arg(&data)
        .args(["--ignore", "id", "--epochs", "3"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("streaming"));
}

#[test]
fn settings_a_stream_cannot_take_are_refused_by_flag() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", table(300, 9, Target::Binary));
    for (flags, message) in [
        (
            &["--batch-size", "full"][..],
            "--batch-size must be a number of rows",
        ),
        (
            &["--class-weight", "balanced"][..],
            "--class-weight is not available when streaming",
        ),
        (&["--drop-missing"][..], "--drop-missing is not available"),
    ] {
        let out = scratchnet()
            .arg("train")
            .arg(&data)
            .args(["--ignore", "id", "--stream"])
            .args(flags)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flags:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{flags:?}: {err}");
    }
}

#[test]
fn an_explicit_stratify_is_said_not_to_apply_when_streaming() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", table(300, 9, Target::Binary));
    let run = |flag: &[&str]| {
        let out = scratchnet()
            .arg("train")
            .arg(&data)
            .args(["--ignore", "id", "--stream", "--epochs", "2"])
            .args(flag)
            .output()
            .unwrap();
        assert!(out.status.success(), "{flag:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let note = "--stratify does not apply when streaming";
    assert!(run(&["--stratify"]).contains(note));
    assert!(!run(&[]).contains(note));
}

/// Writes `rows` rows of 3 numeric columns (17 significant digits), a category and a label:
/// about 70 bytes a row.
fn write_big(path: &Path, rows: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(f, "x1,x2,x3,c,y").unwrap();
    let mut g = Gen(12345);
    for _ in 0..rows {
        let (a, b, c) = (g.next() * 2.0 - 1.0, g.next() * 2.0 - 1.0, g.next());
        let k = ["u", "v"][usize::from(c > 0.5)];
        let y = u8::from(a + b > 0.0);
        writeln!(f, "{a:.17},{b:.17},{c:.17},{k},{y}").unwrap();
    }
    f.flush().unwrap();
}

/// Runs the binary under `ulimit -v` (virtual memory, which counts every mapping: the thread
/// stacks and the allocator's arenas too; the binary needs about 30 MB of it to start).
fn limited(limit_kb: u64, args: &[&str]) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("scratchnet");
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let script = format!(
        "ulimit -v {limit_kb} && exec '{}' {}",
        bin.display(),
        quoted.join(" ")
    );
    std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn a_file_five_times_the_memory_limit_trains_and_predicts_under_it() {
    const LIMIT_KB: u64 = 64 * 1024;
    const ROWS: usize = 5_300_000;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("big.csv");
    write_big(&data, ROWS);
    let size = std::fs::metadata(&data).unwrap().len();
    assert!(size > 5 * LIMIT_KB * 1024, "{size} bytes");
    let (d, m, p) = (
        data.to_str().unwrap(),
        dir.path().join("m.json"),
        dir.path().join("p.csv"),
    );
    let (m, p) = (m.to_str().unwrap(), p.to_str().unwrap());
    let common = [
        "--threads",
        "2",
        "--epochs",
        "1",
        "--batch-size",
        "512",
        "--hidden",
        "8",
    ];
    // in memory, the same training cannot run under the limit
    let mut args = vec!["train", d, "--validation", "0", "-o", m];
    args.extend(common);
    let out = limited(LIMIT_KB, &args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("out of memory"));
    // streamed, it does
    args.push("--stream");
    let out = limited(LIMIT_KB, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let model = json(Path::new(m));
    assert_eq!(model["training"]["epochs"], 1);
    let out = limited(
        LIMIT_KB,
        &["predict", m, d, "--threads", "2", "--stream", "-o", p],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written =
        std::io::BufRead::lines(std::io::BufReader::new(std::fs::File::open(p).unwrap())).count();
    assert_eq!(written, ROWS + 1);
}

#[test]
fn a_file_sorted_by_its_target_gets_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let shuffled = table(4000, 10, Target::Binary);
    let mut rows: Vec<&str> = shuffled.lines().skip(1).collect();
    rows.sort_by_key(|r| r.rsplit(',').next().unwrap().to_string());
    let sorted = write(
        dir.path(),
        "s.csv",
        format!("id,x1,x2,c,y\n{}\n", rows.join("\n")),
    );
    let mixed = write(dir.path(), "m.csv", &shuffled);
    let warned = |data: &Path| {
        let out = scratchnet()
            .arg("train")
            .arg(data)
            .args([
                "--ignore",
                "id",
                "--stream",
                "--block-rows",
                "500",
                "--epochs",
                "2",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).contains("looks sorted by its target")
    };
    assert!(warned(&sorted));
    assert!(!warned(&mixed));
}

#[cfg(not(feature = "parquet"))]
#[test]
fn parquet_without_the_feature_says_how_to_build_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.parquet", b"PAR1");
    let out = scratchnet().arg("train").arg(&data).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("needs scratchnet built with the `parquet` feature"),
        "{err}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_streamed_prediction_killed_half_way_leaves_the_old_output() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("big.csv");
    write_big(&data, 3_000_000);
    let small = dir.path().join("small.csv");
    write_big(&small, 2000);
    let model = dir.path().join("m.json");
    scratchnet()
        .arg("train")
        .arg(&small)
        .args(["--epochs", "2", "-o"])
        .arg(&model)
        .assert()
        .success();
    let out = write(dir.path(), "p.csv", "old\n");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("scratchnet"))
        .arg("predict")
        .arg(&model)
        .arg(&data)
        .args(["--stream", "-o"])
        .arg(&out)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(!status.success(), "the prediction ended before the signal");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old\n");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 4, "a temporary file was left: {names:?}");
}
