//! Data larger than memory: training and prediction that read a CSV file a block of rows at a
//! time, with memory bounded by the block and the columns, never by the number of rows.
//!
//! ```text
//! pass 1   the column plan: kinds (from the first block, by the in-memory rules), imputation
//!          values (exact mean; median and most frequent value exact up to [`sample_size`]
//!          training values per column, else from a seeded uniform sample of that many),
//!          category sets and the classes                              (stats.rs)
//! pass 2   the standardizer of the encoded training rows (Welford, values divided by each
//!          feature's largest magnitude as Standardizer::fit divides them)
//! epochs   per epoch: blocks of B rows in file order → the block's training rows encoded,
//!          standardized, shuffled with the seed's batch stream → mini-batches through the
//!          one training loop (train.rs: train_loop → EpochStep::block → run_epoch →
//!          Engine::step); then a pass for the validation loss (early stopping)
//! final    a pass for the training loss, one for the test rows' loss and accuracy (or RMSE)
//! ```
//! A row's part (training, validation, test) is a seeded hash of its file line
//! ([`Splitter`]), so every pass agrees without keeping a list of rows. Every error names the
//! file and line as the in-memory readers' do; nothing is written until training ends.
//!
//! Not bit-identical to the in-memory training of the same file: the split differs (a hash
//! per row instead of a shuffle of all rows), mini-batches are drawn within a block instead of
//! across the whole set, and the standardizer's sums run in another order.

mod blocks;
#[cfg(feature = "parquet")]
mod parquet;
mod predict;
mod split;
mod stats;

use std::ops::ControlFlow;

use ndarray::Array2;
use serde::Serialize;

pub use blocks::{Blocks, is_parquet};
pub use predict::{PredictedBlock, predict_blocks};
pub use split::{Part, Splitter};
pub use stats::{RowCounts, sample_size};

use crate::data::csv::{CsvSpec, TextTable, parse_feature, shown_value};
use crate::data::{CsvInput, Dataset, Scalers, Standardized, Task};
use crate::engine::Engine;
use crate::experiment::{Experiment, classes_at};
use crate::model_file::Model;
use crate::nn::Network;
use crate::prep::{Column, Plan, PrepSettings, TrainingFile, Warning};
use crate::train::{
    EpochInfo, EpochStep, Fitted, Monitor, Samples, TrainConfig, TrainingRows, l2_penalty,
};
use crate::weights::ClassWeight;
use crate::{Error, Result};

/// Rows per block by default: 65,536 (a block of 10 text columns takes about 30 MB).
pub const DEFAULT_BLOCK_ROWS: usize = 1 << 16;

/// Most distinct values a streamed training keeps per categorical column, and most classes.
pub const MAX_DISTINCT: usize = 1 << 16;

/// Settings of a streamed run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamSettings {
    /// Rows read, encoded and shuffled at a time (B); memory grows with it, not with the file.
    pub block_rows: usize,
}

impl Default for StreamSettings {
    fn default() -> Self {
        StreamSettings {
            block_rows: DEFAULT_BLOCK_ROWS,
        }
    }
}

/// The rule that streams without `--stream`: a file bigger than a quarter of the memory
/// available (a gzip file counted at 4× its size), since reading a table into memory takes
/// several times its bytes. Returns the one line that says so, or `None` to read into memory.
pub fn automatic(input: &CsvInput) -> Option<String> {
    let path = input.path()?;
    let bytes = std::fs::metadata(path).ok()?.len();
    let counted = if input.is_gzip() {
        bytes.saturating_mul(4)
    } else {
        bytes
    };
    let available = crate::memory::available()?.bytes;
    (counted > available / 4).then(|| {
        format!(
            "streaming {} ({}{}, more than a quarter of the {} of memory available): reading it in blocks",
            path.display(),
            crate::memory::human(bytes),
            if input.is_gzip() { " compressed" } else { "" },
            crate::memory::human(available)
        )
    })
}

/// How a streamed model did on the test rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TestScore {
    /// Test rows.
    pub rows: usize,
    /// The mean loss J on them.
    pub loss: f64,
    /// Classification: the share predicted right.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    /// Regression: the root mean squared error, in the target's units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rmse: Option<f64>,
}

