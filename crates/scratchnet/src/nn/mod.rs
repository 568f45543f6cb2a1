//! The network itself: activations, initializers, the dense layer and the network.

pub mod activation;
pub mod dense;
pub mod init;
pub mod network;
pub mod real;

pub use activation::Activation;
pub use dense::{Dense, DenseCache, DenseGrad};
pub use init::Init;
pub use network::{Cache, Gradients, LayerSizes, Network, classes_of};
pub use real::Real;

/// `2-4-1` from `[2, 4, 1]`.
pub fn describe_sizes(sizes: &[usize]) -> String {
    sizes
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join("-")
}
