//! Backpropagation against central finite differences, for random networks of several depths,
//! every hidden activation, and several batch sizes. Relative error must stay below 1e-7.

use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use scratchnet::Rng;
use scratchnet::gradcheck::check_gradients;
use scratchnet::nn::activation::ALL_ACTIVATIONS;
use scratchnet::nn::{Activation, Init, LayerSizes, Network};

fn random_matrix(rows: usize, cols: usize, rng: &mut Rng) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.5..1.5))
}

#[test]
fn gradients_match_finite_differences() {
    let mut rng = Rng::seed_from_u64(2024);
    for act in ALL_ACTIVATIONS {
        for hidden in [vec![], vec![4], vec![5, 3]] {
            for m in [1, 7, 32] {
                let sizes = LayerSizes {
                    n_x: 3,
                    n_h: hidden.clone(),
                    n_y: 1,
                };
                let net = Network::init(&sizes, act, Activation::Sigmoid, Init::Xavier, &mut rng)
                    .unwrap();
                let x = random_matrix(3, m, &mut rng);
                let y =
                    Array2::from_shape_fn((1, m), |_| f64::from(u8::from(rng.random::<bool>())));
                let check = check_gradients(&net, x.view(), y.view(), 1e-5);
                assert!(
                    check.max_relative_error < 1e-7,
                    "{act}, hidden {hidden:?}, m = {m}: relative error {:e} {:?}",
                    check.max_relative_error,
                    check.worst_pair
                );
                assert_eq!(check.n_checked, net.n_parameters());
            }
        }
    }
}
