//! Files that live on no filesystem path (pipes, eventfd, epoll, timerfd, signalfd): the
//! inode numbers and metadata `fstat` reports for them, as Linux's pipefs and anon_inodefs.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use super::file::File;
use super::inode::{FileSystem, FileType, Inode, MagicTarget, Metadata, Time};
use super::open_flags::OpenFlags;
use crate::syscall::errno::Errno;

/// The pseudo filesystem anonymous files belong to.
pub static ANON_FS: FileSystem = FileSystem {
    device: 0x0d,
    magic: 0x0904_1934,
    read_only: false,
};

static NEXT_INODE: AtomicU64 = AtomicU64::new(1000);

/// A fresh inode number for a new anonymous file.
pub fn new_inode_number() -> u64 {
    NEXT_INODE.fetch_add(1, Ordering::Relaxed)
}

/// Metadata of an anonymous file with permission bits `mode`.
pub fn metadata(mode: u32, kind: FileType) -> Metadata {
    Metadata {
        device: ANON_FS.device,
        inode: 1,
        mode: kind.mode_bits() | mode,
        links: 1,
        block_size: 4096,
        ..Metadata::default()
    }
}

/// Metadata of anonymous file number `inode` created at `created`.
pub fn metadata_of(inode: u64, mode: u32, kind: FileType, created: Time) -> Metadata {
    Metadata {
        inode,
        accessed: created,
        modified: created,
        changed: created,
        ..metadata(mode, kind)
    }
}

/// An inode standing for an open anonymous file reached through a magic link
/// (`/proc/self/fd/N` of a pipe): opening it opens the same file again.
pub struct AnonInode {
    description: MagicTarget,
}

impl AnonInode {
    pub fn new(description: MagicTarget) -> AnonInode {
        AnonInode { description }
    }
}

impl Inode for AnonInode {
    fn metadata(&self) -> Metadata {
        self.description.metadata()
    }

    fn filesystem(&self) -> &'static FileSystem {
        &ANON_FS
    }

    fn open(self: Arc<Self>, _flags: OpenFlags) -> Result<Arc<dyn File>, Errno> {
        Ok(self.description.file.clone())
    }
}
