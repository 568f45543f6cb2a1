//! Named sets of training settings: the tutorial's, and defaults for real tables.
//!
//! [`Preset::Tutorial`] is the tutorial exactly: one hidden layer of 4 tanh units,
//! small-uniform weights, 10,000 epochs of full-batch gradient descent at α = 1.2, no
//! validation share, no early stopping, an unstratified split. It is [`TrainConfig::default`]
//! and [`Experiment::default`], `demo` runs it, and `train --preset tutorial` selects it.
//!
//! [`Preset::Tabular`] is what `train`, `cv` and `tune` use when no preset is named: Adam on
//! mini-batches, a wider ReLU layer, a stratified validation share with early stopping that
//! keeps the best weights, and an L2 penalty that regularizes small tables strongly. It was chosen by measurement on the public
//! tables of `bench/tabular/` (see its README): it never diverges there on standardized data
//! and matches scikit-learn's pipelines.
//!
//! A preset only fills in what is not given: every explicit setting overrides it. The
//! learning rate is the preset's *for the optimizer in use* ([`Preset::learning_rate`]), so
//! choosing another optimizer does not keep a rate that only suits gradient descent.

use std::fmt;
use std::str::FromStr;

use crate::experiment::Experiment;
use crate::nn::{Activation, Init};
use crate::optim::OptimizerKind;
use crate::train::TrainConfig;
use crate::{Error, Result};

/// A named set of training settings (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preset {
    /// The tutorial's settings, unchanged.
    Tutorial,
    /// Defaults for real tables.
    #[default]
    Tabular,
}

/// The tabular preset's numbers, in one place.
mod tabular {
    /// Units of the one hidden layer.
    pub const HIDDEN: usize = 64;
    /// Most epochs; early stopping usually ends training long before.
    pub const EPOCHS: usize = 500;
    /// Rows per mini-batch (all rows when there are fewer).
    pub const BATCH: usize = 32;
    /// Share of the training rows that early stopping watches.
    pub const VALIDATION: f64 = 0.1;
    /// Epochs without a lower validation loss before training stops.
    pub const PATIENCE: usize = 20;
    /// L2 weight decay λ, of the whole training set's penalty (λ/2m)·Σ‖W‖²: strong on a
    /// few hundred rows, weak on many thousands.
    pub const L2: f64 = 2.0;
}

