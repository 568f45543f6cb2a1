//! `scratchnet explain`: the tutorial step by step, with the shapes of the actual network, and
//! (with `--sample N`) the numbers of one sample flowing forward and backward.

use std::fmt::Write as _;
use std::ops::ControlFlow;

use anyhow::{Result, bail};
use ndarray::{Array2, ArrayView2, Axis, s};
use scratchnet::data::{Dataset, Standardizer, synth};
use scratchnet::loss::Loss;
use scratchnet::model_file::Model;
use scratchnet::nn::{Activation, Network};
use scratchnet::train::{Stream, TrainConfig, rng};

use crate::cli::ExplainArgs;

/// `scratchnet explain`.
pub fn explain(args: &ExplainArgs) -> Result<()> {
    let (network, data, standardizer, target, origin) = setup(args)?;
    let m = data.n_samples();
    let mut out = String::new();
    steps(&mut out, &network, m, &origin);
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
        sample(&mut out, &network, xs.view(), y.view(), &data, n)?;
    }
    crate::commands::print_out(&out)?;
    Ok(())
}

/// The network to explain, its training data (raw), the standardizer, and a line saying where
/// they come from.
/// The network, its data (raw), the input standardizer, the target standardizer
/// (regression), and where they come from.
type Setup = (Network, Dataset, Standardizer, Option<Standardizer>, String);

