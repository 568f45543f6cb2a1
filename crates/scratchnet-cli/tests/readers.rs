//! How the commands read their CSV input, through the real binary: `-` for standard input,
//! `--delimiter` and `.tsv`, `.csv.gz`, trimmed column lists and `predict --keep`.
//!
//! The expected predictions come from a model written by hand below: logistic regression with
//! p = σ(x1 − x2) (standardizer μ = 0, σ = 1), so a row is `yes` exactly when x1 > x2.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn scratchnet() -> Command {
    Command::cargo_bin("scratchnet").unwrap()
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn gzip(text: &str) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap()
}

/// The hand-written model: p = σ(1·x1 − 1·x2 + 0), classes no / yes.
const MODEL: &str = r#"{"format": "scratchnet-model", "version": 2,
 "features": ["x1", "x2"], "target": "y", "classes": ["no", "yes"],
 "standardizer": {"mean": [0.0, 0.0], "std": [1.0, 1.0]},
 "layers": [{"weights": [[1.0, -1.0]], "bias": [0.0], "activation": "sigmoid"}],
 "training": {"seed": 0, "epochs": 0, "learning_rate": 1.0, "final_loss": 0.0}}"#;

/// Four rows: `a4` is labelled yes but has x1 < x2, so the model gets 3 of 4 right. The names
/// hold a comma and a quote, which an output field must quote.
const ROWS: &str = "id,name,x1,x2,y\n\
                    a1,\"Smith, J.\",2,1,yes\n\
                    a2,\"say \"\"hi\"\"\",0,3,no\n\
                    a3,plain,5,-1,yes\n\
                    a4,x,1,4,yes\n";

/// What `predict` writes for [`ROWS`] (x1 > x2: yes, no, yes, no).
const PREDICTED: &str = "prediction\nyes\nno\nyes\nno\n";

/// [`PREDICTED`] after `--keep id,name`: the kept values as written, quoted where needed.
const KEPT: &str = "id,name,prediction\n\
                    a1,\"Smith, J.\",yes\n\
                    a2,\"say \"\"hi\"\"\",no\n\
                    a3,plain,yes\n\
                    a4,x,no\n";

fn model(dir: &Path) -> PathBuf {
    write(dir, "m.json", MODEL)
}

fn stdout_of(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Runs with `args` (and `stdin`), expects exit code 2 and exactly `message` on stderr.
fn fails_with(dir: &Path, args: &[&str], stdin: Option<&str>, message: &str) {
    let mut cmd = scratchnet();
    cmd.current_dir(dir).args(args);
    if let Some(s) = stdin {
        cmd.write_stdin(s);
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), message, "{args:?}");
}

#[test]
fn predict_and_eval_read_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    model(d);
    let out = scratchnet()
        .current_dir(d)
        .args(["predict", "m.json", "-"])
        .write_stdin(ROWS)
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), PREDICTED);
    let out = scratchnet()
        .current_dir(d)
        .args(["eval", "m.json", "-", "--json"])
        .write_stdin(ROWS)
        .output()
        .unwrap();
    let report: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(report["data"], "<stdin>");
    assert_eq!(report["samples"], 4);
    assert_eq!(report["accuracy"], 0.75);
}

#[test]
fn errors_in_standard_input_name_it_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    model(d);
    let bad = "x1,x2,y\n1,2,no\n3,abc,yes\n";
    fails_with(
        d,
        &["predict", "m.json", "-"],
        Some(bad),
        "error: <stdin>:3: column `x2`: `abc` is not a number\n",
    );
    fails_with(
        d,
        &["train", "-", "--epochs", "1"],
        Some("a,b\n1,2\n"),
        "error: <stdin>: no target column `y`; the columns are: a, b\n",
    );
}

/// 60 rows with a text column, so `train` reads its input twice (the numeric reader fails on
/// `c`, the text reader reads it again): standard input must give what the file gives.
fn mixed_rows() -> String {
    let mut s = String::from("x,c,y\n");
    for i in 0..60 {
        let c = ["red", "green", "blue"][i % 3];
        let y = u8::from(i % 3 == 0 || i > 40);
        s.push_str(&format!("{},{c},{y}\n", (i * 7 % 11) as f64 / 4.0));
    }
    s
}

#[test]
fn train_reads_standard_input_once_even_when_it_reads_the_data_twice() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "mixed.csv", mixed_rows());
    let from_file = scratchnet()
        .current_dir(d)
        .args(["train", "mixed.csv", "--epochs", "30", "-o", "file.json"])
        .output()
        .unwrap();
    let from_stdin = scratchnet()
        .current_dir(d)
        .args(["train", "-", "--epochs", "30", "-o", "stdin.json"])
        .write_stdin(mixed_rows())
        .output()
        .unwrap();
    let (file_text, stdin_text) = (stdout_of(&from_file), stdout_of(&from_stdin));
    assert!(
        stdin_text.starts_with("<stdin>: target `y` (positive class `1`), features x, c=blue,"),
        "{stdin_text}"
    );
    assert!(
        file_text.starts_with("mixed.csv: target `y`"),
        "{file_text}"
    );
    let read = |name: &str| std::fs::read_to_string(d.join(name)).unwrap();
    assert_eq!(read("file.json"), read("stdin.json"));
    assert!(read("stdin.json").contains("\"kind\": \"categorical\""));
}

