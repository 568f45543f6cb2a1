//! Hyper-parameter search scored by cross-validation: a grid, or random trials over
//! documented ranges.
//!
//! A [`Search`] turns a base [`Experiment`] into [`Candidate`]s, each the base with some
//! settings replaced; [`tune`] cross-validates every candidate on the same folds
//! ([`crate::cv::cross_validate`]) and ranks them by the mean test score (accuracy for
//! classifiers, R² for regression), best first. Everything is seeded: the same base, search
//! and seed give the same candidates, folds, scores and order.
//!
//! ```text
//! grid:    "hidden=16,64;lr=0.001,0.01"   → 4 candidates, every combination, in order
//! random:  N trials, each setting drawn from its range (RANDOM_RANGES)
//! ```

use std::collections::BTreeMap;

use rand::RngExt;
use serde::Serialize;

use crate::cv::{CvReport, Summary, cross_validate};
use crate::data::{Dataset, Task};
use crate::experiment::Experiment;
use crate::nn::{Activation, Init};
use crate::optim::OptimizerKind;
use crate::preset::Preset;
use crate::train::{Stream, rng};
use crate::{Error, Result};

/// The settings a search may vary, by the name a grid uses (a flag's name without `--`;
/// `_` and `-` are the same).
pub const SETTINGS: &[&str] = &[
    "hidden",
    "activation",
    "optimizer",
    "lr",
    "epochs",
    "batch-size",
    "l2",
    "validation",
    "patience",
    "init",
    "momentum",
];

/// What a random trial draws from, documented for `scratchnet tune --help` and the README:
/// hidden ∈ {16, 32, 64, 128, 64x32}; activation ∈ {relu, tanh}; the learning rate
/// log-uniform within ×/÷ 10 of the preset's rate for the optimizer (Adam: 0.0003 … 0.03);
/// L2 log-uniform in [0.1, 100]; batch size ∈ {16, 32, 64, 128}.
pub const RANDOM_RANGES: &str = "hidden ∈ {16, 32, 64, 128, 64x32}; activation ∈ {relu, tanh}; \
     lr log-uniform within ×/÷ 10 of the optimizer's default (adam: 0.0003 … 0.03); \
     l2 log-uniform in [0.1, 100]; batch-size ∈ {16, 32, 64, 128}";

/// One candidate: the base experiment with `settings` applied.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The settings this candidate changes, name → value as written (in search order).
    pub settings: Vec<(String, String)>,
    /// The experiment to cross-validate.
    pub experiment: Experiment,
}

/// How candidates are made.
#[derive(Debug, Clone, PartialEq)]
pub enum Search {
    /// Every combination of the values of each setting.
    Grid(Vec<(String, Vec<String>)>),
    /// `trials` random draws from [`RANDOM_RANGES`], seeded.
    Random {
        /// Number of candidates.
        trials: usize,
        /// The seed of the draws.
        seed: u64,
    },
}

impl Search {
    /// Parses a grid: `name=v1,v2;name=v3,…` (spaces around names and values are trimmed).
    /// An unknown setting, an empty value list or a repeated setting is an error naming it.
    pub fn grid(text: &str) -> Result<Search> {
        let mut axes: Vec<(String, Vec<String>)> = Vec::new();
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((name, values)) = part.split_once('=') else {
                return Err(grid_error(format!(
                    "`{}` is not name=value,value (e.g. hidden=16,64;lr=0.001,0.01)",
                    crate::quoted(part)
                )));
            };
            let name = canonical(name.trim())?;
            if axes.iter().any(|(n, _)| *n == name) {
                return Err(grid_error(format!("`{name}` is given twice")));
            }
            let values: Vec<String> = values
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            if values.is_empty() {
                return Err(grid_error(format!("`{name}` has no values")));
            }
            axes.push((name, values));
        }
        if axes.is_empty() {
            return Err(grid_error(
                "is empty (e.g. hidden=16,64;lr=0.001,0.01)".into(),
            ));
        }
        Ok(Search::Grid(axes))
    }

    /// The candidates for `base`. `preset`: when the learning rate was not chosen by the
    /// user, a candidate that changes the optimizer without an `lr` of its own takes this
    /// preset's rate for that optimizer (see [`Preset::learning_rate`]); `None` keeps the
    /// base's rate.
    pub fn candidates(&self, base: &Experiment, preset: Option<Preset>) -> Result<Vec<Candidate>> {
        let settings = match self {
            Search::Grid(axes) => combinations(axes),
            Search::Random { trials, seed } => random_settings(base, *trials, *seed, preset),
        };
        settings
            .into_iter()
            .map(|settings| {
                let experiment = apply_all(base, &settings, preset)?;
                Ok(Candidate {
                    settings,
                    experiment,
                })
            })
            .collect()
    }
}

