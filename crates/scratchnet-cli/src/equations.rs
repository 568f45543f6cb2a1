//! The tutorial's steps as text, with the shapes of one actual network: the one renderer of
//! the equations, used by `scratchnet explain` and by the "equations" section of `report.html`.
//!
//! Shapes follow the tutorial's layout, one sample per column: X (n_x × m), W_l (units out ×
//! units in), b_l (units × 1), Z_l and A_l (units × m).

use std::fmt::Write as _;

use scratchnet::loss::Loss;
use scratchnet::nn::{Activation, Network, describe_sizes};

/// "A = g(Z)" for activation `a` applied to the matrix named `z`.
pub fn act_formula(a: Activation, z: &str) -> String {
    match a {
        Activation::Sigmoid => format!("σ({z}) = 1 / (1 + e^(−{z}))"),
        Activation::Tanh => format!("tanh({z})"),
        Activation::Relu => format!("max(0, {z})"),
        Activation::LeakyRelu => format!("max(0.01·{z}, {z})"),
        Activation::Identity => z.to_string(),
        Activation::Softmax => format!("softmax({z}) = e^{z} / Σ_classes e^{z}"),
    }
}

/// g′ of layer `n`'s activation, written with its cache (A_n or Z_n).
pub fn act_derivative(a: Activation, n: usize) -> String {
    match a {
        Activation::Sigmoid => format!("A{n} ⊙ (1 − A{n})"),
        Activation::Tanh => format!("(1 − A{n}²)"),
        Activation::Relu => format!("[Z{n} > 0]"),
        Activation::LeakyRelu => format!("[Z{n} > 0 ? 1 : 0.01]"),
        Activation::Identity => "1".into(),
        Activation::Softmax => "(softmax: output only)".into(),
    }
}

/// The input of layer `l + 1`: X for the first layer, A_l after.
pub fn input_name(l: usize) -> String {
    if l == 0 { "X".into() } else { format!("A{l}") }
}

/// The sizes the steps talk about.
struct Shapes {
    n_x: usize,
    hidden: Vec<usize>,
    n_y: usize,
    /// Number of layers with weights (L).
    big_l: usize,
    m: usize,
    loss: Loss,
}

/// Every step of the tutorial, with this network's shapes for `m` samples; `origin` says
/// where the network comes from ("a freshly initialized network (seed 69)").
pub fn steps(net: &Network, m: usize, origin: &str) -> String {
    let sizes = net.sizes();
    let big_l = net.layers().len();
    let sh = Shapes {
        n_x: sizes[0],
        hidden: sizes[1..big_l].to_vec(),
        n_y: sizes[big_l],
        big_l,
        m,
        loss: net.loss(),
    };
    let mut out = String::new();
    header(&mut out, net, &sh, origin);
    data_steps(&mut out, &sh);
    init_step(&mut out, net);
    forward_step(&mut out, net, &sh);
    cost_step(&mut out, &sh);
    backward_step(&mut out, net, &sh);
    update_and_train_steps(&mut out);
    predict_steps(&mut out, sh.loss);
    out
}

fn line(out: &mut String, text: &str) {
    let _ = writeln!(out, "{text}");
}

/// The title and the legend of the symbols.
fn header(out: &mut String, net: &Network, sh: &Shapes, origin: &str) {
    let Shapes { n_x, n_y, m, .. } = *sh;
    let n_h = if sh.hidden.is_empty() {
        "no".to_string()
    } else {
        describe_sizes(&sh.hidden)
    };
    line(
        out,
        &format!(
            "scratchnet explain: the tutorial's steps for a {} network ({origin})\n",
            net.describe()
        ),
    );
    line(
        out,
        &format!(
            "Legend: n_x = {n_x} input features, n_h = {n_h} hidden units, n_y = {n_y} output unit(s), m = {m} samples."
        ),
    );
    line(
        out,
        "Matrices hold one sample per column: X is (n_x × m), as in the tutorial's t(X).\n",
    );
}

