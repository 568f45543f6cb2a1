//! The fitted column plan: how a raw table's columns become the network's numeric features.
//!
//! Each input column is one of
//! - **numeric**: its numbers, a missing value replaced by the training rows' median (or their
//!   mean or most frequent value: [`PrepSettings::impute`]);
//! - **categorical**: one-hot, one feature `col=value` per category seen in the training rows
//!   (sorted), a missing value replaced by the training rows' most frequent category; a
//!   category the plan has not seen is all zeros (one warning per column, or an error when
//!   strict);
//! - **ignored**: listed in `ignore`, or a row ID (the rules: `prep/infer.rs`).
//!
//! With [`PrepSettings::missing_indicators`], a numeric or categorical column with a missing
//! value in the training rows also gets the 0/1 feature `col=(missing)` ([`MISSING`]) right
//! after its own: 1 where the value was missing (before imputation), else 0. With
//! [`PrepSettings::drop_missing`], training rows with a missing feature value are dropped
//! instead (before the split); the plan still imputes the rows that `predict` and `eval` read,
//! since a model cannot drop the rows it is asked about.
//!
//! The `sample_weight` column, when there is one, is read as each row's weight in the training
//! cost ([`crate::weights`]; [`Dataset::weights`]), not as a feature: the plan lists it as
//! ignored, so `predict` and `eval` never need it. Every training row needs a weight: a finite
//! number ≥ 0 (a missing, negative, NaN or infinite one is an error naming its line), and not
//! every weight may be 0.
//!
//! Missing values are the tokens of `na_values` (default: empty, `NA`, `NaN`, `null`, `?`;
//! compared case-insensitively). The kinds come from the whole file; the medians, modes and
//! categories from the training rows only ([`Experiment::training_rows`]). Standardization
//! comes after the plan, on the encoded matrix. The plan is stored in the model file
//! (format version 3), so `predict` and `eval` read rows as raw as the training file.
//!
//! Shapes: m = samples, c = input columns, d = encoded features (numeric columns + one per
//! category); [`Plan::apply`] returns X (d × m) like the CSV reader.

pub(crate) mod infer;

use std::collections::HashMap;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::data::csv::{
    CsvSpec, TextTable, infer_classes, parse_feature, read_text_csv, shown_value, sort_classes,
};
use crate::data::{CsvInput, Dataset};
use crate::experiment::Experiment;
use crate::{Error, Result};
use infer::{Kind, infer_kinds};

/// The category that pools the rare ones of a column with more than `max_categories`.
pub const OTHER: &str = "(other)";

/// The category of a missing-value indicator: the feature `col=(missing)`.
pub const MISSING: &str = "(missing)";

/// How a numeric column's missing values are filled, from its training rows' values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Impute {
    /// The median (the mean of the two middle values for an even count).
    #[default]
    Median,
    /// The mean, ∑ x / n.
    Mean,
    /// The most frequent value (the smallest on a tie).
    MostFrequent,
}

impl Impute {
    /// The fill value of `values` (the training rows' non-missing ones); 0 for none.
    pub fn fit(self, values: Vec<f64>) -> f64 {
        match self {
            Impute::Median => median(values),
            Impute::Mean => mean(&values),
            Impute::MostFrequent => most_frequent(values),
        }
    }

    fn is_median(&self) -> bool {
        *self == Impute::Median
    }
}

/// The missing-value tokens by default (compared case-insensitively).
pub const DEFAULT_NA_VALUES: [&str; 5] = ["", "NA", "NaN", "null", "?"];

/// Settings of the column plan: forced kinds and the missing-value tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct PrepSettings {
    /// Columns to one-hot encode even when their values are numbers (codes).
    pub categorical: Vec<String>,
    /// Columns to read as numbers even when a rule would ignore them.
    pub numeric: Vec<String>,
    /// Columns to leave out.
    pub ignore: Vec<String>,
    /// The tokens that mean "missing" (case-insensitive); default [`DEFAULT_NA_VALUES`].
    pub na_values: Vec<String>,
    /// Most one-hot features per categorical column (default 50, at least 2): beyond it, the
    /// most frequent `max_categories − 1` categories are kept and the rest pooled into
    /// [`OTHER`].
    pub max_categories: usize,
    /// The column that holds each row's sample weight (not a feature; see the module docs).
    /// Default `None`: every row weighs 1.
    pub sample_weight: Option<String>,
    /// How numeric columns' missing values are filled (default [`Impute::Median`]); a
    /// categorical column's always become its most frequent category.
    pub impute: Impute,
    /// Add the feature `col=(missing)` for each column with a missing training value
    /// (default `false`; see the module docs).
    pub missing_indicators: bool,
    /// Drop the rows with a missing feature value instead of imputing them, before the split
    /// (default `false`). `predict` and `eval` still impute.
    pub drop_missing: bool,
}

