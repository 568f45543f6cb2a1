//! Training: settings → checked settings → trained network (the tutorial's loop over epochs).
//!
//! ```text
//! for epoch in 1…N:
//!     for each mini-batch (X_b, Y_b) (the whole set by default, as in the tutorial):
//!         cache = forward(X_b)              Z1 A1 Z2 A2
//!         J     = cost(A2, Y_b) + (λ/2m)·Σ‖W‖²
//!         grads = backward(cache, Y_b)      dW1 db1 dW2 db2, plus (λ/m)·W on each dW
//!         θ    := optimizer(θ, dθ, α_epoch)
//!     with a validation set: keep the weights of the lowest validation loss; stop after
//!     `patience` epochs without improvement
//! ```

use std::ops::ControlFlow;

use ndarray::ArrayView2;
use rand::SeedableRng;
use rand::seq::SliceRandom;

use crate::nn::{Activation, Gradients, Init, LayerSizes, Network, Split};
use crate::optim::{OptimizerKind, Schedule};
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
    /// The order of mini-batches, reshuffled every epoch.
    Batches = 2,
}

/// The generator for `purpose` under `seed`.
pub fn rng(seed: u64, purpose: Stream) -> Rng {
    let mut r = Rng::seed_from_u64(seed);
    r.set_stream(purpose as u64);
    r
}

/// Most epochs one training may run.
pub const MAX_EPOCHS: usize = 100_000_000;

/// Training settings. Defaults are the tutorial's: one hidden layer of 4 tanh units,
/// small-uniform weights, 10,000 epochs of full-batch gradient descent at α = 1.2, seed 69.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Units per hidden layer; empty means no hidden layer (logistic/softmax/linear
    /// regression). Default `[4]`.
    pub hidden: Vec<usize>,
    /// Activation of the hidden layers. Default tanh.
    pub hidden_activation: Activation,
    /// Activation of the output layer, which also picks the loss: sigmoid (two classes),
    /// softmax (more), identity (regression). Default sigmoid.
    pub output_activation: Activation,
    /// Weight initialization; `None` picks by activation (see [`TrainConfig::init_for`]).
    pub init: Option<Init>,
    /// Number of epochs (0 keeps the initial weights). Default 10,000.
    pub epochs: usize,
    /// Learning rate α. Default 1.2.
    pub learning_rate: f64,
    /// The seed of every random choice. Default 69.
    pub seed: u64,
    /// The update rule. Default plain gradient descent.
    pub optimizer: OptimizerKind,
    /// Samples per mini-batch; `None` is full-batch (the tutorial). Default `None`.
    pub batch_size: Option<usize>,
    /// L2 weight decay λ: adds (λ/2m)·Σ‖W‖² to the cost (biases are not decayed). Default 0.
    pub l2: f64,
    /// How α changes over the epochs. Default constant.
    pub schedule: Schedule,
    /// Early stopping: stop after this many epochs without a lower validation loss and keep
    /// the best weights. Needs a validation set. Default `None`.
    pub patience: Option<usize>,
    /// The number type of training's arithmetic. Default f64; f32 computes forward and
    /// backward passes in f32 (GEMM twice as fast) on an f32 copy of the weights, while the
    /// weights themselves, the optimizer and the saved model stay f64.
    pub precision: Precision,
}

/// The number type training computes in (`--precision`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Precision {
    /// 64-bit floats everywhere (the default; the tutorial's numbers).
    #[default]
    F64,
    /// 32-bit forward and backward passes, f64 weights and updates.
    F32,
}

impl Precision {
    /// `f64` or `f32`.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F64 => "f64",
            Precision::F32 => "f32",
        }
    }
}

impl std::str::FromStr for Precision {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "f64" => Ok(Precision::F64),
            "f32" => Ok(Precision::F32),
            other => Err(Error::Config(format!(
                "unknown precision `{other}`; expected f64 or f32"
            ))),
        }
    }
}

/// The per-batch engine of one precision.
#[derive(Debug)]
enum Engine {
    F64(Split),
    F32(Split<f32>),
}

