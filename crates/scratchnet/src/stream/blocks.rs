//! Where a stream's blocks of rows come from: a CSV input (plain or gzip, through
//! [`TextBlocks`] and its line counting) or, with the `parquet` feature, a Parquet file (a
//! `.parquet` name). Both give [`TextTable`]s of the same cells, so the column rules are the
//! same: numbers, text categories, and missing values (a Parquet null is an empty cell).

use std::path::Path;

use crate::data::CsvInput;
use crate::data::csv::{CsvSpec, RawTable, TextBlocks, TextTable};
#[cfg(feature = "parquet")]
use crate::data::csv::{parse_feature, shown_value};
use crate::{Error, Result};

/// True for an input read as Parquet: a file whose name ends in `.parquet`.
pub fn is_parquet(input: &CsvInput) -> bool {
    is_parquet_name(input.name())
}

fn is_parquet_name(name: &Path) -> bool {
    name.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// A reader of blocks of rows (see the module docs).
pub struct Blocks<'a> {
    source: Source<'a>,
}

enum Source<'a> {
    Csv(TextBlocks<'a>),
    #[cfg(feature = "parquet")]
    Parquet(super::parquet::ParquetBlocks),
}

impl<'a> Blocks<'a> {
    /// Opens `input` for the columns of `spec` (every column but the target without a list);
    /// `features_are` and `note` word a missing column's message as [`TextBlocks::open`].
    pub fn open(
        input: &'a CsvInput,
        spec: &CsvSpec<'_>,
        note: Option<&str>,
        features_are: &str,
    ) -> Result<Self> {
        Self::open_as(input, spec, note, features_are, true)
    }

    /// [`Blocks::open`] for [`Blocks::next_numbers`].
    pub fn open_numbers(
        input: &'a CsvInput,
        spec: &CsvSpec<'_>,
        note: Option<&str>,
        features_are: &str,
    ) -> Result<Self> {
        Self::open_as(input, spec, note, features_are, false)
    }

    fn open_as(
        input: &'a CsvInput,
        spec: &CsvSpec<'_>,
        note: Option<&str>,
        features_are: &str,
        text: bool,
    ) -> Result<Self> {
        let source = if is_parquet(input) {
            parquet_source(input, spec, note, features_are)?
        } else if text {
            Source::Csv(TextBlocks::open(input, spec, note, features_are)?)
        } else {
            Source::Csv(TextBlocks::open_numbers(input, spec, note, features_are)?)
        };
        Ok(Blocks { source })
    }

    /// The feature columns' names.
    pub fn feature_names(&self) -> Vec<String> {
        match &self.source {
            Source::Csv(b) => b.feature_names(),
            #[cfg(feature = "parquet")]
            Source::Parquet(b) => b.feature_names(),
        }
    }

    /// The next at most `rows` rows as text; `None` after the last.
    pub fn next_block(&mut self, rows: usize) -> Result<Option<TextTable>> {
        match &mut self.source {
            Source::Csv(b) => b.next_block(rows),
            #[cfg(feature = "parquet")]
            Source::Parquet(b) => b.next_block(rows),
        }
    }

    /// The next at most `rows` rows with the features as finite numbers (a missing or text
    /// value is an error naming its line, or for Parquet its row); `None` after the last.
    pub fn next_numbers(&mut self, rows: usize) -> Result<Option<RawTable>> {
        match &mut self.source {
            Source::Csv(b) => b.next_numbers(rows),
            #[cfg(feature = "parquet")]
            Source::Parquet(b) => b.next_block(rows)?.map(numbers_of).transpose(),
        }
    }
}

/// A text block's features parsed as numbers, each error naming the row and column.
#[cfg(feature = "parquet")]
fn numbers_of(table: TextTable) -> Result<RawTable> {
    let (m, d) = (table.n_rows(), table.feature_names.len());
    let mut values = Vec::with_capacity(m * d);
    for row in 0..m {
        for col in 0..d {
            let v = parse_feature(table.cell(row, col)).map_err(|why| Error::Data {
                path: table.path.clone(),
                line: table.lines[row],
                message: format!("column `{}`: {why}", shown_value(&table.feature_names[col])),
            })?;
            values.push(v);
        }
    }
    let x = ndarray::Array2::from_shape_vec((m, d), values)
        .map_err(|e| Error::Internal(e.to_string()))?
        .reversed_axes();
    Ok(RawTable {
        path: table.path,
        feature_names: table.feature_names,
        x,
        target: table.target,
        lines: table.lines,
    })
}

#[cfg(feature = "parquet")]
fn parquet_source<'a>(
    input: &'a CsvInput,
    spec: &CsvSpec<'_>,
    note: Option<&str>,
    features_are: &str,
) -> Result<Source<'a>> {
    let path = input.path().ok_or_else(|| Error::DataFile {
        path: input.name().to_path_buf(),
        message: "Parquet is read from a file, not standard input".into(),
    })?;
    Ok(Source::Parquet(super::parquet::ParquetBlocks::open(
        path,
        spec,
        note,
        features_are,
    )?))
}

#[cfg(not(feature = "parquet"))]
fn parquet_source<'a>(
    input: &'a CsvInput,
    _spec: &CsvSpec<'_>,
    _note: Option<&str>,
    _features_are: &str,
) -> Result<Source<'a>> {
    Err(Error::DataFile {
        path: input.name().to_path_buf(),
        message: "reading Parquet needs scratchnet built with the `parquet` feature (cargo build --release --features parquet)".into(),
    })
}