/// What a streamed training produced.
#[derive(Debug, Clone)]
pub struct StreamOutcome {
    /// The model (with its column plan unless every column is numeric and none is missing).
    pub model: Model,
    /// Training loss after each epoch, then the final loss (as [`Fitted::history`]).
    pub history: Vec<f64>,
    /// Validation loss after each epoch.
    pub validation_history: Vec<f64>,
    /// Rows per part.
    pub rows: RowCounts,
    /// The test rows' score, when there were test rows.
    pub test: Option<TestScore>,
    /// What the plan did.
    pub warnings: Vec<Warning>,
    /// The epoch after which training was cancelled, if it was.
    pub interrupted_at: Option<usize>,
    /// Blocks of the file (of `block_rows` rows).
    pub blocks: usize,
    /// Blocks whose training rows are all of one class: most of the blocks in a file sorted
    /// by its target, which should be shuffled first (blocks are read in file order).
    pub one_class_blocks: usize,
}

/// The file of a streamed training and what the passes learned about it.
pub(crate) struct StreamData<'a> {
    file: &'a TrainingFile<'a>,
    input: &'a CsvInput,
    splitter: Splitter,
    block_rows: usize,
    na_values: Vec<String>,
    seed: u64,
    plan: Plan,
    classes: Vec<String>,
    scalers: Option<Scalers>,
}

impl<'a> StreamData<'a> {
    fn seed(&self) -> u64 {
        self.seed
    }

    /// A fresh reader of the file's target and feature columns.
    fn blocks(&self) -> Result<Blocks<'a>> {
        let spec = CsvSpec {
            target: Some(self.file.target),
            features: self.file.features,
        };
        Blocks::open(self.input, &spec, None, "feature column")
    }

    /// Drops the rows whose target is missing; returns how many.
    fn drop_missing_targets(&self, table: &mut TextTable) -> usize {
        let Some(t) = &table.target else { return 0 };
        let missing: Vec<bool> = t
            .distinct
            .iter()
            .map(|v| self.na_values.iter().any(|n| n.eq_ignore_ascii_case(v)))
            .collect();
        let codes = t.codes.clone();
        let before = table.n_rows();
        table.retain_rows(|r| !missing[codes[r] as usize]);
        before - table.n_rows()
    }

    fn target_text<'t>(&self, table: &'t TextTable, row: usize) -> Result<&'t str> {
        let t = table
            .target
            .as_ref()
            .ok_or_else(|| Error::Internal("target not read".into()))?;
        Ok(&t.distinct[t.codes[row] as usize])
    }

    /// A regression target's value, or the error naming its line.
    fn target_value(&self, table: &TextTable, row: usize, v: &str) -> Result<f64> {
        parse_feature(v).map_err(|why| Error::Data {
            path: table.path.clone(),
            line: table.lines[row],
            message: format!(
                "column `{}`: {why} (a regression target must be numeric)",
                shown_value(self.file.target)
            ),
        })
    }

    /// The rows of `part` in `table`, encoded by the plan (raw, not standardized), with the
    /// plan's warnings; `None` when the block has none.
    fn dataset_of(
        &self,
        mut table: TextTable,
        part: Part,
    ) -> Result<Option<(Dataset, Vec<Warning>)>> {
        self.drop_missing_targets(&mut table);
        let parts: Vec<Part> = table.lines.iter().map(|&l| self.splitter.part(l)).collect();
        table.retain_rows(|r| parts[r] == part);
        if table.n_rows() == 0 {
            return Ok(None);
        }
        let (x, warnings) = self.plan.apply(&table, false)?;
        let names = self.plan.encoded_names();
        let target = self.file.target.to_string();
        let set = if self.file.regression {
            let values = (0..table.n_rows())
                .map(|r| self.target_value(&table, r, self.target_text(&table, r)?))
                .collect::<Result<Vec<f64>>>()?;
            Dataset::regression(names, target, x, values)?
        } else {
            let labels = (0..table.n_rows())
                .map(|r| {
                    let v = self.target_text(&table, r)?;
                    self.classes.iter().position(|c| c == v).ok_or_else(|| {
                        Error::Data {
                            path: table.path.clone(),
                            line: table.lines[r],
                            message: format!(
                                "class `{}` was not in the file's first pass (did the file change while it was read?)",
                                shown_value(v)
                            ),
                        }
                    })
                })
                .collect::<Result<Vec<usize>>>()?;
            Dataset::new(names, target, x, labels, self.classes.clone())?
        };
        Ok(Some((set, warnings)))
    }

    /// Calls `f` with each block's rows of `part`, encoded, in file order.
    fn for_each_dataset(
        &self,
        part: Part,
        mut f: impl FnMut(Dataset, Vec<Warning>) -> Result<()>,
    ) -> Result<()> {
        let mut blocks = self.blocks()?;
        while let Some(table) = blocks.next_block(self.block_rows)? {
            if let Some((set, w)) = self.dataset_of(table, part)? {
                f(set, w)?;
            }
        }
        Ok(())
    }

    /// Calls `f` with each block's rows of `part`, standardized as the network sees them.
    fn for_each_block(
        &self,
        part: Part,
        mut f: impl FnMut(&Standardized) -> Result<()>,
    ) -> Result<()> {
        let scalers = self
            .scalers
            .as_ref()
            .ok_or_else(|| Error::Internal("no standardizer yet".into()))?;
        self.for_each_dataset(part, |set, _| f(&scalers.standardize(set)?))
    }

    /// The mean cost J of `network` over the rows of `part` (Σ of each block's J·n over n).
    fn mean_cost<E: Engine>(
        &self,
        engine: &mut E,
        network: &Network,
        part: Part,
        rows: usize,
    ) -> Result<f64> {
        let mut sum = 0.0;
        self.for_each_block(part, |b| {
            sum += engine.cost(network, b.x(), b.y(), None) * b.n_samples() as f64;
            Ok(())
        })?;
        Ok(sum / rows.max(1) as f64)
    }
}

