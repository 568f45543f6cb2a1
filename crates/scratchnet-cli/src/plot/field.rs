//! `plot boundary` and `plot hidden`: a model's output (or one hidden unit's activation) as a
//! shaded field over a plane of two input features, with its level line.
//!
//! The plane is sampled at the centre of every cell of a grid (one cell per pixel for PNG, a
//! 120×120 grid for SVG); features not on the plane are held at their training means. Level
//! lines are traced by marching squares.

use std::cell::RefCell;

use anyhow::{Result, bail};
use ndarray::Array2;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use scratchnet::data::Dataset;
use scratchnet::model_file::Model;
use scratchnet::nn::Activation;

use super::scatter::{draw_points, ranges};
use super::{Format, Picture, class_color, font, legend, pe, tint};

/// A rectangle of the input plane, in the data's original units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plane {
    /// Indices of the features on the x and y axes.
    pub axes: (usize, usize),
    /// x range.
    pub x: (f64, f64),
    /// y range.
    pub y: (f64, f64),
}

/// Where a panel's plotting area landed, for tests and for mapping data to pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    /// Pixel columns of the plotting area (start inclusive, end exclusive).
    pub px: (i32, i32),
    /// Pixel rows of the plotting area.
    pub py: (i32, i32),
    /// The plane drawn there.
    pub plane: Plane,
}

impl Geometry {
    /// The pixel at data point (x, y).
    pub fn to_pixel(&self, x: f64, y: f64) -> (i32, i32) {
        let fx = (x - self.plane.x.0) / (self.plane.x.1 - self.plane.x.0);
        let fy = (y - self.plane.y.0) / (self.plane.y.1 - self.plane.y.0);
        let w = f64::from(self.px.1 - self.px.0);
        let h = f64::from(self.py.1 - self.py.0);
        (self.px.0 + (fx * w) as i32, self.py.1 - 1 - (fy * h) as i32)
    }
}

/// Raw inputs (d × nx·ny) at the cell centres of an nx × ny grid over `plane`, row by row from
/// the top; the other features are held at `fixed` (one value per feature).
pub fn grid_inputs(plane: &Plane, fixed: &[f64], nx: usize, ny: usize) -> Array2<f64> {
    let mut x = Array2::zeros((fixed.len(), nx * ny));
    for (f, &v) in fixed.iter().enumerate() {
        x.row_mut(f).fill(v);
    }
    for j in 0..ny {
        let yv = plane.y.1 - (j as f64 + 0.5) / ny as f64 * (plane.y.1 - plane.y.0);
        for i in 0..nx {
            let xv = plane.x.0 + (i as f64 + 0.5) / nx as f64 * (plane.x.1 - plane.x.0);
            x[[plane.axes.0, j * nx + i]] = xv;
            x[[plane.axes.1, j * nx + i]] = yv;
        }
    }
    x
}

/// Line segments where the field `v` (ny rows × nx columns of cell centres) crosses `level`,
/// in cell-centre coordinates (i + 0.5, j + 0.5), by marching squares.
pub fn level_segments(v: &[f64], nx: usize, ny: usize, level: f64) -> Vec<[(f64, f64); 2]> {
    let mut out = Vec::new();
    let at = |i: usize, j: usize| v[j * nx + i] - level;
    for j in 0..ny.saturating_sub(1) {
        for i in 0..nx.saturating_sub(1) {
            // corners: a (i,j) b (i+1,j) c (i+1,j+1) d (i,j+1)
            let (a, b, c, d) = (at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1));
            let (x0, y0) = (i as f64 + 0.5, j as f64 + 0.5);
            let cross = |p: f64, q: f64| p / (p - q);
            let mut pts: Vec<(f64, f64)> = Vec::with_capacity(4);
            if (a > 0.0) != (b > 0.0) {
                pts.push((x0 + cross(a, b), y0));
            }
            if (b > 0.0) != (c > 0.0) {
                pts.push((x0 + 1.0, y0 + cross(b, c)));
            }
            if (c > 0.0) != (d > 0.0) {
                pts.push((x0 + 1.0 - cross(c, d), y0 + 1.0));
            }
            if (d > 0.0) != (a > 0.0) {
                pts.push((x0, y0 + 1.0 - cross(d, a)));
            }
            if pts.len() >= 2 {
                out.push([pts[0], pts[1]]);
            }
            if pts.len() == 4 {
                out.push([pts[2], pts[3]]);
            }
        }
    }
    out
}

