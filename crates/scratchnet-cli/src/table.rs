//! Plain-text tables for the terminal: the side-by-side comparison of the network and its
//! baseline, for two classes, k classes or regression.

use scratchnet::experiment::ExperimentReport;
use scratchnet::metrics::Metrics;

/// One column of the table: a heading and the metrics (or nothing, printed as "-").
pub struct Column<'a> {
    /// Heading, e.g. "train".
    pub heading: &'a str,
    /// The numbers, when there are any.
    pub metrics: Option<&'a Metrics>,
}

/// Formats one metric of a report, when the report has it.
pub type Getter = fn(&Metrics) -> Option<String>;

/// The rows shown for the kind of report `kind` is: (label, how to format it).
pub fn rows(kind: &Metrics) -> Vec<(&'static str, Getter)> {
    let mut rows: Vec<(&'static str, Getter)> =
        vec![("loss", |m| Some(format!("{:.4}", m.loss())))];
    match kind {
        Metrics::Binary(_) => {
            rows.push(("accuracy", accuracy));
            rows.extend(BINARY_ROWS);
            rows.extend(BINARY_SCORE_ROWS);
        }
        Metrics::Multiclass(_) => {
            rows.push(("accuracy", accuracy));
            rows.extend(MULTICLASS_ROWS);
            rows.extend(MULTICLASS_SCORE_ROWS);
        }
        Metrics::Regression(_) => rows.extend(REGRESSION_ROWS),
    }
    rows
}

fn accuracy(m: &Metrics) -> Option<String> {
    m.accuracy().map(|a| format!("{a:.4}"))
}

/// A number with four decimals.
fn four(v: f64) -> Option<String> {
    Some(format!("{v:.4}"))
}

/// Two classes: precision, recall, F1 and the confusion counts.
const BINARY_ROWS: [(&str, Getter); 5] = [
    ("precision", |m| match m {
        Metrics::Binary(r) => four(r.precision),
        _ => None,
    }),
    ("recall", |m| match m {
        Metrics::Binary(r) => four(r.recall),
        _ => None,
    }),
    ("F1", |m| match m {
        Metrics::Binary(r) => four(r.f1),
        _ => None,
    }),
    ("TP / FP", |m| match m {
        Metrics::Binary(r) => Some(format!("{} / {}", r.confusion.tp, r.confusion.fp)),
        _ => None,
    }),
    ("TN / FN", |m| match m {
        Metrics::Binary(r) => Some(format!("{} / {}", r.confusion.tn, r.confusion.fn_)),
        _ => None,
    }),
];

/// Two classes, below the confusion counts: the metrics of the probabilities (an undefined
/// AUC, with one class only, is shown as "-").
const BINARY_SCORE_ROWS: [(&str, Getter); 4] = [
    ("balanced acc", |m| match m {
        Metrics::Binary(r) => four(r.balanced_accuracy),
        _ => None,
    }),
    ("ROC AUC", |m| match m {
        Metrics::Binary(r) => r.roc_auc.and_then(four),
        _ => None,
    }),
    ("PR AUC", |m| match m {
        Metrics::Binary(r) => r.pr_auc.and_then(four),
        _ => None,
    }),
    ("log loss", |m| match m {
        Metrics::Binary(r) => four(r.log_loss),
        _ => None,
    }),
];

/// k classes, below the averages: macro one-vs-rest ROC AUC ("-" when a class is missing)
/// and log loss.
const MULTICLASS_SCORE_ROWS: [(&str, Getter); 2] = [
    ("macro AUC", |m| match m {
        Metrics::Multiclass(r) => r.roc_auc.and_then(four),
        _ => None,
    }),
    ("log loss", |m| match m {
        Metrics::Multiclass(r) => four(r.log_loss),
        _ => None,
    }),
];

/// k classes: the macro means and the weighted F1.
const MULTICLASS_ROWS: [(&str, Getter); 4] = [
    ("macro P", |m| match m {
        Metrics::Multiclass(r) => four(r.macro_avg.precision),
        _ => None,
    }),
    ("macro R", |m| match m {
        Metrics::Multiclass(r) => four(r.macro_avg.recall),
        _ => None,
    }),
    ("macro F1", |m| match m {
        Metrics::Multiclass(r) => four(r.macro_avg.f1),
        _ => None,
    }),
    ("weighted F1", |m| match m {
        Metrics::Multiclass(r) => four(r.weighted.f1),
        _ => None,
    }),
];

/// Regression: RMSE, MAE and R².
const REGRESSION_ROWS: [(&str, Getter); 3] = [
    ("RMSE", |m| match m {
        Metrics::Regression(r) => four(r.rmse),
        _ => None,
    }),
    ("MAE", |m| match m {
        Metrics::Regression(r) => four(r.mae),
        _ => None,
    }),
    ("R²", |m| match m {
        Metrics::Regression(r) => four(r.r2),
        _ => None,
    }),
];

/// Longest group title a table shows (a network of many layers is described by a long name).
const MAX_TITLE: usize = 60;

/// Longest class label a confusion matrix shows.
const MAX_LABEL: usize = 24;

/// `text` as a table shows it: control and invisible characters escaped, cut to `max`
/// characters with `…`, so that every width stays small (a format width past 65535 panics).
pub fn cut(text: &str, max: usize) -> String {
    scratchnet::shown(text, max)
}

/// Renders rows of metrics for the given columns, with a group title line above.
pub fn metrics_table(groups: &[(&str, Vec<Column<'_>>)]) -> String {
    let titles: Vec<String> = groups.iter().map(|(t, _)| cut(t, MAX_TITLE)).collect();
    let groups: Vec<(&str, &Vec<Column<'_>>)> = titles
        .iter()
        .zip(groups)
        .map(|(t, (_, c))| (t.as_str(), c))
        .collect();
    let Some(kind) = groups
        .iter()
        .flat_map(|(_, c)| c.iter())
        .find_map(|c| c.metrics)
    else {
        return String::new();
    };
    // Each group's cells are wide enough for its title: max(10, ⌈(title + 2) / columns⌉).
    let widths: Vec<usize> = groups
        .iter()
        .map(|(title, cols)| 10.max((title.chars().count() + 2).div_ceil(cols.len().max(1))))
        .collect();
    let mut out = format!("{:<12}", "");
    for ((title, cols), w) in groups.iter().zip(&widths) {
        let width = w * cols.len();
        out.push_str(&format!("  {title:<width$}"));
    }
    out.push('\n');
    out.push_str(&format!("{:<12}", ""));
    for ((_, cols), &w) in groups.iter().zip(&widths) {
        out.push_str("  ");
        for c in cols.iter() {
            out.push_str(&format!("{:<w$}", c.heading));
        }
    }
    out.push('\n');
    for (name, get) in rows(kind) {
        out.push_str(&format!("{name:<12}"));
        for ((_, cols), &w) in groups.iter().zip(&widths) {
            out.push_str("  ");
            for c in cols.iter() {
                let cell = c.metrics.and_then(get).unwrap_or_else(|| "-".to_string());
                out.push_str(&format!("{cell:<w$}"));
            }
        }
        out.push('\n');
    }
    out.lines()
        .map(|l| l.trim_end().to_string() + "\n")
        .collect()
}

/// A k×k confusion matrix with class labels (rows: true class, columns: predicted).
pub fn confusion_matrix(title: &str, m: &Metrics) -> String {
    let Metrics::Multiclass(r) = m else {
        return String::new();
    };
    let classes: Vec<String> = r.classes.iter().map(|c| cut(c, MAX_LABEL)).collect();
    let w = classes
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(1)
        .max(5)
        + 2;
    let mut out = format!("{title} (rows: true class, columns: predicted)\n{:<w$}", "");
    for c in &classes {
        out.push_str(&format!("{c:>w$}"));
    }
    out.push('\n');
    for (c, row) in classes.iter().zip(&r.confusion_matrix) {
        out.push_str(&format!("{c:<w$}"));
        for n in row {
            out.push_str(&format!("{n:>w$}"));
        }
        out.push('\n');
    }
    out
}

/// The network-vs-baseline table of an experiment, with the training times.
pub fn comparison(report: &ExperimentReport) -> String {
    let net = format!("network ({})", report.model);
    let mut net_cols = vec![Column {
        heading: "train",
        metrics: Some(&report.train),
    }];
    if report.validation.is_some() {
        net_cols.push(Column {
            heading: "valid",
            metrics: report.validation.as_ref(),
        });
    }
    net_cols.push(Column {
        heading: "test",
        metrics: report.test.as_ref(),
    });
    let groups = vec![
        (net.as_str(), net_cols),
        (
            report.baseline.model.as_str(),
            vec![
                Column {
                    heading: "train",
                    metrics: Some(&report.baseline.train),
                },
                Column {
                    heading: "test",
                    metrics: report.baseline.test.as_ref(),
                },
            ],
        ),
    ];
    let net_width = {
        let cols = groups[0].1.len();
        10.max((cut(&net, MAX_TITLE).chars().count() + 2).div_ceil(cols)) * cols
    };
    let mut out = metrics_table(&groups);
    let net_time = format!("{:.3} s", report.seconds);
    out.push_str(&format!(
        "{:<12}  {net_time:<net_width$}  {:.3} s\n",
        "time", report.baseline.seconds
    ));
    let shown = report
        .test
        .as_ref()
        .map_or(("training", &report.train), |t| ("test", t));
    let cm = confusion_matrix(&format!("\nnetwork, {} set", shown.0), shown.1);
    out.push_str(&cm);
    out
}
