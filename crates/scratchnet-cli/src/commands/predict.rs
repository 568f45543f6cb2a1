//! `scratchnet predict`: labels (and probabilities) for new data with a saved model.

use std::path::Path;

use anyhow::{Result, bail};
use ndarray::Array2;
use scratchnet::data::Task;
use scratchnet::experiment::classes_at;
use scratchnet::model_file::Model;

use crate::cli::PredictArgs;
use crate::output::{csv_field, decision_threshold, print_out, same_file, warn_prep};

/// `scratchnet predict`.
pub fn predict(args: &PredictArgs) -> Result<()> {
    let model = Model::load(&args.model)?;
    let input = args.reader.input(&args.data);
    let read = model.read_raw(&input, false, args.strict)?;
    warn_prep(&read.warnings);
    let data = read.data;
    let out = model.predict_proba(data.x.view())?;
    if args.proba && model.task() == Task::Regression {
        bail!(
            "--proba needs a classifier; {} is a regression model",
            args.model.display()
        );
    }
    let threshold = decision_threshold(&model, &args.model, args.threshold)?;
    let text = predictions_csv(&model, &out, args.proba, threshold);
    match &args.output {
        Some(path) if path != Path::new("-") => {
            if input.path().is_some_and(|data| same_file(path, data)) {
                bail!(
                    "{}: refusing to overwrite the input data with predictions; choose another -o",
                    path.display()
                );
            }
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

/// The CSV: a `prediction` column and, with `proba`, one `proba_<label>` column per class.
/// `out` is the model's output, one column per sample; a two-class prediction is the positive
/// class when p > `threshold`.
fn predictions_csv(model: &Model, out: &Array2<f64>, proba: bool, threshold: f64) -> String {
    let task = model.task();
    let mut text = String::with_capacity(out.ncols() * 32);
    text.push_str("prediction");
    if proba {
        for c in &model.classes {
            text.push(',');
            text.push_str(&csv_field(&format!("proba_{c}")));
        }
    }
    text.push('\n');
    let classes = classes_at(out, threshold);
    for (j, col) in out.columns().into_iter().enumerate() {
        if task == Task::Regression {
            text.push_str(&col[0].to_string());
        } else {
            text.push_str(&csv_field(&model.classes[classes[j]]));
        }
        if proba {
            if task == Task::Binary {
                text.push_str(&format!(",{},{}", 1.0 - col[0], col[0]));
            } else {
                for p in col {
                    text.push_str(&format!(",{p}"));
                }
            }
        }
        text.push('\n');
    }
    text
}
