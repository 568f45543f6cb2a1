//! A build without the `mpi` feature refuses to train as one of several processes (it would
//! train N copies that all write the model): `--distributed`, or a launcher's process count
//! above 1, is one line and exit 2, before anything is read or written.
#![cfg(not(feature = "mpi"))]

use std::process::Command;

fn train_in(
    dir: &std::path::Path,
    args: &[&str],
    env: Option<(&str, &str)>,
) -> std::process::Output {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scratchnet/tests/fixtures/planar_flower.csv");
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("scratchnet"));
    c.arg("train")
        .arg(data)
        .args(["-o", "model.json"])
        .args(args)
        .current_dir(dir);
    if let Some((k, v)) = env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn assert_refused(out: &std::process::Output, dir: &std::path::Path) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("built without MPI") && err.contains("--features mpi"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(dir).unwrap().count(), 0);
}

#[test]
fn distributed_is_refused_without_the_feature() {
    let dir = tempfile::tempdir().unwrap();
    let out = train_in(dir.path(), &["--distributed"], None);
    assert_refused(&out, dir.path());
}

#[test]
fn a_launcher_with_two_processes_is_refused_and_one_is_a_plain_run() {
    for var in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"] {
        let dir = tempfile::tempdir().unwrap();
        let out = train_in(dir.path(), &[], Some((var, "2")));
        assert_refused(&out, dir.path());
        let alone = train_in(dir.path(), &["--epochs", "3"], Some((var, "1")));
        assert!(alone.status.success(), "{alone:?}");
        assert!(dir.path().join("model.json").exists());
    }
}
