//! The two engines are one network: the readable reference ([`scratchnet::engine::Reference`],
//! `Network::forward` → cost → `Network::backward`) and the fast engine train the same runs to
//! the same numbers.
//!
//! Tolerance: none on small layers. Both engines compute g and g′ from one definition, add
//! their products in the same order (a plain product, then one fused multiply-add per term) and
//! their sums over samples in the same fixed order (8 partial sums), so histories and weights
//! agree bit for bit. Wide layers (more than 256 weights and no side of ≤ 4 units) run
//! matrixmultiply's blocked GEMM in the fast engine, which adds in another order: there the
//! runs agree to rounding (1e-9 relative after 300 epochs), not to the bit. The same holds
//! with sample weights (both engines weigh dZ = A − Y by one function, and add the weighted
//! cost's terms in one order), and weights that are all 1 give the unweighted run exactly.

use std::ops::ControlFlow;

use ndarray::{Array2, ArrayView2};
use scratchnet::data::synth::Generator;
use scratchnet::data::{Dataset, Standardizer};
use scratchnet::engine::EngineKind;
use scratchnet::nn::{Activation, Network};
use scratchnet::optim::OptimizerKind;
use scratchnet::train::{Fitted, Samples, Stream, TrainConfig, rng};

/// Standardized X (d × m) and Y of a generated data set.
fn prepared(data: &Dataset) -> (Array2<f64>, Array2<f64>) {
    let x = Standardizer::fit(data.x.view())
        .transform(data.x.view())
        .unwrap();
    let mut y = data.y();
    if data.classes().is_empty() {
        y = Standardizer::fit(y.view()).transform(y.view()).unwrap();
    }
    (x, y)
}

fn fit(
    cfg: &TrainConfig,
    engine: EngineKind,
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
    validation: Option<(ArrayView2<f64>, ArrayView2<f64>)>,
) -> Fitted {
    let cfg = TrainConfig {
        engine,
        ..cfg.clone()
    };
    let net = cfg.init_network(x, y).unwrap();
    cfg.fit_from(net, x, y, validation, |_| ControlFlow::Continue(()))
        .unwrap()
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn weights(net: &Network) -> Vec<u64> {
    let all: Vec<f64> = net
        .layers()
        .iter()
        .flat_map(|l| {
            l.w()
                .iter()
                .chain(l.b().iter())
                .copied()
                .collect::<Vec<_>>()
        })
        .collect();
    bits(&all)
}

fn assert_same_run(a: &Fitted, b: &Fitted) {
    assert_eq!(a.history.len(), b.history.len());
    assert_eq!(bits(&a.history), bits(&b.history), "loss histories");
    assert_eq!(bits(&a.validation_history), bits(&b.validation_history));
    assert_eq!(a.best_epoch, b.best_epoch);
    assert_eq!(a.stopped_at, b.stopped_at);
    assert_eq!(weights(&a.network), weights(&b.network), "final weights");
}

#[test]
fn the_tutorial_network_trains_bit_for_bit_the_same_on_both_engines() {
    // the tutorial: 400 flower points, 2-4-1 tanh/sigmoid, 10,000 epochs of gradient descent
    let data = scratchnet::data::synth::flower(400, &mut rng(69, Stream::Data)).unwrap();
    let (x, y) = prepared(&data);
    let cfg = TrainConfig::default();
    let reference = fit(&cfg, EngineKind::Reference, x.view(), y.view(), None);
    let fast = fit(&cfg, EngineKind::Fast, x.view(), y.view(), None);
    assert_eq!(reference.history.len(), 10_001);
    assert!(reference.history[10_000] < 0.3);
    assert_same_run(&reference, &fast);
}

#[test]
fn a_three_class_mini_batch_adam_run_with_l2_and_early_stopping_is_the_same() {
    let data = Generator::Spiral
        .generate(600, 3, 0.2, &mut rng(5, Stream::Data))
        .unwrap();
    let (x, y) = prepared(&data);
    // the last 120 samples watch for early stopping
    let (xt, xv) = x.view().split_at(ndarray::Axis(1), 480);
    let (yt, yv) = y.view().split_at(ndarray::Axis(1), 480);
    let cfg = TrainConfig {
        hidden: vec![16, 8],
        hidden_activation: Activation::Relu,
        output_activation: Activation::Softmax,
        optimizer: OptimizerKind::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        },
        learning_rate: 0.01,
        batch_size: Some(50),
        l2: 0.01,
        patience: Some(20),
        epochs: 2_000,
        seed: 11,
        ..TrainConfig::default()
    };
    let reference = fit(&cfg, EngineKind::Reference, xt, yt, Some((xv, yv)));
    let fast = fit(&cfg, EngineKind::Fast, xt, yt, Some((xv, yv)));
    assert!(fast.stopped_at.is_some(), "early stopping should trigger");
    assert!(fast.best_epoch.is_some());
    assert_same_run(&reference, &fast);
}

