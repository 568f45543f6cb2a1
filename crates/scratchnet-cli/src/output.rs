//! Output helpers shared by the commands: writing to standard output, JSON, CSV fields, the
//! warnings after training, the run's description, picture titles, and reading data in a saved
//! model's columns.
//!
//! Nothing here imports a command; the commands import this.

use std::io::Write;
use std::path::Path;

use anyhow::{Result, bail};
use scratchnet::data::{Dataset, Task};
use scratchnet::experiment::{Experiment, Outcome};
use scratchnet::metrics::Metrics;
use scratchnet::model_file::Model;
use scratchnet::nn::{Network, describe_sizes};
use scratchnet::optim::OptimizerKind;
use serde::Serialize;

use crate::plot::field::BoundaryPlot;

/// Writes `text` to standard output; a closed pipe ends the program quietly (see `main`), a
/// full disk is an error that names standard output.
pub fn print_out(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                anyhow::Error::new(e)
            } else {
                anyhow::anyhow!("standard output: {e}")
            }
        })
}

/// Pretty JSON, without the final newline.
pub fn to_json<T: Serialize>(value: &T) -> Result<String> {
    Ok(serde_json::to_string_pretty(value)?)
}

/// True when both paths name the same existing file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// What names the file `path` would write: its symbolic links followed, then the canonical
/// path of the file, or of its directory joined with its name when it does not exist yet.
fn output_identity(path: &Path) -> Result<std::path::PathBuf> {
    let target = scratchnet::io::resolve_symlinks(path)?;
    if let Ok(p) = std::fs::canonicalize(&target) {
        return Ok(p);
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Ok(match (std::fs::canonicalize(dir), target.file_name()) {
        (Ok(d), Some(name)) => d.join(name),
        _ => target,
    })
}

/// Checks a command's outputs before any work: each one writable (a temporary file really
/// created and removed in its directory, see [`scratchnet::io::check_writable`]), none the
/// same file as an input (canonical paths, through links) or as another output. `inputs` and
/// `outputs` are (what, path) pairs, as "data" or "model" and "-o" or "--history"; `-` (standard
/// input or output) is never a clash.
pub fn check_outputs(inputs: &[(&str, &Path)], outputs: &[(&str, &Path)]) -> Result<()> {
    let dash = |p: &Path| p == Path::new("-");
    let outputs: Vec<_> = outputs.iter().filter(|(_, p)| !dash(p)).collect();
    for (_, out) in &outputs {
        scratchnet::io::check_writable(out)?;
    }
    for (flag, out) in &outputs {
        for (what, input) in inputs.iter().filter(|(_, p)| !dash(p)) {
            if same_file(out, input) {
                bail!(
                    "{}: refusing to overwrite the input {what} with the output of {flag}; choose another {flag}",
                    out.display()
                );
            }
        }
    }
    for (i, (flag_a, a)) in outputs.iter().enumerate() {
        for (flag_b, b) in &outputs[i + 1..] {
            if output_identity(a)? == output_identity(b)? {
                bail!(
                    "{}: {flag_a} and {flag_b} name the same file (one would overwrite the other); choose different files",
                    b.display()
                );
            }
        }
    }
    Ok(())
}

/// Quotes a CSV field when it needs it.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// "1 row", "3 rows".
fn rows_word(n: usize) -> String {
    if n == 1 {
        "1 row".into()
    } else {
        format!("{n} rows")
    }
}

/// The warning with its column names and values as messages show them (escaped, on one line,
/// cut to a sane length: [`scratchnet::quoted`]).
fn shown_warning(w: &scratchnet::prep::Warning) -> scratchnet::prep::Warning {
    use scratchnet::prep::Warning;
    let q = |s: &String| scratchnet::quoted(s);
    let mut w = w.clone();
    match &mut w {
        Warning::IgnoredColumn { column, .. }
        | Warning::MissingTarget { column, .. }
        | Warning::PooledCategories { column, .. } => *column = q(column),
        Warning::MixedColumn { column, value }
        | Warning::TextAsMissing { column, value, .. }
        | Warning::UnseenCategory { column, value, .. } => {
            *column = q(column);
            *value = q(value);
        }
        Warning::MissingFeatures { .. } => {}
    }
    w
}

/// Prints what the column plan did, one line each, in the CLI's flags.
pub fn warn_prep(warnings: &[scratchnet::prep::Warning]) {
    use scratchnet::prep::Warning;
    for w in warnings.iter().map(shown_warning) {
        match &w {
            Warning::IgnoredColumn { column, why } => eprintln!(
                "warning: column `{column}` looks like a row ID ({why}) and is ignored; to use it, pass --numeric {column} or --categorical {column}"
            ),
            Warning::MissingTarget { column, rows } => {
                eprintln!(
                    "warning: dropped {} whose target `{column}` is missing",
                    rows_word(*rows)
                )
            }
            Warning::MissingFeatures { rows } => eprintln!(
                "warning: dropped {} with a missing feature value (--drop-missing)",
                rows_word(*rows)
            ),
            Warning::PooledCategories {
                column,
                pooled,
                kept,
            } => eprintln!(
                "warning: column `{column}` has more than --max-categories categories: kept the {kept} most frequent, pooled {pooled} rare ones into `{column}=(other)`"
            ),
            Warning::MixedColumn { column, value } => eprintln!(
                "warning: column `{column}` mixes numbers and text (`{value}`) in few distinct values: one-hot encoded as categories; --numeric {column} reads its text as missing instead"
            ),
            Warning::TextAsMissing {
                column,
                value,
                rows,
            } => eprintln!(
                "warning: column `{column}`: {} text (first `{value}`) where numbers are expected, read as missing (imputed with the training rows' fill value); --categorical {column} one-hot encodes it instead, --na-values names missing-value tokens (--strict in eval and predict makes this an error)",
                rows_with(*rows)
            ),
            Warning::UnseenCategory {
                column,
                value,
                rows,
            } => eprintln!(
                "warning: column `{column}`: category `{value}` was not seen in training; {} with unseen categories encoded as all zeros (--strict makes this an error)",
                rows_word(*rows)
            ),
        }
    }
}

/// "1 row holds" / "3 rows hold".
fn rows_with(rows: usize) -> String {
    match rows {
        1 => "1 row holds".to_string(),
        n => format!("{n} rows hold"),
    }
}

/// Prints the metrics' warnings (undefined precision and the like) on stderr.
pub fn warn_undefined(metrics: &Metrics, what: &str) {
    for w in metrics.warnings() {
        eprintln!("warning: {what}: {w}");
    }
}

/// Every warning of a training run, and what early stopping did.
pub fn warn_all(out: &Outcome) {
    let r = &out.report;
    warn_undefined(&r.train, "network, train");
    if let Some(t) = &r.test {
        warn_undefined(t, "network, test");
    }
    warn_undefined(&r.baseline.train, &format!("{}, train", r.baseline.model));
    if let Some(t) = &r.baseline.test {
        warn_undefined(t, &format!("{}, test", r.baseline.model));
    }
    if let (Some(best), Some(stop)) = (r.best_epoch, r.stopped_at) {
        eprintln!(
            "early stopping: no better validation loss after epoch {best}; stopped at epoch {stop} and kept the weights of epoch {best}"
        );
    } else if let Some(best) = r.best_epoch {
        eprintln!(
            "early stopping: ran all epochs; kept the weights of epoch {best} (lowest validation loss)"
        );
    }
}

/// "400 rows (200 × `0`, 200 × `1`)", or "400 rows" for regression.
pub fn rows_summary(data: &Dataset) -> String {
    let counts: Vec<String> = data
        .classes()
        .iter()
        .zip(data.class_counts())
        .map(|(c, n)| format!("{n} × `{}`", scratchnet::quoted(c)))
        .collect();
    if counts.is_empty() {
        format!("{} rows", data.n_samples())
    } else {
        format!("{} rows ({})", data.n_samples(), counts.join(", "))
    }
}

/// The tutorial's walk-through of one run: data, layer sizes, shapes, training, loss.
pub fn describe_run(exp: &Experiment, rows: &str, out: &Outcome) -> String {
    let m = out.train.n_samples();
    let validation = match out.validation.n_samples() {
        0 => String::new(),
        v => format!(" / {v} validation"),
    };
    let how = if exp.stratify && out.report.task != Task::Regression {
        "shuffled, stratified"
    } else {
        "shuffled"
    };
    let mut s = format!(
        "data          {rows}, {how}, split {m} train{validation} / {} test\n",
        out.test.n_samples()
    );
    s.push_str(&standardized_line(&out.model));
    s.push_str(&shapes_lines(&out.model.network, m));
    s.push_str(&training_line(exp, m));
    s.push_str(&weights_line(out));
    s.push_str(&loss_line(out));
    s
}

/// "weights       balanced class weights × sample weights from column `w` (in the cost;
/// the metrics are unweighted)", or nothing for an unweighted run.
fn weights_line(out: &Outcome) -> String {
    let t = &out.model.training;
    let mut parts = Vec::new();
    if let Some(c) = &t.class_weight {
        parts.push(format!("{c} class weights"));
    }
    match t.sample_weight.as_deref() {
        Some("given") => parts.push("sample weights".to_string()),
        Some(column) => parts.push(format!("sample weights from column `{column}`")),
        None => {}
    }
    if parts.is_empty() {
        return String::new();
    }
    format!(
        "weights       {} (in the cost; the metrics are unweighted)\n",
        parts.join(" × ")
    )
}

/// "standardized  with the training statistics: x1: mean …, sd …; …".
fn standardized_line(model: &Model) -> String {
    let st = &model.standardizer;
    let stats: Vec<String> = model
        .features
        .iter()
        .enumerate()
        .map(|(i, f)| format!("{f}: mean {:.3}, sd {:.3}", st.mean()[i], st.std()[i]))
        .collect();
    format!(
        "standardized  with the training statistics: {}\n",
        stats.join("; ")
    )
}

/// The layer sizes, the inputs, the parameters and the cache, with `m` samples.
fn shapes_lines(net: &Network, m: usize) -> String {
    let sizes = net.sizes();
    let (n_x, n_y) = (sizes[0], sizes[sizes.len() - 1]);
    let mut params = Vec::new();
    let mut cache = Vec::new();
    for (l, layer) in net.layers().iter().enumerate() {
        let n = l + 1;
        params.push(format!(
            "W{n} {}×{}   b{n} {}×1",
            layer.n_out(),
            layer.n_in(),
            layer.n_out()
        ));
        cache.push(format!("Z{n} {0}×{m}   A{n} {0}×{m}", layer.n_out()));
    }
    let hidden = if sizes.len() > 2 {
        describe_sizes(&sizes[1..sizes.len() - 1])
    } else {
        "none".into()
    };
    format!(
        "layer sizes   n_x = {n_x}   n_h = {hidden}   n_y = {n_y}   ({})\n\
         inputs        X {n_x}×{m}   Y {n_y}×{m}   (one column per sample)\n\
         parameters    {}\n\
         cache         {}\n",
        net.describe(),
        params.join("   "),
        cache.join("   ")
    )
}

/// "training      10000 epochs of full-batch gradient descent, learning rate 1.2 (constant), …".
fn training_line(exp: &Experiment, m: usize) -> String {
    let c = &exp.config;
    let batches = match c.batch_size {
        Some(b) if b < m => format!("mini-batches of {b},"),
        _ => "full-batch".to_string(),
    };
    let batches = match c.precision {
        scratchnet::train::Precision::F64 => batches,
        p => format!("{batches} {}", p.name()),
    };
    let optimizer = match c.optimizer {
        OptimizerKind::Gd => "gradient descent".to_string(),
        other => format!("{} updates", other.name()),
    };
    let init = match &exp.init_from {
        Some(_) => "continued from --init-from".to_string(),
        None => format!("{} initial weights", c.init_for()),
    };
    let l2 = if c.l2 > 0.0 {
        format!(", L2 {}", c.l2)
    } else {
        String::new()
    };
    format!(
        "training      {} epochs of {batches} {optimizer}, learning rate {} ({}), {init}{l2}\n",
        c.epochs,
        c.learning_rate,
        c.schedule.name(),
    )
}

/// "loss          0.693148 at epoch 0 → 0.199296 at epoch 10000", or nothing without a history.
fn loss_line(out: &Outcome) -> String {
    let hist = &out.history;
    let (Some(first), Some(last)) = (hist.first(), hist.last()) else {
        return String::new();
    };
    let end = match (out.report.best_epoch, out.report.stopped_at) {
        (Some(best), Some(stop)) => format!(
            "with the weights of epoch {best} (best validation loss; stopped at epoch {stop})"
        ),
        (Some(best), None) => format!("with the weights of epoch {best} (best validation loss)"),
        _ => format!("at epoch {}", hist.len() - 1),
    };
    format!("loss          {first:.6} at epoch 0 → {last:.6} {end}\n")
}

/// A boundary panel's title: "network 2-4-1 tanh/sigmoid", or, without hidden layers, the
/// library's name for the task's baseline ("logistic regression", "softmax regression",
/// "linear regression").
pub fn model_title(m: &Model) -> String {
    if m.network.layers().len() == 1 {
        m.task().baseline_name().into()
    } else {
        format!("network {}", m.network.describe())
    }
}

/// The title of a hidden-units picture.
pub fn hidden_title(m: &Model, axes: (usize, usize)) -> String {
    let act = m.network.layers()[0].activation();
    format!(
        "Hidden units of {}: {act} activation (blue < 0 < orange), black line Z = 0{}",
        m.network.describe(),
        BoundaryPlot::fixed_note(m, axes)
    )
}

/// The decision threshold: `--threshold` (two-class models only) or 0.5.
pub fn decision_threshold(
    model: &scratchnet::model_file::Model,
    path: &std::path::Path,
    threshold: Option<f64>,
) -> anyhow::Result<f64> {
    match threshold {
        Some(_) if model.task() != Task::Binary => bail!(
            "--threshold applies to two-class models; {} is a {} model",
            path.display(),
            model.task()
        ),
        Some(t) => Ok(t),
        None => Ok(model.decision_threshold()),
    }
}

/// The words of an importance report's score and loss for people: ("accuracy", "log loss")
/// or ("R²", "MSE").
pub fn importance_words(
    report: &scratchnet::importance::ImportanceReport,
) -> (&'static str, &'static str) {
    if report.score_name == "r2" {
        ("R²", "MSE")
    } else {
        ("accuracy", "log loss")
    }
}

/// Reads `data` through `model`'s columns (target included), prints the plan's warnings and
/// computes the permutation importance of its input columns.
pub fn importance_of(
    model: &Model,
    data: &Path,
    flags: &crate::cli::ImportanceFlags,
) -> Result<scratchnet::importance::ImportanceReport> {
    let read = model.read_raw(data, true, flags.strict)?;
    warn_prep(&read.warnings);
    Ok(scratchnet::importance::permutation_importance(
        model,
        &read.data,
        flags.repeats,
        flags.seed,
    )?)
}
