//! Allocation-free forward and backward passes for full-batch training: every Z, A, dZ, dA and
//! gradient lives in a buffer allocated once, before the first epoch.
//!
//! The arithmetic is that of [`Network::forward`] and [`Network::backward`] (the plain
//! references, kept for readability); a test checks that both give the same numbers.
//!
//! ```text
//! forward   Z_l ← W_l·A_(l−1)   (general_mat_mul into Z_l)    Z_l += b_l    A_l ← g(Z_l)
//! backward  dZ_L ← A_L − Y
//!           dW_l ← (1/m)·dZ_l·A_(l−1)ᵀ    db_l ← (1/m)·Σ dZ_l
//!           dA_(l−1) ← W_lᵀ·dZ_l          dZ_(l−1) ← dA_(l−1) ⊙ g'(Z_(l−1))
//! ```

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, ArrayView2, Axis, Zip};

use super::activation::Activation;
use super::{DenseGrad, Gradients, Network};

/// Buffers for one network and one batch size m: per layer Z, A and dZ (n_out × m), dA for
/// every layer but the last, and the gradients.
#[derive(Debug, Clone)]
pub struct Workspace {
    z: Vec<Array2<f64>>,
    a: Vec<Array2<f64>>,
    dz: Vec<Array2<f64>>,
    /// The gradients of the last `backward_into`, same layout as the parameters.
    pub grads: Gradients,
}

impl Workspace {
    /// Buffers for `net` on batches of `m` samples.
    pub fn new(net: &Network, m: usize) -> Self {
        let shape = |n: usize| Array2::zeros((n, m));
        Workspace {
            z: net.layers.iter().map(|l| shape(l.n_out())).collect(),
            a: net.layers.iter().map(|l| shape(l.n_out())).collect(),
            dz: net.layers.iter().map(|l| shape(l.n_out())).collect(),
            grads: Gradients {
                layers: net
                    .layers
                    .iter()
                    .map(|l| DenseGrad {
                        dw: Array2::zeros(l.w.raw_dim()),
                        db: Array1::zeros(l.b.raw_dim()),
                    })
                    .collect(),
            },
        }
    }

    /// The output A_L of the last `forward_into`.
    pub fn output(&self) -> ArrayView2<'_, f64> {
        self.a[self.a.len() - 1].view()
    }

    /// The output layer's Z_L of the last `forward_into`.
    pub fn output_z(&self) -> ArrayView2<'_, f64> {
        self.z[self.z.len() - 1].view()
    }
}

/// A ← g(Z) in place of A's old contents: element-wise, or per column for softmax.
fn activate_into(act: Activation, z: &Array2<f64>, a: &mut Array2<f64>) {
    Zip::from(&mut *a)
        .and(z)
        .for_each(|a, &z| *a = act.value(z));
    if act == Activation::Softmax {
        for mut col in a.columns_mut() {
            let max = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            col.mapv_inplace(|v| (v - max).exp());
            let sum = col.sum();
            col.mapv_inplace(|v| v / sum);
        }
    }
}

impl Network {
    /// [`Network::forward`] into `ws`, allocating nothing. X is (n_x × m) with the m of `ws`.
    pub fn forward_into(&self, x: ArrayView2<f64>, ws: &mut Workspace) {
        for (l, layer) in self.layers.iter().enumerate() {
            let (done, rest) = ws.a.split_at_mut(l);
            let input = if l == 0 { x } else { done[l - 1].view() };
            let z = &mut ws.z[l];
            // Z = W·A_prev, then + b on every column
            general_mat_mul(1.0, &layer.w, &input, 0.0, z);
            *z += &layer.b.view().insert_axis(Axis(1));
            activate_into(layer.activation, z, &mut rest[0]);
        }
    }

    /// [`Network::backward`] into `ws.grads`, allocating nothing; needs the `forward_into` of
    /// the same X just before.
    pub fn backward_into(&self, x: ArrayView2<f64>, y: ArrayView2<f64>, ws: &mut Workspace) {
        let n = self.layers.len();
        let m = x.ncols() as f64;
        // dZ_L = A_L − Y
        Zip::from(&mut ws.dz[n - 1])
            .and(&ws.a[n - 1])
            .and(y)
            .for_each(|d, &a, &y| *d = a - y);
        for l in (0..n).rev() {
            let a_prev = if l == 0 { x } else { ws.a[l - 1].view() };
            let g = &mut ws.grads.layers[l];
            // dW = (1/m)·dZ·A_prevᵀ ;  db = (1/m)·Σ_columns dZ
            general_mat_mul(1.0, &ws.dz[l], &a_prev.t(), 0.0, &mut g.dw);
            g.dw.mapv_inplace(|v| v / m);
            for (b, row) in g.db.iter_mut().zip(ws.dz[l].rows()) {
                *b = row.sum() / m;
            }
            if l > 0 {
                // dA_prev = Wᵀ·dZ into dZ_(l−1), then ⊙ g'(Z_(l−1)) in place
                let (below, here) = ws.dz.split_at_mut(l);
                general_mat_mul(1.0, &self.layers[l].w.t(), &here[0], 0.0, &mut below[l - 1]);
                let act = self.layers[l - 1].activation;
                Zip::from(&mut below[l - 1])
                    .and(&ws.z[l - 1])
                    .and(&ws.a[l - 1])
                    .for_each(|d, &z, &a| *d *= act.derivative(z, a));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Init, LayerSizes};
    use rand::{RngExt, SeedableRng};

    #[test]
    fn workspace_passes_agree_with_the_plain_ones() {
        let mut rng = crate::Rng::seed_from_u64(8);
        for (output, n_y) in [
            (Activation::Sigmoid, 1),
            (Activation::Softmax, 3),
            (Activation::Identity, 1),
        ] {
            let sizes = LayerSizes {
                n_x: 3,
                n_h: vec![5, 4],
                n_y,
            };
            let net =
                Network::init(&sizes, Activation::Tanh, output, Init::Xavier, &mut rng).unwrap();
            let x = Array2::from_shape_fn((3, 9), |_| rng.random_range(-2.0..2.0));
            let y =
                Array2::from_shape_fn((n_y, 9), |(i, j)| f64::from(u8::from((i + j) % n_y == 0)));
            let cache = net.forward(x.view());
            let grads = net.backward(&cache, y.view());
            let mut ws = Workspace::new(&net, 9);
            net.forward_into(x.view(), &mut ws);
            net.backward_into(x.view(), y.view(), &mut ws);
            for (c, a) in cache.output().iter().zip(ws.output().iter()) {
                assert!((c - a).abs() <= 1e-15 * c.abs().max(1.0));
            }
            for (g, h) in grads.layers.iter().zip(&ws.grads.layers) {
                for (p, q) in
                    g.dw.iter()
                        .chain(g.db.iter())
                        .zip(h.dw.iter().chain(h.db.iter()))
                {
                    assert!((p - q).abs() <= 1e-14 * p.abs().max(1e-3), "{p} vs {q}");
                }
            }
        }
    }
}
