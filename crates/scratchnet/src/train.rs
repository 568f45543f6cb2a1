//! Training: settings → checked settings → trained network (the tutorial's loop over epochs).
//!
//! ```text
//! for epoch in 1…N:
//!     cache = forward(X)              Z1 A1 Z2 A2
//!     J     = cost(A2, Y)             recorded in the history
//!     grads = backward(cache, Y)      dW1 db1 dW2 db2
//!     W    := W − α · dW              for every parameter
//! ```

use std::ops::ControlFlow;

use ndarray::ArrayView2;
use rand::SeedableRng;

use crate::nn::{Activation, Init, LayerSizes, Network};
use crate::optim::{GradientDescent, Optimizer};
use crate::{Error, Result, Rng};

/// What a seeded random stream is used for. Each purpose has its own ChaCha8 stream of the one
/// seed, so the initial weights depend only on the seed and the layer sizes (not on how many
/// rows were shuffled first), and the same seed gives bit-identical runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Shuffling and splitting the data.
    Data = 0,
    /// Initializing the weights.
    Init = 1,
}

/// The generator for `purpose` under `seed`.
pub fn rng(seed: u64, purpose: Stream) -> Rng {
    let mut r = Rng::seed_from_u64(seed);
    r.set_stream(purpose as u64);
    r
}

/// Most epochs one training may run.
pub const MAX_EPOCHS: usize = 1_000_000_000;

/// Training settings. Defaults are the tutorial's: one hidden layer of 4 tanh units,
/// small-uniform weights, 10,000 epochs of full-batch gradient descent at α = 1.2, seed 69.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Units per hidden layer; empty means logistic regression. Default `[4]`.
    pub hidden: Vec<usize>,
    /// Activation of the hidden layers. Default tanh.
    pub hidden_activation: Activation,
    /// Weight initialization. Default small-uniform (the tutorial's runif × 0.01).
    pub init: Init,
    /// Number of gradient-descent epochs (0 keeps the initial weights). Default 10,000.
    pub epochs: usize,
    /// Learning rate α. Default 1.2.
    pub learning_rate: f64,
    /// The seed of every random choice. Default 69.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            hidden: vec![4],
            hidden_activation: Activation::Tanh,
            init: Init::SmallUniform,
            epochs: 10_000,
            learning_rate: 1.2,
            seed: 69,
        }
    }
}

/// One epoch's progress, passed to the training callback after each update.
#[derive(Debug, Clone, Copy)]
pub struct EpochInfo<'a> {
    /// Updates done so far, 1…epochs.
    pub epoch: usize,
    /// Total epochs.
    pub epochs: usize,
    /// The training loss before this epoch's update (after `epoch − 1` updates).
    pub loss: f64,
    /// The network after `epoch` updates.
    pub network: &'a Network,
}

/// A trained network and its loss history.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// The trained network.
    pub network: Network,
    /// `history[e]` is the training loss after e updates, e = 0…epochs (epochs + 1 values).
    pub history: Vec<f64>,
}