impl Default for PrepSettings {
    fn default() -> Self {
        PrepSettings {
            categorical: Vec::new(),
            numeric: Vec::new(),
            ignore: Vec::new(),
            na_values: DEFAULT_NA_VALUES.iter().map(|s| s.to_string()).collect(),
            max_categories: 50,
            sample_weight: None,
            impute: Impute::Median,
            missing_indicators: false,
            drop_missing: false,
        }
    }
}

impl PrepSettings {
    /// Whether `value` (trimmed) is a missing-value token.
    pub fn is_missing(&self, value: &str) -> bool {
        is_na(&self.na_values, value)
    }
}

fn is_na(tokens: &[String], value: &str) -> bool {
    tokens.iter().any(|t| t.eq_ignore_ascii_case(value))
}

/// Something the plan did that the user should know about; the CLI words it with its flags.
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// A column left out by a rule (not by `ignore`), and why.
    IgnoredColumn {
        /// The column.
        column: String,
        /// The rule, e.g. "it holds the row number".
        why: String,
    },
    /// Rows dropped because a feature value is missing (`drop_missing`).
    MissingFeatures {
        /// How many rows were dropped.
        rows: usize,
    },
    /// Rows dropped because their target value is missing.
    MissingTarget {
        /// The target column.
        column: String,
        /// How many rows were dropped.
        rows: usize,
    },
    /// A column with more categories than `max_categories`: the rare ones are pooled.
    PooledCategories {
        /// The column.
        column: String,
        /// How many categories were pooled into [`OTHER`].
        pooled: usize,
        /// How many were kept.
        kept: usize,
    },
    /// A column of mostly numbers with some text and few distinct values (codes such as
    /// cylinders 4, 6, `rotary`): read as categories.
    MixedColumn {
        /// The column.
        column: String,
        /// Its first text value.
        value: String,
    },
    /// Text in a numeric column: read as a missing value (imputed with the fitted value).
    TextAsMissing {
        /// The column.
        column: String,
        /// The first text value.
        value: String,
        /// How many rows hold text there.
        rows: usize,
    },
    /// Values of a categorical column that the plan has not seen, encoded as all zeros.
    UnseenCategory {
        /// The column.
        column: String,
        /// The first unseen value.
        value: String,
        /// How many rows hold an unseen value.
        rows: usize,
    },
}

/// One input column of the plan, with what was fitted for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Column {
    /// Numbers; a missing value becomes `median`, the fill value fitted on the training rows.
    Numeric {
        /// The column.
        name: String,
        /// The fill value: the training rows' median, or their mean or most frequent value
        /// when `impute` says so (the field keeps its name so older model files load).
        median: f64,
        /// How `median` was fitted (left out of the file for the median).
        #[serde(default, skip_serializing_if = "Impute::is_median")]
        impute: Impute,
        /// Whether the feature `name=(missing)` follows (left out of the file when not).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        missing_indicator: bool,
    },
    /// One-hot over `categories` (sorted); a missing value becomes `mode` (the training rows'
    /// most frequent category).
    Categorical {
        /// The column.
        name: String,
        /// The categories of the training rows, sorted.
        categories: Vec<String>,
        /// The training rows' most frequent category.
        mode: String,
        /// The rare categories pooled into [`OTHER`] (the last of `categories`), when the
        /// column had more than `max_categories`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pooled: Vec<String>,
        /// Whether the feature `name=(missing)` follows (left out of the file when not).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        missing_indicator: bool,
    },
    /// Left out.
    Ignored {
        /// The column.
        name: String,
    },
}

impl Column {
    /// The input column's name.
    pub fn name(&self) -> &str {
        match self {
            Column::Numeric { name, .. }
            | Column::Categorical { name, .. }
            | Column::Ignored { name } => name,
        }
    }

    /// How many encoded features the column becomes: 1 for numbers, one per category, plus
    /// one for a missing-value indicator; 0 when ignored.
    pub fn width(&self) -> usize {
        match self {
            Column::Numeric {
                missing_indicator, ..
            } => 1 + usize::from(*missing_indicator),
            Column::Categorical {
                categories,
                missing_indicator,
                ..
            } => categories.len() + usize::from(*missing_indicator),
            Column::Ignored { .. } => 0,
        }
    }

    fn has_indicator(&self) -> bool {
        match self {
            Column::Numeric {
                missing_indicator, ..
            }
            | Column::Categorical {
                missing_indicator, ..
            } => *missing_indicator,
            Column::Ignored { .. } => false,
        }
    }
}

