//! The estimator (`Mlp` → `check` → `fit` → `FittedMlp`) against independent references: the
//! model file it saves, read back as a plain `Model`; exact linear data whose coefficients are
//! known; accuracy and R² computed here by hand; and the errors a user can provoke.

use ndarray::{Array2, ArrayView2, array};
use scratchnet::Error;
use scratchnet::data::Dataset;
use scratchnet::data::synth::Generator;
use scratchnet::estimator::{Classifier, FittedMlp, Mlp};
use scratchnet::model_file::Model;
use scratchnet::optim::OptimizerKind;
use scratchnet::train::{Stream, rng};

/// A generated data set as a table: X (m samples × d features) and one label per sample.
fn table(generator: Generator, n: usize, classes: usize, seed: u64) -> (Array2<f64>, Vec<String>) {
    let data: Dataset = generator
        .generate(
            n,
            classes,
            generator.default_noise(),
            &mut rng(seed, Stream::Data),
        )
        .unwrap();
    let labels = data
        .labels()
        .iter()
        .map(|&c| data.classes()[c].clone())
        .collect();
    (data.x.t().to_owned(), labels)
}

fn adam() -> OptimizerKind {
    "adam".parse().unwrap()
}

/// A small classifier, quick to train.
fn classifier(x: ArrayView2<f64>, labels: &[String], seed: u64) -> FittedMlp<Classifier> {
    Mlp::classifier()
        .hidden(&[8])
        .optimizer(adam())
        .learning_rate(0.02)
        .epochs(300)
        .seed(seed)
        .check()
        .unwrap()
        .fit(x, labels)
        .unwrap()
}

fn bits(a: &Array2<f64>) -> Vec<u64> {
    a.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn a_saved_classifier_predicts_the_same_as_the_model_file_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    for (generator, classes) in [(Generator::Moons, 2), (Generator::Spiral, 3)] {
        let (x, labels) = table(generator, 150, classes, 1);
        let fitted = classifier(x.view(), &labels, 7);
        let path = dir.path().join(format!("{}.json", generator.name()));
        fitted.save(&path).unwrap();
        // the independent path: the model file read as a plain `Model`, features × samples
        let model = Model::load(&path).unwrap();
        let out = model.predict_proba(x.t()).unwrap(); // (1 × m) or (k × m)
        let proba = fitted.predict_proba(x.view()).unwrap(); // (m × k)
        if classes == 2 {
            // the sigmoid's P(positive) is column 1; column 0 is 1 − P
            assert_eq!(
                bits(&proba.column(1).to_owned().insert_axis(ndarray::Axis(0))),
                bits(&out)
            );
        } else {
            assert_eq!(bits(&proba.t().to_owned()), bits(&out));
        }
        let predicted: Vec<String> = model
            .predict_classes(x.t())
            .unwrap()
            .into_iter()
            .map(|c| model.classes[c].clone())
            .collect();
        assert_eq!(fitted.predict(x.view()).unwrap(), predicted);
        // and it learned something: well above chance
        assert!(fitted.score(x.view(), &labels).unwrap() > 0.8);
        let again = FittedMlp::load_classifier(&path).unwrap();
        assert_eq!(bits(&again.predict_proba(x.view()).unwrap()), bits(&proba));
    }
}

#[test]
fn linear_regression_recovers_the_coefficients_of_exact_linear_data() {
    // y = 2·x1 − 3·x2 + 1 on a 6×6 grid, no noise: least squares has the exact answer
    let x = Array2::from_shape_fn((36, 2), |(i, j)| {
        if j == 0 {
            (i / 6) as f64
        } else {
            (i % 6) as f64 * 0.5 - 1.0
        }
    });
    let truth = |x1: f64, x2: f64| 2.0 * x1 - 3.0 * x2 + 1.0;
    let y: Vec<f64> = x.rows().into_iter().map(|r| truth(r[0], r[1])).collect();
    let fitted = Mlp::regressor()
        .hidden(&[])
        .learning_rate(0.1)
        .epochs(2_000)
        .check()
        .unwrap()
        .fit(x.view(), &y)
        .unwrap();
    // new points, some outside the training grid
    let new = array![[0.5, 0.25], [7.0, -3.0], [-2.0, 4.0], [3.3, 1.1]];
    for (row, p) in new
        .rows()
        .into_iter()
        .zip(fitted.predict(new.view()).unwrap())
    {
        let want = truth(row[0], row[1]);
        assert!(
            (p - want).abs() < 1e-3,
            "at {row}: predicted {p}, want {want}"
        );
    }
    assert!(fitted.score(x.view(), &y).unwrap() > 1.0 - 1e-9);
}

