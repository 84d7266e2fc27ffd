//! Pipes (pipe(7)): a bounded byte queue with a read end and a write end. Writes of at most
//! `PIPE_BUF` bytes are atomic; reading with no writer left gives end of file, writing with
//! no reader left gives `EPIPE` and `SIGPIPE`.

use alloc::collections::VecDeque;
use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use spin::Mutex;

use super::anon;
use super::buffer::Buffer;
use super::file::{
    File, IoFlags, PollState, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM,
};
use super::inode::{FileType, Metadata, Time};
use crate::mm::user::write_user;
use crate::syscall::errno::{Errno, SysResult};
use crate::task::signal::{raise, Signal};
use crate::task::wait::WaitQueue;

pub const PIPE_BUF: usize = 4096;
const DEFAULT_CAPACITY: usize = 16 * 4096;
/// `/proc/sys/fs/pipe-max-size`.
const MAX_CAPACITY: usize = 1 << 20;
const SIGPIPE: Signal = Signal(13);
const FIONREAD: u64 = 0x541b;

struct State {
    bytes: VecDeque<u8>,
    capacity: usize,
    readers: usize,
    writers: usize,
    /// Counters for edge-triggered epoll: data arrived, room appeared.
    input: u64,
    output: u64,
}

pub struct Pipe {
    state: Mutex<State>,
    /// Readers wait here for data, writers for room.
    readable: WaitQueue,
    writable: WaitQueue,
    inode: u64,
    created: Time,
}

/// One end of a pipe; the pipe learns when the last description of an end goes away.
pub struct PipeEnd {
    pipe: Arc<Pipe>,
    writer: bool,
}

/// A new pipe: its read end and its write end.
pub fn new() -> (Arc<PipeEnd>, Arc<PipeEnd>) {
    let pipe = Arc::new(Pipe {
        state: Mutex::new(State {
            bytes: VecDeque::new(),
            capacity: DEFAULT_CAPACITY,
            readers: 1,
            writers: 1,
            input: 0,
            output: 0,
        }),
        readable: WaitQueue::new(),
        writable: WaitQueue::new(),
        inode: anon::new_inode_number(),
        created: Time::now(),
    });
    let reader = Arc::new(PipeEnd {
        pipe: pipe.clone(),
        writer: false,
    });
    (reader, Arc::new(PipeEnd { pipe, writer: true }))
}

impl Pipe {
    fn wake(&self) {
        self.readable.wake_all();
        self.writable.wake_all();
        super::poll::notify();
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let mut state = self.pipe.state.lock();
        if self.writer {
            state.writers -= 1;
            state.input += 1;
        } else {
            state.readers -= 1;
            state.output += 1;
        }
        drop(state);
        self.pipe.wake();
    }
}

impl PipeEnd {
    /// `F_GETPIPE_SZ`.
    pub fn capacity(&self) -> usize {
        self.pipe.state.lock().capacity
    }

    /// `F_SETPIPE_SZ`: rounds up to a power of two pages; returns the new capacity.
    pub fn set_capacity(&self, wanted: u64) -> Result<usize, Errno> {
        if wanted > MAX_CAPACITY as u64 {
            return Err(Errno::EPERM);
        }
        let capacity = (wanted as usize).max(4096).next_power_of_two();
        let mut state = self.pipe.state.lock();
        if state.bytes.len() > capacity {
            return Err(Errno::EBUSY);
        }
        state.capacity = capacity;
        drop(state);
        self.pipe.wake();
        Ok(capacity)
    }

    /// Takes up to `max` bytes; `None` while the pipe is empty and has writers.
    fn take(&self, max: usize, nonblock: bool) -> Option<Result<Vec<u8>, Errno>> {
        let mut state = self.pipe.state.lock();
        if !state.bytes.is_empty() {
            // As on Linux, writers hear of room only when the pipe was full.
            let was_full = state.bytes.len() >= state.capacity;
            let count = max.min(state.bytes.len());
            let bytes: Vec<u8> = state.bytes.drain(..count).collect();
            if was_full {
                state.output += 1;
            }
            return Some(Ok(bytes));
        }
        if state.writers == 0 {
            return Some(Ok(Vec::new()));
        }
        nonblock.then_some(Err(Errno::EAGAIN))
    }

