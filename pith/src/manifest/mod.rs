//! `Pith.toml`, the application manifest: which program to run, with which arguments,
//! environment, working directory and files, and how to run it (memory, network). docs/manifest.md describes
//! every key. Parsed with `toml` and `serde`; a mistake is reported with the file, line and
//! key ([`ManifestError`]).

mod error;
mod network;
mod values;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::cli::MemorySize;

pub use error::ManifestError;
pub use network::NetworkTable;
pub use values::{FileEntry, RuntimeChoice};

/// The manifest's file name, in the application's directory.
pub const FILE_NAME: &str = "Pith.toml";

/// The keys of `Pith.toml`. Host paths are relative to the manifest's directory.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppManifest {
    /// Host path of the executable.
    pub program: String,
    /// Arguments after `argv[0]`.
    #[serde(default)]
    pub args: Vec<String>,
    /// Environment variables.
    #[serde(default, deserialize_with = "values::environment")]
    pub env: BTreeMap<String, String>,
    /// Absolute guest path of the initial working directory.
    #[serde(default, deserialize_with = "values::absolute_path")]
    pub workdir: Option<String>,
    /// Host files, directories and globs to put in the image.
    #[serde(default)]
    pub files: Vec<FileEntry>,
    /// Guest path globs left out of the image.
    #[serde(default, deserialize_with = "values::patterns")]
    pub exclude: Vec<glob::Pattern>,
    /// Shared libraries the program loads by name at run time (`dlopen`).
    #[serde(default)]
    pub libraries: Vec<String>,
    /// Which language runtime's library tree to include.
    #[serde(default)]
    pub runtime: RuntimeChoice,
    /// Whether to include the host's compiled locales.
    #[serde(default)]
    pub locales: bool,
    /// Whether the program may not change the root filesystem.
    #[serde(default)]
    pub read_only_root: bool,
    /// Guest memory, a run option: not stored in the image.
    #[serde(default, deserialize_with = "values::memory")]
    pub memory: Option<MemorySize>,
    /// The VM's network, a run option: not stored in the image.
    #[serde(default)]
    pub network: NetworkTable,
}

/// Reads and checks the manifest at `path`.
pub fn load(path: &Path) -> Result<AppManifest, ManifestError> {
    let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&text, path)
}

/// Parses manifest `text`; `path` is only used in error messages.
pub fn parse(text: &str, path: &Path) -> Result<AppManifest, ManifestError> {
    let deserializer = toml::Deserializer::parse(text)
        .map_err(|error| ManifestError::syntax(path, text, &error))?;
    serde_path_to_error::deserialize(deserializer)
        .map_err(|error| ManifestError::key(path, text, &error))
}

#[cfg(test)]
mod tests;