impl Preset {
    /// The name on the command line: `tutorial` or `tabular`.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Tutorial => "tutorial",
            Preset::Tabular => "tabular",
        }
    }

    /// Units per hidden layer: `[4]` (tutorial) or one layer of 64.
    pub fn hidden(self) -> Vec<usize> {
        match self {
            Preset::Tutorial => vec![4],
            Preset::Tabular => vec![tabular::HIDDEN],
        }
    }

    /// The hidden layers' activation: tanh (tutorial) or ReLU.
    pub fn activation(self) -> Activation {
        match self {
            Preset::Tutorial => Activation::Tanh,
            Preset::Tabular => Activation::Relu,
        }
    }

    /// The update rule: gradient descent (tutorial) or Adam.
    pub fn optimizer(self) -> OptimizerKind {
        match self {
            Preset::Tutorial => OptimizerKind::Gd,
            Preset::Tabular => OptimizerKind::ADAM,
        }
    }

    /// The learning rate for `optimizer`: the tutorial's α = 1.2 for its gradient descent;
    /// otherwise the rate that suits the rule on standardized data: 0.1 for gradient descent,
    /// 0.01 for momentum and Nesterov (steps grow by 1/(1 − μ)), 0.003 for Adam (its steps
    /// are about α whatever the gradient's size; measured on `bench/tabular/`, where it beat
    /// Kingma & Ba's 0.001 within the epoch budget), the same in both presets.
    pub fn learning_rate(self, optimizer: OptimizerKind) -> f64 {
        match (self, optimizer) {
            (Preset::Tutorial, OptimizerKind::Gd) => 1.2,
            (_, OptimizerKind::Gd) => 0.1,
            (_, OptimizerKind::Momentum { .. } | OptimizerKind::Nesterov { .. }) => 0.01,
            (_, OptimizerKind::Adam { .. }) => 0.003,
        }
    }

    /// The most epochs: 10,000 (tutorial) or 500 with early stopping.
    pub fn epochs(self) -> usize {
        match self {
            Preset::Tutorial => 10_000,
            Preset::Tabular => tabular::EPOCHS,
        }
    }

    /// Rows per mini-batch: full batch (tutorial) or 32.
    pub fn batch_size(self) -> Option<usize> {
        match self {
            Preset::Tutorial => None,
            Preset::Tabular => Some(tabular::BATCH),
        }
    }

    /// The validation share: none (tutorial) or a tenth of the training rows.
    pub fn validation(self) -> f64 {
        match self {
            Preset::Tutorial => 0.0,
            Preset::Tabular => tabular::VALIDATION,
        }
    }

    /// Early stopping's patience when there is a validation share: none (tutorial) or 20.
    pub fn patience(self, validation: f64) -> Option<usize> {
        match self {
            Preset::Tabular if validation > 0.0 => Some(tabular::PATIENCE),
            _ => None,
        }
    }

    /// L2 weight decay λ: 0 (tutorial) or 2 (of the whole training set's penalty, see
    /// [`crate::train::TrainConfig::l2`]).
    pub fn l2(self) -> f64 {
        match self {
            Preset::Tutorial => 0.0,
            Preset::Tabular => tabular::L2,
        }
    }

    /// Whether classification splits keep each class's share: no (the tutorial's split is a
    /// plain shuffle) or yes.
    pub fn stratify(self) -> bool {
        self == Preset::Tabular
    }

    /// The weight initialization for `activation`: `None` (the tutorial's rule,
    /// [`TrainConfig::init_for`]) or He for ReLU-like units and Xavier for the others
    /// (small-uniform weights suit only the tutorial's 4 units).
    pub fn init(self, activation: Activation) -> Option<Init> {
        match (self, activation) {
            (Preset::Tutorial, _) => None,
            (Preset::Tabular, Activation::Relu | Activation::LeakyRelu) => Some(Init::He),
            (Preset::Tabular, _) => Some(Init::Xavier),
        }
    }

    /// Every setting of this preset, as one experiment (20% test rows in both).
    pub fn experiment(self) -> Experiment {
        let optimizer = self.optimizer();
        let activation = self.activation();
        let validation = self.validation();
        Experiment {
            config: TrainConfig {
                hidden: self.hidden(),
                hidden_activation: activation,
                init: self.init(activation),
                epochs: self.epochs(),
                learning_rate: self.learning_rate(optimizer),
                optimizer,
                batch_size: self.batch_size(),
                l2: self.l2(),
                patience: self.patience(validation),
                ..TrainConfig::default()
            },
            validation,
            stratify: self.stratify(),
            ..Experiment::default()
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Preset {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "tutorial" => Ok(Preset::Tutorial),
            "tabular" | "default" => Ok(Preset::Tabular),
            other => Err(Error::unknown("preset", other, "tutorial, tabular")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tutorial_preset_is_the_tutorial() {
        let e = Preset::Tutorial.experiment();
        let d = Experiment::default();
        assert_eq!(e.config, d.config);
        assert_eq!(e.config.hidden, vec![4]);
        assert_eq!(e.config.learning_rate, 1.2);
        assert_eq!(e.config.epochs, 10_000);
        assert_eq!(e.config.optimizer, OptimizerKind::Gd);
        assert_eq!(e.config.batch_size, None);
        assert_eq!(e.config.patience, None);
        assert_eq!((e.validation, e.test_split, e.stratify), (0.0, 0.2, false));
    }

    #[test]
    fn the_learning_rate_follows_the_optimizer() {
        assert_eq!(Preset::Tutorial.learning_rate(OptimizerKind::ADAM), 0.003);
        assert_eq!(Preset::Tabular.learning_rate(OptimizerKind::Gd), 0.1);
        assert_eq!(Preset::Tutorial.learning_rate(OptimizerKind::Gd), 1.2);
    }

    #[test]
    fn the_tabular_preset_is_valid_and_stops_early() {
        let e = Preset::Tabular.experiment();
        e.validate().unwrap();
        assert!(e.validation > 0.0 && e.config.patience.is_some() && e.stratify);
        assert_eq!(Preset::Tabular.patience(0.0), None);
    }

    #[test]
    fn names_parse_and_unknown_ones_are_refused() {
        assert_eq!("tutorial".parse::<Preset>().unwrap(), Preset::Tutorial);
        assert_eq!("tabular".parse::<Preset>().unwrap(), Preset::Tabular);
        let e = "fast".parse::<Preset>().unwrap_err().to_string();
        assert!(e.contains("fast") && e.contains("tutorial"), "{e}");
    }
}
