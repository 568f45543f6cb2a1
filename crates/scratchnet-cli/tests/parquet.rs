//! Parquet input (`--features parquet`), through the real binary: the same rows as a CSV file
//! and as a Parquet file (several row groups, nulls where the CSV has empty cells) train the
//! same model bit for bit and get the same predictions, and bad values or a broken file are
//! one-line errors naming the file and the row.
//!
//! Run by `.ci/run` as `cargo test --release --features parquet --test parquet`.
#![cfg(feature = "parquet")]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use assert_cmd::Command;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

fn scratchnet() -> Command {
    Command::cargo_bin("scratchnet").unwrap()
}

/// One row: x1, x2 (None = missing), c (None = missing), y.
type Row = (f64, Option<f64>, Option<&'static str>, i64);

/// `n` rows: y = 1 when x1·x2 + 0.8·[c = a] > 0; x2 missing in every 23rd row, c in every 31st.
fn rows(n: usize) -> Vec<Row> {
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|i| {
            let x1 = ((next() * 4.0 - 2.0) * 1e4).round() / 1e4;
            let x2 = ((next() * 4.0 - 2.0) * 1e4).round() / 1e4;
            let c = ["a", "b", "c"][(next() * 3.0) as usize % 3];
            let y = i64::from(x1 * x2 + if c == "a" { 0.8 } else { 0.0 } > 0.0);
            (
                x1,
                (i % 23 != 5).then_some(x2),
                (i % 31 != 7).then_some(c),
                y,
            )
        })
        .collect()
}

fn csv(rows: &[Row]) -> String {
    let mut s = String::from("x1,x2,c,y\n");
    for (x1, x2, c, y) in rows {
        let x2 = x2.map_or(String::new(), |v| v.to_string());
        s.push_str(&format!("{x1},{x2},{},{y}\n", c.unwrap_or("")));
    }
    s
}

/// Writes `rows` as Parquet in row groups of `group` rows.
fn write_parquet(path: &Path, rows: &[Row], group: usize) {
    let schema = parse_message_type(
        "message t { REQUIRED DOUBLE x1; OPTIONAL DOUBLE x2; OPTIONAL BINARY c (UTF8); REQUIRED INT64 y; }",
    )
    .unwrap();
    let props = WriterProperties::builder().build();
    let file = std::fs::File::create(path).unwrap();
    let mut w = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props)).unwrap();
    for chunk in rows.chunks(group) {
        let mut rg = w.next_row_group().unwrap();
        let mut k = 0;
        while let Some(mut col) = rg.next_column().unwrap() {
            match k {
                0 => {
                    let v: Vec<f64> = chunk.iter().map(|r| r.0).collect();
                    col.typed::<DoubleType>()
                        .write_batch(&v, None, None)
                        .unwrap();
                }
                1 => {
                    let v: Vec<f64> = chunk.iter().filter_map(|r| r.1).collect();
                    let def: Vec<i16> = chunk.iter().map(|r| i16::from(r.1.is_some())).collect();
                    col.typed::<DoubleType>()
                        .write_batch(&v, Some(&def), None)
                        .unwrap();
                }
                2 => {
                    let v: Vec<ByteArray> = chunk
                        .iter()
                        .filter_map(|r| r.2)
                        .map(ByteArray::from)
                        .collect();
                    let def: Vec<i16> = chunk.iter().map(|r| i16::from(r.2.is_some())).collect();
                    col.typed::<ByteArrayType>()
                        .write_batch(&v, Some(&def), None)
                        .unwrap();
                }
                _ => {
                    let v: Vec<i64> = chunk.iter().map(|r| r.3).collect();
                    col.typed::<Int64Type>()
                        .write_batch(&v, None, None)
                        .unwrap();
                }
            }
            col.close().unwrap();
            k += 1;
        }
        rg.close().unwrap();
    }
    w.close().unwrap();
}

fn files(dir: &Path, n: usize) -> (PathBuf, PathBuf) {
    let data = rows(n);
    let c = dir.join("d.csv");
    std::fs::write(&c, csv(&data)).unwrap();
    let p = dir.join("d.parquet");
    write_parquet(&p, &data, 700);
    (c, p)
}

const FLAGS: [&str; 10] = [
    "--test-split",
    "0",
    "--validation",
    "0",
    "--epochs",
    "5",
    "--block-rows",
    "500",
    "--seed",
    "4",
];

#[test]
fn parquet_trains_and_predicts_as_the_same_rows_in_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (c, p) = files(dir.path(), 3000);
    let (mc, mp) = (dir.path().join("c.json"), dir.path().join("p.json"));
    scratchnet()
        .arg("train")
        .arg(&c)
        .args(FLAGS)
        .arg("--stream")
        .arg("-o")
        .arg(&mc)
        .assert()
        .success();
    let out = scratchnet()
        .arg("train")
        .arg(&p)
        .args(FLAGS)
        .arg("-o")
        .arg(&mp)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Parquet streams by itself, and says so
    assert!(String::from_utf8_lossy(&out.stderr).contains("Parquet input always streams"));
    // the same cells in the same order: the same model, bit for bit (missing values imputed)
    let model = std::fs::read_to_string(&mp).unwrap();
    assert_eq!(std::fs::read_to_string(&mc).unwrap(), model);
    assert!(model.contains("\"categorical\""), "{model}");
    let predict = |data: &Path| {
        let out = scratchnet()
            .arg("predict")
            .arg(&mp)
            .arg(data)
            .args(["--proba", "--keep", "c"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    assert_eq!(predict(&p), predict(&c));
}

#[test]
fn a_bad_value_names_the_row_and_a_broken_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = rows(2000);
    data[1699].0 = f64::INFINITY;
    let p = dir.path().join("bad.parquet");
    write_parquet(&p, &data, 300);
    let model = dir.path().join("m.json");
    let out = scratchnet()
        .arg("train")
        .arg(&p)
        .args(FLAGS)
        .arg("-o")
        .arg(&model)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.parquet:1700: column `x1`: `inf` is not a finite number"),
        "{err}"
    );
    assert!(!model.exists());
    // not Parquet at all
    let broken = dir.path().join("broken.parquet");
    std::fs::write(&broken, b"x1,y\n1,0\n").unwrap();
    let out = scratchnet().arg("train").arg(&broken).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.parquet: not a readable Parquet file"),
        "{err}"
    );
    // a missing column names the columns there are
    let (_, good) = files(dir.path(), 100);
    let out = scratchnet()
        .arg("train")
        .arg(&good)
        .args(["--target", "label"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no target column `label`; the columns are: x1, x2, c, y"),
        "{err}"
    );
}