/// Steps 1–3: the split, standardization and the layer sizes.
fn data_steps(out: &mut String, sh: &Shapes) {
    let Shapes { n_x, n_y, m, .. } = *sh;
    let y_meaning = match sh.loss {
        Loss::BinaryCrossEntropy => "0 or 1 per sample",
        Loss::CategoricalCrossEntropy => "one-hot: a 1 in the row of each sample's class",
        Loss::MeanSquaredError => "the standardized target of each sample",
    };
    line(out, "1. Data and split");
    line(
        out,
        &format!(
            "   shuffle the rows with the seed and keep a share for training (80% by default); here X {n_x}×{m}, Y {n_y}×{m} ({y_meaning})\n"
        ),
    );
    line(out, "2. Standardize (scale)");
    line(
        out,
        "   X̃ = (X − μ) / σ, μ and σ per feature from the *training* rows; the test rows reuse them",
    );
    line(
        out,
        "   (the tutorial scales the test set with its own statistics, which leaks it into the model)\n",
    );
    line(out, "3. Layer sizes (getLayerSize)");
    line(
        out,
        &format!(
            "   n_x = rows of X = {n_x}; hidden = {:?} (your choice); n_y = rows of Y = {n_y}\n",
            sh.hidden
        ),
    );
}

/// Step 4: the parameters' shapes.
fn init_step(out: &mut String, net: &Network) {
    line(out, "4. Initialize parameters");
    for (i, layer) in net.layers().iter().enumerate() {
        let n = i + 1;
        line(
            out,
            &format!(
                "   W{n} {}×{}  (units out × units in), random (small-uniform, xavier or he)   b{n} {}×1 = 0",
                layer.n_out(),
                layer.n_in(),
                layer.n_out()
            ),
        );
    }
    line(
        out,
        "   small weights keep tanh/σ in their steep middle, where gradients are large\n",
    );
}

/// Step 5: Z = W·A_prev + b and A = g(Z), layer by layer.
fn forward_step(out: &mut String, net: &Network, sh: &Shapes) {
    let m = sh.m;
    line(
        out,
        "5. Forward propagation: each layer computes Z = W·A_prev + b, then A = g(Z); the cache keeps Z and A",
    );
    for (i, layer) in net.layers().iter().enumerate() {
        let n = i + 1;
        let (o, inn) = (layer.n_out(), layer.n_in());
        line(
            out,
            &format!(
                "   Z{n} = W{n}·{} + b{n}   ({o}×{inn})·({inn}×{m}) + ({o}×1, added to every column) → {o}×{m}",
                input_name(i)
            ),
        );
        let what = if n == sh.big_l {
            match sh.loss {
                Loss::BinaryCrossEntropy => "   probability of class 1, one per sample",
                Loss::CategoricalCrossEntropy => {
                    "   probability of each class, one column per sample"
                }
                Loss::MeanSquaredError => "   the prediction (standardized), one per sample",
            }
        } else {
            ""
        };
        line(
            out,
            &format!(
                "   A{n} = {}   {o}×{m}{what}",
                act_formula(layer.activation(), &format!("Z{n}"))
            ),
        );
    }
    line(out, "");
}

/// Step 6: the cost of the network's loss, and how it is computed safely.
fn cost_step(out: &mut String, sh: &Shapes) {
    let Shapes { big_l, m, n_y, .. } = *sh;
    match sh.loss {
        Loss::BinaryCrossEntropy => {
            line(out, "6. Cost (binary cross-entropy)");
            line(
                out,
                &format!(
                    "   J = −(1/m)·Σ [Y·log(A{big_l}) + (1 − Y)·log(1 − A{big_l})]   (1×{m}) → one number"
                ),
            );
            line(
                out,
                &format!(
                    "   computed from Z{big_l} as (1/m)·Σ [max(Z,0) − Z·Y + log(1 + e^(−|Z|))]: finite even when A{big_l} rounds to 0 or 1\n"
                ),
            );
        }
        Loss::CategoricalCrossEntropy => {
            line(out, "6. Cost (categorical cross-entropy)");
            line(
                out,
                &format!(
                    "   J = −(1/m)·Σ_samples Σ_classes Y·log(A{big_l})   Y one-hot ({n_y}×{m}) → one number"
                ),
            );
            line(
                out,
                &format!(
                    "   computed from Z{big_l} with log-sum-exp: log Σ e^Z = max Z + log Σ e^(Z − max Z), never overflowing\n"
                ),
            );
        }
        Loss::MeanSquaredError => {
            line(
                out,
                "6. Cost (mean squared error, on the standardized target)",
            );
            line(
                out,
                &format!("   J = (1/m)·Σ ½ (A{big_l} − Y)²   (1×{m}) → one number\n"),
            );
        }
    }
}