/// The fitted column plan (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The missing-value tokens.
    pub na_values: Vec<String>,
    /// The input columns in file order.
    pub columns: Vec<Column>,
}

impl Plan {
    /// Fits the plan's imputation values and categories on `train_rows` of `table`, given
    /// each column's kind. A non-number in a numeric column is an error naming its line.
    pub(crate) fn fit(
        table: &TextTable,
        kinds: &[Kind],
        train_rows: &[usize],
        settings: &PrepSettings,
    ) -> Result<(Plan, Vec<Warning>)> {
        let na_values = &settings.na_values;
        let mut columns = Vec::new();
        let mut warnings = Vec::new();
        for (col, (name, kind)) in table.feature_names.iter().zip(kinds).enumerate() {
            let present = train_rows
                .iter()
                .copied()
                .filter(|&r| !is_na(na_values, table.cell(r, col)));
            let name = name.clone();
            columns.push(match kind {
                Kind::Ignored => Column::Ignored { name },
                Kind::Numeric => {
                    // text is read as missing (Plan::apply warns); bad numbers are errors
                    let values = present
                        .filter(|&r| !is_text(table.cell(r, col)))
                        .map(|r| parse_cell(table, r, col))
                        .collect::<Result<Vec<f64>>>()?;
                    let had_missing = values.len() < train_rows.len();
                    Column::Numeric {
                        name,
                        median: settings.impute.fit(values),
                        impute: settings.impute,
                        missing_indicator: settings.missing_indicators && had_missing,
                    }
                }
                Kind::Categorical => {
                    let had_missing = present.clone().count() < train_rows.len();
                    let fitted = categories_and_mode(
                        present.map(|r| table.cell(r, col)),
                        settings.max_categories.max(2),
                    );
                    let (categories, mode, pooled) = fitted;
                    if !pooled.is_empty() {
                        warnings.push(Warning::PooledCategories {
                            column: name.clone(),
                            pooled: pooled.len(),
                            kept: categories.len() - 1,
                        });
                    }
                    Column::Categorical {
                        name,
                        categories,
                        mode,
                        pooled,
                        missing_indicator: settings.missing_indicators && had_missing,
                    }
                }
            });
        }
        let plan = Plan {
            na_values: na_values.to_vec(),
            columns,
        };
        Ok((plan, warnings))
    }

