//! k-fold cross-validation: every row is a test row exactly once.
//!
//! The rows are shuffled with the seed's data stream and dealt to k folds; for classification
//! the deal goes class by class, so every fold keeps each class's share within one sample
//! (stratified). Fold f's rows are the test set of one [`Experiment`] run on the others (its
//! validation share, standardization and training as usual); the report gives every test
//! metric of the network and its baseline per fold and as mean ± sd over the folds.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use serde::Serialize;

use crate::data::{Dataset, Target};
use crate::experiment::{Experiment, ExperimentReport};
use crate::train::{Stream, rng};
use crate::{Error, Result};

/// The test rows of each of `k` folds: disjoint, covering every row, seeded, stratified for
/// classification.
pub fn folds(data: &Dataset, k: usize, seed: u64) -> Result<Vec<Vec<usize>>> {
    let m = data.n_samples();
    if k < 2 || k > m {
        return Err(Error::config(
            "folds",
            format!("must be at least 2 and at most the {m} rows, got {k}"),
        ));
    }
    let mut order: Vec<usize> = (0..m).collect();
    order.shuffle(&mut rng(seed, Stream::Data));
    if let Target::Classes { labels, classes } = &data.target {
        // class by class, in shuffled order, continuing the deal where the last class ended
        order = (0..classes.len())
            .flat_map(|c| order.iter().copied().filter(move |&j| labels[j] == c))
            .collect();
    }
    let mut folds = vec![Vec::with_capacity(m / k + 1); k];
    for (i, j) in order.into_iter().enumerate() {
        folds[i % k].push(j);
    }
    for f in &mut folds {
        f.sort_unstable();
    }
    Ok(folds)
}

/// One metric over the folds (or over the repeats of a permutation importance).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Its mean.
    pub mean: f64,
    /// Its sample standard deviation, with n − 1 (0 for one value).
    pub sd: f64,
}

impl Summary {
    /// Mean and sample standard deviation (n − 1) of `xs`; NaN for no values.
    pub fn of(xs: &[f64]) -> Summary {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = if xs.len() < 2 {
            0.0
        } else {
            xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)
        };
        Summary {
            mean,
            sd: var.sqrt(),
        }
    }
}

/// A cross-validation's report.
#[derive(Debug, Clone, Serialize)]
pub struct CvReport {
    /// Number of folds.
    pub folds: usize,
    /// e.g. `2-4-1 tanh/sigmoid`.
    pub model: String,
    /// The network's test metrics, mean ± sd over the folds, by name.
    pub network: BTreeMap<String, Summary>,
    /// The baseline's test metrics, mean ± sd over the folds, by name.
    pub baseline: BTreeMap<String, Summary>,
    /// Each fold's whole report (its `test` is the fold).
    pub per_fold: Vec<ExperimentReport>,
}

/// Runs `exp` once per fold with that fold as the test set; `on_fold(f, report)` sees each
/// fold's report as it is done. Folds run at the same time on the worker threads
/// ([`crate::set_threads`]) when each fold's training would run on one thread (its batches
/// too small to split, see [`folds_in_parallel`]); the results are the same either way.
pub fn cross_validate(
    exp: &Experiment,
    data: &Dataset,
    k: usize,
    on_fold: impl Fn(usize, &ExperimentReport) + Sync,
) -> Result<CvReport> {
    let folds = folds(data, k, exp.config.seed)?;
    let run = |(f, rows): (usize, &Vec<usize>)| -> Result<ExperimentReport> {
        let out = exp.run_with_test_rows(data, rows, |_| std::ops::ControlFlow::Continue(()))?;
        if out.interrupted_at.is_some() {
            return Err(Error::Invalid(format!("cancelled during fold {}", f + 1)));
        }
        on_fold(f, &out.report);
        Ok(out.report)
    };
    let jobs: Vec<(usize, &Vec<usize>)> = folds.iter().enumerate().collect();
    let per_fold: Vec<ExperimentReport> = if folds_in_parallel(exp, data) {
        crate::parallel::map_ordered(jobs, run)
            .into_iter()
            .collect::<Result<_>>()?
    } else {
        jobs.into_iter().map(run).collect::<Result<_>>()?
    };
    let tests = |pick: fn(&ExperimentReport) -> Option<serde_json::Value>| {
        summaries(per_fold.iter().filter_map(pick).collect())
    };
    Ok(CvReport {
        folds: k,
        model: per_fold
            .first()
            .map(|r| r.model.clone())
            .unwrap_or_default(),
        network: tests(|r| r.test.as_ref().and_then(|t| serde_json::to_value(t).ok())),
        baseline: tests(|r| {
            r.baseline
                .test
                .as_ref()
                .and_then(|t| serde_json::to_value(t).ok())
        }),
        per_fold,
    })
}

