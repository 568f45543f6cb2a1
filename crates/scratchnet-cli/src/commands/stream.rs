//! `scratchnet train --stream` and `scratchnet predict --stream`: the data read a block of rows
//! at a time (`scratchnet::stream`), for files larger than memory.

use std::path::Path;

use anyhow::Result;
use scratchnet::data::Task;
use scratchnet::data::csv::CsvSpec;
use scratchnet::experiment::Experiment;
use scratchnet::model_file::Model;
use scratchnet::stream::{Blocks, StreamOutcome, predict_blocks, train_stream};
use serde::Serialize;

use crate::cli::{PredictArgs, TrainArgs};
use crate::output::{print_out, to_json, warn_prep};
use crate::progress::{Interrupted, Progress, interrupt};

/// The JSON report of a streamed training.
#[derive(Serialize)]
struct Report<'a> {
    model: String,
    task: Task,
    streamed: bool,
    block_rows: usize,
    rows: Rows,
    epochs: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    best_epoch: Option<usize>,
    final_loss: f64,
    history: &'a [f64],
    #[serde(skip_serializing_if = "<[f64]>::is_empty")]
    validation_history: &'a [f64],
    #[serde(skip_serializing_if = "Option::is_none")]
    test: Option<scratchnet::stream::TestScore>,
}

#[derive(Serialize)]
struct Rows {
    train: usize,
    validation: usize,
    test: usize,
    missing_target: usize,
}

/// `scratchnet train` on a streamed file; `note` says why it streams when the size decided.
pub fn train(args: &TrainArgs, exp: &Experiment, note: Option<String>) -> Result<()> {
    if let Some(note) = note {
        eprintln!("{note}");
    }
    if args.training.stratify {
        eprintln!(
            "warning: --stratify does not apply when streaming: a row's part (test, validation, training) is a seeded hash of its line number, each class's share met within sampling noise"
        );
    }
    let mut exp = exp.clone();
    exp.cancel = Some(interrupt::flag());
    let file = args.data.training_file()?;
    let file = scratchnet::prep::TrainingFile {
        input: file.input.rereadable()?,
        ..file
    };
    let settings = args.data.columns.settings();
    let progress = Progress::new(exp.config.epochs, "training");
    let out = train_stream(&exp, &file, &settings, args.stream.settings(), |info| {
        progress.on_epoch(info)
    });
    progress.finish();
    let mut out = out?;
    warn_prep(&out.warnings);
    if out.blocks >= 2 && out.one_class_blocks * 2 >= out.blocks {
        eprintln!(
            "warning: {} of the {} blocks hold training rows of one class only: the file looks sorted by its target, and blocks are read in file order; shuffle it first (e.g. `shuf`), or use a larger --block-rows",
            out.one_class_blocks, out.blocks
        );
    }
    out.model.training.batch_size = exp.config.batch_size;
    if let Some(epoch) = out.interrupted_at {
        let saved = match &args.output {
            Some(path) => {
                out.model.save(path)?;
                format!("; the model so far was written to {}", path.display())
            }
            None => String::new(),
        };
        return Err(Interrupted(format!("interrupted after epoch {epoch}{saved}")).into());
    }
    if let Some(path) = &args.output {
        out.model.save(path)?;
    }
    if let Some(path) = &args.history {
        scratchnet::io::write_atomic(path, history_csv(&out).as_bytes())?;
    }
    let report = report(args, &out);
    if args.json {
        print_out(&(to_json(&report)? + "\n"))
    } else {
        print_out(&summary(args, &out, &report))
    }
}

fn report<'a>(args: &TrainArgs, out: &'a StreamOutcome) -> Report<'a> {
    let epochs = out.history.len().saturating_sub(1);
    Report {
        model: out.model.network.describe(),
        task: out.model.task(),
        streamed: true,
        block_rows: args.stream.block_rows,
        rows: Rows {
            train: out.rows.train,
            validation: out.rows.validation,
            test: out.rows.test,
            missing_target: out.rows.missing_target,
        },
        epochs,
        best_epoch: out.model.training.best_epoch,
        final_loss: out.model.training.final_loss,
        history: &out.history[..epochs],
        validation_history: &out.validation_history,
        test: out.test,
    }
}

