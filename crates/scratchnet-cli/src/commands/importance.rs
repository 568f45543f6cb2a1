//! `scratchnet importance`: permutation importance of a saved model's input columns on
//! labelled data, as a table, JSON or CSV.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use scratchnet::importance::ImportanceReport;
use scratchnet::model_file::Model;

use crate::cli::ImportanceArgs;
use crate::output::{
    check_outputs, csv_field, importance_of, importance_words, print_out, to_json,
};

/// `scratchnet importance`.
pub fn importance(args: &ImportanceArgs) -> Result<()> {
    if let Some(out) = &args.output {
        let inputs = [
            ("model", args.model.as_path()),
            ("data", args.data.as_path()),
        ];
        check_outputs(&inputs, &[("-o", out)])?;
    }
    let model = Model::load(&args.model)?;
    let report = importance_of(&model, &args.data, &args.flags)?;
    if args.json {
        print_out(&(to_json(&report)? + "\n"))?;
    } else {
        print_out(&table(&report, &args.data))?;
    }
    if let Some(out) = &args.output {
        scratchnet::io::write_atomic(out, csv(&report).as_bytes())?;
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}

/// The table: one row per input column, the most important first.
fn table(r: &ImportanceReport, data: &Path) -> String {
    let (score, loss) = importance_words(r);
    let width = r
        .columns
        .iter()
        .map(|c| c.column.chars().count())
        .max()
        .unwrap_or(0)
        .max("column".len())
        + 2;
    let mut out = format!(
        "permutation importance of {} on {} rows of {}, {} repeats, seed {}\n\
         unshuffled: {score} {:.4}, {loss} {:.4}\n\n",
        r.model,
        r.samples,
        data.display(),
        r.repeats,
        r.seed,
        r.baseline.score,
        r.baseline.loss
    );
    let heads = (format!("{score} drop"), format!("{loss} increase"));
    let _ = writeln!(out, "{:<width$}{:<22}{}", "column", heads.0, heads.1);
    for c in &r.columns {
        let cell = |s: &scratchnet::cv::Summary| format!("{:.4} ± {:.4}", s.mean, s.sd);
        let pad = width - c.column.chars().count();
        let _ = writeln!(
            out,
            "{}{:pad$}{:<22}{}",
            c.column,
            "",
            cell(&c.score_drop),
            cell(&c.loss_increase)
        );
    }
    out
}

/// The CSV: `column,<score>_drop_mean,<score>_drop_sd,<loss>_increase_mean,<loss>_increase_sd`,
/// every number with the digits to read it back exactly.
fn csv(r: &ImportanceReport) -> String {
    let (s, l) = (r.score_name, r.loss_name);
    let mut out = format!("column,{s}_drop_mean,{s}_drop_sd,{l}_increase_mean,{l}_increase_sd\n");
    for c in &r.columns {
        let _ = writeln!(
            out,
            "{},{},{},{},{}",
            csv_field(&c.column),
            c.score_drop.mean,
            c.score_drop.sd,
            c.loss_increase.mean,
            c.loss_increase.sd
        );
    }
    out
}
