//! Open directories of any filesystem: `getdents64` lists `.` and `..`, then the inode's
//! entries by cookie, so that the position is a cookie as on Linux (readdir(3), telldir(3)).

use alloc::sync::Arc;

use super::file::File;
use super::inode::{DirEntry, FileType, Inode, Metadata};
use crate::syscall::errno::Errno;

pub struct DirectoryFile {
    inode: Arc<dyn Inode>,
}

impl DirectoryFile {
    pub fn new(inode: Arc<dyn Inode>) -> DirectoryFile {
        DirectoryFile { inode }
    }
}

const DOT_COOKIE: u64 = 0;
const DOT_DOT_COOKIE: u64 = 1;

impl File for DirectoryFile {
    fn read_dir(
        &self,
        offset: &mut u64,
        visit: &mut dyn FnMut(&DirEntry) -> bool,
    ) -> Result<(), Errno> {
        let own = self.inode.metadata();
        if own.links == 0 {
            // Removed: Linux lists nothing, not even `.` and `..`.
            return Ok(());
        }
        if *offset == DOT_COOKIE {
            if !visit(&dot(b".", own.inode, DOT_DOT_COOKIE)) {
                return Ok(());
            }
            *offset = DOT_DOT_COOKIE;
        }
        if *offset == DOT_DOT_COOKIE {
            let parent = self
                .inode
                .parent()
                .map_or(own.inode, |parent| parent.metadata().inode);
            if !visit(&dot(b"..", parent, DOT_DOT_COOKIE + 1)) {
                return Ok(());
            }
            *offset = DOT_DOT_COOKIE + 1;
        }
        self.inode.read_dir(*offset, &mut |entry| {
            let next = entry.next;
            let taken = visit(&entry);
            if taken {
                *offset = next;
            }
            taken
        })
    }

    fn read(
        &self,
        _: &mut u64,
        _: &mut super::buffer::Buffer,
        _: super::file::IoFlags,
    ) -> crate::syscall::errno::SysResult {
        Err(Errno::EISDIR)
    }

    fn write(
        &self,
        _: &mut u64,
        _: &mut super::buffer::Buffer,
        _: super::file::IoFlags,
    ) -> crate::syscall::errno::SysResult {
        Err(Errno::EISDIR)
    }

    fn seekable(&self) -> bool {
        true
    }

    fn pollable(&self) -> bool {
        false
    }

    fn stat(&self) -> Metadata {
        self.inode.metadata()
    }

    /// `SEEK_END` on a directory: Linux lets filesystems decide; the cookie space ends here.
    fn size(&self) -> u64 {
        i64::MAX as u64
    }

    fn truncate(&self, _size: u64) -> Result<(), Errno> {
        Err(Errno::EISDIR)
    }
}

fn dot(name: &[u8], inode: u64, next: u64) -> DirEntry<'_> {
    DirEntry {
        next,
        inode,
        kind: FileType::Directory,
        name,
    }
}
