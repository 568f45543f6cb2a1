//! Sample weights and class weights: how much each training row counts in the cost.
//!
//! Shape legend: m = samples (rows), K = classes, n_k = rows of class k.
//!
//! ```text
//! balanced class weights (scikit-learn's):  c_k = m / (K · n_k)        on the training rows
//! a row's weight:                           w_j = s_j · c_(y_j)        s_j its sample weight
//!                                                                      (1 without), c = 1
//!                                                                      without class weights
//! normalized:                               w̃_j = w_j · m / Σ_i w_i    mean 1 over the m rows
//! weighted cost (crate::loss):              J = (1/m) · Σ_j w̃_j · L_j
//! ```
//!
//! The normalization keeps the cost on the scale of the unweighted one (weights that are all
//! equal give exactly the unweighted J and gradients), so learning rates and L2 need no
//! change; only the ratios of the weights matter. A sample weight of 2 counts a row as if it
//! were in the data twice.
//!
//! Weights shape training only: the validation loss that early stopping watches is weighted
//! the same way (class weights from the training rows), while the reported metrics (accuracy,
//! recall, loss on train and test) are the plain, unweighted ones.

use crate::data::{Dataset, Task};
use crate::{Error, Result};

/// Class weights: how much each class's rows count in the cost (classification only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ClassWeight {
    /// Every class counts the same per row (the default: the plain cost).
    #[default]
    None,
    /// Each class counts in inverse proportion to its rows, c_k = m / (K · n_k) on the
    /// training rows (scikit-learn's `class_weight="balanced"`): every class then weighs the
    /// same in all, m / K, however rare it is.
    Balanced,
}

impl ClassWeight {
    /// `none` or `balanced`.
    pub fn name(self) -> &'static str {
        match self {
            ClassWeight::None => "none",
            ClassWeight::Balanced => "balanced",
        }
    }

    /// The weight of each class given the rows of each class (`counts`, K entries), or `None`
    /// when every class weighs 1.
    pub fn weights(self, counts: &[usize]) -> Option<Vec<f64>> {
        match self {
            ClassWeight::None => None,
            ClassWeight::Balanced => Some(balanced_class_weights(counts)),
        }
    }
}

impl std::fmt::Display for ClassWeight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ClassWeight {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "none" => Ok(ClassWeight::None),
            "balanced" => Ok(ClassWeight::Balanced),
            other => Err(Error::unknown("class weight", other, "balanced, none")),
        }
    }
}

/// scikit-learn's balanced class weights `c_k = m / (K · n_k)`, from the number of rows n_k of
/// each of the K classes (m = Σ n_k). A class without rows gets 0 (it adds nothing to the
/// cost either way).
///
/// ```
/// // 8 rows: 6 of class 0, 2 of class 1 → 8/(2·6) = 2/3 and 8/(2·2) = 2
/// let c = scratchnet::weights::balanced_class_weights(&[6, 2]);
/// assert_eq!(c, vec![8.0 / 12.0, 2.0]);
/// ```
pub fn balanced_class_weights(counts: &[usize]) -> Vec<f64> {
    let m: usize = counts.iter().sum();
    let k = counts.len();
    counts
        .iter()
        .map(|&n| {
            if n == 0 {
                0.0
            } else {
                m as f64 / (k as f64 * n as f64)
            }
        })
        .collect()
}

/// Each row's weight `w_j = s_j · c_(y_j)`: its sample weight s_j (1 without `sample`) times
/// its class's weight (1 without `class`; `labels` are the rows' class indices, unused then).
/// `None` when there are neither sample nor class weights.
pub fn row_weights(
    sample: Option<&[f64]>,
    labels: &[usize],
    class: Option<&[f64]>,
) -> Option<Vec<f64>> {
    match (sample, class) {
        (None, None) => None,
        (Some(s), None) => Some(s.to_vec()),
        (None, Some(c)) => Some(labels.iter().map(|&l| c[l]).collect()),
        (Some(s), Some(c)) => Some(s.iter().zip(labels).map(|(s, &l)| s * c[l]).collect()),
    }
}

/// The weight of each row of `rows` in the cost, `w_j = s_j · c_(y_j)`: its sample weight
/// ([`Dataset::weights`]) times its class's weight under `class_weight`, the class weights
/// computed from `counts` (the class counts of the training rows, also for validation rows).
/// Regression rows have no class weight. `None` when there are neither.
pub fn weights_of(rows: &Dataset, class_weight: ClassWeight, counts: &[usize]) -> Option<Vec<f64>> {
    let class = match rows.task() {
        Task::Regression => None,
        _ => class_weight.weights(counts),
    };
    row_weights(rows.weights.as_deref(), rows.labels(), class.as_deref())
}

