//! # scratchnet — a neural network from scratch
//!
//! The tutorial "Building a Neural Net from Scratch" as a Rust library: a network with one
//! hidden layer (2 inputs, 4 tanh units, 1 sigmoid output) trained by vectorized
//! backpropagation and gradient descent on the planar flower data set, grown into a
//! multi-layer perceptron for classification and regression. Matrices are (features ×
//! samples), one column per sample, as in the tutorial; shape legend: m = samples, d (n_x) =
//! features, h (n_h) = hidden units, k (n_y) = classes or outputs.
//!
//! ## The tutorial's equations
//!
//! One training step of the 2-4-1 network, with the shapes for m samples:
//!
//! ```text
//! forward   Z1 = W1·X + b1       (4×2)·(2×m) + (4×1) → 4×m      A1 = tanh(Z1)    4×m
//!           Z2 = W2·A1 + b2      (1×4)·(4×m) + (1×1) → 1×m      A2 = σ(Z2)       1×m
//! cost      J = −(1/m)·∑ [Y·log A2 + (1 − Y)·log(1 − A2)]       (computed from Z2)
//! backward  dZ2 = A2 − Y                                         1×m
//!           dW2 = (1/m)·dZ2·A1ᵀ       (1×m)·(m×4) → 1×4         db2 = (1/m)·∑ dZ2   1×1
//!           dZ1 = W2ᵀ·dZ2 ⊙ (1 − A1²) (4×1)·(1×m) ⊙ (4×m) → 4×m
//!           dW1 = (1/m)·dZ1·Xᵀ        (4×m)·(m×2) → 4×2         db1 = (1/m)·∑ dZ1   4×1
//! update    W := W − α·dW,  b := b − α·db                        α = 1.2
//! ```
//!
//! Each line is a function you can read and run: [`nn::Network::forward`] (through
//! [`nn::Dense::forward`] and [`nn::Activation`]), [`nn::Network::cost`] ([`loss`]),
//! [`nn::Network::backward`] (through [`nn::Dense::backward`]) and
//! [`optim::gradient_descent_update`]. The [`engine::Reference`] engine trains with exactly
//! these calls (`scratchnet demo --engine reference`); the default fast engine computes the same
//! numbers with preallocated buffers and SIMD kernels (bit for bit on the tutorial's network
//! and other small layers; to rounding where wide layers use GEMM).
//!
//! ## Train and save a classifier
//!
//! The estimator ([`estimator::Mlp`]) takes a table (one row per sample) and labels of any
//! displayable type, standardizes, trains and keeps everything it needs to predict:
//!
//! ```
//! use ndarray::array;
//! use scratchnet::estimator::{FittedMlp, Mlp};
//!
//! // a table: one row per student (hours studied, hours slept), one label per row
//! let x = array![[1.0, 6.0], [2.0, 8.0], [3.0, 5.0], [4.0, 7.5], [5.0, 6.5], [6.0, 8.0]];
//! let passed = ["no", "no", "no", "yes", "yes", "yes"];
//! let model = Mlp::classifier() // the tutorial's settings: 4 tanh units, α = 1.2, 10,000 epochs
//!     .hidden(&[4])
//!     .check()? // every setting checked once; an Error::Config names the one at fault
//!     .fit(x.view(), &passed)?; // standardizes X with its statistics, then trains
//! assert_eq!(model.score(x.view(), &passed)?, 1.0); // accuracy on the training rows
//! let new = array![[2.5, 7.0], [5.5, 6.0]];
//! assert_eq!(model.predict(new.view())?, ["no", "yes"]); // predict_proba: P(no), P(yes) per row
//! let path = std::env::temp_dir().join("passed.json");
//! model.save(&path)?; // the CLI's model file: `scratchnet predict passed.json new.csv`
//! let again = FittedMlp::load_classifier(&path)?;
//! assert_eq!(again.predict_proba(new.view())?, model.predict_proba(new.view())?);
//! # Ok::<(), scratchnet::Error>(())
//! ```
//!
//! The same training step by step (data, split, standardization, [`train::TrainConfig`],
//! metrics) is `examples/tutorial.rs`: `cargo run --release -p scratchnet --example tutorial`.
//!
//! ## Modules
//!
//! In the order the tutorial meets them:
//!
//! | module | what it owns |
//! |---|---|
//! | [`data`] | [`data::Dataset`], CSV reading, standardization ([`data::Standardizer`]), synthetic sets ([`data::synth`]) |
//! | [`nn`] | the math a learner reads: [`nn::Activation`] (each g and g′), [`nn::Init`], [`nn::Dense`] (forward/backward), [`nn::Network`] |
//! | [`loss`] | the costs J (cross-entropies, squared error) and the dZ they send into the output layer |
//! | [`engine`] | the [`engine::Engine`] seam: [`engine::Reference`] (the code of `nn`) or the fast engine; [`engine::predict_proba`] |
//! | [`optim`] | update rules (gradient descent, momentum, Nesterov, Adam) and learning-rate schedules |
//! | [`train`] | [`train::TrainConfig`] and the one training loop (mini-batches, L2, validation, early stopping) |
//! | [`weights`] | sample and class weights ([`weights::ClassWeight::Balanced`]): how much each row counts in the cost |
//! | [`estimator`] | [`estimator::Mlp`] → `check()` → `fit()` → [`estimator::FittedMlp`] (predict, predict_proba, score, save, load) |
//! | [`metrics`] | confusion matrices, accuracy, precision, recall, F1, regression errors and R² |
//! | [`experiment`] | the whole tutorial in one call: split, standardize, train the network and its baseline, report |
//! | [`model_file`] | the versioned JSON model file ([`model_file::Model`]) that the CLI writes and reads |
//! | [`importance`] | permutation importance of a model's raw input columns ([`importance::permutation_importance`]) |
//! | [`gradcheck`] | backpropagation against finite differences |
//! | [`onnx`] | ONNX export of a model ([`model_file::Model::to_onnx`]): the column plan, standardization, network, probabilities and label as one graph |
//! | [`io`] | atomic file writes (a reader never sees half a file) |
//!
//! [`set_threads`] sets the number of threads (every core by default). Errors are one enum,
//! [`Error`]; a setting's error is [`Error::Config`] with the setting's
//! name in library terms (`batch_size`), which the CLI maps to its flag (`--batch-size`).

