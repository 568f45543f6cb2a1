//! The network: a stack of [`Dense`] layers and the loss its output layer implies.
//!
//! Shape legend: m = samples, n_x = input features, n_h = hidden units, n_y = output units
//! (1 for two classes). X is (n_x × m), Y is (n_y × m): one column per sample, as in the tutorial.
//!
//! For the tutorial's 2-4-1 network, `forward` is equations (1)–(4) and `backward` the six
//! gradient equations:
//!
//! ```text
//! Z1 = W1·X + b1     (4×2)·(2×m) + (4×1) → 4×m      A1 = tanh(Z1)   4×m
//! Z2 = W2·A1 + b2    (1×4)·(4×m) + (1×1) → 1×m      A2 = σ(Z2)      1×m
//! dZ2 = A2 − Y                                      1×m
//! dW2 = (1/m)·dZ2·A1ᵀ   (1×m)·(m×4) → 1×4           db2 = (1/m)·Σ dZ2   1×1
//! dZ1 = W2ᵀ·dZ2 ⊙ (1 − A1²)   (4×1)·(1×m) ⊙ (4×m) → 4×m
//! dW1 = (1/m)·dZ1·Xᵀ    (4×m)·(m×2) → 4×2           db1 = (1/m)·Σ dZ1   4×1
//! ```

use ndarray::{Array2, ArrayView2};

use super::{Activation, Dense, DenseCache, DenseGrad, Init};
use crate::loss::{self, Loss};
use crate::{Error, Result, Rng};

/// Layer sizes read from the data (the tutorial's `getLayerSize`): n_x from the rows of X,
/// n_y from the rows of Y, the hidden sizes chosen by the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSizes {
    /// Input features n_x.
    pub n_x: usize,
    /// Units of each hidden layer (empty: logistic regression).
    pub n_h: Vec<usize>,
    /// Output units n_y.
    pub n_y: usize,
}

impl LayerSizes {
    /// n_x = rows of X (n_x × m), n_y = rows of Y (n_y × m), hidden as given.
    pub fn from_data(x: ArrayView2<f64>, y: ArrayView2<f64>, hidden: &[usize]) -> Self {
        LayerSizes {
            n_x: x.nrows(),
            n_h: hidden.to_vec(),
            n_y: y.nrows(),
        }
    }

    /// All sizes in order: n_x, n_h…, n_y.
    pub fn all(&self) -> Vec<usize> {
        let mut v = vec![self.n_x];
        v.extend(&self.n_h);
        v.push(self.n_y);
        v
    }
}

/// Everything `forward` computed, kept for `backward`: the input X and, per layer, Z and A
/// (the tutorial's cache Z1, A1, Z2, A2).
#[derive(Debug, Clone)]
pub struct Cache<'x> {
    /// The input X (n_x × m), borrowed.
    pub x: ArrayView2<'x, f64>,
    /// Per layer l = 1…L: Z_l and A_l.
    pub layers: Vec<DenseCache>,
}

impl Cache<'_> {
    /// The network's output A_L (n_y × m): the predicted probabilities for a sigmoid output.
    pub fn output(&self) -> ArrayView2<'_, f64> {
        match self.layers.last() {
            Some(c) => c.a.view(),
            None => self.x.view(),
        }
    }
}

/// Gradients with the same layout as the parameters: `layers[l].dw` has the shape of
/// `network.layers()[l].w()`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Gradients<T = f64> {
    /// One gradient per layer, first layer first.
    pub layers: Vec<DenseGrad<T>>,
}

/// A feed-forward network. The tutorial's 2-4-1 network is two layers: (W1, b1, tanh) and
/// (W2, b2, σ); logistic regression is one layer (W, b, σ).
///
/// The layers are read through [`Network::layers`]; they cannot be changed from outside (the
/// loss follows the last layer's activation, and the sizes must chain), so this does not
/// compile:
///
/// ```compile_fail
/// # fn f(net: &mut scratchnet::nn::Network) {
/// net.layers[1].activation = scratchnet::nn::Activation::Identity;
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    /// The layers, input side first (private: their sizes must chain and the last one's
    /// activation decides the loss).
    layers: Vec<Dense>,
    loss: Loss,
}

