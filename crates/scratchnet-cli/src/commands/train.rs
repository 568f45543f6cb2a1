//! `scratchnet train`: a network and its baseline on a CSV file; optionally saves the model
//! and the learning curve.

use anyhow::{Result, bail};
use scratchnet::data::{Dataset, Task};
use scratchnet::experiment::{Experiment, Outcome, curve_csv};
use scratchnet::model_file::Model;
use scratchnet::prep::{Prepared, prepare_training};
use scratchnet::preset::Preset;

use crate::cli::TrainArgs;
use crate::output::{
    check_outputs, describe_run, print_out, rows_summary, to_json, warn_all, warn_prep,
};
use crate::progress::{Interrupted, run_with_progress};
use crate::table;

/// `scratchnet train`.
pub fn train(args: &TrainArgs) -> Result<()> {
    if args.log_every == 0 {
        bail!("--log-every must be at least 1");
    }
    // Fail now, not after a long training, when an output cannot be written or would
    // overwrite an input or the other output.
    let mut inputs = vec![("data", args.data.data.as_path())];
    inputs.extend(
        args.init_from
            .iter()
            .map(|p| ("--init-from model", p.as_path())),
    );
    let outputs: Vec<_> = (args.output.iter().map(|p| ("-o", p.as_path())))
        .chain(args.history.iter().map(|p| ("--history", p.as_path())))
        .collect();
    // in a group of processes (`mpirun`), process 0 alone checks and writes the outputs
    let group = crate::distributed::join(args.distributed)?;
    let follower = crate::distributed::is_follower(group.as_ref());
    if !follower {
        check_outputs(&inputs, &outputs)?;
    }
    let mut exp = args.training.experiment(
        Preset::Tabular,
        args.history.as_ref().map(|_| args.log_every),
    )?;
    exp.group = group;
    if let Some(path) = &args.init_from {
        exp.init_from = Some(load_init_from(args, path)?);
    }
    if let Some(note) = args.stream.wanted(&args.data.input()) {
        return super::stream::train(args, &exp, note);
    }
    let prepared = read_data(args, &exp)?;
    if !follower {
        warn_prep(&prepared.warnings);
    }
    let plan = prepared.plan_if_needed().cloned();
    let data = prepared.data;
    let header = data_header(args, &data);
    let rows = rows_summary(&data);
    if args.output.is_some() {
        exp.check_model_file_size(&data)?;
    }
    let mut out = run_with_progress(&exp, data)?;
    crate::distributed::report_weights(exp.group.as_ref(), &out.model.network);
    if follower {
        // the same training as process 0's, which writes and reports it
        return Ok(());
    }
    out.model.prep = plan;
    if let Some(column) = &args.data.columns.sample_weight {
        // the record names the column the weights came from
        out.model.training.sample_weight = Some(column.trim().to_string());
    }
    if let Some(epoch) = out.interrupted_at {
        return Err(interrupted(args, &out, epoch)?.into());
    }
    warn_all(&out);
    save_outputs(args, &out)?;
    if args.json {
        print_out(&(to_json(&out.report)? + "\n"))
    } else {
        print_out(&summary(args, &exp, header, &rows, &out))
    }
}

/// Writes the model (`-o`) and then the learning curve (`--history`) of a completed training.
/// A failed history write says that the model was written; a signal that arrived while they
/// were written (they are let finish) ends the command with 130 once both are complete.
fn save_outputs(args: &TrainArgs, out: &Outcome) -> Result<()> {
    if let Some(path) = &args.output {
        out.model.save(path)?;
    }
    if let Some(path) = &args.history {
        let curve = curve_csv(&out.curve, out.report.task);
        scratchnet::io::write_atomic(path, curve.as_bytes()).map_err(|e| match &args.output {
            Some(model) => anyhow::anyhow!("{e} (the model was written to {})", model.display()),
            None => e.into(),
        })?;
    }
    if crate::progress::interrupt::received() {
        let written = match &args.output {
            Some(path) => format!("; the complete model was written to {}", path.display()),
            None => String::new(),
        };
        return Err(Interrupted(format!("interrupted after training{written}")).into());
    }
    Ok(())
}