impl TrainConfig {
    /// Sets the hidden layer sizes.
    pub fn hidden(mut self, hidden: Vec<usize>) -> Self {
        self.hidden = hidden;
        self
    }
    /// Sets the number of epochs.
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }
    /// Sets the learning rate.
    pub fn learning_rate(mut self, learning_rate: f64) -> Self {
        self.learning_rate = learning_rate;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks every setting; the error says which and what was given.
    pub fn validate(&self) -> Result<()> {
        if self.epochs > MAX_EPOCHS {
            return Err(Error::Config(format!(
                "epochs must be at most {MAX_EPOCHS}, got {}",
                self.epochs
            )));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(Error::Config(format!(
                "learning rate must be positive and finite, got {}",
                crate::error::short(self.learning_rate)
            )));
        }
        if let Some(pos) = self.hidden.iter().position(|&h| h == 0) {
            return Err(Error::Config(format!(
                "hidden layer {} has 0 units; every hidden layer needs at least 1 (use no hidden layer for logistic regression)",
                pos + 1
            )));
        }
        Ok(())
    }

    /// The freshly initialized network for inputs X (n_x × m) and targets Y (n_y × m),
    /// drawn from the seed's init stream.
    pub fn init_network(&self, x: ArrayView2<f64>, y: ArrayView2<f64>) -> Result<Network> {
        self.validate()?;
        let sizes = LayerSizes::from_data(x, y, &self.hidden);
        Network::init(
            &sizes,
            self.hidden_activation,
            Activation::Sigmoid,
            self.init,
            &mut rng(self.seed, Stream::Init),
        )
    }

    /// Initializes and trains a network on X (n_x × m) and Y (n_y × m).
    pub fn fit(
        &self,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Fitted> {
        let network = self.init_network(x, y)?;
        self.fit_from(network, x, y, on_epoch)
    }

    /// Trains `network` from its current parameters for `self.epochs` epochs. `on_epoch` is
    /// called after each update and may stop training early with `ControlFlow::Break`.
    pub fn fit_from(
        &self,
        mut network: Network,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        mut on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Fitted> {
        self.validate()?;
        check_shapes(&network, x, y)?;
        let mut optimizer = GradientDescent {
            learning_rate: self.learning_rate,
        };
        let mut history = Vec::with_capacity(self.epochs.min(1 << 20) + 1);
        for epoch in 0..self.epochs {
            let cache = network.forward(x);
            let loss = network.cost(&cache, y);
            if !loss.is_finite() {
                return Err(Error::Diverged {
                    epoch,
                    learning_rate: self.learning_rate,
                });
            }
            history.push(loss);
            let grads = network.backward(&cache, y);
            optimizer.step(&mut network, &grads);
            if on_epoch(EpochInfo {
                epoch: epoch + 1,
                epochs: self.epochs,
                loss,
                network: &network,
            })
            .is_break()
            {
                break;
            }
        }
        let final_loss = network.cost(&network.forward(x), y);
        if !final_loss.is_finite() || !network.is_finite() {
            return Err(Error::Diverged {
                epoch: history.len(),
                learning_rate: self.learning_rate,
            });
        }
        history.push(final_loss);
        Ok(Fitted { network, history })
    }
}

fn check_shapes(network: &Network, x: ArrayView2<f64>, y: ArrayView2<f64>) -> Result<()> {
    if x.nrows() != network.n_inputs() {
        return Err(Error::Invalid(format!(
            "X has {} features but the network expects {}",
            x.nrows(),
            network.n_inputs()
        )));
    }
    if x.ncols() != y.ncols() || x.ncols() == 0 {
        return Err(Error::Invalid(format!(
            "X has {} samples and Y has {}; need the same, at least 1",
            x.ncols(),
            y.ncols()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn validate_names_the_bad_setting() {
        let e = TrainConfig::default()
            .learning_rate(-0.1)
            .validate()
            .unwrap_err()
            .to_string();
        assert_eq!(e, "learning rate must be positive and finite, got -0.1");
        assert!(
            TrainConfig::default()
                .learning_rate(f64::NAN)
                .validate()
                .is_err()
        );
        assert!(TrainConfig::default().hidden(vec![0]).validate().is_err());
    }

    #[test]
    fn loss_decreases_on_a_separable_toy() {
        let x = array![[-2.0, -1.0, 1.0, 2.0]];
        let y = array![[0.0, 0.0, 1.0, 1.0]];
        let fitted = TrainConfig::default()
            .epochs(200)
            .fit(x.view(), y.view(), |_| ControlFlow::Continue(()))
            .unwrap();
        assert_eq!(fitted.history.len(), 201);
        assert!(fitted.history[200] < fitted.history[0] / 10.0);
    }

    #[test]
    fn diverging_training_is_an_error_naming_the_epoch() {
        // Every sample on the wrong side, huge inputs: the first step overflows the weight.
        let x = array![[1e300, -1e300]];
        let y = array![[0.0, 1.0]];
        let cfg = TrainConfig::default()
            .hidden(vec![])
            .learning_rate(1e300)
            .epochs(50);
        let e = cfg
            .fit(x.view(), y.view(), |_| ControlFlow::Continue(()))
            .unwrap_err();
        assert!(matches!(e, Error::Diverged { .. }), "{e}");
        assert!(e.to_string().contains("smaller learning rate"));
    }

    #[test]
    fn init_streams_do_not_depend_on_data_size() {
        let cfg = TrainConfig::default();
        let a = cfg
            .init_network(array![[0.0, 1.0]].view(), array![[0.0, 1.0]].view())
            .unwrap();
        let b = cfg
            .init_network(
                array![[0.0, 1.0, 2.0]].view(),
                array![[0.0, 1.0, 1.0]].view(),
            )
            .unwrap();
        assert_eq!(a, b);
    }
}
