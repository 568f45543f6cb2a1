//! Classification metrics: the confusion matrix and what is computed from it.
//!
//! ```text
//! accuracy  = (TP + TN) / m
//! precision = TP / (TP + FP)      reported as 0 (with a warning) when nothing is predicted positive
//! recall    = TP / (TP + FN)      reported as 0 (with a warning) when no sample is positive
//! F1        = 2 · P · R / (P + R) reported as 0 when P + R = 0
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

/// F1 = 2·P·R / (P + R), the harmonic mean of precision and recall (0 when both are 0).
fn f1_score(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
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
    /// Metrics that were undefined and reported as 0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Report {
    /// A report from a loss and a confusion matrix.
    pub fn new(loss: f64, confusion: ConfusionMatrix) -> Self {
        Report {
            loss,
            accuracy: confusion.accuracy(),
            precision: confusion.precision(),
            recall: confusion.recall(),
            f1: confusion.f1(),
            confusion,
            warnings: confusion.warnings(),
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
    /// Metrics that were undefined and reported as 0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl MulticlassReport {
    /// Builds the report from the loss and predicted and true class indices.
    pub fn new(loss: f64, classes: &[String], predicted: &[usize], truth: &[usize]) -> Self {
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
            .collect();
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
            warnings,
        }
    }
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
            r2: if ss_tot > 0.0 {
                1.0 - ss_res / ss_tot
            } else {
                0.0
            },
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
        let r = Report::new(0.5, c);
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
        let r = MulticlassReport::new(0.3, &classes, &[0, 0, 1, 1, 2, 2], &[0, 0, 0, 1, 1, 2]);
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
