//! `report.html`: one self-contained page (pictures embedded, no network access needed) with the
//! results table, the pictures and the tutorial's equations.

use scratchnet::experiment::ExperimentReport;
use scratchnet::metrics::Metrics;
use scratchnet::nn::Network;

use crate::equations;

/// A picture for the page: heading, explanation and PNG bytes.
pub struct Figure<'a> {
    /// Section heading.
    pub heading: &'a str,
    /// One paragraph saying what to look at.
    pub caption: &'a str,
    /// The PNG file's bytes.
    pub png: &'a [u8],
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Standard base64 (RFC 4648) with padding, for `data:` URLs.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn metrics_rows(cols: &[(&str, Option<&Metrics>)]) -> String {
    let Some(kind) = cols.iter().find_map(|c| c.1) else {
        return String::new();
    };
    let mut s = String::new();
    for (name, get) in crate::table::rows(kind) {
        s.push_str(&format!("<tr><th>{}</th>", escape(name)));
        for (_, m) in cols {
            s.push_str(&format!(
                "<td>{}</td>",
                m.and_then(get).unwrap_or_else(|| "–".to_string())
            ));
        }
        s.push_str("</tr>\n");
    }
    s
}

/// What the page shows.
pub struct ReportPage<'a> {
    /// The page's title and first heading.
    pub title: &'a str,
    /// The paragraph under the title.
    pub intro: &'a str,
    /// The run's numbers, for the results table.
    pub report: &'a ExperimentReport,
    /// The run's text report, shown as it was printed.
    pub run: &'a str,
    /// The pictures, in order.
    pub figures: &'a [Figure<'a>],
    /// The network whose equations the page shows, with its shapes for `samples` columns.
    pub network: &'a Network,
    /// m, the number of training samples.
    pub samples: usize,
    /// Where the network comes from, for the equations' title ("the demo's trained network").
    pub origin: &'a str,
    /// The JSON report, shown folded.
    pub json: &'a str,
}

/// The whole page; its equations section is [`equations::steps`], the text of `explain`.
pub fn report_page(page: &ReportPage<'_>) -> String {
    let mut s = head(page.title);
    s.push_str(&format!(
        "<h1>{}</h1>\n<p>{}</p>\n",
        escape(page.title),
        escape(page.intro)
    ));
    s.push_str(&results_table(page.report));
    s.push_str(&format!("<pre>{}</pre>\n", escape(page.run)));
    for f in page.figures {
        s.push_str(&format!(
            "<h2>{}</h2>\n<p>{}</p>\n<img alt=\"{}\" src=\"data:image/png;base64,{}\">\n",
            escape(f.heading),
            escape(f.caption),
            escape(f.heading),
            base64(f.png)
        ));
    }
    let equations = equations::steps(page.network, page.samples, page.origin);
    s.push_str(&format!(
        "<h2>The equations, step by step</h2>\n<pre>{}</pre>\n",
        escape(&equations)
    ));
    s.push_str(&format!(
        "<h2>The JSON report</h2>\n<details><summary>show</summary><pre>{}</pre></details>\n",
        escape(page.json)
    ));
    s.push_str("<p><small>Made by scratchnet <code>demo --out</code>. Everything on this page is in this one file.</small></p>\n</body>\n</html>\n");
    s
}

/// From the doctype to `<body>`: the title and the style sheet.
fn head(title: &str) -> String {
    let mut s = String::new();
    s.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    s.push_str(&format!("<title>{}</title>\n", escape(title)));
    s.push_str(
        "<style>\nbody{font-family:system-ui,-apple-system,\"Segoe UI\",sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n\
         h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}\n\
         table{border-collapse:collapse;margin:1em 0}th,td{padding:.3em .8em;text-align:right;border-bottom:1px solid #eee}\n\
         thead th{text-align:center;background:#f5f5f5}tbody th{text-align:left}\n\
         img{max-width:100%;border:1px solid #eee}pre{background:#f7f7f7;padding:1em;overflow-x:auto;font-size:.85em}\n\
         .net{color:#1f77b4}.lr{color:#b85c00}\n</style>\n</head>\n<body>\n",
    );
    s
}

/// The "Results" section: network and baseline, train and test, and the training times.
fn results_table(report: &ExperimentReport) -> String {
    let cols = [
        ("train", Some(&report.train)),
        ("test", report.test.as_ref()),
        ("train", Some(&report.baseline.train)),
        ("test", report.baseline.test.as_ref()),
    ];
    let mut s = String::from("<h2>Results</h2>\n<table>\n<thead>\n");
    s.push_str(&format!(
        "<tr><th></th><th colspan=\"2\" class=\"net\">network ({})</th><th colspan=\"2\" class=\"lr\">{}</th></tr>\n",
        escape(&report.model),
        escape(&report.baseline.model)
    ));
    s.push_str("<tr><th></th>");
    for (h, _) in &cols {
        s.push_str(&format!("<th>{h}</th>"));
    }
    s.push_str("</tr>\n</thead>\n<tbody>\n");
    s.push_str(&metrics_rows(&cols));
    s.push_str(&format!(
        "<tr><th>training time</th><td colspan=\"2\">{:.3} s</td><td colspan=\"2\">{:.3} s</td></tr>\n",
        report.seconds, report.baseline.seconds
    ));
    s.push_str("</tbody>\n</table>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
    }
}
