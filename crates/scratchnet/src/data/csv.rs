//! CSV reading and writing.
//!
//! Every reader takes a [`CsvInput`] (a file, plain or gzip, standard input or bytes, with
//! its delimiter; see [`crate::data::input`]) or a path, which becomes one.
//! The first line is a header of column names. Feature columns must hold finite numbers;
//! the target column may hold any two distinct values (`0`/`1`, `M`/`B`, `yes`/`no`).
//! Every problem is reported with the file, the 1-based line and the column:
//! `data.csv:17: column "x2": "abc" is not a number`.

use std::path::{Path, PathBuf};

use ndarray::Array2;

use super::input::CorruptGzip;
use super::{CsvInput, Dataset, Target};
use crate::{Error, Result};

/// Which columns to read.
#[derive(Debug, Clone, Default)]
pub struct CsvSpec<'a> {
    /// The target column; `None` reads features only (for prediction).
    pub target: Option<&'a str>,
    /// The feature columns; `None` means every column except the target.
    pub features: Option<&'a [String]>,
}

/// Numeric features and the raw target strings read from a CSV file.
#[derive(Debug, Clone)]
pub struct RawTable {
    /// The file read.
    pub path: PathBuf,
    /// Names of the feature columns, in the order of X's rows.
    pub feature_names: Vec<String>,
    /// X, (d × m).
    pub x: Array2<f64>,
    /// The target column, when one was asked for.
    pub target: Option<TargetColumn>,
    /// The 1-based file line of each sample (for error messages about later checks).
    pub lines: Vec<u64>,
}

/// A target column as read: each row's value as a code into the distinct values (interned, so
/// two million rows of `0`/`1` take 8 MB, not 100).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetColumn {
    /// The column's name.
    pub name: String,
    /// Per row, an index into `distinct`.
    pub codes: Vec<u32>,
    /// The distinct values (trimmed), in order of first appearance.
    pub distinct: Vec<String>,
}

impl TargetColumn {
    /// Maps every row through a per-distinct-value conversion; the first failing row's error
    /// names its line.
    fn map_rows<T: Clone>(
        &self,
        table: &RawTable,
        convert: impl Fn(&str) -> std::result::Result<T, String>,
    ) -> Result<Vec<T>> {
        let converted: Vec<std::result::Result<T, String>> =
            self.distinct.iter().map(|v| convert(v)).collect();
        let mut out = Vec::new();
        out.try_reserve_exact(self.codes.len())
            .map_err(|_| out_of_memory(&table.path, self.codes.len()))?;
        for (&code, &line) in self.codes.iter().zip(&table.lines) {
            match &converted[code as usize] {
                Ok(v) => out.push(v.clone()),
                Err(why) => {
                    return Err(data_err(
                        &table.path,
                        line,
                        format!("column `{}`: {why}", shown_value(&self.name)),
                    ));
                }
            }
        }
        Ok(out)
    }
}

fn out_of_memory(path: &Path, rows: usize) -> Error {
    file_err(
        path,
        format!(
            "not enough memory to hold the data ({rows} rows); free memory or use fewer rows or columns"
        ),
    )
}

/// The numeric values of a regression target; a non-number names its line.
pub fn regression_values(table: &RawTable) -> Result<Vec<f64>> {
    let Some(t) = &table.target else {
        return Err(Error::Internal(
            "regression_values called without a target column".into(),
        ));
    };
    t.map_rows(table, |v| {
        parse_feature(v).map_err(|why| format!("{why} (a regression target must be numeric)"))
    })
}

fn data_err(path: &Path, line: u64, message: String) -> Error {
    Error::Data {
        path: path.to_path_buf(),
        line,
        message,
    }
}

fn file_err(path: &Path, message: String) -> Error {
    Error::DataFile {
        path: path.to_path_buf(),
        message,
    }
}

fn from_csv_error<R: std::io::Read>(path: &Path, reader: &Reader<R>, e: ::csv::Error) -> Error {
    let line = e.position().map(|p| reader.get_ref().line_of(p.byte()));
    match e.into_kind() {
        ::csv::ErrorKind::Io(io) => {
            match io.get_ref().and_then(|e| e.downcast_ref::<CorruptGzip>()) {
                Some(gz) => file_err(
                    path,
                    format!("{gz}; is the file gzip-compressed and whole?"),
                ),
                None => Error::io(path, io),
            }
        }
        ::csv::ErrorKind::Utf8 { err, .. } => match line {
            Some(l) => data_err(
                path,
                l,
                format!("not valid UTF-8 text (field {})", err.field() + 1),
            ),
            None => file_err(path, "not valid UTF-8 text".into()),
        },
        other => match line {
            Some(l) => data_err(path, l, format!("malformed CSV: {other:?}")),
            None => file_err(path, format!("malformed CSV: {other:?}")),
        },
    }
}

/// A value as an error message shows it: [`crate::quoted`] (control and invisible characters
/// escaped, at most [`crate::MAX_QUOTED`] characters).
pub fn shown_value(text: &str) -> String {
    crate::quoted(text)
}

/// Parses one feature value: a finite number, or a one-line reason why not.
pub fn parse_feature(text: &str) -> std::result::Result<f64, String> {
    if text.is_empty() {
        return Err("empty value (missing number)".into());
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(format!(
            "`{}` is not a finite number (NaN and infinity are not allowed)",
            shown_value(text)
        )),
        Err(_) => Err(format!("`{}` is not a number", shown_value(text))),
    }
}

/// Reads the columns named by `spec` from a CSV input (a path, or a [`CsvInput`]).
pub fn read_csv(input: impl Into<CsvInput>, spec: &CsvSpec<'_>) -> Result<RawTable> {
    read_csv_input(&input.into(), spec, None)
}

