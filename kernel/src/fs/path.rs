//! Path resolution (path_resolution(7)): components looked up one by one from the root or a
//! starting directory, `.` and `..`, symbolic links followed up to 40 times (`ELOOP`),
//! names longer than `NAME_MAX` (`ENAMETOOLONG`), and `ENOTDIR` for a non-directory in the
//! middle of a path or before a trailing slash.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::anon::AnonInode;
use super::inode::{FileType, Inode, MagicTarget};
use crate::syscall::errno::Errno;

/// The longest name of one path component.
pub const NAME_MAX: usize = 255;
/// How many symbolic links one resolution may follow (`MAXSYMLINKS`).
pub const MAX_SYMLINKS: u32 = 40;

/// An inode and the absolute path it was reached by.
#[derive(Clone)]
pub struct Location {
    pub inode: Arc<dyn Inode>,
    pub path: Arc<[u8]>,
}

impl Location {
    pub fn new(inode: Arc<dyn Inode>, path: &[u8]) -> Location {
        Location {
            inode,
            path: path.into(),
        }
    }

    /// The child `name` of this directory, which is `inode`.
    pub fn child(&self, name: &[u8], inode: Arc<dyn Inode>) -> Location {
        let mut path = Vec::with_capacity(self.path.len() + 1 + name.len());
        path.extend_from_slice(&self.path);
        if !path.ends_with(b"/") {
            path.push(b'/');
        }
        path.extend_from_slice(name);
        Location::new(inode, &path)
    }

    /// The directory's parent; the root is its own parent.
    pub fn parent(&self) -> Location {
        let Some(parent) = self.inode.parent() else {
            return self.clone();
        };
        let cut = self
            .path
            .iter()
            .rposition(|&byte| byte == b'/')
            .unwrap_or(0);
        let path = if cut == 0 {
            &b"/"[..]
        } else {
            &self.path[..cut]
        };
        Location::new(parent, path)
    }

    pub fn is_directory(&self) -> bool {
        self.inode.metadata().is_directory()
    }

    fn is_symlink(&self) -> bool {
        self.inode.metadata().file_type() == Some(FileType::Symlink)
    }
}

/// The last component of a path, which calls that create or remove treat specially.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Last<'a> {
    Name(&'a [u8]),
    Dot,
    DotDot,
    /// The path is `/` (or only slashes).
    Root,
}

/// A path resolved up to its last component.
pub struct Parent<'a> {
    pub dir: Location,
    pub last: Last<'a>,
    /// The path ends with `/`: the last component must be a directory.
    pub trailing_slash: bool,
}

/// One resolution, counting the symbolic links it follows.
#[derive(Default)]
pub struct Walker {
    links: u32,
}

impl Walker {
    pub fn new() -> Walker {
        Walker::default()
    }

    /// Resolves `path` from `start` (ignored for absolute paths). The last component is
    /// followed if it is a symbolic link and `follow` is set or the path ends with `/`.
    pub fn walk(&mut self, start: Location, path: &[u8], follow: bool) -> Result<Location, Errno> {
        let parent = self.walk_parent(start, path)?;
        let follow = follow || parent.trailing_slash;
        let found = match parent.last {
            Last::Root | Last::Dot => parent.dir,
            Last::DotDot => parent.dir.parent(),
            Last::Name(name) => self.step(parent.dir, name, follow)?,
        };
        if parent.trailing_slash && !found.is_directory() {
            return Err(Errno::ENOTDIR);
        }
        Ok(found)
    }

    /// Resolves all of `path` but its last component, which must be in a directory.
    pub fn walk_parent<'p>(
        &mut self,
        start: Location,
        path: &'p [u8],
    ) -> Result<Parent<'p>, Errno> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        let mut dir = if path[0] == b'/' {
            super::context::root()
        } else {
            start
        };
        let mut components = path
            .split(|&byte| byte == b'/')
            .filter(|name| !name.is_empty());
        let mut last = components.next();
        for next in components {
            if let Some(name) = last {
                dir = self.step(dir, name, true)?;
            }
            last = Some(next);
        }
        if !dir.is_directory() {
            return Err(Errno::ENOTDIR);
        }
        let last = match last {
            None => Last::Root,
            Some(b".") => Last::Dot,
            Some(b"..") => Last::DotDot,
            Some(name) if name.len() > NAME_MAX => return Err(Errno::ENAMETOOLONG),
            Some(name) => Last::Name(name),
        };
        Ok(Parent {
            dir,
            last,
            trailing_slash: path.ends_with(b"/"),
        })
    }

    /// Looks `name` up in `dir`, following a symbolic link if `follow`.
    pub fn step(&mut self, dir: Location, name: &[u8], follow: bool) -> Result<Location, Errno> {
        if !dir.is_directory() {
            return Err(Errno::ENOTDIR);
        }
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        match name {
            b"." => Ok(dir),
            b".." => Ok(dir.parent()),
            _ => {
                let child = dir.inode.lookup(name)?;
                let found = dir.child(name, child);
                if follow && found.is_symlink() {
                    self.follow(dir, found)
                } else {
                    Ok(found)
                }
            }
        }
    }

    /// Follows the symbolic link `link`, which is in `dir`.
    pub fn follow(&mut self, dir: Location, link: Location) -> Result<Location, Errno> {
        self.count_link()?;
        self.follow_counted(dir, link)
    }

    /// Follows `link` after the caller counted it with [`Walker::count_link`].
    pub fn follow_counted(&mut self, dir: Location, link: Location) -> Result<Location, Errno> {
        if let Some(target) = link.inode.magic_link() {
            return Ok(magic_location(target?));
        }
        let target = link.inode.read_link()?;
        self.walk(dir, &target, true)
    }

    /// Counts one more link followed; `ELOOP` past the limit.
    pub fn count_link(&mut self) -> Result<(), Errno> {
        self.links += 1;
        if self.links > MAX_SYMLINKS {
            return Err(Errno::ELOOP);
        }
        Ok(())
    }
}

/// Where a magic link leads: the open file's own location, or an inode standing for it.
fn magic_location(description: MagicTarget) -> Location {
    match &description.location {
        Some(location) => location.clone(),
        None => {
            let path = description.describe();
            Location::new(Arc::new(AnonInode::new(description)), &path)
        }
    }
}

/// Resolves `path` from `start`.
pub fn resolve(start: Location, path: &[u8], follow: bool) -> Result<Location, Errno> {
    Walker::new().walk(start, path, follow)
}

/// Resolves `path` from `start` up to its last component.
pub fn resolve_parent(start: Location, path: &[u8]) -> Result<Parent<'_>, Errno> {
    Walker::new().walk_parent(start, path)
}
