//! The image's file tree before it is written: guest paths mapped to directories, files and
//! symbolic links, each remembering why it is there. Paths are kept without their leading
//! `/` and sorted, so that every directory is written before what it holds.
//!
//! Guest paths given by the user are resolved through the symbolic links already in the tree,
//! as the kernel will resolve them (path_resolution(7)): `--file x:/lib/x` lands in
//! `usr/lib` when `lib` is a link to `usr/lib`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use thiserror::Error;

/// How many symbolic links one path may pass through, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;
/// Permissions of directories the tree creates itself.
const DIRECTORY_MODE: u32 = 0o755;

/// Why an entry is in the image, as `pith build --list-files` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Program,
    /// The dynamic linker (PT_INTERP).
    Interpreter,
    Library,
    /// A language runtime's tree, or files glibc loads by name (NSS, gconv, locales).
    Runtime,
    /// `files`, `--file`, `--dir`.
    User,
    /// Made up by pith: /etc/hosts and the like.
    Generated,
    /// A directory on the way to something else.
    Parent,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Program => "program",
            Origin::Interpreter => "interpreter",
            Origin::Library => "library",
            Origin::Runtime => "runtime",
            Origin::User => "user",
            Origin::Generated => "generated",
            Origin::Parent => "parent",
        }
    }
}

/// Where a file's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Host(PathBuf),
    Generated(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    Directory,
    /// A regular file of `size` bytes (when planned: it is measured again when written).
    File {
        source: Source,
        size: u64,
    },
    Symlink {
        target: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    /// Permission bits.
    pub mode: u32,
    /// Seconds since 1970, as cpio keeps them.
    pub mtime: u32,
    pub origin: Origin,
}

impl Node {
    pub fn directory(mode: u32, mtime: u32, origin: Origin) -> Node {
        let kind = NodeKind::Directory;
        Node {
            kind,
            mode,
            mtime,
            origin,
        }
    }

    pub fn file(source: Source, size: u64, mode: u32, mtime: u32, origin: Origin) -> Node {
        let kind = NodeKind::File { source, size };
        Node {
            kind,
            mode,
            mtime,
            origin,
        }
    }

    pub fn symlink(target: String, mtime: u32, origin: Origin) -> Node {
        let kind = NodeKind::Symlink { target };
        Node {
            kind,
            mode: 0o777,
            mtime,
            origin,
        }
    }

    fn is_directory(&self) -> bool {
        self.kind == NodeKind::Directory
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TreeError {
    /// Something that is not a directory stands where one is needed.
    #[error(
        "/{path} is a {what} in the image, so /{wanted} cannot be put under it: choose \
         another guest path"
    )]
    NotADirectory {
        path: String,
        what: &'static str,
        wanted: String,
    },
    /// A directory and a file or link claim the same path.
    #[error(
        "/{path} is a {existing} in the image and cannot also be a {new}: choose another \
         guest path"
    )]
    Conflict {
        path: String,
        existing: &'static str,
        new: &'static str,
    },
    /// Links that loop or nest too deeply.
    #[error("resolving {0} passes through more than 40 symbolic links")]
    TooManyLinks(String),
    /// Not a usable guest path.
    #[error("`{0}` is not a guest path the image can hold: give a clean absolute path")]
    BadPath(String),
}

/// The image's entries, keyed by guest path without the leading `/`.
#[derive(Debug, Default)]
pub struct Tree {
    nodes: BTreeMap<String, Node>,
}

impl Tree {
    /// The entry at guest `path` itself, not following links.
    pub fn get(&self, path: &str) -> Option<&Node> {
        self.nodes.get(path.trim_start_matches('/'))
    }

