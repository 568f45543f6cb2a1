//! The subcommands: each parses nothing itself, builds the library's settings, calls the
//! library and prints. Progress and notes go to stderr; results to stdout.

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use scratchnet::data::csv::{CsvSpec, encode_labels, read_csv, regression_values};
use scratchnet::data::synth::{self, Generator};
use scratchnet::data::{Dataset, Task};
use scratchnet::experiment::{Experiment, Outcome, curve_csv, evaluate};
use scratchnet::metrics::Metrics;
use scratchnet::model_file::{Model, classes_of};
use scratchnet::nn::{Activation, Init, describe_sizes};
use scratchnet::optim::{OptimizerKind, Schedule};
use scratchnet::train::{Stream, TrainConfig, rng};
use serde::Serialize;

use crate::cli::{DemoArgs, EvalArgs, GenerateArgs, PredictArgs, TrainArgs, TrainingFlags};
use crate::html::{Figure, report_page};
use crate::plot::curves::{Curve, HistoryPlot};
use crate::plot::field::{BoundaryPanel, BoundaryPlot, HiddenPlot};
use crate::plot::functions::ActivationsPlot;
use crate::plot::scatter::DataPlot;
use crate::plot::{Format, render};
use crate::plot_cmd::{hidden_title, model_title};
use crate::progress::{Interrupted, Progress};
use crate::table;

/// The library's settings from the command line's flags.
fn experiment(flags: &TrainingFlags, log_every: Option<usize>) -> Result<Experiment> {
    let optimizer = flags.optimizer.parse::<OptimizerKind>()?;
    let is = |names: &[&str]| names.contains(&optimizer.name());
    if flags.momentum.is_some() && !is(&["momentum", "nesterov"]) {
        bail!(
            "--momentum applies to --optimizer momentum or nesterov, not {}",
            optimizer.name()
        );
    }
    if (flags.beta1.is_some() || flags.beta2.is_some() || flags.eps.is_some()) && !is(&["adam"]) {
        bail!(
            "--beta1, --beta2 and --eps apply to --optimizer adam, not {}",
            optimizer.name()
        );
    }
    let optimizer = match optimizer {
        OptimizerKind::Momentum { momentum } => OptimizerKind::Momentum {
            momentum: flags.momentum.unwrap_or(momentum),
        },
        OptimizerKind::Nesterov { momentum } => OptimizerKind::Nesterov {
            momentum: flags.momentum.unwrap_or(momentum),
        },
        OptimizerKind::Adam { beta1, beta2, eps } => OptimizerKind::Adam {
            beta1: flags.beta1.unwrap_or(beta1),
            beta2: flags.beta2.unwrap_or(beta2),
            eps: flags.eps.unwrap_or(eps),
        },
        OptimizerKind::Gd => OptimizerKind::Gd,
    };
    if flags.lr_schedule != "step" && (flags.lr_step.is_some() || flags.lr_gamma.is_some()) {
        bail!(
            "--lr-step and --lr-gamma apply to --lr-schedule step, not {}",
            flags.lr_schedule
        );
    }
    let schedule = match flags.lr_schedule.as_str() {
        "constant" => Schedule::Constant,
        "cosine" => Schedule::Cosine,
        "step" => Schedule::Step {
            every: flags.lr_step.unwrap_or((flags.epochs / 3).max(1)),
            gamma: flags.lr_gamma.unwrap_or(0.1),
        },
        other => bail!("unknown --lr-schedule `{other}`; expected one of: constant, step, cosine"),
    };
    let exp = Experiment {
        config: TrainConfig {
            hidden: flags.hidden.0.clone(),
            hidden_activation: flags
                .activation
                .as_deref()
                .unwrap_or("tanh")
                .parse::<Activation>()?,
            init: flags.init.as_deref().map(str::parse::<Init>).transpose()?,
            epochs: flags.epochs,
            learning_rate: flags.lr,
            seed: flags.seed,
            optimizer,
            batch_size: flags.batch_size,
            l2: flags.l2,
            schedule,
            patience: flags.patience,
            precision: flags.precision.as_deref().unwrap_or("f64").parse()?,
            ..TrainConfig::default()
        },
        test_split: flags.test_split,
        validation: flags.validation,
        log_every,
        init_from: None,
        cancel: None,
    };
    exp.validate()?;
    Ok(exp)
}

