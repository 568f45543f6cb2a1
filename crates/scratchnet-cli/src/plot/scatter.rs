//! `plot data`: the scatter of the classes over two features.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Format, Picture, class_color, font, legend, padded, pe};
use scratchnet::data::Dataset;

/// A scatter plot of a labelled data set over two of its features.
pub struct DataPlot<'a> {
    /// The data (raw units).
    pub data: &'a Dataset,
    /// Indices of the two features on the x and y axes.
    pub axes: (usize, usize),
    /// Picture title; the class counts are appended.
    pub title: String,
    /// Size in pixels.
    pub size: (u32, u32),
}

/// The x and y ranges (padded) of two rows of X.
pub fn ranges(data: &Dataset, axes: (usize, usize)) -> ((f64, f64), (f64, f64)) {
    let range = |r: usize| {
        let row = data.x.row(r);
        let lo = row.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        padded(lo, hi)
    };
    (range(axes.0), range(axes.1))
}

/// "200 × 0, 200 × 1".
pub fn class_counts(data: &Dataset) -> String {
    data.classes()
        .iter()
        .zip(data.class_counts())
        .map(|(c, n)| format!("{n} × {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Draws the points of `data` on `chart`, one series per class, with legend entries.
pub fn draw_points<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    data: &Dataset,
    axes: (usize, usize),
    radius: i32,
) -> Result<()> {
    let counts = data.class_counts();
    for (k, class) in data.classes().iter().enumerate() {
        let color = class_color(k);
        let points = (0..data.n_samples())
            .filter(|&j| data.labels()[j] == k)
            .map(|j| (data.x[[axes.0, j]], data.x[[axes.1, j]]));
        chart
            .draw_series(points.map(|p| {
                EmptyElement::at(p)
                    + Circle::new((0, 0), radius, color.filled())
                    + Circle::new((0, 0), radius, BLACK.mix(0.55).stroke_width(1))
            }))
            .map_err(pe)?
            .label(format!("{} = {class} ({})", data.target_name, counts[k]))
            .legend(move |(x, y)| Circle::new((x + 8, y), 5, color.filled()));
    }
    Ok(())
}

impl Picture for DataPlot<'_> {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _format: Format,
    ) -> Result<()> {
        let ((x0, x1), (y0, y1)) = ranges(self.data, self.axes);
        let caption = format!("{}: {}", self.title, class_counts(self.data));
        let mut chart = ChartBuilder::on(root)
            .caption(caption, font(20))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(pe)?;
        chart
            .configure_mesh()
            .x_desc(self.data.feature_names[self.axes.0].as_str())
            .y_desc(self.data.feature_names[self.axes.1].as_str())
            .axis_desc_style(font(16))
            .label_style(font(13))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(pe)?;
        draw_points(&mut chart, self.data, self.axes, 4)?;
        legend(&mut chart, SeriesLabelPosition::UpperRight, 14)?;
        Ok(())
    }
}
