//! The statistics passes of a streamed training: one pass over the file for the column plan
//! (kinds, imputation values, category sets, the classes), one for the standardizer of the
//! encoded training rows. Memory is bounded by the columns, not the rows: per numeric column a
//! running mean, its largest magnitude and a uniform sample of at most [`sample_size`] values
//! (exact medians and most frequent values while a column has no more training values than
//! that); per categorical column the count of each category (at most [`MAX_DISTINCT`]).

use std::collections::HashMap;

use rand::RngExt;

use super::split::Part;
use super::{MAX_DISTINCT, StreamData};
use crate::data::csv::{TextTable, parse_feature, shown_value};
use crate::data::{Dataset, Standardizer, Task};
use crate::prep::infer::{Kind, infer_kinds};
use crate::prep::{Column, Impute, Plan, PrepSettings, Warning, categories_of_counts, mean_step};
use crate::train::{Stream, rng};
use crate::{Error, Result, Rng};

/// Most values kept per numeric column for its median or most frequent value: 65,536, fewer
/// with many columns (8 M values in all, at least 4,096 a column).
pub fn sample_size(numeric_columns: usize) -> usize {
    ((1usize << 23) / numeric_columns.max(1)).clamp(1 << 12, 1 << 16)
}

/// A uniform sample of at most `cap` values (Vitter's algorithm R), seeded.
#[derive(Debug)]
pub(crate) struct Reservoir {
    values: Vec<f64>,
    cap: usize,
    seen: u64,
}

impl Reservoir {
    pub(crate) fn new(cap: usize) -> Reservoir {
        Reservoir {
            values: Vec::new(),
            cap,
            seen: 0,
        }
    }

    /// Offers the next value: kept while there is room, then in place of a random one with
    /// probability cap / seen.
    pub(crate) fn add(&mut self, v: f64, rng: &mut Rng) {
        self.seen += 1;
        if self.values.len() < self.cap {
            self.values.push(v);
        } else {
            let j = rng.random_range(0..self.seen);
            if let Ok(j) = usize::try_from(j)
                && j < self.cap
            {
                self.values[j] = v;
            }
        }
    }

    /// True while every value offered is kept.
    pub(crate) fn is_exact(&self) -> bool {
        self.seen <= self.cap as u64
    }
}

/// What the first pass keeps of one feature column's training values.
#[derive(Debug)]
struct Tally {
    missing: bool,
    mean: f64,
    present: usize,
    max_abs: f64,
    sample: Reservoir,
    counts: HashMap<String, usize>,
}

/// Rows per part, and the rows dropped for a missing target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowCounts {
    /// Training rows.
    pub train: usize,
    /// Validation rows.
    pub validation: usize,
    /// Test rows.
    pub test: usize,
    /// Rows left out because their target was missing.
    pub missing_target: usize,
}

impl RowCounts {
    fn add(&mut self, part: Part) {
        match part {
            Part::Train => self.train += 1,
            Part::Validation => self.validation += 1,
            Part::Test => self.test += 1,
        }
    }
}

/// The first pass's result: the plan, the target's classes (classification) or the largest
/// magnitude of its training values (regression), the row counts and whether any feature
/// value of the file was missing.
pub(crate) struct PlanPass {
    pub(crate) plan: Plan,
    pub(crate) classes: Vec<String>,
    pub(crate) target_scale: f64,
    pub(crate) feature_scale: Vec<f64>,
    pub(crate) rows: RowCounts,
    pub(crate) had_missing: bool,
    pub(crate) warnings: Vec<Warning>,
    /// Blocks read, and how many of them held training rows of one class only (a file sorted
    /// by its target; see [`super::StreamOutcome::one_class_blocks`]).
    pub(crate) blocks: (usize, usize),
}

