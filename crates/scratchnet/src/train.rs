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
//!
//! With sample weights ([`Samples::weights`], see [`crate::weights`]) the cost of every batch,
//! of the validation set and of the final loss is the weighted J = (1/m)·Σ w̃·L, the weights
//! normalized once to mean 1 over the training rows (the validation rows' over theirs).

use std::ops::ControlFlow;

use ndarray::ArrayView2;
use rand::SeedableRng;
use rand::seq::SliceRandom;

use crate::collective::{Collective, Solo, share};
use crate::engine::{Engine, EngineKind, Fast, Reference};
use crate::nn::{Activation, Gradients, Init, LayerSizes, Network};
use crate::optim::{Optimizer, OptimizerKind, Schedule};
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
    /// The row permutations of a permutation importance ([`crate::importance`]).
    Permutations = 3,
    /// The draws of a random hyper-parameter search ([`crate::tune`]).
    Search = 4,
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
    /// L2 weight decay λ: adds (λ/2m)·Σ‖W‖² to the cost, m the number of training rows (also
    /// with mini-batches: every batch adds the whole set's penalty), biases not decayed. Default 0.
    pub l2: f64,
    /// How α changes over the epochs. Default constant.
    pub schedule: Schedule,
    /// Early stopping: stop after this many epochs without a lower validation loss and keep
    /// the best weights. Needs a validation set. Default `None`.
    pub patience: Option<usize>,
    /// What early stopping watches: the validation loss (default) or the validation score
    /// (accuracy, or R² for regression), as scikit-learn's `early_stopping=True` does.
    pub monitor: Monitor,
    /// The least change of the watched value that counts as an improvement for the patience
    /// (scikit-learn's `tol`): an epoch whose value is not better than the best by more than
    /// `tol` counts towards the patience (the best weights are still kept). Default 0.
    /// (scikit-learn also counts a gain of exactly `tol` as one; here it must exceed `tol`, so
    /// that 0 keeps the plain rule: a strictly better value.)
    pub tol: f64,
    /// The number type of training's arithmetic. Default f64; f32 computes forward and
    /// backward passes in f32 (faster GEMM: bench/README.md) on an f32 copy of the weights, while the
    /// weights themselves, the optimizer and the saved model stay f64.
    pub precision: Precision,
    /// Which engine runs forward, cost and backward: the fast one (default) or the readable
    /// reference ([`crate::engine::Reference`], f64 only). Both compute the same numbers: bit
    /// for bit on small layers in one thread, to rounding on GEMM-sized layers (see
    /// [`crate::engine`]).
    pub engine: EngineKind,
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
            other => Err(Error::unknown("precision", other, "f64, f32")),
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
            monitor: Monitor::Loss,
            tol: 0.0,
            precision: Precision::F64,
            engine: EngineKind::Fast,
        }
    }
}

/// What early stopping watches on the validation set ([`TrainConfig::monitor`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Monitor {
    /// The validation loss (with the L2 penalty): lower is better. The default.
    #[default]
    Loss,
    /// The validation score, higher is better: accuracy for classes (threshold 0.5 for two,
    /// the most probable class for more), R² for regression; each row counts its sample and
    /// class weight, as in the validation loss.
    Score,
}

impl std::str::FromStr for Monitor {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "loss" => Ok(Monitor::Loss),
            "score" => Ok(Monitor::Score),
            other => Err(Error::unknown("monitor", other, "loss, score")),
        }
    }
}

/// A set of samples to train on or to validate with: X (n_x × m), Y (n_y × m) and, optionally,
/// a weight per sample (m, finite, ≥ 0, not all 0; see [`crate::weights`]).
#[derive(Debug, Clone, Copy)]
pub struct Samples<'a> {
    /// Inputs X (n_x × m).
    pub x: ArrayView2<'a, f64>,
    /// Targets Y (n_y × m).
    pub y: ArrayView2<'a, f64>,
    /// How much each sample counts in the cost (m); `None`: every sample counts 1.
    pub weights: Option<&'a [f64]>,
}

impl<'a> Samples<'a> {
    /// Unweighted samples X (n_x × m) and Y (n_y × m).
    pub fn new(x: ArrayView2<'a, f64>, y: ArrayView2<'a, f64>) -> Self {
        Samples {
            x,
            y,
            weights: None,
        }
    }

