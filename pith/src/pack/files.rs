//! The user's files: `files` in Pith.toml, `--file` and `--dir`, in that order, so that the
//! command line has the last word on a guest path. Globs are expanded with the `glob` crate;
//! each match keeps its path below the pattern's fixed leading directories.

use std::path::{Component, Path, PathBuf};

use super::error::PackError;
use super::host;
use super::spec::{FileMapping, MappingKind};
use super::tree::Tree;
use crate::deps::Exclude;

/// Adds every mapping in order.
pub fn add(tree: &mut Tree, mappings: &[FileMapping], exclude: Exclude) -> Result<(), PackError> {
    for mapping in mappings {
        let host_text = host::utf8(&mapping.host)?;
        if mapping.kind == MappingKind::Any && is_glob(host_text) {
            add_glob(tree, mapping, host_text, exclude)?;
        } else {
            check_kind(mapping)?;
            let guest = guest_path(&mapping.host, mapping.guest.as_deref())?;
            host::place(tree, &mapping.host, &guest, exclude)?;
        }
    }
    Ok(())
}

/// Adds each match of glob `pattern` below the mapping's guest path, which is a directory.
fn add_glob(
    tree: &mut Tree,
    mapping: &FileMapping,
    pattern: &str,
    exclude: Exclude,
) -> Result<(), PackError> {
    let bad = |message: String| PackError::BadGlob {
        pattern: pattern.to_owned(),
        message,
    };
    let matches = glob::glob(pattern).map_err(|error| bad(error.to_string()))?;
    let base = fixed_prefix(Path::new(pattern));
    let guest_base = match &mapping.guest {
        Some(directory) => directory.clone(),
        None => host::utf8(&absolute(&base)?)?.to_owned(),
    };

    let mut count = 0;
    for found in matches {
        let found = found.map_err(|error| bad(error.to_string()))?;
        let below = found.strip_prefix(&base).unwrap_or(&found);
        let guest = format!(
            "{}/{}",
            guest_base.trim_end_matches('/'),
            host::utf8(below)?
        );
        count += 1;
        if !exclude.covers(&guest) {
            host::place(tree, &found, &guest, exclude)?;
        }
    }
    if count == 0 {
        return Err(PackError::NoMatch {
            pattern: pattern.to_owned(),
        });
    }
    Ok(())
}

fn is_glob(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// The leading components of `pattern` that hold no glob characters (`.` if none do).
fn fixed_prefix(pattern: &Path) -> PathBuf {
    let prefix: PathBuf = pattern
        .components()
        .take_while(|component| !is_glob(&component.as_os_str().to_string_lossy()))
        .collect();
    if prefix.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        prefix
    }
}

/// `--file` takes files and `--dir` directories, so that a slip is caught.
fn check_kind(mapping: &FileMapping) -> Result<(), PackError> {
    let path = &mapping.host;
    let metadata = std::fs::metadata(path).map_err(PackError::read(path))?;
    match mapping.kind {
        MappingKind::File if metadata.is_dir() => Err(PackError::FileIsDirectory {
            path: path.to_owned(),
        }),
        MappingKind::Directory if !metadata.is_dir() => Err(PackError::DirectoryIsFile {
            path: path.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// Where host `path` goes: `guest`, inside `guest` if it ends in `/`, or at the host path
/// made absolute.
fn guest_path(path: &Path, guest: Option<&str>) -> Result<String, PackError> {
    match guest {
        Some(directory) if directory.ends_with('/') && directory.len() > 1 => {
            let name = path.file_name().map(Path::new).unwrap_or(Path::new(""));
            Ok(format!("{directory}{}", host::utf8(name)?))
        }
        Some(guest) => Ok(guest.to_owned()),
        None => Ok(host::utf8(&absolute(path)?)?.to_owned()),
    }
}

/// `path` made absolute against the working directory, with `.` and `..` taken away.
fn absolute(path: &Path) -> Result<PathBuf, PackError> {
    let absolute = std::path::absolute(path).map_err(PackError::read(path))?;
    let mut clean = PathBuf::from("/");
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                clean.pop();
            }
            Component::Normal(name) => clean.push(name),
            _ => {}
        }
    }
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_prefix_stops_at_the_first_glob() {
        assert_eq!(fixed_prefix(Path::new("/a/b/*.txt")), PathBuf::from("/a/b"));
        assert_eq!(
            fixed_prefix(Path::new("static/**/x")),
            PathBuf::from("static")
        );
        assert_eq!(fixed_prefix(Path::new("*.so")), PathBuf::from("."));
    }

    #[test]
    fn guest_paths() {
        let host = Path::new("/data/in.txt");
        assert_eq!(guest_path(host, Some("/srv/x.txt")).unwrap(), "/srv/x.txt");
        assert_eq!(guest_path(host, Some("/srv/")).unwrap(), "/srv/in.txt");
        assert_eq!(guest_path(host, None).unwrap(), "/data/in.txt");
        assert_eq!(guest_path(Path::new("/a/./b/../c"), None).unwrap(), "/a/c");
    }
}
