//! Data: the [`Dataset`] type, CSV inputs and loading, standardization and the synthetic data sets.
//!
//! Shape legend: m = samples, d = features. X is stored as (d × m), one column per sample,
//! as in the tutorial's `t(X)`; labels are one class index per sample.

pub mod csv;
pub mod input;
pub mod standardize;
pub mod synth;

use ndarray::{Array2, Axis};
use rand::seq::SliceRandom;

use serde::Serialize;

use crate::{Error, Result, Rng};
pub use input::{CsvInput, Delimiter};
pub use standardize::{Scalers, Standardized, Standardizer};

/// What a data set's target is, and so which output, loss and metrics a network uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Two classes: one sigmoid output, binary cross-entropy.
    Binary,
    /// Three or more classes: k softmax outputs, categorical cross-entropy.
    Multiclass,
    /// A numeric target: one identity output, mean squared error.
    Regression,
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Task::Binary => "two-class",
            Task::Multiclass => "multiclass",
            Task::Regression => "regression",
        })
    }
}

impl Task {
    /// The output activation for this task.
    pub fn output_activation(self) -> crate::nn::Activation {
        match self {
            Task::Binary => crate::nn::Activation::Sigmoid,
            Task::Multiclass => crate::nn::Activation::Softmax,
            Task::Regression => crate::nn::Activation::Identity,
        }
    }

    /// The task a network's output layer implies.
    pub fn of_output(activation: crate::nn::Activation) -> Option<Task> {
        match activation {
            crate::nn::Activation::Sigmoid => Some(Task::Binary),
            crate::nn::Activation::Softmax => Some(Task::Multiclass),
            crate::nn::Activation::Identity => Some(Task::Regression),
            _ => None,
        }
    }

    /// The baseline model without hidden layers, by name.
    pub fn baseline_name(self) -> &'static str {
        match self {
            Task::Binary => "logistic regression",
            Task::Multiclass => "softmax regression",
            Task::Regression => "linear regression",
        }
    }
}

/// What a data set predicts, one entry per sample: a class or a number.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Classification.
    Classes {
        /// Class index of each sample (m), an index into `classes`.
        labels: Vec<usize>,
        /// The class labels as they appear in the data (two or more); for two classes
        /// `classes[1]` is the positive class (1).
        classes: Vec<String>,
    },
    /// Regression: the numeric target of each sample (m).
    Values(Vec<f64>),
}

impl Target {
    /// The task this target implies.
    pub fn task(&self) -> Task {
        match self {
            Target::Values(_) => Task::Regression,
            Target::Classes { classes, .. } if classes.len() == 2 => Task::Binary,
            Target::Classes { .. } => Task::Multiclass,
        }
    }

    /// Number of samples m.
    pub fn len(&self) -> usize {
        match self {
            Target::Classes { labels, .. } => labels.len(),
            Target::Values(v) => v.len(),
        }
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Target {
        match self {
            Target::Classes { labels, classes } => Target::Classes {
                labels: indices.iter().map(|&i| labels[i]).collect(),
                classes: classes.clone(),
            },
            Target::Values(v) => Target::Values(indices.iter().map(|&i| v[i]).collect()),
        }
    }

    /// The entries in `range`.
    fn slice(&self, range: std::ops::Range<usize>) -> Target {
        match self {
            Target::Classes { labels, classes } => Target::Classes {
                labels: labels[range].to_vec(),
                classes: classes.clone(),
            },
            Target::Values(v) => Target::Values(v[range].to_vec()),
        }
    }
}

/// A labelled data set in raw units: features X and the target. (Features standardized for
/// the network are a [`standardize::Standardized`], a different type.)
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Names of the d feature columns.
    pub feature_names: Vec<String>,
    /// Name of the target column.
    pub target_name: String,
    /// Features X, (d × m): one column per sample.
    pub x: Array2<f64>,
    /// The target of each sample: classes or values.
    pub target: Target,
    /// How much each sample counts in the training cost (m; see [`crate::weights`]), e.g.
    /// from a CSV column (`--sample-weight`); `None`: every sample counts 1. Splits and
    /// selections carry each sample's weight with it; [`Dataset::with_weights`] checks them.
    pub weights: Option<Vec<f64>>,
}