/// Reads CSV text from `input`; `path` only names it in messages (fuzzing and tests use this
/// without a file).
pub fn read_csv_from(
    path: &Path,
    input: impl std::io::Read,
    spec: &CsvSpec<'_>,
) -> Result<RawTable> {
    read_csv_sized(path, csv_reader(input, b','), spec, None, None)
}

/// [`read_csv`]; for a model's columns, `note` (e.g. "the model was trained on features x1,
/// x2 and target `y`") is appended in parentheses to the messages about a missing column.
pub(crate) fn read_csv_input(
    input: &CsvInput,
    spec: &CsvSpec<'_>,
    note: Option<&str>,
) -> Result<RawTable> {
    let reader = csv_reader(input.open()?, input.delimiter().byte());
    read_csv_sized(input.name(), reader, spec, input.size_hint(), note)
}

/// The CSV parser over `input`: a header line, `delimiter` between fields, spaces around a
/// field trimmed, rows of any length (checked by the readers against the header, with the
/// line).
fn csv_reader<R: std::io::Read>(input: R, delimiter: u8) -> Reader<R> {
    ::csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(::csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(LineCounter::new(input))
}

/// The CSV parser over an input whose line breaks are counted.
type Reader<R> = ::csv::Reader<LineCounter<R>>;

/// The bytes of an input passed through unchanged, with the line breaks in them noted: `\n`,
/// `\r\n` and a lone `\r` are one break each. The csv crate counts `\n` only, from where a
/// record's reading began (a skipped blank line or the `\n` of a `\r\n` before it), so its
/// line numbers are one too low in CRLF files, 1 throughout CR-only ones, and behind after a
/// blank line; [`LineCounter::line_of`] gives the line of a record's first character.
pub(crate) struct LineCounter<R> {
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// The last byte read was a `\r` (its break may go on with a `\n`).
    after_cr: bool,
    /// The breaks not yet passed, as (first byte, byte after), in order.
    breaks: std::cell::RefCell<std::collections::VecDeque<(u64, u64)>>,
    /// Breaks passed by the records asked about so far.
    passed: std::cell::Cell<u64>,
}

impl<R> LineCounter<R> {
    fn new(inner: R) -> Self {
        LineCounter {
            inner,
            offset: 0,
            after_cr: false,
            breaks: Default::default(),
            passed: std::cell::Cell::new(0),
        }
    }

    /// The 1-based line of the first character of the record whose reading began at byte
    /// `start` (the breaks before it, and those right at it: blank lines, a `\r\n`'s `\n`).
    /// Asked in order of `start`, as records are read.
    fn line_of(&self, start: u64) -> u64 {
        let mut breaks = self.breaks.borrow_mut();
        let mut at = start;
        while let Some(&(first, after)) = breaks.front() {
            if first > at {
                break;
            }
            at = at.max(after);
            breaks.pop_front();
            self.passed.set(self.passed.get() + 1);
        }
        self.passed.get() + 1
    }
}

impl<R: std::io::Read> std::io::Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let breaks = self.breaks.get_mut();
        for (i, &b) in buf[..n].iter().enumerate() {
            let at = self.offset + i as u64;
            match b {
                b'\n' if self.after_cr => {
                    if let Some(last) = breaks.back_mut() {
                        last.1 = at + 1;
                    }
                }
                b'\n' | b'\r' => breaks.push_back((at, at + 1)),
                _ => {}
            }
            self.after_cr = b == b'\r';
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Reads the table with the input's size in bytes, when known, to size the buffers from the
/// bytes per row seen so far (one allocation of about the right size instead of doublings),
/// and an optional `note` for the missing-column messages (see [`read_csv_input`]).
fn read_csv_sized<R: std::io::Read>(
    path: &Path,
    mut reader: Reader<R>,
    spec: &CsvSpec<'_>,
    size_hint: Option<usize>,
    note: Option<&str>,
) -> Result<RawTable> {
    let names = read_header(path, &mut reader)?;
    let columns = select_columns(path, names, spec, note, "feature column")?;
    let rows = read_rows(path, &mut reader, &columns, size_hint)?;
    into_table(path, &columns, rows)
}

/// The name the text reader gives an unnamed first column (R's `write.csv` writes row names
/// under an empty header).
pub const UNNAMED: &str = "(unnamed)";

/// The header line's column names: not empty, none blank, none twice.
fn read_header<R: std::io::Read>(path: &Path, reader: &mut Reader<R>) -> Result<Vec<String>> {
    read_header_allowing(path, reader, false)
}

/// [`read_header`]; with `unnamed_first`, the first name may be empty.
fn read_header_allowing<R: std::io::Read>(
    path: &Path,
    reader: &mut Reader<R>,
    unnamed_first: bool,
) -> Result<Vec<String>> {
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(from_csv_error(path, reader, e)),
    };
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(file_err(
            path,
            "the file is empty; expected a header line such as `x1,x2,y`".into(),
        ));
    }
    let names: Vec<String> = headers.iter().map(str::to_string).collect();
    let skip = usize::from(unnamed_first && names[0].is_empty());
    check_header(path, &names[skip..], skip)?;
    Ok(names)
}

/// The column names in the header of `input` (an unnamed first column as [`UNNAMED`]), read
/// before the rows for checks that need every column's name. `input` must be rereadable
/// ([`CsvInput::rereadable`]) when it is read again afterwards.
pub(crate) fn header_names(input: &CsvInput) -> Result<Vec<String>> {
    let mut reader = csv_reader(input.open()?, input.delimiter().byte());
    let mut names = read_header_allowing(input.name(), &mut reader, true)?;
    if names[0].is_empty() {
        names[0] = UNNAMED.to_string();
    }
    Ok(names)
}

