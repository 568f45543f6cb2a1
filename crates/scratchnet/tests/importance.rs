//! Permutation importance against independent references: models with hand-set weights on 4
//! rows, where the score and loss after a fixed permutation are computed by hand (and checked
//! with scikit-learn's `r2_score`, `mean_squared_error` and `log_loss`); a trained model on
//! data whose target depends on one feature only; the seed.

use ndarray::{Array2, array};
use scratchnet::Error;
use scratchnet::data::Dataset;
use scratchnet::estimator::Mlp;
use scratchnet::importance::{Scorer, input_columns, permutation_importance};
use scratchnet::model_file::Model;
use scratchnet::optim::OptimizerKind;
use scratchnet::train::{Stream, rng};

/// ŷ = 2·x1 + x2 through a standardizer and a target standardizer that are not identities:
/// x̃ = ((x1 − 1)/0.5, x2/2), z = 0.5·x̃1 + 1.0·x̃2 + 0.5, ŷ = 1 + 2z
///   = 1 + (x1 − 1) + x2/2·2 … = 2·x1 + x2 (every number exact in binary).
fn linear_regressor() -> Model {
    let json = r#"{"format": "scratchnet-model", "version": 2, "features": ["x1", "x2"],
        "target": "t", "classes": [],
        "standardizer": {"mean": [1.0, 0.0], "std": [0.5, 2.0]},
        "target_standardizer": {"mean": [1.0], "std": [2.0]},
        "layers": [{"weights": [[0.5, 1.0]], "bias": [0.5], "activation": "identity"}],
        "training": {"seed": 1, "epochs": 0, "learning_rate": 0.1, "final_loss": 0.0}}"#;
    Model::from_json(json.as_bytes()).unwrap()
}

/// The 4 rows (x1, x2 → t): t = 2·x1 + x2 exactly, so the unshuffled R² is 1 and the MSE 0.
fn four_rows() -> Dataset {
    Dataset::regression(
        vec!["x1".into(), "x2".into()],
        "t".into(),
        array![[1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 0.0, 1.0]],
        vec![2.0, 5.0, 6.0, 9.0],
    )
    .unwrap()
}

#[test]
fn the_score_drop_of_a_fixed_permutation_matches_the_hand_computed_one() {
    let model = linear_regressor();
    let data = four_rows();
    let mut scorer = Scorer::new(&model, &data).unwrap();
    let base = scorer.baseline();
    assert_eq!((base.score, base.loss), (1.0, 0.0));
    // π = [1, 0, 3, 2] swaps rows 1↔2 and 3↔4.
    // x1 moved: x1 = 2 1 4 3 → ŷ = 4 3 8 7, residuals −2 2 −2 2: SS_res = 16, MSE = 4;
    // mean t = 5.5, SS_tot = 12.25 + 0.25 + 0.25 + 12.25 = 25, R² = 1 − 16/25 = 0.36
    // (scikit-learn: r2_score 0.36, mean_squared_error 4.0).
    let s = scorer.permuted(0..1, &[1, 0, 3, 2]).unwrap();
    assert!((s.score - 0.36).abs() < 1e-12, "{s:?}");
    assert!((s.loss - 4.0).abs() < 1e-12, "{s:?}");
    // x2 moved: x2 = 1 0 1 0 → ŷ = 3 4 7 8, residuals −1 1 −1 1: MSE 1, R² = 1 − 4/25 = 0.84
    let s = scorer.permuted(1..2, &[1, 0, 3, 2]).unwrap();
    assert!((s.score - 0.84).abs() < 1e-12, "{s:?}");
    assert!((s.loss - 1.0).abs() < 1e-12, "{s:?}");
    // the prepared rows are restored after each permutation
    assert_eq!(scorer.permuted(0..2, &[0, 1, 2, 3]).unwrap(), base);
}

#[test]
fn a_classifiers_drop_is_in_accuracy_and_log_loss() {
    // p = σ(x), one feature: x = 2 −2 1 −1 with labels 1 0 1 0 is all right (accuracy 1,
    // log loss 0.2200948492805977 by scikit-learn); π = [1, 0, 3, 2] gives x = −2 2 −1 1,
    // all wrong (accuracy 0, log loss 1.7200948492805974): drop 1, increase 1.5.
    let json = r#"{"format": "scratchnet-model", "version": 2, "features": ["x"],
        "target": "y", "classes": ["0", "1"],
        "standardizer": {"mean": [0.0], "std": [1.0]},
        "layers": [{"weights": [[1.0]], "bias": [0.0], "activation": "sigmoid"}],
        "training": {"seed": 1, "epochs": 0, "learning_rate": 0.1, "final_loss": 0.0}}"#;
    let model = Model::from_json(json.as_bytes()).unwrap();
    let data = Dataset::new(
        vec!["x".into()],
        "y".into(),
        array![[2.0, -2.0, 1.0, -1.0]],
        vec![1, 0, 1, 0],
        vec!["0".into(), "1".into()],
    )
    .unwrap();
    let mut scorer = Scorer::new(&model, &data).unwrap();
    let base = scorer.baseline();
    assert_eq!(base.score, 1.0);
    assert!((base.loss - 0.2200948492805977).abs() < 1e-12);
    let s = scorer.permuted(0..1, &[1, 0, 3, 2]).unwrap();
    assert_eq!(s.score, 0.0);
    assert!((s.loss - 1.7200948492805974).abs() < 1e-12);
    assert!((s.loss - base.loss - 1.5).abs() < 1e-12);
}