impl Dataset {
    /// A data set from its parts; checks that the shapes and labels agree.
    pub fn new(
        feature_names: Vec<String>,
        target_name: String,
        x: Array2<f64>,
        labels: Vec<usize>,
        classes: Vec<String>,
    ) -> Result<Self> {
        if x.nrows() != feature_names.len() {
            return Err(Error::Invalid(format!(
                "X has {} rows but {} feature names were given",
                x.nrows(),
                feature_names.len()
            )));
        }
        if x.ncols() != labels.len() {
            return Err(Error::Invalid(format!(
                "X has {} columns (samples) but there are {} labels",
                x.ncols(),
                labels.len()
            )));
        }
        if let Some(bad) = labels.iter().find(|&&l| l >= classes.len()) {
            return Err(Error::Invalid(format!(
                "label {bad} is not one of the {} classes",
                classes.len()
            )));
        }
        Ok(Dataset {
            feature_names,
            target_name,
            x,
            target: Target::Classes { labels, classes },
            weights: None,
        })
    }

    /// A regression data set: features X (d × m) and one numeric target per sample.
    pub fn regression(
        feature_names: Vec<String>,
        target_name: String,
        x: Array2<f64>,
        values: Vec<f64>,
    ) -> Result<Self> {
        if x.nrows() != feature_names.len() || x.ncols() != values.len() {
            return Err(Error::Invalid(format!(
                "X is {}×{} but there are {} feature names and {} target values",
                x.nrows(),
                x.ncols(),
                feature_names.len(),
                values.len()
            )));
        }
        Ok(Dataset {
            feature_names,
            target_name,
            x,
            target: Target::Values(values),
            weights: None,
        })
    }

    /// The data set with a sample weight for each sample (m of them, each finite and ≥ 0).
    pub fn with_weights(self, weights: Vec<f64>) -> Result<Self> {
        crate::weights::check_sample_weights(&weights, self.n_samples())?;
        Ok(Dataset {
            weights: Some(weights),
            ..self
        })
    }

    /// The task: regression for a numeric target, else binary or multiclass by class count.
    pub fn task(&self) -> Task {
        self.target.task()
    }

    /// The class index of each sample; empty for regression.
    pub fn labels(&self) -> &[usize] {
        match &self.target {
            Target::Classes { labels, .. } => labels,
            Target::Values(_) => &[],
        }
    }

    /// The class labels; empty for regression.
    pub fn classes(&self) -> &[String] {
        match &self.target {
            Target::Classes { classes, .. } => classes,
            Target::Values(_) => &[],
        }
    }

    /// The numeric target of each sample; empty for classification.
    pub fn values(&self) -> &[f64] {
        match &self.target {
            Target::Values(v) => v,
            Target::Classes { .. } => &[],
        }
    }

    /// Number of samples m.
    pub fn n_samples(&self) -> usize {
        self.x.ncols()
    }

    /// Number of features d.
    pub fn n_features(&self) -> usize {
        self.x.nrows()
    }

    /// Y as the tutorial lays it out. Two classes: (1 × m), 1.0 for the positive class and 0.0
    /// otherwise. k classes: one-hot (k × m). Regression: the values (1 × m).
    pub fn y(&self) -> Array2<f64> {
        match &self.target {
            Target::Classes { labels, classes } if classes.len() == 2 => {
                Array2::from_shape_fn((1, labels.len()), |(_, j)| labels[j] as f64)
            }
            Target::Classes { labels, classes } => {
                Array2::from_shape_fn((classes.len(), labels.len()), |(i, j)| {
                    f64::from(u8::from(labels[j] == i))
                })
            }
            Target::Values(v) => Array2::from_shape_fn((1, v.len()), |(_, j)| v[j]),
        }
    }

