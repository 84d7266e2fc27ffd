//! What an open file description does: each kind of file (regular file, directory, pipe,
//! device, eventfd, ...) implements the operations it supports; the defaults fail as Linux
//! fails them on a file without that operation.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;

use super::buffer::Buffer;
use super::inode::{DirEntry, Metadata};
use crate::mm::address_space::Backing;
use crate::syscall::errno::{Errno, SysResult};

/// `poll` event bits (include/uapi/asm-generic/poll.h); `epoll` uses the same values.
pub const POLLIN: u32 = 0x001;
pub const POLLPRI: u32 = 0x002;
pub const POLLOUT: u32 = 0x004;
pub const POLLERR: u32 = 0x008;
pub const POLLHUP: u32 = 0x010;
pub const POLLNVAL: u32 = 0x020;
pub const POLLRDNORM: u32 = 0x040;
pub const POLLWRNORM: u32 = 0x100;
pub const POLLRDHUP: u32 = 0x2000;

/// What a file without a poll operation reports: always readable and writable.
pub const DEFAULT_POLL: u32 = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

/// Readiness, and counters of the events that change it, for edge-triggered `epoll`:
/// `input` moves when data arrives, `output` when room appears.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PollState {
    pub events: u32,
    pub input: u64,
    pub output: u64,
}

impl PollState {
    pub fn ready(events: u32) -> PollState {
        PollState {
            events,
            input: 0,
            output: 0,
        }
    }
}

/// How one read or write behaves, from the description's status flags.
#[derive(Clone, Copy, Debug, Default)]
pub struct IoFlags {
    pub nonblock: bool,
    /// Writes go to the end of the file (`O_APPEND`).
    pub append: bool,
}

/// `Any` for every file and inode type, so that a call meant for one kind of file (epoll,
/// timerfd) can find it behind a descriptor.
pub trait AsAny: Any + Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn as_any_arc(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

impl<T: Any + Send + Sync> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_arc(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

pub trait File: AsAny {
    /// Reads at `*offset` (ignored by streams) and advances it past what was read.
    fn read(&self, _offset: &mut u64, _buffer: &mut Buffer, _flags: IoFlags) -> SysResult {
        Err(Errno::EINVAL)
    }

    /// Writes at `*offset` (or at the end with `flags.append`) and leaves `*offset` after
    /// the bytes written.
    fn write(&self, _offset: &mut u64, _buffer: &mut Buffer, _flags: IoFlags) -> SysResult {
        Err(Errno::EINVAL)
    }

    /// Lists a directory from cookie `*offset`, advancing it past each entry `visit` takes.
    fn read_dir(
        &self,
        _offset: &mut u64,
        _visit: &mut dyn FnMut(&DirEntry) -> bool,
    ) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }

    /// Whether the file has positions (`lseek`, `pread`); streams fail those with `ESPIPE`.
    fn seekable(&self) -> bool {
        false
    }

    fn poll(&self) -> PollState {
        PollState::ready(DEFAULT_POLL)
    }

    /// Whether `epoll` can watch the file (regular files and directories: `EPERM`).
    fn pollable(&self) -> bool {
        true
    }

    /// A time on the monotonic clock when the readiness changes by itself (timers).
    fn deadline(&self) -> Option<u64> {
        None
    }

    fn ioctl(&self, _request: u64, _argument: u64) -> SysResult {
        Err(Errno::ENOTTY)
    }

    /// `fstat` of a file that no inode of a filesystem stands for (pipes, eventfd, ...).
    fn stat(&self) -> Metadata {
        super::anon::metadata(0o600, super::inode::FileType::Regular)
    }

    /// What `/proc/self/fd/N` shows for a file without a path: `pipe:[N]`,
    /// `anon_inode:[eventfd]`.
    fn describe(&self) -> Vec<u8> {
        b"anon_inode:[unknown]".to_vec()
    }

    fn truncate(&self, _size: u64) -> Result<(), Errno> {
        Err(Errno::EINVAL)
    }

    /// `fallocate(2)` with `mode` 0 or `FALLOC_FL_KEEP_SIZE`.
    fn allocate(&self, _keep_size: bool, _offset: u64, _length: u64) -> Result<(), Errno> {
        Err(Errno::ENODEV)
    }

    /// What backs a mapping of the file from byte `offset`, for an area starting at `start`.
    fn mmap(
        &self,
        _start: u64,
        _offset: u64,
        _shared: bool,
        _writable: bool,
    ) -> Result<Backing, Errno> {
        Err(Errno::ENODEV)
    }

    /// The socket operations, if the file is a socket.
    fn socket(&self) -> Option<&dyn crate::net::socket::Socket> {
        None
    }

    /// The size `SEEK_END` counts from.
    fn size(&self) -> u64 {
        self.stat().size
    }
}
