//! Classification metrics: the confusion matrix and what is computed from it.
//!
//! ```text
//! accuracy  = (TP + TN) / m
//! precision = TP / (TP + FP)      reported as 0 (with a warning) when nothing is predicted positive
//! recall    = TP / (TP + FN)      reported as 0 (with a warning) when no sample is positive
//! F1        = 2 · P · R / (P + R) reported as 0 when P + R = 0
//! ```

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
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
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