    /// How many samples each class has, in the order of `classes`.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes().len()];
        for &l in self.labels() {
            counts[l] += 1;
        }
        counts
    }

    /// The samples at `indices` (in that order), as a new data set.
    pub fn select(&self, indices: &[usize]) -> Dataset {
        Dataset {
            feature_names: self.feature_names.clone(),
            target_name: self.target_name.clone(),
            x: self.x.select(Axis(1), indices),
            target: self.target.select(indices),
            weights: select_weights(self.weights.as_deref(), indices),
        }
    }

    /// Shuffles the samples (the tutorial's `df[sample(nrow(df)), ]`), driven by `rng`.
    pub fn shuffle(&mut self, rng: &mut Rng) {
        let mut order: Vec<usize> = (0..self.n_samples()).collect();
        order.shuffle(rng);
        *self = self.select(&order);
    }

    /// Shuffles and splits in one step, (train, test) = `shuffle` then `split(train_fraction)`,
    /// with the same result but without a full shuffled copy of the data.
    pub fn shuffled_split(&self, rng: &mut Rng, train_fraction: f64) -> Result<(Dataset, Dataset)> {
        let mut order: Vec<usize> = (0..self.n_samples()).collect();
        order.shuffle(rng);
        let n_train = self.split_point(train_fraction)?;
        Ok((
            self.select(&order[..n_train]),
            self.select(&order[n_train..]),
        ))
    }

    /// Like [`Dataset::shuffled_split`], but for classification each class keeps its share in
    /// both parts within one sample (|train count of class c − m_c · train_fraction| < 1).
    /// The shuffled order is kept when it already does, so a split that was balanced stays
    /// byte-identical; otherwise each class's first shuffled samples, up to its quota (largest
    /// remainder), go to training. Regression: the plain shuffled split.
    pub fn shuffled_split_stratified(
        &self,
        rng: &mut Rng,
        train_fraction: f64,
    ) -> Result<(Dataset, Dataset)> {
        let mut order: Vec<usize> = (0..self.n_samples()).collect();
        order.shuffle(rng);
        let n_train = self.split_point(train_fraction)?;
        self.stratify_order(&mut order, n_train);
        Ok((
            self.select(&order[..n_train]),
            self.select(&order[n_train..]),
        ))
    }

    /// [`Dataset::shuffled_split_stratified`] for a data set you no longer need (as
    /// [`Dataset::into_shuffled_split`]); same result.
    pub fn into_shuffled_split_stratified(
        self,
        rng: &mut Rng,
        train_fraction: f64,
    ) -> Result<(Dataset, Dataset)> {
        let mut order: Vec<usize> = (0..self.n_samples()).collect();
        order.shuffle(rng);
        let n_train = self.split_point(train_fraction)?;
        self.stratify_order(&mut order, n_train);
        self.into_split_by_order(order, n_train)
    }

    /// Like [`Dataset::split`] (no shuffle), but for classification each class keeps its share
    /// in both parts within one sample, as in [`Dataset::shuffled_split_stratified`].
    pub fn split_stratified(&self, train_fraction: f64) -> Result<(Dataset, Dataset)> {
        let n_train = self.split_point(train_fraction)?;
        let mut order: Vec<usize> = (0..self.n_samples()).collect();
        self.stratify_order(&mut order, n_train);
        Ok((
            self.select(&order[..n_train]),
            self.select(&order[n_train..]),
        ))
    }

    /// Reorders `order` so that its first `n_train` samples hold each class's share within
    /// one sample, keeping the relative order inside each part; unchanged when they already
    /// do, and for regression.
    ///
    /// ```text
    /// quota_c = m_c · n_train / m            (m_c samples of class c, m in all)
    /// t_c     = ⌊quota_c⌋, plus one for the classes with the largest remainders
    ///           (ties: the lower class index) until Σ t_c = n_train
    /// ```
    fn stratify_order(&self, order: &mut Vec<usize>, n_train: usize) {
        let Target::Classes { labels, classes } = &self.target else {
            return;
        };
        let m = labels.len();
        let counts = self.class_counts();
        let mut plain = vec![0usize; classes.len()];
        for &i in &order[..n_train] {
            plain[labels[i]] += 1;
        }
        // within one sample: |plain_c · m − m_c · n_train| < m, in exact integers
        let within = |c: usize, t: usize| (t * m).abs_diff(counts[c] * n_train) < m;
        if (0..classes.len()).all(|c| within(c, plain[c])) {
            return;
        }
        let quotas = largest_remainder(&counts, n_train, m);
        let mut taken = vec![0usize; classes.len()];
        let (mut train, mut test) = (Vec::with_capacity(n_train), Vec::with_capacity(m - n_train));
        for &i in order.iter() {
            let c = labels[i];
            if taken[c] < quotas[c] {
                taken[c] += 1;
                train.push(i);
            } else {
                test.push(i);
            }
        }
        train.extend(test);
        *order = train;
    }

    /// [`Dataset::shuffled_split`] for a data set you no longer need: when X is stored sample by
    /// sample (as the CSV loader stores it), the samples are permuted in place and the test
    /// rows split off, so only the test share is ever copied. Same result as `shuffled_split`.
    pub fn into_shuffled_split(
        self,
        rng: &mut Rng,
        train_fraction: f64,
    ) -> Result<(Dataset, Dataset)> {
        let mut order: Vec<usize> = (0..self.n_samples()).collect();
        order.shuffle(rng);
        let n_train = self.split_point(train_fraction)?;
        self.into_split_by_order(order, n_train)
    }

    /// The samples in `order` (a permutation), the first `n_train` as training rows, the rest
    /// as test rows; permuted in place when X is stored sample by sample.
    fn into_split_by_order(self, order: Vec<usize>, n_train: usize) -> Result<(Dataset, Dataset)> {
        let (d, m) = self.x.dim();
        // X (d × m) laid out sample by sample is the transpose of a standard (m × d) array.
        if !self.x.t().is_standard_layout() || d == 0 {
            return Ok((
                self.select(&order[..n_train]),
                self.select(&order[n_train..]),
            ));
        }
        let Dataset {
            feature_names,
            target_name,
            x,
            target,
            weights,
        } = self;
        let mut buf = x.reversed_axes().into_raw_vec_and_offset().0;
        // gather in place: sample k becomes old sample order[k], cycle by cycle
        let mut done = vec![false; m];
        let mut tmp = vec![0.0; d];
        for start in 0..m {
            if done[start] {
                continue;
            }
            tmp.copy_from_slice(&buf[start * d..(start + 1) * d]);
            let mut k = start;
            loop {
                done[k] = true;
                let next = order[k];
                if next == start {
                    buf[k * d..(k + 1) * d].copy_from_slice(&tmp);
                    break;
                }
                buf.copy_within(next * d..(next + 1) * d, k * d);
                k = next;
            }
        }
        let test_buf = buf.split_off(n_train * d);
        buf.shrink_to_fit();
        let target = target.select(&order);
        let weights = select_weights(weights.as_deref(), &order);
        let part = |xbuf: Vec<f64>, range: std::ops::Range<usize>| -> Result<Dataset> {
            let x = Array2::from_shape_vec((range.len(), d), xbuf)
                .map_err(|e| Error::Internal(e.to_string()))?
                .reversed_axes();
            Ok(Dataset {
                feature_names: feature_names.clone(),
                target_name: target_name.clone(),
                x,
                target: target.slice(range.clone()),
                weights: weights.as_ref().map(|w| w[range].to_vec()),
            })
        };
        Ok((part(buf, 0..n_train)?, part(test_buf, n_train..m)?))
    }

    /// Splits into (train, test): the first `round(m · train_fraction)` samples train, the rest
    /// test. `train_fraction` must be in (0, 1]; with 1 the test set is empty.
    pub fn split(&self, train_fraction: f64) -> Result<(Dataset, Dataset)> {
        let n_train = self.split_point(train_fraction)?;
        let all: Vec<usize> = (0..self.n_samples()).collect();
        Ok((self.select(&all[..n_train]), self.select(&all[n_train..])))
    }

    /// How many rows go to training for `train_fraction`; an error when a side would be empty.
    fn split_point(&self, train_fraction: f64) -> Result<usize> {
        if !(train_fraction > 0.0 && train_fraction <= 1.0) {
            return Err(Error::config(
                "train_fraction",
                format!("must be in (0, 1], got {train_fraction}"),
            ));
        }
        let m = self.n_samples();
        let n_train = ((m as f64) * train_fraction).round() as usize;
        let n_test = m - n_train.min(m);
        if n_train == 0 || (train_fraction < 1.0 && n_test == 0) {
            return Err(Error::Invalid(format!(
                "too few rows for a {:.0}/{:.0} split: {m} rows give {n_train} for training and {n_test} for testing",
                train_fraction * 100.0,
                (1.0 - train_fraction) * 100.0
            )));
        }
        Ok(n_train)
    }
}