    /// Entries in the order they are written: every directory before its contents.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Node)> {
        self.nodes.iter().map(|(path, node)| (path.as_str(), node))
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Adds `node` at `key`, whose parents are already in the tree as directories (a mirror
    /// of a host path). An existing entry of the same kind is kept; a different one is an
    /// error.
    pub fn add_resolved(&mut self, key: &str, node: Node) -> Result<(), TreeError> {
        match self.nodes.get(key) {
            None => {
                self.nodes.insert(key.to_owned(), node);
                Ok(())
            }
            Some(existing) if same_kind(existing, &node) => Ok(()),
            Some(existing) => Err(conflict(key, existing, &node)),
        }
    }

    /// Puts `node` at guest `path`, following the links in the tree and creating missing
    /// parent directories. A file or link replaces one already there; a directory is merged
    /// with one already there. Returns the key it landed at.
    pub fn place(&mut self, path: &str, node: Node) -> Result<String, TreeError> {
        let key = self.resolve_parent(path)?;
        match self.nodes.get_mut(&key) {
            Some(existing) if existing.is_directory() && node.is_directory() => {
                *existing = node;
            }
            Some(existing) if existing.is_directory() || node.is_directory() => {
                return Err(conflict(&key, existing, &node));
            }
            // The same host file reached twice (a library inside a runtime tree).
            Some(existing) if same_kind(existing, &node) => {}
            Some(existing) => {
                log::debug!(
                    "/{key}: {} replaces {}",
                    node.origin.as_str(),
                    existing.origin.as_str()
                );
                *existing = node;
            }
            None => {
                self.nodes.insert(key.clone(), node);
            }
        }
        Ok(key)
    }

    /// Whether guest `path` names something in the image, following its links.
    pub fn exists(&self, path: &str) -> bool {
        self.lookup(path).is_some()
    }

    /// The key guest `path` leads to when every link is followed, if it exists.
    fn lookup(&self, path: &str) -> Option<String> {
        let mut key = String::new();
        let mut pending = components(path);
        let mut links = 0;
        while let Some(component) = pending.pop() {
            key = step(&key, &component);
            if let NodeKind::Symlink { target } = &self.nodes.get(&key)?.kind {
                links += 1;
                if links > MAX_LINKS {
                    return None;
                }
                key = link_base(&key, target);
                pending.extend(components(target));
            }
        }
        Some(key)
    }

    /// Resolves the parents of guest `path` through the tree's links, creating missing
    /// directories, and returns the key of its last component (not followed).
    fn resolve_parent(&mut self, path: &str) -> Result<String, TreeError> {
        let bad = || TreeError::BadPath(path.to_owned());
        if !path.starts_with('/') {
            return Err(bad());
        }
        let mut key = String::new();
        let mut pending = components(path);
        let mut links = 0;
        while let Some(component) = pending.pop() {
            key = step(&key, &component);
            if pending.is_empty() {
                break;
            }
            match self.nodes.get(&key).map(|node| &node.kind) {
                None => {
                    let node = Node::directory(DIRECTORY_MODE, 0, Origin::Parent);
                    self.nodes.insert(key.clone(), node);
                }
                Some(NodeKind::Directory) => {}
                Some(NodeKind::Symlink { target }) => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Err(TreeError::TooManyLinks(path.to_owned()));
                    }
                    let target = target.clone();
                    key = link_base(&key, &target);
                    pending.extend(components(&target));
                }
                Some(NodeKind::File { .. }) => {
                    return Err(TreeError::NotADirectory {
                        path: key,
                        what: "file",
                        wanted: path.trim_start_matches('/').to_owned(),
                    })
                }
            }
        }
        if key.is_empty() {
            return Err(bad());
        }
        Ok(key)
    }
}

/// The components of `path`, last first, so that `pop` walks it from the start.
fn components(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|component| !component.is_empty() && *component != ".")
        .rev()
        .map(str::to_owned)
        .collect()
}

/// The key after taking `component` from the resolved `key`.
fn step(key: &str, component: &str) -> String {
    if component == ".." {
        // `..` of the root is the root, as in path_resolution(7).
        return parent_of(key);
    }
    if key.is_empty() {
        component.to_owned()
    } else {
        format!("{key}/{component}")
    }
}

fn parent_of(key: &str) -> String {
    key.rsplit_once('/')
        .map_or(String::new(), |(parent, _)| parent.to_owned())
}

/// Where resolution goes on after link `key`: the root for an absolute target, else the
/// link's directory.
fn link_base(key: &str, target: &str) -> String {
    if target.starts_with('/') {
        return String::new();
    }
    parent_of(key)
}

fn kind_name(node: &Node) -> &'static str {
    match node.kind {
        NodeKind::Directory => "directory",
        NodeKind::File { .. } => "file",
        NodeKind::Symlink { .. } => "symbolic link",
    }
}

fn same_kind(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (NodeKind::Directory, NodeKind::Directory) => true,
        (NodeKind::File { source: x, .. }, NodeKind::File { source: y, .. }) => x == y,
        (NodeKind::Symlink { target: x }, NodeKind::Symlink { target: y }) => x == y,
        _ => false,
    }
}

fn conflict(key: &str, existing: &Node, new: &Node) -> TreeError {
    TreeError::Conflict {
        path: key.to_owned(),
        existing: kind_name(existing),
        new: kind_name(new),
    }
}

#[cfg(test)]
mod tests;
