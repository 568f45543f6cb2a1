//! `scratchnet plot …`: draws one picture from files on disk.

use std::cell::RefCell;
use std::path::Path;

use anyhow::{Result, bail};
use scratchnet::data::csv::{CsvSpec, distinct_sorted, encode_labels, read_csv};
use scratchnet::data::{CsvInput, Dataset, Task};
use scratchnet::model_file::Model;

use scratchnet::metrics::RegressionReport;

use crate::cli::{ImportanceFlags, PlotArgs, PlotCommand};
use crate::output::{
    check_outputs, hidden_title, importance_of, importance_words, model_title, warn_prep,
};
use crate::plot::curves::{Curve, HistoryPlot};
use crate::plot::field::{BoundaryPanel, BoundaryPlot, HiddenPlot};
use crate::plot::functions::ActivationsPlot;
use crate::plot::importance::ImportancePlot;
use crate::plot::residuals::ResidualsPlot;
use crate::plot::scatter::DataPlot;
use crate::plot::{CLASS_COLORS, Format, save};

/// `scratchnet plot`.
pub fn plot(args: &PlotArgs) -> Result<()> {
    let out = args.what.output();
    let size = (out.width, out.height);
    let path = &out.output;
    // Check the output's extension, that it can be written and overwrites no input, before
    // any work.
    Format::from_path(path)?;
    let inputs: Vec<(&str, &Path)> = match &args.what {
        PlotCommand::Data { data, .. } => vec![("data", data)],
        PlotCommand::Activations { .. } => vec![],
        PlotCommand::History { history, .. } => vec![("history", history)],
        PlotCommand::Hidden { model, .. } => vec![("model", model)],
        PlotCommand::Boundary { model, data, .. }
        | PlotCommand::Importance { model, data, .. }
        | PlotCommand::Residuals { model, data, .. } => vec![("model", model), ("data", data)],
    };
    check_outputs(&inputs, &[("-o", path)])?;
    match &args.what {
        PlotCommand::Data {
            data,
            target,
            features,
            reader,
            ..
        } => plot_data(&reader.input(data), target, features.as_deref(), size, path)?,
        PlotCommand::Activations { .. } => save(&ActivationsPlot { size }, path)?,
        PlotCommand::History {
            history,
            log_y,
            reader,
            ..
        } => plot_history(&reader.input(history), *log_y, size, path)?,
        PlotCommand::Boundary {
            model,
            data,
            features,
            reader,
            ..
        } => plot_boundary(model, &reader.input(data), features.as_deref(), size, path)?,
        PlotCommand::Hidden {
            model, features, ..
        } => plot_hidden(model, features.as_deref(), size, path)?,
        PlotCommand::Importance {
            model, data, flags, ..
        } => plot_importance(model, data, flags, size, path)?,
        PlotCommand::Residuals {
            model,
            data,
            strict,
            ..
        } => plot_residuals(model, data, *strict, size, path)?,
    }
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// `plot data`: the scatter, titled with the file's name.
fn plot_data(
    data: &CsvInput,
    target: &str,
    features: Option<&[String]>,
    size: (u32, u32),
    path: &Path,
) -> Result<()> {
    let d = load_any_classes(data, target, features)?;
    let name = data
        .name()
        .file_name()
        .map_or("data".into(), |n| n.to_string_lossy().into_owned());
    save(
        &DataPlot {
            data: &d,
            axes: (0, 1),
            title: name,
            size,
        },
        path,
    )
}

/// `plot history`: the learning curve of `train --history`.
fn plot_history(history: &CsvInput, log_y: bool, size: (u32, u32), path: &Path) -> Result<()> {
    let curve = Curve::read(history)?;
    let title = format!(
        "Learning curve ({} points, last epoch {})",
        curve.epoch.len(),
        curve.epoch.last().copied().unwrap_or(0.0)
    );
    save(
        &HistoryPlot {
            curve,
            log_y,
            title,
            size,
        },
        path,
    )
}

/// `plot boundary`: one panel, the model's decision boundary over the labelled data.
fn plot_boundary(
    model: &Path,
    data: &CsvInput,
    features: Option<&[String]>,
    size: (u32, u32),
    path: &Path,
) -> Result<()> {
    let m = Model::load(model)?;
    if m.task() == Task::Regression {
        bail!(
            "{}: plot boundary needs a classifier; this is a regression model",
            model.display()
        );
    }
    let axes = plane_axes(&m, features)?;
    let (d, _) = m.read_data(data, true)?;
    let title = format!("Decision boundary{}", BoundaryPlot::fixed_note(&m, axes));
    let panel = BoundaryPanel {
        model: &m,
        title: model_title(&m),
    };
    let pic = BoundaryPlot {
        panels: vec![panel],
        data: &d,
        axes,
        title,
        size,
        geometry: RefCell::new(vec![]),
    };
    save(&pic, path)
}

/// `plot hidden`: one map per unit of the first hidden layer.
fn plot_hidden(
    model: &Path,
    features: Option<&[String]>,
    size: (u32, u32),
    path: &Path,
) -> Result<()> {
    let m = Model::load(model)?;
    HiddenPlot::check(&m).map_err(|e| anyhow::anyhow!("{}: {e}", model.display()))?;
    let axes = plane_axes(&m, features)?;
    let title = hidden_title(&m, axes);
    save(
        &HiddenPlot {
            model: &m,
            axes,
            title,
            size,
        },
        path,
    )
}

/// `plot importance`: the permutation importance of each input column as bars.
fn plot_importance(
    model: &Path,
    data: &Path,
    flags: &ImportanceFlags,
    size: (u32, u32),
    path: &Path,
) -> Result<()> {
    let m = Model::load(model)?;
    let report = importance_of(&m, data, flags)?;
    let (score, _) = importance_words(&report);
    let title = format!(
        "Permutation importance: {}, {score} {:.3} unshuffled",
        model_title(&m),
        report.baseline.score,
    );
    let x_desc = format!(
        "drop of {score} when the column is shuffled (mean ± sd of {} repeats on {} rows)",
        report.repeats, report.samples
    );
    save(
        &ImportancePlot {
            report: &report,
            x_desc,
            title,
            size,
        },
        path,
    )
}

/// `plot residuals`: a regression model's predictions against the true values.
fn plot_residuals(
    model: &Path,
    data: &Path,
    strict: bool,
    size: (u32, u32),
    path: &Path,
) -> Result<()> {
    let m = Model::load(model)?;
    if m.task() != Task::Regression {
        bail!(
            "{}: plot residuals is for regression models; this is a {} model (try `plot boundary`)",
            model.display(),
            m.task()
        );
    }
    let read = m.read_raw(data, true, strict)?;
    warn_prep(&read.warnings);
    let actual = read.data.values().to_vec();
    let predicted: Vec<f64> = m
        .predict_proba(read.data.x.view())?
        .iter()
        .copied()
        .collect();
    let r = RegressionReport::new(f64::NAN, &predicted, &actual);
    let title = format!(
        "Residuals of {} on {} rows: R² {:.4}, RMSE {:.4}",
        model_title(&m),
        actual.len(),
        r.r2,
        r.rmse
    );
    save(
        &ResidualsPlot {
            actual,
            predicted,
            target: m.target.clone(),
            title,
            size,
        },
        path,
    )
}

/// Indices of the two plane features: `--features a,b` or the model's first two.
fn plane_axes(m: &Model, features: Option<&[String]>) -> Result<(usize, usize)> {
    let find = |name: &str| {
        m.features.iter().position(|f| f == name).ok_or_else(|| {
            let all: Vec<String> = m.features.iter().map(|f| scratchnet::quoted(f)).collect();
            anyhow::anyhow!(
                "--features: the model has no feature `{}`; its features are: {}",
                scratchnet::quoted(name),
                scratchnet::shown(&all.join(", "), 400)
            )
        })
    };
    match features {
        Some([a, b]) => {
            let axes = (find(a)?, find(b)?);
            if axes.0 == axes.1 {
                bail!(
                    "--features needs two different features, got `{}` twice",
                    scratchnet::quoted(a)
                );
            }
            Ok(axes)
        }
        Some(other) => bail!(
            "--features needs exactly two names for the plane, got {}",
            other.len()
        ),
        None if m.features.len() >= 2 => Ok((0, 1)),
        None => bail!(
            "the model has one feature ({}); a plane needs two",
            m.features[0]
        ),
    }
}

/// A labelled data set with any number of classes up to the palette's, for the scatter plot:
/// the two features (`--features a,b`, default the first two non-target columns) and the
/// target.
fn load_any_classes(
    input: &CsvInput,
    target: &str,
    features: Option<&[String]>,
) -> Result<Dataset> {
    let path = input.name();
    if let Some(f) = features
        && f.len() != 2
    {
        bail!(
            "--features needs exactly two names for the plot, got {}",
            f.len()
        );
    }
    let table = read_csv(
        input,
        &CsvSpec {
            target: Some(target),
            features,
        },
    )?;
    if table.feature_names.len() < 2 {
        bail!(
            "{}: a scatter plot needs two feature columns besides `{target}`, found {}",
            path.display(),
            table.feature_names.len()
        );
    }
    let Some(t) = &table.target else {
        bail!("internal: no target read")
    };
    let name = &t.name;
    let classes = distinct_sorted(&t.distinct);
    if classes.len() > CLASS_COLORS.len() {
        bail!(
            "{}: target `{name}` has {} distinct values; a scatter plot has {} distinct colours, so at most {} classes",
            path.display(),
            classes.len(),
            CLASS_COLORS.len(),
            CLASS_COLORS.len()
        );
    }
    let labels = encode_labels(&table, &classes)?;
    let x = table.x.slice(ndarray::s![0..2, ..]).to_owned();
    let names = table.feature_names[..2].to_vec();
    Ok(Dataset::new(names, name.clone(), x, labels, classes)?)
}
