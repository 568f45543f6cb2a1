//! Reading model files with bounded memory: the size cap on the bytes actually read (pipes and
//! devices included), the need for parsing checked against the machine before parsing, the
//! header read without keeping anything but scalars, and each weight matrix parsed straight
//! into one flat buffer (no vector per row).

use std::io::Read;
use std::path::Path;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::MAX_FILE_BYTES;

/// Bytes of memory that parsing may take per JSON value (a comma, `[` or `{` starts at most
/// one): a number is 8 bytes, twice in a growing buffer; a string 24 bytes plus its text and a
/// set entry for the duplicate checks; a weight row or a column of the plan a few more. Checked
/// by `tests/allocations.rs` on files made of the most expensive values per byte.
pub(crate) const PARSE_BYTES_PER_VALUE: u64 = 96;

/// Reads at most [`MAX_FILE_BYTES`] of the file at `path`, whatever it is (a pipe or device
/// has no length to check first), and refuses what does not start like a JSON object (a model
/// file is one) without reading on: `/dev/zero` is refused after its first bytes.
pub(crate) fn read_bounded(path: &Path) -> Result<Vec<u8>, ReadError> {
    let mut file = std::fs::File::open(path).map_err(ReadError::Io)?;
    if let Ok(meta) = file.metadata()
        && meta.is_file()
        && meta.len() > MAX_FILE_BYTES
    {
        return Err(ReadError::TooBig(Some(meta.len())));
    }
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    let mut started = false;
    loop {
        let n = match file.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        };
        if bytes.len() + n > MAX_FILE_BYTES as usize {
            return Err(ReadError::TooBig(None));
        }
        bytes.extend_from_slice(&chunk[..n]);
        if !started {
            let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            match text.iter().find(|b| !b.is_ascii_whitespace()) {
                Some(b'{') => started = true,
                Some(_) => return Err(ReadError::NotAnObject),
                None => {}
            }
        }
    }
    Ok(bytes)
}

/// Why [`read_bounded`] stopped.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The system's error.
    Io(std::io::Error),
    /// Over the cap: the file's length when it has one.
    TooBig(Option<u64>),
    /// The first character is not `{`.
    NotAnObject,
}

impl ReadError {
    /// The one-line reason, for a model file error.
    pub(crate) fn message(&self) -> String {
        match self {
            ReadError::Io(e) => e.to_string(),
            ReadError::TooBig(Some(size)) => format!(
                "file is {size} bytes, larger than the {MAX_FILE_BYTES}-byte limit for model files"
            ),
            ReadError::TooBig(None) => {
                format!("more than {MAX_FILE_BYTES} bytes were read, the limit for model files")
            }
            ReadError::NotAnObject => {
                "not a scratchnet model file (invalid JSON: it does not start with `{`)".into()
            }
        }
    }
}

/// An upper bound of the memory that parsing `bytes` takes, beyond the bytes themselves:
/// [`PARSE_BYTES_PER_VALUE`] for each JSON value that can start in it,
/// [`PARSE_BYTES_PER_BYTE`] for each byte, [`PARSE_BYTES_PER_ESCAPED_BYTE`] more for each control
/// or non-ASCII byte, and [`PARSE_FIXED_BYTES`].
pub(crate) fn parse_need(bytes: &[u8]) -> u64 {
    let starts = bytes
        .iter()
        .filter(|&&b| matches!(b, b',' | b'[' | b'{'))
        .count();
    // a control or non-ASCII byte is escaped when an error quotes it (`\u{7f}`: 6 bytes for 1)
    let escaped = bytes
        .iter()
        .filter(|&&b| !(0x20..0x7f).contains(&b))
        .count();
    crate::memory::of(starts + 1, PARSE_BYTES_PER_VALUE)
        .saturating_add(crate::memory::of(bytes.len(), PARSE_BYTES_PER_BYTE))
        .saturating_add(crate::memory::of(escaped, PARSE_BYTES_PER_ESCAPED_BYTE))
        .saturating_add(PARSE_FIXED_BYTES)
}

/// Bytes of memory that parsing may take per control or non-ASCII byte, beyond
/// [`PARSE_BYTES_PER_BYTE`]: an error quoting a string escapes such a byte into up to 6 (the
/// fuzz target found 9.8 kB for 489 bytes of DEL characters).
pub(crate) const PARSE_BYTES_PER_ESCAPED_BYTE: u64 = 24;

