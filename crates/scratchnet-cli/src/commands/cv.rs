//! `scratchnet cv`: k-fold cross-validation of the network and its baseline on a CSV file.
//!
//! The column plan (kinds, imputation values, categories) is fitted on all rows before the
//! folds: it sees no labels, only the features' medians and category lists. Standardization
//! and training are fitted on each fold's training rows.

use scratchnet::preset::Preset;
use std::fmt::Write as _;

use anyhow::Result;
use scratchnet::cv::{CvReport, Summary, cross_validate};
use scratchnet::experiment::Experiment;
use scratchnet::prep::prepare_training;

use crate::cli::CvArgs;
use crate::output::{print_out, rows_summary, to_json, warn_prep};
use crate::progress::count_bar;

/// `scratchnet cv`.
pub fn cv(args: &CvArgs) -> Result<()> {
    let file = args.data.training_file()?;
    let exp = args.training.experiment(Preset::Tabular, None)?;
    // the plan over all rows (no test split for it): see the module docs
    let all_rows = Experiment {
        test_split: 0.0,
        validation: 0.0,
        ..exp.clone()
    };
    let prepared = prepare_training(file, &args.data.columns.settings(), &all_rows, None)?;
    warn_prep(&prepared.warnings);
    let data = prepared.data;
    let rows = rows_summary(&data);
    let bar = count_bar(args.folds, "folds", "cross-validating");
    let report = cross_validate(&exp, &data, args.folds, |_, _| bar.inc(1))?;
    bar.finish_and_clear();
    if args.json {
        print_out(&(to_json(&report)? + "\n"))
    } else {
        print_out(&table(&report, &rows))
    }
}

/// The mean ± sd table of the test metrics, network beside baseline.
fn table(report: &CvReport, rows: &str) -> String {
    let mut out = format!(
        "scratchnet cv: {} folds of {rows}\n\n{:<20}{:<24}{}\n",
        report.folds, "test metric", report.model, "baseline"
    );
    let cell =
        |s: Option<&Summary>| s.map_or("-".to_string(), |s| format!("{:.4} ± {:.4}", s.mean, s.sd));
    for (name, s) in &report.network {
        let _ = writeln!(
            out,
            "{name:<20}{:<24}{}",
            cell(Some(s)),
            cell(report.baseline.get(name))
        );
    }
    out
}
