//! Plain-text tables for the terminal: the side-by-side comparison of the network and the
//! logistic-regression baseline.

use scratchnet::experiment::ExperimentReport;
use scratchnet::metrics::Report;

/// One column of the table: a heading and a report (or nothing, printed as "-").
pub struct Column<'a> {
    /// Heading, e.g. "train".
    pub heading: &'a str,
    /// The numbers, when there are any.
    pub report: Option<&'a Report>,
}

/// Renders rows of metrics for the given columns, with a group title line above.
pub fn metrics_table(groups: &[(&str, Vec<Column<'_>>)]) -> String {
    // Each group's cells are wide enough for its title: max(10, ⌈(title + 2) / columns⌉).
    let widths: Vec<usize> = groups
        .iter()
        .map(|(title, cols)| 10.max((title.chars().count() + 2).div_ceil(cols.len().max(1))))
        .collect();
    let mut out = String::new();
    out.push_str(&format!("{:<12}", ""));
    for ((title, cols), w) in groups.iter().zip(&widths) {
        let width = w * cols.len();
        out.push_str(&format!("  {:<width$}", title));
    }
    out.push('\n');
    out.push_str(&format!("{:<12}", ""));
    for ((_, cols), &w) in groups.iter().zip(&widths) {
        out.push_str("  ");
        for c in cols {
            out.push_str(&format!("{:<w$}", c.heading));
        }
    }
    out.push('\n');
    type Getter = fn(&Report) -> String;
    let rows: [(&str, Getter); 7] = [
        ("loss", |r| format!("{:.4}", r.loss)),
        ("accuracy", |r| format!("{:.4}", r.accuracy)),
        ("precision", |r| format!("{:.4}", r.precision)),
        ("recall", |r| format!("{:.4}", r.recall)),
        ("F1", |r| format!("{:.4}", r.f1)),
        ("TP / FP", |r| {
            format!("{} / {}", r.confusion.tp, r.confusion.fp)
        }),
        ("TN / FN", |r| {
            format!("{} / {}", r.confusion.tn, r.confusion.fn_)
        }),
    ];
    for (name, get) in rows {
        out.push_str(&format!("{name:<12}"));
        for ((_, cols), &w) in groups.iter().zip(&widths) {
            out.push_str("  ");
            for c in cols {
                let cell = c.report.map_or("-".to_string(), get);
                out.push_str(&format!("{cell:<w$}"));
            }
        }
        out.push('\n');
    }
    out.lines()
        .map(|l| l.trim_end().to_string() + "\n")
        .collect()
}

/// The network-vs-baseline table of an experiment, with the training times.
pub fn comparison(report: &ExperimentReport) -> String {
    let net = format!("network ({})", report.model);
    let groups = vec![
        (
            net.as_str(),
            vec![
                Column {
                    heading: "train",
                    report: Some(&report.train),
                },
                Column {
                    heading: "test",
                    report: report.test.as_ref(),
                },
            ],
        ),
        (
            "logistic regression",
            vec![
                Column {
                    heading: "train",
                    report: Some(&report.baseline.train),
                },
                Column {
                    heading: "test",
                    report: report.baseline.test.as_ref(),
                },
            ],
        ),
    ];
    let net_width = 20.max(net.chars().count() + 2);
    let mut out = metrics_table(&groups);
    let net_time = format!("{:.3} s", report.seconds);
    out.push_str(&format!(
        "{:<12}  {net_time:<net_width$}  {:.3} s\n",
        "time", report.baseline.seconds
    ));
    out
}
