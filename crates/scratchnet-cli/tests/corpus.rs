//! The corpus of bad inputs: every `tests/corpus/NAME.csv` is given to `train`, every
//! `NAME.json` to `eval` as the model (with the reference flower data). Each must fail with exit
//! code 2 and one line on stderr containing the text of `NAME.expected`, and leave no file.
//! Add a file pair here whenever a loader learns to reject something new.

use std::path::Path;

use assert_cmd::Command;

#[test]
fn every_bad_input_in_the_corpus_gets_its_one_line_error() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let flower = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scratchnet/tests/fixtures/planar_flower.csv");
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for input in entries {
        let ext = input.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext != "csv" && ext != "json" {
            continue;
        }
        let expected_file = input.with_extension("expected");
        let expected = std::fs::read_to_string(&expected_file)
            .unwrap_or_else(|_| panic!("{} has no .expected file", input.display()));
        let expected = expected.trim_end();
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::cargo_bin("scratchnet").unwrap();
        cmd.current_dir(dir.path());
        if ext == "csv" {
            cmd.arg("train")
                .arg(&input)
                .args(["--epochs", "5", "-o", "out.json"]);
        } else {
            cmd.arg("eval").arg(&input).arg(&flower);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let name = input.file_name().unwrap().to_string_lossy();
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{name}: not one line: {stderr}"
        );
        assert!(
            stderr.contains(expected),
            "{name}: {stderr:?} lacks {expected:?}"
        );
        assert!(stderr.len() < 400, "{name}: error line too long: {stderr}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{name} left a file behind"
        );
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} corpus files");
}