/// True when folds should train at the same time: more than one worker thread, and one
/// fold's batch (mini-batch, or all its training rows) × the network's parameters is too
/// little work for the engine to split it over threads itself
/// (`parallel::MIN_WORK_PER_THREAD` per thread, a private constant).
pub fn folds_in_parallel(exp: &Experiment, data: &Dataset) -> bool {
    let threads = crate::parallel::threads();
    let rows = data.n_samples();
    let batch = exp.config.batch_size.unwrap_or(rows).min(rows);
    let mut sizes = vec![data.n_features()];
    sizes.extend(&exp.config.hidden);
    sizes.push(data.classes().len().max(1));
    let params: usize = sizes.windows(2).map(|w| (w[0] + 1) * w[1]).sum();
    threads > 1 && batch.saturating_mul(params) < 2 * crate::parallel::MIN_WORK_PER_THREAD
}

/// Mean and sd of every numeric top-level field the folds' metrics all have.
fn summaries(values: Vec<serde_json::Value>) -> BTreeMap<String, Summary> {
    let mut by_name: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for v in &values {
        for (name, x) in v.as_object().into_iter().flatten() {
            if let Some(x) = x.as_f64() {
                by_name.entry(name.clone()).or_default().push(x);
            }
        }
    }
    by_name
        .into_iter()
        .filter(|(_, xs)| xs.len() == values.len())
        .map(|(name, xs)| (name, Summary::of(&xs)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synth::Generator;

    #[test]
    fn folds_are_disjoint_cover_every_row_and_keep_class_shares() {
        // 3 classes of 100, 100, 100 → each of 5 folds holds 20 of each
        let data = Generator::Spiral
            .generate(300, 3, 0.2, &mut rng(1, Stream::Data))
            .unwrap();
        let folds = folds(&data, 5, 7).unwrap();
        let mut seen = vec![0; 300];
        for f in &folds {
            for &j in f {
                seen[j] += 1;
            }
            let counts = data.select(f).class_counts();
            assert!(counts.iter().all(|&c| c == 20), "{counts:?}");
        }
        assert!(seen.iter().all(|&n| n == 1));
        assert_eq!(folds, super::folds(&data, 5, 7).unwrap(), "seeded");
        assert_ne!(folds, super::folds(&data, 5, 8).unwrap());
        assert!(super::folds(&data, 1, 7).is_err());
        assert!(super::folds(&data, 301, 7).is_err());
    }

    #[test]
    fn cross_validation_reports_every_fold_and_the_mean_of_its_metrics() {
        let data = Generator::Moons
            .generate(200, 2, 0.1, &mut rng(2, Stream::Data))
            .unwrap();
        let exp = Experiment {
            config: crate::train::TrainConfig::default().epochs(300),
            ..Experiment::default()
        };
        let seen = std::sync::Mutex::new(Vec::new());
        let cv = cross_validate(&exp, &data, 4, |f, _| seen.lock().unwrap().push(f)).unwrap();
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        assert_eq!(seen, [0, 1, 2, 3]);
        // folds trained at the same time (on this small batch, with ≥ 2 threads) give what
        // each fold trained alone gives, bit for bit
        for (f, rows) in super::folds(&data, 4, exp.config.seed)
            .unwrap()
            .iter()
            .enumerate()
        {
            let alone = exp
                .run_with_test_rows(&data, rows, |_| std::ops::ControlFlow::Continue(()))
                .unwrap();
            let (a, b) = (
                alone.report.test.unwrap(),
                cv.per_fold[f].test.clone().unwrap(),
            );
            assert_eq!(a.loss().to_bits(), b.loss().to_bits(), "fold {f}");
        }
        assert_eq!(cv.per_fold.len(), 4);
        let accuracies: Vec<f64> = cv
            .per_fold
            .iter()
            .map(|r| r.test.as_ref().unwrap().accuracy().unwrap())
            .collect();
        let mean = accuracies.iter().sum::<f64>() / 4.0;
        assert!((cv.network["accuracy"].mean - mean).abs() < 1e-12);
        assert!(cv.network["accuracy"].mean > 0.8);
        assert!(cv.baseline.contains_key("accuracy"));
        // each fold's test set is that fold: 50 rows
        for r in &cv.per_fold {
            let Some(crate::metrics::Metrics::Binary(b)) = &r.test else {
                panic!("binary metrics expected")
            };
            assert_eq!(b.confusion.total(), 50);
        }
    }
}
