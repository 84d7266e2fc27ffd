//! Open directories of any filesystem: `getdents64` lists `.` and `..`, then the inode's
//! entries. The file position counts entries, as on tmpfs; a listing that goes on from
//! where it stopped resumes after the last name it returned, so that entries removed in
//! between shift nothing (getdents(2), readdir(3), telldir(3)).

use alloc::sync::Arc;
use alloc::vec::Vec;

use spin::Mutex;

use super::buffer::Buffer;
use super::file::{File, IoFlags};
use super::inode::{DirEntry, DirPosition, FileType, Inode, Metadata};
use crate::syscall::errno::{Errno, SysResult};

pub struct DirectoryFile {
    inode: Arc<dyn Inode>,
    /// The position after the last listed entry, and that entry's name.
    resume: Mutex<Option<(u64, Vec<u8>)>>,
}

impl DirectoryFile {
    pub fn new(inode: Arc<dyn Inode>) -> DirectoryFile {
        DirectoryFile {
            inode,
            resume: Mutex::new(None),
        }
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
        let mut resume = self.resume.lock();
        let after = resume
            .as_ref()
            .filter(|(position, _)| *position == *offset)
            .map(|(_, name)| name.clone());
        let position = DirPosition {
            index: *offset,
            after: after.as_deref(),
        };
        let mut last: Option<Vec<u8>> = None;
        let listed = self.inode.read_dir(position, &mut |entry| {
            let taken = visit(&entry);
            if taken {
                *offset = entry.next;
                last = Some(entry.name.to_vec());
            }
            taken
        });
        if let Some(name) = last {
            *resume = Some((*offset, name));
        }
        listed
    }

    fn read(&self, _: &mut u64, _: &mut Buffer, _: IoFlags) -> SysResult {
        Err(Errno::EISDIR)
    }

    fn write(&self, _: &mut u64, _: &mut Buffer, _: IoFlags) -> SysResult {
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