/// Step 7: dZ, dW and db from the output layer down.
fn backward_step(out: &mut String, net: &Network, sh: &Shapes) {
    let Shapes { big_l, m, n_y, .. } = *sh;
    line(
        out,
        "7. Backward propagation: the chain rule, layer by layer from the output",
    );
    line(
        out,
        &format!(
            "   dZ{big_l} = A{big_l} − Y   {n_y}×{m}   (the output activation and its loss combine into this simple difference)"
        ),
    );
    for i in (0..big_l).rev() {
        let n = i + 1;
        let layer = &net.layers()[i];
        let (o, inn) = (layer.n_out(), layer.n_in());
        line(
            out,
            &format!(
                "   dW{n} = (1/m)·dZ{n}·{}ᵀ   ({o}×{m})·({m}×{inn}) → {o}×{inn}",
                input_name(i)
            ),
        );
        line(out, &format!("   db{n} = (1/m)·Σ_columns dZ{n}   {o}×1"));
        if i > 0 {
            let below = &net.layers()[i - 1];
            line(
                out,
                &format!(
                    "   dZ{i} = W{n}ᵀ·dZ{n} ⊙ {}   ({inn}×{o})·({o}×{m}) ⊙ ({inn}×{m}) → {inn}×{m}",
                    act_derivative(below.activation(), i)
                ),
            );
        }
    }
    line(out, "");
}

/// Steps 8 and 9: the update rule and the training loop.
fn update_and_train_steps(out: &mut String) {
    line(
        out,
        "8. Update parameters (gradient descent with learning rate α)",
    );
    line(
        out,
        "   W := W − α·dW,   b := b − α·db   for every layer; gradients have the shapes of their parameters\n",
    );
    line(
        out,
        "9. Train: repeat steps 5–8 for every epoch (10,000 in the tutorial, α = 1.2)",
    );
    line(
        out,
        "   At α = 1.2 training is chaotic: a 1e-15 change in one initial weight grows to O(1) differences",
    );
    line(
        out,
        "   in the weights by epoch 2000. Only bit-identical seeds reproduce a run; a numpy replay of our",
    );
    line(
        out,
        "   initial weights (train --epochs 0) agrees with us to 1e-9 through epoch 1000, not beyond.\n",
    );
}

/// Steps 10 and 11: prediction and evaluation for the network's task.
fn predict_steps(out: &mut String, loss: Loss) {
    match loss {
        Loss::BinaryCrossEntropy => {
            line(
                out,
                "10. Predict: class 1 where the output probability > 0.5, else class 0",
            );
            line(
                out,
                "11. Evaluate: accuracy = (TP+TN)/m, precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = 2PR/(P+R)",
            );
            line(
                out,
                "    and compare with logistic regression: the same network with no hidden layer, a straight-line boundary.",
            );
        }
        Loss::CategoricalCrossEntropy => {
            line(
                out,
                "10. Predict: the class whose output probability is largest (each column of A sums to 1)",
            );
            line(
                out,
                "11. Evaluate: accuracy, the k×k confusion matrix, precision/recall/F1 per class and their macro and weighted means",
            );
            line(
                out,
                "    and compare with softmax regression: the same network with no hidden layer.",
            );
        }
        Loss::MeanSquaredError => {
            line(
                out,
                "10. Predict: the output A, mapped back to the target's units (× its training sd + its training mean)",
            );
            line(
                out,
                "11. Evaluate: RMSE, MAE and R² in the target's units, and compare with linear regression (no hidden layer).",
            );
        }
    }
}
