//! The benchmark's scaling picture: seconds per epoch against problem size, one panel per sweep
//! (samples, width), one line per implementation, both axes logarithmic.
//!
//! Input: the CSV `bench/scaling.py` writes, with the header
//! `sweep,size,implementation,seconds_per_epoch`.

use std::ops::Range;
use std::path::Path;

use anyhow::{Context, Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Format, Picture, class_color, font, legend, pe};

/// One panel: a sweep and the (size, seconds) points of each implementation.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// The sweep's name: `samples` or `width`.
    pub name: String,
    /// (implementation, points sorted by size).
    pub lines: Vec<(String, Vec<(f64, f64)>)>,
}

/// Reads the scaling CSV into its sweeps, in the order they first appear.
pub fn read(path: &Path) -> Result<Vec<Sweep>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default().trim();
    if header != "sweep,size,implementation,seconds_per_epoch" {
        bail!(
            "{}: line 1: expected the header sweep,size,implementation,seconds_per_epoch",
            path.display()
        );
    }
    let mut sweeps: Vec<Sweep> = Vec::new();
    for (i, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let f: Vec<&str> = line.trim().split(',').collect();
        let number = |s: &str| -> Result<f64> {
            match s.parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
                _ => bail!(
                    "{}: line {}: `{s}` is not a positive number",
                    path.display(),
                    i + 2
                ),
            }
        };
        let [sweep, size, implementation, seconds] = f.as_slice() else {
            bail!(
                "{}: line {}: expected 4 fields, got {}",
                path.display(),
                i + 2,
                f.len()
            );
        };
        let point = (number(size)?, number(seconds)?);
        let at = match sweeps.iter().position(|s| s.name == *sweep) {
            Some(at) => at,
            None => {
                sweeps.push(Sweep {
                    name: sweep.to_string(),
                    lines: Vec::new(),
                });
                sweeps.len() - 1
            }
        };
        let lines = &mut sweeps[at].lines;
        match lines.iter_mut().find(|(n, _)| n == implementation) {
            Some((_, points)) => points.push(point),
            None => lines.push((implementation.to_string(), vec![point])),
        }
    }
    if sweeps.is_empty() {
        bail!("{}: no data rows", path.display());
    }
    for s in &mut sweeps {
        for (_, points) in &mut s.lines {
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
    }
    Ok(sweeps)
}

/// The panels side by side, log-log.
pub struct ScalingPlot {
    /// The sweeps.
    pub sweeps: Vec<Sweep>,
    /// Title.
    pub title: String,
    /// Size in pixels.
    pub size: (u32, u32),
}

/// A number for an axis label: 1k, 3.2M, 40 ms…
fn short(v: f64, unit: &str) -> String {
    let (scaled, suffix) = match unit {
        "s" if v < 1e-3 => (v * 1e6, " µs"),
        "s" if v < 1.0 => (v * 1e3, " ms"),
        "s" => (v, " s"),
        _ if v >= 1e6 => (v / 1e6, "M"),
        _ if v >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let digits = if scaled >= 10.0 { 0 } else { 1 };
    format!("{scaled:.digits$}{suffix}")
}

impl Picture for ScalingPlot {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, _: Format) -> Result<()> {
        let root = root.titled(&self.title, font(20)).map_err(pe)?;
        let n = self.sweeps.len().max(1);
        let panels = root.split_evenly((1, n));
        for (panel, sweep) in panels.iter().zip(&self.sweeps) {
            draw_sweep(panel, sweep)?;
        }
        Ok(())
    }
}

/// A line's name and its (log10 x, log10 y) points.
type LogLine = (String, Vec<(f64, f64)>);

/// The sweep's lines as log10 of both coordinates (drawn on linear axes, labelled with the
/// values themselves), and the padded x and y ranges.
fn log_lines(sweep: &Sweep) -> (Vec<LogLine>, Range<f64>, Range<f64>) {
    let logged: Vec<LogLine> = sweep
        .lines
        .iter()
        .map(|(name, pts)| {
            let pts = pts.iter().map(|(x, y)| (x.log10(), y.log10())).collect();
            (name.clone(), pts)
        })
        .collect();
    let all = || logged.iter().flat_map(|(_, p)| p.iter().copied());
    let (x0, x1) = all().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (x, _)| {
        (a.min(x), b.max(x))
    });
    let (y0, y1) = all().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (_, y)| {
        (a.min(y), b.max(y))
    });
    let pad = |lo: f64, hi: f64| {
        let p = ((hi - lo) * 0.06).max(0.05);
        (lo - p)..(hi + p)
    };
    (logged, pad(x0, x1), pad(y0, y1))
}

/// One panel: time per epoch against the swept size, both on log scales.
fn draw_sweep<DB: DrawingBackend>(panel: &DrawingArea<DB, Shift>, sweep: &Sweep) -> Result<()> {
    let (logged, x_range, y_range) = log_lines(sweep);
    let x_desc = match sweep.name.as_str() {
        "samples" => "samples m (2-4-1 network)",
        "width" => "hidden units H (2-H-1 network, m = 10,000)",
        other => other,
    };
    let mut chart = ChartBuilder::on(panel)
        .caption(format!("time per epoch vs {}", sweep.name), font(16))
        .margin(12)
        .margin_right(24)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(x_range, y_range)
        .map_err(pe)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc("seconds per epoch (log)")
        .x_labels(7)
        .y_labels(7)
        .x_label_formatter(&|v| short(10f64.powf(*v), ""))
        .y_label_formatter(&|v| short(10f64.powf(*v), "s"))
        .light_line_style(BLACK.mix(0.03))
        .label_style(font(12))
        .axis_desc_style(font(14))
        .draw()
        .map_err(pe)?;
    for (k, (name, pts)) in logged.iter().enumerate() {
        let color = class_color(k);
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
            .map_err(pe)?
            .label(name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))
            .map_err(pe)?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft, 14)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sweeps_and_refuses_bad_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.csv");
        std::fs::write(
            &p,
            "sweep,size,implementation,seconds_per_epoch\nsamples,1000,a,0.5\nsamples,10,a,0.1\nwidth,4,b,2e-3\n",
        )
        .unwrap();
        let s = read(&p).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].lines[0].1, vec![(10.0, 0.1), (1000.0, 0.5)]);
        std::fs::write(
            &p,
            "sweep,size,implementation,seconds_per_epoch\nsamples,x,a,1\n",
        )
        .unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("`x`"), "{e}");
        assert_eq!(short(1_000_000.0, ""), "1.0M");
        assert_eq!(short(0.004, "s"), "4.0 ms");
    }
}
