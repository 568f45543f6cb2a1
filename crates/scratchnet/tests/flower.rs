//! The tutorial end to end on freshly generated flower data: the network learns the petals,
//! logistic regression cannot.

use std::ops::ControlFlow;

use scratchnet::data::synth;
use scratchnet::experiment::{Experiment, Outcome};
use scratchnet::train::{Stream, TrainConfig, rng};

fn run(seed: u64) -> Outcome {
    let data = synth::flower(400, &mut rng(seed, Stream::Data)).unwrap();
    let exp = Experiment {
        config: TrainConfig::default().seed(seed),
        test_split: 0.2,
        ..Experiment::default()
    };
    exp.run(&data, |_| ControlFlow::Continue(())).unwrap()
}

#[test]
fn seed_69_learns_the_flower_and_beats_logistic_regression() {
    let out = run(69);
    let r = &out.report;
    let test = r.test.as_ref().unwrap();
    assert_eq!(r.model, "2-4-1 tanh/sigmoid");
    assert_eq!(out.train.n_samples(), 320);
    assert_eq!(out.test.n_samples(), 80);
    assert!(
        r.train.accuracy().unwrap() >= 0.85,
        "train accuracy {}",
        r.train.accuracy().unwrap()
    );
    assert!(
        test.accuracy().unwrap() >= 0.80,
        "test accuracy {}",
        test.accuracy().unwrap()
    );
    let base = r.baseline.test.as_ref().unwrap();
    assert!(
        base.accuracy().unwrap() < 0.65,
        "logistic regression test accuracy {}",
        base.accuracy().unwrap()
    );
    assert!(out.history.last().unwrap() < &out.history[0]);
}

#[test]
fn median_test_accuracy_over_seeds_1_to_20_is_at_least_085() {
    let mut acc: Vec<f64> = (1..=20)
        .map(|s| run(s).report.test.unwrap().accuracy().unwrap())
        .collect();
    acc.sort_by(f64::total_cmp);
    let median = (acc[9] + acc[10]) / 2.0;
    assert!(median >= 0.85, "median {median}, accuracies {acc:?}");
}

#[test]
fn same_seed_gives_bit_identical_models() {
    let data = synth::flower(400, &mut rng(5, Stream::Data)).unwrap();
    let exp = Experiment {
        config: TrainConfig::default().seed(5).epochs(300),
        test_split: 0.2,
        ..Experiment::default()
    };
    let a = exp.run(&data, |_| ControlFlow::Continue(())).unwrap();
    let b = exp.run(&data, |_| ControlFlow::Continue(())).unwrap();
    assert_eq!(a.model.to_json(), b.model.to_json());
    let other = Experiment {
        config: TrainConfig::default().seed(6).epochs(0),
        test_split: 0.2,
        ..Experiment::default()
    };
    let zero = Experiment {
        config: TrainConfig::default().seed(5).epochs(0),
        test_split: 0.2,
        ..Experiment::default()
    };
    let w5 = zero
        .run(&data, |_| ControlFlow::Continue(()))
        .unwrap()
        .model
        .network;
    let w6 = other
        .run(&data, |_| ControlFlow::Continue(()))
        .unwrap()
        .model
        .network;
    assert_ne!(w5.layers()[0].w(), w6.layers()[0].w());
}

#[test]
fn test_set_is_standardized_with_training_statistics() {
    let data = synth::flower(400, &mut rng(3, Stream::Data)).unwrap();
    let exp = Experiment {
        config: TrainConfig::default().epochs(0),
        test_split: 0.2,
        ..Experiment::default()
    };
    let out = exp.run(&data, |_| ControlFlow::Continue(())).unwrap();
    // the same shuffle and split by hand, in raw units
    let (train, test) = data
        .shuffled_split(&mut rng(69, Stream::Data), 0.8)
        .unwrap();
    let fitted_on_train = scratchnet::data::Standardizer::fit(train.x.view());
    assert_eq!(out.model.standardizer, fitted_on_train);
    assert_ne!(
        out.model.standardizer,
        scratchnet::data::Standardizer::fit(test.x.view())
    );
    // the outcome's test rows are the raw test rows scaled with the *training* statistics
    let expected = fitted_on_train.transform(test.x.view()).unwrap();
    assert_eq!(out.test.x(), expected);
    // and the owned path (in-place shuffle, in-place scaling) gives the same model
    let owned = exp
        .run_owned(data.clone(), |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!(owned.model.to_json(), out.model.to_json());
    assert_eq!(owned.test.x(), out.test.x());
}
