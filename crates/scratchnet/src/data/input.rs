//! Where a CSV table comes from, and how its bytes become text: a file (gzip-compressed when
//! its name ends in `.gz`), standard input, or bytes in memory; and the field delimiter.
//!
//! Every reader of [`crate::data::csv`] takes a [`CsvInput`] (or a path, which becomes one
//! with [`CsvInput::file`]). Messages name the input by [`CsvInput::name`]: the file's path,
//! or `<stdin>`.
//!
//! ```text
//! data.csv       plain, `,`         data.tsv       plain, tab
//! data.csv.gz    gzip, `,`          data.tsv.gz    gzip, tab
//! <stdin>        plain, `,`         (any delimiter with CsvInput::with_delimiter)
//! ```
//!
//! Standard input can be read once. A reader that reads its input twice (the training reader
//! tries the numeric reader first) calls [`CsvInput::rereadable`] first, which reads standard
//! input into memory once; a file is simply opened again.
//!
//! Decompressed data is guarded as plain data is: nothing caps the bytes of a CSV file; what
//! the readers keep (the rows they parse) is reserved with `try_reserve`, so a file that
//! decompresses to more rows than fit in memory ends in the readers' "not enough memory" error.
//! A corrupt or truncated gzip stream is an error naming the input.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use crate::{Error, Result};

/// The name standard input goes by in messages.
pub const STDIN_NAME: &str = "<stdin>";

/// The character between the fields of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delimiter {
    /// `,` (the default).
    #[default]
    Comma,
    /// `;` (spreadsheets in locales whose decimal mark is a comma).
    Semicolon,
    /// `|`.
    Pipe,
    /// A tab (TSV; the default for a `.tsv` or `.tsv.gz` file).
    Tab,
}

impl Delimiter {
    /// The byte the CSV parser splits on.
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Pipe => b'|',
            Delimiter::Tab => b'\t',
        }
    }

    /// The default for a file name: tab for `.tsv` and `.tsv.gz`, else comma.
    pub fn for_name(name: &Path) -> Delimiter {
        let name = name.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".tsv") || name.ends_with(".tsv.gz") {
            Delimiter::Tab
        } else {
            Delimiter::Comma
        }
    }
}

impl FromStr for Delimiter {
    type Err = Error;

    /// `,`, `;`, `|`, and `tab` or `\t` (the two characters, or a tab itself) for a tab.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "," => Ok(Delimiter::Comma),
            ";" => Ok(Delimiter::Semicolon),
            "|" => Ok(Delimiter::Pipe),
            "tab" | "\\t" | "\t" => Ok(Delimiter::Tab),
            other => Err(Error::unknown(
                "delimiter",
                &other.escape_debug().to_string(),
                "`,`, `;`, `|`, `tab` (or `\\t`)",
            )),
        }
    }
}

/// Where the bytes come from.
#[derive(Debug, Clone)]
enum Source {
    /// The file at the input's name.
    File,
    /// The process's standard input, read once.
    Stdin,
    /// Bytes in memory (standard input once read, or a test's text).
    Bytes(Arc<[u8]>),
}

/// A CSV input: its name for messages, where its bytes come from, whether they are
/// gzip-compressed, and its delimiter (see the module docs).
#[derive(Debug, Clone)]
pub struct CsvInput {
    name: PathBuf,
    source: Source,
    gzip: bool,
    delimiter: Delimiter,
}

impl CsvInput {
    /// The file at `path`: gzip when the name ends in `.gz`, tab-delimited for `.tsv` and
    /// `.tsv.gz` (see [`Delimiter::for_name`]).
    pub fn file(path: impl Into<PathBuf>) -> CsvInput {
        let name = path.into();
        CsvInput {
            gzip: is_gzip_name(&name),
            delimiter: Delimiter::for_name(&name),
            source: Source::File,
            name,
        }
    }

    /// Standard input, named `<stdin>`: plain text, comma-delimited unless
    /// [`CsvInput::with_delimiter`] says otherwise.
    pub fn stdin() -> CsvInput {
        CsvInput {
            name: PathBuf::from(STDIN_NAME),
            source: Source::Stdin,
            gzip: false,
            delimiter: Delimiter::Comma,
        }
    }

    /// `bytes` in memory, named `name` in messages; gzip and the delimiter follow the name as
    /// for [`CsvInput::file`].
    pub fn bytes(name: impl Into<PathBuf>, bytes: impl Into<Arc<[u8]>>) -> CsvInput {
        CsvInput {
            source: Source::Bytes(bytes.into()),
            ..CsvInput::file(name)
        }
    }

