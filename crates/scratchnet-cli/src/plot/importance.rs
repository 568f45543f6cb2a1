//! `plot importance`: the permutation importance of each input column as a horizontal bar, its
//! mean score drop, with a ±sd error bar over the repeats; the most important at the top.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use scratchnet::importance::ImportanceReport;

use super::{Format, Picture, class_color, font, padded, pe};

/// The bar chart of an importance report.
pub struct ImportancePlot<'a> {
    /// The report (columns already sorted, most important first).
    pub report: &'a ImportanceReport,
    /// The x axis: what the bars measure, e.g. "drop of accuracy when the column is shuffled".
    pub x_desc: String,
    /// Picture title.
    pub title: String,
    /// Size in pixels.
    pub size: (u32, u32),
}

impl ImportancePlot<'_> {
    /// The x range: 0 and every bar's mean ± sd, padded, with room on the right for the
    /// numbers written after the bars.
    fn x_range(&self) -> (f64, f64) {
        let (lo, hi) = self
            .report
            .columns
            .iter()
            .fold((0.0f64, 0.0f64), |(lo, hi), c| {
                let (m, s) = (c.score_drop.mean, c.score_drop.sd);
                (lo.min(m - s), hi.max(m + s))
            });
        let hi = if hi > lo { hi } else { lo + 1e-3 };
        let (lo, hi) = padded(lo, hi);
        (lo, hi + 0.3 * (hi - lo))
    }

    /// Pixels for the column names left of the plot.
    fn label_width(&self) -> u32 {
        let longest = self.report.columns.iter().map(|c| c.column.chars().count());
        let chars = longest.max().unwrap_or(1) as u32;
        (chars * 8 + 24).clamp(48, self.size.0 / 3)
    }
}

impl Picture for ImportancePlot<'_> {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _format: Format,
    ) -> Result<()> {
        let columns = &self.report.columns;
        let n = columns.len();
        // band i spans y ∈ [i, i + 1]; the best column (rank 0) gets the top band, n − 1
        let center = |rank: usize| (n - rank) as f64 - 0.5;
        let (x0, x1) = self.x_range();
        let title_size = (self.size.0 / 45).clamp(11, 18);
        let area = root.titled(&self.title, font(title_size)).map_err(pe)?;
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .margin_right(24)
            .x_label_area_size(45)
            .y_label_area_size(self.label_width())
            .build_cartesian_2d(x0..x1, 0.0..n as f64)
            .map_err(pe)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc(self.x_desc.as_str())
            .x_labels(8)
            .light_line_style(BLACK.mix(0.03))
            .axis_desc_style(font(15))
            .label_style(font(13))
            .draw()
            .map_err(pe)?;
        // bars: each 70% of its band
        let color = class_color(0);
        chart
            .draw_series(columns.iter().enumerate().map(|(rank, c)| {
                let (a, b) = (c.score_drop.mean.min(0.0), c.score_drop.mean.max(0.0));
                let y = center(rank);
                Rectangle::new([(a, y - 0.35), (b, y + 0.35)], color.mix(0.85).filled())
            }))
            .map_err(pe)?;
        self.draw_error_bars(&mut chart, center)?;
        // the zero line: no change in score
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (0.0, n as f64)],
                BLACK.mix(0.6).stroke_width(1),
            )))
            .map_err(pe)?;
        // the column names, right-aligned left of the axis, each at its band's centre
        let names = font(13).pos(Pos::new(HPos::Right, VPos::Center));
        for (rank, c) in columns.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(x0, center(rank)));
            root.draw(&Text::new(c.column.as_str(), (x - 8, y), names.clone()))
                .map_err(pe)?;
        }
        Ok(())
    }
}

type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

impl ImportancePlot<'_> {
    /// Mean ± sd of each bar as a line with caps, and the numbers after it.
    fn draw_error_bars<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        center: impl Fn(usize) -> f64,
    ) -> Result<()> {
        let columns = &self.report.columns;
        let band_px = chart.plotting_area().dim_in_pixel().1 / columns.len().max(1) as u32;
        let cap = (band_px as i32 / 6).clamp(3, 10);
        let ink = BLACK.stroke_width(2);
        let bars = || {
            columns.iter().enumerate().map(|(rank, c)| {
                let (m, s) = (c.score_drop.mean, c.score_drop.sd);
                (m, s, center(rank))
            })
        };
        chart
            .draw_series(
                bars().map(|(m, s, y)| PathElement::new(vec![(m - s, y), (m + s, y)], ink)),
            )
            .map_err(pe)?;
        chart
            .draw_series(bars().flat_map(|(m, s, y)| {
                [m - s, m + s].map(|x| {
                    EmptyElement::at((x, y)) + PathElement::new(vec![(0, -cap), (0, cap)], ink)
                })
            }))
            .map_err(pe)?;
        chart
            .draw_series(bars().map(|(m, s, y)| {
                EmptyElement::at((m.max(0.0).max(m + s), y))
                    + Text::new(format!("{m:.3} ± {s:.3}"), (8, -7), font(13))
            }))
            .map_err(pe)?;
        Ok(())
    }
}