fn grid_error(message: String) -> Error {
    Error::config("grid", message)
}

/// The setting's name as [`SETTINGS`] writes it.
fn canonical(name: &str) -> Result<String> {
    let name = name.replace('_', "-");
    let name = match name.as_str() {
        "learning-rate" => "lr".to_string(),
        "batch" => "batch-size".to_string(),
        _ => name,
    };
    if SETTINGS.contains(&name.as_str()) {
        Ok(name)
    } else {
        Err(grid_error(format!(
            "unknown setting `{}`; expected one of: {}",
            crate::quoted(&name),
            SETTINGS.join(", ")
        )))
    }
}

/// Every combination, the last setting varying fastest.
fn combinations(axes: &[(String, Vec<String>)]) -> Vec<Vec<(String, String)>> {
    let mut out: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (name, values) in axes {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push((name.clone(), v.clone()));
                    next
                })
            })
            .collect();
    }
    out
}

/// `trials` draws from [`RANDOM_RANGES`] with the search's own random stream.
fn random_settings(
    base: &Experiment,
    trials: usize,
    seed: u64,
    preset: Option<Preset>,
) -> Vec<Vec<(String, String)>> {
    let mut r = rng(seed, Stream::Search);
    let rate = preset.map_or(base.config.learning_rate, |p| {
        p.learning_rate(base.config.optimizer)
    });
    let log_uniform = |r: &mut crate::Rng, lo: f64, hi: f64| -> f64 {
        (lo.ln() + r.random::<f64>() * (hi.ln() - lo.ln())).exp()
    };
    (0..trials)
        .map(|_| {
            let hidden = ["16", "32", "64", "128", "64x32"][r.random_range(0..5)];
            let activation = ["relu", "tanh"][r.random_range(0..2)];
            let lr = log_uniform(&mut r, rate / 10.0, rate * 10.0);
            let l2 = log_uniform(&mut r, 0.1, 100.0);
            let batch = ["16", "32", "64", "128"][r.random_range(0..4)];
            vec![
                ("hidden".into(), hidden.into()),
                ("activation".into(), activation.into()),
                ("lr".into(), four_digits(lr)),
                ("l2".into(), four_digits(l2)),
                ("batch-size".into(), batch.into()),
            ]
        })
        .collect()
}

/// `x` with four significant digits in plain notation: 0.0004096, 1.829, 44.42.
fn four_digits(x: f64) -> String {
    let decimals = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.decimals$}")
}

/// `base` with `settings` applied in order; then checked.
fn apply_all(
    base: &Experiment,
    settings: &[(String, String)],
    preset: Option<Preset>,
) -> Result<Experiment> {
    let mut exp = base.clone();
    let mut explicit_init = false;
    for (name, value) in settings {
        apply(&mut exp, name, value)?;
        explicit_init |= name == "init";
    }
    let has = |n: &str| settings.iter().any(|(name, _)| name == n);
    if let Some(p) = preset {
        if has("optimizer") && !has("lr") {
            exp.config.learning_rate = p.learning_rate(exp.config.optimizer);
        }
        if has("activation") && !explicit_init {
            exp.config.init = p.init(exp.config.hidden_activation);
        }
    }
    if has("validation") && !has("patience") {
        exp.config.patience = match (exp.validation > 0.0, base.config.patience) {
            (false, _) => None,
            (true, Some(p)) => Some(p),
            (true, None) => Preset::Tabular.patience(exp.validation),
        };
    }
    exp.validate().map_err(|e| match e {
        Error::Config { setting, message } => grid_error(format!(
            "{}: {setting} {message}",
            describe_settings(settings)
        )),
        other => other,
    })?;
    Ok(exp)
}