impl Network {
    /// A network from given layers; checks that their sizes chain and that the output
    /// activation has a loss.
    pub fn new(layers: Vec<Dense>) -> Result<Self> {
        let last = layers
            .last()
            .ok_or_else(|| Error::Invalid("a network needs at least one layer".into()))?;
        let loss = Loss::for_output(last.activation())?;
        for (i, l) in layers.iter().enumerate() {
            if l.n_in() == 0 || l.n_out() == 0 {
                return Err(Error::Invalid(format!(
                    "layer {} has {} units and {} inputs; it needs at least one of each",
                    i + 1,
                    l.n_out(),
                    l.n_in()
                )));
            }
        }
        for (i, pair) in layers.windows(2).enumerate() {
            if pair[0].n_out() != pair[1].n_in() {
                return Err(Error::Invalid(format!(
                    "layer {} has {} units but layer {} expects {} inputs",
                    i + 1,
                    pair[0].n_out(),
                    i + 2,
                    pair[1].n_in()
                )));
            }
        }
        Ok(Network { layers, loss })
    }

    /// A freshly initialized network (the tutorial's `initializeParameters`): weights drawn by
    /// `init` layer by layer from `rng`, biases zero; `hidden` on every hidden layer, `output`
    /// on the last.
    pub fn init(
        sizes: &LayerSizes,
        hidden: Activation,
        output: Activation,
        init: Init,
        rng: &mut Rng,
    ) -> Result<Self> {
        let all = sizes.all();
        if let Some(pos) = all.iter().position(|&n| n == 0) {
            return Err(Error::config(
                "hidden",
                format!(
                    "sizes must be positive, got {} (layer {pos})",
                    crate::nn::describe_sizes(&all)
                ),
            ));
        }
        let n_layers = all.len() - 1;
        let layers = all
            .windows(2)
            .enumerate()
            .map(|(l, w)| {
                let act = if l + 1 == n_layers { output } else { hidden };
                Dense::init(w[0], w[1], act, init, rng)
            })
            .collect();
        Network::new(layers)
    }

    /// The layers, input side first: layer l holds W_l, b_l and g_l.
    pub fn layers(&self) -> &[Dense] {
        &self.layers
    }

    /// The layers' parameters, to update in place (shapes and activations stay).
    pub(crate) fn layers_mut(&mut self) -> &mut [Dense] {
        &mut self.layers
    }

    /// The loss this network minimizes.
    pub fn loss(&self) -> Loss {
        self.loss
    }

    /// Number of inputs n_x.
    pub fn n_inputs(&self) -> usize {
        self.layers[0].n_in()
    }

    /// Number of outputs n_y.
    pub fn n_outputs(&self) -> usize {
        self.layers[self.layers.len() - 1].n_out()
    }

    /// Sizes of all layers: n_x, hidden…, n_y.
    pub fn sizes(&self) -> Vec<usize> {
        let mut v = vec![self.n_inputs()];
        v.extend(self.layers.iter().map(Dense::n_out));
        v
    }

    /// A short description such as `2-4-1 tanh/sigmoid`, or `2-1 sigmoid` without hidden layers.
    pub fn describe(&self) -> String {
        let acts: Vec<&str> = self.layers.iter().map(|l| l.activation().name()).collect();
        let mut uniq: Vec<&str> = Vec::new();
        for a in acts {
            if uniq.last() != Some(&a) {
                uniq.push(a);
            }
        }
        format!(
            "{} {}",
            crate::nn::describe_sizes(&self.sizes()),
            uniq.join("/")
        )
    }

    /// Total number of weights and biases.
    pub fn n_parameters(&self) -> usize {
        self.layers.iter().map(|l| l.w().len() + l.b().len()).sum()
    }