/// The first pass over `data`'s file (see the module docs). The column kinds come from the
/// first block's rows by the in-memory rules ([`crate::prep`]'s `infer.rs`); every later
/// value of a numeric column must be a number or missing (an error names its line).
pub(crate) fn plan_pass(data: &StreamData<'_>, settings: &PrepSettings) -> Result<PlanPass> {
    let mut blocks = data.blocks()?;
    let mut kinds: Option<Vec<Kind>> = None;
    let mut tallies: Vec<Tally> = Vec::new();
    let mut warnings = Vec::new();
    let mut rows = RowCounts::default();
    let mut had_missing = false;
    let mut targets = Targets::default();
    let mut sample_rng = rng(data.seed(), Stream::Data);
    let mut block_counts = (0, 0);
    while let Some(mut table) = blocks.next_block(data.block_rows)? {
        rows.missing_target += data.drop_missing_targets(&mut table);
        if table.n_rows() == 0 {
            continue;
        }
        let kinds = match &mut kinds {
            Some(k) => &*k,
            None => {
                let (k, w) = infer_kinds(&table, settings)?;
                warnings.extend(w);
                let numeric = k.iter().filter(|k| **k == Kind::Numeric).count();
                tallies = (0..k.len())
                    .map(|_| Tally::new(sample_size(numeric)))
                    .collect();
                kinds.insert(k)
            }
        };
        had_missing |= table.cells.iter().any(|c| settings.is_missing(c));
        let mut first_label: Option<u32> = None;
        let mut one_class = true;
        for row in 0..table.n_rows() {
            let part = data.splitter.part(table.lines[row]);
            rows.add(part);
            targets.add(data, &table, row, part)?;
            if let (Some(t), Part::Train) = (&table.target, part) {
                let code = t.codes[row];
                one_class &= *first_label.get_or_insert(code) == code;
            }
            for (col, kind) in kinds.iter().enumerate() {
                let tally = &mut tallies[col];
                tally.add(&table, row, col, kind, settings, part, &mut sample_rng)?;
            }
        }
        block_counts.0 += 1;
        block_counts.1 += usize::from(one_class && first_label.is_some() && !data.file.regression);
    }
    let Some(kinds) = kinds else {
        return Err(Error::DataFile {
            path: data.input.name().to_path_buf(),
            message: "no data rows after the header (or every row's target is missing)".into(),
        });
    };
    if rows.train == 0 {
        return Err(Error::DataFile {
            path: data.input.name().to_path_buf(),
            message: "no training rows: the test and validation shares took every row".into(),
        });
    }
    let names = blocks.feature_names();
    let (plan, feature_scale, w) = fit_plan(&names, &kinds, tallies, settings);
    warnings.extend(w);
    let (classes, target_scale) = targets.finish(data)?;
    Ok(PlanPass {
        plan,
        classes,
        target_scale,
        feature_scale,
        rows,
        had_missing,
        warnings,
        blocks: block_counts,
    })
}

impl Tally {
    fn new(cap: usize) -> Tally {
        Tally {
            missing: false,
            mean: 0.0,
            present: 0,
            max_abs: 0.0,
            sample: Reservoir::new(cap),
            counts: HashMap::new(),
        }
    }

    /// Counts the value of `row` in column `col`: checked in every row (a numeric column's
    /// value must be a finite number or missing), tallied in training rows only.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        table: &TextTable,
        row: usize,
        col: usize,
        kind: &Kind,
        settings: &PrepSettings,
        part: Part,
        rng: &mut Rng,
    ) -> Result<()> {
        let v = table.cell(row, col);
        let missing = settings.is_missing(v);
        match kind {
            Kind::Ignored => {}
            Kind::Numeric if missing => self.missing |= part == Part::Train,
            Kind::Numeric => {
                let x = parse_feature(v).map_err(|why| Error::Data {
                    path: table.path.clone(),
                    line: table.lines[row],
                    message: format!(
                        "column `{}`: {why}",
                        crate::quoted(&table.feature_names[col])
                    ),
                })?;
                if part == Part::Train {
                    self.present += 1;
                    self.mean = mean_step(self.mean, x, self.present);
                    self.max_abs = self.max_abs.max(x.abs());
                    self.sample.add(x, rng);
                }
            }
            Kind::Categorical if part != Part::Train => {}
            Kind::Categorical if missing => self.missing = true,
            Kind::Categorical => {
                if let Some(n) = self.counts.get_mut(v) {
                    *n += 1;
                } else if self.counts.len() >= MAX_DISTINCT {
                    return Err(too_many_distinct(table, row, col));
                } else {
                    self.counts.insert(v.to_string(), 1);
                }
            }
        }
        Ok(())
    }

    /// The fill value of a numeric column: [`Impute::fit`] of every training value while the
    /// sample holds them all; beyond, the exact running mean for the mean, and the sample's
    /// median or most frequent value otherwise.
    fn fill(self, impute: Impute) -> f64 {
        if self.sample.is_exact() || impute != Impute::Mean {
            impute.fit(self.sample.values)
        } else {
            self.mean
        }
    }
}

