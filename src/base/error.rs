//! The crate's one error type: everything that can stop start-up.
//!
//! Each variant carries the file it is about and, for content errors, the JSON pointer, so the
//! message a user reads names the place to fix without a second look.

use std::io;

/// Why the mock could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A fixture or schema file could not be read.
    #[error("{file}: cannot read the file")]
    Read {
        file: String,
        #[source]
        source: io::Error,
    },

    /// A file is not JSON at all.
    #[error("{file}:{line}:{column}: invalid JSON: {reason}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        reason: String,
    },

    /// A fixture file is JSON but breaks its schema or a rule no schema can say (unique ids).
    #[error("{file}: {pointer}{}: {reason}", describe_id(.id))]
    Invalid {
        file: String,
        /// JSON pointer of the offending value inside the file ("" for the whole document).
        pointer: String,
        /// The `_id` of the array item the pointer lies in, when it has one.
        id: Option<String>,
        reason: String,
    },

    /// A setting the server cannot honour (a flag or a builder method).
    #[error("{0}")]
    Config(String),

    /// A schema file is missing, not a valid JSON Schema, or refers to something unknown.
    #[error("{file}: bad schema: {reason}")]
    Schema { file: String, reason: String },

    /// Output could not be written.
    #[error("cannot write the output")]
    Write {
        #[source]
        source: io::Error,
    },

    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}")]
    Bind {
        addr: String,
        #[source]
        source: io::Error,
    },
}

fn describe_id(id: &Option<String>) -> String {
    match id {
        Some(id) => format!(" (_id {id:?})"),
        None => String::new(),
    }
}

impl Error {
    /// Builds a [`Error::Syntax`] from serde_json's error, keeping its position apart from its words.
    pub(crate) fn syntax(file: &str, err: &serde_json::Error) -> Self {
        let text = err.to_string();
        let reason = match text.rsplit_once(" at line ") {
            Some((reason, _)) => reason.to_string(),
            None => text,
        };
        Error::Syntax {
            file: file.to_string(),
            line: err.line(),
            column: err.column(),
            reason,
        }
    }
}

/// The pointer of the whole document reads better as "/" in a message than as "".
pub(crate) fn display_pointer(pointer: &str) -> String {
    if pointer.is_empty() {
        "/".to_string()
    } else {
        pointer.to_string()
    }
}