/// The training rows of a stream, for the one training loop: every epoch reads the file.
struct FileRows<'d, 'a> {
    data: &'d StreamData<'a>,
    rows: RowCounts,
}

impl TrainingRows for FileRows<'_, '_> {
    fn rows(&self) -> usize {
        self.rows.train
    }

    fn ordered_at_once(&self) -> usize {
        0
    }

    fn has_validation(&self) -> bool {
        self.rows.validation > 0
    }

    fn train_epoch<E: Engine>(
        &mut self,
        engine: &mut E,
        network: &mut Network,
        mut step: EpochStep<'_>,
    ) -> Result<f64> {
        let m = self.rows.train;
        let mut sum = 0.0;
        self.data.for_each_block(Part::Train, |b| {
            let samples = Samples::new(b.x(), b.y());
            sum += step.block(engine, network, samples, m) * b.n_samples() as f64;
            Ok(())
        })?;
        Ok(sum / m as f64)
    }

    fn validation_cost<E: Engine>(
        &mut self,
        engine: &mut E,
        network: &Network,
        l2: f64,
    ) -> Result<f64> {
        let j = self
            .data
            .mean_cost(engine, network, Part::Validation, self.rows.validation)?;
        Ok(j + l2_penalty(network, l2, self.rows.train))
    }

    fn validation_score(&mut self, _cfg: &TrainConfig, _network: &Network) -> Result<f64> {
        Err(Error::Internal(
            "a streamed training watches the loss (check_supported refuses the score)".into(),
        ))
    }

    fn training_cost<E: Engine>(
        &mut self,
        engine: &mut E,
        network: &Network,
        l2: f64,
    ) -> Result<f64> {
        let j = self
            .data
            .mean_cost(engine, network, Part::Train, self.rows.train)?;
        Ok(j + l2_penalty(network, l2, self.rows.train))
    }
}

