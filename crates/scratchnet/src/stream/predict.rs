//! Prediction in blocks: read B rows → the model's output → hand them on, so that any input
//! size takes the memory of one block. The numbers are those of [`Model::predict_proba`] on the
//! whole file (each sample's output depends on that sample alone; tested bit for bit).

use ndarray::Array2;

use super::{Blocks, merge_warnings};
use crate::data::CsvInput;
use crate::data::csv::{CsvSpec, TextTable};
use crate::model_file::Model;
use crate::prep::Warning;
use crate::{Error, Result};

/// One block's predictions.
#[derive(Debug)]
pub struct PredictedBlock<'b> {
    /// The model's output for the block's samples, one column per sample (as
    /// [`Model::predict_proba`]).
    pub out: Array2<f64>,
    /// The block's rows of the columns copied through (`--keep`), when asked for.
    pub kept: Option<&'b TextTable>,
    /// The 1-based file line of each sample.
    pub lines: &'b [u64],
}

/// The model's reader of `input`: its plan's columns as text, or its features as numbers.
fn model_blocks<'a>(model: &Model, input: &'a CsvInput) -> Result<Blocks<'a>> {
    let (columns, note) = model.input_columns();
    let spec = CsvSpec {
        target: None,
        features: Some(&columns),
    };
    match model.prep {
        Some(_) => Blocks::open(input, &spec, Some(&note), "feature column"),
        None => Blocks::open_numbers(input, &spec, Some(&note), "feature column"),
    }
}

/// Predicts `input` a block of `block_rows` rows at a time, calling `each` with every block's
/// output in file order; `keep` (a reader of the same input, opened by the caller so that its
/// errors can be told apart) gives each block's copied-through columns. An unseen category is
/// all zeros with a warning, or with `strict` an error naming its line. Returns the plan's
/// warnings over the whole input.
pub fn predict_blocks(
    model: &Model,
    input: &CsvInput,
    mut keep: Option<Blocks<'_>>,
    strict: bool,
    block_rows: usize,
    mut each: impl FnMut(PredictedBlock<'_>) -> Result<()>,
) -> Result<Vec<Warning>> {
    let mut blocks = model_blocks(model, input)?;
    let mut warnings = Vec::new();
    let mut any = false;
    loop {
        let (x, lines) = match &model.prep {
            Some(plan) => match blocks.next_block(block_rows)? {
                None => break,
                Some(table) => {
                    let (x, w) = plan.apply(&table, strict)?;
                    merge_warnings(&mut warnings, w);
                    (x, table.lines)
                }
            },
            None => match blocks.next_numbers(block_rows)? {
                None => break,
                Some(raw) => (raw.x, raw.lines),
            },
        };
        any = true;
        let kept = keep
            .as_mut()
            .map(|k| k.next_block(block_rows))
            .transpose()?
            .flatten();
        if keep.is_some() && kept.as_ref().map(|k| &k.lines) != Some(&lines) {
            let why = "the --keep columns and the model's columns were read from different rows";
            return Err(Error::Internal(why.into()));
        }
        let out = model.predict_proba(x.view())?;
        each(PredictedBlock {
            out,
            kept: kept.as_ref(),
            lines: &lines,
        })?;
    }
    if !any {
        return Err(Error::DataFile {
            path: input.name().to_path_buf(),
            message: "no data rows after the header".into(),
        });
    }
    Ok(warnings)
}