impl Engine {
    fn new(precision: Precision, net: &Network, m: usize) -> Self {
        match precision {
            Precision::F64 => Engine::F64(Split::new(net, m)),
            Precision::F32 => Engine::F32(Split::for_network(net, m)),
        }
    }

    fn step(
        &mut self,
        net: &Network,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        idx: Option<&[usize]>,
    ) -> f64 {
        match self {
            Engine::F64(s) => s.step(net, x, y, idx),
            Engine::F32(s) => s.step(net, x, y, idx),
        }
    }

    fn grads(&self) -> &Gradients {
        match self {
            Engine::F64(s) => s.grads(),
            Engine::F32(s) => s.grads(),
        }
    }

    fn grads_mut(&mut self) -> &mut Gradients {
        match self {
            Engine::F64(s) => s.grads_mut(),
            Engine::F32(s) => s.grads_mut(),
        }
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            hidden: vec![4],
            hidden_activation: Activation::Tanh,
            output_activation: Activation::Sigmoid,
            init: None,
            epochs: 10_000,
            learning_rate: 1.2,
            seed: 69,
            optimizer: OptimizerKind::Gd,
            batch_size: None,
            l2: 0.0,
            schedule: Schedule::Constant,
            patience: None,
            precision: Precision::F64,
        }
    }
}

/// One epoch's progress, passed to the training callback after each epoch.
#[derive(Debug, Clone, Copy)]
pub struct EpochInfo<'a> {
    /// Epochs done so far, 1…epochs.
    pub epoch: usize,
    /// Total epochs.
    pub epochs: usize,
    /// The training loss of this epoch (full batch: before its update; mini-batches: the mean
    /// over the epoch's batches).
    pub loss: f64,
    /// The network after `epoch` epochs.
    pub network: &'a Network,
}

