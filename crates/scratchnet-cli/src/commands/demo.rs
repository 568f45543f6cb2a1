//! `scratchnet demo`: the tutorial on the built-in flower data; with `--out DIR`, also the
//! models, the report, the pictures and `report.html`.

use std::cell::RefCell;
use std::path::Path;

use anyhow::{Context, Result};
use scratchnet::data::{Dataset, synth};
use scratchnet::experiment::{Outcome, curve_csv};
use scratchnet::preset::Preset;
use scratchnet::train::{Stream, rng};

use crate::cli::DemoArgs;
use crate::html::{Figure, ReportPage, report_page};
use crate::output::{
    check_outputs, describe_run, hidden_title, model_title, print_out, rows_summary, to_json,
    warn_all,
};
use crate::plot::curves::{Curve, HistoryPlot};
use crate::plot::field::{BoundaryPanel, BoundaryPlot, HiddenPlot};
use crate::plot::functions::ActivationsPlot;
use crate::plot::scatter::DataPlot;
use crate::plot::{Format, render};
use crate::progress::{Interrupted, run_with_progress};
use crate::table;

/// `scratchnet demo`: the tutorial on the built-in flower data.
pub fn demo(args: &DemoArgs) -> Result<()> {
    let preset = args.training.preset_or(Preset::Tutorial);
    let epochs = args.training.epochs(preset);
    let exp = args
        .training
        .experiment(preset, args.out.as_ref().map(|_| (epochs / 1000).max(1)))?;
    if let Some(dir) = &args.out {
        // before training: the directory's files can be written, or the first missing
        // directory on the way created
        let mut probe = dir.join("model.json");
        let mut d = dir.as_path();
        while !d.is_dir() {
            probe = d.to_path_buf();
            match d.parent() {
                Some(p) if !p.as_os_str().is_empty() => d = p,
                _ => break,
            }
        }
        check_outputs(&[], &[("--out", &probe)])?;
    }
    let seed = exp.config.seed;
    let data = synth::flower(400, &mut rng(seed, Stream::Data))?;
    exp.check_model_file_size(&data)?;
    let out = run_with_progress(&exp, data.clone())?;
    if let Some(epoch) = out.interrupted_at {
        return Err(Interrupted(format!("interrupted after epoch {epoch}")).into());
    }
    let mut s = format!(
        "scratchnet demo: the tutorial's network on the planar flower data (seed {seed})\n\n"
    );
    s.push_str(&describe_run(&exp, &rows_summary(&data), &out));
    s.push('\n');
    s.push_str(&table::comparison(&out.report));
    warn_all(&out);
    if let Some(dir) = &args.out {
        let written = write_demo_files(dir, &data, &out, &s)?;
        s.push_str(&format!(
            "\nwrote {} to {}\n",
            list_files(&written),
            dir.display()
        ));
        if crate::progress::interrupt::received() {
            // a signal while the files were written: they were let finish
            return Err(Interrupted(format!(
                "interrupted after training; wrote {} to {}",
                list_files(&written),
                dir.display()
            ))
            .into());
        }
    }
    print_out(&s)
}

/// "a, b, …, f,\ng, h and i": the names of the written files, broken after the sixth.
fn list_files(names: &[&str]) -> String {
    let Some((last, rest)) = names.split_last() else {
        return String::new();
    };
    let mut s = String::new();
    for (i, name) in rest.iter().enumerate() {
        s.push_str(name);
        if i + 1 < rest.len() {
            s.push_str(if i == 5 { ",\n" } else { ", " });
        }
    }
    format!("{s} and {last}")
}

/// The pictures of `demo --out`, as PNG bytes.
struct DemoPictures {
    data: Vec<u8>,
    activations: Vec<u8>,
    loss: Vec<u8>,
    boundary: Vec<u8>,
    /// Only for a network with a hidden layer.
    hidden: Option<Vec<u8>>,
}

