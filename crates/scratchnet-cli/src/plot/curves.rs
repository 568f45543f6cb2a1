//! `plot history`: loss and accuracy per epoch, for the training set and the test set.

use anyhow::{Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;
use scratchnet::data::CsvInput;
use scratchnet::data::Task;
use scratchnet::data::csv::{CsvSpec, read_csv};
use scratchnet::experiment::CurvePoint;

use super::{Format, Picture, class_color, font, legend, pe};

/// A learning curve read from `train --history FILE.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Epoch numbers.
    pub epoch: Vec<f64>,
    /// (name, loss values) series, e.g. ("train", …), ("test", …).
    pub loss: Vec<(String, Vec<f64>)>,
    /// (name, score values) series: accuracy, or R² for regression.
    pub accuracy: Vec<(String, Vec<f64>)>,
    /// `accuracy` or `R²`.
    pub score_name: String,
}

impl Curve {
    /// The curve recorded by an experiment.
    pub fn from_points(points: &[CurvePoint], task: Task) -> Curve {
        let mut curve = Curve {
            score_name: if task == Task::Regression {
                "R²".into()
            } else {
                "accuracy".into()
            },
            epoch: points.iter().map(|p| p.epoch as f64).collect(),
            loss: vec![(
                "train".into(),
                points.iter().map(|p| p.train_loss).collect(),
            )],
            accuracy: vec![(
                "train".into(),
                points.iter().map(|p| p.train_score).collect(),
            )],
        };
        if points.first().is_some_and(|p| p.test_loss.is_some()) {
            curve.loss.push((
                "test".into(),
                points
                    .iter()
                    .map(|p| p.test_loss.unwrap_or(f64::NAN))
                    .collect(),
            ));
            curve.accuracy.push((
                "test".into(),
                points
                    .iter()
                    .map(|p| p.test_score.unwrap_or(f64::NAN))
                    .collect(),
            ));
        }
        curve
    }

    /// Reads a history CSV (`epoch,train_loss,train_accuracy[,test_loss,test_accuracy]`).
    pub fn read(input: &CsvInput) -> Result<Curve> {
        let path = input.name();
        let t = read_csv(input, &CsvSpec::default())?;
        let col = |name: &str| {
            t.feature_names
                .iter()
                .position(|n| n == name)
                .map(|i| t.x.row(i).to_vec())
        };
        let Some(epoch) = col("epoch") else {
            bail!(
                "{}: not a training history (no `epoch` column; write one with `train --history FILE.csv`)",
                path.display()
            );
        };
        let regression = col("train_r2").is_some();
        let (suffix, score_name) = if regression {
            ("r2", "R²")
        } else {
            ("accuracy", "accuracy")
        };
        let mut curve = Curve {
            epoch,
            loss: vec![],
            accuracy: vec![],
            score_name: score_name.into(),
        };
        for set in ["train", "test"] {
            if let Some(l) = col(&format!("{set}_loss")) {
                curve.loss.push((set.to_string(), l));
            }
            if let Some(a) = col(&format!("{set}_{suffix}")) {
                curve.accuracy.push((set.to_string(), a));
            }
        }
        if curve.loss.is_empty() {
            bail!(
                "{}: not a training history (no `train_loss` column)",
                path.display()
            );
        }
        Ok(curve)
    }
}

/// Two panels side by side: loss (optionally on a log scale) and accuracy.
pub struct HistoryPlot {
    /// The curve.
    pub curve: Curve,
    /// Loss on a logarithmic axis.
    pub log_y: bool,
    /// Title.
    pub title: String,
    /// Size in pixels.
    pub size: (u32, u32),
}

fn extent(series: &[(String, Vec<f64>)]) -> (f64, f64) {
    let all = series.iter().flat_map(|(_, v)| v.iter().copied());
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) }
}

