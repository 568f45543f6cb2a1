//! The general MLP: k classes, regression, mini-batches, early stopping, continuing a model.

use std::ops::ControlFlow;

use scratchnet::data::synth::Generator;
use scratchnet::experiment::Experiment;
use scratchnet::metrics::Metrics;
use scratchnet::nn::{Activation, Network};
use scratchnet::optim::OptimizerKind;
use scratchnet::train::{Stream, TrainConfig, rng};

fn adam() -> OptimizerKind {
    OptimizerKind::Adam {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
    }
}

#[test]
fn spiral_with_three_classes_is_learned_by_a_2_100_3_relu_network_with_adam() {
    let data = Generator::Spiral
        .generate(300, 3, 0.2, &mut rng(1, Stream::Data))
        .unwrap();
    let config = TrainConfig {
        hidden: vec![100],
        hidden_activation: Activation::Relu,
        optimizer: adam(),
        learning_rate: 0.01,
        epochs: 2000,
        seed: 1,
        ..TrainConfig::default()
    };
    let out = Experiment {
        config,
        test_split: 0.0,
        ..Experiment::default()
    }
    .run(&data, |_| ControlFlow::Continue(()))
    .unwrap();
    assert_eq!(out.report.model, "2-100-3 relu/softmax");
    let Metrics::Multiclass(train) = &out.report.train else {
        panic!("not a multiclass report")
    };
    assert!(
        train.accuracy >= 0.95,
        "training accuracy {}",
        train.accuracy
    );
    assert_eq!(train.confusion_matrix.len(), 3);
    assert_eq!(train.confusion_matrix.iter().flatten().sum::<usize>(), 300);
    // softmax regression, a straight-line baseline, cannot follow the arms
    assert!(out.report.baseline.train.accuracy().unwrap() < 0.7);
    assert_eq!(out.report.baseline.model, "softmax regression");
}

#[test]
fn regression_on_a_sine_curve_reaches_r2_095() {
    let data = Generator::Sine
        .generate(400, 2, 0.1, &mut rng(3, Stream::Data))
        .unwrap();
    let config = TrainConfig {
        hidden: vec![16],
        optimizer: adam(),
        learning_rate: 0.01,
        epochs: 2000,
        seed: 3,
        ..TrainConfig::default()
    };
    let out = Experiment {
        config,
        ..Experiment::default()
    }
    .run(&data, |_| ControlFlow::Continue(()))
    .unwrap();
    let Some(Metrics::Regression(test)) = &out.report.test else {
        panic!("not a regression report")
    };
    assert!(test.r2 >= 0.95, "test R² {}", test.r2);
    assert_eq!(out.report.baseline.model, "linear regression");
    // predictions come back in the original units: sin(π/2) ≈ 1
    let p = out
        .model
        .predict_proba(ndarray::array![[std::f64::consts::FRAC_PI_2]].view())
        .unwrap();
    assert!((p[[0, 0]] - 1.0).abs() < 0.15, "prediction {}", p[[0, 0]]);
}

#[test]
fn mini_batch_order_is_seeded_and_bit_identical() {
    let data = Generator::Moons
        .generate(200, 2, 0.1, &mut rng(5, Stream::Data))
        .unwrap();
    let run = |seed: u64| {
        let config = TrainConfig {
            batch_size: Some(16),
            epochs: 30,
            learning_rate: 0.3,
            seed,
            ..TrainConfig::default()
        };
        Experiment {
            config,
            ..Experiment::default()
        }
        .run(&data, |_| ControlFlow::Continue(()))
        .unwrap()
    };
    let (a, b, c) = (run(7), run(7), run(8));
    assert_eq!(a.model.to_json(), b.model.to_json());
    assert_eq!(a.history, b.history);
    assert_ne!(a.model.network, c.model.network);
    // 160 training rows in batches of 16: ten updates per epoch, so it moves further than full batch
    assert!(a.history[30] < a.history[0]);
}