/// One setting applied to `exp`; a value that does not parse is an error naming both.
fn apply(exp: &mut Experiment, name: &str, value: &str) -> Result<()> {
    let bad = |what: &str| {
        grid_error(format!(
            "`{}={}`: {what}",
            crate::quoted(name),
            crate::quoted(value)
        ))
    };
    let number = || value.parse::<f64>().map_err(|_| bad("not a number"));
    let count = || {
        value
            .parse::<usize>()
            .map_err(|_| bad("not a whole number"))
    };
    let c = &mut exp.config;
    match name {
        "hidden" => {
            c.hidden = parse_hidden(value).ok_or_else(|| bad("expected sizes like 16 or 64x32"))?
        }
        "activation" => c.hidden_activation = value.parse::<Activation>()?,
        "optimizer" => c.optimizer = value.parse::<OptimizerKind>()?,
        "lr" => c.learning_rate = number()?,
        "epochs" => c.epochs = count()?,
        "batch-size" if value == "full" => c.batch_size = None,
        "batch-size" => c.batch_size = Some(count()?),
        "l2" => c.l2 = number()?,
        "validation" => exp.validation = number()?,
        "patience" => c.patience = Some(count()?),
        "init" => c.init = Some(value.parse::<Init>()?),
        "momentum" => match &mut c.optimizer {
            OptimizerKind::Momentum { momentum } | OptimizerKind::Nesterov { momentum } => {
                *momentum = number()?
            }
            _ => {
                return Err(bad(
                    "momentum applies to the momentum and nesterov optimizers",
                ));
            }
        },
        _ => {
            return Err(canonical(name)
                .err()
                .unwrap_or_else(|| bad("unknown setting")));
        }
    }
    Ok(())
}

/// "16", "64x32" (or "64+32", "64 32"), "" → the hidden sizes; `None` when not sizes.
fn parse_hidden(value: &str) -> Option<Vec<usize>> {
    if value.is_empty() || value == "none" {
        return Some(Vec::new());
    }
    value
        .split(['x', '+', ' '])
        .map(|s| s.parse::<usize>().ok().filter(|&n| n > 0))
        .collect()
}

/// "hidden=16 lr=0.01".
pub fn describe_settings(settings: &[(String, String)]) -> String {
    settings
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One candidate's result.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// 1 for the best.
    pub rank: usize,
    /// The candidate's settings, name → value.
    pub settings: BTreeMap<String, String>,
    /// The candidate's position in the search (0-based).
    pub trial: usize,
    /// Mean ± sd over the folds of the test score (accuracy or R²).
    pub score: Summary,
    /// Mean ± sd over the folds of the test loss.
    pub loss: Summary,
    /// e.g. `13-64-1 relu/sigmoid`.
    pub model: String,
}

/// A search's result: every finished candidate, best first.
#[derive(Debug, Clone, Serialize)]
pub struct TuneReport {
    /// `accuracy` or `r2`.
    pub metric: String,
    /// Number of folds.
    pub folds: usize,
    /// Candidates made.
    pub candidates: usize,
    /// True when a cancellation stopped the search before every candidate was scored.
    pub interrupted: bool,
    /// Best first: higher mean score, then lower mean loss, then earlier trial.
    pub leaderboard: Vec<Entry>,
}

impl TuneReport {
    /// The best candidate's trial number, if any finished.
    pub fn best(&self) -> Option<usize> {
        self.leaderboard.first().map(|e| e.trial)
    }
}

/// The score a search ranks by for `task`.
pub fn metric_for(task: Task) -> &'static str {
    match task {
        Task::Regression => "r2",
        Task::Binary | Task::Multiclass => "accuracy",
    }
}

/// Cross-validates every candidate on the same `k` folds of `data` and ranks them.
/// `on_fold(trial, fold)` is called after each fold. When a candidate's experiment is
/// cancelled (its `cancel` flag), the search stops and reports the finished candidates with
/// `interrupted` set.
pub fn tune(
    candidates: &[Candidate],
    data: &Dataset,
    k: usize,
    on_fold: impl Fn(usize, usize) + Sync,
) -> Result<TuneReport> {
    let metric = metric_for(data.task());
    let mut results: Vec<(usize, CvReport)> = Vec::with_capacity(candidates.len());
    let mut interrupted = false;
    for (t, c) in candidates.iter().enumerate() {
        match cross_validate(&c.experiment, data, k, |f, _| on_fold(t, f)) {
            Ok(report) => results.push((t, report)),
            Err(_) if c.experiment.cancelled() => {
                interrupted = true;
                break;
            }
            Err(e) => {
                return Err(match e {
                    Error::Config { setting, message } => grid_error(format!(
                        "{}: {setting} {message}",
                        describe_settings(&c.settings)
                    )),
                    other => other,
                });
            }
        }
    }
    let mut leaderboard: Vec<Entry> = results
        .into_iter()
        .map(|(t, r)| entry(&candidates[t], t, &r, metric))
        .collect::<Result<_>>()?;
    leaderboard.sort_by(|a, b| {
        b.score
            .mean
            .total_cmp(&a.score.mean)
            .then(a.loss.mean.total_cmp(&b.loss.mean))
            .then(a.trial.cmp(&b.trial))
    });
    for (i, e) in leaderboard.iter_mut().enumerate() {
        e.rank = i + 1;
    }
    Ok(TuneReport {
        metric: metric.into(),
        folds: k,
        candidates: candidates.len(),
        interrupted,
        leaderboard,
    })
}

