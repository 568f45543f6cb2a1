//! `scratchnet predict`: labels (and probabilities) for new data with a saved model, after the
//! `--keep` columns of the input.

use std::path::Path;

use anyhow::{Result, bail};
use ndarray::Array2;
use scratchnet::data::Task;
use scratchnet::data::csv::{TextTable, read_text_columns};
use scratchnet::experiment::classes_at;
use scratchnet::model_file::Model;

use crate::cli::PredictArgs;
use crate::output::{check_outputs, csv_field, decision_threshold, print_out, warn_prep};

/// `scratchnet predict`.
pub fn predict(args: &PredictArgs) -> Result<()> {
    if let Some(path) = &args.output {
        let inputs = [
            ("model", args.model.as_path()),
            ("data", args.data.as_path()),
        ];
        check_outputs(&inputs, &[("-o", path)])?;
    }
    let model = Model::load(&args.model)?;
    if args.proba && model.task() == Task::Regression {
        bail!(
            "--proba needs a classifier; {} is a regression model",
            args.model.display()
        );
    }
    let mut input = args.reader.input(&args.data);
    if let Some(note) = args.stream.wanted(&input) {
        let threshold = decision_threshold(&model, &args.model, args.threshold)?;
        let header = predictions_header(&model, args.proba, &args.keep);
        return super::stream::predict(args, &model, note, &header, |b| {
            let mut text = String::with_capacity(b.out.ncols() * 32);
            prediction_rows(&mut text, &model, &b.out, args.proba, threshold, b.kept);
            text
        });
    }
    let kept = if args.keep.is_empty() {
        None
    } else {
        // read twice: the kept columns, then the model's
        input = input.rereadable()?;
        // a missing column is --keep's; a file that cannot be read is the file's
        let kept = read_text_columns(&input, &args.keep).map_err(|e| match e {
            e @ scratchnet::Error::DataFile { .. } => anyhow::Error::new(e).context("--keep"),
            e => e.into(),
        })?;
        Some(kept)
    };
    let read = model.read_raw(&input, false, args.strict)?;
    warn_prep(&read.warnings);
    if let Some(k) = &kept
        && k.lines != read.lines
    {
        let why = "the --keep columns and the model's columns were read from different rows";
        return Err(scratchnet::Error::Internal(why.into()).into());
    }
    let data = read.data;
    let out = model.predict_proba(data.x.view())?;
    let threshold = decision_threshold(&model, &args.model, args.threshold)?;
    let text = predictions_csv(&model, &out, args.proba, threshold, kept.as_ref());
    match &args.output {
        Some(path) if path != Path::new("-") => {
            scratchnet::io::write_atomic(path, text.as_bytes())?;
            eprintln!(
                "wrote {} predictions to {}",
                data.n_samples(),
                path.display()
            );
        }
        _ => print_out(&text)?,
    }
    Ok(())
}

/// A number as the predictions file writes it: Rust's shortest text that reads back as the same
/// f64, in exponent form when tiny (below 1e-5) or huge (1e16 and above), so that a subnormal
/// probability is `4.9e-322`, not a 330-character decimal. At most 24 characters.
pub fn number_text(v: f64) -> String {
    let size = v.abs();
    if v != 0.0 && !(1e-5..1e16).contains(&size) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// The CSV: the `kept` columns of the input, a `prediction` column and, with `proba`, one
/// `proba_<label>` column per class. `out` is the model's output, one column per sample; a
/// two-class prediction is the positive class when p > `threshold`.
fn predictions_csv(
    model: &Model,
    out: &Array2<f64>,
    proba: bool,
    threshold: f64,
    kept: Option<&TextTable>,
) -> String {
    let names = kept.map_or(&[][..], |k| &k.feature_names);
    let mut text = predictions_header(model, proba, names);
    text.reserve(out.ncols() * 32);
    prediction_rows(&mut text, model, out, proba, threshold, kept);
    text
}

/// The predictions file's header line: the `kept` column names, `prediction`, with `proba`
/// the `proba_<label>` columns.
fn predictions_header(model: &Model, proba: bool, kept: &[String]) -> String {
    let mut text = String::new();
    for name in kept {
        text.push_str(&csv_field(name));
        text.push(',');
    }
    text.push_str("prediction");
    if proba {
        for c in &model.classes {
            text.push(',');
            text.push_str(&csv_field(&format!("proba_{c}")));
        }
    }
    text.push('\n');
    text
}

/// The predictions file's lines for the samples of `out` (see [`predictions_csv`]).
fn prediction_rows(
    text: &mut String,
    model: &Model,
    out: &Array2<f64>,
    proba: bool,
    threshold: f64,
    kept: Option<&TextTable>,
) {
    let task = model.task();
    let kept_fields = |text: &mut String, row: usize| {
        let Some(k) = kept else { return };
        for col in 0..k.feature_names.len() {
            text.push_str(&csv_field(k.cell(row, col)));
            text.push(',');
        }
    };
    let classes = classes_at(out, threshold);
    for (j, col) in out.columns().into_iter().enumerate() {
        kept_fields(text, j);
        if task == Task::Regression {
            text.push_str(&number_text(col[0]));
        } else {
            text.push_str(&csv_field(&model.classes[classes[j]]));
        }
        if proba {
            if task == Task::Binary {
                let p = col[0];
                text.push_str(&format!(",{},{}", number_text(1.0 - p), number_text(p)));
            } else {
                for &p in col {
                    text.push(',');
                    text.push_str(&number_text(p));
                }
            }
        }
        text.push('\n');
    }
}