fn too_many_distinct(table: &TextTable, row: usize, col: usize) -> Error {
    Error::Data {
        path: table.path.clone(),
        line: table.lines[row],
        message: format!(
            "column `{}` has more than {MAX_DISTINCT} distinct categories in the training rows; a streamed training keeps at most that many per column (ignore the column, or read it as numbers)",
            shown_value(&table.feature_names[col])
        ),
    }
}

/// The plan from the tallies, and each encoded feature's scale for the standardizer pass (a
/// numeric column's largest training magnitude, 1 for one-hot and indicator features).
fn fit_plan(
    names: &[String],
    kinds: &[Kind],
    tallies: Vec<Tally>,
    settings: &PrepSettings,
) -> (Plan, Vec<f64>, Vec<Warning>) {
    let mut columns = Vec::new();
    let mut scale = Vec::new();
    let mut warnings = Vec::new();
    for ((name, kind), tally) in names.iter().zip(kinds).zip(tallies) {
        let name = name.clone();
        let indicator = settings.missing_indicators && tally.missing;
        let column = match kind {
            Kind::Ignored => Column::Ignored { name },
            Kind::Numeric => {
                let max_abs = tally.max_abs;
                let median = tally.fill(settings.impute);
                let s = max_abs.max(median.abs());
                scale.push(if s > 0.0 && s.is_finite() { s } else { 1.0 });
                Column::Numeric {
                    name,
                    median,
                    impute: settings.impute,
                    missing_indicator: indicator,
                }
            }
            Kind::Categorical => {
                let counts: HashMap<&str, usize> =
                    tally.counts.iter().map(|(k, &n)| (k.as_str(), n)).collect();
                let (categories, mode, pooled) =
                    categories_of_counts(&counts, settings.max_categories.max(2));
                if !pooled.is_empty() {
                    warnings.push(Warning::PooledCategories {
                        column: name.clone(),
                        pooled: pooled.len(),
                        kept: categories.len() - 1,
                    });
                }
                scale.extend(std::iter::repeat_n(1.0, categories.len()));
                Column::Categorical {
                    name,
                    categories,
                    mode,
                    pooled,
                    missing_indicator: indicator,
                }
            }
        };
        if indicator {
            scale.push(1.0);
        }
        columns.push(column);
    }
    let plan = Plan {
        na_values: settings.na_values.clone(),
        columns,
    };
    (plan, scale, warnings)
}

/// The target values seen by the first pass: the distinct labels of every row (their
/// training rows counted), or a regression target's largest training magnitude.
#[derive(Default)]
struct Targets {
    labels: HashMap<String, usize>,
    order: Vec<String>,
    max_abs: f64,
}

impl Targets {
    fn add(
        &mut self,
        data: &StreamData<'_>,
        table: &TextTable,
        row: usize,
        part: Part,
    ) -> Result<()> {
        let v = data.target_text(table, row)?;
        if data.file.regression {
            let y = data.target_value(table, row, v)?;
            if part == Part::Train {
                self.max_abs = self.max_abs.max(y.abs());
            }
            return Ok(());
        }
        if !self.labels.contains_key(v) {
            if self.labels.len() >= MAX_DISTINCT {
                return Err(Error::Data {
                    path: table.path.clone(),
                    line: table.lines[row],
                    message: format!(
                        "the target has more than {MAX_DISTINCT} distinct classes; is it a regression target?"
                    ),
                });
            }
            self.labels.insert(v.to_string(), 0);
            self.order.push(v.to_string());
        }
        if part == Part::Train
            && let Some(n) = self.labels.get_mut(v)
        {
            *n += 1;
        }
        Ok(())
    }