/// Settings a streamed training does not take, refused by name before the file is read.
fn check_supported(exp: &Experiment, settings: &PrepSettings) -> Result<()> {
    let refuse = |setting, why: &str| Err(Error::config(setting, format!("{why} when streaming")));
    if exp.init_from.is_some() {
        return refuse("init_from", "cannot continue a model");
    }
    if exp.class_weight != ClassWeight::None {
        return refuse("class_weight", "is not available");
    }
    if settings.sample_weight.is_some() {
        return refuse("sample_weight", "is not available");
    }
    if settings.drop_missing {
        return refuse(
            "drop_missing",
            "is not available (missing values are imputed)",
        );
    }
    if exp.group.as_ref().is_some_and(|g| g.size() > 1) {
        return refuse(
            "distributed",
            "training (a group of processes, each reading the whole file) is not available",
        );
    }
    if exp.config.monitor == Monitor::Score {
        return refuse(
            "monitor",
            "score is not available (early stopping watches the loss)",
        );
    }
    if exp.config.batch_size.is_none() {
        return refuse(
            "batch_size",
            "must be a number of rows: full-batch training needs every row at once, not",
        );
    }
    Ok(())
}

/// Trains `exp`'s network on `file` read in blocks (see the module docs); `on_epoch` as for
/// [`Experiment::run`]. The experiment's test and validation shares are the shares of the
/// rows hashed into each part; `stratify` does not apply (the hash ignores the classes).
pub fn train_stream(
    exp: &Experiment,
    file: &TrainingFile<'_>,
    settings: &PrepSettings,
    stream: StreamSettings,
    mut on_epoch: impl FnMut(EpochInfo<'_>) -> ControlFlow<()>,
) -> Result<StreamOutcome> {
    exp.validate()?;
    check_supported(exp, settings)?;
    let mut data = StreamData {
        file,
        input: &file.input,
        splitter: Splitter::new(exp.config.seed, exp.test_split, exp.validation),
        block_rows: stream.block_rows.max(1),
        na_values: settings.na_values.clone(),
        seed: exp.config.seed,
        plan: Plan {
            na_values: Vec::new(),
            columns: Vec::new(),
        },
        classes: Vec::new(),
        scalers: None,
    };
    let pass = stats::plan_pass(&data, settings)?;
    let task = match (file.regression, pass.classes.len()) {
        (true, _) => Task::Regression,
        (false, 2) => Task::Binary,
        (false, _) => Task::Multiclass,
    };
    if exp.threshold.is_some() && task != Task::Binary {
        return Err(Error::config(
            "threshold",
            format!("applies to two-class targets; this target is {task}"),
        ));
    }
    data.plan = pass.plan;
    data.classes = pass.classes;
    check_features(&data)?;
    let (features, target, w) =
        stats::standardizer_pass(&data, pass.feature_scale, pass.target_scale)?;
    let mut warnings = pass.warnings;
    if pass.rows.missing_target > 0 {
        warnings.push(Warning::MissingTarget {
            column: file.target.to_string(),
            rows: pass.rows.missing_target,
        });
    }
    warnings.extend(w);
    data.scalers = Some(Scalers { features, target });
    let config = TrainConfig {
        output_activation: task.output_activation(),
        ..exp.config.clone()
    };
    let network = init_network(&config, &data, task)?;
    let rows = FileRows {
        data: &data,
        rows: pass.rows,
    };
    let fitted = config.fit_rows(network, rows, |info| {
        if exp.cancelled() {
            return ControlFlow::Break(());
        }
        on_epoch(info)
    })?;
    let interrupted_at = exp
        .cancelled()
        .then(|| fitted.stopped_at.unwrap_or(fitted.history.len() - 1));
    let model = model_of(
        exp,
        &config,
        &data,
        &fitted,
        pass.had_missing,
        interrupted_at,
    )?;
    let test = (pass.rows.test > 0 && interrupted_at.is_none())
        .then(|| test_score(&data, &model, pass.rows.test))
        .transpose()?;
    Ok(StreamOutcome {
        model,
        history: fitted.history,
        validation_history: fitted.validation_history,
        rows: pass.rows,
        test,
        warnings,
        interrupted_at,
        blocks: pass.blocks.0,
        one_class_blocks: pass.blocks.1,
    })
}

/// At least one encoded feature, as the in-memory reader requires.
fn check_features(data: &StreamData<'_>) -> Result<()> {
    if data.plan.encoded_names().is_empty() {
        let names: Vec<&str> = data.plan.columns.iter().map(Column::name).collect();
        return Err(Error::DataFile {
            path: data.input.name().to_path_buf(),
            message: format!(
                "no feature columns are left after ignoring ID-like and empty columns (columns: {})",
                names.join(", ")
            ),
        });
    }
    Ok(())
}

/// The fresh network for the plan's features and the task's outputs (the memory check counts
/// one block, the most rows a training step sees at once).
fn init_network(config: &TrainConfig, data: &StreamData<'_>, task: Task) -> Result<Network> {
    let d = data.plan.encoded_names().len();
    let n_y = match task {
        Task::Multiclass => data.classes.len(),
        _ => 1,
    };
    let x = Array2::zeros((d, 1));
    let y = Array2::zeros((n_y, 1));
    config.init_network(x.view(), y.view())
}

/// The trained network as a model file: the plan kept unless it only reads numbers (every
/// column numeric, none missing: the in-memory rule of [`crate::prep::Prepared::plan_if_needed`]).
fn model_of(
    exp: &Experiment,
    config: &TrainConfig,
    data: &StreamData<'_>,
    fitted: &Fitted,
    had_missing: bool,
    interrupted_at: Option<usize>,
) -> Result<Model> {
    let scalers = data
        .scalers
        .clone()
        .ok_or_else(|| Error::Internal("no standardizer".into()))?;
    let mut model = Model::trained_on(
        data.plan.encoded_names(),
        data.file.target.to_string(),
        data.classes.clone(),
        scalers,
        fitted.clone(),
        config,
    );
    let plain = data
        .plan
        .columns
        .iter()
        .all(|c| matches!(c, Column::Numeric { .. }))
        && !had_missing;
    model.prep = (!plain).then(|| data.plan.clone());
    model.threshold = exp.threshold;
    model.training.interrupted_at = interrupted_at;
    Ok(model)
}

/// The test rows' mean loss and accuracy (classes at the model's threshold) or RMSE.
fn test_score(data: &StreamData<'_>, model: &Model, rows: usize) -> Result<TestScore> {
    let (mut loss, mut right, mut sse) = (0.0, 0usize, 0.0);
    let threshold = model.decision_threshold();
    data.for_each_block(Part::Test, |b| {
        let (out, j) = model.engine.output_and_cost(&model.network, b.x(), b.y())?;
        loss += j * b.n_samples() as f64;
        match b.target() {
            crate::data::Target::Classes { labels, .. } => {
                let predicted = classes_at(&out, threshold);
                right += predicted.iter().zip(labels).filter(|(p, t)| p == t).count();
            }
            crate::data::Target::Values(values) => {
                let t = model
                    .target_standardizer
                    .as_ref()
                    .ok_or_else(|| Error::Internal("no target standardizer".into()))?;
                let predicted = t.inverse(out.view());
                sse += predicted
                    .iter()
                    .zip(values)
                    .map(|(p, v)| (p - v) * (p - v))
                    .sum::<f64>();
            }
        }
        Ok(())
    })?;
    let n = rows as f64;
    let regression = model.task() == Task::Regression;
    Ok(TestScore {
        rows,
        loss: loss / n,
        accuracy: (!regression).then(|| right as f64 / n),
        rmse: regression.then(|| (sse / n).sqrt()),
    })
}

/// Adds a block's warnings to those of the blocks before: the rows of the same kind of
/// warning about the same column summed (the first value kept), other warnings once.
pub fn merge_warnings(all: &mut Vec<Warning>, block: Vec<Warning>) {
    for w in block {
        let same = all.iter_mut().find_map(|old| match (old, &w) {
            (
                Warning::TextAsMissing { column, rows, .. },
                Warning::TextAsMissing {
                    column: c, rows: n, ..
                },
            )
            | (
                Warning::UnseenCategory { column, rows, .. },
                Warning::UnseenCategory {
                    column: c, rows: n, ..
                },
            ) if column == c => {
                *rows += n;
                Some(())
            }
            (old, w) if *old == *w => Some(()),
            _ => None,
        });
        if same.is_none() {
            all.push(w);
        }
    }
}