/// The header and the columns a [`CsvSpec`] picks from it.
struct Columns {
    /// Every column name, in file order.
    names: Vec<String>,
    /// The names joined for messages: `x1, x2, y`.
    list: String,
    /// Indices of the feature columns, in the order of X's rows (d of them).
    features: Vec<usize>,
    /// Index of the target column, when one was asked for.
    target: Option<usize>,
    /// Read the features as text (for the column plan) instead of numbers.
    text: bool,
}

/// Finds the columns `spec` names in the header; a missing one names the columns there are
/// (and `note`, when given). `features_are` names what the features are in that message
/// ("feature column").
fn select_columns(
    path: &Path,
    names: Vec<String>,
    spec: &CsvSpec<'_>,
    note: Option<&str>,
    features_are: &str,
) -> Result<Columns> {
    let list = names
        .iter()
        .map(|n| shown_value(n))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = delimiter_hint(&names);
    let missing = |message: String| match note {
        Some(note) => file_err(path, format!("{message}{hint} ({note})")),
        None => file_err(path, format!("{message}{hint}")),
    };
    let find = |name: &str, what: &str| -> Result<usize> {
        names.iter().position(|n| n == name).ok_or_else(|| {
            missing(format!(
                "no {what} `{}`; the columns are: {list}",
                shown_value(name)
            ))
        })
    };
    let target = spec.target.map(|t| find(t, "target column")).transpose()?;
    let features: Vec<usize> = match spec.features {
        Some(fs) => {
            check_listed_once(fs)?;
            fs.iter()
                .map(|f| find(f, features_are))
                .collect::<Result<_>>()?
        }
        None => (0..names.len()).filter(|&i| Some(i) != target).collect(),
    };
    if features.is_empty() {
        return Err(missing(format!(
            "no feature columns besides the target; the columns are: {list}"
        )));
    }
    if let Some(t) = target
        && features.contains(&t)
    {
        return Err(file_err(
            path,
            format!(
                "column `{}` cannot be both a feature and the target",
                shown_value(&names[t])
            ),
        ));
    }
    Ok(Columns {
        names,
        list,
        features,
        target,
        text: false,
    })
}

/// For a header of one column that holds another delimiter (`x1;x2;y` read with `,`): a
/// question that points at it.
fn delimiter_hint(names: &[String]) -> String {
    let [only] = names else {
        return String::new();
    };
    match [',', ';', '|', '\t']
        .into_iter()
        .find(|&c| only.contains(c))
    {
        Some(c) => format!(
            " (the header is one column: are the fields separated by `{}`?)",
            c.escape_debug()
        ),
        None => String::new(),
    }
}

/// A feature asked for twice is a settings error.
fn check_listed_once(features: &[String]) -> Result<()> {
    check_listed_once_as("features", features)
}

/// A column listed twice in `setting` is a settings error naming it.
pub fn check_listed_once_as(setting: &'static str, names: &[String]) -> Result<()> {
    match names
        .iter()
        .enumerate()
        .find(|(i, f)| names[..*i].contains(f))
    {
        Some((_, dup)) => Err(Error::config(setting, format!("lists `{dup}` twice"))),
        None => Ok(()),
    }
}

/// The data rows read so far: X's values sample by sample (m × d), the target's codes with
/// the distinct values they index, and each sample's file line.
#[derive(Default)]
struct Rows {
    values: Vec<f64>,
    /// Text mode: the feature cells, sample by sample (m × d).
    texts: Vec<String>,
    codes: Vec<u32>,
    distinct: Vec<String>,
    index: std::collections::HashMap<String, u32>,
    lines: Vec<u64>,
    /// Byte offset of the last record read.
    last_byte: u64,
}

impl Rows {
    /// Makes room for more rows once `lines` (one per row, in both modes) is full. With the
    /// input's size known, grows by whole blocks and never lets a doubling Vec hold twice the
    /// data: reserves for the rows `size_hint` expects. Without it (standard input, gzip),
    /// doubles. Fails with a clear error when memory runs out.
    fn reserve(&mut self, path: &Path, d: usize, size_hint: Option<usize>) -> Result<()> {
        if self.lines.len() != self.lines.capacity() {
            return Ok(());
        }
        let done = self.lines.len();
        let rows = match size_hint {
            // rows still to come ≈ bytes left / bytes per row so far, plus 5%
            Some(size) if done > 0 && self.last_byte > 0 => {
                let per_row = (self.last_byte as usize / done).max(1);
                size.saturating_sub(self.last_byte as usize) / per_row * 21 / 20 + 1024
            }
            Some(_) => 1024,
            None => done.max(1024),
        };
        let oom = |_| out_of_memory(path, done);
        self.values.try_reserve_exact(rows * d).map_err(oom)?;
        self.lines.try_reserve_exact(rows).map_err(oom)?;
        self.codes.try_reserve_exact(rows).map_err(oom)
    }

    /// Adds one row's target value, interned: a new value gets the next code.
    fn push_target(
        &mut self,
        path: &Path,
        line: u64,
        name: &str,
        v: &str,
        allow_empty: bool,
    ) -> Result<()> {
        if v.chars().any(char::is_control) {
            return Err(data_err(
                path,
                line,
                format!(
                    "column `{}`: `{}` contains a control character",
                    shown_value(name),
                    shown_value(v)
                ),
            ));
        }
        if v.is_empty() && !allow_empty {
            return Err(data_err(
                path,
                line,
                format!("column `{}`: empty target value", shown_value(name)),
            ));
        }
        let code = match self.index.get(v) {
            Some(&c) => c,
            None => {
                let c = u32::try_from(self.distinct.len())
                    .map_err(|_| out_of_memory(path, self.lines.len()))?;
                self.index.insert(v.to_string(), c);
                self.distinct.push(v.to_string());
                c
            }
        };
        self.codes.push(code);
        Ok(())
    }
}

/// Reads every data row after the header; blank lines are skipped.
fn read_rows<R: std::io::Read>(
    path: &Path,
    reader: &mut Reader<R>,
    columns: &Columns,
    size_hint: Option<usize>,
) -> Result<Rows> {
    read_rows_upto(path, reader, columns, size_hint, usize::MAX)
}

