//! signalfd(2): a descriptor to read pending signals from. Reading takes signals in the
//! mask out of the calling thread's and the process's pending sets (programs block them
//! first, so that no handler takes them), as `struct signalfd_siginfo` records.

use alloc::sync::Arc;
use alloc::vec::Vec;

use spin::Mutex;

use super::anon;
use super::buffer::Buffer;
use super::file::{File, IoFlags, PollState};
use super::inode::{FileType, Metadata, Time};
use crate::syscall::errno::{Errno, SysResult};
use crate::task::scheduler;
use crate::task::signal::{self, SigInfo};
use crate::task::wait::WaitQueue;

/// Threads reading a signalfd; every signal sent wakes them to look again.
static READERS: WaitQueue = WaitQueue::new();

/// A signal was sent: signalfd readers and pollers look again.
pub fn notify() {
    READERS.wake_all();
    super::poll::notify();
}

/// `struct signalfd_siginfo` (signalfd(2)) for `info`.
fn record(info: &SigInfo) -> [u8; SIGINFO_SIZE] {
    let raw = info.to_bytes();
    let mut bytes = [0u8; SIGINFO_SIZE];
    bytes[0..4].copy_from_slice(&info.signal.0.to_le_bytes());
    bytes[8..12].copy_from_slice(&info.code.0.to_le_bytes());
    // ssi_pid and ssi_uid, or for timers ssi_tid and ssi_overrun: the union's first word.
    if info.code == signal::SignalCode::SI_TIMER {
        bytes[24..32].copy_from_slice(&raw[16..24]);
    } else {
        bytes[12..20].copy_from_slice(&raw[16..24]);
    }
    // ssi_int and ssi_ptr: the value sent with sigqueue or a timer.
    bytes[44..48].copy_from_slice(&raw[24..28]);
    bytes[48..56].copy_from_slice(&raw[24..32]);
    if info.from_fault {
        bytes[72..80].copy_from_slice(&raw[16..24]);
    }
    bytes
}

/// `struct signalfd_siginfo` is 128 bytes.
const SIGINFO_SIZE: usize = 128;

pub struct SignalFd {
    pub mask: Mutex<u64>,
    inode: u64,
    created: Time,
}

impl SignalFd {
    pub fn new(mask: u64) -> Arc<SignalFd> {
        Arc::new(SignalFd {
            mask: Mutex::new(mask),
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
        let mask = *self.mask.lock();
        let first = match signal::take_from(mask) {
            Some(info) => info,
            None if flags.nonblock => return Err(Errno::EAGAIN),
            None => READERS.wait_until(None, || signal::take_from(mask))?,
        };
        buffer.put(&record(&first))?;
        let mut read = SIGINFO_SIZE;
        while buffer.remaining() >= SIGINFO_SIZE {
            let Some(info) = signal::take_from(mask) else {
                break;
            };
            buffer.put(&record(&info))?;
            read += SIGINFO_SIZE;
        }
        Ok(read)
    }

    fn poll(&self) -> PollState {
        let mask = *self.mask.lock();
        let process = signal::process_pending();
        let pending = scheduler::with_current(|thread| thread.pending.set()) | process;
        let events = if pending & mask != 0 {
            super::file::POLLIN | super::file::POLLRDNORM
        } else {
            0
        };
        PollState::ready(events)
    }

    fn stat(&self) -> Metadata {
        anon::metadata_of(self.inode, 0o600, FileType::Regular, self.created)
    }

    fn describe(&self) -> Vec<u8> {
        b"anon_inode:[signalfd]".to_vec()
    }
}
