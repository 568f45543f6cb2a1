//! Standardization (the tutorial's `scale()`): every feature to mean 0 and standard deviation 1.
//!
//! ```text
//! μ_i = (1/m) · Σ_j X_ij                      σ_i = sqrt( Σ_j (X_ij − μ_i)² / (m − 1) )
//! X̃_ij = (X_ij − μ_i) / σ_i                   X (d × m), μ and σ (d)
//! ```
//! σ uses m − 1 like R's `scale()`/`sd()`. A constant feature (σ = 0) is left unscaled (σ := 1).
//! The statistics are fitted on the *training* set and applied unchanged to the test set and to
//! any later data: the test set must not leak into the model.

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::{Dataset, Target, Task};
use crate::{Error, Result};

/// Per-feature mean and standard deviation, fitted on training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// μ, one per feature (d).
    mean: Vec<f64>,
    /// σ, one per feature (d); positive (checked by [`Standardizer::new`]; a model file's
    /// are checked by its loader).
    std: Vec<f64>,
}

impl Standardizer {
    /// Fits μ and σ to X (d × m), feature by feature. Values are scaled by the feature's
    /// largest magnitude while summing, so huge values (1e200, 1e308) cannot overflow.
    pub fn fit(x: ArrayView2<f64>) -> Self {
        let m = x.ncols();
        let mut mean = Vec::with_capacity(x.nrows());
        let mut std = Vec::with_capacity(x.nrows());
        for row in x.axis_iter(Axis(0)) {
            let scale = row.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let scale = if scale > 0.0 && scale.is_finite() {
                scale
            } else {
                1.0
            };
            let mu_s = if m == 0 {
                0.0
            } else {
                row.iter().map(|v| v / scale).sum::<f64>() / m as f64
            };
            let var_s = if m < 2 {
                0.0
            } else {
                row.iter()
                    .map(|v| (v / scale - mu_s) * (v / scale - mu_s))
                    .sum::<f64>()
                    / (m - 1) as f64
            };
            mean.push(mu_s * scale);
            std.push(sigma_of(var_s, scale));
        }
        Standardizer { mean, std }
    }

    /// A standardizer from statistics of the values divided by `scale` (their largest
    /// magnitude, as [`Standardizer::fit`] divides them): the mean μ/scale and the variance
    /// Σ(x/scale − μ/scale)²/(m − 1) of each feature; σ = 0 becomes 1 as in `fit`.
    pub(crate) fn from_scaled(mean_s: &[f64], var_s: &[f64], scale: &[f64]) -> Result<Self> {
        let mean = mean_s.iter().zip(scale).map(|(m, s)| m * s).collect();
        let std = var_s
            .iter()
            .zip(scale)
            .map(|(&v, &s)| sigma_of(v, s))
            .collect();
        Standardizer::new(mean, std)
    }

    /// A standardizer from given statistics: as many means as standard deviations, every μ
    /// finite and every σ positive and finite.
    pub fn new(mean: Vec<f64>, std: Vec<f64>) -> Result<Self> {
        if mean.len() != std.len() {
            return Err(Error::Invalid(format!(
                "{} means but {} standard deviations",
                mean.len(),
                std.len()
            )));
        }
        if mean.iter().any(|m| !m.is_finite()) || std.iter().any(|s| !(s.is_normal() && *s > 0.0)) {
            return Err(Error::Invalid(
                "every mean must be finite and every standard deviation positive and finite".into(),
            ));
        }
        Ok(Standardizer { mean, std })
    }

    /// μ, one per feature (d).
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// σ, one per feature (d).
    pub fn std(&self) -> &[f64] {
        &self.std
    }

    /// The identity standardizer for d features (μ = 0, σ = 1).
    pub fn identity(d: usize) -> Self {
        Standardizer {
            mean: vec![0.0; d],
            std: vec![1.0; d],
        }
    }

    /// Number of features d.
    pub fn n_features(&self) -> usize {
        self.mean.len()
    }

    /// X̃ = (X − μ) / σ for X (d × m) → (d × m).
    pub fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let mut out = x.to_owned();
        self.transform_in_place(&mut out)?;
        Ok(out)
    }

    /// X̃ = (X − μ) / σ in place, for X (d × m): no copy of the data.
    pub fn transform_in_place(&self, x: &mut Array2<f64>) -> Result<()> {
        if x.nrows() != self.n_features() {
            return Err(Error::Invalid(format!(
                "data has {} features but the standardizer was fitted on {}",
                x.nrows(),
                self.n_features()
            )));
        }
        for (i, mut row) in x.axis_iter_mut(Axis(0)).enumerate() {
            let (mu, sigma) = (self.mean[i], self.std[i]);
            row.mapv_inplace(|v| (v - mu) / sigma);
        }
        Ok(())
    }

    /// X = X̃ · σ + μ: back to the original units, (d × m) → (d × m).
    ///
    /// # Panics
    /// If X does not have the standardizer's d rows.
    pub fn inverse(&self, x: ArrayView2<f64>) -> Array2<f64> {
        assert_eq!(x.nrows(), self.n_features(), "X needs d rows");
        let mut out = x.to_owned();
        for (i, mut row) in out.axis_iter_mut(Axis(0)).enumerate() {
            let (mu, sigma) = (self.mean[i], self.std[i]);
            row.mapv_inplace(|v| v * sigma + mu);
        }
        out
    }
}