/// Trains with a progress bar and Ctrl-C handling; takes the data so that it can be freed as
/// soon as it is split.
fn run_with_progress(exp: &Experiment, data: Dataset) -> Result<Outcome> {
    let mut exp = exp.clone();
    exp.cancel = Some(crate::progress::interrupt::flag());
    let exp = &exp;
    let progress = Progress::new(exp.config.epochs, "training");
    let out = exp.run_owned(data, |info| progress.on_epoch(info));
    progress.finish();
    Ok(out?)
}

fn warn_undefined(metrics: &Metrics, what: &str) {
    for w in metrics.warnings() {
        eprintln!("warning: {what}: {w}");
    }
}

fn warn_all(out: &Outcome) {
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

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    Ok(serde_json::to_string_pretty(value)?)
}

/// `scratchnet demo`: the tutorial on the built-in flower data.
pub fn demo(args: &DemoArgs) -> Result<()> {
    let exp = experiment(
        &args.training,
        args.out
            .as_ref()
            .map(|_| (args.training.epochs / 1000).max(1)),
    )?;
    let seed = exp.config.seed;
    let data = synth::flower(400, &mut rng(seed, Stream::Data))?;
    let out = run_with_progress(&exp, data.clone())?;
    if let Some(epoch) = out.interrupted_at {
        return Err(Interrupted(format!("interrupted after epoch {epoch}")).into());
    }
    let mut s = String::new();
    s.push_str(&format!(
        "scratchnet demo: the tutorial's network on the planar flower data (seed {seed})\n\n"
    ));
    s.push_str(&describe_run(&exp, &rows_summary(&data), &out));
    s.push('\n');
    s.push_str(&table::comparison(&out.report));
    warn_all(&out);
    if let Some(dir) = &args.out {
        write_demo_files(dir, &data, &out, &s)?;
        s.push_str(&format!(
            "\nwrote model.json, baseline.json, report.json, history.csv, data.png, activations.png,\n\
             loss.png, boundary.png, hidden.png and report.html to {}\n",
            dir.display()
        ));
    }
    print_out(&s)?;
    Ok(())
}

/// Everything `demo --out DIR` writes.
fn write_demo_files(dir: &Path, data: &Dataset, out: &Outcome, run_text: &str) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create directory {}", dir.display()))?;
    let write = |name: &str, bytes: &[u8]| -> Result<()> {
        Ok(scratchnet::io::write_atomic(&dir.join(name), bytes)?)
    };
    out.model.save(&dir.join("model.json"))?;
    out.baseline.save(&dir.join("baseline.json"))?;
    let json = to_json(&out.report)? + "\n";
    write("report.json", json.as_bytes())?;
    write(
        "history.csv",
        curve_csv(&out.curve, out.report.task).as_bytes(),
    )?;

    let size = (900, 700);
    let data_png = render(
        &DataPlot {
            data,
            axes: (0, 1),
            title: "The planar flower".into(),
            size,
        },
        Format::Png,
    )?;
    let act_png = render(&ActivationsPlot { size }, Format::Png)?;
    let curve = Curve::from_points(&out.curve, out.report.task);
    let title = format!(
        "Learning curve of {} (α = {})",
        out.report.model, out.model.training.learning_rate
    );
    let loss_png = render(
        &HistoryPlot {
            curve,
            log_y: false,
            title,
            size,
        },
        Format::Png,
    )?;
    let panels = vec![
        BoundaryPanel {
            model: &out.model,
            title: model_title(&out.model),
        },
        BoundaryPanel {
            model: &out.baseline,
            title: model_title(&out.baseline),
        },
    ];
    let boundary = BoundaryPlot {
        panels,
        data,
        axes: (0, 1),
        title: format!(
            "Decision boundaries over all {} points (train and test)",
            data.n_samples()
        ),
        size: (1500, 680),
        geometry: RefCell::new(vec![]),
    };
    let boundary_png = render(&boundary, Format::Png)?;
    let hidden_png = if out.model.network.layers.len() > 1 {
        let title = hidden_title(&out.model, (0, 1));
        Some(render(
            &HiddenPlot {
                model: &out.model,
                axes: (0, 1),
                title,
                size,
            },
            Format::Png,
        )?)
    } else {
        None
    };
    write("data.png", &data_png)?;
    write("activations.png", &act_png)?;
    write("loss.png", &loss_png)?;
    write("boundary.png", &boundary_png)?;
    let mut figures = vec![
        Figure {
            heading: "The data",
            caption: "400 points in two classes, petals of a flower: no straight line separates them.",
            png: &data_png,
        },
        Figure {
            heading: "Decision boundaries",
            caption: "The shading is the model's probability of class 1 (orange) over the plane, the black line its 0.5 contour; crossed points are misclassified. The network bends its boundary around the petals; logistic regression can only draw a straight line.",
            png: &boundary_png,
        },
        Figure {
            heading: "Learning curve",
            caption: "Loss and accuracy on the training and test sets as training proceeds. A test loss that rises while the training loss falls is the network starting to overfit.",
            png: &loss_png,
        },
    ];
    if let Some(h) = &hidden_png {
        write("hidden.png", h)?;
        figures.push(Figure {
            heading: "What the hidden units learned",
            caption: "Each hidden unit computes tanh(w·x + b): one straight line (black, Z = 0) with one side positive and the other negative. The output layer combines these half-planes into the curved boundary above.",
            png: h,
        });
    }
    figures.push(Figure { heading: "Activation functions", caption: "The functions the tutorial draws, with the derivatives that backpropagation multiplies by.", png: &act_png });
    let mut equations = String::new();
    crate::explain::steps(
        &mut equations,
        &out.model.network,
        out.train.n_samples(),
        "the demo's trained network",
    );
    let page = report_page(
        "scratchnet: a neural network from scratch on the planar flower",
        "The tutorial's 2-4-1 network (tanh hidden layer, sigmoid output) trained by full-batch gradient descent, compared with logistic regression. Everything below was computed by this run.",
        &out.report,
        run_text,
        &figures,
        &equations,
        &json,
    );
    write("report.html", page.as_bytes())
}

