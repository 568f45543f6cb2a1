//! Backpropagation against central finite differences, for random networks of several depths,
//! every hidden activation, every output with its loss (sigmoid + binary cross-entropy,
//! softmax + categorical cross-entropy, identity + squared error) and several batch sizes,
//! unweighted and with sample weights (the weighted cost's gradients against its own finite
//! differences). Relative error must stay below 1e-7.

use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use scratchnet::Rng;
use scratchnet::gradcheck::{check_gradients, check_weighted_gradients};
use scratchnet::nn::activation::ALL_ACTIVATIONS;
use scratchnet::nn::{Activation, Init, LayerSizes, Network};

fn random_matrix(rows: usize, cols: usize, rng: &mut Rng) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.5..1.5))
}

/// Targets for an output: 0/1 for sigmoid, one-hot for softmax (k = 3), real numbers for
/// identity. Returns (n_y, Y).
fn targets(output: Activation, m: usize, rng: &mut Rng) -> (usize, Array2<f64>) {
    match output {
        Activation::Sigmoid => (
            1,
            Array2::from_shape_fn((1, m), |_| f64::from(u8::from(rng.random::<bool>()))),
        ),
        Activation::Softmax => {
            let labels: Vec<usize> = (0..m).map(|_| rng.random_range(0..3)).collect();
            (
                3,
                Array2::from_shape_fn((3, m), |(i, j)| f64::from(u8::from(labels[j] == i))),
            )
        }
        _ => (1, random_matrix(1, m, rng)),
    }
}

/// Inputs X (3 × m). ReLU and leaky ReLU have a kink at 0, where the derivative is undefined
/// and a finite difference that crosses it measures nonsense; for them, draw X again until every
/// hidden pre-activation is at least 1e-3 from 0 (the stencil moves Z by at most ~3e-4).
fn away_from_kinks(net: &Network, act: Activation, m: usize, rng: &mut Rng) -> Array2<f64> {
    loop {
        let x = random_matrix(3, m, rng);
        if !matches!(act, Activation::Relu | Activation::LeakyRelu) {
            return x;
        }
        let cache = net.forward(x.view());
        let hidden = &cache.layers[..cache.layers.len() - 1];
        if hidden.iter().all(|c| c.z.iter().all(|z| z.abs() > 1e-3)) {
            return x;
        }
    }
}

#[test]
fn gradients_match_finite_differences() {
    let mut rng = Rng::seed_from_u64(2024);
    let mut checked = 0;
    for output in [
        Activation::Sigmoid,
        Activation::Softmax,
        Activation::Identity,
    ] {
        for act in ALL_ACTIVATIONS {
            for hidden in [vec![], vec![4], vec![5, 3]] {
                for m in [1, 7, 32] {
                    let (n_y, y) = targets(output, m, &mut rng);
                    let sizes = LayerSizes {
                        n_x: 3,
                        n_h: hidden.clone(),
                        n_y,
                    };
                    let net = Network::init(&sizes, act, output, Init::Xavier, &mut rng).unwrap();
                    let x = away_from_kinks(&net, act, m, &mut rng);
                    let check = check_gradients(&net, x.view(), y.view(), 1e-4);
                    assert!(
                        check.max_relative_error < 1e-7,
                        "{output} output, {act} hidden, {hidden:?}, m = {m}: relative error {:e} {:?}",
                        check.max_relative_error,
                        check.worst_pair
                    );
                    assert_eq!(check.n_checked, net.n_parameters());
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 3 * 5 * 3 * 3);
}

#[test]
fn weighted_gradients_match_finite_differences_of_the_weighted_cost() {
    let mut rng = Rng::seed_from_u64(2025);
    for output in [
        Activation::Sigmoid,
        Activation::Softmax,
        Activation::Identity,
    ] {
        for act in ALL_ACTIVATIONS {
            for hidden in [vec![], vec![4], vec![5, 3]] {
                for m in [1, 7, 32] {
                    let (n_y, y) = targets(output, m, &mut rng);
                    let sizes = LayerSizes {
                        n_x: 3,
                        n_h: hidden.clone(),
                        n_y,
                    };
                    let net = Network::init(&sizes, act, output, Init::Xavier, &mut rng).unwrap();
                    let x = away_from_kinks(&net, act, m, &mut rng);
                    // weights in [0, 3), one of them 0 when m > 1 (a row that does not count)
                    let w: Vec<f64> = (0..m)
                        .map(|j| {
                            if j == 1 {
                                0.0
                            } else {
                                rng.random_range(0.0..3.0)
                            }
                        })
                        .collect();
                    let check = check_weighted_gradients(&net, x.view(), y.view(), &w, 1e-4);
                    assert!(
                        check.max_relative_error < 1e-7,
                        "{output} output, {act} hidden, {hidden:?}, m = {m}: relative error {:e} {:?}",
                        check.max_relative_error,
                        check.worst_pair
                    );
                }
            }
        }
    }
}
