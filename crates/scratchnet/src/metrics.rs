//! Classification metrics: the confusion matrix and what is computed from it.
//!
//! ```text
//! accuracy  = (TP + TN) / m
//! precision = TP / (TP + FP)      reported as 0 (with a warning) when nothing is predicted positive
//! recall    = TP / (TP + FN)      reported as 0 (with a warning) when no sample is positive
//! F1        = 2 · P · R / (P + R) reported as 0 when P + R = 0
//! ```
//! From the predicted probability p of the positive class (two classes), with m₊ positive and
//! m₋ negative samples, as scikit-learn defines them:
//! ```text
//! balanced accuracy = (TP / (TP + FN) + TN / (TN + FP)) / 2   (the mean over the classes present)
//! ROC AUC  = (R₊ − m₊(m₊ + 1)/2) / (m₊ · m₋)    R₊ = Σ ranks of the positives' p, tied p sharing
//!                                               their average rank (Mann–Whitney U / m₊m₋);
//!                                               undefined (None, with a warning) for one class
//! PR AUC   = Σₙ (Rₙ − Rₙ₋₁) · Pₙ                average precision: n runs over the distinct p,
//!                                               highest first, Pₙ and Rₙ the precision and recall
//!                                               of "positive when p ≥ that value", R₀ = 0;
//!                                               undefined (None) without positive samples
//! log loss = −(1/m) Σ [y ln p + (1 − y) ln(1 − p)]   p clipped to [ε, 1 − ε], ε = f64::EPSILON
//! ```
//! For k classes the same per class (one class against the rest), then averaged: macro (plain
//! mean over classes) and weighted (by each class's support, its number of true samples).
//! For regression: RMSE = sqrt(mean (ŷ − y)²), MAE = mean |ŷ − y|, R² = 1 − SS_res / SS_tot.

use serde::{Deserialize, Serialize};

/// Counts of a binary classifier's outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// Predicted 1, truly 1.
    pub tp: usize,
    /// Predicted 1, truly 0.
    pub fp: usize,
    /// Predicted 0, truly 0.
    pub tn: usize,
    /// Predicted 0, truly 1.
    #[serde(rename = "fn")]
    pub fn_: usize,
}

impl ConfusionMatrix {
    /// Counts from predicted and true labels (each 0 or 1; anything non-zero counts as 1).
    pub fn from_labels(predicted: &[usize], truth: &[usize]) -> Self {
        let mut c = ConfusionMatrix::default();
        for (&p, &t) in predicted.iter().zip(truth) {
            match (p != 0, t != 0) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.fn_ += 1,
            }
        }
        c
    }

    /// Number of samples m.
    pub fn total(&self) -> usize {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// (TP + TN) / m; 0 for no samples.
    pub fn accuracy(&self) -> f64 {
        ratio(self.tp + self.tn, self.total())
    }

    /// TP / (TP + FP); 0 when nothing was predicted positive.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// TP / (TP + FN); 0 when no sample is positive.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// 2·P·R / (P + R); 0 when P + R = 0.
    pub fn f1(&self) -> f64 {
        f1_score(self.precision(), self.recall())
    }

    /// Warnings for metrics that were undefined and reported as 0.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.tp + self.fp == 0 {
            w.push("precision is undefined (no positive predictions); reported as 0".to_string());
        }
        if self.tp + self.fn_ == 0 {
            w.push("recall is undefined (no positive samples); reported as 0".to_string());
        }
        w
    }
}

impl ConfusionMatrix {
    /// Counts of the decisions "positive when p > `threshold`" against the true labels.
    pub fn at_threshold(scores: &[f64], truth: &[usize], threshold: f64) -> Self {
        let predicted: Vec<usize> = scores.iter().map(|&p| usize::from(p > threshold)).collect();
        ConfusionMatrix::from_labels(&predicted, truth)
    }

    /// (TPR + TNR) / 2, the mean recall of the two classes; a class without samples is left
    /// out of the mean (scikit-learn's choice); 0 for no samples.
    pub fn balanced_accuracy(&self) -> f64 {
        let recalls: Vec<f64> = [(self.tp, self.fn_), (self.tn, self.fp)]
            .iter()
            .filter(|(hit, miss)| hit + miss > 0)
            .map(|&(hit, miss)| ratio(hit, hit + miss))
            .collect();
        if recalls.is_empty() {
            0.0
        } else {
            recalls.iter().sum::<f64>() / recalls.len() as f64
        }
    }
}