#[test]
fn score_is_accuracy_for_a_classifier_computed_by_hand() {
    let (x, labels) = table(Generator::Circles, 120, 2, 2);
    let fitted = classifier(x.view(), &labels, 3);
    let predicted = fitted.predict(x.view()).unwrap();
    let right = predicted
        .iter()
        .zip(&labels)
        .filter(|(p, l)| p == l)
        .count();
    assert_eq!(
        fitted.score(x.view(), &labels).unwrap(),
        right as f64 / 120.0
    );
}

#[test]
fn score_is_r_squared_for_a_regressor_computed_by_hand() {
    let data = Generator::Sine
        .generate(100, 2, 0.1, &mut rng(4, Stream::Data))
        .unwrap();
    let x = data.x.t().to_owned();
    let y = data.values().to_vec();
    let fitted = Mlp::regressor()
        .hidden(&[8])
        .optimizer(adam())
        .learning_rate(0.02)
        .epochs(300)
        .check()
        .unwrap()
        .fit(x.view(), &y)
        .unwrap();
    let p = fitted.predict(x.view()).unwrap();
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let ss_res: f64 = y.iter().zip(&p).map(|(y, p)| (y - p).powi(2)).sum();
    let ss_tot: f64 = y.iter().map(|y| (y - mean).powi(2)).sum();
    let r2 = fitted.score(x.view(), &y).unwrap();
    assert!((r2 - (1.0 - ss_res / ss_tot)).abs() < 1e-12, "{r2}");
    assert!(r2 > 0.5, "the sine curve is learned somewhat: R² {r2}");
}

#[test]
fn predict_proba_has_one_column_per_class_in_order_and_rows_sum_to_one() {
    let (x, labels) = table(Generator::Gaussians, 120, 4, 5);
    let fitted = classifier(x.view(), &labels, 1);
    assert_eq!(fitted.classes(), ["0", "1", "2", "3"]);
    let proba = fitted.predict_proba(x.view()).unwrap();
    assert_eq!(proba.dim(), (120, 4));
    for (row, label) in proba
        .rows()
        .into_iter()
        .zip(fitted.predict(x.view()).unwrap())
    {
        assert!((row.sum() - 1.0).abs() < 1e-12);
        // the prediction is the most probable column's class
        let best = (0..4).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
        assert_eq!(fitted.classes()[best], label);
    }
}

#[test]
fn with_two_classes_column_one_is_the_larger_class() {
    // the larger label in sorted order is the positive class: "dog" after "cat"
    let x = array![[0.0], [0.2], [0.4], [0.6], [0.8], [1.0]];
    let labels = ["cat", "cat", "cat", "dog", "dog", "dog"];
    let fitted = Mlp::classifier()
        .hidden(&[])
        .epochs(500)
        .check()
        .unwrap()
        .fit(x.view(), &labels)
        .unwrap();
    assert_eq!(fitted.classes(), ["cat", "dog"]);
    let proba = fitted.predict_proba(x.view()).unwrap();
    assert_eq!(proba.ncols(), 2);
    for (row, label) in proba.rows().into_iter().zip(labels) {
        assert_eq!(row[0] + row[1], 1.0);
        assert_eq!(
            row[1] > 0.5,
            label == "dog",
            "P(dog) {} for a {label}",
            row[1]
        );
    }
}

/// A logistic regression on one feature, 0, 1, 2, 3, with these labels.
fn fit_labels<L: std::fmt::Display>(labels: &[L]) -> FittedMlp<Classifier> {
    let x = array![[0.0], [1.0], [2.0], [3.0]];
    let settings = Mlp::classifier().hidden(&[]).epochs(200).check().unwrap();
    settings.fit(x.view(), labels).unwrap()
}

#[test]
fn labels_may_be_any_display_type_and_numbers_sort_numerically() {
    let x = array![[0.0], [1.0], [2.0], [3.0]];
    // integers: numeric order, so 2 before 10 (as text "10" < "2"); 10 is the positive class
    let ints = fit_labels(&[10, 10, 2, 2]);
    assert_eq!(ints.classes(), ["2", "10"]);
    assert_eq!(ints.predict(x.view()).unwrap(), ["10", "10", "2", "2"]);
    assert_eq!(ints.score(x.view(), &[10, 10, 2, 2]).unwrap(), 1.0);
    assert!(
        ints.predict_proba(x.view()).unwrap()[[0, 1]] > 0.5,
        "P(10) first"
    );
    // &str, char, String and negative or fractional numbers as text
    assert_eq!(
        fit_labels(&["no", "no", "yes", "yes"]).classes(),
        ["no", "yes"]
    );
    assert_eq!(fit_labels(&['b', 'a', 'a', 'c']).classes(), ["a", "b", "c"]);
    let strings: Vec<String> = ["1.5", "-1", "-1", "1.5"].map(String::from).to_vec();
    assert_eq!(fit_labels(&strings).classes(), ["-1", "1.5"]);
    assert_eq!(
        fit_labels(&[0.5, 0.25, 0.25, 0.5]).classes(),
        ["0.25", "0.5"]
    );
}