fn setup(args: &ExplainArgs) -> Result<Setup> {
    if let Some(path) = &args.model {
        let model = Model::load(path)?;
        let data = match &args.data {
            Some(d) => crate::commands::read_for_model(&model, d, true)?.0,
            None if model.features == ["x1", "x2"] => flower_train(args.seed)?,
            None => bail!(
                "--model {} has features ({}), not the built-in flower's (x1, x2): give --data DATA.csv",
                path.display(),
                model.features.join(", ")
            ),
        };
        let origin = format!("the trained model {}", path.display());
        return Ok((
            model.network,
            data,
            model.standardizer,
            model.target_standardizer,
            origin,
        ));
    }
    let data = match &args.data {
        Some(d) => Dataset::from_csv(d, &args.target, None, None)?,
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

fn act_formula(a: Activation, z: &str) -> String {
    match a {
        Activation::Sigmoid => format!("σ({z}) = 1 / (1 + e^(−{z}))"),
        Activation::Tanh => format!("tanh({z})"),
        Activation::Relu => format!("max(0, {z})"),
        Activation::LeakyRelu => format!("max(0.01·{z}, {z})"),
        Activation::Identity => z.to_string(),
        Activation::Softmax => format!("softmax({z}) = e^{z} / Σ_classes e^{z}"),
    }
}

fn act_derivative(a: Activation, n: usize) -> String {
    match a {
        Activation::Sigmoid => format!("A{n} ⊙ (1 − A{n})"),
        Activation::Tanh => format!("(1 − A{n}²)"),
        Activation::Relu => format!("[Z{n} > 0]"),
        Activation::LeakyRelu => format!("[Z{n} > 0 ? 1 : 0.01]"),
        Activation::Identity => "1".into(),
        Activation::Softmax => "(softmax: output only)".into(),
    }
}

fn name(l: usize) -> String {
    if l == 0 { "X".into() } else { format!("A{l}") }
}

/// Appends the equations, with this network's shapes, to `out`.
pub fn steps(out: &mut String, net: &Network, m: usize, origin: &str) {
    let sizes = net.sizes();
    let big_l = net.layers.len();
    let n_x = sizes[0];
    let hidden = &sizes[1..big_l];
    let n_y = sizes[big_l];
    let loss = net.loss();
    let y_meaning = match loss {
        Loss::BinaryCrossEntropy => "0 or 1 per sample",
        Loss::CategoricalCrossEntropy => "one-hot: a 1 in the row of each sample's class",
        Loss::MeanSquaredError => "the standardized target of each sample",
    };
    let w = |s: &mut String, t: String| {
        let _ = writeln!(s, "{t}");
    };
    w(
        out,
        format!(
            "scratchnet explain: the tutorial's steps for a {} network ({origin})\n",
            net.describe()
        ),
    );
    w(
        out,
        format!(
            "Legend: n_x = {n_x} input features, n_h = {} hidden units, n_y = {n_y} output unit(s), m = {m} samples.",
            if hidden.is_empty() {
                "no".to_string()
            } else {
                scratchnet::nn::describe_sizes(hidden)
            }
        ),
    );
    w(
        out,
        "Matrices hold one sample per column: X is (n_x × m), as in the tutorial's t(X).\n".into(),
    );
    w(out, "1. Data and split".into());
    w(
        out,
        format!(
            "   shuffle the rows with the seed and keep a share for training (80% by default); here X {n_x}×{m}, Y {n_y}×{m} ({y_meaning})\n"
        ),
    );
    w(out, "2. Standardize (scale)".into());
    w(out, "   X̃ = (X − μ) / σ, μ and σ per feature from the *training* rows; the test rows reuse them".into());
    w(out, "   (the tutorial scales the test set with its own statistics, which leaks it into the model)\n".into());
    w(out, "3. Layer sizes (getLayerSize)".into());
    w(
        out,
        format!(
            "   n_x = rows of X = {n_x}; hidden = {hidden:?} (your choice); n_y = rows of Y = {n_y}\n"
        ),
    );
    w(out, "4. Initialize parameters".into());
    for (i, layer) in net.layers.iter().enumerate() {
        let n = i + 1;
        w(
            out,
            format!(
                "   W{n} {}×{}  (units out × units in), random (small-uniform, xavier or he)   b{n} {}×1 = 0",
                layer.n_out(),
                layer.n_in(),
                layer.n_out()
            ),
        );
    }
    w(
        out,
        "   small weights keep tanh/σ in their steep middle, where gradients are large\n".into(),
    );
    w(out, "5. Forward propagation: each layer computes Z = W·A_prev + b, then A = g(Z); the cache keeps Z and A".into());
    for (i, layer) in net.layers.iter().enumerate() {
        let n = i + 1;
        let (o, inn) = (layer.n_out(), layer.n_in());
        w(
            out,
            format!(
                "   Z{n} = W{n}·{} + b{n}   ({o}×{inn})·({inn}×{m}) + ({o}×1, added to every column) → {o}×{m}",
                name(i)
            ),
        );
        let what = if n == big_l {
            match loss {
                Loss::BinaryCrossEntropy => "   probability of class 1, one per sample",
                Loss::CategoricalCrossEntropy => {
                    "   probability of each class, one column per sample"
                }
                Loss::MeanSquaredError => "   the prediction (standardized), one per sample",
            }
        } else {
            ""
        };
        w(
            out,
            format!(
                "   A{n} = {}   {o}×{m}{what}",
                act_formula(layer.activation, &format!("Z{n}"))
            ),
        );
    }
    w(out, String::new());
    let n_y = net.layers[big_l - 1].n_out();
    match net.loss() {
        Loss::BinaryCrossEntropy => {
            w(out, "6. Cost (binary cross-entropy)".into());
            w(
                out,
                format!(
                    "   J = −(1/m)·Σ [Y·log(A{big_l}) + (1 − Y)·log(1 − A{big_l})]   (1×{m}) → one number"
                ),
            );
            w(
                out,
                format!(
                    "   computed from Z{big_l} as (1/m)·Σ [max(Z,0) − Z·Y + log(1 + e^(−|Z|))]: finite even when A{big_l} rounds to 0 or 1\n"
                ),
            );
        }
        Loss::CategoricalCrossEntropy => {
            w(out, "6. Cost (categorical cross-entropy)".into());
            w(
                out,
                format!(
                    "   J = −(1/m)·Σ_samples Σ_classes Y·log(A{big_l})   Y one-hot ({n_y}×{m}) → one number"
                ),
            );
            w(
                out,
                format!(
                    "   computed from Z{big_l} with log-sum-exp: log Σ e^Z = max Z + log Σ e^(Z − max Z), never overflowing\n"
                ),
            );
        }
        Loss::MeanSquaredError => {
            w(
                out,
                "6. Cost (mean squared error, on the standardized target)".into(),
            );
            w(
                out,
                format!("   J = (1/m)·Σ ½ (A{big_l} − Y)²   (1×{m}) → one number\n"),
            );
        }
    }
    w(
        out,
        "7. Backward propagation: the chain rule, layer by layer from the output".into(),
    );
    w(
        out,
        format!(
            "   dZ{big_l} = A{big_l} − Y   {n_y}×{m}   (the output activation and its loss combine into this simple difference)"
        ),
    );
    for i in (0..big_l).rev() {
        let n = i + 1;
        let layer = &net.layers[i];
        let (o, inn) = (layer.n_out(), layer.n_in());
        w(
            out,
            format!(
                "   dW{n} = (1/m)·dZ{n}·{}ᵀ   ({o}×{m})·({m}×{inn}) → {o}×{inn}",
                name(i)
            ),
        );
        w(out, format!("   db{n} = (1/m)·Σ_columns dZ{n}   {o}×1"));
        if i > 0 {
            let below = &net.layers[i - 1];
            w(
                out,
                format!(
                    "   dZ{i} = W{n}ᵀ·dZ{n} ⊙ {}   ({inn}×{o})·({o}×{m}) ⊙ ({inn}×{m}) → {inn}×{m}",
                    act_derivative(below.activation, i)
                ),
            );
        }
    }
    w(out, String::new());
    w(
        out,
        "8. Update parameters (gradient descent with learning rate α)".into(),
    );
    w(out, "   W := W − α·dW,   b := b − α·db   for every layer; gradients have the shapes of their parameters\n".into());
    w(
        out,
        "9. Train: repeat steps 5–8 for every epoch (10,000 in the tutorial, α = 1.2)".into(),
    );
    w(out, "   At α = 1.2 training is chaotic: a 1e-15 change in one initial weight grows to O(1) differences".into());
    w(out, "   in the weights by epoch 2000. Only bit-identical seeds reproduce a run; a numpy replay of our".into());
    w(out, "   initial weights (train --epochs 0) agrees with us to 1e-9 through epoch 1000, not beyond.\n".into());
    match loss {
        Loss::BinaryCrossEntropy => {
            w(
                out,
                "10. Predict: class 1 where the output probability > 0.5, else class 0".into(),
            );
            w(out, "11. Evaluate: accuracy = (TP+TN)/m, precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = 2PR/(P+R)".into());
            w(out, "    and compare with logistic regression: the same network with no hidden layer, a straight-line boundary.".into());
        }
        Loss::CategoricalCrossEntropy => {
            w(out, "10. Predict: the class whose output probability is largest (each column of A sums to 1)".into());
            w(out, "11. Evaluate: accuracy, the k×k confusion matrix, precision/recall/F1 per class and their macro and weighted means".into());
            w(
                out,
                "    and compare with softmax regression: the same network with no hidden layer."
                    .into(),
            );
        }
        Loss::MeanSquaredError => {
            w(out, "10. Predict: the output A, mapped back to the target's units (× its training sd + its training mean)".into());
            w(out, "11. Evaluate: RMSE, MAE and R² in the target's units, and compare with linear regression (no hidden layer).".into());
        }
    }
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
) -> Result<()> {
    let x: Array2<f64> = xs.slice(s![.., n..n + 1]).to_owned();
    let y: Array2<f64> = ys.slice(s![.., n..n + 1]).to_owned();
    let cache = net.forward(x.view());
    let grads = net.backward(&cache, y.view());
    let cost = net.cost(&cache, y.view());
    let raw: Vec<String> = data.x.column(n).iter().map(|v| format!("{v:.6}")).collect();
    let target = match data.labels.get(n) {
        Some(&l) => format!("label {l} (class `{}`)", data.classes[l]),
        None => format!("target {} (standardized: {:.6})", data.values[n], y[[0, 0]]),
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
    let _ = writeln!(out, "   X (standardized) = {}", fmt_matrix(x.view()));
    for (i, (layer, c)) in net.layers.iter().zip(&cache.layers).enumerate() {
        let l = i + 1;
        let _ = writeln!(out, "   W{l} = {}", fmt_matrix(layer.w.view()));
        let _ = writeln!(
            out,
            "   b{l} = {}",
            fmt_matrix(layer.b.view().insert_axis(Axis(1)))
        );
        let _ = writeln!(
            out,
            "   Z{l} = W{l}·{} + b{l} = {}",
            name(i),
            fmt_matrix(c.z.view())
        );
        let _ = writeln!(
            out,
            "   A{l} = {} = {}",
            act_formula(layer.activation, &format!("Z{l}")),
            fmt_matrix(c.a.view())
        );
    }
    let big_l = net.layers.len();
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
    let _ = writeln!(
        out,
        "   dZ{big_l} = A{big_l} − Y = {}",
        fmt_matrix((cache.output().to_owned() - &y).view())
    );
    for i in (0..big_l).rev() {
        let l = i + 1;
        let _ = writeln!(
            out,
            "   dW{l} = dZ{l}·{}ᵀ = {}",
            name(i),
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
                act_derivative(net.layers[i - 1].activation, i),
                fmt_matrix(dz_below)
            );
        }
    }
    Ok(())
}