    /// The same samples, each weighted by `weights` (m).
    pub fn weighted(self, weights: &'a [f64]) -> Self {
        Samples {
            weights: Some(weights),
            ..self
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
    /// Validation score after each epoch (e = 1…), when early stopping watched it
    /// ([`Monitor::Score`]).
    pub validation_scores: Vec<f64>,
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

    /// Checks every setting; the error names the setting and what was given.
    pub fn validate(&self) -> Result<()> {
        let bad = |setting, message: String| Err(Error::config(setting, message));
        if self.epochs > MAX_EPOCHS {
            return bad(
                "epochs",
                format!("must be at most {MAX_EPOCHS}, got {}", self.epochs),
            );
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            let got = crate::error::short(self.learning_rate);
            return bad(
                "learning_rate",
                format!("must be positive and finite, got {got}"),
            );
        }
        if self.hidden.len() > MAX_HIDDEN_LAYERS {
            return bad(
                "hidden",
                format!(
                    "has {} layers; at most {MAX_HIDDEN_LAYERS} hidden layers are allowed",
                    self.hidden.len()
                ),
            );
        }
        if let Some(pos) = self.hidden.iter().position(|&h| h == 0) {
            return bad(
                "hidden",
                format!(
                    "layer {} has 0 units; every hidden layer needs at least 1 (use no hidden layer for logistic regression)",
                    pos + 1
                ),
            );
        }
        if !self.hidden_activation.is_elementwise() {
            return bad("hidden_activation", "cannot be softmax: softmax can only be the output activation; hidden layers take tanh, relu, leaky-relu, sigmoid or identity".into());
        }
        if self.batch_size == Some(0) {
            return bad("batch_size", "must be at least 1, got 0".into());
        }
        if !(self.l2 >= 0.0 && self.l2.is_finite()) {
            return bad("l2", format!("must be ≥ 0, got {}", self.l2));
        }
        if self.patience == Some(0) {
            return bad("patience", "must be at least 1".into());
        }
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return bad(
                "tol",
                format!("must be a finite number ≥ 0, got {}", self.tol),
            );
        }
        if let Schedule::Step { every, gamma } = self.schedule {
            if every == 0 {
                return bad("lr_step", "must be at least 1, got 0".into());
            }
            if !(gamma > 0.0 && gamma <= 1.0) {
                return bad("lr_gamma", format!("must be in (0, 1], got {gamma}"));
            }
        }
        if self.engine == EngineKind::Reference && self.precision != Precision::F64 {
            return bad(
                "precision",
                "must be f64 with the reference engine (`engine`), which computes in f64 only"
                    .into(),
            );
        }
        self.optimizer.validate()
    }

    /// The freshly initialized network for inputs X (n_x × m) and targets Y (n_y × m),
    /// drawn from the seed's init stream.
    pub fn init_network(&self, x: ArrayView2<f64>, y: ArrayView2<f64>) -> Result<Network> {
        self.validate()?;
        self.init_network_checked(x, y)
    }

    /// Bytes that training these settings on m samples of n_x features and n_y outputs surely
    /// allocates, on top of the data: 8 bytes × (the parameters P × their copies — the weights,
    /// the gradients, the update, the optimizer's state (momentum 1, Adam 2), the best weights
    /// with early stopping — plus, per output and hidden unit, Z, A and dZ for a batch's rows
    /// and A for the training rows, whose loss every epoch reports).
    pub fn memory_need(&self, n_x: usize, n_y: usize, m: usize) -> u64 {
        let mut sizes = vec![n_x];
        sizes.extend(&self.hidden);
        sizes.push(n_y);
        let params = sizes.windows(2).fold(0usize, |p, w| {
            p.saturating_add((w[0] + 1).saturating_mul(w[1]))
        });
        let states = match self.optimizer {
            OptimizerKind::Gd => 0,
            OptimizerKind::Momentum { .. } | OptimizerKind::Nesterov { .. } => 1,
            OptimizerKind::Adam { .. } => 2,
        };
        let copies = 3 + states + u64::from(self.patience.is_some());
        let units = sizes[1..].iter().fold(0usize, |u, &n| u.saturating_add(n));
        let batch = self.batch_size.unwrap_or(m).min(m);
        let per_unit_rows = batch.saturating_mul(3).saturating_add(m);
        crate::memory::of(params, 8)
            .saturating_mul(copies)
            .saturating_add(crate::memory::of(units.saturating_mul(per_unit_rows), 8))
    }

    /// Refuses, before anything is allocated, settings whose training ([`TrainConfig::memory_need`]
    /// for `copies` trainings at once) needs more memory than the machine has available.
    pub fn check_memory(&self, n_x: usize, n_y: usize, m: usize, copies: usize) -> Result<()> {
        let need = self.memory_need(n_x, n_y, m).saturating_mul(copies as u64);
        let hidden: Vec<String> = self.hidden.iter().map(usize::to_string).collect();
        let what = match (copies, hidden.is_empty()) {
            (_, true) => format!("training a linear model on {m} samples"),
            (1, false) => format!("training hidden layers {} on {m} samples", hidden.join(",")),
            (k, false) => format!(
                "training {k} copies of hidden layers {} on {m} samples at once",
                hidden.join(",")
            ),
        };
        crate::memory::check(need, &what)
    }

    /// [`TrainConfig::init_network`] for settings already validated.
    pub(crate) fn init_network_checked(
        &self,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
    ) -> Result<Network> {
        check_output_for(self.output_activation, y.nrows())?;
        self.check_memory(x.nrows(), y.nrows(), x.ncols(), 1)?;
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
        self.validate()?;
        let network = self.init_network_checked(x, y)?;
        self.fit_checked(network, Samples::new(x, y), None, on_epoch)
    }

    /// Initializes and trains a network on X (n_x × m) and Y (n_y × m), each sample's loss
    /// weighted by `weights` (m): the cost is J = (1/m)·Σ_j w̃_j·L_j with w̃ the weights
    /// normalized to mean 1 (see [`crate::weights`]).
    pub fn fit_weighted(
        &self,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        weights: &[f64],
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Fitted> {
        self.validate()?;
        let network = self.init_network_checked(x, y)?;
        let train = Samples::new(x, y).weighted(weights);
        self.fit_checked(network, train, None, on_epoch)
    }

    /// Trains `network` from its current parameters for `self.epochs` epochs, on X (n_x × m)
    /// and Y (n_y × m), optionally watching a validation set (X_val, Y_val). `on_epoch` is
    /// called after each epoch and may stop training with `ControlFlow::Break`.
    pub fn fit_from(
        &self,
        network: Network,
        x: ArrayView2<f64>,
        y: ArrayView2<f64>,
        validation: Option<(ArrayView2<f64>, ArrayView2<f64>)>,
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Fitted> {
        self.validate()?;
        let validation = validation.map(|(x, y)| Samples::new(x, y));
        self.fit_checked(network, Samples::new(x, y), validation, on_epoch)
    }

    /// [`TrainConfig::fit_from`] with samples that may carry weights: trains `network` on
    /// `train`, watching `validation` (its loss weighted by its own weights, if any).
    pub fn fit_samples_from(
        &self,
        network: Network,
        train: Samples<'_>,
        validation: Option<Samples<'_>>,
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Fitted> {
        self.validate()?;
        self.fit_checked(network, train, validation, on_epoch)
    }

    /// [`TrainConfig::fit_samples_from`] for settings already validated: checks the data's
    /// shapes and weights, normalizes the weights, then runs the training loop on the chosen
    /// engine.
    pub(crate) fn fit_checked(
        &self,
        network: Network,
        train: Samples<'_>,
        validation: Option<Samples<'_>>,
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Fitted> {
        self.fit_checked_on(network, train, validation, on_epoch, &Solo)
    }

    /// [`TrainConfig::fit_checked`] as one of the processes of `group`, which hold the same
    /// data and network and train it together (see [`crate::collective`]).
    pub(crate) fn fit_checked_on(
        &self,
        network: Network,
        train: Samples<'_>,
        validation: Option<Samples<'_>>,
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
        group: &dyn Collective,
    ) -> Result<Fitted> {
        let (x, y) = (train.x, train.y);
        check_group(self.batch_size, x.ncols(), group.size())?;
        check_shapes(&network, x, y)?;
        if let Some(v) = validation {
            check_shapes(&network, v.x, v.y)?;
        }
        check_patience(self.patience, validation.is_some())?;
        // w̃ = w·m/Σw, once for the training rows and once for the validation rows
        let w = normalized_weights(train, "training rows")?;
        let w_val = validation
            .map(|v| normalized_weights(v, "validation rows"))
            .transpose()?
            .flatten();
        let x_rows = self.row_major(x);
        let x = x_rows.as_ref().map_or(x, |x| x.view());
        let (x_samples, y_samples) = (self.sample_major(x), self.sample_major(y));
        let data = Data {
            x,
            y,
            batch_x: x_samples.as_ref().map_or(x, |x| x.view()),
            batch_y: y_samples.as_ref().map_or(y, |y| y.view()),
            w: w.as_deref(),
            validation: validation.map(|v| Samples {
                weights: w_val.as_deref(),
                ..v
            }),
            group,
        };
        self.loop_on_engine(network, data, on_epoch)
    }
}

impl TrainConfig {
    /// The training loop on rows from any source (the streamed file of [`crate::stream`]), on
    /// the chosen engine, from `network`'s parameters.
    pub(crate) fn fit_rows<R: TrainingRows>(
        &self,
        network: Network,
        rows: R,
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Fitted> {
        self.validate()?;
        check_patience(self.patience, rows.has_validation())?;
        self.loop_on_engine(network, rows, on_epoch)
    }

    /// [`train_loop`] on the chosen engine.
    fn loop_on_engine<R: TrainingRows>(
        &self,
        network: Network,
        rows: R,
        on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
    ) -> Result<Fitted> {
        match self.engine {
            EngineKind::Reference => {
                train_loop(self, &mut Reference::new(), network, rows, on_epoch)
            }
            EngineKind::Fast => train_loop(
                self,
                &mut Fast::new(self.precision),
                network,
                rows,
                on_epoch,
            ),
        }
    }

    /// A full batch whose rows are not contiguous (a CSV's samples × features, seen
    /// transposed): one row-major copy, so that the small layers' row kernels can run, as
    /// long as it is at most 128 MB (bigger data keeps GEMM, which reads any layout).
    fn row_major(&self, x: ArrayView2<f64>) -> Option<ndarray::Array2<f64>> {
        let m = x.ncols();
        let full_batch = self.batch_size.is_none_or(|b| b >= m);
        (full_batch && m > 1 && x.strides()[1] != 1 && x.len() <= 1 << 24)
            .then(|| x.as_standard_layout().into_owned())
    }

    /// X or Y (n × m) for mini-batches to be gathered from, when its samples are not
    /// contiguous (a row-major X or Y, n > 1) and the copy is at most 128 MB: a sample-major copy
    /// (seen n × m, each sample's values side by side), so that gathering a sample reads one or
    /// two cache lines instead of one per row (W4 and W5 of `bench/README.md`: 12% and 20% of
    /// an epoch). Only the gathers read it: the same values, so the same results.
    fn sample_major(&self, x: ArrayView2<f64>) -> Option<ndarray::Array2<f64>> {
        let m = x.ncols();
        let mini_batches = self.batch_size.is_some_and(|b| b < m);
        (mini_batches && x.nrows() > 1 && x.strides()[0] != 1 && x.len() <= 1 << 24)
            .then(|| x.t().as_standard_layout().into_owned().reversed_axes())
    }
}

/// What the training loop keeps from one epoch to the next: the mini-batch order's random
/// stream, the optimizer's state (momentum, Adam's moments) and the epochs done.
#[derive(Debug)]
struct LoopState {
    batches: Batches,
    optimizer: Optimizer,
    epoch: usize,
}

impl LoopState {
    /// The state for m training rows, of which `at_once` are ordered at a time (m in memory;
    /// a block's rows when streamed, the order grown by the first block).
    fn new(cfg: &TrainConfig, m: usize, at_once: usize) -> Self {
        LoopState {
            batches: Batches::new(m, at_once, cfg.batch_size, cfg.seed),
            optimizer: cfg.optimizer.build(),
            epoch: 0,
        }
    }

    /// One epoch of the loop: [`run_epoch`] at this epoch's rate, then the divergence check.
    /// Returns the epoch's loss.
    fn epoch<E: Engine, R: TrainingRows>(
        &mut self,
        cfg: &TrainConfig,
        engine: &mut E,
        network: &mut Network,
        rows: &mut R,
    ) -> Result<f64> {
        let lr = cfg.schedule.rate(cfg.learning_rate, self.epoch, cfg.epochs);
        let step = EpochStep {
            cfg,
            optimizer: &mut self.optimizer,
            batches: &mut self.batches,
            lr,
        };
        let loss = rows.train_epoch(engine, network, step)?;
        check_diverged(loss, network, self.epoch, cfg.learning_rate)?;
        self.epoch += 1;
        Ok(loss)
    }
}

/// A training that stops after any number of epochs and goes on where it stopped (the
/// playground trains a few epochs per frame): the training loop's epochs with their state
/// (mini-batch order, optimizer moments) kept between calls, so `epochs(a)` then `epochs(b)`
/// gives the bits of one [`TrainConfig::fit_from`] of a + b epochs, for every optimizer and
/// batch size (tested). No validation set or early stopping; the learning-rate schedule
/// counts `epochs` of the settings as the whole run.
#[derive(Debug)]
pub struct Trainer {
    config: TrainConfig,
    network: Network,
    state: LoopState,
    fast: Fast,
    reference: Reference,
}

impl Trainer {
    /// Checks the settings and starts from `network` for `m` training rows.
    pub fn new(config: TrainConfig, network: Network, m: usize) -> Result<Trainer> {
        config.validate()?;
        Ok(Trainer {
            state: LoopState::new(&config, m, m),
            fast: Fast::new(config.precision),
            reference: Reference::new(),
            config,
            network,
        })
    }

    /// Trains `n` more epochs on X (n_x × m) and Y (n_y × m), the same rows every call;
    /// returns each epoch's loss (as [`Fitted::history`] holds them).
    pub fn epochs(&mut self, n: usize, x: ArrayView2<f64>, y: ArrayView2<f64>) -> Result<Vec<f64>> {
        check_shapes(&self.network, x, y)?;
        let x_rows = self.config.row_major(x);
        let x = x_rows.as_ref().map_or(x, |x| x.view());
        let (x_samples, y_samples) = (self.config.sample_major(x), self.config.sample_major(y));
        let mut data = Data {
            x,
            y,
            batch_x: x_samples.as_ref().map_or(x, |x| x.view()),
            batch_y: y_samples.as_ref().map_or(y, |y| y.view()),
            w: None,
            validation: None,
            group: &Solo,
        };
        let mut losses = Vec::with_capacity(n);
        for _ in 0..n {
            let loss = match self.config.engine {
                EngineKind::Fast => {
                    self.state
                        .epoch(&self.config, &mut self.fast, &mut self.network, &mut data)?
                }
                EngineKind::Reference => self.state.epoch(
                    &self.config,
                    &mut self.reference,
                    &mut self.network,
                    &mut data,
                )?,
            };
            losses.push(loss);
        }
        Ok(losses)
    }

    /// Epochs trained so far.
    pub fn epoch(&self) -> usize {
        self.state.epoch
    }

    /// The network as it is now.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The settings.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Replaces the network's parameters (same shapes; e.g. one weight nudged), keeping the
    /// optimizer's state and the batch order.
    pub fn set_network(&mut self, network: Network) -> Result<()> {
        if network.sizes() != self.network.sizes() {
            return Err(Error::Invalid(format!(
                "the network has sizes {:?}, not {:?}",
                network.sizes(),
                self.network.sizes()
            )));
        }
        self.network = network;
        Ok(())
    }
}

/// The checked, normalized weights w̃ of `samples` (mean 1 over its rows), if it has any.
fn normalized_weights(samples: Samples<'_>, what: &str) -> Result<Option<Vec<f64>>> {
    samples
        .weights
        .map(|w| {
            crate::weights::check_sample_weights(w, samples.x.ncols())?;
            crate::weights::normalized(w, what)
        })
        .transpose()
}

/// The data of one training: X (n_x × m), Y (n_y × m), the normalized sample weights w̃ (m),
/// if any, and the validation set (its weights normalized over its rows), if any.
#[derive(Clone, Copy)]
struct Data<'a> {
    x: ArrayView2<'a, f64>,
    y: ArrayView2<'a, f64>,
    /// X and Y as mini-batches are gathered from: the same values, maybe in another layout
    batch_x: ArrayView2<'a, f64>,
    batch_y: ArrayView2<'a, f64>,
    w: Option<&'a [f64]>,
    validation: Option<Samples<'a>>,
    /// the processes that share each step ([`Solo`] for one)
    group: &'a dyn Collective,
}

/// What one epoch's mini-batch steps need from the loop: the settings, the optimizer, the
/// batch order's random stream and this epoch's rate α.
pub(crate) struct EpochStep<'s> {
    cfg: &'s TrainConfig,
    optimizer: &'s mut Optimizer,
    batches: &'s mut Batches,
    lr: f64,
}

impl EpochStep<'_> {
    /// [`run_epoch`] on one block of samples X (n_x × n), Y, w̃ (normalized over all `m`
    /// training rows), its mini-batches from a fresh shuffle of the block's n rows (the batch
    /// stream goes on from block to block); the L2 penalty's m is `m`, the whole training
    /// set's. Returns the block's loss (its batches' mean, weighted by size).
    pub(crate) fn block<E: Engine>(
        &mut self,
        engine: &mut E,
        network: &mut Network,
        block: Samples<'_>,
        m: usize,
    ) -> f64 {
        self.batches.reorder(block.x.ncols());
        let data = Data {
            x: block.x,
            y: block.y,
            batch_x: block.x,
            batch_y: block.y,
            w: block.weights,
            validation: None,
            group: &Solo,
        };
        run_epoch_over(
            self.cfg,
            engine,
            network,
            self.optimizer,
            self.batches,
            data,
            self.lr,
            m,
        )
    }
}

/// Where the loop's rows come from: the samples in memory, or blocks read from a file
/// ([`crate::stream`]). The loop's policies are the same for both.
pub(crate) trait TrainingRows {
    /// m, the training rows.
    fn rows(&self) -> usize;
    /// How many rows an epoch's batch order holds at once: m in memory, 0 for blocks (each
    /// block orders its own rows, [`EpochStep::block`]).
    fn ordered_at_once(&self) -> usize;
    /// Whether there is a validation set.
    fn has_validation(&self) -> bool;
    /// The processes that share each step: [`Solo`] unless a group trains together.
    fn group(&self) -> &dyn Collective {
        &Solo
    }
    /// One epoch of steps over the training rows; the epoch's loss.
    fn train_epoch<E: Engine>(
        &mut self,
        engine: &mut E,
        network: &mut Network,
        step: EpochStep<'_>,
    ) -> Result<f64>;
    /// The validation set's cost, plus the L2 penalty of m training rows.
    fn validation_cost<E: Engine>(
        &mut self,
        engine: &mut E,
        network: &Network,
        l2: f64,
    ) -> Result<f64>;
    /// The validation set's score (what [`Monitor::Score`] watches).
    fn validation_score(&mut self, cfg: &TrainConfig, network: &Network) -> Result<f64>;
    /// The training rows' cost, plus the L2 penalty.
    fn training_cost<E: Engine>(
        &mut self,
        engine: &mut E,
        network: &Network,
        l2: f64,
    ) -> Result<f64>;
}

impl TrainingRows for Data<'_> {
    fn rows(&self) -> usize {
        self.x.ncols()
    }

    fn ordered_at_once(&self) -> usize {
        self.x.ncols()
    }

    fn has_validation(&self) -> bool {
        self.validation.is_some()
    }

    fn group(&self) -> &dyn Collective {
        self.group
    }

    fn train_epoch<E: Engine>(
        &mut self,
        engine: &mut E,
        network: &mut Network,
        step: EpochStep<'_>,
    ) -> Result<f64> {
        let EpochStep {
            cfg,
            optimizer,
            batches,
            lr,
        } = step;
        Ok(run_epoch(
            cfg, engine, network, optimizer, batches, *self, lr,
        ))
    }

    fn validation_cost<E: Engine>(
        &mut self,
        engine: &mut E,
        network: &Network,
        l2: f64,
    ) -> Result<f64> {
        let val = self
            .validation
            .ok_or_else(|| Error::Internal("no validation set".into()))?;
        Ok(penalized_cost(
            engine,
            network,
            val,
            l2,
            self.x.ncols(),
            self.group,
        ))
    }

    fn validation_score(&mut self, cfg: &TrainConfig, network: &Network) -> Result<f64> {
        let val = self
            .validation
            .ok_or_else(|| Error::Internal("no validation set".into()))?;
        validation_score(cfg, network, val)
    }

    fn training_cost<E: Engine>(
        &mut self,
        engine: &mut E,
        network: &Network,
        l2: f64,
    ) -> Result<f64> {
        let train = Samples {
            x: self.x,
            y: self.y,
            weights: self.w,
        };
        Ok(penalized_cost(
            engine,
            network,
            train,
            l2,
            self.x.ncols(),
            self.group,
        ))
    }
}

/// The training loop, written once for every engine and every source of rows: epochs of
/// [`run_epoch`], each followed by the policies (divergence, validation and early stopping,
/// the callback's cancellation), then the final loss.
pub(crate) fn train_loop<E: Engine, R: TrainingRows>(
    cfg: &TrainConfig,
    engine: &mut E,
    mut network: Network,
    mut data: R,
    mut on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
) -> Result<Fitted> {
    let mut state = LoopState::new(cfg, data.rows(), data.ordered_at_once());
    let mut history = Vec::with_capacity(cfg.epochs.min(1 << 20) + 1);
    let mut validation_history = Vec::new();
    let mut validation_scores = Vec::new();
    let mut early = EarlyStopping::new(cfg.patience, cfg.tol);
    let mut stopped_at = None;
    for epoch in 0..cfg.epochs {
        let loss = state.epoch(cfg, engine, &mut network, &mut data)?;
        history.push(loss);
        if data.has_validation() {
            let v = data.validation_cost(engine, &network, cfg.l2)?;
            validation_history.push(v);
            // early stopping minimizes: the loss, or minus the score
            let watched = match cfg.monitor {
                Monitor::Loss => v,
                Monitor::Score => {
                    let score = data.validation_score(cfg, &network)?;
                    validation_scores.push(score);
                    -score
                }
            };
            if early.should_stop(watched, epoch + 1, &network) {
                stopped_at = Some(epoch + 1);
            }
        }
        let info = EpochInfo {
            epoch: epoch + 1,
            epochs: cfg.epochs,
            loss,
            network: &network,
        };
        // every process stops at the same epoch when one of them is told to
        if data.group().any(on_epoch(info).is_break()) {
            stopped_at.get_or_insert(epoch + 1);
        }
        if stopped_at.is_some() {
            break;
        }
    }
    let best_epoch = early.restore_best(&mut network);
    let final_loss = data.training_cost(engine, &network, cfg.l2)?;
    check_diverged(final_loss, &network, history.len(), cfg.learning_rate)?;
    history.push(final_loss);
    Ok(Fitted {
        network,
        history,
        validation_history,
        validation_scores,
        best_epoch,
        stopped_at,
    })
}

/// The score of `net` on the validation set, each row counting its weight as in the validation
/// loss (sample and class weights): accuracy for classes (threshold 0.5 for two, the most
/// probable class for more), R² for regression (on the standardized target, which gives the R²
/// of the original units: R² is unchanged by an affine map of y).
fn validation_score(cfg: &TrainConfig, net: &Network, val: Samples<'_>) -> Result<f64> {
    let out = cfg.engine.predict_proba(net, val.x)?;
    if cfg.output_activation == Activation::Identity {
        let (predicted, truth) = (out.row(0).to_vec(), val.y.row(0).to_vec());
        return Ok(crate::metrics::r2(&predicted, &truth, val.weights));
    }
    let truth = crate::nn::classes_of(&val.y.to_owned());
    let predicted = crate::nn::classes_of(&out);
    Ok(crate::metrics::accuracy(&predicted, &truth, val.weights))
}

/// The cost of a whole set (weighted by its normalized weights, if any) plus the L2 penalty:
/// J + (λ/2m)·Σ‖W‖², m the number of training rows (the validation loss and the final
/// training loss). In a group, each process costs its share of the rows.
fn penalized_cost<E: Engine>(
    engine: &mut E,
    net: &Network,
    set: Samples<'_>,
    l2: f64,
    m: usize,
    group: &dyn Collective,
) -> f64 {
    shared_cost(engine, net, set, group) + l2_penalty(net, l2, m)
}

/// J of a whole set; in a group of processes, Σ_r (m_r/m)·J_r over each one's share of the
/// rows, summed in rank order (one process: J itself).
fn shared_cost<E: Engine>(
    engine: &mut E,
    net: &Network,
    set: Samples<'_>,
    group: &dyn Collective,
) -> f64 {
    if group.size() == 1 {
        return engine.cost(net, set.x, set.y, set.weights);
    }
    let m = set.x.ncols();
    let mine = share(m, group.rank(), group.size());
    let mut total = [0.0];
    if !mine.is_empty() {
        let cols = ndarray::s![.., mine.clone()];
        let w = set.weights.map(|w| &w[mine.clone()]);
        let j = engine.cost(net, set.x.slice(cols), set.y.slice(cols), w);
        total[0] = j * (mine.len() as f64 / m as f64);
    }
    group.sum(&mut total);
    total[0]
}

/// A group of `size` processes needs at least one row per process in every full batch.
fn check_group(batch_size: Option<usize>, m: usize, size: usize) -> Result<()> {
    let batch = batch_size.unwrap_or(m).min(m);
    if batch < size {
        return Err(Error::config(
            "batch_size",
            format!(
                "of {batch} rows is less than the {size} processes, and every process needs a row of each batch; use a batch of at least {size} rows or fewer processes"
            ),
        ));
    }
    Ok(())
}

/// One step's forward and backward pass, J returned and ∂J/∂θ left in the engine: the plain
/// [`Engine::step`] on one process; in a group, this process's slice of the batch
/// ([`share`]), its J and gradients scaled by its share b_r/b and summed over the processes
/// in rank order, so every process holds the batch's J and gradients (see
/// [`crate::collective`]).
fn shared_step<E: Engine>(
    engine: &mut E,
    network: &Network,
    data: Data<'_>,
    batch: Option<&[usize]>,
) -> f64 {
    let group = data.group;
    if group.size() == 1 {
        // mini-batches are gathered from batch_x/batch_y (the same values, maybe sample-major)
        let (x, y) = match batch {
            Some(_) => (data.batch_x, data.batch_y),
            None => (data.x, data.y),
        };
        return engine.step(network, x, y, data.w, batch);
    }
    let b = batch.map_or(data.x.ncols(), <[usize]>::len);
    let mine = share(b, group.rank(), group.size());
    let sizes = network.sizes();
    let params: usize = sizes.windows(2).map(|w| (w[0] + 1) * w[1]).sum();
    let mut packed = vec![0.0; 1 + params];
    if !mine.is_empty() {
        let j = match batch {
            Some(rows) => {
                let rows = Some(&rows[mine.clone()]);
                engine.step(network, data.batch_x, data.batch_y, data.w, rows)
            }
            None => {
                let cols = ndarray::s![.., mine.clone()];
                let w = data.w.map(|w| &w[mine.clone()]);
                engine.step(network, data.x.slice(cols), data.y.slice(cols), w, None)
            }
        };
        let scale = mine.len() as f64 / b as f64;
        packed[0] = j * scale;
        let gradients = gradient_values(engine.gradients());
        packed[1..]
            .iter_mut()
            .zip(gradients)
            .for_each(|(p, g)| *p = *g * scale);
    }
    group.sum(&mut packed);
    let gradients = gradient_values(engine.gradients());
    gradients.zip(&packed[1..]).for_each(|(g, p)| *g = *p);
    packed[0]
}

/// Every gradient number, layer by layer: dW (row by row), then db.
fn gradient_values(g: &mut Gradients) -> impl Iterator<Item = &mut f64> {
    g.layers
        .iter_mut()
        .flat_map(|l| l.dw.iter_mut().chain(l.db.iter_mut()))
}

/// One epoch: one step on the full batch (the tutorial), or one per mini-batch of a fresh
/// shuffle. Returns the epoch's loss (mini-batches: their mean, weighted by size).
fn run_epoch<E: Engine>(
    cfg: &TrainConfig,
    engine: &mut E,
    network: &mut Network,
    optimizer: &mut Optimizer,
    batches: &mut Batches,
    data: Data<'_>,
    lr: f64,
) -> f64 {
    let m = data.x.ncols();
    run_epoch_over(cfg, engine, network, optimizer, batches, data, lr, m)
}

/// [`run_epoch`] on `data`, the L2 penalty's m given (the whole training set's rows, of which
/// `data` may be one block).
#[allow(clippy::too_many_arguments)]
fn run_epoch_over<E: Engine>(
    cfg: &TrainConfig,
    engine: &mut E,
    network: &mut Network,
    optimizer: &mut Optimizer,
    batches: &mut Batches,
    data: Data<'_>,
    lr: f64,
    m: usize,
) -> f64 {
    // the penalty is the whole training set's, (λ/2m)·Σ‖W‖² with m its rows, on every batch:
    // a mini-batch's J_b + (λ/2m)·Σ‖W‖² estimates the same objective as the full batch, so λ
    // means the same whatever the batch size, and weighs less the more rows there are
    let mut step = |batch: Option<&[usize]>| {
        // forward, J, backward; then J += (λ/2m)·Σ‖W‖², dW += (λ/m)·W; then θ := update(θ, dθ, α)
        let loss = shared_step(engine, network, data, batch) + l2_penalty(network, cfg.l2, m);
        add_l2_gradient(engine.gradients(), network, cfg.l2, m);
        optimizer.step(network, engine.gradients(), lr);
        loss
    };
    match batches.next_epoch() {
        None => step(None),
        Some((order, size)) => {
            let weighted = order.chunks(size).fold(0.0, |sum, chunk| {
                sum + step(Some(chunk)) * chunk.len() as f64
            });
            weighted / order.len() as f64
        }
    }
}

/// The order of the samples for mini-batches, reshuffled every epoch from the seed's batch
/// stream; `None` for full-batch training.
#[derive(Debug)]
struct Batches {
    order: Vec<usize>,
    size: usize,
    rng: Rng,
}

impl Batches {
    fn new(m: usize, at_once: usize, batch_size: Option<usize>, seed: u64) -> Self {
        let size = batch_size.unwrap_or(m).min(m);
        let order = if size < m {
            (0..at_once).collect()
        } else {
            Vec::new()
        };
        Batches {
            order,
            size,
            rng: rng(seed, Stream::Batches),
        }
    }

    /// The rows of the next block to shuffle: 0..n (full batches of a block larger than the
    /// batch size; a smaller block is one batch), the random stream kept.
    fn reorder(&mut self, n: usize) {
        self.order.clear();
        if self.size < n {
            self.order.extend(0..n);
        }
    }

    /// This epoch's shuffled order and batch size, or `None` for one full batch.
    fn next_epoch(&mut self) -> Option<(&[usize], usize)> {
        if self.order.is_empty() {
            return None;
        }
        self.order.shuffle(&mut self.rng);
        Some((&self.order, self.size))
    }
}

/// Early stopping: remembers the network with the lowest watched value (the validation loss,
/// or minus the score) and says when `patience` epochs have passed without a value lower than
/// the best by more than `tol` (with `tol` 0: without a lower one).
struct EarlyStopping {
    patience: Option<usize>,
    tol: f64,
    best: Option<(f64, usize, Network)>,
    /// The epoch of the last improvement by more than `tol`.
    last_gain: usize,
}

impl EarlyStopping {
    fn new(patience: Option<usize>, tol: f64) -> Self {
        EarlyStopping {
            patience,
            tol,
            best: None,
            last_gain: 0,
        }
    }

    /// Records the watched value after `epoch`; true when training should stop.
    fn should_stop(&mut self, value: f64, epoch: usize, network: &Network) -> bool {
        let Some(patience) = self.patience else {
            return false;
        };
        // NaN is never lower
        let lower = |than: f64| value.partial_cmp(&than) == Some(std::cmp::Ordering::Less);
        let best = self.best.as_ref().map(|(b, _, _)| *b);
        if best.is_none_or(|b| lower(b - self.tol)) {
            self.last_gain = epoch;
        }
        if best.is_none_or(lower) {
            self.best = Some((value, epoch, network.clone()));
        }
        epoch - self.last_gain >= patience
    }

    /// Puts the best network back (with a patience); returns its epoch.
    fn restore_best(self, network: &mut Network) -> Option<usize> {
        let (_, epoch, best) = self.best?;
        *network = best;
        Some(epoch)
    }
}

/// The output activation must suit Y's rows: sigmoid (binary cross-entropy) one row of 0/1,
/// softmax (categorical cross-entropy) k ≥ 2 one-hot rows; identity takes any.
fn check_output_for(output: Activation, rows: usize) -> Result<()> {
    let fits = match output {
        Activation::Sigmoid => rows == 1,
        Activation::Softmax => rows >= 2,
        _ => true,
    };
    if fits {
        return Ok(());
    }
    Err(Error::config(
        "output_activation",
        format!(
            "{output} does not fit Y with {rows} row(s): sigmoid takes one row (two classes), \
             softmax one-hot rows for k ≥ 2 classes (the estimator picks the output from the labels)"
        ),
    ))
}

/// A share of the rows (`setting`: test or validation) must be in [0, 1).
pub(crate) fn check_fraction(setting: &'static str, fraction: f64) -> Result<()> {
    if (0.0..1.0).contains(&fraction) {
        Ok(())
    } else {
        Err(Error::config(
            setting,
            format!("must be in [0, 1), got {fraction}"),
        ))
    }
}

/// Early stopping watches a validation set, so it needs one.
pub(crate) fn check_patience(patience: Option<usize>, has_validation: bool) -> Result<()> {
    if patience.is_some() && !has_validation {
        return Err(Error::config(
            "patience",
            "needs a validation set (`validation`: the fraction of training rows it watches)",
        ));
    }
    Ok(())
}

/// Most hidden layers a network may have (training settings and model files): far more than
/// any useful network, few enough that messages and tables stay bounded.
pub const MAX_HIDDEN_LAYERS: usize = 1000;

/// The size past which a loss or a parameter counts as diverged: a finite blow-up (Adam with a
/// huge learning rate walks the weights to 1e200 without ever reaching infinity) is as broken as
/// NaN, and its model's outputs would not be finite either.
pub const DIVERGENCE_LIMIT: f64 = 1e100;

/// Divergence: the loss or a weight stopped being a finite number, or its size passed
/// [`DIVERGENCE_LIMIT`].
fn check_diverged(loss: f64, network: &Network, epoch: usize, learning_rate: f64) -> Result<()> {
    if loss.abs() <= DIVERGENCE_LIMIT && network.is_within(DIVERGENCE_LIMIT) {
        Ok(())
    } else {
        Err(Error::Diverged {
            epoch,
            learning_rate,
        })
    }
}

/// `dW_l += (λ/m)·W_l` for every layer: the gradient of the L2 penalty.
pub fn add_l2_gradient(grads: &mut Gradients, net: &Network, l2: f64, m: usize) {
    if l2 > 0.0 {
        let k = l2 / m.max(1) as f64;
        for (g, layer) in grads.layers.iter_mut().zip(net.layers()) {
            g.dw.scaled_add(k, layer.w());
        }
    }
}

/// The L2 penalty `(λ/2m)·Σ_l ‖W_l‖²` (weights only, not biases).
pub fn l2_penalty(net: &Network, l2: f64, m: usize) -> f64 {
    if l2 == 0.0 {
        return 0.0;
    }
    let sum: f64 = net
        .layers()
        .iter()
        .map(|l| l.w().iter().map(|w| w * w).sum::<f64>())
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
    let n_y = network.layers().last().map_or(0, |l| l.n_out());
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
    fn a_trainer_in_steps_is_one_run_bit_for_bit() {
        let data = crate::data::synth::flower(200, &mut rng(3, Stream::Data)).unwrap();
        let (x, y) = (data.x.view(), data.y());
        let base = TrainConfig::default().epochs(60).hidden(vec![5, 3]);
        let momentum = OptimizerKind::Momentum { momentum: 0.9 };
        let configs = [
            base.clone(),
            TrainConfig {
                optimizer: OptimizerKind::ADAM,
                batch_size: Some(32),
                l2: 0.5,
                learning_rate: 0.01,
                ..base.clone()
            },
            TrainConfig {
                optimizer: momentum,
                batch_size: Some(50),
                learning_rate: 0.05,
                engine: EngineKind::Reference,
                ..base.clone()
            },
        ];
        for cfg in configs {
            let start = cfg.init_network(x, y.view()).unwrap();
            let whole = cfg
                .fit_from(start.clone(), x, y.view(), None, |_| {
                    ControlFlow::Continue(())
                })
                .unwrap();
            let mut trainer = Trainer::new(cfg.clone(), start, x.ncols()).unwrap();
            let mut losses = Vec::new();
            for n in [1, 9, 20, 30] {
                losses.extend(trainer.epochs(n, x, y.view()).unwrap());
            }
            assert_eq!(trainer.epoch(), 60);
            assert_eq!(trainer.network(), &whole.network, "{:?}", cfg.optimizer);
            assert_eq!(losses[..], whole.history[..60]);
        }
        let mut t =
            Trainer::new(base.clone(), base.init_network(x, y.view()).unwrap(), 200).unwrap();
        let other = base
            .clone()
            .hidden(vec![2])
            .init_network(x, y.view())
            .unwrap();
        assert!(t.set_network(other).is_err());
        assert!(
            t.epochs(1, x.slice(ndarray::s![..1, ..]), y.view())
                .is_err()
        );
    }

    #[test]
    fn validate_names_the_bad_setting() {
        let e = TrainConfig::default()
            .learning_rate(-0.1)
            .validate()
            .unwrap_err()
            .to_string();
        assert_eq!(e, "learning_rate must be positive and finite, got -0.1");
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
    fn a_sigmoid_output_refuses_one_hot_targets() {
        // three one-hot rows with the default sigmoid output: three independent sigmoids and
        // binary cross-entropy, not the softmax the data asks for
        let x = array![[0.0, 1.0, 2.0]];
        let y = array![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let e = TrainConfig::default()
            .fit(x.view(), y.view(), |_| ControlFlow::Continue(()))
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Config {
                    setting: "output_activation",
                    ..
                }
            ),
            "{e}"
        );
        let softmax = TrainConfig {
            output_activation: Activation::Softmax,
            ..TrainConfig::default().epochs(10)
        };
        assert!(
            softmax
                .fit(x.view(), y.view(), |_| ControlFlow::Continue(()))
                .is_ok()
        );
        let one_row = array![[0.0, 1.0, 1.0]];
        assert!(
            softmax
                .fit(x.view(), one_row.view(), |_| ControlFlow::Continue(()))
                .is_err()
        );
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