fn entry(c: &Candidate, trial: usize, r: &CvReport, metric: &str) -> Result<Entry> {
    let pick = |name: &str| {
        r.network
            .get(name)
            .cloned()
            .ok_or_else(|| Error::Invalid(format!("cross-validation reported no test {name}")))
    };
    Ok(Entry {
        rank: 0,
        settings: c.settings.iter().cloned().collect(),
        trial,
        score: pick(metric)?,
        loss: pick("loss")?,
        model: r.model.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_is_every_combination_in_order() {
        let Search::Grid(axes) = Search::grid(" hidden = 16, 64 ; lr=0.001,0.01").unwrap() else {
            panic!("not a grid")
        };
        let all = combinations(&axes);
        let text: Vec<String> = all.iter().map(|s| describe_settings(s)).collect();
        assert_eq!(
            text,
            [
                "hidden=16 lr=0.001",
                "hidden=16 lr=0.01",
                "hidden=64 lr=0.001",
                "hidden=64 lr=0.01"
            ]
        );
    }

    #[test]
    fn bad_grids_name_the_problem() {
        for (grid, needle) in [
            ("depth=3", "unknown setting `depth`"),
            ("hidden=", "`hidden` has no values"),
            ("hidden=4;hidden=8", "`hidden` is given twice"),
            ("hidden", "is not name=value"),
            ("", "is empty"),
        ] {
            let e = Search::grid(grid).unwrap_err().to_string();
            assert!(e.contains(needle), "{grid}: {e}");
        }
        let base = Preset::Tabular.experiment();
        for (grid, needle) in [
            ("lr=fast", "`lr=fast`: not a number"),
            ("lr=-1", "learning_rate"),
            ("hidden=4x0", "expected sizes"),
            ("activation=sine", "sine"),
        ] {
            let e = Search::grid(grid)
                .unwrap()
                .candidates(&base, None)
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{grid}: {e}");
        }
    }

    #[test]
    fn settings_apply_and_the_rate_follows_a_new_optimizer() {
        let base = Preset::Tabular.experiment();
        let c = Search::grid("optimizer=gd,adam;hidden=64x32")
            .unwrap()
            .candidates(&base, Some(Preset::Tabular))
            .unwrap();
        assert_eq!(c[0].experiment.config.learning_rate, 0.1);
        assert_eq!(c[1].experiment.config.learning_rate, 0.003);
        assert_eq!(c[0].experiment.config.hidden, vec![64, 32]);
        let fixed = Search::grid("optimizer=gd")
            .unwrap()
            .candidates(&base, None)
            .unwrap();
        assert_eq!(
            fixed[0].experiment.config.learning_rate,
            base.config.learning_rate
        );
        let no_val = Search::grid("validation=0")
            .unwrap()
            .candidates(&base, None)
            .unwrap();
        assert_eq!(no_val[0].experiment.config.patience, None);
    }

    #[test]
    fn random_values_are_written_with_four_significant_digits() {
        assert_eq!(four_digits(0.00040963), "0.0004096");
        assert_eq!(four_digits(1.8294), "1.829");
        assert_eq!(four_digits(44.4249), "44.42");
        assert_eq!(four_digits(0.03), "0.03000");
    }

    #[test]
    fn random_trials_are_seeded_and_within_their_ranges() {
        let base = Preset::Tabular.experiment();
        let s = Search::Random {
            trials: 20,
            seed: 3,
        };
        let a = s.candidates(&base, Some(Preset::Tabular)).unwrap();
        let b = s.candidates(&base, Some(Preset::Tabular)).unwrap();
        assert_eq!(a.len(), 20);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.settings, y.settings);
            let c = &x.experiment.config;
            assert!(
                (3e-4..=3e-2).contains(&c.learning_rate),
                "{}",
                c.learning_rate
            );
            assert!((0.1..=100.0).contains(&c.l2));
            assert!([16, 32, 64, 128].contains(&c.batch_size.unwrap()));
        }
        let other = Search::Random {
            trials: 20,
            seed: 4,
        }
        .candidates(&base, Some(Preset::Tabular))
        .unwrap();
        assert_ne!(a[0].settings, other[0].settings);
    }
}