    /// Forward propagation (tutorial `forwardPropagation`): for l = 1…L,
    /// `Z_l = W_l·A_(l−1) + b_l`, `A_l = g_l(Z_l)`, with A_0 = X (n_x × m). Returns the cache.
    ///
    /// # Panics
    /// If X does not have n_x rows.
    pub fn forward<'x>(&self, x: ArrayView2<'x, f64>) -> Cache<'x> {
        assert_eq!(
            x.nrows(),
            self.n_inputs(),
            "X has {} rows; the network takes {} inputs",
            x.nrows(),
            self.n_inputs()
        );
        let mut layers: Vec<DenseCache> = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let c = match layers.last() {
                Some(prev) => layer.forward(prev.a.view()),
                None => layer.forward(x),
            };
            layers.push(c);
        }
        Cache { x, layers }
    }

    /// The cost J of the forward pass in `cache` against targets Y (n_y × m).
    ///
    /// # Panics
    /// If Y's shape is not the output's (n_y × m).
    pub fn cost(&self, cache: &Cache<'_>, y: ArrayView2<f64>) -> f64 {
        assert_targets_fit(cache, y);
        let last = &cache.layers[cache.layers.len() - 1];
        self.loss.cost(last.z.view(), last.a.view(), y)
    }

    /// The weighted cost J = (1/m)·Σ_j w̃_j·L_j of the forward pass in `cache` against
    /// targets Y (n_y × m), with one sample weight per column w̃ (m) ([`Loss::weighted_cost`]).
    ///
    /// # Panics
    /// If Y's shape is not the output's (n_y × m), or w̃ does not have m entries.
    pub fn weighted_cost(&self, cache: &Cache<'_>, y: ArrayView2<f64>, w: &[f64]) -> f64 {
        assert_targets_fit(cache, y);
        let last = &cache.layers[cache.layers.len() - 1];
        self.loss.weighted_cost(last.z.view(), last.a.view(), y, w)
    }

    /// Backward propagation (tutorial `backwardPropagation`): dZ_L = A_L − Y, then for
    /// l = L…1: `dW_l = (1/m)·dZ_l·A_(l−1)ᵀ`, `db_l = (1/m)·Σ dZ_l`,
    /// `dZ_(l−1) = W_lᵀ·dZ_l ⊙ g'_(l−1)(Z_(l−1))`.
    ///
    /// # Panics
    /// If Y's shape is not the output's (n_y × m).
    pub fn backward(&self, cache: &Cache<'_>, y: ArrayView2<f64>) -> Gradients {
        assert_targets_fit(cache, y);
        // dZ_L = A_L − Y  (sigmoid + cross-entropy, identity + squared error)
        let dz = loss::output_delta(cache.output(), y);
        self.backward_from(cache, dz)
    }

    /// Backward propagation of the weighted cost ([`Network::weighted_cost`]): the output
    /// delta `dZ_L = (A_L − Y) ⊙ w̃` (column j times w̃_j), then the layers as in
    /// [`Network::backward`].
    ///
    /// # Panics
    /// If Y's shape is not the output's (n_y × m), or w̃ does not have m entries.
    pub fn weighted_backward(&self, cache: &Cache<'_>, y: ArrayView2<f64>, w: &[f64]) -> Gradients {
        assert_targets_fit(cache, y);
        // dZ_L = (A_L − Y) ⊙ w̃
        let mut dz = loss::output_delta(cache.output(), y);
        loss::weight_columns(&mut dz, w);
        self.backward_from(cache, dz)
    }

    /// The layers of backpropagation from the output delta dZ_L (n_y × m): for l = L…1,
    /// `dW_l = (1/m)·dZ_l·A_(l−1)ᵀ`, `db_l = (1/m)·Σ dZ_l`, `dZ_(l−1) = W_lᵀ·dZ_l ⊙ g'(Z_(l−1))`.
    fn backward_from(&self, cache: &Cache<'_>, mut dz: Array2<f64>) -> Gradients {
        let n = self.layers.len();
        let mut grads: Vec<DenseGrad> = Vec::with_capacity(n);
        for l in (0..n).rev() {
            let a_prev = if l == 0 {
                cache.x
            } else {
                cache.layers[l - 1].a.view()
            };
            let (grad, da_prev) = self.layers[l].backward(dz.view(), a_prev, l > 0);
            grads.push(grad);
            if let Some(da_prev) = da_prev {
                // dZ_(l−1) = dA_(l−1) ⊙ g'(Z_(l−1)), e.g. dZ1 = W2ᵀ·dZ2 ⊙ (1 − A1²)
                let below = &cache.layers[l - 1];
                dz = self.layers[l - 1].activation().backward(
                    da_prev.view(),
                    below.z.view(),
                    below.a.view(),
                );
            }
        }
        grads.reverse();
        Gradients { layers: grads }
    }

    /// The network's output A_L for inputs X (n_x × m), through [`Network::forward`]: for a
    /// sigmoid output, the probability of the positive class, one per sample.
    ///
    /// # Panics
    /// If X does not have n_x rows.
    pub fn output(&self, x: ArrayView2<f64>) -> Array2<f64> {
        self.forward(x).output().to_owned()
    }

    /// Class predictions (m), through [`Network::output`]: with one output, 1 where
    /// A_L > 0.5, else 0 (the tutorial's threshold); with k outputs, the most probable class
    /// of each column.
    ///
    /// # Panics
    /// If X does not have n_x rows.
    pub fn predict(&self, x: ArrayView2<f64>) -> Vec<usize> {
        classes_of(&self.output(x))
    }

    /// True when every parameter is finite.
    pub fn is_finite(&self) -> bool {
        self.layers.iter().all(Dense::is_finite)
    }

    /// True when every parameter is a number of size at most `limit` (NaN is not).
    pub fn is_within(&self, limit: f64) -> bool {
        self.layers.iter().all(|l| l.is_within(limit))
    }
}