/// The data set, read for `--task` through a column plan fitted on the training rows (or the
/// `--init-from` model's plan).
fn read_data(args: &TrainArgs, exp: &Experiment) -> Result<Prepared> {
    let file = args.data.training_file()?;
    let plan = exp.init_from.as_ref().and_then(|m| m.prep.as_ref());
    Ok(prepare_training(
        file,
        &args.data.columns.settings(),
        exp,
        plan,
    )?)
}

/// The `--init-from` model, refused when an explicit `--hidden` or `--activation`
/// contradicts it.
fn load_init_from(args: &TrainArgs, path: &std::path::Path) -> Result<Model> {
    let model = Model::load(path)?;
    let layers = model.network.layers().len();
    let model_hidden = &model.network.sizes()[1..layers];
    if let Some(hidden) = &args.training.hidden
        && hidden.0 != model_hidden
    {
        bail!(
            "--init-from {}: the model's hidden layers are {model_hidden:?}, not --hidden {:?}",
            path.display(),
            hidden.0
        );
    }
    let model_act = model.network.layers()[0].activation();
    if let Some(a) = args.training.activation
        && layers > 1
        && a != model_act
    {
        bail!(
            "--init-from {}: the model's hidden activation is {model_act}, not --activation {a}",
            path.display()
        );
    }
    Ok(model)
}

/// "data.csv: target `y` (positive class `1`), features x1, x2", and a blank line.
fn data_header(args: &TrainArgs, data: &Dataset) -> String {
    let list = |names: &[String]| {
        let shown: Vec<String> = names.iter().map(|n| scratchnet::quoted(n)).collect();
        shown.join(", ")
    };
    let what = match data.task() {
        Task::Binary => format!(
            "positive class `{}`",
            scratchnet::quoted(&data.classes()[1])
        ),
        Task::Multiclass => format!("{} classes: {}", data.classes().len(), list(data.classes())),
        Task::Regression => "regression".to_string(),
    };
    format!(
        "{}: target `{}` ({what}), features {}\n\n",
        args.data.input().name().display(),
        scratchnet::quoted(&data.target_name),
        list(&data.feature_names)
    )
}

/// After Ctrl-C: saves the model where `-o` says (the best so far with early stopping) and
/// returns the error that says so.
fn interrupted(args: &TrainArgs, out: &Outcome, epoch: usize) -> Result<Interrupted> {
    let saved = match &args.output {
        Some(path) => {
            out.model.save(path)?;
            let which = match out.model.training.best_epoch {
                Some(best) => {
                    format!("the best model so far (epoch {best}, lowest validation loss)")
                }
                None => format!("the model after {epoch} epochs"),
            };
            format!("; {which} was written to {}", path.display())
        }
        None => String::new(),
    };
    // the learning curve so far, as the model so far
    let history = match &args.history {
        Some(path) => {
            scratchnet::io::write_atomic(path, curve_csv(&out.curve, out.report.task).as_bytes())?;
            format!("; the learning curve so far to {}", path.display())
        }
        None => String::new(),
    };
    Ok(Interrupted(format!(
        "interrupted after epoch {epoch}{saved}{history}"
    )))
}

/// The text report: the data, the run, the comparison table and where the model went.
fn summary(
    args: &TrainArgs,
    exp: &Experiment,
    header: String,
    rows: &str,
    out: &Outcome,
) -> String {
    let mut s = header;
    s.push_str(&describe_run(exp, rows, out));
    if let Some(g) = &exp.group {
        let n = g.size();
        s.push_str(&format!(
            "processes     {n}, each computing a share of every batch\n"
        ));
    }
    s.push('\n');
    s.push_str(&table::comparison(&out.report));
    if let Some(path) = &args.output {
        s.push_str(&format!("\nmodel written to {}\n", path.display()));
    }
    s
}
