//! Parquet files read a block of rows at a time (the `parquet` feature): the row API of the
//! `parquet` crate (no Arrow), each value turned into the text a CSV cell would hold, so that
//! the column rules are the CSV ones. Numbers are written as Rust's shortest text that reads
//! back as the same f64 (an f32 through f64, exactly); text is trimmed; a null is an empty
//! cell (missing); booleans are the categories `true` and `false`; dates and times their
//! text. Nested columns (groups, lists, maps) are refused by name.
//!
//! A table's "line" is the 1-based row of the file (`data.parquet:17:` is row 17); an error
//! of the file itself names the row group.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::reader::RowIter;
use parquet::record::{Field, Row};

use crate::data::csv::{CsvSpec, TargetColumn, TextTable, shown_value};
use crate::{Error, Result};

/// A Parquet file's rows, in blocks (see the module docs).
pub(crate) struct ParquetBlocks {
    path: PathBuf,
    rows: RowIter<'static>,
    names: Vec<String>,
    features: Vec<usize>,
    target: Option<usize>,
    /// The first row of each row group, and the total rows, for messages.
    group_starts: Vec<u64>,
    /// Rows handed out so far.
    done: u64,
}

fn file_error(path: &Path, message: String) -> Error {
    Error::DataFile {
        path: path.to_path_buf(),
        message,
    }
}

impl ParquetBlocks {
    /// Opens `path` and finds the columns of `spec` by name, as the CSV reader does.
    pub(crate) fn open(
        path: &Path,
        spec: &CsvSpec<'_>,
        note: Option<&str>,
        features_are: &str,
    ) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let reader = SerializedFileReader::new(file)
            .map_err(|e| file_error(path, format!("not a readable Parquet file: {e}")))?;
        let meta = reader.metadata();
        let names: Vec<String> = meta
            .file_metadata()
            .schema_descr()
            .root_schema()
            .get_fields()
            .iter()
            .map(|f| f.name().to_string())
            .collect();
        let mut group_starts = vec![0u64];
        for g in 0..meta.num_row_groups() {
            let last = group_starts[g];
            group_starts.push(last + meta.row_group(g).num_rows().max(0) as u64);
        }
        let (features, target) = select(path, &names, spec, note, features_are)?;
        Ok(ParquetBlocks {
            path: path.to_path_buf(),
            rows: RowIter::from_file_into(Box::new(reader)),
            names,
            features,
            target,
            group_starts,
            done: 0,
        })
    }

    pub(crate) fn feature_names(&self) -> Vec<String> {
        self.features
            .iter()
            .map(|&i| self.names[i].clone())
            .collect()
    }

    /// The row group that holds row `row` (0-based), for a message.
    fn group_of(&self, row: u64) -> String {
        let g = self
            .group_starts
            .partition_point(|&s| s <= row)
            .saturating_sub(1);
        let (first, end) = (
            self.group_starts[g] + 1,
            self.group_starts.get(g + 1).copied(),
        );
        match end {
            Some(end) => format!("row group {} (rows {first}–{end})", g + 1),
            None => format!("row group {}", g + 1),
        }
    }

    /// The next at most `rows` rows as text cells; `None` after the last.
    pub(crate) fn next_block(&mut self, rows: usize) -> Result<Option<TextTable>> {
        let mut cells = Vec::new();
        let mut lines = Vec::new();
        let mut codes = Vec::new();
        let mut distinct: Vec<String> = Vec::new();
        let mut index: HashMap<String, u32> = HashMap::new();
        while lines.len() < rows.max(1) {
            let row = match self.rows.next() {
                None => break,
                Some(Ok(row)) => row,
                Some(Err(e)) => {
                    let at = self.group_of(self.done);
                    return Err(file_error(&self.path, format!("{at}: {e}")));
                }
            };
            self.done += 1;
            let fields: Vec<&Field> = row_fields(&row);
            if fields.len() != self.names.len() {
                return Err(self.row_error(format!(
                    "expected {} fields, found {}",
                    self.names.len(),
                    fields.len()
                )));
            }
            for &i in &self.features {
                cells.push(self.cell(fields[i], i)?);
            }
            if let Some(t) = self.target {
                let v = self.cell(fields[t], t)?;
                let next = distinct.len() as u32;
                let code = *index.entry(v.clone()).or_insert_with(|| {
                    distinct.push(v);
                    next
                });
                codes.push(code);
            }
            lines.push(self.done);
        }
        if lines.is_empty() {
            return Ok(None);
        }
        Ok(Some(TextTable {
            path: self.path.clone(),
            feature_names: self.feature_names(),
            cells,
            target: self.target.map(|t| TargetColumn {
                name: self.names[t].clone(),
                codes,
                distinct,
            }),
            lines,
        }))
    }

    /// An error about the row just read.
    fn row_error(&self, message: String) -> Error {
        Error::Data {
            path: self.path.clone(),
            line: self.done,
            message,
        }
    }

    /// A value as the text a CSV cell would hold (see the module docs).
    fn cell(&self, field: &Field, column: usize) -> Result<String> {
        Ok(match field {
            Field::Null => String::new(),
            Field::Float(v) => f64::from(*v).to_string(),
            Field::Double(v) => v.to_string(),
            Field::Float16(v) => f64::from(*v).to_string(),
            Field::Str(s) => s.trim().to_string(),
            Field::Group(_) | Field::ListInternal(_) | Field::MapInternal(_) => {
                return Err(self.row_error(format!(
                    "column `{}` is nested (a group, list or map); only flat columns can be read",
                    shown_value(&self.names[column])
                )));
            }
            other => other.to_string().trim_matches('"').to_string(),
        })
    }
}

fn row_fields(row: &Row) -> Vec<&Field> {
    row.get_column_iter().map(|(_, f)| f).collect()
}

/// The indices of the features and the target of `spec` among `names`; a missing one is the
/// CSV reader's message.
fn select(
    path: &Path,
    names: &[String],
    spec: &CsvSpec<'_>,
    note: Option<&str>,
    features_are: &str,
) -> Result<(Vec<usize>, Option<usize>)> {
    let list = names
        .iter()
        .map(|n| shown_value(n))
        .collect::<Vec<_>>()
        .join(", ");
    let find = |name: &str, what: &str| {
        names.iter().position(|n| n == name).ok_or_else(|| {
            let message = format!("no {what} `{}`; the columns are: {list}", shown_value(name));
            file_error(
                path,
                match note {
                    Some(note) => format!("{message} ({note})"),
                    None => message,
                },
            )
        })
    };
    let target = spec.target.map(|t| find(t, "target column")).transpose()?;
    let features: Vec<usize> = match spec.features {
        Some(fs) => {
            crate::data::csv::check_listed_once_as("features", fs)?;
            fs.iter()
                .map(|f| find(f, features_are))
                .collect::<Result<_>>()?
        }
        None => (0..names.len()).filter(|&i| Some(i) != target).collect(),
    };
    if features.is_empty() {
        return Err(file_error(
            path,
            format!("no feature columns besides the target; the columns are: {list}"),
        ));
    }
    Ok((features, target))
}
