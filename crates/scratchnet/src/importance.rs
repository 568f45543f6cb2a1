//! Permutation importance: how much a trained model's score drops when the values of one of
//! its raw input columns are shuffled across the rows. The shuffle keeps the column's values
//! (its distribution) and breaks only their link to the target and to the other columns, so
//! the drop measures how much the model relies on that column (Breiman, "Random Forests",
//! 2001; scikit-learn's `sklearn.inspection.permutation_importance`).
//!
//! ```text
//! s(X), ℓ(X): the score and the loss of the model on the rows X with their targets
//!             s = accuracy (classes) or R² (regression)
//!             ℓ = log loss (classes) or MSE = mean (ŷ − y)², in the target's units (regression)
//! for each raw input column c, for r = 1 … R (the repeats):
//!     π_r          a seeded random permutation of the m rows
//!     X_{c,π}      X with column c moved: row j gets row π_r(j)'s value of c, the rest stay
//!     Δs_{c,r} = s(X) − s(X_{c,π})      (score drop; > 0 when c matters)
//!     Δℓ_{c,r} = ℓ(X_{c,π}) − ℓ(X)      (loss increase)
//! importance of c: mean and sample sd (n − 1) of Δs_c and of Δℓ_c over the R repeats
//! ```
//! The columns are reported by mean score drop, highest first (ties by loss increase). A
//! drop below 0 is noise: the shuffle happened to help on these rows.
//!
//! **A column is a raw input column**, as the model reads it from a CSV file: with a column
//! plan ([`crate::prep::Plan`]) a categorical column is moved as a whole, before one-hot
//! encoding, and a numeric column with imputed missing values is moved with them; without
//! a plan (an all-numeric model) each feature is one column. [`input_columns`] lists them
//! with the range of encoded features each becomes.
//!
//! **The data is prepared once.** The rows are read through the plan, standardized and kept;
//! a repeat moves the prepared rows and runs one forward pass, without parsing or encoding
//! anything again. That gives the same X̃ as shuffling the raw column and preparing it anew,
//! because both preparation steps treat each sample on its own with fitted values:
//! ```text
//! plan:         encode(row j) uses only row j's cell and the fitted median, mode, categories
//!               → encoding the moved column = moving the encoded features of c, all together
//!                 (a one-hot block moves as one, so every sample keeps one category, or the
//!                 all-zeros of an unseen one; an imputed median moves with its row)
//! standardize:  x̃_fj = (x_fj − μ_f) / σ_f with the training μ_f, σ_f per feature f
//!               → standardizing a moved row = moving the standardized row
//! ```
//! So [`permute_features`] moves the rows of c's encoded features by one permutation.
//!
//! The permutations come from one seeded stream ([`crate::train::Stream::Permutations`]),
//! drawn column by column in the model's column order, repeat by repeat: the same seed gives
//! bit-identical results (with the same thread count, as every prediction here).
//!
//! Shapes: m = samples, d = encoded features, k = classes; X̃ is (d × m), one column per
//! sample, so a feature is a row and moving samples reorders the entries of that row.

use std::ops::Range;

use ndarray::{Array2, ArrayView2, s};
use rand::seq::SliceRandom;
use serde::Serialize;

use crate::cv::Summary;
use crate::data::{Dataset, Target, Task};
use crate::experiment::check_fits;
use crate::metrics::{RegressionReport, categorical_log_loss, log_loss};
use crate::model_file::{Model, check_finite_output, classes_of};
use crate::prep::Column;
use crate::train::{Stream, rng};
use crate::{Error, Result, Rng};

/// The repeats per column when none are given.
pub const DEFAULT_REPEATS: usize = 5;

/// One raw input column of a model and the encoded features it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputColumn {
    /// The column's name in the data file.
    pub name: String,
    /// Its encoded features: rows of X (d × m), a numeric column one, a categorical column one
    /// per category.
    pub features: Range<usize>,
}

/// The raw input columns of `model` in the order it reads them: the plan's numeric and
/// categorical columns (ignored ones left out), or, without a plan, one per feature.
pub fn input_columns(model: &Model) -> Vec<InputColumn> {
    let Some(plan) = &model.prep else {
        return (0..model.features.len())
            .map(|f| InputColumn {
                name: model.features[f].clone(),
                features: f..f + 1,
            })
            .collect();
    };
    let mut columns = Vec::new();
    let mut offset = 0;
    for c in &plan.columns {
        // a missing-value indicator moves with its column
        let width = match c {
            Column::Ignored { .. } => continue,
            _ => c.width(),
        };
        columns.push(InputColumn {
            name: c.name().to_string(),
            features: offset..offset + width,
        });
        offset += width;
    }
    columns
}