    /// The input columns the plan reads (every column but the ignored ones), in file order.
    pub fn used_columns(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| !matches!(c, Column::Ignored { .. }))
            .map(|c| c.name().to_string())
            .collect()
    }

    /// The names of the d encoded features: a numeric column's name, `col=value` per category,
    /// then `col=(missing)` for a column with a missing-value indicator.
    pub fn encoded_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for c in &self.columns {
            match c {
                Column::Numeric { name, .. } => names.push(name.clone()),
                Column::Categorical {
                    name, categories, ..
                } => names.extend(categories.iter().map(|v| format!("{name}={v}"))),
                Column::Ignored { .. } => {}
            }
            if c.has_indicator() {
                names.push(format!("{}={MISSING}", c.name()));
            }
        }
        names
    }

    /// Encodes `table` (which holds at least the [`Plan::used_columns`]) as X (d × m): missing
    /// values imputed, categories one-hot. An unseen category is all zeros with one warning per
    /// column, or, when `strict`, an error naming its line.
    pub fn apply(&self, table: &TextTable, strict: bool) -> Result<(Array2<f64>, Vec<Warning>)> {
        let m = table.n_rows();
        let d = self.encoded_names().len();
        let mut values = vec![0.0; m * d];
        let mut warnings = Vec::new();
        let mut offset = 0;
        for c in &self.columns {
            let col = match c {
                Column::Ignored { .. } => continue,
                _ => column_index(table, c.name())?,
            };
            // the indicator feature, when there is one, follows the column's own features
            let indicator = c.has_indicator().then(|| offset + c.width() - 1);
            match c {
                Column::Numeric { name, median, .. } => {
                    let mut text: Option<(String, usize)> = None;
                    for row in 0..m {
                        let v = table.cell(row, col);
                        let missing = is_na(&self.na_values, v) || (is_text(v) && !strict);
                        values[row * d + offset] = if !missing {
                            parse_cell(table, row, col)?
                        } else {
                            if !is_na(&self.na_values, v) {
                                count_first(&mut text, v);
                            }
                            *median
                        };
                        if let (Some(i), true) = (indicator, missing) {
                            values[row * d + i] = 1.0;
                        }
                    }
                    if let Some((value, rows)) = text {
                        warnings.push(Warning::TextAsMissing {
                            column: name.clone(),
                            value,
                            rows,
                        });
                    }
                }
                Column::Categorical {
                    name,
                    categories,
                    mode,
                    pooled,
                    ..
                } => {
                    let mut index: HashMap<&str, usize> = categories
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (v.as_str(), i))
                        .collect();
                    let other = categories.len().saturating_sub(1);
                    index.extend(pooled.iter().map(|v| (v.as_str(), other)));
                    let mut unseen: Option<(String, usize)> = None;
                    for row in 0..m {
                        let mut v = table.cell(row, col);
                        if is_na(&self.na_values, v) {
                            v = mode;
                            if let Some(i) = indicator {
                                values[row * d + i] = 1.0;
                            }
                        }
                        match index.get(v) {
                            Some(&k) => values[row * d + offset + k] = 1.0,
                            None if strict => {
                                return Err(unseen_error(table, row, name, v, categories));
                            }
                            None => count_first(&mut unseen, v),
                        }
                    }
                    if let Some((value, rows)) = unseen {
                        warnings.push(Warning::UnseenCategory {
                            column: name.clone(),
                            value,
                            rows,
                        });
                    }
                }
                Column::Ignored { .. } => {}
            }
            offset += c.width();
        }
        // Rows were filled sample by sample (m × d); reversing the axes gives (d × m).
        let x = Array2::from_shape_vec((m, d), values)
            .map_err(|e| Error::Internal(e.to_string()))?
            .reversed_axes();
        Ok((x, warnings))
    }

    /// Checks a plan read from a model file against the model's features.
    pub(crate) fn check(&self, features: &[String]) -> std::result::Result<(), String> {
        let encoded = self.encoded_names();
        if encoded != features {
            return Err(format!(
                "\"prep\" encodes the features ({}) but \"features\" lists ({})",
                encoded.join(", "),
                features.join(", ")
            ));
        }
        for c in &self.columns {
            if let Column::Numeric { name, median, .. } = c
                && !median.is_finite()
            {
                return Err(format!("\"prep\": column `{name}` has a non-finite median"));
            }
            if let Column::Categorical {
                name,
                categories,
                mode,
                ..
            } = c
                && !categories.contains(mode)
            {
                return Err(format!(
                    "\"prep\": column `{name}`: the mode `{mode}` is not one of its categories"
                ));
            }
        }
        Ok(())
    }
}

/// True for a value that is not a number at all (`rotary`, `abc`), as opposed to a bad
/// number (`NaN`, `inf`, which [`parse_feature`] refuses): text in a numeric column is read
/// as missing.
fn is_text(value: &str) -> bool {
    value.trim().parse::<f64>().is_err()
}

/// Counts one more odd value, remembering the first.
fn count_first(seen: &mut Option<(String, usize)>, value: &str) {
    match seen {
        Some((_, n)) => *n += 1,
        None => *seen = Some((value.to_string(), 1)),
    }
}

fn column_index(table: &TextTable, name: &str) -> Result<usize> {
    table
        .feature_names
        .iter()
        .position(|n| n == name)
        .ok_or_else(|| Error::Internal(format!("column `{name}` was not read")))
}

fn parse_cell(table: &TextTable, row: usize, col: usize) -> Result<f64> {
    parse_feature(table.cell(row, col)).map_err(|why| Error::Data {
        path: table.path.clone(),
        line: table.lines[row],
        message: format!(
            "column `{}`: {why}",
            crate::quoted(&table.feature_names[col])
        ),
    })
}