/// The sample weights at `indices`, in that order (none without weights).
fn select_weights(weights: Option<&[f64]>, indices: &[usize]) -> Option<Vec<f64>> {
    weights.map(|w| indices.iter().map(|&i| w[i]).collect())
}

/// Per-class training counts that sum to `n_train`: ⌊m_c · n_train / m⌋, plus one for the
/// classes with the largest remainders (ties: the lower index).
fn largest_remainder(counts: &[usize], n_train: usize, m: usize) -> Vec<usize> {
    let mut quotas: Vec<usize> = counts.iter().map(|&n| n * n_train / m.max(1)).collect();
    let mut by_remainder: Vec<usize> = (0..counts.len()).collect();
    by_remainder.sort_by_key(|&c| std::cmp::Reverse(counts[c] * n_train % m.max(1)));
    let missing = n_train - quotas.iter().sum::<usize>();
    for &c in by_remainder.iter().take(missing) {
        quotas[c] += 1;
    }
    quotas
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use rand::SeedableRng;

    fn tiny() -> Dataset {
        Dataset::new(
            vec!["a".into(), "b".into()],
            "y".into(),
            array![[1.0, 2.0, 3.0, 4.0, 5.0], [10.0, 20.0, 30.0, 40.0, 50.0]],
            vec![0, 1, 0, 1, 1],
            vec!["0".into(), "1".into()],
        )
        .unwrap()
    }

    #[test]
    fn shuffle_keeps_rows_together_and_is_seeded() {
        let mut a = tiny();
        let mut b = tiny();
        a.shuffle(&mut Rng::seed_from_u64(3));
        b.shuffle(&mut Rng::seed_from_u64(3));
        assert_eq!(a, b);
        for j in 0..5 {
            assert_eq!(a.x[[1, j]], 10.0 * a.x[[0, j]]);
            let orig = a.x[[0, j]] as usize - 1;
            assert_eq!(a.labels()[j], tiny().labels()[orig]);
        }
    }

    #[test]
    fn split_80_20() {
        let (train, test) = tiny().split(0.8).unwrap();
        assert_eq!(train.n_samples(), 4);
        assert_eq!(test.n_samples(), 1);
        assert_eq!(test.x[[0, 0]], 5.0);
        let (train, test) = tiny().split(1.0).unwrap();
        assert_eq!((train.n_samples(), test.n_samples()), (5, 0));
    }

    #[test]
    fn shuffled_split_equals_shuffle_then_split() {
        let mut a = tiny();
        a.shuffle(&mut Rng::seed_from_u64(11));
        let expected = a.split(0.6).unwrap();
        let got = tiny()
            .shuffled_split(&mut Rng::seed_from_u64(11), 0.6)
            .unwrap();
        assert_eq!(got, expected);
    }

    #[test]
    fn in_place_shuffled_split_equals_the_copying_one() {
        // a sample-by-sample layout, as the CSV loader makes
        let x = Array2::from_shape_fn((7, 3), |(j, i)| (j * 10 + i) as f64).reversed_axes();
        let d = Dataset::new(
            vec!["a".into(), "b".into(), "c".into()],
            "y".into(),
            x,
            vec![0, 1, 0, 1, 1, 0, 1],
            vec!["0".into(), "1".into()],
        )
        .unwrap();
        assert!(d.x.t().is_standard_layout());
        let expected = d.shuffled_split(&mut Rng::seed_from_u64(4), 0.6).unwrap();
        let got = d
            .into_shuffled_split(&mut Rng::seed_from_u64(4), 0.6)
            .unwrap();
        assert_eq!(got, expected);
        // and the fallback for the other layout
        let expected = tiny()
            .shuffled_split(&mut Rng::seed_from_u64(4), 0.6)
            .unwrap();
        assert_eq!(
            tiny()
                .into_shuffled_split(&mut Rng::seed_from_u64(4), 0.6)
                .unwrap(),
            expected
        );
    }

    /// 50 samples of three classes, 30 / 15 / 5 (in blocks), one feature: the sample index.
    fn imbalanced() -> Dataset {
        let labels: Vec<usize> = (0..50)
            .map(|i| usize::from(i >= 30) + usize::from(i >= 45))
            .collect();
        let x = Array2::from_shape_fn((1, 50), |(_, j)| j as f64);
        let classes = vec!["a".into(), "b".into(), "c".into()];
        Dataset::new(vec!["i".into()], "y".into(), x, labels, classes).unwrap()
    }

    #[test]
    fn stratified_split_keeps_each_class_share_and_is_seeded() {
        let d = imbalanced();
        for seed in 0..30 {
            // 80/20 of 30 / 15 / 5: quotas 24 / 12 / 4 exactly, so the test rows are 6 / 3 / 1
            let (train, test) = d
                .shuffled_split_stratified(&mut Rng::seed_from_u64(seed), 0.8)
                .unwrap();
            assert_eq!(train.class_counts(), vec![24, 12, 4], "seed {seed}");
            assert_eq!(test.class_counts(), vec![6, 3, 1], "seed {seed}");
            let again = d
                .shuffled_split_stratified(&mut Rng::seed_from_u64(seed), 0.8)
                .unwrap();
            assert_eq!(again, (train.clone(), test.clone()));
            let owned = d
                .clone()
                .into_shuffled_split_stratified(&mut Rng::seed_from_u64(seed), 0.8)
                .unwrap();
            assert_eq!(owned, (train.clone(), test));
            // 70/30 of those 40 (no shuffle): 28 rows fit, quotas 16.8 / 8.4 / 2.8, so each
            // class's count is one of the two integers around its quota
            let (fit, valid) = train.split_stratified(0.7).unwrap();
            let got = fit.class_counts();
            assert!(
                [16, 17].contains(&got[0]) && [8, 9].contains(&got[1]),
                "{got:?}"
            );
            assert!(
                [2, 3].contains(&got[2]) && valid.n_samples() == 12,
                "{got:?}"
            );
        }
    }

    #[test]
    fn stratified_split_keeps_a_shuffle_that_is_already_stratified() {
        // 5 samples (2 of class 0, 3 of class 1), 60/40: quotas 1.2 / 1.8, so any plain
        // training part with 1 or 2 of each class is kept; only 0 / 3 is changed (to 1 / 2)
        let mut kept = 0;
        for seed in 0..40 {
            let plain = tiny()
                .shuffled_split(&mut Rng::seed_from_u64(seed), 0.6)
                .unwrap();
            let strat = tiny()
                .shuffled_split_stratified(&mut Rng::seed_from_u64(seed), 0.6)
                .unwrap();
            if plain.0.class_counts() == vec![0, 3] {
                assert_eq!(strat.0.class_counts(), vec![1, 2]);
            } else {
                assert_eq!(strat, plain);
                kept += 1;
            }
        }
        assert!(
            kept < 40,
            "the test should see a shuffle that needs changing"
        );
    }

    #[test]
    fn stratified_split_of_regression_is_the_plain_shuffle() {
        let x = Array2::from_shape_fn((1, 9), |(_, j)| j as f64);
        let r = Dataset::regression(
            vec!["a".into()],
            "t".into(),
            x,
            (0..9).map(f64::from).collect(),
        )
        .unwrap();
        assert_eq!(
            r.shuffled_split_stratified(&mut Rng::seed_from_u64(5), 0.7)
                .unwrap(),
            r.shuffled_split(&mut Rng::seed_from_u64(5), 0.7).unwrap()
        );
    }

    #[test]
    fn weights_travel_with_their_rows_through_shuffles_and_splits() {
        // weight of sample j = 10·(its feature a), so every part can be checked row by row
        let x = Array2::from_shape_fn((7, 2), |(j, k)| (j + k) as f64).reversed_axes();
        let weighted = Dataset::new(
            vec!["a".into(), "b".into()],
            "y".into(),
            x,
            vec![0, 1, 0, 1, 1, 0, 1],
            vec!["0".into(), "1".into()],
        )
        .unwrap()
        .with_weights((0..7).map(|j| 10.0 * j as f64).collect())
        .unwrap();
        let check = |d: &Dataset| {
            let w = d.weights.as_ref().unwrap();
            assert_eq!(w.len(), d.n_samples());
            for (j, &wj) in w.iter().enumerate() {
                assert_eq!(wj, 10.0 * d.x[[0, j]]);
            }
        };
        let mut rng = Rng::seed_from_u64(2);
        let (a, b) = weighted.shuffled_split(&mut rng, 0.6).unwrap();
        let (c, d) = weighted.clone().into_shuffled_split(&mut rng, 0.6).unwrap();
        let (e, f) = weighted.shuffled_split_stratified(&mut rng, 0.6).unwrap();
        let (g, h) = weighted.split(0.5).unwrap();
        for part in [&a, &b, &c, &d, &e, &f, &g, &h] {
            check(part);
        }
        assert!(tiny().with_weights(vec![1.0; 4]).is_err());
        assert!(tiny().with_weights(vec![1.0, -1.0, 1.0, 1.0, 1.0]).is_err());
    }

    #[test]
    fn split_rejects_too_few_rows() {
        let one = tiny().select(&[0]);
        assert!(one.split(0.8).is_err());
    }

    #[test]
    fn multiclass_y_is_one_hot_and_regression_y_holds_values() {
        let x = array![[1.0, 2.0, 3.0]];
        let d = Dataset::new(
            vec!["a".into()],
            "y".into(),
            x.clone(),
            vec![2, 0, 1],
            vec!["a".into(), "b".into(), "c".into()],
        )
        .unwrap();
        assert_eq!(d.task(), Task::Multiclass);
        assert_eq!(
            d.y(),
            array![[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
        );
        let r = Dataset::regression(vec!["a".into()], "t".into(), x, vec![0.5, -1.0, 2.0]).unwrap();
        assert_eq!(r.task(), Task::Regression);
        assert_eq!(r.y(), array![[0.5, -1.0, 2.0]]);
        assert_eq!(r.select(&[2, 0]).values(), vec![2.0, 0.5]);
    }

    #[test]
    fn y_is_one_by_m() {
        assert_eq!(tiny().y(), array![[0.0, 1.0, 0.0, 1.0, 1.0]]);
        assert_eq!(tiny().class_counts(), vec![2, 3]);
    }
}
