//! `scratchnet eval`: a saved model's metrics on labelled data.

use anyhow::Result;
use scratchnet::experiment::evaluate_at;
use scratchnet::metrics::Metrics;
use scratchnet::model_file::Model;
use serde::Serialize;

use crate::cli::EvalArgs;
use crate::output::{decision_threshold, print_out, to_json, warn_prep, warn_undefined};
use crate::table;

/// The JSON report of `eval`.
#[derive(Serialize)]
struct EvalReport<'a> {
    model: String,
    data: String,
    samples: usize,
    #[serde(flatten)]
    report: &'a Metrics,
}

/// `scratchnet eval`.
pub fn eval(args: &EvalArgs) -> Result<()> {
    let model = Model::load(&args.model)?;
    let threshold = decision_threshold(&model, &args.model, args.threshold)?;
    let input = args.reader.input(&args.data);
    let read = model.read_raw(&input, true, args.strict)?;
    warn_prep(&read.warnings);
    let data = read.data;
    let report = evaluate_at(&model, &data, threshold)?;
    warn_undefined(&report, "eval");
    if args.json {
        let r = EvalReport {
            model: model.network.describe(),
            data: input.name().display().to_string(),
            samples: data.n_samples(),
            report: &report,
        };
        print_out(&(to_json(&r)? + "\n"))?;
    } else {
        let heading = format!("{} on {} rows", model.network.describe(), data.n_samples());
        let cols = vec![table::Column {
            heading: "value",
            metrics: Some(&report),
        }];
        let mut text = table::metrics_table(&[(heading.as_str(), cols)]);
        text.push_str(&table::confusion_matrix("\nconfusion matrix", &report));
        print_out(&text)?;
    }
    Ok(())
}
