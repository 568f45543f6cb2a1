//! The library's one error type.
//!
//! Every message says what went wrong, what was found, and (where it helps) what to do,
//! on one line: `data.csv:17: column "x2": "abc" is not a number`.

use std::path::PathBuf;

/// Everything that can go wrong in scratchnet. Each variant is a user-facing problem
/// (bad input, bad settings, a file that cannot be read or written) except
/// [`Error::Internal`], which is a bug.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A data file is malformed; `line` is 1-based as an editor shows it (the header is line 1).
    #[error("{}:{line}: {message}", path.display())]
    Data {
        /// The file that was read.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong on that line.
        message: String,
    },
    /// A data file is wrong as a whole (empty, no rows, missing column, one class …).
    #[error("{}: {message}", path.display())]
    DataFile {
        /// The file that was read.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A model file cannot be used (not ours, a future version, inconsistent shapes …).
    #[error("{}: {message}", path.display())]
    Model {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A setting is out of range or settings do not fit together. `setting` is the setting's
    /// name in the library's terms (`batch_size`, the builder method that sets it); the
    /// message reads after it: "batch_size must be at least 1, got 0". Other settings a
    /// message mentions are written in backticks (`` `validation` ``), so that a front end can
    /// put its own names (a CLI flag) in place of both.
    #[error("{setting} {message}")]
    Config {
        /// The setting at fault.
        setting: &'static str,
        /// What is wrong with it, and what to do.
        message: String,
    },
    /// A name that is not one of the known ones (an activation, an optimizer, a data set …).
    #[error("unknown {kind} `{name}`; expected one of: {expected}")]
    UnknownName {
        /// What kind of name, e.g. `activation`.
        kind: &'static str,
        /// The name given.
        name: String,
        /// The known names, comma-separated.
        expected: &'static str,
    },
    /// Data in memory does not fit the operation (shapes, classes).
    #[error("{0}")]
    Invalid(String),
    /// Training diverged: the loss or a parameter stopped being finite, or grew past
    /// [`crate::train::DIVERGENCE_LIMIT`] in size.
    #[error(
        "training diverged at epoch {epoch}: the loss or a weight became NaN, infinite or larger than 1e100; \
         try a smaller learning rate (got {})", crate::error::short(*learning_rate)
    )]
    Diverged {
        /// The epoch at which the problem was detected.
        epoch: usize,
        /// The learning rate in use.
        learning_rate: f64,
    },
    /// Reading or writing a file failed.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The operating-system error (its message is part of this one).
        error: std::io::Error,
    },
    /// A job needs more memory than the machine has available (see [`crate::memory`]).
    #[error(
        "{what} needs about {} of memory, more than the {} available ({origin}); \
         use less data or a smaller network",
        crate::memory::human(*need), crate::memory::human(*available)
    )]
    OutOfMemory {
        /// The job: "training a network of 4,000,000,003 parameters".
        what: String,
        /// Its estimated need in bytes.
        need: u64,
        /// What the machine has, in bytes.
        available: u64,
        /// Where that number came from.
        origin: &'static str,
    },
    /// A bug in scratchnet: please report it.
    #[error("internal error (a bug in scratchnet, please report it): {0}")]
    Internal(String),
}

impl Error {
    /// True for a bug in scratchnet rather than a problem with the input.
    pub fn is_internal(&self) -> bool {
        matches!(self, Error::Internal(_))
    }

    /// [`Error::Config`] for `setting`.
    pub(crate) fn config(setting: &'static str, message: impl Into<String>) -> Self {
        Error::Config {
            setting,
            message: message.into(),
        }
    }

    /// [`Error::UnknownName`].
    pub(crate) fn unknown(kind: &'static str, name: &str, expected: &'static str) -> Self {
        Error::UnknownName {
            kind,
            name: name.to_string(),
            expected,
        }
    }

    /// A read or write of `path` that failed with `source`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            error: source,
        }
    }
}

/// User text (a column name, a value, a label) as a message or a table shows it, on one line:
/// `\n`, `\r`, `\t` and other control characters, and the invisible ones (zero-width spaces
/// and joiners, direction marks, the BOM U+FEFF, the soft hyphen), are escaped (`\u{feff}`),
/// and the result is cut to `max` characters with `…`.
pub fn shown(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for c in text.chars() {
        let escaped = match c {
            '\n' => "\\n".to_string(),
            '\r' => "\\r".to_string(),
            '\t' => "\\t".to_string(),
            c if c.is_control() || is_invisible(c) => format!("\\u{{{:x}}}", c as u32),
            c => c.to_string(),
        };
        let n = escaped.chars().count();
        if count + n > max {
            out.push('…');
            return out;
        }
        out.push_str(&escaped);
        count += n;
    }
    out
}

/// Characters that take no room on a terminal: format characters and separators.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{115f}' | '\u{1160}' | '\u{180e}'
        | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}'
        | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}' | '\u{fff0}'..='\u{fffb}')
}

/// Most characters of user text a message quotes (see [`shown`]).
pub const MAX_QUOTED: usize = 80;

/// [`shown`] with [`MAX_QUOTED`]: user text as an error message quotes it.
pub fn quoted(text: &str) -> String {
    shown(text, MAX_QUOTED)
}

/// A number for a message: plain when moderate, scientific when huge or tiny.
pub fn short(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e6 || v.abs() < 1e-4) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_text_is_one_line_of_bounded_length() {
        assert_eq!(shown("plain", 80), "plain");
        assert_eq!(
            shown("a\nb\rc\td\u{feff}e\u{200b}f\u{7}", 80),
            "a\\nb\\rc\\td\\u{feff}e\\u{200b}f\\u{7}"
        );
        assert_eq!(shown("it's \"x\"", 80), "it's \"x\"");
        let long = "é".repeat(100);
        assert_eq!(quoted(&long), format!("{}…", "é".repeat(80)));
        assert_eq!(shown("ab\ncd", 3), "ab…");
    }
}