macro_rules! draw_series_panel {
    ($chart:expr, $epochs:expr, $series:expr) => {
        draw_series_panel!($chart, $epochs, $series, SeriesLabelPosition::UpperRight)
    };
    ($chart:expr, $epochs:expr, $series:expr, $pos:expr) => {{
        for (k, (name, values)) in $series.iter().enumerate() {
            let color = class_color(k);
            $chart
                .draw_series(LineSeries::new(
                    $epochs.iter().copied().zip(values.iter().copied()),
                    color.stroke_width(2),
                ))
                .map_err(pe)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        legend(&mut $chart, $pos, 14)?;
    }};
}

impl Picture for HistoryPlot {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _format: Format,
    ) -> Result<()> {
        let root = root.titled(&self.title, font(20)).map_err(pe)?;
        let (left, right) = root.split_horizontally(self.size.0 / 2);
        self.draw_loss(&left)?;
        self.draw_score(&right)
    }
}

impl HistoryPlot {
    /// The last epoch, the right end of both x axes.
    fn last_epoch(&self) -> f64 {
        self.curve.epoch.last().copied().unwrap_or(1.0).max(1.0)
    }

    /// The left panel: the loss curves, on a log scale with `log_y`.
    fn draw_loss<DB: DrawingBackend>(&self, left: &DrawingArea<DB, Shift>) -> Result<()> {
        let c = &self.curve;
        let last = self.last_epoch();
        let (_, hi) = extent(&c.loss);
        let mut builder = ChartBuilder::on(left);
        builder
            .caption("loss", font(16))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60);
        // With --log-y: log10 of the loss on a linear axis, labelled with the loss itself
        // (clear ticks at any range; plotters' log axis labels only powers of ten).
        let (series, y_range, y_desc): (Vec<(String, Vec<f64>)>, _, _) = if self.log_y {
            let logged: Vec<(String, Vec<f64>)> = c
                .loss
                .iter()
                .map(|(n, v)| (n.clone(), v.iter().map(|x| x.max(1e-300).log10()).collect()))
                .collect();
            let (llo, lhi) = extent(&logged);
            let pad = ((lhi - llo) * 0.05).max(0.01);
            (logged, (llo - pad)..(lhi + pad), "loss (log scale)")
        } else {
            (c.loss.clone(), 0.0..hi * 1.05, "loss")
        };
        let log_y = self.log_y;
        let y_label = move |v: &f64| {
            if log_y {
                format!("{:.3}", 10f64.powf(*v))
            } else {
                format!("{v:.2}")
            }
        };
        let mut chart = builder.build_cartesian_2d(0.0..last, y_range).map_err(pe)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .x_labels(6)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(BLACK.mix(0.03))
            .y_desc(y_desc)
            .y_label_formatter(&y_label)
            .label_style(font(12))
            .axis_desc_style(font(14))
            .draw()
            .map_err(pe)?;
        draw_series_panel!(chart, c.epoch, series);
        Ok(())
    }

    /// The right panel: accuracy (or R²) per epoch.
    fn draw_score<DB: DrawingBackend>(&self, right: &DrawingArea<DB, Shift>) -> Result<()> {
        let c = &self.curve;
        let last = self.last_epoch();
        let (alo, _) = extent(&c.accuracy);
        let lo = if c.score_name == "accuracy" {
            (alo - 0.05).clamp(0.0, 0.95)
        } else {
            (alo - 0.05).clamp(-1.0, 0.95)
        };
        let mut chart = ChartBuilder::on(right)
            .caption(c.score_name.as_str(), font(16))
            .margin(12)
            .margin_right(28)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..last, lo..1.0)
            .map_err(pe)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .x_labels(6)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(BLACK.mix(0.03))
            .y_desc(c.score_name.as_str())
            .label_style(font(12))
            .axis_desc_style(font(14))
            .draw()
            .map_err(pe)?;
        draw_series_panel!(chart, c.epoch, c.accuracy, SeriesLabelPosition::LowerRight);
        Ok(())
    }
}
