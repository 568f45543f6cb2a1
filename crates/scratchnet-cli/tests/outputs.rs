//! The corpus of hostile output paths and streams, one table: each case prepares a directory,
//! runs the real binary in it and names the exit code, a text its stderr must contain (on one
//! line) and the names the directory must hold afterwards — so nothing is left behind, no
//! temporary file included. Trainings ask for 10⁸ epochs (the most allowed) where a case must fail: only a check
//! before the work can end them in time.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("scratchnet")
}

/// A case: its name, what to prepare, the shell command (`$B` is the binary), the exit code,
/// the text of stderr's one line (empty: no stderr), and the directory's names afterwards.
struct Case {
    name: &'static str,
    setup: fn(&Path),
    command: &'static str,
    code: i32,
    stderr: &'static str,
    after: &'static [&'static str],
}

const LONG: &str = "--epochs 100000000";

/// A valid file name of 250 bytes (the limit is 255), for `$NAME250`.
fn name250() -> String {
    "a".repeat(246) + ".csv"
}

fn symlink(to: &str, at: &Path) {
    std::os::unix::fs::symlink(to, at).unwrap();
}

fn nothing(_: &Path) {}

/// The files every case starts with: `d.csv` (40 rows) and `m.json`, a model of it.
fn base(d: &Path) {
    let rows: String = (0..40)
        .map(|i| format!("{},{},{}\n", i % 7, i % 5, i % 2))
        .collect();
    std::fs::write(d.join("d.csv"), format!("x1,x2,y\n{rows}")).unwrap();
    let status = Command::new(bin())
        .current_dir(d)
        .args(["train", "d.csv", "--epochs", "5", "-o", "m.json"])
        .output()
        .unwrap()
        .status;
    assert!(status.success());
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "symlink loop",
            setup: |d| symlink("loop.json", &d.join("loop.json")),
            command: "$B train d.csv $LONG -o loop.json",
            code: 2,
            stderr: "loop.json: cannot write: too many levels of symbolic links",
            after: &["d.csv", "loop.json", "m.json"],
        },
        Case {
            name: "two-link loop",
            setup: |d| {
                symlink("b.json", &d.join("a.json"));
                symlink("a.json", &d.join("b.json"));
            },
            command: "$B predict m.json d.csv -o a.json",
            code: 2,
            stderr: "too many levels of symbolic links",
            after: &["a.json", "b.json", "d.csv", "m.json"],
        },
        Case {
            name: "dangling link into a missing directory",
            setup: |d| symlink("missing/x.json", &d.join("dangling.json")),
            command: "$B train d.csv $LONG -o dangling.json",
            code: 2,
            stderr: "does not exist",
            after: &["d.csv", "dangling.json", "m.json"],
        },
        Case {
            name: "directory that refuses new files",
            setup: nothing,
            command: "$B train d.csv $LONG -o /sys/scratchnet-test.json",
            code: 2,
            stderr: "/sys/scratchnet-test.json: cannot write",
            after: &["d.csv", "m.json"],
        },
        Case {
            name: "a directory as the output",
            setup: |d| std::fs::create_dir(d.join("sub")).unwrap(),
            command: "$B train d.csv $LONG -o sub",
            code: 2,
            stderr: "it is a directory",
            after: &["d.csv", "m.json", "sub"],
        },
        Case {
            name: "a 250-byte file name",
            setup: nothing,
            command: "$B predict m.json d.csv -o $NAME250 >/dev/null",
            code: 0,
            stderr: "wrote 40 predictions to aaaa",
            after: &["$NAME250", "d.csv", "m.json"],
        },
        Case {
            name: "output = input",
            setup: nothing,
            command: "$B train d.csv $LONG -o d.csv",
            code: 2,
            stderr: "refusing to overwrite the input data",
            after: &["d.csv", "m.json"],
        },
        Case {
            name: "two outputs equal",
            setup: nothing,
            command: "$B train d.csv $LONG -o x.json --history x.json",
            code: 2,
            stderr: "-o and --history name the same file",
            after: &["d.csv", "m.json"],
        },
        Case {
            name: "symlinks planted at temporary names",
            setup: |d| {
                // the names the old code used and a few of the random ones' shape: none is
                // followed (new names are created exclusively, or not at all)
                std::fs::write(d.join("victim"), "victim").unwrap();
                for name in [
                    ".n.json.tmp-1-0",
                    ".n.json.0000000000000000",
                    ".n.json.AAAAAA",
                ] {
                    symlink("victim", &d.join(name));
                }
            },
            command: "$B train d.csv --epochs 5 --validation 0 -o n.json >/dev/null && $B train d.csv --epochs 6 --validation 0 -o n.json >/dev/null && cat victim",
            code: 0,
            stderr: "",
            after: &[
                ".n.json.0000000000000000",
                ".n.json.AAAAAA",
                ".n.json.tmp-1-0",
                "d.csv",
                "m.json",
                "n.json",
                "victim",
            ],
        },
        Case {
            name: "/dev/full as the model",
            setup: nothing,
            command: "$B train d.csv --epochs 5 --validation 0 -o /dev/full",
            code: 2,
            stderr: "/dev/full: No space left on device",
            after: &["d.csv", "m.json"],
        },
        Case {
            name: "/dev/full as the history",
            setup: nothing,
            command: "$B train d.csv --epochs 5 --validation 0 -o n.json --history /dev/full",
            code: 2,
            stderr: "/dev/full: No space left on device (os error 28) (the model was written to n.json)",
            after: &["d.csv", "m.json", "n.json"],
        },
        Case {
            name: "/dev/full as standard output",
            setup: nothing,
            command: "$B predict m.json d.csv > /dev/full",
            code: 2,
            stderr: "standard output: No space left on device",
            after: &["d.csv", "m.json"],
        },
        Case {
            name: "--help into /dev/full",
            setup: nothing,
            command: "$B --help > /dev/full",
            code: 2,
            stderr: "standard output: No space left on device",
            after: &["d.csv", "m.json"],
        },
        Case {
            name: "standard output closed",
            setup: nothing,
            command: "$B predict m.json d.csv >&-",
            code: 2,
            stderr: "standard output is closed",
            after: &["d.csv", "m.json"],
        },
        Case {
            name: "standard output closed, with -o",
            setup: nothing,
            command: "$B train d.csv $LONG -o n.json >&-",
            code: 2,
            stderr: "standard output is closed",
            after: &["d.csv", "m.json"],
        },
        Case {
            name: "/dev/zero as the model",
            setup: nothing,
            command: "$B predict /dev/zero d.csv -o p.csv",
            code: 2,
            stderr: "/dev/zero: not a scratchnet model file (invalid JSON: it does not start with `{`)",
            after: &["d.csv", "m.json"],
        },
        Case {
            name: "a model larger than the cap through a pipe",
            setup: nothing,
            command: "{ printf '{\"a\": \"'; head -c 1073741825 /dev/zero | tr '\\0' x; } | $B predict /dev/stdin d.csv",
            code: 2,
            stderr: "/dev/stdin: more than 1073741824 bytes were read, the limit for model files",
            after: &["d.csv", "m.json"],
        },
        Case {
            name: "a model that would not fit in memory",
            setup: nothing,
            command: "SCRATCHNET_MEMORY_AVAILABLE=10000 $B predict m.json d.csv",
            code: 2,
            stderr: "reading model file m.json needs about",
            after: &["d.csv", "m.json"],
        },
        Case {
            name: "a network that would not fit in memory",
            setup: nothing,
            command: "$B explain --hidden 1000000000",
            code: 2,
            stderr: "more than the",
            after: &["d.csv", "m.json"],
        },
        Case {
            name: "a network whose model file would pass the cap",
            setup: nothing,
            command: "$B train d.csv $LONG --hidden 6000,6000 -o n.json",
            code: 2,
            stderr: "more than the 1 GiB a model file may have",
            after: &["d.csv", "m.json"],
        },
    ]
}

#[test]
fn every_hostile_output_gets_its_exit_code_and_one_line_and_leaves_nothing() {
    let b = bin();
    for case in cases() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        base(d);
        (case.setup)(d);
        let script = case
            .command
            .replace("$B", &b.display().to_string())
            .replace("$LONG", LONG)
            .replace("$NAME250", &name250());
        let mut child = Command::new("sh")
            .current_dir(d)
            .args(["-c", &script])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!(
                    "{}: still running after 60 s: the check came too late",
                    case.name
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let name = case.name;
        assert_eq!(out.status.code(), Some(case.code), "{name}: {stderr}");
        if case.stderr.is_empty() {
            assert!(stderr.is_empty(), "{name}: {stderr}");
        } else {
            assert_eq!(stderr.trim_end().lines().count(), 1, "{name}: {stderr}");
            assert!(stderr.contains(case.stderr), "{name}: {stderr}");
        }
        if name.starts_with("symlinks planted") {
            assert_eq!(String::from_utf8_lossy(&out.stdout), "victim", "{name}");
        }
        let mut names: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let after: Vec<String> = case
            .after
            .iter()
            .map(|n| n.replace("$NAME250", &name250()))
            .collect();
        assert_eq!(names, after, "{name}");
    }
}
