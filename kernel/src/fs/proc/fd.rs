//! `/proc/self/fd`: one magic link per open descriptor, leading to the open file itself
//! (so that opening `/proc/self/fd/N` reaches a pipe or a deleted file too).

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::fs::fd_table;
use crate::fs::file::File;
use crate::fs::inode::{FileSystem, FileType, Inode, MagicTarget, Metadata};
use crate::fs::open_flags::OpenFlags;
use crate::fs::synthetic::{boot_time, SynBody, SynNode};
use crate::syscall::errno::Errno;

/// The link `/proc/self/fd/<fd>`.
pub struct FdLink {
    fs: &'static FileSystem,
    fd: usize,
}

impl Inode for FdLink {
    fn metadata(&self) -> Metadata {
        let time = boot_time();
        Metadata {
            device: self.fs.device,
            inode: 0x1_0000 + self.fd as u64,
            mode: FileType::Symlink.mode_bits() | 0o700,
            links: 1,
            size: 64,
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
        Err(Errno::ELOOP)
    }

    fn read_link(&self) -> Result<Vec<u8>, Errno> {
        Ok(fd_table::get(self.fd as u64)
            .map_err(|_| Errno::ENOENT)?
            .describe())
    }

    fn magic_link(&self) -> Option<Result<MagicTarget, Errno>> {
        Some(fd_table::get(self.fd as u64).map_err(|_| Errno::ENOENT))
    }
}

/// `/proc/self/fd` itself.
pub fn directory(fs: &'static FileSystem) -> Arc<dyn Inode> {
    let listing = move || {
        fd_table::snapshot()
            .into_iter()
            .map(|(fd, _)| {
                let link: Arc<dyn Inode> = Arc::new(FdLink { fs, fd });
                (format!("{fd}").into_bytes(), link)
            })
            .collect()
    };
    SynNode::new(
        fs,
        0o500,
        SynBody::Generated(alloc::boxed::Box::new(listing)),
    )
}
