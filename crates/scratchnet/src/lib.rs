//! # scratchnet — a neural network from scratch
//!
//! The tutorial "Building a Neural Net from Scratch" as a Rust library: a network with one
//! hidden layer (2 inputs, 4 tanh units, 1 sigmoid output) trained by vectorized
//! backpropagation and gradient descent on the planar flower data set. Every equation is a
//! named function whose documentation shows the equation and the shapes; matrices are
//! (features × samples), one column per sample, as in the tutorial.
//!
//! ```
//! use std::ops::ControlFlow;
//! use scratchnet::data::{synth, Standardizer};
//! use scratchnet::experiment::evaluate;
//! use scratchnet::train::{rng, Stream, TrainConfig};
//!
//! // set.seed(69); the flower data; shuffle; 80/20 split
//! let seed = 69;
//! let mut data = synth::flower(400, &mut rng(seed, Stream::Data))?;
//! data.shuffle(&mut rng(seed, Stream::Data));
//! let (train, test) = data.split(0.8)?;
//! // standardize with the *training* statistics, for train and test alike
//! let scaler = Standardizer::fit(train.x.view());
//! let (x, y) = (scaler.transform(train.x.view())?, train.y());
//! // 2-4-1, tanh hidden, sigmoid output, lr 1.2 (fewer epochs here to keep the doctest quick)
//! let config = TrainConfig::default().epochs(2_000).seed(seed);
//! let fitted = config.fit(x.view(), y.view(), |_| ControlFlow::Continue(()))?;
//! assert!(fitted.history.last().unwrap() < &fitted.history[0]);
//! // predictions at threshold 0.5 on the test set, scaled with the training statistics
//! let x_test = scaler.transform(test.x.view())?;
//! let predicted = fitted.network.predict(x_test.view());
//! assert_eq!(predicted.len(), 80);
//! # Ok::<(), scratchnet::Error>(())
//! ```
//!
//! Modules, in the order the tutorial meets them: [`data`] (CSV, standardization, synthetic
//! sets), [`nn`] (activations, initialization, the dense layer and the network), [`loss`],
//! [`optim`], [`train`], [`metrics`], [`experiment`] (the whole tutorial in one call),
//! [`model_file`] and [`gradcheck`].

#![warn(missing_docs)]
// No panics on user data: library code returns errors instead of unwrapping (tests may unwrap).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod data;
pub mod engine;
mod error;
pub mod estimator;
pub mod experiment;
pub mod gradcheck;
pub mod io;
pub mod loss;
pub mod metrics;
pub mod model_file;
pub mod nn;
pub mod optim;
pub mod parallel;
pub mod train;

pub use error::{Error, Result};

/// The fast engine's pieces, for the crate's own benchmarks and profiling examples only: not a
/// public API, and it may change at any time.
#[doc(hidden)]
pub mod internals {
    pub use crate::engine::fast::kernels::{sigmoid_slice, tanh_slice};
    pub use crate::engine::fast::{Split, Workspace};
}

/// The one random number generator of scratchnet: ChaCha8, portable and reproducible.
pub type Rng = rand::rngs::ChaCha8Rng;