/// Grid size for a plotting area of `w`×`h` pixels: one cell per pixel for PNG, at most 120 a
/// side for SVG (a vector file with a quarter million rectangles helps no one).
fn cells(format: Format, w: i32, h: i32) -> (usize, usize) {
    let (w, h) = (w.max(1) as usize, h.max(1) as usize);
    match format {
        Format::Png => (w, h),
        Format::Svg => (w.min(120), h.min(120)),
    }
}

/// Paints the field: cell (i, j) gets `color(v[j·nx + i])`.
fn paint<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    v: &[f64],
    nx: usize,
    ny: usize,
    color: impl Fn(f64) -> RGBColor,
) -> Result<()> {
    let (w, h) = area.dim_in_pixel();
    let edge =
        |k: usize, n: usize, size: u32| ((k as f64) * f64::from(size) / n as f64).round() as i32;
    for j in 0..ny {
        for i in 0..nx {
            let c = color(v[j * nx + i]);
            let (xa, xb) = (edge(i, nx, w), edge(i + 1, nx, w));
            let (ya, yb) = (edge(j, ny, h), edge(j + 1, ny, h));
            if xb - xa == 1 && yb - ya == 1 {
                area.draw_pixel((xa, ya), &c).map_err(pe)?;
            } else {
                area.draw(&Rectangle::new([(xa, ya), (xb, yb)], c.filled()))
                    .map_err(pe)?;
            }
        }
    }
    Ok(())
}

/// Draws level-line segments (cell coordinates) on `area`, scaled to its pixels.
fn draw_segments<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    segs: &[[(f64, f64); 2]],
    nx: usize,
    ny: usize,
    style: ShapeStyle,
) -> Result<()> {
    let (w, h) = area.dim_in_pixel();
    let sx = f64::from(w) / nx as f64;
    let sy = f64::from(h) / ny as f64;
    for s in segs {
        let p = |q: (f64, f64)| ((q.0 * sx).round() as i32, (q.1 * sy).round() as i32);
        area.draw(&PathElement::new(vec![p(s[0]), p(s[1])], style))
            .map_err(pe)?;
    }
    Ok(())
}

/// The colour of probability p: blue (class 0) below 0.5, orange (class 1) above, paler near 0.5.
pub fn probability_color(p: f64) -> RGBColor {
    if p > 0.5 {
        tint(class_color(1), 0.08 + 0.4 * (p - 0.5) * 2.0)
    } else {
        tint(class_color(0), 0.08 + 0.4 * (0.5 - p) * 2.0)
    }
}

/// The colour of a k-class output column: the most probable class's colour, paler when the
/// model is less sure.
pub fn multiclass_color(p: &[f64]) -> RGBColor {
    let (best, pmax) =
        p.iter().enumerate().fold(
            (0, f64::NEG_INFINITY),
            |b, (i, &v)| if v > b.1 { (i, v) } else { b },
        );
    let k = p.len().max(2) as f64;
    let sure = ((pmax - 1.0 / k) / (1.0 - 1.0 / k)).clamp(0.0, 1.0);
    tint(class_color(best), 0.08 + 0.4 * sure)
}

/// One panel of a boundary picture: a model and its title.
pub struct BoundaryPanel<'a> {
    /// The model (network or logistic regression).
    pub model: &'a Model,
    /// Panel title, e.g. "network 2-4-1".
    pub title: String,
}

/// The decision boundaries of one or more models over the same data, side by side.
pub struct BoundaryPlot<'a> {
    /// The models.
    pub panels: Vec<BoundaryPanel<'a>>,
    /// Labelled data in the models' feature order (raw units).
    pub data: &'a Dataset,
    /// Indices (into the models' features) of the plane's axes.
    pub axes: (usize, usize),
    /// Overall title.
    pub title: String,
    /// Size in pixels.
    pub size: (u32, u32),
    /// Filled while drawing: where each panel's plotting area landed.
    pub geometry: RefCell<Vec<Geometry>>,
}