/// [`read_rows`], stopping after `limit` rows (the blocks of [`TextBlocks`]).
fn read_rows_upto<R: std::io::Read>(
    path: &Path,
    reader: &mut Reader<R>,
    columns: &Columns,
    size_hint: Option<usize>,
    limit: usize,
) -> Result<Rows> {
    let mut rows = Rows::default();
    let mut record = ::csv::StringRecord::new();
    while rows.lines.len() < limit {
        let d = if columns.text {
            0
        } else {
            columns.features.len()
        };
        rows.reserve(path, d, size_hint)?;
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(rows),
            Err(e) => return Err(from_csv_error(path, reader, e)),
        }
        let line = record
            .position()
            .map_or(0, |p| reader.get_ref().line_of(p.byte()));
        rows.last_byte = record.position().map_or(rows.last_byte, |p| p.byte());
        if record.len() == 1 && record[0].is_empty() {
            continue; // a blank line
        }
        parse_row(path, line, &record, columns, &mut rows)?;
        rows.lines.push(line);
    }
    Ok(rows)
}

/// Checks one record's field count, then parses its features and its target into `rows`.
fn parse_row(
    path: &Path,
    line: u64,
    record: &::csv::StringRecord,
    columns: &Columns,
    rows: &mut Rows,
) -> Result<()> {
    let names = &columns.names;
    if record.len() != names.len() {
        return Err(data_err(
            path,
            line,
            format!(
                "expected {} fields ({}), found {}",
                names.len(),
                columns.list,
                record.len()
            ),
        ));
    }
    if columns.text {
        rows.texts
            .extend(columns.features.iter().map(|&i| record[i].to_string()));
    }
    for &i in columns.features.iter().filter(|_| !columns.text) {
        let v = parse_feature(&record[i]).map_err(|why| {
            data_err(
                path,
                line,
                format!("column `{}`: {why}", shown_value(&names[i])),
            )
        })?;
        rows.values.push(v);
    }
    if let Some(t) = columns.target {
        rows.push_target(path, line, &names[t], &record[t], columns.text)?;
    }
    Ok(())
}

/// The rows as a [`RawTable`]; no rows at all is an error.
fn into_table(path: &Path, columns: &Columns, rows: Rows) -> Result<RawTable> {
    let m = rows.lines.len();
    if m == 0 {
        return Err(file_err(path, "no data rows after the header".into()));
    }
    // Rows were read sample by sample (m × d); reversing the axes gives the (d × m) layout
    // without copying.
    let x = Array2::from_shape_vec((m, columns.features.len()), rows.values)
        .map_err(|e| Error::Internal(e.to_string()))?
        .reversed_axes();
    let names = &columns.names;
    Ok(RawTable {
        path: path.to_path_buf(),
        feature_names: columns.features.iter().map(|&i| names[i].clone()).collect(),
        x,
        target: columns.target.map(|t| TargetColumn {
            name: names[t].clone(),
            codes: rows.codes,
            distinct: rows.distinct,
        }),
        lines: rows.lines,
    })
}

/// The cells of a CSV file as text, for the column plan ([`crate::prep`]): the feature
/// columns of a [`CsvSpec`] kept as strings, the target interned (empty values allowed; the plan
/// drops rows whose target is missing).
#[derive(Debug, Clone)]
pub struct TextTable {
    /// The file read.
    pub path: PathBuf,
    /// Names of the feature columns, in file order (d of them).
    pub feature_names: Vec<String>,
    /// The cells, sample by sample (m × d): `cells[row * d + col]`.
    pub cells: Vec<String>,
    /// The target column, when one was asked for.
    pub target: Option<TargetColumn>,
    /// The 1-based file line of each sample.
    pub lines: Vec<u64>,
}

impl TextTable {
    /// A table held in memory (e.g. a DataFrame's columns as text), named `name` in messages:
    /// `cells` row by row (m × d, `cells[row * d + col]`), missing values as the empty string
    /// or another missing-value token; no target. A message about a cell names its 1-based row
    /// as the "line" (`X:3: …` for the third row). An error unless `cells` fills whole rows.
    pub fn in_memory(
        name: &str,
        feature_names: Vec<String>,
        cells: Vec<String>,
    ) -> crate::Result<TextTable> {
        let d = feature_names.len();
        if d == 0 || !cells.len().is_multiple_of(d) {
            return Err(crate::Error::Invalid(format!(
                "{name}: {} cells do not make whole rows of the {d} columns",
                cells.len()
            )));
        }
        let m = cells.len() / d;
        Ok(TextTable {
            path: PathBuf::from(name),
            feature_names,
            cells,
            target: None,
            lines: (1..=m as u64).collect(),
        })
    }

    /// The number of samples m.
    pub fn n_rows(&self) -> usize {
        self.lines.len()
    }

    /// The cell of sample `row` in feature column `col`.
    pub fn cell(&self, row: usize, col: usize) -> &str {
        &self.cells[row * self.feature_names.len() + col]
    }

    /// Keeps the rows for which `keep(row)` holds (target codes re-interned).
    pub fn retain_rows(&mut self, keep: impl Fn(usize) -> bool) {
        let d = self.feature_names.len();
        let kept: Vec<usize> = (0..self.n_rows()).filter(|&r| keep(r)).collect();
        let mut cells = Vec::with_capacity(kept.len() * d);
        for &r in &kept {
            cells.extend(self.cells[r * d..(r + 1) * d].iter().cloned());
        }
        self.cells = cells;
        self.lines = kept.iter().map(|&r| self.lines[r]).collect();
        if let Some(t) = &mut self.target {
            t.codes = kept.iter().map(|&r| t.codes[r]).collect();
        }
    }
}

