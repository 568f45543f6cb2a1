//! `scratchnet tune`: a grid or random search over training settings, each candidate scored
//! by k-fold cross-validation on the same folds; a leaderboard, and the best candidate refit
//! on all rows with `-o`.
//!
//! As in `cv`, the column plan is fitted on all rows before the folds (it sees no labels).
//! Ctrl-C stops the search after the current candidate's fold; the leaderboard of the
//! finished candidates is printed and, with `-o`, the best of them is refit and written.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use anyhow::{Result, bail};
use scratchnet::data::Dataset;
use scratchnet::experiment::Experiment;
use scratchnet::prep::{Plan, prepare_training};
use scratchnet::preset::Preset;
use scratchnet::tune::{Candidate, Search, TuneReport, describe_settings, tune as run_search};

use crate::cli::TuneArgs;
use crate::output::{check_outputs, print_out, rows_summary, to_json, warn_prep};
use crate::progress::{Interrupted, count_bar, interrupt, run_with_progress};

/// Random trials when neither `--grid` nor `--trials` is given.
const DEFAULT_TRIALS: usize = 10;

/// `scratchnet tune`.
pub fn tune(args: &TuneArgs) -> Result<()> {
    if let Some(path) = &args.output {
        check_outputs(&[("data", args.data.data.as_path())], &[("-o", path)])?;
    }
    let file = args.data.training_file()?;
    let preset = args.training.preset_or(Preset::Tabular);
    let mut base = args.training.experiment(Preset::Tabular, None)?;
    let cancel = interrupt::flag();
    base.cancel = Some(cancel.clone());
    let search = match (&args.grid, args.trials) {
        (Some(grid), _) => Search::grid(grid)?,
        (None, Some(0)) => bail!("--trials must be at least 1"),
        (None, trials) => Search::Random {
            trials: trials.unwrap_or(DEFAULT_TRIALS),
            seed: base.config.seed,
        },
    };
    let follow = args.training.lr.is_none().then_some(preset);
    let candidates = search.candidates(&base, follow)?;
    let all_rows = Experiment {
        test_split: 0.0,
        validation: 0.0,
        ..base.clone()
    };
    let prepared = prepare_training(file, &args.data.columns.settings(), &all_rows, None)?;
    warn_prep(&prepared.warnings);
    let plan = prepared.plan_if_needed().cloned();
    let data = prepared.data;
    if args.output.is_some() {
        for c in &candidates {
            c.experiment.check_model_file_size(&data)?;
        }
    }
    let bar = count_bar(candidates.len() * args.folds, "folds", "tuning");
    let report = run_search(&candidates, &data, args.folds, |_, _| bar.inc(1))?;
    bar.finish_and_clear();
    let text = leaderboard(&report, &rows_summary(&data), args.top);
    if !args.json {
        print_out(&text)?;
    }
    let written = match (&args.output, report.best()) {
        (Some(path), Some(best)) => {
            if report.interrupted {
                cancel.store(false, Ordering::SeqCst);
                eprintln!(
                    "interrupted: refitting the best of {} finished candidates on all rows (Ctrl-C again to stop the refit)",
                    report.leaderboard.len()
                );
            }
            refit(&candidates[best], data, plan, path)?
        }
        _ => None,
    };
    if args.json {
        print_out(&(to_json(&report)? + "\n"))?;
    } else if let Some(line) = &written {
        print_out(&format!("{line}\n"))?;
    }
    if report.interrupted {
        let what = written.unwrap_or_else(|| "no model written".into());
        return Err(Interrupted(format!(
            "interrupted after {} of {} candidates; {what}",
            report.leaderboard.len(),
            report.candidates
        ))
        .into());
    }
    Ok(())
}

/// Trains the best candidate on all rows (its own validation share still watches early
/// stopping) and writes it to `path`; returns the line that says so.
fn refit(
    best: &Candidate,
    data: Dataset,
    plan: Option<Plan>,
    path: &std::path::Path,
) -> Result<Option<String>> {
    let exp = Experiment {
        test_split: 0.0,
        ..best.experiment.clone()
    };
    let mut out = run_with_progress(&exp, data)?;
    out.model.prep = plan;
    out.model.save(path)?;
    let how = match out.interrupted_at {
        Some(epoch) => format!(" (refit interrupted after epoch {epoch})"),
        None => String::new(),
    };
    Ok(Some(format!(
        "best model ({}) refit on all rows and written to {}{how}",
        describe_settings(&best.settings),
        path.display()
    )))
}

/// The leaderboard, best first: rank, mean ± sd of the score and the loss, the settings.
fn leaderboard(report: &TuneReport, rows: &str, top: usize) -> String {
    let mut out = format!(
        "scratchnet tune: {} candidates, {} folds each, of {rows}\n\n{:<6}{:<22}{:<22}{}\n",
        report.candidates,
        report.folds,
        "rank",
        format!("{} (mean ± sd)", report.metric),
        "loss (mean ± sd)",
        "settings"
    );
    for e in report.leaderboard.iter().take(top.max(1)) {
        let settings = e
            .settings
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(
            out,
            "{:<6}{:<22}{:<22}{settings}  ({})",
            e.rank,
            format!("{:.4} ± {:.4}", e.score.mean, e.score.sd),
            format!("{:.4} ± {:.4}", e.loss.mean, e.loss.sd),
            e.model
        );
    }
    if report.leaderboard.len() > top {
        let _ = writeln!(
            out,
            "… {} more (--top N, or --json for all)",
            report.leaderboard.len() - top
        );
    }
    out
}