#[test]
fn bad_input_and_bad_settings_are_errors_not_panics() {
    let x = array![[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]];
    let labels = ["a", "b", "a", "b"];
    let quick = || Mlp::classifier().hidden(&[2]).epochs(5);
    let fitted = quick().check().unwrap().fit(x.view(), &labels).unwrap();
    // predicting on X with the wrong number of columns
    let three = Array2::<f64>::zeros((4, 3));
    assert!(matches!(
        fitted.predict(three.view()),
        Err(Error::Invalid(_))
    ));
    assert!(fitted.predict_proba(three.view()).is_err());
    // NaN in X, at fit and at predict
    let mut nan = x.clone();
    nan[[2, 1]] = f64::NAN;
    let e = quick()
        .check()
        .unwrap()
        .fit(nan.view(), &labels)
        .unwrap_err();
    assert!(e.to_string().contains("X[2, 1]"), "{e}");
    assert!(fitted.predict(nan.view()).is_err());
    // one class only
    let e = quick()
        .check()
        .unwrap()
        .fit(x.view(), &["a"; 4])
        .unwrap_err();
    assert!(e.to_string().contains("at least two"), "{e}");
    // patience without a validation set; a validation fraction outside [0, 1)
    let e = quick().patience(5).check().unwrap_err();
    assert!(
        matches!(
            e,
            Error::Config {
                setting: "patience",
                ..
            }
        ),
        "{e}"
    );
    let e = quick().validation(1.5).check().unwrap_err();
    assert!(
        matches!(
            e,
            Error::Config {
                setting: "validation",
                ..
            }
        ),
        "{e}"
    );
    let e = quick().learning_rate(-0.1).check().unwrap_err();
    assert!(
        matches!(
            e,
            Error::Config {
                setting: "learning_rate",
                ..
            }
        ),
        "{e}"
    );
    let e = quick().batch_size(0).check().unwrap_err();
    assert!(
        matches!(
            e,
            Error::Config {
                setting: "batch_size",
                ..
            }
        ),
        "{e}"
    );
    let e = quick()
        .feature_names(["only one"])
        .check()
        .unwrap()
        .fit(x.view(), &labels);
    assert!(matches!(
        e,
        Err(Error::Config {
            setting: "feature_names",
            ..
        })
    ));
    // labels and rows that do not match, and an empty table
    assert!(
        quick()
            .check()
            .unwrap()
            .fit(x.view(), &labels[..3])
            .is_err()
    );
    assert!(fitted.score(x.view(), &labels[..3]).is_err());
    let empty = Array2::<f64>::zeros((0, 2));
    assert!(
        quick()
            .check()
            .unwrap()
            .fit(empty.view(), &[] as &[&str])
            .is_err()
    );
    let y = [1.0, 2.0, f64::INFINITY, 4.0];
    assert!(
        Mlp::regressor()
            .epochs(5)
            .check()
            .unwrap()
            .fit(x.view(), &y)
            .is_err()
    );
    // a classifier's file is not a regressor, nor the other way round
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("classifier.json");
    fitted.save(&path).unwrap();
    let e = FittedMlp::load_regressor(&path).unwrap_err();
    assert!(e.to_string().contains("not a regressor"), "{e}");
    let regressor = Mlp::regressor()
        .epochs(5)
        .check()
        .unwrap()
        .fit(x.view(), &[1.0, 2.0, 3.0, 4.0])
        .unwrap();
    let path = dir.path().join("regressor.json");
    regressor.save(&path).unwrap();
    assert!(FittedMlp::load_classifier(&path).is_err());
    assert!(FittedMlp::load_classifier(dir.path().join("missing.json")).is_err());
}