/// Bytes of memory that parsing may take whatever the file: the parser's state and an error
/// message being formatted (the fuzz target found 1.9 kB for a 104-byte file).
pub(crate) const PARSE_FIXED_BYTES: u64 = 4096;

/// Bytes of memory that parsing may take per byte of the file, on top of the per-value cost: a
/// parser's error quotes a string of the file whole (once in the error, once while it is
/// formatted into the message, and a copy while a buffer grows).
pub(crate) const PARSE_BYTES_PER_BYTE: u64 = 6;

/// A JSON parser's error on one line of bounded length: its message (which may quote a string
/// of the file whole, newlines included) escaped and cut to 160 characters, then where it is.
pub(crate) fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let at = format!(" at line {} column {}", e.line(), e.column());
    let message = text.strip_suffix(&at).unwrap_or(&text);
    let at = if e.line() == 0 { String::new() } else { at };
    format!("{}{at}", crate::shown(message, 160))
}

/// Deepest nesting of arrays and objects a model file may have: the files scratchnet writes
/// nest 5 deep (a weight inside its row, matrix, layer, list of layers and the file).
pub(crate) const MAX_DEPTH: usize = 32;

/// Refuses JSON nested deeper than [`MAX_DEPTH`] anywhere, under unknown keys too (which the
/// parser skips without its own depth limit), in one pass over the bytes outside strings.
pub(crate) fn check_depth(bytes: &[u8]) -> Result<(), String> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(format!(
                        "malformed model file: arrays or objects nested more than {MAX_DEPTH} deep"
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// A top-level field of the header as far as the check needs it: a string, a number, or
/// something else, skipped without keeping it (an array of a million zeros costs nothing).
#[derive(Debug)]
pub(crate) enum Scalar {
    /// A JSON string.
    Str(String),
    /// A JSON number.
    Num(serde_json::Number),
    /// Anything else, by kind: `true`, `null`, `an array`, `an object`.
    Other(&'static str),
}

impl Scalar {
    /// The string, if it is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The whole number ≥ 0, if it is one.
    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self {
            Scalar::Num(n) => n.as_u64(),
            _ => None,
        }
    }
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Str(s) => write!(f, "\"{}\"", crate::quoted(s)),
            Scalar::Num(n) => write!(f, "{n}"),
            Scalar::Other(kind) => f.write_str(kind),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Num(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Num(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Scalar::Other("a number"), Scalar::Num))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Other(if v { "true" } else { "false" }))
    }
    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other("null"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other("an array"))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other("an object"))
    }
}

/// A weight matrix as the file has it, rows = units out: written as an array of rows, read
/// into one flat row-major buffer. A ragged matrix is read too and says where.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Weights {
    /// The rows (units out).
    pub rows: usize,
    /// The first row's length (units in).
    pub cols: usize,
    /// Row-major values; exactly rows × cols unless ragged.
    pub values: Vec<f64>,
    /// The first row whose length is not the first row's: (0-based index, length).
    pub ragged: Option<(usize, usize)>,
}

impl Weights {
    /// The rows of a matrix (rows × cols, row-major).
    pub(crate) fn from_rows(rows: usize, cols: usize, values: Vec<f64>) -> Weights {
        Weights {
            rows,
            cols,
            values,
            ragged: None,
        }
    }
}

impl Serialize for Weights {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let cols = self.cols.max(1);
        s.collect_seq(self.values.chunks(cols).take(self.rows))
    }
}

impl<'de> Deserialize<'de> for Weights {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(RowsVisitor)
    }
}

struct RowsVisitor;

impl<'de> Visitor<'de> for RowsVisitor {
    type Value = Weights;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of rows of numbers")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Weights, A::Error> {
        let mut w = Weights::from_rows(0, 0, Vec::new());
        while let Some(len) = seq.next_element_seed(AppendRow(&mut w.values))? {
            if w.rows == 0 {
                w.cols = len;
            } else if len != w.cols && w.ragged.is_none() {
                w.ragged = Some((w.rows, len));
            }
            w.rows += 1;
        }
        Ok(w)
    }
}

/// Appends one row's numbers to the buffer and returns how many there were.
struct AppendRow<'a>(&'a mut Vec<f64>);