#[test]
fn semicolons_tabs_and_pipes_read_like_commas() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    model(d);
    // `;` with a comma inside an unquoted field and a `;` inside a quoted one
    let semi = "id;name;x1;x2;y\na1;Smith, J.;2;1;yes\na2;\"a;b\";0;3;no\n";
    write(d, "semi.csv", semi);
    let out = scratchnet()
        .current_dir(d)
        .args(["predict", "m.json", "semi.csv", "--delimiter", ";"])
        .args(["--keep", "id,name"])
        .output()
        .unwrap();
    assert_eq!(
        stdout_of(&out),
        "id,name,prediction\na1,\"Smith, J.\",yes\na2,a;b,no\n"
    );
    // a .tsv file is tab-separated without the flag; `tab` and `\t` name it for other names
    let tsv = ROWS.replace("\"Smith, J.\"", "Smith J.").replace(',', "\t");
    write(d, "rows.tsv", &tsv);
    write(d, "rows.txt", &tsv);
    let runs: [&[&str]; 3] = [
        &["rows.tsv"],
        &["rows.txt", "--delimiter", "tab"],
        &["rows.txt", "--delimiter", "\\t"],
    ];
    for args in runs {
        let out = scratchnet()
            .current_dir(d)
            .args(["predict", "m.json"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(stdout_of(&out), PREDICTED, "{args:?}");
    }
    // standard input with a delimiter
    let out = scratchnet()
        .current_dir(d)
        .args(["eval", "m.json", "-", "--delimiter", "|", "--json"])
        .write_stdin("x1|x2|y\n2|1|yes\n1|2|yes\n")
        .output()
        .unwrap();
    let report: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(report["accuracy"], 0.5);
}

#[test]
fn a_bad_delimiter_is_a_one_line_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    model(d);
    write(d, "rows.csv", ROWS);
    for (flag, shown) in [("::", "::"), ("x", "x"), ("", ""), ("tabs", "tabs")] {
        for args in [
            vec!["predict", "m.json", "rows.csv"],
            vec!["train", "rows.csv"],
            vec!["plot", "data", "rows.csv", "-o", "p.png"],
        ] {
            let mut all = args.clone();
            all.extend(["--delimiter", flag]);
            fails_with(
                d,
                &all,
                None,
                &format!(
                    "error: invalid value '{flag}' for '--delimiter <C>': unknown delimiter `{shown}`; \
                     expected one of: `,`, `;`, `|`, `tab` (or `\\t`) (see --help)\n"
                ),
            );
        }
    }
    // the right delimiter not given: the error says what the header looks like
    write(d, "semi.csv", "x1;x2;y\n1;2;no\n");
    fails_with(
        d,
        &["eval", "m.json", "semi.csv"],
        None,
        "error: semi.csv: no target column `y`; the columns are: x1;x2;y (the header is one \
         column: are the fields separated by `;`?) (the model was trained on features x1, x2 and \
         target `y`)\n",
    );
}

#[test]
fn gzip_files_are_read_by_their_extension() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    model(d);
    write(d, "rows.csv.gz", gzip(ROWS));
    write(d, "rows.gz", gzip(ROWS));
    write(
        d,
        "rows.tsv.gz",
        gzip(&ROWS.replace(", J.", " J.").replace(',', "\t")),
    );
    for name in ["rows.csv.gz", "rows.gz", "rows.tsv.gz"] {
        let out = scratchnet()
            .current_dir(d)
            .args(["predict", "m.json", name])
            .output()
            .unwrap();
        assert_eq!(stdout_of(&out), PREDICTED, "{name}");
    }
    // train reads a gzip file twice when it has a text column: same model as the plain file
    write(d, "mixed.csv", mixed_rows());
    write(d, "mixed.csv.gz", gzip(&mixed_rows()));
    for (name, model) in [("mixed.csv", "plain.json"), ("mixed.csv.gz", "gz.json")] {
        let out = scratchnet()
            .current_dir(d)
            .args(["train", name, "--epochs", "20", "-o", model])
            .output()
            .unwrap();
        stdout_of(&out);
    }
    let read = |name: &str| std::fs::read_to_string(d.join(name)).unwrap();
    assert_eq!(read("plain.json"), read("gz.json"));
}