/// A trained network and its loss history.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// The trained network (with early stopping: the best one by validation loss).
    pub network: Network,
    /// `history[e]` is the training loss after e epochs, e = 0…epochs (epochs + 1 values;
    /// fewer when training stopped early).
    pub history: Vec<f64>,
    /// Validation loss after each epoch (e = 1…), when there was a validation set.
    pub validation_history: Vec<f64>,
    /// With early stopping: the epoch whose weights were kept.
    pub best_epoch: Option<usize>,
    /// The epoch at which training stopped before `epochs` (early stopping or the callback).
    pub stopped_at: Option<usize>,
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

    /// The initialization used: the chosen one, or by default small-uniform (the tutorial's)
    /// for one tanh/sigmoid hidden layer or none, Xavier for deeper tanh/sigmoid/identity
    /// stacks, He for ReLU and leaky ReLU.
    pub fn init_for(&self) -> Init {
        self.init.unwrap_or(match self.hidden_activation {
            Activation::Relu | Activation::LeakyRelu => Init::He,
            _ if self.hidden.len() <= 1 => Init::SmallUniform,
            _ => Init::Xavier,
        })
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
        if !self.hidden_activation.is_elementwise() {
            return Err(Error::Config(
                "softmax can only be the output activation; hidden layers take tanh, relu, leaky-relu, sigmoid or identity".into(),
            ));
        }
        if self.batch_size == Some(0) {
            return Err(Error::Config(
                "--batch-size must be at least 1, got 0".into(),
            ));
        }
        if !(self.l2 >= 0.0 && self.l2.is_finite()) {
            return Err(Error::Config(format!("--l2 must be ≥ 0, got {}", self.l2)));
        }
        if self.patience == Some(0) {
            return Err(Error::Config("--patience must be at least 1".into()));
        }
        if let Schedule::Step { every, gamma } = self.schedule
            && (every == 0 || !(gamma > 0.0 && gamma <= 1.0))
        {
            return Err(Error::Config(format!(
                "step schedule needs --lr-step ≥ 1 and 0 < --lr-gamma ≤ 1, got {every} and {gamma}"
            )));
        }
        self.optimizer.validate()
    }

    /// The freshly initialized network for inputs X (n_x × m) and targets Y (n_y × m),
    /// drawn from the seed's init stream.
    pub fn init_network(&self, x: ArrayView2<f64>, y: ArrayView2<f64>) -> Result<Network> {
        self.validate()?;
        let sizes = LayerSizes::from_data(x, y, &self.hidden);
        Network::init(
            &sizes,
            self.hidden_activation,
            self.output_activation,
            self.init_for(),
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
        self.fit_from(network, x, y, None, on_epoch)
    }

    /// Trains `network` from its current parameters for `self.epochs` epochs, on X (n_x × m)
    /// and Y (n_y × m), optionally watching a validation set (X_val, Y_val). `on_epoch` is
    /// called after each epoch and may stop training with `ControlFlow::Break`.
    pub fn fit_from(
        &self,
        mut network: Network,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        validation: Option<(ArrayView2<f64>, ArrayView2<f64>)>,
        mut on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Fitted> {
        self.validate()?;
        check_shapes(&network, x, y)?;
        if let Some((xv, yv)) = validation {
            check_shapes(&network, xv, yv)?;
        }
        if self.patience.is_some() && validation.is_none() {
            return Err(Error::Config(
                "--patience needs a validation set (--validation FRACTION)".into(),
            ));
        }
        let m = x.ncols();
        let batch = self.batch_size.unwrap_or(m).min(m);
        // Full batch on X whose rows are not contiguous (a CSV's samples × features, seen
        // transposed): one row-major copy, so the small layers' row kernels can run, as long
        // as it is at most 128 MB (bigger data keeps GEMM, which reads any layout).
        let x_rows;
        let x = if batch >= m && x.ncols() > 1 && x.strides()[1] != 1 && x.len() <= 1 << 24 {
            x_rows = x.as_standard_layout().into_owned();
            x_rows.view()
        } else {
            x
        };
        let mut order: Vec<usize> = (0..m).collect();
        let mut batch_rng = rng(self.seed, Stream::Batches);
        let mut optimizer = self.optimizer.build();
        let mut history = Vec::with_capacity(self.epochs.min(1 << 20) + 1);
        let mut validation_history = Vec::new();
        let mut best: Option<(f64, usize, Network)> = None;
        let mut workspace: Option<Engine> = None;
        let mut last_batch: Option<Engine> = None;
        let mut stopped_at = None;
        for epoch in 0..self.epochs {
            let lr = self.schedule.rate(self.learning_rate, epoch, self.epochs);
            let loss = if batch >= m {
                // full batch: every buffer allocated once, before the first epoch
                let sp = workspace.get_or_insert_with(|| Engine::new(self.precision, &network, m));
                let loss = sp.step(&network, x, y, None) + l2_penalty(&network, self.l2, m);
                add_l2_gradient(sp.grads_mut(), &network, self.l2, m);
                optimizer.step(&mut network, sp.grads(), lr);
                loss
            } else {
                order.shuffle(&mut batch_rng);
                let mut weighted = 0.0;
                for chunk in order.chunks(batch) {
                    // the last batch may be smaller: it gets its own buffers, made once
                    let sp = if chunk.len() == batch {
                        workspace
                            .get_or_insert_with(|| Engine::new(self.precision, &network, batch))
                    } else {
                        last_batch.get_or_insert_with(|| {
                            Engine::new(self.precision, &network, chunk.len())
                        })
                    };
                    let n = chunk.len();
                    let loss =
                        sp.step(&network, x, y, Some(chunk)) + l2_penalty(&network, self.l2, n);
                    add_l2_gradient(sp.grads_mut(), &network, self.l2, n);
                    optimizer.step(&mut network, sp.grads(), lr);
                    weighted += loss * n as f64;
                }
                weighted / m as f64
            };
            if !loss.is_finite() || !network.is_finite() {
                return Err(Error::Diverged {
                    epoch,
                    learning_rate: self.learning_rate,
                });
            }
            history.push(loss);
            if let Some((xv, yv)) = validation {
                let v = self.cost(&network, xv, yv);
                validation_history.push(v);
                if best.as_ref().is_none_or(|b| v < b.0) {
                    best = Some((v, epoch + 1, network.clone()));
                } else if let (Some(p), Some(b)) = (self.patience, &best)
                    && epoch + 1 - b.1 >= p
                {
                    stopped_at = Some(epoch + 1);
                }
            }
            let stop = on_epoch(EpochInfo {
                epoch: epoch + 1,
                epochs: self.epochs,
                loss,
                network: &network,
            })
            .is_break();
            if stop && stopped_at.is_none() {
                stopped_at = Some(epoch + 1);
            }
            if stopped_at.is_some() {
                break;
            }
        }
        let mut best_epoch = None;
        if let (Some(_), Some((_, e, net))) = (self.patience, best) {
            network = net;
            best_epoch = Some(e);
        }
        let final_loss = self.cost(&network, x, y);
        if !final_loss.is_finite() || !network.is_finite() {
            return Err(Error::Diverged {
                epoch: history.len(),
                learning_rate: self.learning_rate,
            });
        }
        history.push(final_loss);
        Ok(Fitted {
            network,
            history,
            validation_history,
            best_epoch,
            stopped_at,
        })
    }

    /// The cost J plus the L2 penalty (λ/2m)·Σ‖W‖² of `net` on (X, Y).
    pub fn cost(&self, net: &Network, x: ArrayView2<f64>, y: ArrayView2<f64>) -> f64 {
        net.output_and_cost(x, y).1 + l2_penalty(net, self.l2, x.ncols())
    }
}

/// `dW_l += (λ/m)·W_l` for every layer: the gradient of the L2 penalty.
pub fn add_l2_gradient(grads: &mut Gradients, net: &Network, l2: f64, m: usize) {
    if l2 > 0.0 {
        let k = l2 / m.max(1) as f64;
        for (g, layer) in grads.layers.iter_mut().zip(&net.layers) {
            g.dw.scaled_add(k, &layer.w);
        }
    }
}

/// The L2 penalty `(λ/2m)·Σ_l ‖W_l‖²` (weights only, not biases).
pub fn l2_penalty(net: &Network, l2: f64, m: usize) -> f64 {
    if l2 == 0.0 {
        return 0.0;
    }
    let sum: f64 = net
        .layers
        .iter()
        .map(|l| l.w.iter().map(|w| w * w).sum::<f64>())
        .sum();
    l2 / (2.0 * m.max(1) as f64) * sum
}

fn check_shapes(network: &Network, x: ArrayView2<f64>, y: ArrayView2<f64>) -> Result<()> {
    if x.nrows() != network.n_inputs() {
        return Err(Error::Invalid(format!(
            "X has {} features but the network expects {}",
            x.nrows(),
            network.n_inputs()
        )));
    }
    let n_y = network.layers.last().map_or(0, |l| l.n_out());
    if y.nrows() != n_y {
        return Err(Error::Invalid(format!(
            "Y has {} rows but the network has {n_y} outputs",
            y.nrows()
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
    fn f32_training_learns_the_flower_like_f64_and_repeats_exactly() {
        let data = crate::data::synth::flower(400, &mut rng(1, Stream::Data)).unwrap();
        let (x, y) = (data.x.view(), data.y());
        let run = |precision, batch| {
            let cfg = TrainConfig {
                precision,
                batch_size: batch,
                ..TrainConfig::default().epochs(3000)
            };
            cfg.fit(x, y.view(), |_| ControlFlow::Continue(())).unwrap()
        };
        for batch in [None, Some(100)] {
            let f64_run = run(Precision::F64, batch);
            let f32_run = run(Precision::F32, batch);
            assert_eq!(f32_run.network, run(Precision::F32, batch).network);
            assert_ne!(f32_run.network, f64_run.network);
            let (a, b) = (f64_run.history[3000], f32_run.history[3000]);
            assert!((a - b).abs() < 1e-3, "final loss f64 {a} vs f32 {b}");
            let agree = f64_run
                .network
                .predict(x)
                .iter()
                .zip(f32_run.network.predict(x).iter())
                .filter(|(p, q)| p == q)
                .count();
            assert!(agree >= 396, "{agree} of 400 predictions agree");
        }
        assert_eq!("f32".parse::<Precision>().unwrap(), Precision::F32);
        assert!("f16".parse::<Precision>().is_err());
    }

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