/// The loss history, one row per epoch: `epoch,train_loss[,validation_loss]`.
fn history_csv(out: &StreamOutcome) -> String {
    let epochs = out.history.len().saturating_sub(1);
    let validation = !out.validation_history.is_empty();
    let mut s = String::from(if validation {
        "epoch,train_loss,validation_loss\n"
    } else {
        "epoch,train_loss\n"
    });
    for e in 0..epochs {
        s.push_str(&format!("{},{}", e + 1, out.history[e]));
        if let Some(v) = out.validation_history.get(e) {
            s.push_str(&format!(",{v}"));
        }
        s.push('\n');
    }
    s
}

fn summary(args: &TrainArgs, out: &StreamOutcome, r: &Report<'_>) -> String {
    let mut s = format!(
        "{}: streamed in blocks of {} rows; target `{}`, {} features\n",
        args.data.input().name().display(),
        args.stream.block_rows,
        scratchnet::quoted(&out.model.target),
        out.model.features.len()
    );
    s.push_str(&format!(
        "rows: {} training, {} validation, {} test (parts by a seeded hash of each row's line)\n",
        r.rows.train, r.rows.validation, r.rows.test
    ));
    let best = r
        .best_epoch
        .map_or_else(String::new, |b| format!(", best epoch {b} kept"));
    s.push_str(&format!(
        "network {}: {} epochs{best}, final training loss {:.6}\n",
        r.model, r.epochs, r.final_loss
    ));
    if let Some(t) = &r.test {
        let score = match (t.accuracy, t.rmse) {
            (Some(a), _) => format!(", accuracy {:.2}%", a * 100.0),
            (_, Some(e)) => format!(", RMSE {e:.6}"),
            _ => String::new(),
        };
        s.push_str(&format!("test: loss {:.6}{score}\n", t.loss));
    }
    if let Some(path) = &args.output {
        s.push_str(&format!("model written to {}\n", path.display()));
    }
    s
}

/// `scratchnet predict` on a streamed input: blocks of rows predicted and written one after
/// the other, the output named only once complete. `text` makes each block's CSV lines
/// (`header` the first line).
pub fn predict(
    args: &PredictArgs,
    model: &Model,
    note: Option<String>,
    header: &str,
    text: impl Fn(&scratchnet::stream::PredictedBlock<'_>) -> String,
) -> Result<()> {
    if let Some(note) = note {
        eprintln!("{note}");
    }
    let input = args.reader.input(&args.data).rereadable()?;
    let keep_spec = CsvSpec {
        target: None,
        features: Some(&args.keep),
    };
    // a missing column is --keep's; a file that cannot be read is the file's
    let mut keep = if args.keep.is_empty() {
        None
    } else {
        scratchnet::data::csv::check_listed_once_as("columns", &args.keep)?;
        let blocks = Blocks::open(&input, &keep_spec, None, "column").map_err(|e| match e {
            e @ scratchnet::Error::DataFile { .. } => anyhow::Error::new(e).context("--keep"),
            e => e.into(),
        })?;
        Some(blocks)
    };
    let out_name = match &args.output {
        Some(path) if path != Path::new("-") => path.clone(),
        _ => "standard output".into(),
    };
    let mut rows = 0usize;
    let mut run = |w: &mut dyn std::io::Write| -> scratchnet::Result<Vec<_>> {
        let keep = keep.take();
        let io = |e| scratchnet::Error::io(&out_name, e);
        w.write_all(header.as_bytes()).map_err(io)?;
        predict_blocks(
            model,
            &input,
            keep,
            args.strict,
            args.stream.block_rows,
            |b| {
                rows += b.lines.len();
                w.write_all(text(&b).as_bytes()).map_err(io)
            },
        )
    };
    let warnings = match &args.output {
        Some(path) if path != Path::new("-") => {
            let mut warnings = Vec::new();
            scratchnet::io::write_atomic_with(path, |w| {
                warnings = run(w)?;
                Ok(())
            })?;
            eprintln!("wrote {rows} predictions to {}", path.display());
            warnings
        }
        _ => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            let done = run(&mut lock).and_then(|w| {
                std::io::Write::flush(&mut lock)
                    .map_err(|e| scratchnet::Error::io(&out_name, e))?;
                Ok(w)
            });
            match done {
                Ok(w) => w,
                // a closed pipe (`| head`) ends the output quietly, as print_out's does
                Err(scratchnet::Error::Io { error, .. })
                    if error.kind() == std::io::ErrorKind::BrokenPipe =>
                {
                    return Err(error.into());
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    warn_prep(&warnings);
    Ok(())
}