/// Reads the columns named by `spec` from a CSV input (a path, or a [`CsvInput`]) as text;
/// `note` is appended to the messages about a missing column (as for a model's columns).
pub fn read_text_csv(
    input: impl Into<CsvInput>,
    spec: &CsvSpec<'_>,
    note: Option<&str>,
) -> Result<TextTable> {
    let input = input.into();
    let reader = csv_reader(input.open()?, input.delimiter().byte());
    read_text_from(
        input.name(),
        reader,
        spec,
        note,
        "feature column",
        input.size_hint(),
    )
}

/// The columns `names` of a CSV input as text, as the readers see every value (spaces around
/// it trimmed), one row per data line, without a target: for copying columns of the input
/// through to an output. A name that is not in the header is an error listing the columns
/// there are; a name listed twice is a settings error (`columns`).
pub fn read_text_columns(input: impl Into<CsvInput>, names: &[String]) -> Result<TextTable> {
    let input = input.into();
    check_listed_once_as("columns", names)?;
    let spec = CsvSpec {
        target: None,
        features: Some(names),
    };
    let reader = csv_reader(input.open()?, input.delimiter().byte());
    read_text_from(
        input.name(),
        reader,
        &spec,
        None,
        "column",
        input.size_hint(),
    )
}

/// A CSV input read as text a block of rows at a time, for data larger than memory
/// ([`crate::stream`]): the header and the columns of a [`CsvSpec`] as [`read_text_csv`] finds
/// them, then each [`TextBlocks::next_block`] parses at most the rows asked for. Errors name
/// the file and line as the whole-file readers' do (the lines counted across blocks).
pub struct TextBlocks<'a> {
    path: PathBuf,
    reader: Reader<Box<dyn std::io::Read + 'a>>,
    columns: Columns,
    /// Rows handed out so far.
    rows: u64,
}

impl<'a> TextBlocks<'a> {
    /// Opens `input` and reads its header: the columns of `spec` (every column but the target
    /// without a feature list), `features_are` naming them in a missing column's message
    /// ("feature column"), to which `note` is added.
    pub fn open(
        input: &'a CsvInput,
        spec: &CsvSpec<'_>,
        note: Option<&str>,
        features_are: &str,
    ) -> Result<Self> {
        Self::open_as(input, spec, note, features_are, true)
    }

    /// [`TextBlocks::open`] for reading the features as numbers ([`TextBlocks::next_numbers`]),
    /// as [`read_csv`] does (no unnamed first column).
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
        let path = input.name().to_path_buf();
        let mut reader = csv_reader(input.open()?, input.delimiter().byte());
        let mut names = read_header_allowing(&path, &mut reader, text)?;
        if names[0].is_empty() {
            names[0] = UNNAMED.to_string();
        }
        let mut columns = select_columns(&path, names, spec, note, features_are)?;
        columns.text = text;
        Ok(TextBlocks {
            path,
            reader,
            columns,
            rows: 0,
        })
    }

    /// The feature columns' names, in file order.
    pub fn feature_names(&self) -> Vec<String> {
        let names = &self.columns.names;
        self.columns
            .features
            .iter()
            .map(|&i| names[i].clone())
            .collect()
    }

    /// Data rows handed out so far (the index of the next block's first row).
    pub fn rows_read(&self) -> u64 {
        self.rows
    }

    /// The next at most `rows` data rows (at least 1) of a reader opened with
    /// [`TextBlocks::open_numbers`], the features parsed as finite numbers; `None` after the
    /// last row.
    pub fn next_numbers(&mut self, rows: usize) -> Result<Option<RawTable>> {
        if self.columns.text {
            return Err(Error::Internal("next_numbers on a text reader".into()));
        }
        match self.next_rows(rows)? {
            Some(read) => into_table(&self.path, &self.columns, read).map(Some),
            None => Ok(None),
        }
    }

    /// The next at most `rows` data rows (at least 1) as the reader reads them; `None` after
    /// the last row.
    fn next_rows(&mut self, rows: usize) -> Result<Option<Rows>> {
        let read = read_rows_upto(
            &self.path,
            &mut self.reader,
            &self.columns,
            None,
            rows.max(1),
        )?;
        if read.lines.is_empty() {
            return Ok(None);
        }
        self.rows += read.lines.len() as u64;
        Ok(Some(read))
    }

    /// The next at most `rows` data rows (at least 1) as a [`TextTable`] (its target interned
    /// afresh in every block); `None` after the last row.
    pub fn next_block(&mut self, rows: usize) -> Result<Option<TextTable>> {
        if !self.columns.text {
            return Err(Error::Internal("next_block on a numeric reader".into()));
        }
        let Some(read) = self.next_rows(rows)? else {
            return Ok(None);
        };
        let names = &self.columns.names;
        Ok(Some(TextTable {
            path: self.path.clone(),
            feature_names: self.feature_names(),
            cells: read.texts,
            target: self.columns.target.map(|t| TargetColumn {
                name: names[t].clone(),
                codes: read.codes,
                distinct: read.distinct,
            }),
            lines: read.lines,
        }))
    }
}

/// [`read_text_csv`] on CSV text (for tests).
#[cfg(test)]
pub(crate) fn read_text_csv_from_str(
    path: &Path,
    text: &str,
    spec: &CsvSpec<'_>,
) -> Result<TextTable> {
    read_text_from(
        path,
        csv_reader(text.as_bytes(), b','),
        spec,
        None,
        "feature column",
        None,
    )
}