    /// The same input split on `delimiter`.
    pub fn with_delimiter(mut self, delimiter: Delimiter) -> CsvInput {
        self.delimiter = delimiter;
        self
    }

    /// The name messages give the input: its path, or `<stdin>`.
    pub fn name(&self) -> &Path {
        &self.name
    }

    /// The file read, when the input is a file (not standard input or bytes).
    pub fn path(&self) -> Option<&Path> {
        matches!(self.source, Source::File).then_some(self.name.as_path())
    }

    /// The field delimiter.
    pub fn delimiter(&self) -> Delimiter {
        self.delimiter
    }

    /// True when the bytes are decompressed as gzip while reading.
    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// An input that can be opened more than once: standard input is read into memory (once;
    /// a failure names `<stdin>`), anything else is returned as it is.
    pub fn rereadable(self) -> Result<CsvInput> {
        if !matches!(self.source, Source::Stdin) {
            return Ok(self);
        }
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(&self.name, e))?;
        Ok(CsvInput {
            source: Source::Bytes(bytes.into()),
            ..self
        })
    }

    /// The input's bytes as text to parse: decompressed when gzip.
    pub(crate) fn open(&self) -> Result<Box<dyn Read + '_>> {
        let raw: Box<dyn Read + '_> = match &self.source {
            Source::File => {
                let file = std::fs::File::open(&self.name).map_err(|e| Error::io(&self.name, e))?;
                Box::new(file)
            }
            Source::Stdin => Box::new(std::io::stdin().lock()),
            Source::Bytes(bytes) => Box::new(&bytes[..]),
        };
        Ok(if self.gzip {
            let tagged = BufReader::new(Underlying(raw));
            Box::new(Gunzip(flate2::bufread::MultiGzDecoder::new(tagged)))
        } else {
            Box::new(BufReader::new(raw))
        })
    }

    /// The number of bytes the parser will see, when known before reading (a plain file or
    /// bytes in memory); `None` for standard input and gzip.
    pub(crate) fn size_hint(&self) -> Option<usize> {
        if self.gzip {
            return None;
        }
        match &self.source {
            Source::File => std::fs::metadata(&self.name)
                .ok()
                .and_then(|m| usize::try_from(m.len()).ok()),
            Source::Stdin => None,
            Source::Bytes(bytes) => Some(bytes.len()),
        }
    }
}

impl From<&Path> for CsvInput {
    fn from(path: &Path) -> CsvInput {
        CsvInput::file(path)
    }
}

impl From<&PathBuf> for CsvInput {
    fn from(path: &PathBuf) -> CsvInput {
        CsvInput::file(path)
    }
}

impl From<PathBuf> for CsvInput {
    fn from(path: PathBuf) -> CsvInput {
        CsvInput::file(path)
    }
}

impl From<&CsvInput> for CsvInput {
    fn from(input: &CsvInput) -> CsvInput {
        input.clone()
    }
}

/// A name ending in `.gz` (any case).
fn is_gzip_name(name: &Path) -> bool {
    name.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// What a corrupt gzip stream reports: the decoder's reason.
#[derive(Debug)]
pub(crate) struct CorruptGzip(pub String);

impl std::fmt::Display for CorruptGzip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not valid gzip data ({})", self.0)
    }
}

impl std::error::Error for CorruptGzip {}

/// An error of the compressed file itself (not of the decompression), passed through the
/// decoder in a wrapper so that [`Gunzip`] can tell the two apart.
#[derive(Debug)]
struct ReadFailed(std::io::Error);

impl std::fmt::Display for ReadFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ReadFailed {}

/// The compressed bytes; their read errors are wrapped in [`ReadFailed`].
struct Underlying<R>(R);

impl<R: Read> Read for Underlying<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0
            .read(buf)
            .map_err(|e| std::io::Error::new(e.kind(), ReadFailed(e)))
    }
}

/// The decompressed bytes: a read error of the file comes out as it was, any other error of
/// the decoder as [`CorruptGzip`] (kind `InvalidData`).
struct Gunzip<R>(R);