/// The tutorial's walk-through of one run: data, layer sizes, shapes, training.
/// "400 rows (200 × `0`, 200 × `1`)", or "400 rows" for regression.
fn rows_summary(data: &Dataset) -> String {
    let counts: Vec<String> = data
        .classes
        .iter()
        .zip(data.class_counts())
        .map(|(c, n)| format!("{n} × `{c}`"))
        .collect();
    if counts.is_empty() {
        format!("{} rows", data.n_samples())
    } else {
        format!("{} rows ({})", data.n_samples(), counts.join(", "))
    }
}

fn describe_run(exp: &Experiment, rows: &str, out: &Outcome) -> String {
    let m = out.train.n_samples();
    let st = &out.model.standardizer;
    let stats: Vec<String> = out
        .model
        .features
        .iter()
        .enumerate()
        .map(|(i, f)| format!("{f}: mean {:.3}, sd {:.3}", st.mean[i], st.std[i]))
        .collect();
    let net = &out.model.network;
    let sizes = net.sizes();
    let mut params = Vec::new();
    let mut cache = Vec::new();
    for (l, layer) in net.layers.iter().enumerate() {
        let n = l + 1;
        params.push(format!(
            "W{n} {}×{}   b{n} {}×1",
            layer.n_out(),
            layer.n_in(),
            layer.n_out()
        ));
        cache.push(format!("Z{n} {0}×{m}   A{n} {0}×{m}", layer.n_out()));
    }
    let hist = &out.history;
    let mut s = String::new();
    let validation = match out.validation.n_samples() {
        0 => String::new(),
        v => format!(" / {v} validation"),
    };
    s.push_str(&format!(
        "data          {rows}, shuffled, split {m} train{validation} / {} test\n",
        out.test.n_samples()
    ));
    s.push_str(&format!(
        "standardized  with the training statistics: {}\n",
        stats.join("; ")
    ));
    s.push_str(&format!(
        "layer sizes   n_x = {}   n_h = {}   n_y = {}   ({})\n",
        sizes[0],
        if sizes.len() > 2 {
            describe_sizes(&sizes[1..sizes.len() - 1])
        } else {
            "none".into()
        },
        sizes[sizes.len() - 1],
        net.describe()
    ));
    s.push_str(&format!(
        "inputs        X {}×{m}   Y {}×{m}   (one column per sample)\n",
        sizes[0],
        sizes[sizes.len() - 1]
    ));
    s.push_str(&format!("parameters    {}\n", params.join("   ")));
    s.push_str(&format!("cache         {}\n", cache.join("   ")));
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
    s.push_str(&format!(
        "training      {} epochs of {batches} {optimizer}, learning rate {} ({}), {init}{}\n",
        c.epochs,
        c.learning_rate,
        c.schedule.name(),
        if c.l2 > 0.0 {
            format!(", L2 {}", c.l2)
        } else {
            String::new()
        }
    ));
    if let (Some(first), Some(last)) = (hist.first(), hist.last()) {
        let end = match (out.report.best_epoch, out.report.stopped_at) {
            (Some(best), Some(stop)) => format!(
                "with the weights of epoch {best} (best validation loss; stopped at epoch {stop})"
            ),
            (Some(best), None) => {
                format!("with the weights of epoch {best} (best validation loss)")
            }
            _ => format!("at epoch {}", hist.len() - 1),
        };
        s.push_str(&format!(
            "loss          {first:.6} at epoch 0 → {last:.6} {end}\n"
        ));
    }
    s
}

