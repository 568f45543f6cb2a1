//! The estimator's raw-table entry (`fit_table`, `encode`), its early stopping on the
//! validation score with `tol`, and the decision threshold of `predict`, against independent
//! references: fill values and one-hot columns worked out here from the cells, the model file
//! read back by the CLI's reader (`Model::read_raw` on the same CSV), and the stopping rule
//! replayed on the recorded curve as scikit-learn words it.

use ndarray::{Array2, ArrayView2};
use scratchnet::Error;
use scratchnet::data::csv::{CsvSpec, TextTable, read_text_csv};
use scratchnet::estimator::{Classifier, FittedMlp, Mlp};
use scratchnet::model_file::Model;
use scratchnet::prep::{Impute, PrepSettings};
use scratchnet::train::Monitor;

const RAW: &str = "tests/fixtures/raw_before_impute.csv";

/// The fixture's feature columns as text, and its labels.
fn raw_table() -> (TextTable, Vec<String>) {
    let spec = CsvSpec {
        target: Some("y"),
        features: None,
    };
    let table = read_text_csv(std::path::Path::new(RAW), &spec, None).unwrap();
    let t = table.target.clone().unwrap();
    let labels = t
        .codes
        .iter()
        .map(|&c| t.distinct[c as usize].clone())
        .collect();
    (table, labels)
}

fn column<'a>(table: &'a TextTable, name: &str) -> Vec<&'a str> {
    let col = table.feature_names.iter().position(|n| n == name).unwrap();
    (0..table.n_rows()).map(|r| table.cell(r, col)).collect()
}

fn missing(v: &str) -> bool {
    ["", "na", "nan", "null", "?"].contains(&v.to_lowercase().as_str())
}

/// The median of the non-missing numbers, by sorting.
fn median_of(values: &[&str]) -> f64 {
    let mut v: Vec<f64> = values
        .iter()
        .filter(|v| !missing(v))
        .map(|v| v.parse().unwrap())
        .collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[test]
fn fit_table_fills_missing_values_and_one_hot_encodes_as_worked_out_by_hand() {
    let (table, labels) = raw_table();
    let model = Mlp::classifier()
        .epochs(20)
        .check()
        .unwrap()
        .fit_table(&table, &labels, None)
        .unwrap();
    // no validation share: the plan is fitted on every row
    let colours = column(&table, "colour");
    let mut seen: Vec<&str> = colours.iter().copied().filter(|v| !missing(v)).collect();
    seen.sort();
    seen.dedup();
    let mut expected: Vec<String> = seen.iter().map(|c| format!("colour={c}")).collect();
    expected.extend(["size".to_string(), "weight".to_string()]);
    assert_eq!(model.feature_names(), expected);
    let (x, warnings) = model.encode(&table).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(x.dim(), (table.n_rows(), expected.len()));
    let mode = {
        let count = |c: &str| colours.iter().filter(|v| **v == c).count();
        // most frequent, the first in sorted order on a tie
        *seen
            .iter()
            .max_by(|a, b| count(a).cmp(&count(b)).then(b.cmp(a)))
            .unwrap()
    };
    let (size, weight) = (column(&table, "size"), column(&table, "weight"));
    let k = seen.len();
    for r in 0..table.n_rows() {
        let colour = if missing(colours[r]) {
            mode
        } else {
            colours[r]
        };
        for (j, c) in seen.iter().enumerate() {
            assert_eq!(x[[r, j]], f64::from(u8::from(*c == colour)), "row {r}");
        }
        for (j, col) in [(k, &size), (k + 1, &weight)] {
            let want = if missing(col[r]) {
                median_of(col)
            } else {
                col[r].parse().unwrap()
            };
            assert_eq!(x[[r, j]], want, "row {r}, feature {}", expected[j]);
        }
    }
}

#[test]
fn a_table_models_file_has_the_plan_and_the_cli_reader_predicts_the_same_on_the_raw_csv() {
    let (table, labels) = raw_table();
    let fitted = Mlp::classifier()
        .hidden(&[6])
        .validation(0.2)
        .patience(5)
        .epochs(200)
        .check()
        .unwrap()
        .fit_table(&table, &labels, None)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    fitted.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"version\": 3") && text.contains("\"prep\""));
    let model = Model::load(&path).unwrap();
    let read = model
        .read_raw(std::path::Path::new(RAW), false, false)
        .unwrap();
    let cli = model.predict_proba(read.data.x.view()).unwrap();
    let (x, _) = fitted.encode(&table).unwrap();
    let ours = fitted.predict_proba(x.view()).unwrap();
    assert_eq!(ours.column(1).to_vec(), cli.row(0).to_vec());
    // and the loaded model encodes the same way
    let again = FittedMlp::load_classifier(&path).unwrap();
    assert_eq!(again.encode(&table).unwrap().0, x);
}

