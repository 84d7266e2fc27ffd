//! signalfd(2): a descriptor to read pending signals from.
//!
//! TODO: signals are not queued for delivery yet (they arrive with the scheduler), so a
//! signalfd is created and its mask kept, but it never becomes readable.

use alloc::sync::Arc;
use alloc::vec::Vec;

use spin::Mutex;

use super::anon;
use super::buffer::Buffer;
use super::file::{File, IoFlags, PollState};
use super::inode::{FileType, Metadata, Time};
use crate::syscall::errno::{Errno, SysResult};
use crate::task::wait::WaitQueue;

/// `struct signalfd_siginfo` is 128 bytes.
const SIGINFO_SIZE: usize = 128;

pub struct SignalFd {
    pub mask: Mutex<u64>,
    pending: WaitQueue,
    inode: u64,
    created: Time,
}

impl SignalFd {
    pub fn new(mask: u64) -> Arc<SignalFd> {
        Arc::new(SignalFd {
            mask: Mutex::new(mask),
            pending: WaitQueue::new(),
            inode: anon::new_inode_number(),
            created: Time::now(),
        })
    }
}

impl File for SignalFd {
    fn read(&self, _: &mut u64, buffer: &mut Buffer, flags: IoFlags) -> SysResult {
        if buffer.remaining() < SIGINFO_SIZE {
            return Err(Errno::EINVAL);
        }
        if flags.nonblock {
            return Err(Errno::EAGAIN);
        }
        crate::warn_once!(
            "signalfd: signals are not delivered to signalfd yet: a blocking read waits forever"
        );
        self.pending.wait_until(None, || None::<()>)?;
        Err(Errno::EAGAIN)
    }

    fn poll(&self) -> PollState {
        PollState::ready(0)
    }

    fn stat(&self) -> Metadata {
        anon::metadata_of(self.inode, 0o600, FileType::Regular, self.created)
    }

    fn describe(&self) -> Vec<u8> {
        b"anon_inode:[signalfd]".to_vec()
    }
}