/// `scratchnet generate`.
pub fn generate(args: &GenerateArgs) -> Result<()> {
    let g: Generator = args.kind.parse()?;
    let noise = args.noise.unwrap_or(g.default_noise());
    let data = g.generate(
        args.n,
        args.classes,
        noise,
        &mut rng(args.seed, Stream::Data),
    )?;
    match &args.output {
        Some(path) if path != Path::new("-") => {
            data.to_csv(path)?;
            eprintln!(
                "wrote {} points ({g}) to {}",
                data.n_samples(),
                path.display()
            );
        }
        _ => print_out(&data.to_csv_string())?,
    }
    Ok(())
}

/// `scratchnet train`.
pub fn train(args: &TrainArgs) -> Result<()> {
    if args.log_every == 0 {
        bail!("--log-every must be at least 1");
    }
    // Fail now, not after a long training, when an output cannot be written.
    for path in args.output.iter().chain(&args.history) {
        scratchnet::io::check_writable(path)?;
    }
    let mut exp = experiment(
        &args.training,
        args.history.as_ref().map(|_| args.log_every),
    )?;
    let data = match args.task.as_str() {
        "classification" => Dataset::from_csv(
            &args.data,
            &args.target,
            args.features.as_deref(),
            args.positive.as_deref(),
        )?,
        "regression" => {
            if args.positive.is_some() {
                bail!("--positive applies to classification, not --task regression");
            }
            Dataset::from_csv_regression(&args.data, &args.target, args.features.as_deref())?
        }
        other => bail!("unknown --task `{other}`; expected classification or regression"),
    };
    if let Some(path) = &args.init_from {
        let model = Model::load(path)?;
        if args.training.hidden.0 != model.network.sizes()[1..model.network.layers.len()]
            && args.training.hidden.0 != [4]
        {
            bail!(
                "--init-from {}: the model's hidden layers are {:?}, not --hidden {:?}",
                path.display(),
                &model.network.sizes()[1..model.network.layers.len()],
                args.training.hidden.0
            );
        }
        let model_act = model.network.layers[0].activation;
        if let Some(a) = &args.training.activation
            && model.network.layers.len() > 1
            && a.parse::<Activation>()? != model_act
        {
            bail!(
                "--init-from {}: the model's hidden activation is {model_act}, not --activation {a}",
                path.display()
            );
        }
        exp.init_from = Some(model);
    }
    let mut header = String::new();
    header.push_str(&format!(
        "{}: target `{}` ",
        args.data.display(),
        data.target_name
    ));
    let what = match data.task() {
        Task::Binary => format!("positive class `{}`", data.classes[1]),
        Task::Multiclass => format!(
            "{} classes: {}",
            data.classes.len(),
            data.classes.join(", ")
        ),
        Task::Regression => "regression".to_string(),
    };
    header.push_str(&format!(
        "({what}), features {}\n\n",
        data.feature_names.join(", ")
    ));
    let rows = rows_summary(&data);
    let out = run_with_progress(&exp, data)?;
    if let Some(epoch) = out.interrupted_at {
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
        return Err(Interrupted(format!("interrupted after epoch {epoch}{saved}")).into());
    }
    warn_all(&out);
    if let Some(path) = &args.output {
        out.model.save(path)?;
    }
    if let Some(path) = &args.history {
        scratchnet::io::write_atomic(path, curve_csv(&out.curve, out.report.task).as_bytes())?;
    }
    if args.json {
        print_out(&(to_json(&out.report)? + "\n"))?;
    } else {
        let mut s = header;
        s.push_str(&describe_run(&exp, &rows, &out));
        s.push('\n');
        s.push_str(&table::comparison(&out.report));
        if let Some(path) = &args.output {
            s.push_str(&format!("\nmodel written to {}\n", path.display()));
        }
        print_out(&s)?;
    }
    Ok(())
}

