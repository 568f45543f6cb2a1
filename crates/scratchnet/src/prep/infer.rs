//! The column rules: which kind each input column is, before anything is fitted.
//!
//! ```text
//! listed in ignore / numeric / categorical        → that kind (forced)
//! every value missing                             → ignored (warning)
//! first column unnamed, or named rownames, id,     → ignored (warning: a row ID)
//!     index, row, Unnamed: 0 or …_id
//! every non-missing value a number                → numeric,
//!     unless it equals the row number (1..m or 0..m−1, m ≥ 10) → ignored (warning)
//! at least half numbers, some text                → error (a stray text value: name it a
//!                                                   missing-value token, or force the kind)
//! text                                            → categorical,
//!     unless a distinct value in (nearly) every row (≥ 95%, m ≥ 10) → ignored (warning)
//! ```
//! The kinds come from all rows of the file (they describe the file, not the training rows);
//! imputation values and categories are fitted on the training rows only ([`super::Plan::fit`]).

use std::collections::HashSet;

use super::{PrepSettings, Warning};
use crate::data::csv::{TextTable, UNNAMED, shown_value};
use crate::{Error, Result};

/// An input column's kind, before fitting.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Numeric,
    Categorical,
    Ignored,
}

/// Fewest rows for the rules that look at values (a row-number column, a distinct value per
/// row): on a handful of rows every text column would look like an ID.
pub(crate) const MIN_ROWS_FOR_ID_RULES: usize = 10;

/// First-column names that mark a row ID (compared lowercase).
const ID_NAMES: [&str; 6] = ["rownames", "id", "index", "unnamed: 0", "row", UNNAMED];

/// The kind of each feature column of `table`, and the warnings about ignored ones.
pub(crate) fn infer_kinds(
    table: &TextTable,
    settings: &PrepSettings,
) -> Result<(Vec<Kind>, Vec<Warning>)> {
    check_listed_columns(table, settings)?;
    let mut kinds = Vec::new();
    let mut warnings = Vec::new();
    for (col, name) in table.feature_names.iter().enumerate() {
        let listed = |list: &[String]| list.iter().any(|c| c == name);
        // the sample-weight column is read, but never a feature: left out as `ignore` would
        let weight = settings.sample_weight.as_deref() == Some(name.as_str());
        let kind = if listed(&settings.ignore) || weight {
            Kind::Ignored
        } else if listed(&settings.numeric) {
            Kind::Numeric
        } else if listed(&settings.categorical) {
            Kind::Categorical
        } else {
            let (kind, warning) = infer_one(table, col, settings)?;
            warnings.extend(warning);
            kind
        };
        kinds.push(kind);
    }
    Ok((kinds, warnings))
}

/// A column named in `categorical`, `numeric` or `ignore` must exist, and be in one list only.
fn check_listed_columns(table: &TextTable, settings: &PrepSettings) -> Result<()> {
    let lists = [
        ("categorical", &settings.categorical),
        ("numeric", &settings.numeric),
        ("ignore", &settings.ignore),
    ];
    for (i, (setting, list)) in lists.iter().enumerate() {
        for c in list.iter() {
            if !table.feature_names.contains(c) {
                let target = table.target.as_ref().map(|t| t.name.as_str());
                let why = if Some(c.as_str()) == target {
                    "is the target".to_string()
                } else {
                    "does not exist".to_string()
                };
                return Err(Error::config(
                    setting,
                    format!(
                        "column `{}` {why}; the feature columns are: {}",
                        shown_value(c),
                        table
                            .feature_names
                            .iter()
                            .map(|n| shown_value(n))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            if let Some((other, _)) = lists[..i].iter().find(|(_, l)| l.contains(c)) {
                return Err(Error::config(
                    setting,
                    format!("column `{c}` is also listed in {other}; list it once"),
                ));
            }
            if settings.sample_weight.as_ref() == Some(c) && *setting != "ignore" {
                return Err(Error::config(
                    "sample_weight",
                    format!(
                        "column `{c}` is also listed in `{setting}`; the weights cannot be a feature"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The inferred kind of feature column `col`, with the warning when it is ignored.
fn infer_one(
    table: &TextTable,
    col: usize,
    settings: &PrepSettings,
) -> Result<(Kind, Option<Warning>)> {
    let name = &table.feature_names[col];
    let ignored = |why: String| {
        Ok((
            Kind::Ignored,
            Some(Warning::IgnoredColumn {
                column: name.clone(),
                why,
            }),
        ))
    };
    if col == 0 && looks_like_id_name(name) {
        return ignored("its name marks a row ID".into());
    }
    let m = table.n_rows();
    let mut present = 0;
    let mut numbers = 0;
    let mut first_text: Option<usize> = None;
    for row in 0..m {
        let v = table.cell(row, col);
        if settings.is_missing(v) {
            continue;
        }
        present += 1;
        if v.parse::<f64>().is_ok() {
            numbers += 1;
        } else if first_text.is_none() {
            first_text = Some(row);
        }
    }
    if present == 0 {
        return ignored("every value is missing".into());
    }
    match first_text {
        None if is_row_number(table, col) => ignored("it holds the row number".into()),
        None => Ok((Kind::Numeric, None)),
        // mostly numbers: a few codes with a text one (cylinders 4, 6, rotary) are categories;
        // many distinct numbers stay numeric, their text read as missing (Plan::apply warns)
        Some(row) if numbers * 2 >= present => {
            if distinct_present(table, col, settings) <= settings.max_categories {
                let warning = Warning::MixedColumn {
                    column: name.clone(),
                    value: shown_value(table.cell(row, col)).to_string(),
                };
                Ok((Kind::Categorical, Some(warning)))
            } else {
                Ok((Kind::Numeric, None))
            }
        }
        Some(_) if distinct_in_nearly_every_row(table, col, settings, present) => ignored(format!(
            "it has a distinct value in nearly every row ({present} rows)"
        )),
        Some(_) => Ok((Kind::Categorical, None)),
    }
}

pub(crate) fn looks_like_id_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    ID_NAMES.contains(&lower.as_str()) || lower.ends_with("_id")
}

/// A numeric column equal to 1..m or 0..m−1 in file order.
fn is_row_number(table: &TextTable, col: usize) -> bool {
    let m = table.n_rows();
    if m < MIN_ROWS_FOR_ID_RULES {
        return false;
    }
    let value = |row: usize| table.cell(row, col).parse::<f64>().ok();
    [0.0, 1.0]
        .iter()
        .any(|&start| (0..m).all(|row| value(row) == Some(start + row as f64)))
}

/// A text column with a distinct value in at least 95% of its non-missing rows.
fn distinct_in_nearly_every_row(
    table: &TextTable,
    col: usize,
    settings: &PrepSettings,
    present: usize,
) -> bool {
    if present < MIN_ROWS_FOR_ID_RULES {
        return false;
    }
    let distinct: HashSet<&str> = (0..table.n_rows())
        .map(|row| table.cell(row, col))
        .filter(|v| !settings.is_missing(v))
        .collect();
    distinct.len() * 100 >= present * 95
}

/// How many distinct values column `col` holds, missing ones left out.
fn distinct_present(table: &TextTable, col: usize, settings: &PrepSettings) -> usize {
    (0..table.n_rows())
        .map(|row| table.cell(row, col))
        .filter(|v| !settings.is_missing(v))
        .collect::<HashSet<&str>>()
        .len()
}
