//! What to pack: the program, how it is started, and what else goes into the image, merged
//! from `Pith.toml` and the command line by the commands.

use std::path::PathBuf;

use crate::manifest::RuntimeChoice;

/// Everything that decides an image's contents.
#[derive(Debug, Clone, Default)]
pub struct AppSpec {
    /// The program on the host.
    pub program: PathBuf,
    /// `argv[0]`, the program as the user named it.
    pub argv0: Vec<u8>,
    /// The arguments after `argv[0]`.
    pub args: Vec<Vec<u8>>,
    /// `KEY=VALUE` environment variables.
    pub env: Vec<Vec<u8>>,
    /// Absolute guest path of the working directory (default `/`).
    pub workdir: Option<String>,
    pub files: Vec<FileMapping>,
    /// Guest paths left out of copied directories and runtime trees.
    pub exclude: Vec<glob::Pattern>,
    /// Libraries the program loads by name at run time.
    pub libraries: Vec<String>,
    pub runtime: RuntimeChoice,
    pub locales: bool,
    pub read_only_root: bool,
}

impl AppSpec {
    /// The value of environment variable `key`, if set.
    pub fn env_var(&self, key: &str) -> Option<&[u8]> {
        self.env.iter().find_map(|var| {
            let value = var.strip_prefix(key.as_bytes())?;
            value.strip_prefix(b"=")
        })
    }
}

/// Host files to put in the image at a guest path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMapping {
    /// A host path or, for [`MappingKind::Any`], a glob.
    pub host: PathBuf,
    /// Absolute guest path; without one, the host path made absolute. Ending in `/`, a
    /// directory to put the file in.
    pub guest: Option<String>,
    pub kind: MappingKind,
}

/// What a mapping's host path must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MappingKind {
    /// `--file`: a regular file (links followed).
    File,
    /// `--dir`: a directory, copied recursively.
    Directory,
    /// A manifest entry: a file, a directory or a glob.
    Any,
}