/// Y must have the shape of the cached output A_L (n_y × m).
fn assert_targets_fit(cache: &Cache<'_>, y: ArrayView2<f64>) {
    let out = cache.output();
    assert_eq!(
        y.dim(),
        out.dim(),
        "Y is {:?} but the output A_L is {:?} (n_y × m)",
        y.dim(),
        out.dim()
    );
}

/// Class indices from a classifier's output: threshold 0.5 for one row (two classes), the
/// largest entry of each column for k rows.
pub fn classes_of(out: &Array2<f64>) -> Vec<usize> {
    if out.nrows() == 1 {
        out.row(0).iter().map(|&p| usize::from(p > 0.5)).collect()
    } else {
        out.columns()
            .into_iter()
            .map(|c| {
                c.iter()
                    .enumerate()
                    .fold(
                        (0, f64::NEG_INFINITY),
                        |b, (i, &v)| if v > b.1 { (i, v) } else { b },
                    )
                    .0
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, array};
    use rand::SeedableRng;

    fn tutorial_net() -> Network {
        let sizes = LayerSizes {
            n_x: 2,
            n_h: vec![4],
            n_y: 1,
        };
        Network::init(
            &sizes,
            Activation::Tanh,
            Activation::Sigmoid,
            Init::SmallUniform,
            &mut Rng::seed_from_u64(69),
        )
        .unwrap()
    }

    #[test]
    fn tutorial_shapes() {
        let net = tutorial_net();
        assert_eq!(net.layers[0].w().dim(), (4, 2));
        assert_eq!(net.layers[0].b().len(), 4);
        assert_eq!(net.layers[1].w().dim(), (1, 4));
        assert_eq!(net.describe(), "2-4-1 tanh/sigmoid");
        let x = Array2::<f64>::zeros((2, 320));
        let cache = net.forward(x.view());
        assert_eq!(cache.layers[0].z.dim(), (4, 320));
        assert_eq!(cache.layers[1].a.dim(), (1, 320));
    }

    #[test]
    fn untrained_network_predicts_one_half_at_the_origin() {
        let net = tutorial_net();
        let p = net.output(array![[0.0], [0.0]].view());
        assert_eq!(p[[0, 0]], 0.5);
    }

    #[test]
    fn layer_sizes_come_from_the_data() {
        let x = Array2::<f64>::zeros((3, 10));
        let y = Array2::<f64>::zeros((1, 10));
        let s = LayerSizes::from_data(x.view(), y.view(), &[5]);
        assert_eq!(s.all(), vec![3, 5, 1]);
    }

    #[test]
    fn rejects_layers_that_do_not_chain() {
        let a = Dense::new(Array2::zeros((4, 2)), Array1::zeros(4), Activation::Tanh).unwrap();
        let b = Dense::new(Array2::zeros((1, 3)), Array1::zeros(1), Activation::Sigmoid).unwrap();
        assert!(Network::new(vec![a, b]).is_err());
    }

    #[test]
    fn layers_without_inputs_or_units_are_refused() {
        let none_in = Dense::new(Array2::zeros((1, 0)), Array1::zeros(1), Activation::Sigmoid);
        let err = Network::new(vec![none_in.unwrap()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("layer 1 has 1 units and 0 inputs"), "{err}");
        let none_out = Dense::new(Array2::zeros((0, 2)), Array1::zeros(0), Activation::Tanh);
        let out = Dense::new(Array2::zeros((1, 0)), Array1::zeros(1), Activation::Sigmoid);
        assert!(Network::new(vec![none_out.unwrap(), out.unwrap()]).is_err());
    }

    #[test]
    fn zero_hidden_units_is_an_error() {
        let sizes = LayerSizes {
            n_x: 2,
            n_h: vec![0],
            n_y: 1,
        };
        let r = Network::init(
            &sizes,
            Activation::Tanh,
            Activation::Sigmoid,
            Init::SmallUniform,
            &mut Rng::seed_from_u64(1),
        );
        assert!(r.is_err());
    }
}