impl BoundaryPlot<'_> {
    /// The note on features held fixed, empty for two-feature models.
    pub fn fixed_note(model: &Model, axes: (usize, usize)) -> String {
        let held: Vec<String> = (0..model.features.len())
            .filter(|&f| f != axes.0 && f != axes.1)
            .map(|f| {
                format!(
                    "{} = {:.3}",
                    scratchnet::quoted(&model.features[f]),
                    model.standardizer.mean()[f]
                )
            })
            .collect();
        if held.is_empty() {
            String::new()
        } else {
            format!(" (held at their training means: {})", held.join(", "))
        }
    }
}

impl Picture for BoundaryPlot<'_> {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        format: Format,
    ) -> Result<()> {
        let root = root.titled(&self.title, font(20)).map_err(pe)?;
        let areas = root.split_evenly((1, self.panels.len().max(1)));
        let (xr, yr) = ranges(self.data, self.axes);
        let plane = Plane {
            axes: self.axes,
            x: xr,
            y: yr,
        };
        for (panel, area) in self.panels.iter().zip(areas.iter()) {
            self.draw_panel(panel, area, plane, format)?;
        }
        Ok(())
    }
}

/// A chart with f64 axes, as every picture here uses.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

impl BoundaryPlot<'_> {
    /// One model's panel: the shaded field and its boundary, the axes, the points, the
    /// misclassified ones crossed, and the legend.
    fn draw_panel<DB: DrawingBackend>(
        &self,
        panel: &BoundaryPanel<'_>,
        area: &DrawingArea<DB, Shift>,
        plane: Plane,
        format: Format,
    ) -> Result<()> {
        let report = scratchnet::experiment::evaluate(panel.model, self.data)?;
        let caption = format!(
            "{}: accuracy {:.3} on {} points",
            panel.title,
            report.accuracy().unwrap_or(f64::NAN),
            self.data.n_samples()
        );
        let mut chart = ChartBuilder::on(area)
            .caption(caption, font(16))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(plane.x.0..plane.x.1, plane.y.0..plane.y.1)
            .map_err(pe)?;
        let pa = chart.plotting_area().strip_coord_spec();
        let (w, h) = pa.dim_in_pixel();
        let (nx, ny) = cells(format, w as i32, h as i32);
        let inputs = grid_inputs(&plane, panel.model.standardizer.mean(), nx, ny);
        let out = panel.model.predict_proba(inputs.view())?;
        shade(&pa, &out, nx, ny)?;
        let (rx, ry) = chart.plotting_area().get_pixel_range();
        self.geometry.borrow_mut().push(Geometry {
            px: (rx.start, rx.end),
            py: (ry.start, ry.end),
            plane,
        });
        chart
            .configure_mesh()
            .x_desc(self.data.feature_names[self.axes.0].as_str())
            .y_desc(self.data.feature_names[self.axes.1].as_str())
            .label_style(font(13))
            .axis_desc_style(font(15))
            .disable_mesh()
            .draw()
            .map_err(pe)?;
        draw_points(&mut chart, self.data, self.axes, 3)?;
        self.mark_misclassified(&mut chart, panel.model)?;
        legend(&mut chart, SeriesLabelPosition::UpperRight, 13)
    }

    /// A black cross over each misclassified point, and the legend entries for the crosses
    /// and the boundary line.
    fn mark_misclassified<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        model: &Model,
    ) -> Result<()> {
        let xs = model.standardizer.transform(self.data.x.view())?;
        let predicted = model.network.predict(xs.view());
        let wrong = (0..self.data.n_samples()).filter(|&j| predicted[j] != self.data.labels()[j]);
        chart
            .draw_series(wrong.map(|j| {
                Cross::new(
                    (self.data.x[[self.axes.0, j]], self.data.x[[self.axes.1, j]]),
                    4,
                    BLACK.stroke_width(2),
                )
            }))
            .map_err(pe)?
            .label("misclassified")
            .legend(|(x, y)| Cross::new((x + 8, y), 4, BLACK.stroke_width(2)));
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(pe)?
            .label(if model.classes.len() > 2 {
                "class boundary"
            } else {
                "p = 0.5"
            })
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK.stroke_width(2)));
        Ok(())
    }
}