#[test]
fn a_regressor_fits_a_table_and_its_plan_imputes_the_mean_when_told() {
    let (table, labels) = raw_table();
    let values: Vec<f64> = labels
        .iter()
        .map(|l| f64::from(u8::from(l == "yes")))
        .collect();
    let settings = PrepSettings {
        impute: Impute::Mean,
        missing_indicators: true,
        ..PrepSettings::default()
    };
    let model = Mlp::regressor()
        .epochs(10)
        .prep(settings)
        .check()
        .unwrap()
        .fit_table(&table, &values, None)
        .unwrap();
    let names = model.feature_names();
    let size = names.iter().position(|n| n == "size").unwrap();
    assert_eq!(names[size + 1], "size=(missing)");
    let cells = column(&table, "size");
    let present: Vec<f64> = cells
        .iter()
        .filter(|v| !missing(v))
        .map(|v| v.parse().unwrap())
        .collect();
    let mean = present.iter().sum::<f64>() / present.len() as f64;
    let (x, _) = model.encode(&table).unwrap();
    for (r, v) in cells.iter().enumerate() {
        let want = if missing(v) { mean } else { v.parse().unwrap() };
        assert!((x[[r, size]] - want).abs() < 1e-12, "row {r}");
        assert_eq!(x[[r, size + 1]], f64::from(u8::from(missing(v))));
    }
    assert_eq!(model.predict(x.view()).unwrap().len(), table.n_rows());
}

fn cells(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn table_errors_name_the_problem() {
    let table =
        TextTable::in_memory("X", cells(&["a", "b"]), cells(&["1", "x", "2", "y"])).unwrap();
    let e = TextTable::in_memory("X", cells(&["a", "b"]), cells(&["1", "x", "2"])).unwrap_err();
    assert!(e.to_string().contains("do not make whole rows"), "{e}");
    // a bad number names its row
    let bad =
        TextTable::in_memory("X", cells(&["a", "b"]), cells(&["1", "x", "inf", "y"])).unwrap();
    let fit = |t: &TextTable| {
        Mlp::classifier()
            .epochs(1)
            .check()
            .unwrap()
            .fit_table(t, &["p", "q"], None)
    };
    let e = fit(&bad).unwrap_err().to_string();
    assert!(e.starts_with("X:2: column `a`"), "{e}");
    let e = fit(&table).map(|_| ()).err();
    assert!(e.is_none(), "{e:?}");
    // as many labels as rows
    let e = Mlp::classifier()
        .check()
        .unwrap()
        .fit_table(&table, &["p", "q", "r"], None)
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e}");
    // drop_missing is for training files
    let e = Mlp::classifier()
        .prep(PrepSettings {
            drop_missing: true,
            ..PrepSettings::default()
        })
        .check()
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Config {
                setting: "drop_missing",
                ..
            }
        ),
        "{e}"
    );
    // a table without a column of the plan; a model without a plan
    let model = fit(&table).unwrap();
    let other = TextTable::in_memory("Y", cells(&["a"]), cells(&["1", "2"])).unwrap();
    let e = model.encode(&other).unwrap_err().to_string();
    assert!(e.contains("Y: no column `b`"), "{e}");
    let x = Array2::from_shape_vec((2, 1), vec![0.0, 1.0]).unwrap();
    let plain = Mlp::classifier()
        .epochs(1)
        .check()
        .unwrap()
        .fit(x.view(), &["p", "q"])
        .unwrap();
    let e = plain.encode(&table).unwrap_err().to_string();
    assert!(e.contains("no column plan"), "{e}");
}

/// Two noisy blobs (m × 2) with their labels: accuracy plateaus below 1.
fn blobs(m: usize) -> (Array2<f64>, Vec<&'static str>) {
    let labels: Vec<&str> = (0..m).map(|j| if j % 2 == 0 { "a" } else { "b" }).collect();
    // the class's centre plus a deterministic scatter in (−1.5, 1.5)
    let x = Array2::from_shape_fn((m, 2), |(j, k)| {
        let scatter = ((j * 2 + k) as f64 * 12.9898).sin() * 43_758.545;
        (j % 2) as f64 + 3.0 * (scatter - scatter.floor() - 0.5)
    });
    (x, labels)
}

