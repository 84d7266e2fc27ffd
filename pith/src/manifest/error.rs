//! What is wrong with a manifest, said with the file, line and key, in TOML's words.

use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

/// Where to look up the keys; every message ends by pointing there.
const HELP: &str = "see docs/manifest.md for every key";

#[derive(Debug, Error)]
pub enum ManifestError {
    /// The file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    /// The text is not TOML.
    #[error("{}, line {line}: {message} ({HELP})", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A key is unknown, or its value has the wrong type or an invalid value.
    #[error("{}, line {line}, key `{key}`: {message} ({HELP})", path.display())]
    Key {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
    /// Something is wrong with the manifest as a whole, such as a missing key.
    #[error("{}: {message} ({HELP})", path.display())]
    Document { path: PathBuf, message: String },
}

impl ManifestError {
    pub(super) fn syntax(path: &Path, text: &str, error: &toml::de::Error) -> ManifestError {
        ManifestError::Syntax {
            path: path.to_owned(),
            line: line_of(text, error.span().map_or(0, |span| span.start)),
            message: error.message().to_owned(),
        }
    }

    pub(super) fn key(
        path: &Path,
        text: &str,
        error: &serde_path_to_error::Error<toml::de::Error>,
    ) -> ManifestError {
        let key = error.path().to_string();
        let message = in_toml_words(error.inner().message());
        match error.inner().span() {
            Some(span) if key != "." => ManifestError::Key {
                path: path.to_owned(),
                line: line_of(text, span.start),
                key,
                message,
            },
            _ => ManifestError::Document {
                path: path.to_owned(),
                message,
            },
        }
    }
}

/// The 1-based line that byte `offset` of `text` is on.
fn line_of(text: &str, offset: usize) -> usize {
    let before = text.get(..offset).unwrap_or(text);
    before.bytes().filter(|&byte| byte == b'\n').count() + 1
}

/// serde speaks of fields, sequences and maps; a TOML file has keys, arrays and tables.
fn in_toml_words(message: &str) -> String {
    let message = message
        .replace("a sequence", "an array")
        .replace("a map", "a table")
        .replace("unknown variant", "unknown value");
    match message.strip_prefix("unknown field") {
        Some(rest) => {
            let keys = rest
                .replace(", expected one of", "; the keys are")
                .replace(", expected", "; the keys are");
            format!("unknown key{keys}")
        }
        None => message.replace("missing field", "missing key"),
    }
}