impl<R: Read> Read for Gunzip<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            if e.get_ref().is_some_and(|inner| inner.is::<ReadFailed>()) {
                match e.into_inner().map(|inner| inner.downcast::<ReadFailed>()) {
                    Some(Ok(read)) => read.0,
                    _ => std::io::Error::other("internal: a read error was lost"),
                }
            } else {
                std::io::Error::new(std::io::ErrorKind::InvalidData, CorruptGzip(e.to_string()))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn read_all(input: &CsvInput) -> std::io::Result<String> {
        let mut s = String::new();
        input.open().unwrap().read_to_string(&mut s)?;
        Ok(s)
    }

    #[test]
    fn the_name_picks_gzip_and_the_delimiter() {
        let cases = [
            ("d.csv", false, Delimiter::Comma),
            ("d.CSV.GZ", true, Delimiter::Comma),
            ("d.gz", true, Delimiter::Comma),
            ("d.tsv", false, Delimiter::Tab),
            ("d.tsv.gz", true, Delimiter::Tab),
            ("d.txt", false, Delimiter::Comma),
        ];
        for (name, gzip, delimiter) in cases {
            let input = CsvInput::file(name);
            assert_eq!(
                (input.is_gzip(), input.delimiter()),
                (gzip, delimiter),
                "{name}"
            );
        }
        let stdin = CsvInput::stdin().with_delimiter(Delimiter::Semicolon);
        assert_eq!(stdin.name(), Path::new("<stdin>"));
        assert_eq!(stdin.delimiter().byte(), b';');
        assert_eq!(stdin.path(), None);
    }

    #[test]
    fn delimiters_parse_from_their_characters_and_tab() {
        assert_eq!(",".parse::<Delimiter>().unwrap(), Delimiter::Comma);
        assert_eq!(";".parse::<Delimiter>().unwrap(), Delimiter::Semicolon);
        assert_eq!("|".parse::<Delimiter>().unwrap(), Delimiter::Pipe);
        for tab in ["tab", "\\t", "\t"] {
            assert_eq!(tab.parse::<Delimiter>().unwrap(), Delimiter::Tab);
        }
        let e = ";;".parse::<Delimiter>().unwrap_err().to_string();
        assert_eq!(
            e,
            "unknown delimiter `;;`; expected one of: `,`, `;`, `|`, `tab` (or `\\t`)"
        );
    }

    #[test]
    fn gzip_bytes_are_decompressed_while_reading() {
        let input = CsvInput::bytes("d.csv.gz", gzip(b"x,y\n1,0\n"));
        assert_eq!(read_all(&input).unwrap(), "x,y\n1,0\n");
        assert_eq!(input.size_hint(), None);
        // two members, as `cat a.gz b.gz` makes
        let mut two = gzip(b"x,y\n");
        two.extend(gzip(b"1,0\n"));
        let input = CsvInput::bytes("d.csv.gz", two);
        assert_eq!(read_all(&input).unwrap(), "x,y\n1,0\n");
    }

    #[test]
    fn corrupt_or_truncated_gzip_is_invalid_data() {
        let whole = gzip(b"x,y\n1,0\n2,1\n");
        let not_gzip = CsvInput::bytes("d.csv.gz", &b"x,y\n1,0\n"[..]);
        let truncated = CsvInput::bytes("d.csv.gz", &whole[..whole.len() - 6]);
        let mut flipped = whole.clone();
        flipped[12] ^= 0xff;
        let flipped = CsvInput::bytes("d.csv.gz", flipped);
        for input in [not_gzip, truncated, flipped] {
            let e = read_all(&input).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "{e}");
            assert!(e.get_ref().unwrap().is::<CorruptGzip>(), "{e}");
        }
    }

    #[test]
    fn a_read_error_of_the_compressed_file_is_not_called_corrupt() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "no",
                ))
            }
        }
        let mut r = Gunzip(flate2::bufread::MultiGzDecoder::new(BufReader::new(
            Underlying(Failing),
        )));
        let e = r.read(&mut [0; 8]).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied);
        assert_eq!(e.to_string(), "no");
    }

    #[test]
    fn bytes_can_be_read_twice_and_a_file_stays_a_file() {
        let input = CsvInput::bytes("t.csv", &b"a\n1\n"[..])
            .rereadable()
            .unwrap();
        assert_eq!(read_all(&input).unwrap(), "a\n1\n");
        assert_eq!(read_all(&input).unwrap(), "a\n1\n");
        assert_eq!(input.size_hint(), Some(4));
        let file = CsvInput::file("d.csv").rereadable().unwrap();
        assert_eq!(file.path(), Some(Path::new("d.csv")));
    }
}
