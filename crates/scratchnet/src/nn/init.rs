//! Weight initialization: how W is drawn before the first epoch. Biases always start at 0.
//!
//! Shape legend: W is (n_out × n_in); fan_in = n_in, fan_out = n_out.
//!
//! ```text
//! small-uniform  W ~ U(0, 1) · 0.01                    the tutorial's runif(n) * 0.01
//! xavier         W ~ U(−√(6/(fan_in+fan_out)), +√…)    Glorot & Bengio 2010, for tanh/sigmoid
//! he             W ~ N(0, 2/fan_in)                    He et al. 2015, for ReLU
//! ```
//!
//! Draws are made row by row (unit by unit) from the one seeded generator, so the same seed
//! gives the same weights on every machine.

use ndarray::Array2;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::Rng;

/// A weight-initialization scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Init {
    /// U(0, 1) · 0.01: the tutorial's `runif(n) * 0.01`.
    SmallUniform,
    /// Glorot/Xavier uniform: U(−√(6/(fan_in+fan_out)), √(6/(fan_in+fan_out))).
    Xavier,
    /// He normal: N(0, 2/fan_in).
    He,
}

impl Init {
    /// The canonical name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Init::SmallUniform => "small-uniform",
            Init::Xavier => "xavier",
            Init::He => "he",
        }
    }

    /// Draws a (n_out × n_in) weight matrix, row by row.
    pub fn weights(self, n_out: usize, n_in: usize, rng: &mut Rng) -> Array2<f64> {
        let mut w = Array2::zeros((n_out, n_in));
        for v in w.iter_mut() {
            *v = match self {
                Init::SmallUniform => rng.random::<f64>() * 0.01,
                Init::Xavier => {
                    let limit = (6.0 / (n_in + n_out) as f64).sqrt();
                    rng.random_range(-limit..limit)
                }
                Init::He => {
                    let z: f64 = StandardNormal.sample(rng);
                    z * (2.0 / n_in as f64).sqrt()
                }
            };
        }
        w
    }
}

impl fmt::Display for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Init {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Init::SmallUniform, Init::Xavier, Init::He]
            .into_iter()
            .find(|i| i.name() == s)
            .ok_or_else(|| crate::Error::unknown("initialization", s, "small-uniform, xavier, he"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn small_uniform_is_in_zero_to_one_hundredth() {
        let mut rng = Rng::seed_from_u64(1);
        let w = Init::SmallUniform.weights(4, 2, &mut rng);
        assert_eq!(w.dim(), (4, 2));
        assert!(w.iter().all(|&v| (0.0..0.01).contains(&v)));
    }

    #[test]
    fn same_seed_same_weights_different_seed_different_weights() {
        for init in [Init::SmallUniform, Init::Xavier, Init::He] {
            let a = init.weights(3, 5, &mut Rng::seed_from_u64(7));
            let b = init.weights(3, 5, &mut Rng::seed_from_u64(7));
            let c = init.weights(3, 5, &mut Rng::seed_from_u64(8));
            assert_eq!(a, b);
            assert_ne!(a, c);
        }
    }

    #[test]
    fn xavier_respects_its_limit() {
        let w = Init::Xavier.weights(30, 20, &mut Rng::seed_from_u64(3));
        let limit = (6.0f64 / 50.0).sqrt();
        assert!(w.iter().all(|v| v.abs() < limit));
    }
}