/// The JSON report of `eval`.
#[derive(Serialize)]
struct EvalReport<'a> {
    model: String,
    data: String,
    samples: usize,
    #[serde(flatten)]
    report: &'a Metrics,
}

/// Reads the model's feature columns (and, when `with_target`, its target) from a CSV file.
pub fn read_for_model(
    model: &Model,
    path: &Path,
    with_target: bool,
) -> Result<(Dataset, Vec<u64>)> {
    let spec = CsvSpec {
        target: with_target.then_some(model.target.as_str()),
        features: Some(&model.features),
    };
    let table = read_csv(path, &spec).map_err(|e| match e {
        scratchnet::Error::DataFile { path, message }
            if message.starts_with("no feature column")
                || message.starts_with("no target column") =>
        {
            scratchnet::Error::DataFile {
                path,
                message: format!(
                    "{message} (the model was trained on features {} and target `{}`)",
                    model.features.join(", "),
                    model.target
                ),
            }
        }
        other => other,
    })?;
    let lines = table.lines.clone();
    let data = match (model.task(), &table.target) {
        (Task::Regression, Some(_)) => {
            let values = regression_values(&table)?;
            Dataset::regression(table.feature_names, model.target.clone(), table.x, values)?
        }
        (Task::Regression, None) => Dataset::regression(
            table.feature_names,
            model.target.clone(),
            table.x,
            vec![0.0; lines.len()],
        )?,
        (_, Some(_)) => {
            let labels = encode_labels(&table, &model.classes)?;
            Dataset::new(
                table.feature_names,
                model.target.clone(),
                table.x,
                labels,
                model.classes.clone(),
            )?
        }
        (_, None) => Dataset::new(
            table.feature_names,
            model.target.clone(),
            table.x,
            vec![0; lines.len()],
            model.classes.clone(),
        )?,
    };
    Ok((data, lines))
}

/// `scratchnet eval`.
pub fn eval(args: &EvalArgs) -> Result<()> {
    let model = Model::load(&args.model)?;
    let (data, _) = read_for_model(&model, &args.data, true)?;
    let report = evaluate(&model, &data)?;
    warn_undefined(&report, "eval");
    if args.json {
        let r = EvalReport {
            model: model.network.describe(),
            data: args.data.display().to_string(),
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

/// `scratchnet predict`.
pub fn predict(args: &PredictArgs) -> Result<()> {
    let model = Model::load(&args.model)?;
    let (data, _) = read_for_model(&model, &args.data, false)?;
    let out = model.predict_proba(data.x.view())?;
    let task = model.task();
    if args.proba && task == Task::Regression {
        bail!(
            "--proba needs a classifier; {} is a regression model",
            args.model.display()
        );
    }
    let mut text = String::with_capacity(data.n_samples() * 32);
    text.push_str("prediction");
    if args.proba {
        for c in &model.classes {
            text.push(',');
            text.push_str(&csv_field(&format!("proba_{c}")));
        }
    }
    text.push('\n');
    let classes = classes_of(&out);
    for (j, col) in out.columns().into_iter().enumerate() {
        if task == Task::Regression {
            text.push_str(&col[0].to_string());
        } else {
            text.push_str(&csv_field(&model.classes[classes[j]]));
        }
        if args.proba {
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
    match &args.output {
        Some(path) if path != Path::new("-") => {
            if same_file(path, &args.data) {
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

/// True when both paths name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Quotes a CSV field when it needs it.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