/// σ = sqrt(var_s)·scale of a feature whose values divided by `scale` have variance `var_s`;
/// 1 for a constant feature (a subnormal σ would not survive the model file's check either).
fn sigma_of(var_s: f64, scale: f64) -> f64 {
    let sigma = var_s.sqrt() * scale;
    if sigma.is_normal() { sigma } else { 1.0 }
}

/// A model's standardizers, fitted on its training rows: the features and, for regression,
/// the target.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalers {
    /// μ and σ of each feature.
    pub features: Standardizer,
    /// μ and σ of the target (regression only).
    pub target: Option<Standardizer>,
}

impl Scalers {
    /// Fits both on the training rows.
    pub fn fit(train: &Dataset) -> Self {
        Scalers {
            features: Standardizer::fit(train.x.view()),
            target: (train.task() == Task::Regression).then(|| Standardizer::fit(train.y().view())),
        }
    }

    /// `data` as the network sees it: X̃ standardized in place (no second copy of X), Y (one-hot
    /// for k classes, standardized for regression).
    pub fn standardize(&self, mut data: Dataset) -> Result<Standardized> {
        self.features.transform_in_place(&mut data.x)?;
        let y = match &self.target {
            Some(t) => t.transform(data.y().view())?,
            None => data.y(),
        };
        Ok(Standardized { data, y })
    }
}

/// A data set standardized for the network: X̃ (d × m) with a model's statistics and Y
/// (n_y × m). A different type from the raw [`Dataset`], so that raw and standardized rows
/// cannot be mixed up (standardizing standardized rows a second time once gave wrong
/// validation metrics).
#[derive(Debug, Clone, PartialEq)]
pub struct Standardized {
    /// The rows, X holding X̃.
    data: Dataset,
    y: Array2<f64>,
}

impl Standardized {
    /// X̃ (d × m).
    pub fn x(&self) -> ArrayView2<'_, f64> {
        self.data.x.view()
    }

    /// Y (n_y × m) as the network is trained on it.
    pub fn y(&self) -> ArrayView2<'_, f64> {
        self.y.view()
    }

    /// The target in raw units (classes, or values before standardization).
    pub fn target(&self) -> &Target {
        &self.data.target
    }

    /// The feature names.
    pub fn feature_names(&self) -> &[String] {
        &self.data.feature_names
    }

    /// The target's name.
    pub fn target_name(&self) -> &str {
        &self.data.target_name
    }

    /// Number of samples m.
    pub fn n_samples(&self) -> usize {
        self.data.n_samples()
    }

    /// The samples' weights in the training cost (m), if the data set has them.
    pub fn weights(&self) -> Option<&[f64]> {
        self.data.weights.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn matches_r_scale_by_hand() {
        // R: scale(c(1, 2, 3, 6)) → mean 3, sd = sqrt((4+1+0+9)/3) = sqrt(14/3)
        let x = array![[1.0, 2.0, 3.0, 6.0]];
        let s = Standardizer::fit(x.view());
        assert_eq!(s.mean, vec![3.0]);
        assert!((s.std[0] - (14.0f64 / 3.0).sqrt()).abs() < 1e-15);
        let t = s.transform(x.view()).unwrap();
        assert!((t[[0, 0]] + 2.0 / (14.0f64 / 3.0).sqrt()).abs() < 1e-15);
        let back = s.inverse(t.view());
        assert!((back[[0, 3]] - 6.0).abs() < 1e-14);
    }

    #[test]
    fn test_set_uses_train_statistics() {
        let train = array![[0.0, 2.0, 4.0]];
        let test = array![[100.0]];
        let s = Standardizer::fit(train.view());
        // μ = 2, σ = 2: the test value is scaled by the training statistics, not its own.
        assert_eq!(s.transform(test.view()).unwrap()[[0, 0]], 49.0);
    }

    #[test]
    fn huge_values_do_not_overflow() {
        let s = Standardizer::fit(array![[1e300, -1e300, 3e300]].view());
        assert!(s.mean[0].is_finite() && s.std[0].is_finite());
        assert!((s.mean[0] - 1e300).abs() < 1e286);
        let t = s.transform(array![[3e300]].view()).unwrap();
        assert!(t[[0, 0]].is_finite());
    }

    #[test]
    fn constant_feature_is_left_unscaled() {
        let s = Standardizer::fit(array![[5.0, 5.0, 5.0]].view());
        assert_eq!(s.std, vec![1.0]);
        assert_eq!(s.transform(array![[5.0]].view()).unwrap()[[0, 0]], 0.0);
    }
}