/// m rows of three features uniform on [−2, 2]; the target depends on x1 only.
fn one_feature_matters(m: usize, seed: u64) -> Array2<f64> {
    use rand::RngExt;
    let mut r = rng(seed, Stream::Data);
    Array2::from_shape_fn((m, 3), |_| r.random_range(-2.0..2.0))
}

fn adam() -> OptimizerKind {
    "adam".parse().unwrap()
}

#[test]
fn only_the_feature_the_target_depends_on_matters_to_a_regressor() {
    // t = 3·x1 (x2, x3 noise), samples × features for the estimator
    let x = one_feature_matters(300, 5);
    let t: Vec<f64> = x.column(0).iter().map(|v| 3.0 * v).collect();
    let fitted = Mlp::regressor()
        .hidden(&[8])
        .optimizer(adam())
        .learning_rate(0.02)
        .epochs(400)
        .seed(1)
        .feature_names(["x1", "x2", "x3"])
        .check()
        .unwrap()
        .fit(x.view(), &t)
        .unwrap();
    let model = fitted.model();
    let data = Dataset::regression(
        model.features.clone(),
        model.target.clone(),
        x.t().to_owned(),
        t,
    )
    .unwrap();
    let report = permutation_importance(model, &data, 5, 3).unwrap();
    assert_eq!((report.score_name, report.loss_name), ("r2", "mse"));
    assert!(report.baseline.score > 0.95, "{:?}", report.baseline);
    let names: Vec<&str> = report.columns.iter().map(|c| c.column.as_str()).collect();
    assert_eq!(names[0], "x1", "{names:?}");
    let x1 = &report.columns[0];
    // shuffling x1 leaves ŷ uncorrelated with t: R² ≈ 1 − 2 = −1, a drop near 2
    assert!(x1.score_drop.mean > 1.0, "{x1:?}");
    assert!(x1.loss_increase.mean > 5.0, "{x1:?}");
    assert_eq!(x1.score_drops.len(), 5);
    for noise in &report.columns[1..] {
        assert!(noise.score_drop.mean.abs() < 0.05, "{noise:?}");
        assert!(noise.score_drop.sd < 0.05, "{noise:?}");
    }
}

#[test]
fn only_the_feature_the_classes_depend_on_matters_to_a_classifier() {
    let x = one_feature_matters(300, 6);
    let labels: Vec<&str> = x
        .column(0)
        .iter()
        .map(|&v| if v > 0.0 { "pos" } else { "neg" })
        .collect();
    let fitted = Mlp::classifier()
        .hidden(&[8])
        .optimizer(adam())
        .learning_rate(0.02)
        .epochs(300)
        .seed(2)
        .check()
        .unwrap()
        .fit(x.view(), &labels)
        .unwrap();
    let model = fitted.model();
    let label_of = |s: &str| model.classes.iter().position(|c| c == s).unwrap();
    let data = Dataset::new(
        model.features.clone(),
        model.target.clone(),
        x.t().to_owned(),
        labels.iter().map(|l| label_of(l)).collect(),
        model.classes.clone(),
    )
    .unwrap();
    let report = permutation_importance(model, &data, 4, 9).unwrap();
    assert_eq!(
        (report.score_name, report.loss_name),
        ("accuracy", "log_loss")
    );
    assert!(report.baseline.score > 0.95);
    let first = &report.columns[0];
    assert_eq!(first.column, model.features[0]);
    // shuffled, x1 says nothing: accuracy falls to about one half
    assert!(first.score_drop.mean > 0.3, "{first:?}");
    for noise in &report.columns[1..] {
        assert!(noise.score_drop.mean.abs() < 0.05, "{noise:?}");
    }
}

#[test]
fn the_same_seed_gives_bit_identical_importances_and_another_seed_others() {
    let model = linear_regressor();
    let x = one_feature_matters(40, 8);
    let data = Dataset::regression(
        vec!["x1".into(), "x2".into()],
        "t".into(),
        x.slice(ndarray::s![.., 0..2]).t().to_owned(),
        x.rows()
            .into_iter()
            .map(|r| 2.0 * r[0] + 0.1 * r[2])
            .collect(),
    )
    .unwrap();
    let bits = |r: &scratchnet::importance::ImportanceReport| -> Vec<u64> {
        r.columns
            .iter()
            .flat_map(|c| c.score_drops.iter().chain(&c.loss_increases))
            .map(|v| v.to_bits())
            .collect()
    };
    let a = permutation_importance(&model, &data, 3, 11).unwrap();
    let b = permutation_importance(&model, &data, 3, 11).unwrap();
    let c = permutation_importance(&model, &data, 3, 12).unwrap();
    assert_eq!(bits(&a), bits(&b));
    assert_ne!(bits(&a), bits(&c));
    // sorted by mean drop: x1 (weight 2, sd ≈ 1.15) before x2 (weight 1, sd ≈ 1.15)
    assert_eq!(a.columns[0].column, "x1");
    assert!(a.columns[0].score_drop.mean > a.columns[1].score_drop.mean);
}

