//! An open file description: what a descriptor refers to. Each kind of file implements
//! only what it supports; everything else fails as Linux fails it.

use crate::syscall::errno::{Errno, SysResult};

/// `poll` event bits (include/uapi/asm-generic/poll.h).
pub const POLLIN: u16 = 0x001;
pub const POLLOUT: u16 = 0x004;
pub const POLLNVAL: u16 = 0x020;

/// The fields of `struct stat` a file reports.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileStat {
    pub mode: u32,
    pub inode: u64,
    pub size: u64,
    pub rdev: u64,
    pub block_size: u32,
}

/// Threads in `poll` and friends, woken whenever any file may have become ready.
///
/// TODO: per-file wait queues, so that a change wakes only those who watch that file.
pub static READINESS: crate::task::wait::WaitQueue = crate::task::wait::WaitQueue::new();

/// Tells pollers to look again.
pub fn readiness_changed() {
    READINESS.wake_all();
}

pub trait File: Send + Sync {
    fn read(&self, _buffer: &mut [u8]) -> SysResult {
        Err(Errno::EBADF)
    }

    fn write(&self, _bytes: &[u8]) -> SysResult {
        Err(Errno::EBADF)
    }

    /// Which of `POLLIN`/`POLLOUT` would not block now.
    fn poll(&self) -> u16 {
        0
    }

    fn ioctl(&self, _request: u64, _argument: u64) -> SysResult {
        Err(Errno::ENOTTY)
    }

    fn stat(&self) -> FileStat;

    fn seek(&self, _offset: i64, _whence: u32) -> SysResult {
        Err(Errno::ESPIPE)
    }
}