/// A seeded random permutation of 0..m (Fisher–Yates through `rand`'s `shuffle`).
pub fn permutation(m: usize, rng: &mut Rng) -> Vec<usize> {
    let mut perm: Vec<usize> = (0..m).collect();
    perm.shuffle(rng);
    perm
}

/// Moves the samples of the rows `features` of X (d × m) by `perm`: afterwards
/// `X[f, j]` is the old `X[f, perm[j]]` for every f in `features`; the other rows keep their
/// values. All rows of the range move by the same permutation, so a one-hot block stays one
/// category per sample. An error when `perm` is not a permutation of 0..m or the range is
/// outside X.
pub fn permute_features(x: &mut Array2<f64>, features: Range<usize>, perm: &[usize]) -> Result<()> {
    let m = x.ncols();
    if features.end > x.nrows() || !is_permutation(perm, m) {
        return Err(Error::Invalid(format!(
            "cannot move features {features:?} of X ({} × {m}) by a permutation of {} rows",
            x.nrows(),
            perm.len()
        )));
    }
    let mut old = vec![0.0; m];
    for f in features {
        let mut row = x.row_mut(f);
        old.iter_mut().zip(row.iter()).for_each(|(o, &v)| *o = v);
        // x_fj := x_f,π(j)
        row.iter_mut().zip(perm).for_each(|(v, &p)| *v = old[p]);
    }
    Ok(())
}

fn is_permutation(perm: &[usize], m: usize) -> bool {
    let mut seen = vec![false; m];
    perm.len() == m
        && perm
            .iter()
            .all(|&p| p < m && !std::mem::replace(&mut seen[p], true))
}

/// A model's score and loss on some rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    /// Accuracy (classes) or R² (regression).
    pub score: f64,
    /// Log loss (classes) or mean squared error in the target's units (regression).
    pub loss: f64,
}

/// Rows prepared once for a model (standardized with its statistics) with their targets:
/// scores the unshuffled rows and rows with one column moved.
#[derive(Debug)]
pub struct Scorer<'a> {
    model: &'a Model,
    /// X̃ (d × m), standardized; a permutation is undone after scoring.
    x: Array2<f64>,
    target: &'a Target,
    baseline: Score,
}

impl<'a> Scorer<'a> {
    /// Prepares `data` (raw units, the model's features, task and classes, at least one row)
    /// and scores it unshuffled.
    pub fn new(model: &'a Model, data: &'a Dataset) -> Result<Scorer<'a>> {
        check_fits(model, data)?;
        if data.n_samples() == 0 {
            return Err(Error::Invalid("no rows to score".into()));
        }
        let x = model.standardizer.transform(data.x.view())?;
        let mut scorer = Scorer {
            model,
            x,
            target: &data.target,
            baseline: Score {
                score: f64::NAN,
                loss: f64::NAN,
            },
        };
        scorer.baseline = scorer.score(scorer.x.view())?;
        Ok(scorer)
    }

    /// The score and loss of the unshuffled rows.
    pub fn baseline(&self) -> Score {
        self.baseline
    }

    /// The score and loss with the encoded `features` moved by `perm` (see
    /// [`permute_features`]); the prepared rows are restored afterwards.
    pub fn permuted(&mut self, features: Range<usize>, perm: &[usize]) -> Result<Score> {
        let saved = self.x.slice(s![features.clone(), ..]).to_owned();
        permute_features(&mut self.x, features.clone(), perm)?;
        let score = self.score(self.x.view());
        self.x.slice_mut(s![features, ..]).assign(&saved);
        score
    }

    /// The score and loss of the model on standardized rows `x` (d × m) with the targets.
    fn score(&self, x: ArrayView2<f64>) -> Result<Score> {
        let model = self.model;
        let out = model.engine.predict_proba(&model.network, x)?;
        check_finite_output(&out)?;
        Ok(match self.target {
            Target::Classes { labels, classes } => {
                let predicted = classes_of(&out);
                let correct = predicted.iter().zip(labels).filter(|(p, t)| p == t).count();
                let loss = if classes.len() == 2 {
                    log_loss(&out.row(0).to_vec(), labels)
                } else {
                    let proba: Vec<Vec<f64>> = out.rows().into_iter().map(|r| r.to_vec()).collect();
                    categorical_log_loss(&proba, labels)
                };
                Score {
                    score: correct as f64 / labels.len() as f64,
                    loss,
                }
            }
            Target::Values(values) => {
                let predicted = match &model.target_standardizer {
                    Some(t) => t.inverse(out.view()),
                    None => out,
                };
                let predicted: Vec<f64> = predicted.iter().copied().collect();
                let r = RegressionReport::new(0.0, &predicted, values);
                // MSE = RMSE²
                Score {
                    score: r.r2,
                    loss: r.rmse * r.rmse,
                }
            }
        })
    }
}