/// Everything `demo --out` writes; returns the names of the files, in the order written.
fn write_demo_files(
    dir: &Path,
    data: &Dataset,
    out: &Outcome,
    run_text: &str,
) -> Result<Vec<&'static str>> {
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
    let mut written = vec!["model.json", "baseline.json", "report.json", "history.csv"];
    let pics = render_pictures(data, out)?;
    let mut pngs = vec![
        ("data.png", &pics.data),
        ("activations.png", &pics.activations),
        ("loss.png", &pics.loss),
        ("boundary.png", &pics.boundary),
    ];
    pngs.extend(pics.hidden.as_ref().map(|h| ("hidden.png", h)));
    for (name, png) in pngs {
        write(name, png)?;
        written.push(name);
    }
    let page = report_page(&ReportPage {
        title: "scratchnet: a neural network from scratch on the planar flower",
        intro: "The tutorial's 2-4-1 network (tanh hidden layer, sigmoid output) trained by full-batch gradient descent, compared with logistic regression. Everything below was computed by this run.",
        report: &out.report,
        run: run_text,
        figures: &figures(&pics),
        network: &out.model.network,
        samples: out.train.n_samples(),
        origin: "the demo's trained network",
        json: &json,
    });
    write("report.html", page.as_bytes())?;
    written.push("report.html");
    Ok(written)
}

/// Draws the demo's pictures: the data, the activations, the learning curve, the two
/// boundaries and (with a hidden layer) the hidden units.
fn render_pictures(data: &Dataset, out: &Outcome) -> Result<DemoPictures> {
    let size = (900, 700);
    let data_plot = DataPlot {
        data,
        axes: (0, 1),
        title: "The planar flower".into(),
        size,
    };
    let history = HistoryPlot {
        curve: Curve::from_points(&out.curve, out.report.task),
        log_y: false,
        title: format!(
            "Learning curve of {} (α = {})",
            out.report.model, out.model.training.learning_rate
        ),
        size,
    };
    let hidden = if out.model.network.layers().len() > 1 {
        let pic = HiddenPlot {
            model: &out.model,
            axes: (0, 1),
            title: hidden_title(&out.model, (0, 1)),
            size,
        };
        Some(render(&pic, Format::Png)?)
    } else {
        None
    };
    Ok(DemoPictures {
        data: render(&data_plot, Format::Png)?,
        activations: render(&ActivationsPlot { size }, Format::Png)?,
        loss: render(&history, Format::Png)?,
        boundary: render(&boundaries(data, out), Format::Png)?,
        hidden,
    })
}

/// The network's and the baseline's decision boundaries side by side.
fn boundaries<'a>(data: &'a Dataset, out: &'a Outcome) -> BoundaryPlot<'a> {
    let panel = |model| BoundaryPanel {
        model,
        title: model_title(model),
    };
    BoundaryPlot {
        panels: vec![panel(&out.model), panel(&out.baseline)],
        data,
        axes: (0, 1),
        title: format!(
            "Decision boundaries over all {} points (train and test)",
            data.n_samples()
        ),
        size: (1500, 680),
        geometry: RefCell::new(vec![]),
    }
}

/// The pictures of `report.html`, with what to look at in each.
fn figures(pics: &DemoPictures) -> Vec<Figure<'_>> {
    let mut figures = vec![
        Figure {
            heading: "The data",
            caption: "400 points in two classes, petals of a flower: no straight line separates them.",
            png: &pics.data,
        },
        Figure {
            heading: "Decision boundaries",
            caption: "The shading is the model's probability of class 1 (orange) over the plane, the black line its 0.5 contour; crossed points are misclassified. The network bends its boundary around the petals; logistic regression can only draw a straight line.",
            png: &pics.boundary,
        },
        Figure {
            heading: "Learning curve",
            caption: "Loss and accuracy on the training and test sets as training proceeds. A test loss that rises while the training loss falls is the network starting to overfit.",
            png: &pics.loss,
        },
    ];
    if let Some(h) = &pics.hidden {
        figures.push(Figure {
            heading: "What the hidden units learned",
            caption: "Each hidden unit computes tanh(w·x + b): one straight line (black, Z = 0) with one side positive and the other negative. The output layer combines these half-planes into the curved boundary above.",
            png: h,
        });
    }
    figures.push(Figure {
        heading: "Activation functions",
        caption: "The functions the tutorial draws, with the derivatives that backpropagation multiplies by.",
        png: &pics.activations,
    });
    figures
}