fn read_text_from<R: std::io::Read>(
    path: &Path,
    mut reader: Reader<R>,
    spec: &CsvSpec<'_>,
    note: Option<&str>,
    features_are: &str,
    size_hint: Option<usize>,
) -> Result<TextTable> {
    let mut names = read_header_allowing(path, &mut reader, true)?;
    if names[0].is_empty() {
        names[0] = UNNAMED.to_string();
    }
    let mut columns = select_columns(path, names, spec, note, features_are)?;
    columns.text = true;
    let rows = read_rows(path, &mut reader, &columns, size_hint)?;
    if rows.lines.is_empty() {
        return Err(file_err(path, "no data rows after the header".into()));
    }
    let names = columns.names;
    Ok(TextTable {
        path: path.to_path_buf(),
        feature_names: columns.features.iter().map(|&i| names[i].clone()).collect(),
        cells: rows.texts,
        target: columns.target.map(|t| TargetColumn {
            name: names[t].clone(),
            codes: rows.codes,
            distinct: rows.distinct,
        }),
        lines: rows.lines,
    })
}

/// `names` are the header's names from column `first` (0-based) on.
fn check_header(path: &Path, names: &[String], first: usize) -> Result<()> {
    // a set of the names seen so far: linear in the columns (a 200,000-column header took 80 s
    // with a scan of the earlier names per column)
    let mut seen: std::collections::HashSet<&str> =
        std::collections::HashSet::with_capacity(names.len());
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() {
            return Err(data_err(
                path,
                1,
                format!("column {} has an empty name in the header", first + i + 1),
            ));
        }
        if !seen.insert(n.as_str()) {
            return Err(data_err(
                path,
                1,
                format!(
                    "column name `{}` appears twice in the header",
                    shown_value(n)
                ),
            ));
        }
    }
    Ok(())
}

/// The two classes of a target column, in order: index 0 is the negative class, 1 the positive.
///
/// Without `positive`, the positive class is the larger value in sorted order (numeric order
/// when both values are numbers, so `0`/`1` → 1 is positive; text order otherwise).
pub fn infer_classes(
    path: &Path,
    column: &str,
    values: &[String],
    positive: Option<&str>,
) -> Result<Vec<String>> {
    let set: std::collections::HashSet<&str> = values.iter().map(String::as_str).collect();
    let mut distinct: Vec<&str> = set.into_iter().collect();
    sort_classes(&mut distinct);
    let column = shown_value(column);
    let shown = |d: &[&str]| {
        let mut list: Vec<String> = d
            .iter()
            .take(5)
            .map(|s| format!("`{}`", shown_value(s)))
            .collect();
        if d.len() > 5 {
            list.push("…".into());
        }
        list.join(", ")
    };
    if distinct.len() < 2 {
        return Err(file_err(
            path,
            format!(
                "target column `{column}` has only one class ({}); classification needs at least two",
                shown(&distinct)
            ),
        ));
    }
    if distinct.len() > MAX_CLASSES {
        return Err(file_err(
            path,
            format!(
                "target column `{column}` has {} distinct values ({}), too many for classes (at most {MAX_CLASSES}); \
                 a numeric target is for regression (the CLI's `--task regression`)",
                distinct.len(),
                shown(&distinct)
            ),
        ));
    }
    if let Some(p) = positive {
        if distinct.len() != 2 {
            return Err(Error::config(
                "positive",
                format!(
                    "applies to two classes; column `{column}` has {}",
                    distinct.len()
                ),
            ));
        }
        if distinct[0] == p {
            distinct.swap(0, 1);
        } else if distinct[1] != p {
            return Err(Error::config(
                "positive",
                format!(
                    "`{}` is not a class of column `{column}` (classes: {})",
                    shown_value(p),
                    shown(&distinct)
                ),
            ));
        }
    }
    Ok(distinct.into_iter().map(str::to_string).collect())
}

/// Most classes a classification target may have.
pub const MAX_CLASSES: usize = 100;

/// Sorts class labels: numerically when all are numbers, as text otherwise.
pub fn sort_classes(labels: &mut [&str]) {
    let all_numeric = labels.iter().all(|s| s.parse::<f64>().is_ok());
    if all_numeric {
        labels.sort_by(|a, b| {
            let (x, y) = (
                a.parse::<f64>().unwrap_or(0.0),
                b.parse::<f64>().unwrap_or(0.0),
            );
            x.total_cmp(&y)
        });
    } else {
        labels.sort_unstable();
    }
}

/// The distinct values of a column, sorted by [`sort_classes`].
pub fn distinct_sorted(values: &[String]) -> Vec<String> {
    let set: std::collections::HashSet<&str> = values.iter().map(String::as_str).collect();
    let mut seen: Vec<&str> = set.into_iter().collect();
    sort_classes(&mut seen);
    seen.into_iter().map(str::to_string).collect()
}