/// The importance of one raw input column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnImportance {
    /// The column's name in the data file.
    pub column: String,
    /// The encoded features it becomes (`island=Biscoe`, …; its own name when numeric).
    pub features: Vec<String>,
    /// s(X) − s(X shuffled): mean and sd over the repeats.
    pub score_drop: Summary,
    /// ℓ(X shuffled) − ℓ(X): mean and sd over the repeats.
    pub loss_increase: Summary,
    /// Each repeat's score drop.
    pub score_drops: Vec<f64>,
    /// Each repeat's loss increase.
    pub loss_increases: Vec<f64>,
}

/// The permutation importance of every input column of a model on some rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportanceReport {
    /// The network, e.g. `2-4-1 tanh/sigmoid`.
    pub model: String,
    /// The rows scored.
    pub samples: usize,
    /// Permutations per column.
    pub repeats: usize,
    /// The seed of the permutations.
    pub seed: u64,
    /// `accuracy` or `r2`.
    pub score_name: &'static str,
    /// `log_loss` or `mse`.
    pub loss_name: &'static str,
    /// Score and loss of the unshuffled rows.
    pub baseline: Score,
    /// One entry per input column, highest mean score drop first.
    pub columns: Vec<ColumnImportance>,
}

/// Permutation importance of every input column of `model` on `data` (raw units, the model's
/// features, task and classes; read it with [`Model::read_raw`]): `repeats` (≥ 1) seeded
/// permutations per column (see the module docs).
pub fn permutation_importance(
    model: &Model,
    data: &Dataset,
    repeats: usize,
    seed: u64,
) -> Result<ImportanceReport> {
    if repeats == 0 {
        return Err(Error::config("repeats", "must be at least 1, got 0"));
    }
    let mut scorer = Scorer::new(model, data)?;
    let base = scorer.baseline();
    let mut rng = rng(seed, Stream::Permutations);
    let m = data.n_samples();
    let mut columns = Vec::new();
    for col in input_columns(model) {
        let (mut score_drops, mut loss_increases) = (Vec::new(), Vec::new());
        for _ in 0..repeats {
            let perm = permutation(m, &mut rng);
            let shuffled = scorer.permuted(col.features.clone(), &perm)?;
            score_drops.push(base.score - shuffled.score);
            loss_increases.push(shuffled.loss - base.loss);
        }
        columns.push(ColumnImportance {
            features: model.features[col.features].to_vec(),
            column: col.name,
            score_drop: Summary::of(&score_drops),
            loss_increase: Summary::of(&loss_increases),
            score_drops,
            loss_increases,
        });
    }
    // highest mean score drop first, then highest loss increase; stable for full ties
    columns.sort_by(|a, b| {
        (b.score_drop.mean.total_cmp(&a.score_drop.mean))
            .then(b.loss_increase.mean.total_cmp(&a.loss_increase.mean))
    });
    let regression = model.task() == Task::Regression;
    Ok(ImportanceReport {
        model: model.network.describe(),
        samples: m,
        repeats,
        seed,
        score_name: if regression { "r2" } else { "accuracy" },
        loss_name: if regression { "mse" } else { "log_loss" },
        baseline: base,
        columns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permute_features_moves_the_given_rows_together_and_leaves_the_others() {
        // X (3 × 4); move rows 1..3 by π = [2, 0, 3, 1]: new x_fj = old x_f,π(j)
        let mut x = ndarray::array![
            [1.0, 2.0, 3.0, 4.0],
            [10.0, 20.0, 30.0, 40.0],
            [0.0, 1.0, 0.0, 0.0]
        ];
        permute_features(&mut x, 1..3, &[2, 0, 3, 1]).unwrap();
        assert_eq!(
            x,
            ndarray::array![
                [1.0, 2.0, 3.0, 4.0],
                [30.0, 10.0, 40.0, 20.0],
                [0.0, 0.0, 0.0, 1.0]
            ]
        );
        assert!(permute_features(&mut x, 0..1, &[0, 0, 1, 2]).is_err());
        assert!(permute_features(&mut x, 0..1, &[0, 1, 2]).is_err());
        assert!(permute_features(&mut x, 2..4, &[0, 1, 2, 3]).is_err());
    }

    #[test]
    fn permutations_are_seeded_and_cover_every_row() {
        let a = permutation(50, &mut rng(3, Stream::Permutations));
        let b = permutation(50, &mut rng(3, Stream::Permutations));
        let c = permutation(50, &mut rng(4, Stream::Permutations));
        assert_eq!(a, b);
        assert_ne!(a, c);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    }
}