#[test]
fn a_corrupt_gzip_file_is_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    model(d);
    let whole = gzip(ROWS);
    write(d, "cut.csv.gz", &whole[..whole.len() / 2]);
    write(d, "plain.csv.gz", ROWS);
    let mut flipped = whole.clone();
    flipped[14] ^= 0x55;
    write(d, "flipped.csv.gz", flipped);
    for (name, why) in [
        ("cut.csv.gz", "incomplete deflate stream"),
        ("plain.csv.gz", "invalid gzip header"),
    ] {
        for args in [
            vec!["predict", "m.json", name],
            vec!["eval", "m.json", name],
            vec!["train", name],
        ] {
            fails_with(
                d,
                &args,
                None,
                &format!(
                    "error: {name}: not valid gzip data ({why}); is the file gzip-compressed and whole?\n"
                ),
            );
        }
    }
    let out = scratchnet()
        .current_dir(d)
        .args(["predict", "m.json", "flipped.csv.gz"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: flipped.csv.gz: not valid gzip data (") && err.lines().count() == 1,
        "{err}"
    );
}

#[test]
fn keep_copies_columns_as_written_before_the_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    model(d);
    write(d, "rows.csv", ROWS);
    for keep in [["--keep", "id,name"], ["--id", " id , name "]] {
        let out = scratchnet()
            .current_dir(d)
            .args(["predict", "m.json", "rows.csv"])
            .args(keep)
            .output()
            .unwrap();
        assert_eq!(stdout_of(&out), KEPT, "{keep:?}");
    }
    // from standard input (read twice), into a file
    let out = scratchnet()
        .current_dir(d)
        .args(["predict", "m.json", "-", "--keep", "id,name", "-o", "p.csv"])
        .write_stdin(ROWS)
        .output()
        .unwrap();
    stdout_of(&out);
    assert_eq!(std::fs::read_to_string(d.join("p.csv")).unwrap(), KEPT);
    // a kept column may also be a feature; --proba columns come after
    let out = scratchnet()
        .current_dir(d)
        .args(["predict", "m.json", "rows.csv", "--keep", "x1", "--proba"])
        .output()
        .unwrap();
    let text = stdout_of(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "x1,prediction,proba_no,proba_yes");
    assert!(lines[1].starts_with("2,yes,"), "{}", lines[1]);
    assert!(lines[3].starts_with("5,yes,"), "{}", lines[3]);
}

#[test]
fn keep_refuses_a_column_the_file_lacks_or_lists_twice() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    model(d);
    write(d, "rows.csv", ROWS);
    fails_with(
        d,
        &["predict", "m.json", "rows.csv", "--keep", "id,ID"],
        None,
        "error: --keep: rows.csv: no column `ID`; the columns are: id, name, x1, x2, y\n",
    );
    fails_with(
        d,
        &["predict", "m.json", "rows.csv", "--keep", "id, id"],
        None,
        "error: --keep lists `id` twice\n",
    );
    fails_with(
        d,
        &["predict", "m.json", "rows.csv", "--keep", "id,"],
        None,
        "error: invalid value '' for '--keep <COL,…>': empty column name in the list (a doubled \
         or trailing comma?) (see --help)\n",
    );
    assert!(!d.join("p.csv").exists());
}

#[test]
fn spaces_after_commas_in_column_lists_are_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rows = String::from("id,x1,x2,code,y\n");
    for i in 0..40 {
        let x2 = if i % 7 == 0 {
            "-".to_string()
        } else {
            (i % 5).to_string()
        };
        rows.push_str(&format!("{i},{},{x2},{},{}\n", i % 9, i % 3, i % 2));
    }
    write(d, "t.csv", &rows);
    let out = scratchnet()
        .current_dir(d)
        .args(["train", "t.csv", "--epochs", "5", "-o", "m.json"])
        .args(["--features", "x1, x2 ,code, id", "--categorical", " code"])
        .args([
            "--ignore",
            "id ",
            "--na-values",
            "NA, -",
            "--numeric",
            " x1",
        ])
        .output()
        .unwrap();
    stdout_of(&out);
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("m.json")).unwrap()).unwrap();
    assert_eq!(
        m["features"],
        serde_json::json!(["x1", "x2", "code=0", "code=1", "code=2"])
    );
    assert_eq!(m["prep"]["na_values"], serde_json::json!(["NA", "-"]));
    let ignored: Vec<&str> = m["prep"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "ignored")
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(ignored, ["id"]);
    // plot data reads numbers only: the file without the `-` values
    write(d, "numbers.csv", rows.replace(",-,", ",0,"));
    for what in [
        vec!["data", "numbers.csv"],
        vec!["boundary", "m.json", "t.csv"],
    ] {
        let out = scratchnet()
            .current_dir(d)
            .arg("plot")
            .args(&what)
            .args(["--features", " x1 , x2", "-o", "p.png"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{what:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn plot_and_explain_read_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    model(d);
    let out = scratchnet()
        .current_dir(d)
        .args(["plot", "boundary", "m.json", "-", "-o", "b.svg"])
        .write_stdin(ROWS)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read_to_string(d.join("b.svg"))
            .unwrap()
            .starts_with("<svg")
    );
    let out = scratchnet()
        .current_dir(d)
        .args([
            "explain", "--model", "m.json", "--data", "-", "--sample", "0",
        ])
        .write_stdin(ROWS)
        .output()
        .unwrap();
    let text = stdout_of(&out);
    assert!(
        text.contains(
            "Sample 0: raw features (x1, x2) = (2.000000, 1.000000), label 1 (class `yes`)"
        ),
        "{text}"
    );
}