impl<'de> DeserializeSeed<'de> for AppendRow<'_> {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for AppendRow<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a row of numbers")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut n = 0;
        while let Some(v) = seq.next_element::<f64>()? {
            self.0.push(v);
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_read_flat_and_written_as_rows() {
        let w: Weights = serde_json::from_str("[[1, 2, 3], [4, 5, 6]]").unwrap();
        assert_eq!((w.rows, w.cols, w.ragged), (2, 3, None));
        assert_eq!(w.values, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(
            serde_json::to_string(&w).unwrap(),
            "[[1.0,2.0,3.0],[4.0,5.0,6.0]]"
        );
        let ragged: Weights = serde_json::from_str("[[1, 2], [3], [4, 5, 6]]").unwrap();
        assert_eq!(ragged.ragged, Some((1, 1)));
        assert!(serde_json::from_str::<Weights>("[[1, \"x\"]]").is_err());
        assert!(serde_json::from_str::<Weights>("[1, 2]").is_err());
        let empty: Weights = serde_json::from_str("[]").unwrap();
        assert_eq!((empty.rows, empty.cols), (0, 0));
    }

    #[test]
    fn a_header_field_keeps_only_scalars() {
        let s: Scalar = serde_json::from_str("[0, [1, {\"a\": 2}]]").unwrap();
        assert_eq!(s.to_string(), "an array");
        let s: Scalar = serde_json::from_str("\"scratch\\nnet\"").unwrap();
        assert_eq!(s.as_str(), Some("scratch\nnet"));
        assert_eq!(s.to_string(), "\"scratch\\nnet\"");
        let s: Scalar = serde_json::from_str("3").unwrap();
        assert_eq!(s.as_u64(), Some(3));
        let s: Scalar = serde_json::from_str("-1").unwrap();
        assert_eq!((s.as_u64(), s.to_string()), (None, "-1".to_string()));
    }

    #[test]
    fn a_device_or_pipe_is_read_up_to_the_cap_and_refused_if_not_json() {
        let e = read_bounded(Path::new("/dev/zero")).unwrap_err();
        assert!(matches!(e, ReadError::NotAnObject), "{e:?}");
        assert!(e.message().contains("does not start with `{`"));
        assert!(read_bounded(Path::new("/dev/null")).unwrap().is_empty());
    }

    #[test]
    fn parser_errors_are_one_bounded_line() {
        // a string of 10,000 characters with an escaped newline, where a number is expected
        let long = format!(r#"[1, "{}\nsecond line"]"#, "y".repeat(10_000));
        let e = serde_json::from_str::<Vec<f64>>(&long).unwrap_err();
        let text = json_error(&e);
        assert!(text.len() < 250 && !text.contains('\n'), "{text}");
        let e = serde_json::from_str::<Vec<f64>>(r#"[1, "a\nb"]"#).unwrap_err();
        let text = json_error(&e);
        assert!(
            text.contains(r#""a\nb""#) && text.ends_with("at line 1 column 10"),
            "{text}"
        );
    }

    #[test]
    fn nesting_is_limited_everywhere_but_inside_strings() {
        let deep = |n: usize| format!("{{\"x\": {}{}}}", "[".repeat(n), "]".repeat(n));
        assert!(check_depth(deep(MAX_DEPTH - 1).as_bytes()).is_ok());
        let e = check_depth(deep(MAX_DEPTH).as_bytes()).unwrap_err();
        assert!(e.contains("nested more than 32 deep"), "{e}");
        let quoted = format!("{{\"x\": \"{}\\\"{}\"}}", "[".repeat(100), "{".repeat(100));
        assert!(check_depth(quoted.as_bytes()).is_ok(), "{quoted}");
    }

    #[test]
    fn the_parse_need_counts_bytes_that_an_error_escapes() {
        let plain = parse_need(b"\"abcd\"");
        assert_eq!(
            parse_need(b"\"a\x7f\xc3\xa9\""),
            plain + 3 * PARSE_BYTES_PER_ESCAPED_BYTE
        );
    }

    #[test]
    fn the_parse_need_counts_what_can_start_a_value() {
        assert_eq!(
            parse_need(b"{}"),
            2 * PARSE_BYTES_PER_VALUE + 2 * PARSE_BYTES_PER_BYTE + PARSE_FIXED_BYTES
        );
        assert_eq!(
            parse_need(b"[0,0,0]"),
            4 * PARSE_BYTES_PER_VALUE + 7 * PARSE_BYTES_PER_BYTE + PARSE_FIXED_BYTES
        );
    }
}
