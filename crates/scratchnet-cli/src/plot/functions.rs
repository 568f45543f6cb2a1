//! `plot activations`: the activation functions of the tutorial and their derivatives.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Format, Picture, font, legend, pe};
use scratchnet::nn::Activation;

/// Sigmoid, tanh, ReLU and leaky ReLU with their derivatives on [-5, 5], one panel each.
pub struct ActivationsPlot {
    /// Size in pixels.
    pub size: (u32, u32),
}

const FUNCTIONS: [(Activation, &str); 4] = [
    (Activation::Sigmoid, "sigmoid σ(z) = 1 / (1 + e^(−z))"),
    (Activation::Tanh, "tanh(z)"),
    (Activation::Relu, "ReLU max(0, z)"),
    (Activation::LeakyRelu, "leaky ReLU max(0.01·z, z)"),
];

impl Picture for ActivationsPlot {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _format: Format,
    ) -> Result<()> {
        let root = root
            .titled(
                "Activation functions g(z) and their derivatives g'(z)",
                font(22),
            )
            .map_err(pe)?;
        let panels = root.split_evenly((2, 2));
        let zs: Vec<f64> = (0..=400)
            .map(|i| -5.0 + 10.0 * f64::from(i) / 400.0)
            .collect();
        for ((act, title), area) in FUNCTIONS.iter().zip(panels.iter()) {
            draw_function(area, *act, title, &zs)?;
        }
        Ok(())
    }
}

/// One panel: g(z) in blue and g'(z) in orange over `zs`.
fn draw_function<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    act: Activation,
    title: &str,
    zs: &[f64],
) -> Result<()> {
    let (lo, hi) = match act {
        Activation::Sigmoid => (-0.1, 1.1),
        Activation::Tanh => (-1.15, 1.15),
        _ => (-0.6, 5.2),
    };
    let mut chart = ChartBuilder::on(area)
        .caption(title, font(16))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(40)
        .build_cartesian_2d(-5.0..5.0, lo..hi)
        .map_err(pe)?;
    chart
        .configure_mesh()
        .x_desc("z")
        .label_style(font(12))
        .axis_desc_style(font(13))
        .light_line_style(BLACK.mix(0.04))
        .draw()
        .map_err(pe)?;
    let blue = RGBColor(31, 119, 180);
    let orange = RGBColor(255, 127, 14);
    chart
        .draw_series(LineSeries::new(
            zs.iter().map(|&z| (z, act.value(z))),
            blue.stroke_width(2),
        ))
        .map_err(pe)?
        .label("g(z)")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], blue.stroke_width(2)));
    // The derivative; ReLU's jump at 0 is drawn as two pieces, not a slanted line.
    let d = |z: f64| act.derivative(z, act.value(z));
    for negative in [true, false] {
        let piece = zs.iter().filter(|&&z| (z < 0.0) == negative);
        chart
            .draw_series(LineSeries::new(
                piece.map(|&z| (z, d(z))),
                orange.stroke_width(2),
            ))
            .map_err(pe)?;
    }
    chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
        .map_err(pe)?
        .label("g'(z)")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], orange.stroke_width(2)));
    legend(&mut chart, SeriesLabelPosition::UpperLeft, 13)?;
    Ok(())
}
