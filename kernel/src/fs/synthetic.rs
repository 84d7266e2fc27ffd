//! Read-only trees whose contents the kernel makes up when they are read: `/proc` and
//! `/sys` (proc(5), sysfs(5)). Directories list fixed or generated children; files are
//! generated text, snapshotted when opened; links are generated targets.

use alloc::boxed::Box;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use spin::Once;

use super::buffer::Buffer;
use super::dir_file::DirectoryFile;
use super::file::{File, IoFlags};
use super::inode::{DirEntry, DirPosition, FileSystem, FileType, Inode, Metadata, Time};
use super::open_flags::OpenFlags;
use crate::syscall::errno::{Errno, SysResult};

/// Children made when the directory is read (`/proc/self/fd`).
pub type Listing = Box<dyn Fn() -> Vec<(Vec<u8>, Arc<dyn Inode>)> + Send + Sync>;

pub enum SynBody {
    Directory(Vec<(&'static [u8], Arc<dyn Inode>)>),
    Generated(Listing),
    Text(fn() -> Vec<u8>),
    Link(fn() -> Vec<u8>),
}

pub struct SynNode {
    fs: &'static FileSystem,
    inode: u64,
    mode: u32,
    body: SynBody,
    parent: Once<Weak<dyn Inode>>,
}

static NEXT_INODE: AtomicU64 = AtomicU64::new(2);

/// When the synthetic trees were made: their timestamps.
static BOOT_TIME: Once<Time> = Once::new();

impl SynNode {
    pub fn new(fs: &'static FileSystem, permissions: u32, body: SynBody) -> Arc<SynNode> {
        let kind = match body {
            SynBody::Directory(_) | SynBody::Generated(_) => FileType::Directory,
            SynBody::Text(_) => FileType::Regular,
            SynBody::Link(_) => FileType::Symlink,
        };
        let node = Arc::new(SynNode {
            fs,
            inode: NEXT_INODE.fetch_add(1, Ordering::Relaxed),
            mode: kind.mode_bits() | permissions,
            body,
            parent: Once::new(),
        });
        if let SynBody::Directory(children) = &node.body {
            let weak: Weak<dyn Inode> = Arc::downgrade(&node) as Weak<SynNode>;
            for (_, child) in children {
                set_parent(child, weak.clone());
            }
        }
        node
    }

    pub fn directory(
        fs: &'static FileSystem,
        children: Vec<(&'static [u8], Arc<dyn Inode>)>,
    ) -> Arc<SynNode> {
        Self::new(fs, 0o555, SynBody::Directory(children))
    }

    pub fn text(fs: &'static FileSystem, generate: fn() -> Vec<u8>) -> Arc<SynNode> {
        Self::new(fs, 0o444, SynBody::Text(generate))
    }

    pub fn link(fs: &'static FileSystem, target: fn() -> Vec<u8>) -> Arc<SynNode> {
        Self::new(fs, 0o777, SynBody::Link(target))
    }
}

/// Sets the `..` of `child` if it is a synthetic directory (mounting does this for roots).
pub fn set_parent(child: &Arc<dyn Inode>, parent: Weak<dyn Inode>) {
    if let Ok(node) = child.clone().as_any_arc().downcast::<SynNode>() {
        node.parent.call_once(|| parent);
    }
}

pub fn boot_time() -> Time {
    *BOOT_TIME.call_once(Time::now)
}

impl Inode for SynNode {
    fn metadata(&self) -> Metadata {
        let time = boot_time();
        let size = match &self.body {
            SynBody::Link(target) => target().len() as u64,
            _ => 0,
        };
        Metadata {
            device: self.fs.device,
            inode: self.inode,
            mode: self.mode,
            links: if let SynBody::Link(_) | SynBody::Text(_) = self.body {
                1
            } else {
                2
            },
            size,
            block_size: 1024,
            accessed: time,
            modified: time,
            changed: time,
            ..Metadata::default()
        }
    }

    fn filesystem(&self) -> &'static FileSystem {
        self.fs
    }

    fn open(self: Arc<Self>, _flags: OpenFlags) -> Result<Arc<dyn File>, Errno> {
        match &self.body {
            SynBody::Directory(_) | SynBody::Generated(_) => Ok(Arc::new(DirectoryFile::new(self))),
            SynBody::Text(generate) => {
                let metadata = self.metadata();
                Ok(Arc::new(Snapshot::new(generate(), metadata)))
            }
            SynBody::Link(_) => Err(Errno::ELOOP),
        }
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn Inode>, Errno> {
        match &self.body {
            SynBody::Directory(children) => children
                .iter()
                .find(|(child, _)| *child == name)
                .map(|(_, inode)| inode.clone())
                .ok_or(Errno::ENOENT),
            SynBody::Generated(list) => list()
                .into_iter()
                .find(|(child, _)| child == name)
                .map(|(_, inode)| inode)
                .ok_or(Errno::ENOENT),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn parent(&self) -> Option<Arc<dyn Inode>> {
        self.parent.get()?.upgrade()
    }

    fn read_dir(
        &self,
        position: DirPosition,
        visit: &mut dyn FnMut(DirEntry) -> bool,
    ) -> Result<(), Errno> {
        let generated;
        let children: Vec<(&[u8], &Arc<dyn Inode>)> = match &self.body {
            SynBody::Directory(children) => children
                .iter()
                .map(|(name, inode)| (*name, inode))
                .collect(),
            SynBody::Generated(list) => {
                generated = list();
                generated
                    .iter()
                    .map(|(name, inode)| (name.as_slice(), inode))
                    .collect()
            }
            _ => return Err(Errno::ENOTDIR),
        };
        // Positions 0 and 1 are `.` and `..`; child `i` is at position `i + 2`.
        for (index, (name, inode)) in children
            .iter()
            .enumerate()
            .skip(position.index.saturating_sub(2) as usize)
        {
            let metadata = inode.metadata();
            let entry = DirEntry {
                next: index as u64 + 3,
                inode: metadata.inode,
                kind: metadata.file_type().unwrap_or(FileType::Regular),
                name,
            };
            if !visit(entry) {
                break;
            }
        }
        Ok(())
    }

    fn read_link(&self) -> Result<Vec<u8>, Errno> {
        match &self.body {
            SynBody::Link(target) => Ok(target()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn refusal(&self) -> Errno {
        Errno::EPERM
    }
}

/// Generated text, fixed at open time so that reads in pieces see one consistent version.
pub struct Snapshot {
    data: Vec<u8>,
    metadata: Metadata,
}

impl Snapshot {
    pub fn new(data: Vec<u8>, metadata: Metadata) -> Snapshot {
        Snapshot { data, metadata }
    }
}

impl File for Snapshot {
    fn read(&self, offset: &mut u64, buffer: &mut Buffer, _: IoFlags) -> SysResult {
        let start = (*offset).min(self.data.len() as u64) as usize;
        let count = buffer.remaining().min(self.data.len() - start);
        buffer.put(&self.data[start..start + count])?;
        *offset += count as u64;
        Ok(count)
    }

    /// Files without a write operation fail writes with `EIO`, as procfs does.
    fn write(&self, _: &mut u64, _: &mut Buffer, _: IoFlags) -> SysResult {
        Err(Errno::EIO)
    }

    fn seekable(&self) -> bool {
        true
    }

    fn pollable(&self) -> bool {
        false
    }

    fn stat(&self) -> Metadata {
        self.metadata
    }

    fn size(&self) -> u64 {
        self.data.len() as u64
    }
}
