//! Copies host files into the tree. Two ways: mirrored at their host path with every
//! symbolic link on the way kept as a link (libraries, runtimes: the dynamic linker and the
//! interpreters find them where the host has them), or placed at a guest path the user
//! chose (`files`, `--file`, `--dir`), keeping links inside copied directories.

use std::collections::VecDeque;
use std::fs::{self, Metadata};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path, PathBuf};

use super::error::PackError;
use super::tree::{Node, Origin, Source, Tree};
use crate::deps::Exclude;

/// How many symbolic links one host path may pass through, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;
/// Permission bits kept from the host.
const PERMISSION_BITS: u32 = 0o7777;

/// Mirrors absolute host `path` at the same guest path: its directories, every link on the
/// way (and on to its target), and the file or directory it ends at. Returns the host path
/// it ends at, with every link resolved.
pub fn mirror(tree: &mut Tree, path: &Path, origin: Origin) -> Result<PathBuf, PackError> {
    let mut resolved = PathBuf::from("/");
    let mut pending: VecDeque<PathBuf> = normal_components(path);
    let mut links = 0;
    while let Some(component) = pending.pop_front() {
        if component.as_os_str() == ".." {
            resolved.pop();
            continue;
        }
        let candidate = resolved.join(&component);
        let metadata = fs::symlink_metadata(&candidate).map_err(PackError::read(&candidate))?;
        let key = key_of(&candidate)?;
        let last = pending.is_empty();
        let node_origin = if last { origin } else { Origin::Parent };

        if metadata.file_type().is_symlink() {
            links += 1;
            if links > MAX_LINKS {
                return Err(PackError::TooManyLinks {
                    path: path.to_owned(),
                });
            }
            let target = fs::read_link(&candidate).map_err(PackError::read(&candidate))?;
            let text = utf8(&target)?.to_owned();
            tree.add_resolved(&key, Node::symlink(text, mtime(&metadata), node_origin))?;
            if target.is_absolute() {
                resolved = PathBuf::from("/");
            }
            for component in normal_components(&target).into_iter().rev() {
                pending.push_front(component);
            }
        } else if metadata.is_dir() {
            tree.add_resolved(&key, directory(&metadata, node_origin))?;
            resolved = candidate;
        } else if last {
            tree.add_resolved(&key, file(&candidate, &metadata, origin)?)?;
            resolved = candidate;
        } else {
            return Err(PackError::read(&candidate)(std::io::Error::from(
                std::io::ErrorKind::NotADirectory,
            )));
        }
    }
    Ok(resolved)
}

/// Mirrors directory `root` and everything under it at their host paths. Links inside are
/// kept, and a link that leads out of `root` has its target mirrored too.
pub fn mirror_tree(tree: &mut Tree, root: &Path, exclude: Exclude) -> Result<(), PackError> {
    let resolved = mirror(tree, root, Origin::Runtime)?;
    let links = walk(tree, &resolved, exclude)?;
    for link in links {
        // One level deep: a directory a link leads to is copied, but links out of it are
        // kept as they are.
        let end = mirror(tree, &link, Origin::Runtime)?;
        if end.is_dir() && !end.starts_with(&resolved) {
            walk(tree, &end, exclude)?;
        }
    }
    Ok(())
}

/// Copies the contents of host directory `root` to the same guest path and returns the
/// links that lead out of it.
fn walk(tree: &mut Tree, root: &Path, exclude: Exclude) -> Result<Vec<PathBuf>, PackError> {
    let origin = Origin::Runtime;
    let links = Vec::new();
    let mut walk = Walk {
        tree,
        exclude,
        root,
        origin,
        links,
    };
    walk.directory(root, &key_of(root)?)?;
    Ok(walk.links)
}

/// Puts host `path` at guest `guest`: a file (links followed) or, recursively, a directory
/// (links inside kept as links).
pub fn place(tree: &mut Tree, path: &Path, guest: &str, exclude: Exclude) -> Result<(), PackError> {
    let metadata = fs::metadata(path).map_err(PackError::read(path))?;
    if metadata.is_dir() {
        let key = tree.place(guest, directory(&metadata, Origin::User))?;
        let (origin, links) = (Origin::User, Vec::new());
        let mut walk = Walk {
            tree,
            exclude,
            root: path,
            origin,
            links,
        };
        return walk.directory(path, &key);
    }
    tree.place(guest, file(path, &metadata, Origin::User)?)?;
    Ok(())
}