/// The epoch (1-based) at which scikit-learn's rule stops on `scores`: a counter of epochs
/// whose score is not above the best so far + tol, reset by any other epoch; stop when it
/// reaches `patience`. (scikit-learn counts a score below best + tol, so a gain of exactly tol
/// resets it, and stops when the counter exceeds its `n_iter_no_change`, one epoch later.)
fn sklearn_stop(scores: &[f64], patience: usize, tol: f64) -> Option<usize> {
    let (mut best, mut count) = (f64::NEG_INFINITY, 0);
    for (e, &s) in scores.iter().enumerate() {
        if s <= best + tol {
            count += 1;
        } else {
            count = 0;
        }
        best = best.max(s);
        if count >= patience {
            return Some(e + 1);
        }
    }
    None
}

fn first_best(scores: &[f64]) -> usize {
    let best = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    scores.iter().position(|&s| s == best).unwrap() + 1
}

#[test]
fn early_stopping_on_the_score_stops_after_patience_epochs_without_a_gain_above_tol() {
    let (x, labels) = blobs(400);
    for tol in [0.0, 0.01] {
        let fitted = Mlp::classifier()
            .hidden(&[16])
            .optimizer("adam".parse().unwrap())
            .learning_rate(0.01)
            .validation(0.25)
            .patience(5)
            .monitor(Monitor::Score)
            .tol(tol)
            .epochs(300)
            .check()
            .unwrap()
            .fit(x.view(), &labels)
            .unwrap();
        let scores = fitted.validation_scores();
        assert!(
            !scores.is_empty() && scores.len() < 300,
            "tol {tol}: {}",
            scores.len()
        );
        assert_eq!(scores.len(), fitted.validation_curve().len());
        assert_eq!(
            sklearn_stop(scores, 5, tol),
            Some(scores.len()),
            "tol {tol}: {scores:?}"
        );
        assert_eq!(fitted.model().training.best_epoch, Some(first_best(scores)));
        assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
    }
}

#[test]
fn the_loss_monitor_keeps_its_bits_and_records_no_scores() {
    let (x, labels) = blobs(200);
    let fit = |mlp: Mlp<Classifier>| {
        mlp.hidden(&[8])
            .validation(0.2)
            .patience(3)
            .epochs(100)
            .check()
            .unwrap()
            .fit(x.view(), &labels)
            .unwrap()
    };
    let default = fit(Mlp::classifier());
    let told = fit(Mlp::classifier().monitor(Monitor::Loss).tol(0.0));
    assert!(default.validation_scores().is_empty());
    assert_eq!(default.loss_curve(), told.loss_curve());
    let e = Mlp::classifier().tol(-1.0).check().unwrap_err();
    assert!(matches!(e, Error::Config { setting: "tol", .. }), "{e}");
}

/// P(positive) of each sample, by the model.
fn positive(model: &FittedMlp<Classifier>, x: ArrayView2<f64>) -> Vec<f64> {
    model.predict_proba(x).unwrap().column(1).to_vec()
}

#[test]
fn predict_uses_the_decision_threshold_the_model_file_holds() {
    let (x, labels) = blobs(200);
    let fitted = Mlp::classifier()
        .epochs(50)
        .check()
        .unwrap()
        .fit(x.view(), &labels)
        .unwrap();
    let p = positive(&fitted, x.view());
    let mut sorted = p.clone();
    sorted.sort_by(f64::total_cmp);
    // a threshold between two probabilities far from 0.5
    let t = (sorted[150] + sorted[151]) / 2.0;
    let mut model = fitted.model().clone();
    model.threshold = Some(t);
    let thresholded = FittedMlp::<Classifier>::from_model(model.clone()).unwrap();
    let want: Vec<&str> = p.iter().map(|&p| if p > t { "b" } else { "a" }).collect();
    assert_eq!(thresholded.predict(x.view()).unwrap(), want);
    assert_eq!(
        model.predict_classes(x.t()).unwrap(),
        p.iter().map(|&p| usize::from(p > t)).collect::<Vec<_>>()
    );
    let at_half: Vec<&str> = p.iter().map(|&p| if p > 0.5 { "b" } else { "a" }).collect();
    assert_eq!(fitted.predict(x.view()).unwrap(), at_half);
    assert_ne!(want, at_half);
}
