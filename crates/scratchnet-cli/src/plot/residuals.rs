//! `plot residuals`: a regression model's errors in two panels, predicted against actual
//! (points on the line y = x are exact) and the residual actual − predicted against the
//! prediction (points on the line 0 are exact; a pattern is what the model missed).

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Format, Picture, class_color, font, padded, pe};

/// The two panels of a regression model's predictions on labelled rows.
pub struct ResidualsPlot {
    /// The true target values y.
    pub actual: Vec<f64>,
    /// The model's predictions ŷ, one per value of `actual`.
    pub predicted: Vec<f64>,
    /// The target column's name, for the axes.
    pub target: String,
    /// Picture title (the R² and RMSE go here).
    pub title: String,
    /// Size in pixels.
    pub size: (u32, u32),
}

/// The smallest and largest finite value of `v` (0..1 when there is none).
fn extent<'a>(v: impl Iterator<Item = &'a f64>) -> (f64, f64) {
    let (lo, hi) = v
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) }
}

impl ResidualsPlot {
    /// The residuals y − ŷ.
    fn residuals(&self) -> Vec<f64> {
        self.actual
            .iter()
            .zip(&self.predicted)
            .map(|(y, p)| y - p)
            .collect()
    }

    /// Left: ŷ against y on the same range for both axes, with the line y = x.
    fn draw_fit<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let (lo, hi) = extent(self.actual.iter().chain(&self.predicted));
        let (lo, hi) = padded(lo, hi);
        let mut chart = ChartBuilder::on(area)
            .caption("predicted vs actual", font(16))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(lo..hi, lo..hi)
            .map_err(pe)?;
        let ticks = tick(hi - lo);
        chart
            .configure_mesh()
            .x_label_formatter(&ticks)
            .y_label_formatter(&ticks)
            .x_desc(format!("actual {}", self.target))
            .y_desc(format!("predicted {}", self.target))
            .light_line_style(BLACK.mix(0.03))
            .axis_desc_style(font(14))
            .label_style(font(12))
            .draw()
            .map_err(pe)?;
        draw_line(&mut chart, [(lo, lo), (hi, hi)], "y = x (exact)")?;
        let points = self
            .actual
            .iter()
            .copied()
            .zip(self.predicted.iter().copied());
        draw_points(&mut chart, points)?;
        super::legend(&mut chart, SeriesLabelPosition::UpperLeft, 13)
    }

    /// Right: y − ŷ against ŷ, symmetric about the line 0.
    fn draw_residuals<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<()> {
        let residuals = self.residuals();
        let (x0, x1) = extent(self.predicted.iter());
        let (x0, x1) = padded(x0, x1);
        let (rlo, rhi) = extent(residuals.iter());
        let r = rlo.abs().max(rhi.abs()).max(1e-12) * 1.1;
        let mut chart = ChartBuilder::on(area)
            .caption("residuals", font(16))
            .margin(12)
            .margin_right(24)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, -r..r)
            .map_err(pe)?;
        let (x_tick, y_tick) = (tick(x1 - x0), tick(2.0 * r));
        chart
            .configure_mesh()
            .x_desc(format!("predicted {}", self.target))
            .y_desc("residual (actual − predicted)")
            .x_label_formatter(&x_tick)
            .y_label_formatter(&y_tick)
            .light_line_style(BLACK.mix(0.03))
            .axis_desc_style(font(14))
            .label_style(font(12))
            .draw()
            .map_err(pe)?;
        draw_line(&mut chart, [(x0, 0.0), (x1, 0.0)], "0 (exact)")?;
        let points = self.predicted.iter().copied().zip(residuals);
        draw_points(&mut chart, points)?;
        super::legend(&mut chart, SeriesLabelPosition::UpperRight, 13)
    }
}

/// Tick labels for an axis spanning `span`: the decimals its ticks need, and 0 as "0.0",
/// never plotters' "-0.0" for a tick a rounding error below 0.
fn tick(span: f64) -> impl Fn(&f64) -> String {
    let decimals = (1.0 - span.max(1e-300).log10().floor()).max(0.0) as usize;
    move |v: &f64| {
        let v = if v.abs() < span * 1e-9 { 0.0 } else { *v };
        format!("{v:.decimals$}")
    }
}

type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A reference line (dark grey) with its legend entry.
fn draw_line<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    ends: [(f64, f64); 2],
    label: &str,
) -> Result<()> {
    let style = BLACK.mix(0.7).stroke_width(2);
    chart
        .draw_series(LineSeries::new(ends, style))
        .map_err(pe)?
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
    Ok(())
}

/// The samples as small translucent dots (many overlapping ones read as a darker cloud).
fn draw_points<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    points: impl Iterator<Item = (f64, f64)>,
) -> Result<()> {
    let color = class_color(0);
    chart
        .draw_series(points.map(|p| {
            EmptyElement::at(p)
                + Circle::new((0, 0), 3, color.mix(0.55).filled())
                + Circle::new((0, 0), 3, color.stroke_width(1))
        }))
        .map_err(pe)?;
    Ok(())
}

impl Picture for ResidualsPlot {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _format: Format,
    ) -> Result<()> {
        let title_size = (self.size.0 / 45).clamp(11, 18);
        let root = root.titled(&self.title, font(title_size)).map_err(pe)?;
        let (left, right) = root.split_horizontally(self.size.0 / 2);
        self.draw_fit(&left)?;
        self.draw_residuals(&right)
    }
}