#![warn(missing_docs)]
// No panics on user data: library code returns errors instead of unwrapping (tests may unwrap).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod collective;
pub mod cv;
pub mod data;
pub mod engine;
mod error;
pub mod estimator;
pub mod experiment;
pub mod gradcheck;
pub mod importance;
pub mod io;
pub mod loss;
pub mod memory;
pub mod metrics;
pub mod model_file;
pub mod nn;
pub mod onnx;
pub mod optim;
mod parallel;
pub mod prep;
pub mod preset;
pub mod stream;
pub mod train;
pub mod tune;
pub mod weights;

pub use error::{Error, MAX_QUOTED, Result, quoted, shown};

/// Use `n` threads for training and prediction, process-wide (0: every core, the default).
/// Call it before the first training or prediction: the worker threads are started once, at
/// first use, and kept. Only batches with enough work are split over threads (never the
/// tutorial's), and the same `n` gives bit-identical results on every run.
pub fn set_threads(n: usize) {
    parallel::set_threads(n);
}

/// The thread count in use: the one given to [`set_threads`], else every core.
pub fn threads() -> usize {
    parallel::threads()
}

/// The fast engine's pieces, for the crate's own benchmarks and profiling examples only: not a
/// public API, and it may change at any time.
#[doc(hidden)]
pub mod internals {
    pub use crate::engine::fast::kernels::{sigmoid_slice, tanh_slice};
    pub use crate::engine::fast::{Split, Workspace};
}

/// The one random number generator of scratchnet: ChaCha8, portable and reproducible.
pub type Rng = rand::rngs::ChaCha8Rng;