#[test]
fn mini_batches_train_the_same_bits_from_either_layout_of_x_and_y() {
    // training gathers mini-batches from a sample-major copy of a row-major X and Y (one cache
    // line per sample, not one per row): the gathered values, so the run, must not change.
    // The wide first layer runs GEMM, the 10-class softmax gathers 10 rows of Y per sample.
    let data = Generator::Spiral
        .generate(700, 10, 0.2, &mut rng(8, Stream::Data))
        .unwrap();
    let (x, y) = prepared(&data);
    let x = ndarray::concatenate![ndarray::Axis(0), x, x.mapv(f64::sin), x.mapv(f64::cos)];
    let sample_major = |a: &Array2<f64>| a.t().as_standard_layout().into_owned();
    let (xs, ys) = (sample_major(&x), sample_major(&y));
    for optimizer in [OptimizerKind::ADAM, OptimizerKind::Gd] {
        let cfg = TrainConfig {
            hidden: vec![40, 30],
            hidden_activation: Activation::Relu,
            output_activation: Activation::Softmax,
            optimizer,
            learning_rate: 0.01,
            batch_size: Some(64),
            l2: 0.1,
            epochs: 30,
            seed: 3,
            ..TrainConfig::default()
        };
        let row_major = fit(&cfg, EngineKind::Fast, x.view(), y.view(), None);
        let by_sample = fit(&cfg, EngineKind::Fast, xs.t(), ys.t(), None);
        assert_same_run(&row_major, &by_sample);
    }
}

#[test]
fn a_regression_run_is_the_same() {
    let data = Generator::Sine
        .generate(300, 2, 0.1, &mut rng(3, Stream::Data))
        .unwrap();
    let (x, y) = prepared(&data);
    let cfg = TrainConfig {
        hidden: vec![8],
        hidden_activation: Activation::LeakyRelu,
        output_activation: Activation::Identity,
        optimizer: OptimizerKind::Momentum { momentum: 0.9 },
        learning_rate: 0.05,
        batch_size: Some(64),
        epochs: 500,
        ..TrainConfig::default()
    };
    let reference = fit(&cfg, EngineKind::Reference, x.view(), y.view(), None);
    let fast = fit(&cfg, EngineKind::Fast, x.view(), y.view(), None);
    assert!(fast.history[500] < fast.history[0] / 5.0);
    assert_same_run(&reference, &fast);
}

#[test]
fn wide_layers_agree_to_rounding() {
    // 2-64-64-1: the 64×64 layer runs GEMM in the fast engine (another order of additions)
    let data = Generator::Moons
        .generate(500, 2, 0.2, &mut rng(4, Stream::Data))
        .unwrap();
    let (x, y) = prepared(&data);
    let cfg = TrainConfig {
        hidden: vec![64, 64],
        learning_rate: 0.5,
        epochs: 300,
        ..TrainConfig::default()
    };
    let reference = fit(&cfg, EngineKind::Reference, x.view(), y.view(), None);
    let fast = fit(&cfg, EngineKind::Fast, x.view(), y.view(), None);
    for (a, b) in reference.history.iter().zip(&fast.history) {
        assert!((a - b).abs() <= 1e-9 * a.abs(), "{a} vs {b}");
    }
    let (ra, fa) = (&reference.network, &fast.network);
    for (l, m) in ra.layers().iter().zip(fa.layers()) {
        for (a, b) in l.w().iter().zip(m.w().iter()) {
            assert!((a - b).abs() <= 1e-9 * a.abs().max(1e-3), "{a} vs {b}");
        }
    }
}