#[test]
fn early_stopping_restores_the_best_weights() {
    let data = Generator::Moons
        .generate(300, 2, 0.3, &mut rng(9, Stream::Data))
        .unwrap();
    let config = TrainConfig {
        hidden: vec![64],
        hidden_activation: Activation::Relu,
        optimizer: adam(),
        learning_rate: 0.05,
        epochs: 3000,
        patience: Some(20),
        seed: 9,
        ..TrainConfig::default()
    };
    let mut seen: Vec<Network> = Vec::new();
    let out = Experiment {
        config,
        validation: 0.25,
        ..Experiment::default()
    }
    .run(&data, |info| {
        seen.push(info.network.clone());
        ControlFlow::Continue(())
    })
    .unwrap();
    let best = out.report.best_epoch.expect("a best epoch");
    let stopped = out.report.stopped_at.expect("stopped early on noisy moons");
    assert!(
        stopped < 3000 && stopped >= best + 20,
        "best {best}, stopped {stopped}"
    );
    // the kept network is the one of the best epoch, not the last one
    assert_eq!(out.model.network, seen[best - 1]);
    assert_ne!(out.model.network, seen[stopped - 1]);
    // the reported validation metrics are those of the model on the validation rows, scaled
    // once with the training statistics (they used to be scaled twice)
    let Some(Metrics::Binary(v)) = &out.report.validation else {
        panic!("binary validation metrics expected");
    };
    let (loss, accuracy) = scratchnet::experiment::loss_and_score(
        scratchnet::engine::EngineKind::Fast,
        &out.model.network,
        out.validation.x(),
        out.validation.y(),
    )
    .unwrap();
    assert!((v.loss - loss).abs() < 1e-12, "{} vs {loss}", v.loss);
    assert!((v.accuracy - accuracy).abs() < 1e-12);
    assert!(v.accuracy > 0.7, "validation accuracy {}", v.accuracy);
}

#[test]
fn init_from_continues_a_saved_model() {
    let data = Generator::Flower
        .generate(400, 2, 0.2, &mut rng(2, Stream::Data))
        .unwrap();
    let first = Experiment {
        config: TrainConfig::default().epochs(500),
        ..Experiment::default()
    }
    .run(&data, |_| ControlFlow::Continue(()))
    .unwrap();
    let more = Experiment {
        config: TrainConfig::default().epochs(500),
        init_from: Some(first.model.clone()),
        ..Experiment::default()
    }
    .run(&data, |_| ControlFlow::Continue(()))
    .unwrap();
    // it starts where the first run ended
    assert!((more.history[0] - first.history[500]).abs() < 1e-12);
    assert_eq!(more.model.standardizer, first.model.standardizer);
    // and refuses a model for other data
    let other = Generator::Sine
        .generate(100, 2, 0.1, &mut rng(2, Stream::Data))
        .unwrap();
    let e = Experiment {
        init_from: Some(first.model),
        ..Experiment::default()
    }
    .run(&other, |_| ControlFlow::Continue(()))
    .unwrap_err();
    assert!(
        matches!(
            e,
            scratchnet::Error::Config {
                setting: "init_from",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn invalid_combinations_are_errors() {
    let data = Generator::Moons
        .generate(100, 2, 0.1, &mut rng(1, Stream::Data))
        .unwrap();
    let bad = |config: TrainConfig, validation: f64| {
        Experiment {
            config,
            validation,
            ..Experiment::default()
        }
        .run(&data, |_| ControlFlow::Continue(()))
        .unwrap_err()
        .to_string()
    };
    assert!(
        bad(
            TrainConfig {
                batch_size: Some(0),
                ..TrainConfig::default()
            },
            0.0
        )
        .starts_with("batch_size must be at least 1")
    );
    assert!(
        bad(
            TrainConfig {
                patience: Some(5),
                ..TrainConfig::default()
            },
            0.0
        )
        .starts_with("patience needs a validation set (`validation`")
    );
    assert!(
        bad(
            TrainConfig {
                hidden_activation: Activation::Softmax,
                ..TrainConfig::default()
            },
            0.0
        )
        .contains("softmax")
    );
}
