//! Inodes: the objects that paths name, whatever filesystem holds them (inode(7)).
//!
//! Each kind of inode implements only what it supports; the defaults fail as Linux fails
//! the operation on an inode that cannot do it.

use super::file::{AsAny, File};
use super::open_flags::OpenFlags;
use crate::syscall::errno::Errno;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// File types, as the `S_IFMT` bits of `st_mode` give them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Fifo,
    CharDevice,
    Directory,
    BlockDevice,
    Regular,
    Symlink,
    Socket,
}

pub const S_IFMT: u32 = 0o170000;

impl FileType {
    pub fn mode_bits(self) -> u32 {
        match self {
            FileType::Fifo => 0o010000,
            FileType::CharDevice => 0o020000,
            FileType::Directory => 0o040000,
            FileType::BlockDevice => 0o060000,
            FileType::Regular => 0o100000,
            FileType::Symlink => 0o120000,
            FileType::Socket => 0o140000,
        }
    }

    pub fn from_mode(mode: u32) -> Option<FileType> {
        [
            FileType::Fifo,
            FileType::CharDevice,
            FileType::Directory,
            FileType::BlockDevice,
            FileType::Regular,
            FileType::Symlink,
            FileType::Socket,
        ]
        .into_iter()
        .find(|kind| kind.mode_bits() == mode & S_IFMT)
    }

    /// `d_type` of `struct linux_dirent64` (`DT_*`).
    pub fn dirent_type(self) -> u8 {
        ((self.mode_bits() >> 12) & 0o17) as u8
    }
}

/// A point in time, as `struct timespec` holds it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Time {
    pub seconds: i64,
    pub nanos: u32,
}

impl Time {
    pub fn now() -> Time {
        let nanos = crate::time::realtime_ns();
        Time {
            seconds: (nanos / 1_000_000_000) as i64,
            nanos: (nanos % 1_000_000_000) as u32,
        }
    }

    pub fn from_seconds(seconds: u32) -> Time {
        Time {
            seconds: seconds.into(),
            nanos: 0,
        }
    }
}

/// What `stat` reports about an inode.
#[derive(Clone, Copy, Debug, Default)]
pub struct Metadata {
    pub device: u64,
    pub inode: u64,
    /// File type and permission bits.
    pub mode: u32,
    pub links: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub rdev: u64,
    pub block_size: u32,
    /// 512-byte blocks allocated.
    pub blocks: u64,
    pub accessed: Time,
    pub modified: Time,
    pub changed: Time,
}

impl Metadata {
    pub fn file_type(&self) -> Option<FileType> {
        FileType::from_mode(self.mode)
    }

    pub fn is_directory(&self) -> bool {
        self.file_type() == Some(FileType::Directory)
    }
}

/// A filesystem instance: what `statfs` reports and whether it may be changed.
#[derive(Debug)]
pub struct FileSystem {
    /// `st_dev` of its inodes.
    pub device: u64,
    /// `f_type` of `statfs(2)`.
    pub magic: u64,
    pub read_only: bool,
}

impl FileSystem {
    /// Fails with `EROFS` if the filesystem may not be changed.
    pub fn check_writable(&self) -> Result<(), Errno> {
        if self.read_only {
            Err(Errno::EROFS)
        } else {
            Ok(())
        }
    }
}

/// What `create` makes.
pub enum NewNode<'a> {
    Regular,
    Directory,
    Symlink(&'a [u8]),
    /// The name of a bound unix socket (unix(7)): only a node, which `connect` finds the
    /// socket by.
    Socket,
}

/// Where a directory listing goes on: the index of the next entry (counting `.` and `..`,
/// as the file position does) and, when the listing continues where it stopped, the name
/// it returned last, so that entries removed meanwhile shift nothing.
#[derive(Clone, Copy)]
pub struct DirPosition<'a> {
    pub index: u64,
    pub after: Option<&'a [u8]>,
}

/// One entry of a directory listing, with the position that continues after it.
pub struct DirEntry<'a> {
    pub next: u64,
    pub inode: u64,
    pub kind: FileType,
    pub name: &'a [u8],
}

/// Attribute changes: `chmod`, `chown`, `utimensat`.
#[derive(Clone, Copy, Default)]
pub struct AttributeChange {
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub accessed: Option<Time>,
    pub modified: Option<Time>,
}

/// Where a magic link (`/proc/self/fd/N`) leads: an open file, not a path to walk.
pub type MagicTarget = Arc<super::description::FileDescription>;

pub trait Inode: AsAny {
    fn metadata(&self) -> Metadata;

    fn filesystem(&self) -> &'static FileSystem;

    /// Opens the inode, giving the operations of the new open file description.
    fn open(self: Arc<Self>, flags: OpenFlags) -> Result<Arc<dyn File>, Errno>;

    /// The child called `name` of a directory.
    fn lookup(&self, _name: &[u8]) -> Result<Arc<dyn Inode>, Errno> {
        Err(Errno::ENOTDIR)
    }

    /// The directory's parent (`..`); `None` for the root.
    fn parent(&self) -> Option<Arc<dyn Inode>> {
        None
    }

    /// Lists the directory from `position` (index 2 is the first entry after `.` and `..`,
    /// which are not listed here), calling `visit` until it returns `false`.
    fn read_dir(
        &self,
        _position: DirPosition,
        _visit: &mut dyn FnMut(DirEntry) -> bool,
    ) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }

    fn create(&self, _name: &[u8], _node: NewNode, _mode: u32) -> Result<Arc<dyn Inode>, Errno> {
        Err(self.refusal())
    }

    /// Adds `name` as another link to `inode` (`link(2)`).
    fn link(&self, _name: &[u8], _inode: &Arc<dyn Inode>) -> Result<(), Errno> {
        Err(self.refusal())
    }

    /// Removes `name`; `directory` says whether it must be an empty directory (`rmdir`) or
    /// must not be a directory (`unlink`).
    fn unlink(&self, _name: &[u8], _directory: bool) -> Result<(), Errno> {
        Err(self.refusal())
    }

    /// Moves `name` to `target`'s `new_name` (`renameat2(2)` with `flags`).
    fn rename(
        &self,
        _name: &[u8],
        _target: &Arc<dyn Inode>,
        _new_name: &[u8],
        _flags: u32,
    ) -> Result<(), Errno> {
        Err(self.refusal())
    }

    fn read_link(&self) -> Result<Vec<u8>, Errno> {
        Err(Errno::EINVAL)
    }

    /// For magic links, the open file they lead to.
    fn magic_link(&self) -> Option<Result<MagicTarget, Errno>> {
        None
    }

    fn set_attributes(&self, _change: &AttributeChange) -> Result<(), Errno> {
        Err(self.refusal())
    }

    fn truncate(&self, _size: u64) -> Result<(), Errno> {
        if self.metadata().is_directory() {
            return Err(Errno::EISDIR);
        }
        Err(Errno::EINVAL)
    }

    /// The errno for a change this inode does not support.
    fn refusal(&self) -> Errno {
        if self.filesystem().read_only {
            Errno::EROFS
        } else {
            Errno::EPERM
        }
    }
}
