//! Errors of the readers and writers. Every read error names the file and,
//! where one is at fault, the line, the column and the offending text.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::output::OutputError;

/// Maximum length of the offending text quoted in a message, in characters.
const MAX_QUOTED_CHARS: usize = 80;

/// An error while reading flow records.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// An input path names nothing that can be read.
    #[error("{}: {error}", path.display())]
    Open { path: PathBuf, error: io::Error },

    /// Reading or decompressing failed part way, e.g. a truncated gzip file.
    #[error("{}:{line}: read failed: {error} (is the file truncated or corrupt?)", path.display())]
    Io {
        path: PathBuf,
        /// The line being read when reading failed.
        line: u64,
        error: io::Error,
    },

    /// A field contains text that is not a valid value for its column.
    #[error("{}:{line}: column \"{column}\": {problem} \"{}\" (expected {expected})", path.display(), Quoted(text))]
    InvalidValue {
        path: PathBuf,
        line: u64,
        column: String,
        /// The problem, such as "invalid number".
        problem: &'static str,
        text: String,
        expected: &'static str,
    },

    /// A record has more or fewer fields than the header.
    #[error("{}:{line}: {found} fields, but the header has {expected} (check the separator and quoting)", path.display())]
    FieldCount {
        path: PathBuf,
        line: u64,
        expected: usize,
        found: usize,
    },

    /// A record is not valid UTF-8.
    #[error("{}:{line}: invalid UTF-8 in column \"{column}\" (expected UTF-8 text)", path.display())]
    InvalidUtf8 {
        path: PathBuf,
        line: u64,
        column: String,
    },

    /// A line of a JSON log is not a JSON object.
    #[error("{}:{line}: invalid JSON: {message} (expected one JSON object per line)", path.display())]
    InvalidJson {
        path: PathBuf,
        line: u64,
        message: String,
    },

    /// The header lacks a column the format needs.
    #[error("{}: missing required column \"{column}\" for {format} input (the header has: {header})", path.display())]
    MissingColumn {
        path: PathBuf,
        column: String,
        format: super::Format,
        header: String,
    },

    /// The header itself is malformed.
    #[error("{}:{line}: invalid header: {message}", path.display())]
    InvalidHeader {
        path: PathBuf,
        line: u64,
        message: String,
    },

    /// The file contains no header line.
    #[error("{}: the file is empty (expected a header line)", path.display())]
    Empty { path: PathBuf },

    /// The first line matches none of the known formats.
    #[error("{}: cannot detect the format from the first line \"{}\" (set the format explicitly: cidds, nfdump, zeek, zeek-json or csv)", path.display(), Quoted(first_line))]
    UnknownFormat { path: PathBuf, first_line: String },
    #[error("{}: this is a packet capture (pcap or pcapng), which is not read directly; turn it into flows first, e.g. with Zeek (conn.log) or nfpcapd and nfdump (CSV)", path.display())]
    PacketCapture { path: PathBuf },

    /// The session timeout is negative or not a number.
    #[error("invalid session timeout {seconds} s (expected a non-negative number of seconds)")]
    InvalidTimeout { seconds: f64 },

    /// The inputs expand to no file.
    #[error("no input files in {}", paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    NoInput { paths: Vec<PathBuf> },
}

impl ReadError {
    /// Returns the reason under which a skippable record error is counted,
    /// or `None` for errors that concern a whole file and cannot be skipped.
    pub fn skip_reason(&self) -> Option<String> {
        match self {
            ReadError::InvalidValue {
                column, problem, ..
            } => Some(format!("{problem} in column \"{column}\"")),
            ReadError::FieldCount { .. } => Some("wrong field count".to_string()),
            ReadError::InvalidUtf8 { .. } => Some("invalid UTF-8".to_string()),
            ReadError::InvalidJson { .. } => Some("invalid JSON".to_string()),
            _ => None,
        }
    }
}

/// An error while writing flows.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("failed to write flows")]
    Io(#[source] io::Error),
}

impl From<io::Error> for WriteError {
    fn from(error: io::Error) -> Self {
        WriteError::Io(error)
    }
}

/// Text shortened to [`MAX_QUOTED_CHARS`] characters for a message, with
/// control characters escaped so that a message stays on one line.
struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.chars().enumerate() {
            if i == MAX_QUOTED_CHARS {
                return f.write_str("...");
            }
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}