    /// The classes (as the in-memory reader orders them), checked to each have training rows;
    /// or the regression target's scale.
    fn finish(self, data: &StreamData<'_>) -> Result<(Vec<String>, f64)> {
        if data.file.regression {
            let s = self.max_abs;
            return Ok((Vec::new(), if s > 0.0 && s.is_finite() { s } else { 1.0 }));
        }
        let classes = crate::data::csv::infer_classes(
            data.input.name(),
            data.file.target,
            &self.order,
            data.file.positive,
        )?;
        if let Some(c) = classes.iter().find(|c| self.labels.get(*c) == Some(&0)) {
            return Err(Error::Invalid(format!(
                "the training rows miss the class `{}`; use more data or another seed",
                shown_value(c)
            )));
        }
        Ok((classes, 1.0))
    }
}

/// Running moments of values divided by a fixed scale (Welford): n, mean, Σ(x − mean)².
#[derive(Debug, Clone)]
struct Moments {
    n: usize,
    mean: Vec<f64>,
    m2: Vec<f64>,
    scale: Vec<f64>,
}

impl Moments {
    fn new(scale: Vec<f64>) -> Moments {
        let d = scale.len();
        Moments {
            n: 0,
            mean: vec![0.0; d],
            m2: vec![0.0; d],
            scale,
        }
    }

    /// Adds the samples of X (d × m), column by column.
    fn add(&mut self, x: ndarray::ArrayView2<f64>) {
        for sample in x.columns() {
            self.n += 1;
            for (i, &v) in sample.iter().enumerate() {
                let v = v / self.scale[i];
                let delta = v - self.mean[i];
                self.mean[i] = mean_step(self.mean[i], v, self.n);
                self.m2[i] += delta * (v - self.mean[i]);
            }
        }
    }

    /// The standardizer of the values added (σ with n − 1, as [`Standardizer::fit`]).
    fn standardizer(&self) -> Result<Standardizer> {
        let var: Vec<f64> = self
            .m2
            .iter()
            .map(|&m2| {
                if self.n < 2 {
                    0.0
                } else {
                    m2 / (self.n - 1) as f64
                }
            })
            .collect();
        Standardizer::from_scaled(&self.mean, &var, &self.scale)
    }
}

/// The second pass: the standardizers of the encoded training rows (features, and the target
/// of a regression).
pub(crate) fn standardizer_pass(
    data: &StreamData<'_>,
    feature_scale: Vec<f64>,
    target_scale: f64,
) -> Result<(Standardizer, Option<Standardizer>, Vec<Warning>)> {
    let mut features = Moments::new(feature_scale);
    let mut target = Moments::new(vec![target_scale]);
    let mut warnings = Vec::new();
    data.for_each_dataset(Part::Train, |set: Dataset, w| {
        features.add(set.x.view());
        if set.task() == Task::Regression {
            target.add(set.y().view());
        }
        super::merge_warnings(&mut warnings, w);
        Ok(())
    })?;
    let t = (data.file.regression)
        .then(|| target.standardizer())
        .transpose()?;
    Ok((features.standardizer()?, t, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn moments_give_the_standardizer_of_fit() {
        let x = array![
            [1.0, 2.0, 4.0, 8.0, -3.0],
            [1e200, -2e200, 3e200, 0.0, 1e200]
        ];
        let mut m = Moments::new(vec![8.0, 3e200]);
        m.add(x.slice(ndarray::s![.., ..2]));
        m.add(x.slice(ndarray::s![.., 2..]));
        let got = m.standardizer().unwrap();
        let want = Standardizer::fit(x.view());
        for (a, b) in got.mean().iter().zip(want.mean()) {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} {b}");
        }
        for (a, b) in got.std().iter().zip(want.std()) {
            assert!((a - b).abs() <= 1e-12 * b.abs(), "{a} {b}");
        }
    }

    #[test]
    fn the_reservoir_keeps_everything_until_full_then_a_uniform_sample() {
        let mut r = Reservoir::new(1000);
        let mut g = rng(1, Stream::Data);
        for v in 0..1000 {
            r.add(v as f64, &mut g);
        }
        assert!(r.is_exact());
        for v in 1000..100_000 {
            r.add(v as f64, &mut g);
        }
        assert!(!r.is_exact());
        assert_eq!(r.values.len(), 1000);
        // a uniform sample of 0..100,000: its median within a few percent of 50,000
        let med = crate::prep::median(r.values.clone());
        assert!((med - 50_000.0).abs() < 5_000.0, "{med}");
    }
}