#[test]
fn the_reference_engine_computes_in_f64_only() {
    let cfg = TrainConfig {
        engine: EngineKind::Reference,
        precision: scratchnet::train::Precision::F32,
        ..TrainConfig::default()
    };
    let e = cfg.validate().unwrap_err();
    assert!(
        matches!(
            e,
            scratchnet::Error::Config {
                setting: "precision",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(
        "reference".parse::<EngineKind>().unwrap(),
        EngineKind::Reference
    );
    assert!("turbo".parse::<EngineKind>().is_err());
}

/// [`fit`] with sample weights for the training rows and (optionally) the validation rows.
fn fit_weighted(
    cfg: &TrainConfig,
    engine: EngineKind,
    train: Samples<'_>,
    validation: Option<Samples<'_>>,
) -> Fitted {
    let cfg = TrainConfig {
        engine,
        ..cfg.clone()
    };
    let net = cfg.init_network(train.x, train.y).unwrap();
    cfg.fit_samples_from(net, train, validation, |_| ControlFlow::Continue(()))
        .unwrap()
}

/// Sample weights for m rows: 0.25…2.5 in a pattern, every seventh row 0.
fn pattern_weights(m: usize) -> Vec<f64> {
    (0..m)
        .map(|j| {
            if j % 7 == 3 {
                0.0
            } else {
                0.25 * (1 + j % 10) as f64
            }
        })
        .collect()
}

#[test]
fn weighted_runs_are_the_same_on_both_engines() {
    // the tutorial's network, full batch
    let data = scratchnet::data::synth::flower(400, &mut rng(69, Stream::Data)).unwrap();
    let (x, y) = prepared(&data);
    let w = pattern_weights(400);
    let train = Samples::new(x.view(), y.view()).weighted(&w);
    let cfg = TrainConfig::default().epochs(2_000);
    let reference = fit_weighted(&cfg, EngineKind::Reference, train, None);
    let fast = fit_weighted(&cfg, EngineKind::Fast, train, None);
    assert_same_run(&reference, &fast);
    let plain = fit(&cfg, EngineKind::Fast, x.view(), y.view(), None);
    assert_ne!(
        bits(&plain.history),
        bits(&fast.history),
        "the weights count"
    );
    // three classes, mini-batches (weights gathered with their columns), Adam, L2, and a
    // weighted validation set for early stopping
    let data = Generator::Spiral
        .generate(600, 3, 0.2, &mut rng(5, Stream::Data))
        .unwrap();
    let (x, y) = prepared(&data);
    let (xt, xv) = x.view().split_at(ndarray::Axis(1), 480);
    let (yt, yv) = y.view().split_at(ndarray::Axis(1), 480);
    let (wt, wv) = (pattern_weights(480), pattern_weights(120));
    let cfg = TrainConfig {
        hidden: vec![16, 8],
        hidden_activation: Activation::Relu,
        output_activation: Activation::Softmax,
        optimizer: OptimizerKind::ADAM,
        learning_rate: 0.01,
        batch_size: Some(50),
        l2: 0.01,
        patience: Some(20),
        epochs: 2_000,
        seed: 11,
        ..TrainConfig::default()
    };
    let train = Samples::new(xt, yt).weighted(&wt);
    let val = Some(Samples::new(xv, yv).weighted(&wv));
    let reference = fit_weighted(&cfg, EngineKind::Reference, train, val);
    let fast = fit_weighted(&cfg, EngineKind::Fast, train, val);
    assert!(fast.stopped_at.is_some(), "early stopping should trigger");
    assert_same_run(&reference, &fast);
    // regression, mini-batches
    let data = Generator::Sine
        .generate(300, 2, 0.1, &mut rng(3, Stream::Data))
        .unwrap();
    let (x, y) = prepared(&data);
    let w = pattern_weights(300);
    let cfg = TrainConfig {
        hidden: vec![8],
        hidden_activation: Activation::LeakyRelu,
        output_activation: Activation::Identity,
        optimizer: OptimizerKind::Momentum { momentum: 0.9 },
        learning_rate: 0.05,
        batch_size: Some(64),
        epochs: 300,
        ..TrainConfig::default()
    };
    let train = Samples::new(x.view(), y.view()).weighted(&w);
    let reference = fit_weighted(&cfg, EngineKind::Reference, train, None);
    let fast = fit_weighted(&cfg, EngineKind::Fast, train, None);
    assert_same_run(&reference, &fast);
}

#[test]
fn weights_of_one_train_exactly_the_unweighted_run() {
    // through the weighted code path (w̃ = 1·m/m = 1 exactly): the same bits as no weights,
    // on both engines, full batch and mini-batches, with a weighted validation set
    let data = Generator::Moons
        .generate(300, 2, 0.2, &mut rng(8, Stream::Data))
        .unwrap();
    let (x, y) = prepared(&data);
    let (xt, xv) = x.view().split_at(ndarray::Axis(1), 250);
    let (yt, yv) = y.view().split_at(ndarray::Axis(1), 250);
    let (ones, ones_v) = (vec![1.0; 250], vec![1.0; 50]);
    for batch_size in [None, Some(32)] {
        let cfg = TrainConfig {
            hidden: vec![6],
            batch_size,
            patience: Some(50),
            learning_rate: 0.5,
            epochs: 300,
            ..TrainConfig::default()
        };
        for engine in [EngineKind::Reference, EngineKind::Fast] {
            let plain = fit(&cfg, engine, xt, yt, Some((xv, yv)));
            let train = Samples::new(xt, yt).weighted(&ones);
            let val = Some(Samples::new(xv, yv).weighted(&ones_v));
            let weighted = fit_weighted(&cfg, engine, train, val);
            assert_same_run(&plain, &weighted);
        }
    }
}