#[test]
fn the_same_seed_gives_bit_identical_predictions() {
    let (x, labels) = table(Generator::Moons, 100, 2, 6);
    let settings = Mlp::classifier()
        .hidden(&[6])
        .optimizer(adam())
        .learning_rate(0.02)
        .batch_size(16)
        .validation(0.2)
        .epochs(100)
        .seed(11);
    let a = settings
        .clone()
        .check()
        .unwrap()
        .fit(x.view(), &labels)
        .unwrap();
    let b = settings
        .clone()
        .check()
        .unwrap()
        .fit(x.view(), &labels)
        .unwrap();
    let c = settings
        .seed(12)
        .check()
        .unwrap()
        .fit(x.view(), &labels)
        .unwrap();
    let (pa, pb, pc) = (
        a.predict_proba(x.view()).unwrap(),
        b.predict_proba(x.view()).unwrap(),
        c.predict_proba(x.view()).unwrap(),
    );
    assert_eq!(bits(&pa), bits(&pb));
    assert_ne!(bits(&pa), bits(&pc), "another seed, other weights");
    let curve = |f: &FittedMlp<Classifier>| {
        f.loss_curve()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(curve(&a), curve(&b));
}

#[test]
fn validation_with_patience_stops_early_and_records_both_curves() {
    let (x, labels) = table(Generator::Moons, 200, 2, 8);
    let fitted = Mlp::classifier()
        .hidden(&[16])
        .optimizer(adam())
        .learning_rate(0.05)
        .validation(0.25)
        .patience(10)
        .epochs(5_000)
        .check()
        .unwrap()
        .fit(x.view(), &labels)
        .unwrap();
    let epochs_run = fitted.loss_curve().len() - 1;
    assert!(epochs_run < 5_000, "ran all {epochs_run} epochs");
    assert!(!fitted.validation_curve().is_empty());
    assert!(fitted.score(x.view(), &labels).unwrap() > 0.8);
}

#[test]
fn the_tabular_preset_sets_the_cli_defaults_and_later_settings_override_it() {
    use scratchnet::estimator::Mlp;
    use scratchnet::preset::Preset;
    // the moons-like XOR of four clusters, 200 rows
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for i in 0..200 {
        let (a, b) = (
            ((i * 37) % 100) as f64 / 50.0 - 1.0,
            ((i * 61) % 100) as f64 / 50.0 - 1.0,
        );
        rows.extend([a, b]);
        labels.push(if (a > 0.0) ^ (b > 0.0) { "x" } else { "o" });
    }
    let x = ndarray::Array2::from_shape_vec((200, 2), rows).unwrap();
    let model = Mlp::classifier()
        .preset(Preset::Tabular)
        .epochs(300)
        .check()
        .unwrap()
        .fit(x.view(), &labels)
        .unwrap();
    // 64 ReLU units (the preset), and a validation curve (its 10% share) that stopped early
    // or ran the 300 epochs given after the preset
    assert_eq!(model.model().network.describe(), "2-64-1 relu/sigmoid");
    assert!(!model.validation_curve().is_empty());
    assert!(model.validation_curve().len() <= 300);
    assert!(model.score(x.view(), &labels).unwrap() > 0.9);
}

#[test]
fn a_stop_flag_ends_training_after_the_epoch_in_which_it_is_set() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let x = array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let labels = ["no", "yes", "yes", "no"];
    let flag = Arc::new(AtomicBool::new(false));
    let settings = Mlp::classifier()
        .epochs(50)
        .stop_when(flag.clone())
        .check()
        .unwrap();
    // not set: all 50 epochs (loss of epoch 0 plus one per epoch)
    assert_eq!(
        settings.fit(x.view(), &labels).unwrap().loss_curve().len(),
        51
    );
    // set before training (as a Ctrl-C during epoch 1): epoch 1 is the last
    flag.store(true, Ordering::Relaxed);
    let cut = settings.fit(x.view(), &labels).unwrap();
    assert_eq!(cut.loss_curve().len(), 2);
    assert_eq!(cut.model().training.interrupted_at, Some(1));
}

#[test]
fn prediction_refuses_non_finite_inputs_and_names_the_cell() {
    let x = array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let labels = ["no", "yes", "yes", "no"];
    let model = Mlp::classifier()
        .epochs(5)
        .check()
        .unwrap()
        .fit(x.view(), &labels)
        .unwrap();
    let bad = array![[0.0, 1.0], [f64::INFINITY, 0.0]];
    let e = model.predict_proba(bad.view()).unwrap_err().to_string();
    assert_eq!(
        e,
        "X[1, 0] (sample 2, feature `x1`) is inf, not a finite number"
    );
    assert!(model.predict(bad.view()).is_err());
}