    /// Moves bytes from the front of `pending` into the pipe; `None` while there is no
    /// room (for an atomic write: not room for all of it).
    fn push(
        &self,
        pending: &mut Vec<u8>,
        atomic: bool,
        nonblock: bool,
    ) -> Option<Result<usize, Errno>> {
        let mut state = self.pipe.state.lock();
        if state.readers == 0 {
            return Some(Err(Errno::EPIPE));
        }
        let room = state.capacity.saturating_sub(state.bytes.len());
        let needed = if atomic { pending.len() } else { 1 };
        if room < needed {
            return nonblock.then_some(Err(Errno::EAGAIN));
        }
        let count = room.min(pending.len());
        state.bytes.extend(pending.drain(..count));
        state.input += 1;
        Some(Ok(count))
    }
}

impl File for PipeEnd {
    fn read(&self, _: &mut u64, buffer: &mut Buffer, flags: IoFlags) -> SysResult {
        if self.writer {
            return Err(Errno::EBADF);
        }
        if buffer.remaining() == 0 {
            return Ok(0);
        }
        let max = buffer.remaining();
        let bytes = self
            .pipe
            .readable
            .wait_until(None, || self.take(max, flags.nonblock))??;
        if !bytes.is_empty() {
            self.pipe.wake();
        }
        buffer.put(&bytes)?;
        Ok(bytes.len())
    }

    fn write(&self, _: &mut u64, buffer: &mut Buffer, flags: IoFlags) -> SysResult {
        if !self.writer {
            return Err(Errno::EBADF);
        }
        let atomic = buffer.remaining() <= PIPE_BUF;
        let mut written = 0;
        let mut pending: Vec<u8> = Vec::new();
        loop {
            if pending.is_empty() {
                if buffer.remaining() == 0 {
                    return Ok(written);
                }
                pending = match buffer.take_vec(DEFAULT_CAPACITY) {
                    Ok(bytes) => bytes,
                    Err(errno) if written == 0 => return Err(errno),
                    Err(_) => return Ok(written),
                };
            }
            let pushed = self
                .pipe
                .writable
                .wait_until(None, || self.push(&mut pending, atomic, flags.nonblock));
            match pushed {
                Ok(Ok(count)) => {
                    written += count;
                    self.pipe.wake();
                }
                Ok(Err(Errno::EPIPE)) => {
                    raise(SIGPIPE);
                    return if written > 0 {
                        Ok(written)
                    } else {
                        Err(Errno::EPIPE)
                    };
                }
                Ok(Err(errno)) | Err(errno) => {
                    return if written > 0 { Ok(written) } else { Err(errno) };
                }
            }
        }
    }

    fn poll(&self) -> PollState {
        let state = self.pipe.state.lock();
        let mut events = 0;
        if self.writer {
            if state.bytes.len() < state.capacity {
                events |= POLLOUT | POLLWRNORM;
            }
            if state.readers == 0 {
                events |= POLLERR;
            }
        } else {
            if !state.bytes.is_empty() {
                events |= POLLIN | POLLRDNORM;
            }
            if state.writers == 0 {
                events |= POLLHUP;
            }
        }
        PollState {
            events,
            input: state.input,
            output: state.output,
        }
    }

    fn ioctl(&self, request: u64, argument: u64) -> SysResult {
        match request {
            FIONREAD => {
                let count = self.pipe.state.lock().bytes.len() as i32;
                write_user(argument, &count)?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }

    fn stat(&self) -> Metadata {
        let mut metadata =
            anon::metadata_of(self.pipe.inode, 0o600, FileType::Fifo, self.pipe.created);
        metadata.block_size = 4096;
        metadata
    }

    fn describe(&self) -> Vec<u8> {
        format!("pipe:[{}]", self.pipe.inode).into_bytes()
    }

    fn allocate(&self, _: bool, _: u64, _: u64) -> Result<(), Errno> {
        Err(Errno::ESPIPE)
    }
}