/// Shades the nx × ny grid by the model's output `out` (one column per cell) and draws the
/// boundary: the 0.5 contour for one output, the class boundaries for k.
fn shade<DB: DrawingBackend>(
    pa: &DrawingArea<DB, Shift>,
    out: &Array2<f64>,
    nx: usize,
    ny: usize,
) -> Result<()> {
    let line = BLACK.stroke_width(2);
    if out.nrows() == 1 {
        let p: Vec<f64> = out.iter().copied().collect();
        paint(pa, &p, nx, ny, probability_color)?;
        return draw_segments(pa, &level_segments(&p, nx, ny, 0.5), nx, ny, line);
    }
    // k classes: colour by the most probable class; the boundary of class c is where
    // p_c − max_{j≠c} p_j changes sign.
    let cols: Vec<Vec<f64>> = out.columns().into_iter().map(|c| c.to_vec()).collect();
    let idx: Vec<f64> = (0..cols.len()).map(|i| i as f64).collect();
    paint(pa, &idx, nx, ny, |i| multiclass_color(&cols[i as usize]))?;
    for c in 0..out.nrows() {
        let margin: Vec<f64> = cols.iter().map(|p| class_margin(p, c)).collect();
        draw_segments(pa, &level_segments(&margin, nx, ny, 0.0), nx, ny, line)?;
    }
    Ok(())
}

/// p_c − max_{j≠c} p_j: positive where class c is the most probable.
fn class_margin(p: &[f64], c: usize) -> f64 {
    p[c] - p
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != c)
        .map(|(_, v)| *v)
        .fold(f64::NEG_INFINITY, f64::max)
}

/// What each hidden unit of the first layer computes over the input plane.
pub struct HiddenPlot<'a> {
    /// The model; it must have a hidden layer.
    pub model: &'a Model,
    /// Indices of the plane's axes (into the model's features).
    pub axes: (usize, usize),
    /// Title.
    pub title: String,
    /// Size in pixels.
    pub size: (u32, u32),
}

/// At most this many units are drawn.
pub const MAX_UNITS_SHOWN: usize = 36;

impl HiddenPlot<'_> {
    /// Checks that the model has a hidden layer.
    pub fn check(model: &Model) -> Result<()> {
        if model.network.layers().len() < 2 {
            bail!(
                "the model has no hidden layer (it is {}): there are no hidden units to show",
                model.task().baseline_name()
            );
        }
        Ok(())
    }

    /// The plane: each axis feature over mean ± 3 standard deviations of the training data.
    pub fn plane(&self) -> Plane {
        let st = &self.model.standardizer;
        let r = |f: usize| {
            (
                st.mean()[f] - 3.0 * st.std()[f],
                st.mean()[f] + 3.0 * st.std()[f],
            )
        };
        Plane {
            axes: self.axes,
            x: r(self.axes.0),
            y: r(self.axes.1),
        }
    }
}

fn activation_color(act: Activation, a: f64, hi: f64) -> RGBColor {
    match act {
        Activation::Tanh | Activation::Identity | Activation::LeakyRelu => {
            let t = (a / hi).clamp(-1.0, 1.0);
            if t >= 0.0 {
                tint(class_color(1), t)
            } else {
                tint(class_color(0), -t)
            }
        }
        Activation::Sigmoid | Activation::Softmax => {
            let t = (a - 0.5) * 2.0;
            if t >= 0.0 {
                tint(class_color(1), t)
            } else {
                tint(class_color(0), -t)
            }
        }
        Activation::Relu => tint(class_color(1), (a / hi).clamp(0.0, 1.0)),
    }
}