fn unseen_error(
    table: &TextTable,
    row: usize,
    column: &str,
    value: &str,
    known: &[String],
) -> Error {
    let mut list: Vec<&str> = known.iter().take(10).map(String::as_str).collect();
    if known.len() > 10 {
        list.push("…");
    }
    Error::Data {
        path: table.path.clone(),
        line: table.lines[row],
        message: format!(
            "column `{}`: `{}` is a category the model has not seen (it knows: {})",
            shown_value(column),
            shown_value(value),
            list.iter()
                .map(|c| shown_value(c))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The median of `values` (the mean of the two middle ones for an even count); 0 for none.
pub fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    // the middle element(s) by selection, O(n): the same values a full sort would give
    let n = values.len();
    let (below, &mut upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        upper
    } else {
        let lower = below
            .iter()
            .copied()
            .max_by(f64::total_cmp)
            .unwrap_or(upper);
        (lower + upper) / 2.0
    }
}

/// The mean ∑ x / n of `values`, as a running mean (no overflow on huge values); 0 for none.
pub fn mean(values: &[f64]) -> f64 {
    let mut mean = 0.0;
    for (k, &x) in values.iter().enumerate() {
        mean = mean_step(mean, x, k + 1);
    }
    mean
}

/// The running mean after its `k`-th value `x`: μ_k = μ_{k−1} + (x_k − μ_{k−1}) / k.
pub(crate) fn mean_step(mean: f64, x: f64, k: usize) -> f64 {
    mean + (x - mean) / k as f64
}

/// The most frequent of `values`, the smallest on a tie; 0 for none.
pub fn most_frequent(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let (mut best, mut best_count) = (0.0, 0);
    // equal values are neighbours once sorted: count each run, keep the first longest
    for run in values.chunk_by(|a, b| a == b) {
        if run.len() > best_count {
            (best, best_count) = (run[0], run.len());
        }
    }
    best
}

/// The distinct values, sorted (numerically when all are numbers), the most frequent one
/// (the first in that order on a tie), and, beyond `max` categories, the rare ones pooled into
/// [`OTHER`]: the `max − 1` most frequent are kept, then [`OTHER`] last.
fn categories_and_mode<'a>(
    values: impl Iterator<Item = &'a str>,
    max: usize,
) -> (Vec<String>, String, Vec<String>) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    categories_of_counts(&counts, max)
}

/// [`categories_and_mode`] of values already counted (each distinct value with its count).
pub(crate) fn categories_of_counts(
    counts: &HashMap<&str, usize>,
    max: usize,
) -> (Vec<String>, String, Vec<String>) {
    let mut keys: Vec<&str> = counts.keys().copied().collect();
    sort_classes(&mut keys);
    // most frequent first; the sort is stable, so ties keep the sorted order
    let mut by_count = keys.clone();
    by_count.sort_by(|a, b| counts[b].cmp(&counts[a]));
    let mode = by_count.first().map_or_else(String::new, |m| m.to_string());
    if keys.len() <= max {
        let categories = keys.into_iter().map(str::to_string).collect();
        return (categories, mode, Vec::new());
    }
    let kept: std::collections::HashSet<&str> = by_count[..max - 1].iter().copied().collect();
    let (mut categories, mut pooled) = (Vec::new(), Vec::new());
    for k in keys {
        if kept.contains(k) {
            categories.push(k.to_string());
        } else {
            pooled.push(k.to_string());
        }
    }
    categories.push(OTHER.to_string());
    (categories, mode, pooled)
}

/// A raw training table made ready for [`Experiment::run`].
#[derive(Debug)]
pub struct Prepared {
    /// The encoded data set (features = [`Plan::encoded_names`]).
    pub data: Dataset,
    /// The plan, fitted on the experiment's training rows.
    pub plan: Plan,
    /// True when a feature value of the file was missing (and imputed, or its row dropped).
    pub had_missing: bool,
    /// What the plan did.
    pub warnings: Vec<Warning>,
}

impl Prepared {
    /// The plan, unless it only reads numbers: every column numeric and no value missing in
    /// the file. Such a model needs no plan, and its file stays what it was before plans
    /// (format version 2, byte for byte: the tutorial's model file does not change).
    pub fn plan_if_needed(&self) -> Option<&Plan> {
        let plain = self
            .plan
            .columns
            .iter()
            .all(|c| matches!(c, Column::Numeric { .. }))
            && !self.had_missing;
        (!plain).then_some(&self.plan)
    }
}

/// What to read from the training file.
#[derive(Debug, Clone)]
pub struct TrainingFile<'a> {
    /// The CSV input (a file, or standard input: read into memory once, since the reader may
    /// read it twice).
    pub input: CsvInput,
    /// The target column.
    pub target: &'a str,
    /// The input columns (default: all but the target).
    pub features: Option<&'a [String]>,
    /// A numeric target (regression) rather than classes.
    pub regression: bool,
    /// The positive class of two.
    pub positive: Option<&'a str>,
}

