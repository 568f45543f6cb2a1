//! Stratified splits in an experiment: off by default, so the tutorial's split (a plain
//! shuffle, seed 69) is unchanged; with `stratify` every class keeps its share in the test and
//! validation rows within one sample.

use std::ops::ControlFlow;

use scratchnet::data::{Dataset, synth};
use scratchnet::experiment::{Experiment, Outcome};
use scratchnet::train::{Stream, TrainConfig, rng};

fn run(data: &Dataset, stratify: bool, validation: f64) -> Outcome {
    let exp = Experiment {
        config: TrainConfig::default().epochs(0),
        validation,
        stratify,
        ..Experiment::default()
    };
    exp.run(data, |_| ControlFlow::Continue(())).unwrap()
}

/// Samples of each class among the labels of a split.
fn counts(labels: &[usize], k: usize) -> Vec<usize> {
    let mut c = vec![0; k];
    for &l in labels {
        c[l] += 1;
    }
    c
}

fn labels(s: &scratchnet::data::Standardized) -> Vec<usize> {
    match s.target() {
        scratchnet::data::Target::Classes { labels, .. } => labels.clone(),
        scratchnet::data::Target::Values(_) => Vec::new(),
    }
}

#[test]
fn tutorial_split_is_unchanged_by_default() {
    // the tutorial's flower data (200 per class), seed 69: the plain shuffle gives 42 / 38 test
    // rows, as it always has; the default does not stratify
    let data = synth::flower(400, &mut rng(3, Stream::Data)).unwrap();
    let out = run(&data, false, 0.0);
    let (train, test) = data
        .shuffled_split(&mut rng(69, Stream::Data), 0.8)
        .unwrap();
    assert_eq!(counts(&labels(&out.test), 2), vec![42, 38]);
    assert_eq!(labels(&out.test), test.labels());
    assert_eq!(labels(&out.train), train.labels());
}

#[test]
fn stratified_experiment_keeps_class_shares_in_test_and_validation() {
    let data = synth::flower(400, &mut rng(3, Stream::Data)).unwrap();
    let out = run(&data, true, 0.25);
    // 80/20 of 200 + 200: 40 / 40 test rows; 25 % of the 320 others: 40 / 40 validation rows
    assert_eq!(counts(&labels(&out.test), 2), vec![40, 40]);
    assert_eq!(counts(&labels(&out.validation), 2), vec![40, 40]);
    assert_eq!(counts(&labels(&out.train), 2), vec![120, 120]);
    // seeded: the same rows again, and the owned path agrees
    let again = run(&data, true, 0.25);
    assert_eq!(out.test.x(), again.test.x());
    let exp = Experiment {
        config: TrainConfig::default().epochs(0),
        validation: 0.25,
        stratify: true,
        ..Experiment::default()
    };
    let owned = exp
        .run_owned(data.clone(), |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!(owned.test.x(), out.test.x());
    assert_eq!(owned.validation.x(), out.validation.x());
}

#[test]
fn stratified_experiment_on_imbalanced_classes() {
    // 3 classes, 60 / 30 / 10 samples: 20 % test rows are 12 / 6 / 2 for every seed
    let full = synth::flower(100, &mut rng(1, Stream::Data)).unwrap();
    let labels_in: Vec<usize> = (0..100)
        .map(|i| usize::from(i >= 60) + usize::from(i >= 90))
        .collect();
    let data = Dataset::new(
        full.feature_names.clone(),
        "y".into(),
        full.x.clone(),
        labels_in,
        vec!["a".into(), "b".into(), "c".into()],
    )
    .unwrap();
    for seed in [1, 2, 69] {
        let exp = Experiment {
            config: TrainConfig::default().epochs(0).seed(seed),
            stratify: true,
            ..Experiment::default()
        };
        let out = exp.run(&data, |_| ControlFlow::Continue(())).unwrap();
        assert_eq!(counts(&labels(&out.test), 3), vec![12, 6, 2], "seed {seed}");
    }
}
