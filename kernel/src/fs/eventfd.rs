//! eventfd(2): a 64-bit counter that `write` adds to and `read` takes (all of it, or one
//! with `EFD_SEMAPHORE`), blocking while it is zero or would overflow.

use alloc::sync::Arc;
use alloc::vec::Vec;

use spin::Mutex;

use super::anon;
use super::buffer::Buffer;
use super::file::{File, IoFlags, PollState, POLLERR, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use super::inode::{FileType, Metadata, Time};
use crate::mm::user::write_user;
use crate::syscall::errno::{Errno, SysResult};
use crate::task::wait::WaitQueue;

/// The counter never exceeds this.
const MAX_COUNT: u64 = u64::MAX - 1;
const FIONREAD: u64 = 0x541b;

struct State {
    count: u64,
    input: u64,
    output: u64,
}

pub struct EventFd {
    state: Mutex<State>,
    semaphore: bool,
    changed: WaitQueue,
    inode: u64,
    created: Time,
}

impl EventFd {
    pub fn new(initial: u32, semaphore: bool) -> Arc<EventFd> {
        Arc::new(EventFd {
            state: Mutex::new(State {
                count: initial.into(),
                input: 0,
                output: 0,
            }),
            semaphore,
            changed: WaitQueue::new(),
            inode: anon::new_inode_number(),
            created: Time::now(),
        })
    }

    fn wake(&self) {
        self.changed.wake_all();
        super::poll::notify();
    }
}

impl File for EventFd {
    fn read(&self, _: &mut u64, buffer: &mut Buffer, flags: IoFlags) -> SysResult {
        if buffer.remaining() < 8 {
            return Err(Errno::EINVAL);
        }
        let value = self.changed.wait_until(None, || {
            let mut state = self.state.lock();
            if state.count == 0 {
                return flags.nonblock.then_some(Err(Errno::EAGAIN));
            }
            let value = if self.semaphore { 1 } else { state.count };
            state.count -= value;
            state.output += 1;
            Some(Ok(value))
        })??;
        self.wake();
        buffer.put(&value.to_ne_bytes())?;
        Ok(8)
    }

    fn write(&self, _: &mut u64, buffer: &mut Buffer, flags: IoFlags) -> SysResult {
        if buffer.remaining() < 8 {
            return Err(Errno::EINVAL);
        }
        let mut bytes = [0u8; 8];
        buffer.take(&mut bytes)?;
        let value = u64::from_ne_bytes(bytes);
        if value == u64::MAX {
            return Err(Errno::EINVAL);
        }
        self.changed.wait_until(None, || {
            let mut state = self.state.lock();
            if MAX_COUNT - state.count < value {
                return flags.nonblock.then_some(Err(Errno::EAGAIN));
            }
            state.count += value;
            state.input += 1;
            Some(Ok(()))
        })??;
        self.wake();
        Ok(8)
    }

    fn poll(&self) -> PollState {
        let state = self.state.lock();
        let mut events = 0;
        if state.count > 0 {
            events |= POLLIN | POLLRDNORM;
        }
        if state.count < MAX_COUNT {
            events |= POLLOUT | POLLWRNORM;
        }
        if state.count == u64::MAX {
            events |= POLLERR;
        }
        PollState {
            events,
            input: state.input,
            output: state.output,
        }
    }

    fn ioctl(&self, request: u64, argument: u64) -> SysResult {
        match request {
            FIONREAD => write_user(argument, &8i32).map(|_| 0),
            _ => Err(Errno::ENOTTY),
        }
    }

    fn stat(&self) -> Metadata {
        anon::metadata_of(self.inode, 0o600, FileType::Regular, self.created)
    }

    fn describe(&self) -> Vec<u8> {
        b"anon_inode:[eventfd]".to_vec()
    }
}