#[test]
fn zero_repeats_and_data_of_another_model_are_errors() {
    let model = linear_regressor();
    let e = permutation_importance(&model, &four_rows(), 0, 1).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Config {
                setting: "repeats",
                ..
            }
        ),
        "{e}"
    );
    let other = Dataset::regression(
        vec!["x1".into(), "z".into()],
        "t".into(),
        array![[1.0], [2.0]],
        vec![1.0],
    )
    .unwrap();
    let e = permutation_importance(&model, &other, 1, 1).unwrap_err();
    assert!(e.to_string().contains("trained on (x1, x2)"), "{e}");
}

#[test]
fn without_a_plan_each_feature_is_one_input_column() {
    let cols = input_columns(&linear_regressor());
    let names: Vec<(&str, std::ops::Range<usize>)> = cols
        .iter()
        .map(|c| (c.name.as_str(), c.features.clone()))
        .collect();
    assert_eq!(names, [("x1", 0..1), ("x2", 1..2)]);
}

/// A regression model with a column plan: `id` ignored, `a` numeric (median 0.5 imputed),
/// `c` categorical (x, y, z one-hot); ŷ = a + 2·[c = y] − [c = z].
fn planned_model() -> Model {
    let json = r#"{"format": "scratchnet-model", "version": 3,
        "features": ["a", "c=x", "c=y", "c=z"], "target": "t", "classes": [],
        "standardizer": {"mean": [0.0, 0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0, 1.0]},
        "target_standardizer": {"mean": [0.0], "std": [1.0]},
        "layers": [{"weights": [[1.0, 0.0, 2.0, -1.0]], "bias": [0.0], "activation": "identity"}],
        "training": {"seed": 1, "epochs": 0, "learning_rate": 0.1, "final_loss": 0.0},
        "prep": {"na_values": ["NA"], "columns": [
            {"kind": "ignored", "name": "id"},
            {"kind": "numeric", "name": "a", "median": 0.5},
            {"kind": "categorical", "name": "c", "categories": ["x", "y", "z"], "mode": "x"}]}}"#;
    Model::from_json(json.as_bytes()).unwrap()
}

#[test]
fn a_categorical_column_is_one_input_column_of_its_one_hot_features() {
    let cols = input_columns(&planned_model());
    let names: Vec<(&str, std::ops::Range<usize>)> = cols
        .iter()
        .map(|c| (c.name.as_str(), c.features.clone()))
        .collect();
    assert_eq!(names, [("a", 0..1), ("c", 1..4)]);
}

#[test]
fn moving_prepared_rows_gives_what_shuffling_the_raw_file_gives() {
    // The module's claim: permuting a raw column (a categorical one, an imputed numeric one)
    // and reading the file again = permuting its encoded, standardized rows. Here the
    // shuffled file is written by hand: row j takes row π(j)'s cell, π = [2, 0, 4, 1, 3].
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let raw = "id,a,c,t\n1,1.0,x,1\n2,NA,y,3\n3,2.0,z,0\n4,-1.0,y,2\n5,0.5,x,1\n";
    // c moved: x y z y x → z x x y y
    let c_moved = "id,a,c,t\n1,1.0,z,1\n2,NA,x,3\n3,2.0,x,0\n4,-1.0,y,2\n5,0.5,y,1\n";
    // a moved: 1.0 NA 2.0 −1.0 0.5 → 2.0 1.0 0.5 NA −1.0
    let a_moved = "id,a,c,t\n1,2.0,x,1\n2,1.0,y,3\n3,0.5,z,0\n4,NA,y,2\n5,-1.0,x,1\n";
    let model = planned_model();
    let read = |p: &std::path::Path| model.read_raw(p, true, true).unwrap().data;
    let data = read(&write("raw.csv", raw));
    let mut scorer = Scorer::new(&model, &data).unwrap();
    let pi = [2, 0, 4, 1, 3];
    for (range, file) in [(1..4, c_moved), (0..1, a_moved)] {
        let shuffled = read(&write("moved.csv", file));
        let from_file = Scorer::new(&model, &shuffled).unwrap().baseline();
        let moved = scorer.permuted(range, &pi).unwrap();
        assert_eq!(
            (moved.score.to_bits(), moved.loss.to_bits()),
            (from_file.score.to_bits(), from_file.loss.to_bits())
        );
        assert_ne!(moved, scorer.baseline());
    }
}
