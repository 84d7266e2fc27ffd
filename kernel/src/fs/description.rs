//! Open file descriptions (open(2), "open file description"): what `open` creates and
//! `dup` shares. Each holds the file's operations, the path it was opened by, the status
//! flags and the file position.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use spin::Mutex;

use super::buffer::Buffer;
use super::file::{File, IoFlags};
use super::inode::{Inode, Metadata};
use super::open_flags::OpenFlags;
use super::path::Location;
use crate::syscall::errno::{Errno, SysResult};

pub struct FileDescription {
    pub file: Arc<dyn File>,
    /// The path the file was opened by; `None` for pipes and other anonymous files.
    pub location: Option<Location>,
    flags: AtomicU32,
    position: Mutex<u64>,
    /// Unique among descriptions, for locks owned by a description (`flock`, OFD locks).
    pub id: u64,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

const SEEK_SET: u32 = 0;
const SEEK_CUR: u32 = 1;
const SEEK_END: u32 = 2;
const SEEK_DATA: u32 = 3;
const SEEK_HOLE: u32 = 4;

impl FileDescription {
    pub fn new(file: Arc<dyn File>, location: Option<Location>, flags: u32) -> Arc<Self> {
        Arc::new(FileDescription {
            file,
            location,
            flags: AtomicU32::new(flags & OpenFlags::KEPT),
            position: Mutex::new(0),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// An anonymous file (pipe end, eventfd, ...) with status flags `flags`.
    pub fn anonymous(file: Arc<dyn File>, flags: u32) -> Arc<Self> {
        Self::new(file, None, flags)
    }

    pub fn flags(&self) -> OpenFlags {
        OpenFlags(self.flags.load(Ordering::Relaxed))
    }

    /// `F_SETFL`: only the flags Linux lets it change.
    pub fn set_status_flags(&self, bits: u32) {
        let keep = self.flags.load(Ordering::Relaxed) & !OpenFlags::SETTABLE;
        self.flags
            .store(keep | (bits & OpenFlags::SETTABLE), Ordering::Relaxed);
    }

    pub fn inode(&self) -> Option<&Arc<dyn Inode>> {
        self.location.as_ref().map(|location| &location.inode)
    }

    pub fn metadata(&self) -> Metadata {
        match self.inode() {
            Some(inode) => inode.metadata(),
            None => self.file.stat(),
        }
    }

    /// What `/proc/self/fd/N` links to.
    pub fn describe(&self) -> Vec<u8> {
        match &self.location {
            Some(location) => location.path.to_vec(),
            None => self.file.describe(),
        }
    }

    fn io_flags(&self) -> IoFlags {
        let flags = self.flags();
        IoFlags {
            nonblock: flags.nonblocking(),
            append: flags.has(OpenFlags::O_APPEND),
        }
    }

    fn check_readable(&self) -> Result<(), Errno> {
        if self.flags().readable() {
            Ok(())
        } else {
            Err(Errno::EBADF)
        }
    }

    fn check_writable(&self) -> Result<(), Errno> {
        if self.flags().writable() {
            Ok(())
        } else {
            Err(Errno::EBADF)
        }
    }

    /// `read`/`readv` at the file position.
    pub fn read(&self, buffer: &mut Buffer) -> SysResult {
        self.check_readable()?;
        let flags = self.io_flags();
        if !self.file.seekable() {
            let mut ignored = 0;
            return partial(self.file.read(&mut ignored, buffer, flags), buffer);
        }
        let mut position = self.position.lock();
        partial(self.file.read(&mut position, buffer, flags), buffer)
    }

    /// `write`/`writev` at the file position (or the end with `O_APPEND`).
    pub fn write(&self, buffer: &mut Buffer) -> SysResult {
        self.check_writable()?;
        let flags = self.io_flags();
        if !self.file.seekable() {
            let mut ignored = 0;
            return partial(self.file.write(&mut ignored, buffer, flags), buffer);
        }
        let mut position = self.position.lock();
        partial(self.file.write(&mut position, buffer, flags), buffer)
    }

    /// `pread`/`preadv`: at `offset`, leaving the position alone.
    pub fn read_at(&self, offset: u64, buffer: &mut Buffer) -> SysResult {
        self.check_readable()?;
        self.check_positioned(offset)?;
        let mut offset = offset;
        partial(self.file.read(&mut offset, buffer, self.io_flags()), buffer)
    }

    /// `pwrite`/`pwritev`. As on Linux, `O_APPEND` still appends.
    pub fn write_at(&self, offset: u64, buffer: &mut Buffer) -> SysResult {
        self.check_writable()?;
        self.check_positioned(offset)?;
        let mut offset = offset;
        partial(
            self.file.write(&mut offset, buffer, self.io_flags()),
            buffer,
        )
    }

    /// `pwritev2` with `RWF_APPEND`: appends whatever the status flags say, leaving the
    /// position alone.
    pub fn append(&self, buffer: &mut Buffer) -> SysResult {
        self.check_writable()?;
        let mut flags = self.io_flags();
        flags.append = true;
        let mut offset = 0;
        partial(self.file.write(&mut offset, buffer, flags), buffer)
    }

    fn check_positioned(&self, offset: u64) -> Result<(), Errno> {
        if !self.file.seekable() {
            return Err(Errno::ESPIPE);
        }
        if offset > i64::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        Ok(())
    }

    /// Lists a directory from the position (`getdents64`), which `visit` advances.
    pub fn read_dir(&self, visit: &mut dyn FnMut(&super::inode::DirEntry) -> bool) -> SysResult {
        if self.flags().has(OpenFlags::O_PATH) {
            return Err(Errno::EBADF);
        }
        let mut position = self.position.lock();
        self.file.read_dir(&mut position, visit)?;
        Ok(0)
    }

    pub fn position(&self) -> u64 {
        *self.position.lock()
    }

    /// `lseek(2)`.
    pub fn seek(&self, offset: i64, whence: u32) -> SysResult {
        if self.flags().has(OpenFlags::O_PATH) {
            return Err(Errno::EBADF);
        }
        if !self.file.seekable() {
            return Err(Errno::ESPIPE);
        }
        let mut position = self.position.lock();
        let size = self.file.size();
        let base = match whence {
            SEEK_SET => 0,
            SEEK_CUR => *position as i64,
            SEEK_END => size as i64,
            SEEK_DATA | SEEK_HOLE => {
                // No holes are reported: data runs to the end, the one hole is at the end.
                if offset < 0 || offset as u64 >= size {
                    return Err(Errno::ENXIO);
                }
                let target = if whence == SEEK_DATA {
                    offset as u64
                } else {
                    size
                };
                *position = target;
                return Ok(target as usize);
            }
            _ => return Err(Errno::EINVAL),
        };
        let target = base.checked_add(offset).ok_or(Errno::EOVERFLOW)?;
        if target < 0 {
            return Err(Errno::EINVAL);
        }
        *position = target as u64;
        Ok(target as usize)
    }
}

impl Drop for FileDescription {
    fn drop(&mut self) {
        super::lock::release_description(self);
    }
}

/// A transfer that faulted after moving some bytes reports those bytes, as Linux does.
fn partial(result: SysResult, buffer: &Buffer) -> SysResult {
    match result {
        Err(Errno::EFAULT) if buffer.done() > 0 => Ok(buffer.done()),
        other => other,
    }
}