/// Reads a raw training file: rows with a missing target dropped (a warning counts them), the
/// column kinds inferred, the plan fitted on the rows `exp` will train on (or `plan` reused,
/// for a continued model), and every row encoded.
pub fn prepare_training(
    file: TrainingFile<'_>,
    settings: &PrepSettings,
    exp: &Experiment,
    plan: Option<&Plan>,
) -> Result<Prepared> {
    if file.regression {
        // before the file is read (and split into training rows): class weights need classes
        exp.check_class_weight(crate::data::Task::Regression)?;
    }
    let file = TrainingFile {
        input: file.input.rereadable()?,
        ..file
    };
    if plan.is_none()
        && let Some(prepared) = numeric_fast_path(&file, settings, exp)
    {
        return Ok(prepared);
    }
    let weight = settings.sample_weight.as_deref();
    let features = match weight {
        Some(w) => columns_with_weight(&file, w, plan)?,
        None => file.features.map(<[String]>::to_vec),
    };
    let spec = CsvSpec {
        target: Some(file.target),
        features: features.as_deref(),
    };
    let mut table = read_text_csv(&file.input, &spec, None)?;
    let mut warnings = drop_missing_targets(&mut table, &settings.na_values)?;
    let kinds = match plan {
        Some(p) => kinds_of_plan(&table, p)?,
        None => {
            let (kinds, w) = infer_kinds(&table, settings)?;
            warnings.extend(w);
            check_numbers(&table, &kinds, &settings.na_values)?;
            kinds
        }
    };
    let mut dropped = false;
    if settings.drop_missing {
        let w = drop_missing_features(&mut table, &kinds, &settings.na_values)?;
        dropped = !w.is_empty();
        warnings.extend(w);
    }
    let target = target_of(&table, &file)?;
    let weights = weight
        .map(|w| sample_weights(&table, w, &settings.na_values))
        .transpose()?;
    let plan = match plan {
        Some(p) => p.clone(),
        None => {
            let rows = dataset(
                &table,
                &target,
                vec!["row".into()],
                Array2::zeros((1, table.n_rows())),
            )?;
            let train_rows = exp.training_rows(&rows)?;
            let (plan, w) = Plan::fit(&table, &kinds, &train_rows, settings)?;
            warnings.extend(w);
            plan
        }
    };
    check_some_features(&plan, &table)?;
    let names = plan.encoded_names();
    // rows dropped for a missing value keep the plan, so predict and eval can impute
    let had_missing = dropped || table.cells.iter().any(|c| is_na(&plan.na_values, c.trim()));
    let (x, w) = plan.apply(&table, false)?;
    warnings.extend(w);
    let mut data = dataset(&table, &target, names, x)?;
    if let Some(weights) = weights {
        data = data.with_weights(weights)?;
    }
    Ok(Prepared {
        data,
        plan,
        warnings,
        had_missing,
    })
}

/// The plan of a table held in memory (no target, no sample-weight column, every row kept):
/// each column's kind inferred from every row of `table` (the rules of `prep/infer.rs`), its
/// fill value and categories fitted on `train_rows`. Bad numbers are errors naming their row,
/// as for a file; the warnings say what the rules did.
pub fn fit_plan(
    table: &TextTable,
    settings: &PrepSettings,
    train_rows: &[usize],
) -> Result<(Plan, Vec<Warning>)> {
    let (kinds, mut warnings) = infer_kinds(table, settings)?;
    check_numbers(table, &kinds, &settings.na_values)?;
    let (plan, w) = Plan::fit(table, &kinds, train_rows, settings)?;
    warnings.extend(w);
    check_some_features(&plan, table)?;
    Ok((plan, warnings))
}

/// A plan must encode at least one feature.
fn check_some_features(plan: &Plan, table: &TextTable) -> Result<()> {
    if plan.encoded_names().is_empty() {
        return Err(Error::DataFile {
            path: table.path.clone(),
            message: format!(
                "no feature columns are left after ignoring ID-like and empty columns (columns: {})",
                table.feature_names.join(", ")
            ),
        });
    }
    Ok(())
}

/// An all-numeric file through the numeric reader (about a quarter of the text reader's time on
/// big files, and less memory), when that gives what the text path would: no kind forced by a
/// flag, every value a finite number (a missing or text value fails the numeric reader), no
/// column that may be a row ID, no missing target. `None`: take the text path.
fn numeric_fast_path(
    file: &TrainingFile<'_>,
    settings: &PrepSettings,
    exp: &Experiment,
) -> Option<Prepared> {
    let forced = [&settings.categorical, &settings.numeric, &settings.ignore];
    if forced.iter().any(|f| !f.is_empty()) || settings.sample_weight.is_some() {
        return None;
    }
    let data = if file.regression {
        Dataset::from_csv_regression(&file.input, file.target, file.features).ok()?
    } else {
        Dataset::from_csv(&file.input, file.target, file.features, file.positive).ok()?
    };
    let m = data.n_samples();
    let row_number = |row: ndarray::ArrayView1<f64>| {
        [0.0, 1.0]
            .iter()
            .any(|&s| row.iter().enumerate().all(|(j, &v)| v == s + j as f64))
    };
    let may_be_id = data
        .feature_names
        .iter()
        .any(|n| infer::looks_like_id_name(n))
        || (m >= infer::MIN_ROWS_FOR_ID_RULES && data.x.rows().into_iter().any(row_number));
    if may_be_id
        || data
            .classes()
            .iter()
            .any(|c| is_na(&settings.na_values, c.trim()))
    {
        return None;
    }
    let train_rows = exp.training_rows(&data).ok()?;
    let columns = data
        .feature_names
        .iter()
        .zip(data.x.rows())
        .map(|(name, row)| Column::Numeric {
            name: name.clone(),
            median: settings
                .impute
                .fit(train_rows.iter().map(|&j| row[j]).collect()),
            impute: settings.impute,
            missing_indicator: false,
        })
        .collect();
    Some(Prepared {
        data,
        plan: Plan {
            na_values: settings.na_values.clone(),
            columns,
        },
        warnings: Vec::new(),
        had_missing: false,
    })
}