/// Checks raw sample weights for m samples: one per sample, each finite and ≥ 0. (At least
/// one positive is checked by [`normalized`], on the rows that train.)
pub fn check_sample_weights(w: &[f64], m: usize) -> Result<()> {
    if w.len() != m {
        return Err(Error::config(
            "sample_weight",
            format!(
                "has {} weights for {m} samples; give one per sample",
                w.len()
            ),
        ));
    }
    if let Some((j, v)) = w
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
    {
        return Err(Error::config(
            "sample_weight",
            format!(
                "of sample {} is {v}; a weight must be a finite number ≥ 0",
                j + 1
            ),
        ));
    }
    Ok(())
}

/// The weights normalized to mean 1 over their m rows: `w̃_j = w_j · m / Σ_i w_i`. Weights
/// that are all 1 stay exactly 1. `what` names the rows in the error when every weight is 0
/// (e.g. `training rows`).
///
/// ```
/// let w = scratchnet::weights::normalized(&[1.0, 3.0], "rows").unwrap();
/// assert_eq!(w, vec![0.5, 1.5]);
/// assert!(scratchnet::weights::normalized(&[0.0, 0.0], "rows").is_err());
/// ```
pub fn normalized(w: &[f64], what: &str) -> Result<Vec<f64>> {
    let sum: f64 = w.iter().sum();
    if !(sum > 0.0 && sum.is_finite()) {
        return Err(Error::config(
            "sample_weight",
            format!(
                "weighs the {} {what} {sum} in all; at least one row needs a positive weight",
                w.len()
            ),
        ));
    }
    let scale = w.len() as f64 / sum;
    Ok(w.iter().map(|v| v * scale).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_weights_are_m_over_k_times_the_class_rows() {
        // 20 rows: 1 of class 0, 4 of class 1, 15 of class 2 (by hand: 20/3 = 6.667,
        // 20/12 = 1.667, 20/45 = 0.444); every class then weighs 20/3 in all
        let c = balanced_class_weights(&[1, 4, 15]);
        assert_eq!(c, vec![20.0 / 3.0, 20.0 / 12.0, 20.0 / 45.0]);
        for (w, n) in c.iter().zip([1.0, 4.0, 15.0]) {
            assert!((w * n - 20.0 / 3.0).abs() < 1e-12);
        }
        // balanced classes: every weight exactly 1
        assert_eq!(balanced_class_weights(&[5, 5]), vec![1.0, 1.0]);
        assert_eq!(ClassWeight::None.weights(&[1, 9]), None);
    }

    #[test]
    fn row_weights_multiply_sample_and_class_weights() {
        let labels = [0, 1, 1];
        let class = [2.0, 0.5];
        let sample = [1.0, 4.0, 0.0];
        assert_eq!(row_weights(None, &labels, None), None);
        assert_eq!(
            row_weights(None, &labels, Some(&class)),
            Some(vec![2.0, 0.5, 0.5])
        );
        assert_eq!(
            row_weights(Some(&sample), &labels, Some(&class)),
            Some(vec![2.0, 2.0, 0.0])
        );
        assert_eq!(row_weights(Some(&sample), &[], None), Some(sample.to_vec()));
    }

    #[test]
    fn normalized_weights_have_mean_one_and_ones_stay_ones() {
        let ones = vec![1.0; 7];
        assert_eq!(normalized(&ones, "rows").unwrap(), ones);
        let w = normalized(&[2.0, 0.0, 1.0, 1.0], "rows").unwrap();
        assert_eq!(w, vec![2.0, 0.0, 1.0, 1.0]);
        let w = normalized(&[0.5, 0.5, 2.0], "rows").unwrap();
        assert_eq!(w, vec![0.5, 0.5, 2.0]);
        let e = normalized(&[0.0; 3], "training rows").unwrap_err();
        assert_eq!(
            e.to_string(),
            "sample_weight weighs the 3 training rows 0 in all; at least one row needs a positive weight"
        );
    }

    #[test]
    fn bad_sample_weights_are_refused_naming_the_sample() {
        assert!(check_sample_weights(&[1.0, 0.0, 2.5], 3).is_ok());
        let e = check_sample_weights(&[1.0, -1.0], 2)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "sample_weight of sample 2 is -1; a weight must be a finite number ≥ 0"
        );
        assert!(check_sample_weights(&[f64::NAN], 1).is_err());
        assert!(check_sample_weights(&[f64::INFINITY], 1).is_err());
        assert!(check_sample_weights(&[1.0], 2).is_err());
        assert_eq!(
            "balanced".parse::<ClassWeight>().unwrap(),
            ClassWeight::Balanced
        );
        assert!("auto".parse::<ClassWeight>().is_err());
    }
}