/// The sample indices sorted by score, and the runs of tied scores as index ranges into that
/// order (ascending scores).
fn tied_runs(scores: &[f64]) -> (Vec<usize>, Vec<std::ops::Range<usize>>) {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=order.len() {
        if i == order.len() || scores[order[i]] != scores[order[start]] {
            runs.push(start..i);
            start = i;
        }
    }
    (order, runs)
}

/// ROC AUC of scores (higher = more likely positive) against labels (non-zero = positive):
/// the rank statistic (R₊ − m₊(m₊ + 1)/2) / (m₊ · m₋), ties given their average rank, which
/// is the area under the ROC curve with tied scores joined by straight lines. `None` when
/// either class has no samples.
pub fn roc_auc(scores: &[f64], truth: &[usize]) -> Option<f64> {
    let positives = truth.iter().filter(|&&t| t != 0).count();
    let negatives = truth.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let (order, runs) = tied_runs(scores);
    let mut rank_sum = 0.0; // R₊
    for run in runs {
        // ranks start + 1 ..= end share their mean, (start + 1 + end) / 2
        let rank = (run.start + 1 + run.end) as f64 / 2.0;
        let pos = order[run].iter().filter(|&&i| truth[i] != 0).count();
        rank_sum += rank * pos as f64;
    }
    let (p, n) = (positives as f64, negatives as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// Average precision, Σₙ (Rₙ − Rₙ₋₁) · Pₙ over the distinct scores from the highest down
/// (scikit-learn's `average_precision_score`: no interpolation, tied scores one step).
/// `None` without positive samples.
pub fn average_precision(scores: &[f64], truth: &[usize]) -> Option<f64> {
    let positives = truth.iter().filter(|&&t| t != 0).count();
    if positives == 0 {
        return None;
    }
    let (order, runs) = tied_runs(scores);
    let (mut tp, mut seen, mut ap) = (0usize, 0usize, 0.0);
    for run in runs.into_iter().rev() {
        // everything with p ≥ this run's score is predicted positive
        let new_tp = order[run.clone()]
            .iter()
            .filter(|&&i| truth[i] != 0)
            .count();
        seen += run.len();
        tp += new_tp;
        // Rₙ − Rₙ₋₁ = new TP / m₊;  Pₙ = TP / predicted positive
        ap += (new_tp as f64 / positives as f64) * (tp as f64 / seen as f64);
    }
    Some(ap)
}

/// Binary cross-entropy of probabilities p against labels, p clipped to [ε, 1 − ε]
/// (ε = f64::EPSILON, as scikit-learn's `log_loss`); 0 for no samples.
pub fn log_loss(scores: &[f64], truth: &[usize]) -> f64 {
    let eps = f64::EPSILON;
    let total: f64 = scores
        .iter()
        .zip(truth)
        .map(|(&p, &t)| {
            let p = p.clamp(eps, 1.0 - eps);
            if t != 0 { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    total / truth.len().max(1) as f64
}

/// F1 = 2·P·R / (P + R), the harmonic mean of precision and recall (0 when both are 0).
fn f1_score(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// The weight of sample j: `weights[j]`, or 1 for `None`.
fn weight_at(weights: Option<&[f64]>, j: usize) -> f64 {
    weights.map_or(1.0, |w| w[j])
}

/// Accuracy, each sample counting its weight (every weight 1 for `None`):
/// Σ w·[ŷ = y] / Σ w; 0 when the weights sum to 0.
pub fn accuracy(predicted: &[usize], truth: &[usize], weights: Option<&[f64]>) -> f64 {
    let (mut right, mut total) = (0.0, 0.0);
    for (j, (p, t)) in predicted.iter().zip(truth).enumerate() {
        let w = weight_at(weights, j);
        total += w;
        if p == t {
            right += w;
        }
    }
    if total > 0.0 { right / total } else { 0.0 }
}

/// R² = 1 − Σ w·(y − ŷ)² / Σ w·(y − ȳ)², ȳ = Σ w·y / Σ w, each sample counting its weight
/// (every weight 1 for `None`: the plain R², to the bit); 0 when the target is constant.
pub fn r2(predicted: &[f64], truth: &[f64], weights: Option<&[f64]>) -> f64 {
    let total: f64 = (0..truth.len()).map(|j| weight_at(weights, j)).sum();
    let weighted_sum: f64 = truth
        .iter()
        .enumerate()
        .map(|(j, t)| weight_at(weights, j) * t)
        .sum();
    let mean = weighted_sum / total.max(f64::MIN_POSITIVE);
    let ss = |f: &dyn Fn(usize, f64) -> f64| -> f64 {
        truth
            .iter()
            .enumerate()
            .map(|(j, &t)| weight_at(weights, j) * f(j, t))
            .sum()
    };
    let ss_res = ss(&|j, t| (predicted[j] - t) * (predicted[j] - t));
    let ss_tot = ss(&|_, t| (t - mean) * (t - mean));
    if ss_tot > 0.0 {
        1.0 - ss_res / ss_tot
    } else {
        0.0
    }
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// The metrics of one model on one data set, as the JSON report shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The cost J on this data.
    pub loss: f64,
    /// (TP + TN) / m.
    pub accuracy: f64,
    /// TP / (TP + FP).
    pub precision: f64,
    /// TP / (TP + FN).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// The counts everything else comes from.
    pub confusion: ConfusionMatrix,
    /// (TPR + TNR) / 2.
    #[serde(default)]
    pub balanced_accuracy: f64,
    /// Area under the ROC curve (ties averaged); `null` when only one class is present.
    #[serde(default)]
    pub roc_auc: Option<f64>,
    /// Area under the precision–recall curve as average precision; `null` without positives.
    #[serde(default)]
    pub pr_auc: Option<f64>,
    /// Binary cross-entropy of the probabilities (p clipped to [ε, 1 − ε]).
    #[serde(default)]
    pub log_loss: f64,
    /// The decision threshold: positive when p > threshold.
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// Metrics that were undefined and reported as 0 (or null).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The decision threshold used when none is given: 0.5.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

fn default_threshold() -> f64 {
    DEFAULT_THRESHOLD
}

impl Report {
    /// A report from the loss, the predicted probabilities p of the positive class, the true
    /// labels (0 or 1) and the decision threshold (positive when p > threshold).
    pub fn new(loss: f64, scores: &[f64], truth: &[usize], threshold: f64) -> Self {
        let confusion = ConfusionMatrix::at_threshold(scores, truth, threshold);
        let roc_auc = roc_auc(scores, truth);
        let pr_auc = average_precision(scores, truth);
        let mut warnings = confusion.warnings();
        if roc_auc.is_none() {
            warnings.push(
                "ROC AUC is undefined (only one class among the true labels); reported as null"
                    .to_string(),
            );
        }
        if pr_auc.is_none() {
            warnings
                .push("PR AUC is undefined (no positive samples); reported as null".to_string());
        }
        Report {
            loss,
            accuracy: confusion.accuracy(),
            precision: confusion.precision(),
            recall: confusion.recall(),
            f1: confusion.f1(),
            confusion,
            balanced_accuracy: confusion.balanced_accuracy(),
            roc_auc,
            pr_auc,
            log_loss: log_loss(scores, truth),
            threshold,
            warnings,
        }
    }
}

/// Precision, recall and F1 of one class (one against the rest), with its support.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// The class label.
    pub class: String,
    /// TP / (TP + FP) for this class.
    pub precision: f64,
    /// TP / (TP + FN) for this class.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
    /// Number of samples truly of this class.
    pub support: usize,
}

/// Averages of per-class metrics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Averages {
    /// Mean precision.
    pub precision: f64,
    /// Mean recall.
    pub recall: f64,
    /// Mean F1.
    pub f1: f64,
}

/// The metrics of a k-class model on one data set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MulticlassReport {
    /// The cost J (categorical cross-entropy).
    pub loss: f64,
    /// Share of samples whose predicted class (the most probable) is the true one.
    pub accuracy: f64,
    /// Macro-averaged precision.
    pub precision: f64,
    /// Macro-averaged recall.
    pub recall: f64,
    /// Macro-averaged F1.
    pub f1: f64,
    /// The k×k confusion matrix: `confusion_matrix[true][predicted]`.
    pub confusion_matrix: Vec<Vec<usize>>,
    /// The class labels, in the matrix's order.
    pub classes: Vec<String>,
    /// Per-class precision, recall, F1 and support.
    pub per_class: Vec<ClassMetrics>,
    /// Plain mean over classes.
    #[serde(rename = "macro")]
    pub macro_avg: Averages,
    /// Mean weighted by support.
    pub weighted: Averages,
    /// Macro one-vs-rest ROC AUC: the mean over classes c of the ROC AUC of p_c for "class c
    /// against the rest" (scikit-learn's `multi_class="ovr"`, `average="macro"`); `null` when
    /// a class has no samples here.
    #[serde(default)]
    pub roc_auc: Option<f64>,
    /// Categorical cross-entropy −(1/m) Σ ln p_true (p clipped to [ε, 1 − ε]).
    #[serde(default)]
    pub log_loss: f64,
    /// Metrics that were undefined and reported as 0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl MulticlassReport {
    /// Builds the report from the loss, the probabilities (`proba[c][j]`: class c, sample j;
    /// k rows of m), the predicted and the true class indices.
    pub fn new(
        loss: f64,
        classes: &[String],
        proba: &[Vec<f64>],
        predicted: &[usize],
        truth: &[usize],
    ) -> Self {
        let k = classes.len();
        let cm = confusion_matrix(k, predicted, truth);
        let m: usize = cm.iter().flatten().sum();
        let correct: usize = (0..k).map(|i| cm[i][i]).sum();
        let per_class: Vec<ClassMetrics> = (0..k).map(|c| class_metrics(&cm, c, classes)).collect();
        let warnings = per_class
            .iter()
            .zip(0..k)
            .filter(|(_, c)| (0..k).all(|t| cm[t][*c] == 0))
            .map(|(cls, _)| {
                format!(
                    "precision of class `{}` is undefined (never predicted); reported as 0",
                    cls.class
                )
            })
            .collect::<Vec<String>>();
        let roc_auc = macro_ovr_auc(proba, truth, k);
        let mut warnings = warnings;
        if roc_auc.is_none() {
            warnings.push(
                "ROC AUC is undefined (a class has no samples here); reported as null".to_string(),
            );
        }
        let macro_avg = averages(&per_class, |_| 1.0);
        let weighted = averages(&per_class, |c| c.support as f64);
        MulticlassReport {
            loss,
            accuracy: ratio(correct, m),
            precision: macro_avg.precision,
            recall: macro_avg.recall,
            f1: macro_avg.f1,
            confusion_matrix: cm,
            classes: classes.to_vec(),
            per_class,
            macro_avg,
            weighted,
            roc_auc,
            log_loss: categorical_log_loss(proba, truth),
            warnings,
        }
    }
}

/// Mean over the k classes of the ROC AUC of "class c against the rest" scored by p_c;
/// `None` when some class has no samples (or all samples are of one class).
fn macro_ovr_auc(proba: &[Vec<f64>], truth: &[usize], k: usize) -> Option<f64> {
    if proba.len() != k || k == 0 {
        return None;
    }
    let mut sum = 0.0;
    for (c, scores) in proba.iter().enumerate() {
        let is_c: Vec<usize> = truth.iter().map(|&t| usize::from(t == c)).collect();
        sum += roc_auc(scores, &is_c)?;
    }
    Some(sum / k as f64)
}

/// Categorical cross-entropy of k-class probabilities (`proba[c][j]`: class c, sample j)
/// against the true class indices: −(1/m) Σⱼ ln p_{true class of j, j}, p clipped to
/// [ε, 1 − ε] (as scikit-learn's `log_loss`); 0 for no samples.
pub fn categorical_log_loss(proba: &[Vec<f64>], truth: &[usize]) -> f64 {
    let eps = f64::EPSILON;
    let total: f64 = truth
        .iter()
        .enumerate()
        .filter_map(|(j, &t)| proba.get(t).and_then(|row| row.get(j)))
        .map(|&p| -p.clamp(eps, 1.0 - eps).ln())
        .sum();
    total / truth.len().max(1) as f64
}

/// The k×k confusion matrix: entry [t][p] counts the samples of true class t predicted as p.
fn confusion_matrix(k: usize, predicted: &[usize], truth: &[usize]) -> Vec<Vec<usize>> {
    let mut cm = vec![vec![0usize; k]; k];
    for (&p, &t) in predicted.iter().zip(truth) {
        if p < k && t < k {
            cm[t][p] += 1;
        }
    }
    cm
}

/// Precision, recall and F1 of class c, one class against the rest.
fn class_metrics(cm: &[Vec<usize>], c: usize, classes: &[String]) -> ClassMetrics {
    let tp = cm[c][c];
    let predicted_c: usize = cm.iter().map(|row| row[c]).sum();
    let support: usize = cm[c].iter().sum();
    let (precision, recall) = (ratio(tp, predicted_c), ratio(tp, support));
    ClassMetrics {
        class: classes[c].clone(),
        precision,
        recall,
        f1: f1_score(precision, recall),
        support,
    }
}

/// The per-class metrics averaged with weights (1 for the macro average, the support for the
/// weighted one).
fn averages(per_class: &[ClassMetrics], weight: impl Fn(&ClassMetrics) -> f64) -> Averages {
    let total: f64 = per_class.iter().map(&weight).sum();
    let mean = |f: fn(&ClassMetrics) -> f64| {
        per_class.iter().map(|c| f(c) * weight(c)).sum::<f64>() / total.max(1.0)
    };
    Averages {
        precision: mean(|c| c.precision),
        recall: mean(|c| c.recall),
        f1: mean(|c| c.f1),
    }
}

/// The metrics of a regression model on one data set, in the target's original units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionReport {
    /// The cost J (½ · mean squared error of the standardized target).
    pub loss: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Coefficient of determination: 1 − SS_res / SS_tot (reported as 0, with a warning, when
    /// the target is constant).
    pub r2: f64,
    /// Metrics that were undefined and reported as 0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl RegressionReport {
    /// Builds the report from the loss, predictions ŷ and true values y (original units).
    pub fn new(loss: f64, predicted: &[f64], truth: &[f64]) -> Self {
        let m = truth.len().max(1) as f64;
        let mean = truth.iter().sum::<f64>() / m;
        let ss_res: f64 = predicted
            .iter()
            .zip(truth)
            .map(|(p, t)| (p - t) * (p - t))
            .sum();
        let ss_tot: f64 = truth.iter().map(|t| (t - mean) * (t - mean)).sum();
        RegressionReport {
            loss,
            rmse: (ss_res / m).sqrt(),
            mae: predicted
                .iter()
                .zip(truth)
                .map(|(p, t)| (p - t).abs())
                .sum::<f64>()
                / m,
            r2: r2(predicted, truth, None),
            warnings: if ss_tot > 0.0 {
                Vec::new()
            } else {
                vec!["R² is undefined (the target is constant here); reported as 0".to_string()]
            },
        }
    }
}

/// The metrics of any model: the JSON shows the variant's fields directly.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Metrics {
    /// Two classes.
    Binary(Report),
    /// Three or more classes.
    Multiclass(MulticlassReport),
    /// A numeric target.
    Regression(RegressionReport),
}

impl Metrics {
    /// The cost J.
    pub fn loss(&self) -> f64 {
        match self {
            Metrics::Binary(r) => r.loss,
            Metrics::Multiclass(r) => r.loss,
            Metrics::Regression(r) => r.loss,
        }
    }

    /// Accuracy, for classifiers.
    pub fn accuracy(&self) -> Option<f64> {
        match self {
            Metrics::Binary(r) => Some(r.accuracy),
            Metrics::Multiclass(r) => Some(r.accuracy),
            Metrics::Regression(_) => None,
        }
    }

    /// One line with the main numbers, e.g. `accuracy 0.925  precision 0.921  recall 0.932  F1 0.926`.
    pub fn summary(&self) -> String {
        match self {
            Metrics::Binary(r) => format!(
                "accuracy {:.3}  precision {:.3}  recall {:.3}  F1 {:.3}",
                r.accuracy, r.precision, r.recall, r.f1
            ),
            Metrics::Multiclass(r) => format!(
                "accuracy {:.3}  macro precision {:.3}  macro recall {:.3}  macro F1 {:.3}",
                r.accuracy, r.precision, r.recall, r.f1
            ),
            Metrics::Regression(r) => {
                format!("RMSE {:.4}  MAE {:.4}  R² {:.4}", r.rmse, r.mae, r.r2)
            }
        }
    }

    /// Warnings about undefined metrics.
    pub fn warnings(&self) -> &[String] {
        match self {
            Metrics::Binary(r) => &r.warnings,
            Metrics::Multiclass(r) => &r.warnings,
            Metrics::Regression(r) => &r.warnings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_metrics_match_a_hand_computed_example() {
        //            pred: 1 1 1 0 0 0 1 0
        //            true: 1 0 1 0 1 0 1 0   → TP 3, FP 1, TN 3, FN 1
        let c = ConfusionMatrix::from_labels(&[1, 1, 1, 0, 0, 0, 1, 0], &[1, 0, 1, 0, 1, 0, 1, 0]);
        assert_eq!(
            c,
            ConfusionMatrix {
                tp: 3,
                fp: 1,
                tn: 3,
                fn_: 1
            }
        );
        assert_eq!(c.accuracy(), 0.75);
        assert_eq!(c.precision(), 0.75);
        assert_eq!(c.recall(), 0.75);
        assert_eq!(c.f1(), 0.75);
        assert!(c.warnings().is_empty());
    }

    #[test]
    fn asymmetric_example() {
        // TP 2, FP 3, TN 4, FN 1: P = 2/5, R = 2/3, F1 = 2·(0.4·2/3)/(0.4+2/3) = 0.5
        let c = ConfusionMatrix {
            tp: 2,
            fp: 3,
            tn: 4,
            fn_: 1,
        };
        assert_eq!(c.accuracy(), 0.6);
        assert_eq!(c.precision(), 0.4);
        assert!((c.recall() - 2.0 / 3.0).abs() < 1e-15);
        assert!((c.f1() - 0.5).abs() < 1e-15);
    }

    #[test]
    fn no_positive_predictions_gives_zero_precision_and_a_warning_never_nan() {
        let c = ConfusionMatrix::from_labels(&[0, 0, 0], &[1, 0, 1]);
        assert_eq!(c.precision(), 0.0);
        assert_eq!(c.f1(), 0.0);
        let r = Report::new(0.5, &[0.1, 0.2, 0.3], &[1, 0, 1], 0.5);
        assert_eq!(r.confusion, c);
        assert!(!r.precision.is_nan() && !r.f1.is_nan());
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].contains("precision"));
    }

    #[test]
    fn no_positive_samples_gives_zero_recall_and_a_warning() {
        let c = ConfusionMatrix::from_labels(&[0, 0], &[0, 0]);
        assert_eq!(c.recall(), 0.0);
        assert_eq!(c.accuracy(), 1.0);
        assert_eq!(c.warnings().len(), 2);
    }

    #[test]
    fn multiclass_report_matches_a_hand_computed_example() {
        // true:      a a a b b c
        // predicted: a a b b c c
        let classes: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        // probabilities whose most probable class is the `predicted` row below
        let proba = vec![
            vec![0.8, 0.7, 0.2, 0.1, 0.1, 0.2],
            vec![0.1, 0.2, 0.6, 0.8, 0.3, 0.2],
            vec![0.1, 0.1, 0.2, 0.1, 0.6, 0.6],
        ];
        let r = MulticlassReport::new(
            0.3,
            &classes,
            &proba,
            &[0, 0, 1, 1, 2, 2],
            &[0, 0, 0, 1, 1, 2],
        );
        assert_eq!(
            r.confusion_matrix,
            vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]
        );
        assert!((r.accuracy - 4.0 / 6.0).abs() < 1e-15);
        // a: P 2/2, R 2/3; b: P 1/2, R 1/2; c: P 1/2, R 1/1
        let p: Vec<f64> = r.per_class.iter().map(|c| c.precision).collect();
        let rc: Vec<f64> = r.per_class.iter().map(|c| c.recall).collect();
        assert_eq!(p, vec![1.0, 0.5, 0.5]);
        assert!((rc[0] - 2.0 / 3.0).abs() < 1e-15 && rc[1] == 0.5 && rc[2] == 1.0);
        assert!((r.macro_avg.precision - 2.0 / 3.0).abs() < 1e-15);
        // weighted recall = (3·2/3 + 2·1/2 + 1·1)/6 = 4/6 = accuracy
        assert!((r.weighted.recall - 4.0 / 6.0).abs() < 1e-15);
        assert_eq!(r.per_class[0].support, 3);
        assert!(r.warnings.is_empty());
        // one-vs-rest AUC by pairs (ties ½): a: p_a of a (0.8 0.7 0.2) against the rest
        // (0.1 0.1 0.2): 3 + 3 + 2.5 = 8.5 of 9; b: (0.8 0.3) against (0.1 0.2 0.6 0.2):
        // 4 + 3 = 7 of 8; c: 0.6 against (0.1 0.1 0.2 0.1 0.6): 4.5 of 5
        let expected = (8.5 / 9.0 + 7.0 / 8.0 + 4.5 / 5.0) / 3.0;
        assert!((r.roc_auc.unwrap() - expected).abs() < 1e-15);
        // log loss: −mean ln p_true = −(ln .8 + ln .7 + ln .2 + ln .8 + ln .3 + ln .6) / 6
        let ll = -[0.8f64, 0.7, 0.2, 0.8, 0.3, 0.6]
            .iter()
            .map(|p| p.ln())
            .sum::<f64>()
            / 6.0;
        assert!((r.log_loss - ll).abs() < 1e-15);
        // a class without samples: AUC undefined (null), with a warning
        let r = MulticlassReport::new(0.3, &classes, &proba, &[0; 6], &[0, 0, 0, 1, 1, 1]);
        assert_eq!(r.roc_auc, None);
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("ROC AUC is undefined"))
        );
    }

    #[test]
    fn regression_report_matches_hand_values() {
        let r = RegressionReport::new(0.1, &[1.0, 2.0, 4.0], &[1.0, 3.0, 3.0]);
        // residuals 0, −1, 1: RMSE sqrt(2/3), MAE 2/3; mean 7/3, SS_tot = 16/9+4/9+4/9 = 24/9
        assert!((r.rmse - (2.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert!((r.mae - 2.0 / 3.0).abs() < 1e-15);
        assert!((r.r2 - (1.0 - 2.0 / (24.0 / 9.0))).abs() < 1e-12);
    }

    #[test]
    fn auc_and_average_precision_match_hand_values_without_ties() {
        // scikit-learn's documentation example: p = 0.1 0.4 0.35 0.8, y = 0 0 1 1.
        // Ranks (ascending): 0.1→1, 0.35→2, 0.4→3, 0.8→4; R₊ = 2 + 4 = 6;
        // AUC = (6 − 2·3/2) / (2·2) = 0.75.
        // AP, from the highest p: 0.8 (pos) R 1/2 P 1/1; 0.4 (neg) no step; 0.35 (pos)
        // R 2/2 P 2/3 → ½·1 + ½·⅔ = 5/6.
        let (p, y) = ([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
        assert!((roc_auc(&p, &y).unwrap() - 0.75).abs() < 1e-15);
        assert!((average_precision(&p, &y).unwrap() - 5.0 / 6.0).abs() < 1e-15);
    }

    #[test]
    fn tied_scores_share_their_average_rank_and_make_one_precision_recall_step() {
        // p = 0.3 0.3 0.6 0.6 0.6 0.9, y = 1 0 0 1 0 1 (m₊ = m₋ = 3).
        // Ranks: the two 0.3 share (1+2)/2 = 1.5, the three 0.6 share (3+4+5)/3 = 4, 0.9 is 6;
        // R₊ = 1.5 + 4 + 6 = 11.5; AUC = (11.5 − 3·4/2) / 9 = 5.5/9.
        // By pairs: pos 0.3 ties one neg (½); pos 0.6 beats one, ties two (2); pos 0.9 beats
        // three (3): 5.5 of 9.
        // AP: 0.9 → TP 1 of 1 seen: ⅓·1; the 0.6 run → TP 2 of 4: ⅓·½; the 0.3 run → TP 3 of
        // 6: ⅓·½; sum ⅔.
        let (p, y) = ([0.3, 0.3, 0.6, 0.6, 0.6, 0.9], [1, 0, 0, 1, 0, 1]);
        assert!((roc_auc(&p, &y).unwrap() - 5.5 / 9.0).abs() < 1e-15);
        assert!((average_precision(&p, &y).unwrap() - 2.0 / 3.0).abs() < 1e-15);
        // all scores equal: AUC ½, AP = the positive share
        assert_eq!(roc_auc(&[0.5; 4], &[1, 0, 0, 1]), Some(0.5));
        assert_eq!(average_precision(&[0.5; 4], &[1, 0, 0, 0]), Some(0.25));
    }

    #[test]
    fn one_class_leaves_auc_undefined_reported_as_null_with_a_warning() {
        let r = Report::new(0.2, &[0.2, 0.7, 0.4], &[0, 0, 0], 0.5);
        assert_eq!((r.roc_auc, r.pr_auc), (None, None));
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("ROC AUC is undefined"))
        );
        assert!(r.warnings.iter().any(|w| w.contains("PR AUC is undefined")));
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains(r#""roc_auc":null"#) && json.contains(r#""pr_auc":null"#));
        assert!(!json.contains("NaN") && !json.contains("nan"));
        // only positives: ROC AUC undefined, but precision is 1 at every step, so AP = 1
        let r = Report::new(0.2, &[0.2, 0.7], &[1, 1], 0.5);
        assert_eq!((r.roc_auc, r.pr_auc), (None, Some(1.0)));
        // balanced accuracy over the one class present: TNR = 2/3 (0.7 > 0.5 is a FP)
        let r = Report::new(0.2, &[0.2, 0.7, 0.4], &[0, 0, 0], 0.5);
        assert!((r.balanced_accuracy - 2.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn log_loss_and_balanced_accuracy_match_hand_values() {
        // −(ln 0.9 + ln(1 − 0.2)) / 2
        let expected = -(0.9f64.ln() + 0.8f64.ln()) / 2.0;
        assert!((log_loss(&[0.9, 0.2], &[1, 0]) - expected).abs() < 1e-15);
        // p = 0 for a positive is clipped to ε: −ln ε ≈ 36.04, finite
        assert!((log_loss(&[0.0], &[1]) - (-f64::EPSILON.ln())).abs() < 1e-12);
        // TP 2, FP 3, TN 4, FN 1: (2/3 + 4/7) / 2 = 13/21
        let c = ConfusionMatrix {
            tp: 2,
            fp: 3,
            tn: 4,
            fn_: 1,
        };
        assert!((c.balanced_accuracy() - 13.0 / 21.0).abs() < 1e-15);
    }

    #[test]
    fn threshold_moves_the_decisions_not_the_scores() {
        // p = 0.3 0.6 0.8, y = 0 1 1: at 0.5 → predicted 0 1 1 (all right); at 0.7 → 0 0 1
        let (p, y) = ([0.3, 0.6, 0.8], [0, 1, 1]);
        let at_half = Report::new(0.1, &p, &y, 0.5);
        let at_07 = Report::new(0.1, &p, &y, 0.7);
        assert_eq!((at_half.confusion.tp, at_half.confusion.fn_), (2, 0));
        assert_eq!((at_07.confusion.tp, at_07.confusion.fn_), (1, 1));
        assert_eq!(at_07.recall, 0.5);
        assert_eq!(at_07.threshold, 0.7);
        assert_eq!(at_half.roc_auc, at_07.roc_auc);
        assert_eq!(at_half.log_loss, at_07.log_loss);
        // p exactly at the threshold is negative, as `classes_of` decides at 0.5
        assert_eq!(ConfusionMatrix::at_threshold(&[0.5], &[1], 0.5).fn_, 1);
    }

    #[test]
    fn a_report_written_before_these_metrics_still_reads() {
        let old = r#"{"loss":0.2,"accuracy":0.9,"precision":0.8,"recall":0.7,"f1":0.75,
                      "confusion":{"tp":7,"fp":2,"tn":9,"fn":3}}"#;
        let r: Report = serde_json::from_str(old).unwrap();
        assert_eq!((r.roc_auc, r.pr_auc, r.threshold), (None, None, 0.5));
    }

    #[test]
    fn json_uses_fn_for_false_negatives() {
        let s = serde_json::to_string(&ConfusionMatrix {
            tp: 1,
            fp: 2,
            tn: 3,
            fn_: 4,
        })
        .unwrap();
        assert_eq!(s, r#"{"tp":1,"fp":2,"tn":3,"fn":4}"#);
    }
}
