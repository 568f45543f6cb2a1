//! `scratchnet explain`: the tutorial step by step, with the shapes of the actual network, and
//! (with `--sample N`) the numbers of one sample flowing forward and backward.

use std::fmt::Write as _;
use std::ops::ControlFlow;

use anyhow::{Result, bail};
use ndarray::{Array2, ArrayView2, Axis, s};
use scratchnet::data::{Dataset, Standardizer, synth};
use scratchnet::loss::Loss;
use scratchnet::model_file::Model;
use scratchnet::nn::{Cache, Network};
use scratchnet::train::{Stream, TrainConfig, rng};

use crate::cli::ExplainArgs;
use crate::equations::{act_derivative, act_formula, input_name, steps};
use crate::output::print_out;

/// `scratchnet explain`.
pub fn explain(args: &ExplainArgs) -> Result<()> {
    let (network, data, standardizer, target, origin) = setup(args)?;
    let m = data.n_samples();
    let mut out = steps(&network, m, &origin);
    if let Some(n) = args.sample {
        if n >= m {
            bail!(
                "--sample {n} is out of range: the training data has {m} samples (0…{})",
                m - 1
            );
        }
        let xs = standardizer.transform(data.x.view())?;
        let y = data.y();
        let y = match &target {
            Some(t) => t.transform(y.view())?,
            None => y,
        };
        sample(&mut out, &network, xs.view(), y.view(), &data, n);
    }
    print_out(&out)
}

/// The network, its data (raw), the input standardizer, the target standardizer
/// (regression), and where they come from.
type Setup = (Network, Dataset, Standardizer, Option<Standardizer>, String);

fn setup(args: &ExplainArgs) -> Result<Setup> {
    match &args.model {
        Some(path) => setup_from_model(args, path),
        None => setup_fresh(args),
    }
}

/// A saved model with `--data` or, for a model of the flower's columns, the flower.
fn setup_from_model(args: &ExplainArgs, path: &std::path::Path) -> Result<Setup> {
    let model = Model::load(path)?;
    let data = match &args.data {
        Some(d) => model.read_data(args.reader.input(d), true)?.0,
        None if model.features == ["x1", "x2"] => flower_train(args.seed)?,
        None => bail!(
            "--model {} has features ({}), not the built-in flower's (x1, x2): give --data DATA.csv",
            path.display(),
            model.features.join(", ")
        ),
    };
    let origin = format!("the trained model {}", path.display());
    Ok((
        model.network,
        data,
        model.standardizer,
        model.target_standardizer,
        origin,
    ))
}

/// A freshly initialized network (0 epochs) of `--hidden` sizes for `--data` or the flower.
fn setup_fresh(args: &ExplainArgs) -> Result<Setup> {
    let data = match &args.data {
        Some(d) => Dataset::from_csv(args.reader.input(d), &args.target, None, None)?,
        None => flower_train(args.seed)?,
    };
    let standardizer = Standardizer::fit(data.x.view());
    let xs = standardizer.transform(data.x.view())?;
    let config = TrainConfig {
        hidden: args.hidden.0.clone(),
        seed: args.seed,
        epochs: 0,
        output_activation: data.task().output_activation(),
        ..TrainConfig::default()
    };
    let network = config
        .fit(xs.view(), data.y().view(), |_| ControlFlow::Continue(()))?
        .network;
    let origin = format!("a freshly initialized network (seed {})", args.seed);
    Ok((network, data, standardizer, None, origin))
}

/// The 320 training rows of the demo's flower data.
fn flower_train(seed: u64) -> Result<Dataset> {
    let mut data = synth::flower(400, &mut rng(seed, Stream::Data))?;
    data.shuffle(&mut rng(seed, Stream::Data));
    Ok(data.split(0.8)?.0)
}

