//! `train` across processes with OpenMPI's `mpirun` (built with `--features mpi`; `.ci/run`
//! installs OpenMPI and runs `cargo test --release --features mpi --test mpi`): 2 and 3
//! processes end with the same weights on every process, equal to the one-process run's
//! to rounding; only process 0 writes; a signal to one process stops all; a killed process
//! ends the job without a model.
#![cfg(feature = "mpi")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use scratchnet::model_file::Model;
use scratchnet_cli::distributed::weights_digest;

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("scratchnet")
}

/// `mpirun -np n scratchnet …`, as root too, more processes than cores allowed.
fn mpirun(n: usize) -> Command {
    let mut c = Command::new("mpirun");
    c.args([
        "--allow-run-as-root",
        "--oversubscribe",
        "-np",
        &n.to_string(),
    ])
    .arg(bin())
    .env("SCRATCHNET_MPI_STATS", "1");
    c
}

/// A 600-row two-moons file in `dir`.
fn moons(dir: &Path) -> PathBuf {
    let path = dir.join("moons.csv");
    let out = Command::new(bin())
        .args(["generate", "moons", "-n", "600", "--seed", "5", "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    path
}

/// The training flags every run of a comparison shares: the same global batch of 32.
fn training(data: &Path, model: &Path) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = ["train".into(), data.into()].into();
    for a in [
        "--epochs",
        "40",
        "--batch-size",
        "32",
        "--seed",
        "7",
        "--threads",
        "1",
        "-o",
    ] {
        args.push(a.into());
    }
    args.push(model.into());
    args
}

fn weights(model: &Path) -> Vec<f64> {
    let m = Model::load(model).unwrap();
    let layers = m.network.layers();
    layers
        .iter()
        .flat_map(|l| l.w().iter().chain(l.b()).copied())
        .collect()
}

/// The digests the processes printed, by process number.
fn digests(out: &Output, n: usize) -> Vec<u64> {
    let err = String::from_utf8_lossy(&out.stderr);
    (0..n)
        .map(|r| {
            let tag = format!("mpi: process {r} of {n}: weights fnv1a ");
            let line = err.lines().find_map(|l| l.strip_prefix(&tag));
            let hex = line.unwrap_or_else(|| panic!("no digest of process {r}:\n{err}"));
            u64::from_str_radix(hex.trim(), 16).unwrap()
        })
        .collect()
}

#[test]
fn two_and_three_processes_hold_the_one_process_network() {
    let dir = tempfile::tempdir().unwrap();
    let data = moons(dir.path());
    let alone = dir.path().join("alone.json");
    let out = Command::new(bin())
        .args(training(&data, &alone))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    // one process under mpirun: the plain loop, bit for bit
    let one = dir.path().join("one.json");
    let out = mpirun(1).args(training(&data, &one)).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(weights(&one), weights(&alone));
    for n in [2, 3] {
        let model = dir.path().join(format!("np{n}.json"));
        let out = mpirun(n).args(training(&data, &model)).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        // every process holds the network process 0 wrote, bit for bit
        let written = weights_digest(&Model::load(&model).unwrap().network);
        assert_eq!(digests(&out, n), vec![written; n]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&format!("processes     {n}, each")),
            "{stdout}"
        );
        // the batches' gradients added in another order: equal to rounding
        let worst = weights(&model)
            .iter()
            .zip(weights(&alone))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-9, "{n} processes: weights differ by {worst:e}");
    }
}

#[test]
fn only_process_zero_writes_and_prints() {
    let dir = tempfile::tempdir().unwrap();
    let data = moons(dir.path());
    let runs = dir.path().join("runs");
    std::fs::create_dir(&runs).unwrap();
    let model = runs.join("model.json");
    let out = mpirun(3)
        .args(training(&data, &model))
        .arg("--history")
        .arg(runs.join("curve.csv"))
        .current_dir(&runs)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut files: Vec<String> = std::fs::read_dir(&runs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["curve.csv", "model.json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("model written to").count(), 1, "{stdout}");
    assert_eq!(stdout.matches("network (").count(), 1, "{stdout}");
}

/// A training of 10⁷ epochs under `mpirun -np n`, its processes' ids by process number once
/// all have started.
fn long_training(n: usize, data: &Path, model: &Path) -> (Child, Vec<u32>) {
    let child = mpirun(n)
        .args(["train"])
        .arg(data)
        .args([
            "--epochs",
            "10000000",
            "--validation",
            "0",
            "--batch-size",
            "32",
        ])
        .args(["--threads", "1", "-o"])
        .arg(model)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = child;
    let start = Instant::now();
    loop {
        let ranks = ranks_of(data);
        if ranks.len() == n {
            // past MPI's start: every process is training
            std::thread::sleep(Duration::from_millis(1500));
            return (child, ranks);
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{n} processes did not start within 60 s: {ranks:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The processes training on `data`, by their OMPI_COMM_WORLD_RANK.
fn ranks_of(data: &Path) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline);
        let mine = cmdline.starts_with(&*bin().to_string_lossy())
            && cmdline.contains(&*data.to_string_lossy());
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        let rank = String::from_utf8_lossy(&environ).split('\0').find_map(|v| {
            v.strip_prefix("OMPI_COMM_WORLD_RANK=")?
                .parse::<usize>()
                .ok()
        });
        if let (true, Some(rank)) = (mine, rank) {
            found.push((rank, pid));
        }
    }
    found.sort();
    found.into_iter().map(|(_, pid)| pid).collect()
}

fn kill(signal: &str, pid: u32) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits at most 60 s for the job: a broken group must not hang.
fn finish(mut child: Child) -> Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the job did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn sigterm_to_one_process_stops_every_process_and_process_zero_saves() {
    let dir = tempfile::tempdir().unwrap();
    let data = moons(dir.path());
    let model = dir.path().join("model.json");
    let (child, ranks) = long_training(2, &data, &model);
    kill("-TERM", ranks[1]);
    let out = finish(child);
    let err = String::from_utf8_lossy(&out.stderr);
    // process 0 saves the model so far and exits as an interrupted run
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted on another process"), "{err}");
    assert!(err.contains("interrupted after epoch"), "{err}");
    let text = std::fs::read_to_string(&model).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(
        json["training"]["interrupted_at"].as_u64().is_some(),
        "{text}"
    );
}

#[test]
fn a_killed_process_ends_the_job_without_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let data = moons(dir.path());
    let model = dir.path().join("model.json");
    let (child, ranks) = long_training(3, &data, &model);
    kill("-KILL", ranks[2]);
    let out = finish(child);
    let err = String::from_utf8_lossy(&out.stderr);
    // mpirun reports the first process that failed: the one killed by signal 9
    assert_eq!(out.status.code(), Some(128 + 9), "{err}");
    assert!(err.contains("exited on signal 9"), "{err}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["moons.csv"], "{err}");
}