impl Picture for HiddenPlot<'_> {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        format: Format,
    ) -> Result<()> {
        Self::check(self.model)?;
        let layer = &self.model.network.layers()[0];
        let n = layer.n_out().min(MAX_UNITS_SHOWN);
        let cols = (n as f64).sqrt().ceil() as usize;
        let rows = n.div_ceil(cols);
        let title = if layer.n_out() > n {
            format!("{} (the first {n} of {} units)", self.title, layer.n_out())
        } else {
            self.title.clone()
        };
        let root = root.titled(&title, font(18)).map_err(pe)?;
        let areas = root.split_evenly((rows, cols));
        let layout = UnitLayout {
            // one grid for every panel: fine for PNG, coarse for SVG (each cell is an element
            // there)
            g: match format {
                Format::Png => 150usize,
                Format::Svg => (120 / cols).clamp(12, 40),
            },
            small: rows * cols > 9,
            font_size: if cols > 4 { 11 } else { 14 },
            plane: self.plane(),
        };
        let inputs = grid_inputs(
            &layout.plane,
            self.model.standardizer.mean(),
            layout.g,
            layout.g,
        );
        let xs = self.model.standardizer.transform(inputs.view())?;
        let cache = layer.forward(xs.view());
        for (u, area) in areas.iter().enumerate().take(n) {
            let a: Vec<f64> = cache.a.row(u).to_vec();
            let z: Vec<f64> = cache.z.row(u).to_vec();
            self.draw_unit(area, u, &a, &z, &layout)?;
        }
        Ok(())
    }
}

/// The grid of unit maps: cells per side of each map, small axes for many maps, font size,
/// and the plane they all show.
struct UnitLayout {
    g: usize,
    small: bool,
    font_size: u32,
    plane: Plane,
}

impl HiddenPlot<'_> {
    /// The map of unit `u`: its activation `a` shaded over the plane and its line Z = 0.
    fn draw_unit<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        u: usize,
        a: &[f64],
        z: &[f64],
        layout: &UnitLayout,
    ) -> Result<()> {
        let UnitLayout {
            g,
            small,
            font_size,
            plane,
        } = *layout;
        let activation = self.model.network.layers()[0].activation();
        let names = &self.model.features;
        let hi = a.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
        let mut chart = ChartBuilder::on(area)
            .caption(format!("unit {}", u + 1), font(font_size + 2))
            .margin(6)
            .x_label_area_size(if small { 22 } else { 36 })
            .y_label_area_size(if small { 26 } else { 36 })
            .build_cartesian_2d(plane.x.0..plane.x.1, plane.y.0..plane.y.1)
            .map_err(pe)?;
        let pa = chart.plotting_area().strip_coord_spec();
        paint(&pa, a, g, g, |v| activation_color(activation, v, hi))?;
        // the unit's own line, where Z = w·x + b = 0
        draw_segments(
            &pa,
            &level_segments(z, g, g, 0.0),
            g,
            g,
            BLACK.mix(0.7).stroke_width(1),
        )?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(3)
            .y_labels(3)
            .x_desc(names[self.axes.0].as_str())
            .y_desc(names[self.axes.1].as_str())
            .label_style(font(font_size - 2))
            .axis_desc_style(font(font_size - 1))
            .draw()
            .map_err(pe)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marching_squares_finds_a_vertical_line() {
        // v = x − 1.5 on a 4×3 grid: the zero line sits between columns 1 and 2.
        let (nx, ny) = (4, 3);
        let v: Vec<f64> = (0..ny)
            .flat_map(|_| (0..nx).map(|i| i as f64 - 1.5))
            .collect();
        let segs = level_segments(&v, nx, ny, 0.0);
        assert_eq!(segs.len(), 2);
        for s in segs {
            assert!(
                (s[0].0 - 2.0).abs() < 1e-12 && (s[1].0 - 2.0).abs() < 1e-12,
                "{s:?}"
            );
        }
    }

    #[test]
    fn grid_inputs_cover_the_plane_top_row_first() {
        let plane = Plane {
            axes: (0, 2),
            x: (0.0, 4.0),
            y: (0.0, 2.0),
        };
        let x = grid_inputs(&plane, &[9.0, 7.0, 9.0], 4, 2);
        assert_eq!(x.dim(), (3, 8));
        assert_eq!(x[[0, 0]], 0.5);
        assert_eq!(x[[2, 0]], 1.5); // top row first
        assert_eq!(x[[2, 7]], 0.5);
        assert!(x.row(1).iter().all(|&v| v == 7.0));
    }
}