/// A recursive copy of one directory.
struct Walk<'a> {
    tree: &'a mut Tree,
    exclude: Exclude<'a>,
    /// The host directory being copied, to tell links that lead out of it.
    root: &'a Path,
    origin: Origin,
    /// Links that lead out of `root`, resolved on the host.
    links: Vec<PathBuf>,
}

impl Walk<'_> {
    /// Copies the contents of host directory `dir`, which is at `key` in the tree.
    fn directory(&mut self, dir: &Path, key: &str) -> Result<(), PackError> {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .map_err(PackError::read(dir))?
            .collect::<Result<_, _>>()
            .map_err(PackError::read(dir))?;
        entries.sort_by_key(|entry| entry.file_name());
        for entry in entries {
            let name = entry.file_name();
            let child_key = format!("{key}/{}", utf8(Path::new(&name))?);
            if self.exclude.matches(&format!("/{child_key}")) {
                continue;
            }
            self.entry(&entry.path(), &child_key)?;
        }
        Ok(())
    }

    fn entry(&mut self, path: &Path, key: &str) -> Result<(), PackError> {
        let metadata = fs::symlink_metadata(path).map_err(PackError::read(path))?;
        let file_type = metadata.file_type();
        let guest = format!("/{key}");
        if file_type.is_symlink() {
            let target = fs::read_link(path).map_err(PackError::read(path))?;
            let text = utf8(&target)?.to_owned();
            self.note_link(path, &target);
            let node = Node::symlink(text, mtime(&metadata), self.origin);
            self.tree.place(&guest, node)?;
        } else if file_type.is_dir() {
            self.tree.place(&guest, directory(&metadata, self.origin))?;
            self.directory(path, key)?;
        } else if file_type.is_file() {
            self.tree
                .place(&guest, file(path, &metadata, self.origin)?)?;
        } else {
            log::warn!(
                "{} is a {}: left out of the image",
                path.display(),
                special_kind(&metadata)
            );
        }
        Ok(())
    }

    /// Remembers link `path` if its target is outside the directory being copied.
    fn note_link(&mut self, path: &Path, target: &Path) {
        let base = path.parent().unwrap_or(Path::new("/"));
        let resolved = lexical_join(base, target);
        if !resolved.starts_with(self.root) {
            self.links.push(resolved);
        }
    }
}

/// `base/target` with `.` and `..` taken away lexically.
fn lexical_join(base: &Path, target: &Path) -> PathBuf {
    let mut joined = PathBuf::from("/");
    for component in base.join(target).components() {
        match component {
            Component::ParentDir => {
                joined.pop();
            }
            Component::Normal(name) => joined.push(name),
            _ => {}
        }
    }
    joined
}

/// The components of `path` other than the root and `.`.
fn normal_components(path: &Path) -> VecDeque<PathBuf> {
    path.components()
        .filter_map(|component| match component {
            Component::Normal(name) => Some(PathBuf::from(name)),
            Component::ParentDir => Some(PathBuf::from("..")),
            _ => None,
        })
        .collect()
}

/// The tree key (guest path without the leading `/`) of absolute host `path`.
pub fn key_of(path: &Path) -> Result<String, PackError> {
    Ok(utf8(path)?.trim_start_matches('/').to_owned())
}

pub fn utf8(path: &Path) -> Result<&str, PackError> {
    path.to_str().ok_or_else(|| PackError::NotUtf8 {
        path: path.to_owned(),
    })
}

fn directory(metadata: &Metadata, origin: Origin) -> Node {
    Node::directory(metadata.mode() & PERMISSION_BITS, mtime(metadata), origin)
}

/// A regular file node for host `path`; anything else that is not a directory is refused.
fn file(path: &Path, metadata: &Metadata, origin: Origin) -> Result<Node, PackError> {
    if !metadata.is_file() {
        let what = special_kind(metadata);
        return Err(PackError::Unsupported {
            path: path.to_owned(),
            what,
        });
    }
    let source = Source::Host(path.to_owned());
    let mode = metadata.mode() & PERMISSION_BITS;
    Ok(Node::file(
        source,
        metadata.len(),
        mode,
        mtime(metadata),
        origin,
    ))
}

fn special_kind(metadata: &Metadata) -> &'static str {
    let file_type = metadata.file_type();
    if file_type.is_fifo() {
        "named pipe"
    } else if file_type.is_socket() {
        "socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "device file"
    } else {
        "special file"
    }
}

/// The modification time as cpio stores it: seconds since 1970 in 32 bits.
pub fn mtime(metadata: &Metadata) -> u32 {
    u32::try_from(metadata.mtime().max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
