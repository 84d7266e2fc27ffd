//! Why an image cannot be made, with what to do about it.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

use super::tree::TreeError;
use crate::deps::DepsError;

#[derive(Debug, Error)]
pub enum PackError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{} is not valid UTF-8, which image paths must be: rename it", path.display())]
    NotUtf8 { path: PathBuf },
    #[error("{} is a {what}, which an image cannot hold: leave it out", path.display())]
    Unsupported { path: PathBuf, what: &'static str },
    #[error("{} passes through more than 40 symbolic links", path.display())]
    TooManyLinks { path: PathBuf },
    #[error("{} is a directory: give directories with --dir HOST:GUEST", path.display())]
    FileIsDirectory { path: PathBuf },
    #[error("{} is not a directory: give files with --file HOST:GUEST", path.display())]
    DirectoryIsFile { path: PathBuf },
    #[error("`{pattern}` matches no file: check the pattern and the directory it is relative to")]
    NoMatch { pattern: String },
    #[error("`{pattern}` is not a valid glob: {message}")]
    BadGlob { pattern: String, message: String },
    #[error(transparent)]
    Tree(#[from] TreeError),
    #[error(transparent)]
    Deps(#[from] DepsError),
    #[error("cannot write the image: {0}")]
    Write(io::Error),
}

impl PackError {
    pub fn read(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> PackError {
        let path = path.into();
        move |source| PackError::Read { path, source }
    }
}