fn fmt_matrix(a: ArrayView2<f64>) -> String {
    let rows: Vec<String> = a
        .rows()
        .into_iter()
        .map(|r| {
            r.iter()
                .map(|v| format!("{v:>12.8}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    if rows.len() == 1 {
        format!("[{}]", rows[0])
    } else {
        format!("\n      [{}]", rows.join("]\n      ["))
    }
}

/// The numbers of sample `n` forward and backward (m = 1, so 1/m = 1).
fn sample(
    out: &mut String,
    net: &Network,
    xs: ArrayView2<f64>,
    ys: ArrayView2<f64>,
    data: &Dataset,
    n: usize,
) {
    let x: Array2<f64> = xs.slice(s![.., n..n + 1]).to_owned();
    let y: Array2<f64> = ys.slice(s![.., n..n + 1]).to_owned();
    let cache = net.forward(x.view());
    sample_heading(out, data, n, y[[0, 0]]);
    let _ = writeln!(out, "   X (standardized) = {}", fmt_matrix(x.view()));
    sample_forward(out, net, &cache);
    sample_cost(out, net, &cache, y.view());
    sample_backward(out, net, &cache, y.view());
}

/// Which sample, its raw features and its target.
fn sample_heading(out: &mut String, data: &Dataset, n: usize, y_scaled: f64) {
    let raw: Vec<String> = data.x.column(n).iter().map(|v| format!("{v:.6}")).collect();
    let target = match data.labels().get(n) {
        Some(&l) => format!("label {l} (class `{}`)", data.classes()[l]),
        None => format!("target {} (standardized: {y_scaled:.6})", data.values()[n]),
    };
    let _ = writeln!(
        out,
        "\nSample {n}: raw features ({}) = ({}), {target}",
        data.feature_names.join(", "),
        raw.join(", ")
    );
    let _ = writeln!(
        out,
        "With one sample m = 1, so every (1/m) below is 1. Check any line by hand.\n"
    );
}

/// W, b, Z = W·A_prev + b and A = g(Z) of every layer.
fn sample_forward(out: &mut String, net: &Network, cache: &Cache<'_>) {
    for (i, (layer, c)) in net.layers().iter().zip(&cache.layers).enumerate() {
        let l = i + 1;
        let _ = writeln!(out, "   W{l} = {}", fmt_matrix(layer.w().view()));
        let _ = writeln!(
            out,
            "   b{l} = {}",
            fmt_matrix(layer.b().view().insert_axis(Axis(1)))
        );
        let _ = writeln!(
            out,
            "   Z{l} = W{l}·{} + b{l} = {}",
            input_name(i),
            fmt_matrix(c.z.view())
        );
        let _ = writeln!(
            out,
            "   A{l} = {} = {}",
            act_formula(layer.activation(), &format!("Z{l}")),
            fmt_matrix(c.a.view())
        );
    }
}

/// The sample's cost and prediction.
fn sample_cost(out: &mut String, net: &Network, cache: &Cache<'_>, y: ArrayView2<f64>) {
    let big_l = net.layers().len();
    let cost = net.cost(cache, y);
    let formula = match net.loss() {
        Loss::BinaryCrossEntropy => format!("−[y·log(A{big_l}) + (1 − y)·log(1 − A{big_l})]"),
        Loss::CategoricalCrossEntropy => format!("−Σ_classes y·log(A{big_l})"),
        Loss::MeanSquaredError => format!("½ (A{big_l} − y)²"),
    };
    let _ = writeln!(out, "   J = {formula} = {cost:.6}");
    let a_out = cache.output()[[0, 0]];
    let prediction = match net.loss() {
        Loss::BinaryCrossEntropy => format!(
            "A{big_l} = {a_out:.6} {} 0.5 → class {}",
            if a_out > 0.5 { ">" } else { "≤" },
            usize::from(a_out > 0.5)
        ),
        Loss::CategoricalCrossEntropy => {
            let c = scratchnet::model_file::classes_of(&cache.output().to_owned())[0];
            format!("the largest entry of A{big_l} is row {c} → class {c}")
        }
        Loss::MeanSquaredError => format!("A{big_l} = {a_out:.6} (standardized target)"),
    };
    let _ = writeln!(out, "   prediction: {prediction}\n");
}

/// dZ, dW and db of every layer, from the output down.
fn sample_backward(out: &mut String, net: &Network, cache: &Cache<'_>, y: ArrayView2<f64>) {
    let big_l = net.layers().len();
    let grads = net.backward(cache, y);
    let _ = writeln!(
        out,
        "   dZ{big_l} = A{big_l} − Y = {}",
        fmt_matrix((cache.output().to_owned() - y).view())
    );
    for i in (0..big_l).rev() {
        let l = i + 1;
        let _ = writeln!(
            out,
            "   dW{l} = dZ{l}·{}ᵀ = {}",
            input_name(i),
            fmt_matrix(grads.layers[i].dw.view())
        );
        let _ = writeln!(
            out,
            "   db{l} = dZ{l} = {}",
            fmt_matrix(grads.layers[i].db.view().insert_axis(Axis(1)))
        );
        if i > 0 {
            // With m = 1, db_i = Σ_columns dZ_i is dZ_i itself.
            let dz_below = grads.layers[i - 1].db.view().insert_axis(Axis(1));
            let _ = writeln!(
                out,
                "   dZ{i} = W{l}ᵀ·dZ{l} ⊙ {} = {}",
                act_derivative(net.layers()[i - 1].activation(), i),
                fmt_matrix(dz_below)
            );
        }
    }
}