/// The columns to read when `weight` holds the sample weights: the listed features plus the
/// weight column (`None`, every column, without a list). The column must exist and be neither
/// the target, a listed feature, nor a feature of the continued model's `plan`.
fn columns_with_weight(
    file: &TrainingFile<'_>,
    weight: &str,
    plan: Option<&Plan>,
) -> Result<Option<Vec<String>>> {
    let names = crate::data::csv::header_names(&file.input)?;
    if !names.iter().any(|n| n == weight) {
        return Err(Error::DataFile {
            path: file.input.name().to_path_buf(),
            message: format!(
                "no sample-weight column `{}`; the columns are: {}",
                shown_value(weight),
                names
                    .iter()
                    .map(|n| shown_value(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    let clash = |why: &str| {
        Err(Error::config(
            "sample_weight",
            format!("column `{weight}` {why}"),
        ))
    };
    if weight == file.target {
        return clash("is the target; the weights must be another column");
    }
    if plan.is_some_and(|p| p.used_columns().iter().any(|c| c == weight)) {
        return clash(
            "is a feature of the model being continued (`init_from`); the weights cannot be a feature",
        );
    }
    match file.features {
        Some(fs) if fs.iter().any(|f| f == weight) => {
            clash("is also listed in `features`; the weights cannot be a feature")
        }
        Some(fs) => Ok(Some(
            fs.iter().cloned().chain([weight.to_string()]).collect(),
        )),
        None => Ok(None),
    }
}

/// Each row's sample weight, from the column `weight` of `table`: a finite number ≥ 0; a
/// missing, negative, NaN or infinite value is an error naming its line and value, and so are
/// weights that are all 0.
fn sample_weights(table: &TextTable, weight: &str, na_values: &[String]) -> Result<Vec<f64>> {
    let col = column_index(table, weight)?;
    let mut weights = Vec::with_capacity(table.n_rows());
    for row in 0..table.n_rows() {
        let v = table.cell(row, col);
        let why = match v.parse::<f64>() {
            Ok(w) if w.is_finite() && w >= 0.0 => {
                weights.push(w);
                continue;
            }
            Ok(w) if w.is_finite() => format!("sample weight `{}` is negative", shown_value(v)),
            Ok(_) => format!("sample weight `{}` is not a finite number", shown_value(v)),
            Err(_) if v.is_empty() => "the sample weight is missing (an empty cell)".into(),
            Err(_) if is_na(na_values, v) => {
                format!("the sample weight is missing (`{}`)", shown_value(v))
            }
            Err(_) => format!("sample weight `{}` is not a number", shown_value(v)),
        };
        return Err(Error::Data {
            path: table.path.clone(),
            line: table.lines[row],
            message: format!("column `{weight}`: {why}; a weight must be a finite number ≥ 0"),
        });
    }
    if weights.iter().all(|&w| w == 0.0) {
        return Err(Error::DataFile {
            path: table.path.clone(),
            message: format!(
                "column `{weight}`: every sample weight is 0; at least one row needs a positive weight"
            ),
        });
    }
    Ok(weights)
}

/// Every value of the numeric columns is a finite number or missing; the first that is not, in
/// file order, is the error (before the split, as the numeric reader did).
fn check_numbers(table: &TextTable, kinds: &[Kind], na_values: &[String]) -> Result<()> {
    for row in 0..table.n_rows() {
        for (col, kind) in kinds.iter().enumerate() {
            if *kind == Kind::Numeric && !is_na(na_values, table.cell(row, col)) {
                parse_cell(table, row, col)?;
            }
        }
    }
    Ok(())
}

/// The kind of each feature column of `table` under a continued model's plan: a column the
/// plan does not read is ignored.
fn kinds_of_plan(table: &TextTable, plan: &Plan) -> Result<Vec<Kind>> {
    let mut kinds = vec![Kind::Ignored; table.feature_names.len()];
    for c in &plan.columns {
        let kind = match c {
            Column::Numeric { .. } => Kind::Numeric,
            Column::Categorical { .. } => Kind::Categorical,
            Column::Ignored { .. } => continue,
        };
        kinds[column_index(table, c.name())?] = kind;
    }
    Ok(kinds)
}

/// Drops the rows with a missing value in a numeric or categorical column (a missing-value
/// token, or text in a numeric column, which would be read as missing); the warning counts
/// them. No row left is an error.
fn drop_missing_features(
    table: &mut TextTable,
    kinds: &[Kind],
    na_values: &[String],
) -> Result<Vec<Warning>> {
    let missing = |row: usize| {
        kinds.iter().enumerate().any(|(col, kind)| {
            let v = table.cell(row, col);
            match kind {
                Kind::Numeric => is_na(na_values, v) || is_text(v),
                Kind::Categorical => is_na(na_values, v),
                Kind::Ignored => false,
            }
        })
    };
    let keep: Vec<bool> = (0..table.n_rows()).map(|r| !missing(r)).collect();
    let rows = keep.iter().filter(|k| !**k).count();
    if rows == 0 {
        return Ok(Vec::new());
    }
    if rows == keep.len() {
        return Err(Error::config(
            "drop_missing",
            format!(
                "leaves no row to train on: every row of {} has a missing feature value; impute them instead",
                table.path.display()
            ),
        ));
    }
    table.retain_rows(|r| keep[r]);
    Ok(vec![Warning::MissingFeatures { rows }])
}

/// Drops the rows whose target is a missing-value token; the warning counts them.
pub(crate) fn drop_missing_targets(
    table: &mut TextTable,
    na_values: &[String],
) -> Result<Vec<Warning>> {
    let Some(t) = &table.target else {
        return Ok(Vec::new());
    };
    let missing: Vec<bool> = t.distinct.iter().map(|v| is_na(na_values, v)).collect();
    let rows = t.codes.iter().filter(|&&c| missing[c as usize]).count();
    if rows == 0 {
        return Ok(Vec::new());
    }
    let column = t.name.clone();
    let codes = t.codes.clone();
    table.retain_rows(|r| !missing[codes[r] as usize]);
    if table.n_rows() == 0 {
        return Err(Error::DataFile {
            path: table.path.clone(),
            message: format!("every row's target `{column}` is missing"),
        });
    }
    Ok(vec![Warning::MissingTarget { column, rows }])
}

/// The target of a training table: class indices with their labels, or values.
enum TargetValues {
    Classes(Vec<usize>, Vec<String>),
    Values(Vec<f64>),
}

fn target_of(table: &TextTable, file: &TrainingFile<'_>) -> Result<TargetValues> {
    let t = table
        .target
        .as_ref()
        .ok_or_else(|| Error::Internal("target not read".into()))?;
    let line_err = |r: usize, why: String| Error::Data {
        path: table.path.clone(),
        line: table.lines[r],
        message: format!("column `{}`: {why}", t.name),
    };
    if file.regression {
        let parsed: Vec<std::result::Result<f64, String>> =
            t.distinct.iter().map(|v| parse_feature(v)).collect();
        let values = t
            .codes
            .iter()
            .enumerate()
            .map(|(r, &c)| {
                parsed[c as usize].clone().map_err(|why| {
                    line_err(r, format!("{why} (a regression target must be numeric)"))
                })
            })
            .collect::<Result<Vec<f64>>>()?;
        return Ok(TargetValues::Values(values));
    }
    let present: Vec<String> = {
        let mut used = vec![false; t.distinct.len()];
        for &c in &t.codes {
            used[c as usize] = true;
        }
        t.distinct
            .iter()
            .zip(used)
            .filter(|(_, u)| *u)
            .map(|(v, _)| v.clone())
            .collect()
    };
    let classes = infer_classes(&table.path, &t.name, &present, file.positive)?;
    let of_code: Vec<usize> = t
        .distinct
        .iter()
        .map(|v| classes.iter().position(|c| c == v).unwrap_or(0))
        .collect();
    let labels = t.codes.iter().map(|&c| of_code[c as usize]).collect();
    Ok(TargetValues::Classes(labels, classes))
}

fn dataset(
    table: &TextTable,
    target: &TargetValues,
    names: Vec<String>,
    x: Array2<f64>,
) -> Result<Dataset> {
    let name = table
        .target
        .as_ref()
        .map_or_else(String::new, |t| t.name.clone());
    match target {
        TargetValues::Classes(labels, classes) => {
            Dataset::new(names, name, x, labels.clone(), classes.clone())
        }
        TargetValues::Values(values) => Dataset::regression(names, name, x, values.clone()),
    }
}

#[cfg(test)]
mod tests;