/// Maps raw target strings to class indices; a value that is not one of `classes` is an error
/// naming its line.
pub fn encode_labels(table: &RawTable, classes: &[String]) -> Result<Vec<usize>> {
    let Some(t) = &table.target else {
        return Err(Error::Internal(
            "encode_labels called without a target column".into(),
        ));
    };
    t.map_rows(table, |v| {
        classes.iter().position(|c| c == v).ok_or_else(|| {
            format!(
                "`{}` is not one of the model's classes ({})",
                shown_value(v),
                classes
                    .iter()
                    .map(|c| shown_value(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    })
}

impl Dataset {
    /// Loads a labelled data set: the target column `target`, the feature columns `features`
    /// (default: all others), classes inferred (see [`infer_classes`]).
    pub fn from_csv(
        input: impl Into<CsvInput>,
        target: &str,
        features: Option<&[String]>,
        positive: Option<&str>,
    ) -> Result<Dataset> {
        let table = read_csv(
            input,
            &CsvSpec {
                target: Some(target),
                features,
            },
        )?;
        let t = table
            .target
            .as_ref()
            .ok_or_else(|| Error::Internal("target not read".into()))?;
        let classes = infer_classes(&table.path, &t.name, &t.distinct, positive)?;
        let labels = encode_labels(&table, &classes)?;
        let name = t.name.clone();
        Dataset::new(table.feature_names, name, table.x, labels, classes)
    }

    /// Loads a regression data set: the numeric target column `target` and the feature columns.
    pub fn from_csv_regression(
        input: impl Into<CsvInput>,
        target: &str,
        features: Option<&[String]>,
    ) -> Result<Dataset> {
        let table = read_csv(
            input,
            &CsvSpec {
                target: Some(target),
                features,
            },
        )?;
        let values = regression_values(&table)?;
        let name = table
            .target
            .as_ref()
            .map_or_else(|| target.to_string(), |t| t.name.clone());
        Dataset::regression(table.feature_names, name, table.x, values)
    }

    /// Writes the data set as CSV (features, then the target as its class label), atomically.
    pub fn to_csv(&self, path: &Path) -> Result<()> {
        crate::io::write_atomic(path, self.to_csv_string().as_bytes())
    }

    /// The data set as CSV text: a header, then one row per sample (features, then the label).
    pub fn to_csv_string(&self) -> String {
        let mut out = String::with_capacity(self.n_samples() * 16 * (self.n_features() + 1));
        out.push_str(&self.feature_names.join(","));
        out.push(',');
        out.push_str(&self.target_name);
        out.push('\n');
        for (j, col) in self.x.columns().into_iter().enumerate() {
            for &v in col {
                // (−0 is written as 0)
                out.push_str(&if v == 0.0 {
                    "0".to_string()
                } else {
                    v.to_string()
                });
                out.push(',');
            }
            match &self.target {
                Target::Values(v) => out.push_str(&v[j].to_string()),
                Target::Classes { labels, classes } => out.push_str(&classes[labels[j]]),
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(content: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(content.as_bytes()).unwrap();
        f
    }

    fn load(content: &str) -> Result<Dataset> {
        let f = file(content);
        Dataset::from_csv(f.path(), "y", None, None)
    }

    fn message(content: &str) -> String {
        load(content).unwrap_err().to_string()
    }

    #[test]
    fn loads_numeric_features_and_labels() {
        let d = load("a,b,y\n1,2,0\n3,4,1\n5,6,1\n").unwrap();
        assert_eq!(d.x.dim(), (2, 3));
        assert_eq!(d.x[[1, 2]], 6.0);
        assert_eq!(d.labels(), vec![0, 1, 1]);
        assert_eq!(d.feature_names, vec!["a", "b"]);
    }

    #[test]
    fn text_labels_positive_is_the_larger_unless_told() {
        let f = file("x,diag\n1,M\n2,B\n3,M\n");
        let d = Dataset::from_csv(f.path(), "diag", None, None).unwrap();
        assert_eq!(d.classes(), vec!["B", "M"]);
        assert_eq!(d.labels(), vec![1, 0, 1]);
        let d = Dataset::from_csv(f.path(), "diag", None, Some("B")).unwrap();
        assert_eq!(d.classes(), vec!["M", "B"]);
        assert_eq!(d.labels(), vec![0, 1, 0]);
        assert!(Dataset::from_csv(f.path(), "diag", None, Some("X")).is_err());
    }

    #[test]
    fn numeric_labels_sort_as_numbers() {
        let d = load("a,y\n1,10\n2,9\n").unwrap();
        assert_eq!(d.classes(), vec!["9", "10"]);
    }

    #[test]
    fn features_can_be_picked() {
        let f = file("a,b,c,y\n1,2,3,0\n4,5,6,1\n");
        let d = Dataset::from_csv(
            f.path(),
            "y",
            Some(&["c".to_string(), "a".to_string()]),
            None,
        )
        .unwrap();
        assert_eq!(d.feature_names, vec!["c", "a"]);
        assert_eq!(d.x[[0, 1]], 6.0);
    }

    #[test]
    fn rejects_non_numeric_feature_naming_line_column_and_value() {
        let m = message("x1,x2,y\n1,2,0\n3,abc,1\n");
        assert!(m.ends_with(":3: column `x2`: `abc` is not a number"), "{m}");
    }

    #[test]
    fn rejects_nan_and_inf_features() {
        assert!(
            message("x1,y\nNaN,0\n1,1\n").contains(":2: column `x1`: `NaN` is not a finite number")
        );
        assert!(
            message("x1,y\n1,0\ninf,1\n").contains(":3: column `x1`: `inf` is not a finite number")
        );
    }

    #[test]
    fn line_numbers_count_crlf_cr_and_blank_lines_and_quoted_breaks() {
        let want = ":3: column `x1`: `bad` is not a number";
        for text in [
            "x1,x2,y\n1,2,0\nbad,2,0\n",
            "x1,x2,y\r\n1,2,0\r\nbad,2,0\r\n",
            "x1,x2,y\r1,2,0\rbad,2,0\r",
        ] {
            let m = message(text);
            assert!(m.ends_with(want), "{text:?}: {m}");
        }
        let m = message("x1,x2,y\r\nbad,2,0\r\n");
        assert!(m.ends_with(":2: column `x1`: `bad` is not a number"), "{m}");
        // a blank line, then a quoted value over two lines: the next row is on line 6
        for nl in ["\n", "\r\n", "\r"] {
            let text = format!("x1,x2,y{nl}1,2,0{nl}{nl}1,\"2{nl}\",1{nl}bad,2,0{nl}");
            let m = message(&text);
            assert!(
                m.ends_with(":6: column `x1`: `bad` is not a number"),
                "{text:?}: {m}"
            );
            let text = format!("x1,x2,y{nl}{nl}{nl}bad,2,0{nl}");
            let m = message(&text);
            assert!(
                m.ends_with(":4: column `x1`: `bad` is not a number"),
                "{text:?}: {m}"
            );
        }
    }

    #[test]
    fn rejects_ragged_rows() {
        let m = message("x1,x2,y\n1,2,0\n3,1\n");
        assert!(
            m.contains(":3: expected 3 fields (x1, x2, y), found 2"),
            "{m}"
        );
    }

    #[test]
    fn rejects_empty_file_and_header_only() {
        assert!(message("").contains("the file is empty"));
        assert!(message("x1,x2,y\n").contains("no data rows after the header"));
    }

    #[test]
    fn rejects_missing_target_naming_columns() {
        let m = message("a,b\n1,0\n");
        assert!(
            m.contains("no target column `y`; the columns are: a, b"),
            "{m}"
        );
    }

    #[test]
    fn rejects_one_class_accepts_three_and_not_hundreds() {
        assert!(message("a,y\n1,0\n2,0\n").contains("only one class (`0`)"));
        let three = load("a,y\n1,0\n2,1\n3,2\n").unwrap();
        assert_eq!(three.classes(), vec!["0", "1", "2"]);
        let many: String = (0..150).map(|i| format!("{i},{i}.5\n")).collect();
        let m = message(&format!("a,y\n{many}"));
        assert!(
            m.contains("150 distinct values") && m.contains("--task regression"),
            "{m}"
        );
    }

    #[test]
    fn regression_target_must_be_numeric() {
        let f = file("a,t\n1,0.5\n2,1e3\n");
        let d = Dataset::from_csv_regression(f.path(), "t", None).unwrap();
        assert_eq!(d.values(), vec![0.5, 1000.0]);
        let f = file("a,t\n1,0.5\n2,big\n");
        let e = Dataset::from_csv_regression(f.path(), "t", None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                ":3: column `t`: `big` is not a number (a regression target must be numeric)"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_header_of_one_column_with_another_delimiter_gets_a_hint() {
        let m = message("x1;x2;y\n1;2;0\n");
        assert!(
            m.ends_with(
                ": no target column `y`; the columns are: x1;x2;y \
                 (the header is one column: are the fields separated by `;`?)"
            ),
            "{m}"
        );
        let m = message("x1\tx2\ty\n1\t2\t0\n");
        assert!(m.ends_with("separated by `\\t`?)"), "{m}");
    }

    #[test]
    fn reads_other_delimiters_and_gzip_the_same_as_commas() {
        use crate::data::{CsvInput, Delimiter};
        let want = load("a,b,y\n1,\"2,5\",0\n3,4,1\n");
        let semi = CsvInput::bytes("t.csv", &b"a;b;y\n1;2,5;0\n3;4;1\n"[..])
            .with_delimiter(Delimiter::Semicolon);
        let tab = CsvInput::bytes("t.tsv", &b"a\tb\ty\n1\t2,5\t0\n3\t4\t1\n"[..]);
        assert!(want.is_err(), "`2,5` is not a number with commas either");
        for input in [semi, tab] {
            let m = Dataset::from_csv(&input, "y", None, None)
                .unwrap_err()
                .to_string();
            assert_eq!(
                m,
                format!(
                    "{}:2: column `b`: `2,5` is not a number",
                    input.name().display()
                )
            );
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"a|y\n1.5|no\n-2|yes\n").unwrap();
        let input =
            CsvInput::bytes("t.csv.gz", gz.finish().unwrap()).with_delimiter(Delimiter::Pipe);
        let d = Dataset::from_csv(&input, "y", None, None).unwrap();
        assert_eq!(d.x.row(0).to_vec(), vec![1.5, -2.0]);
        assert_eq!(d.classes(), vec!["no", "yes"]);
        assert_eq!(d.labels(), vec![0, 1]);
    }

    #[test]
    fn a_corrupt_gzip_file_is_one_error_naming_it() {
        use crate::data::CsvInput;
        let input = CsvInput::bytes("d.csv.gz", &b"a,y\n1,0\n2,1\n3,0\n"[..]);
        let m = read_csv(&input, &CsvSpec::default())
            .unwrap_err()
            .to_string();
        assert_eq!(
            m,
            "d.csv.gz: not valid gzip data (invalid gzip header); is the file gzip-compressed and whole?"
        );
    }

    #[test]
    fn read_text_columns_keeps_values_as_written_and_names_the_columns_when_one_is_missing() {
        use crate::data::CsvInput;
        let input = CsvInput::bytes("t.csv", &b"id,x,y\n\"a, b\",1,0\n c ,2,1\n"[..]);
        let t = read_text_columns(&input, &["id".to_string()]).unwrap();
        assert_eq!(t.cells, vec!["a, b", "c"]);
        assert_eq!(t.lines, vec![2, 3]);
        let m = read_text_columns(&input, &["ID".to_string()])
            .unwrap_err()
            .to_string();
        assert_eq!(m, "t.csv: no column `ID`; the columns are: id, x, y");
    }

    #[test]
    fn rejects_duplicate_header_names() {
        assert!(message("a,a,y\n1,2,0\n").contains("appears twice"));
    }

    #[test]
    fn a_duplicate_among_200000_header_names_is_found_in_one_pass() {
        // the check keeps a set (it scanned all earlier names per column: 80 s for this header)
        let n = 200_000;
        let mut names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        names.push("c7".into());
        let e = check_header(Path::new("w.csv"), &names, 0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("column name `c7` appears twice"), "{e}");
        names.pop();
        check_header(Path::new("w.csv"), &names, 0).unwrap();
    }

    #[test]
    fn skips_blank_lines_and_trims_spaces() {
        let d = load("a, y\n 1 , 0\n\n2,1\n").unwrap();
        assert_eq!(d.n_samples(), 2);
    }

    #[test]
    fn round_trips_through_csv() {
        let d = load("a,b,y\n1.5,2,no\n3,-4e-3,yes\n").unwrap();
        let out = tempfile::NamedTempFile::new().unwrap();
        d.to_csv(out.path()).unwrap();
        let back = Dataset::from_csv(out.path(), "y", None, None).unwrap();
        assert_eq!(back, d);
    }
}
