//! A unix socket's receive queue: the segments other sockets sent it, each with the
//! descriptors passed along (`SCM_RIGHTS`) and the sender's name, and the send accounting
//! that makes a sender wait while too much of what it sent is still unread (Linux charges
//! queued data to the sender's `SO_SNDBUF`, see unix(7) and socket(7)).

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::fs::buffer::Buffer;
use crate::fs::description::FileDescription;
use crate::net::address::UnixAddress;
use crate::syscall::errno::Errno;
use crate::task::wait::WaitQueue;

/// What one queued segment costs its sender besides its bytes, about what Linux charges
/// for a small `sk_buff`; it bounds the kernel memory a flood of tiny sends can take.
pub const SEGMENT_OVERHEAD: usize = 768;

/// What all sockets' queues hold, charges included.
static QUEUED: AtomicUsize = AtomicUsize::new(0);

/// The bytes a new segment may hold. Queued data lives on the kernel heap, which grows from
/// free memory: all queues together may take half of the heap and the free frames, so that
/// full socket buffers cannot starve the rest of the VM; past that, sends fail with
/// `ENOBUFS`.
pub fn budget_left() -> usize {
    let (_, heap) = crate::mm::heap::stats();
    let (free_frames, _) = crate::mm::frame::stats();
    let budget = (heap + free_frames as usize * crate::mm::PAGE_SIZE as usize) / 2;
    budget
        .saturating_sub(QUEUED.load(Ordering::Relaxed))
        .saturating_sub(SEGMENT_OVERHEAD)
}

/// What a socket has sent and nobody has read yet, and the threads waiting for that to
/// shrink.
#[derive(Default)]
pub struct Account {
    charged: AtomicUsize,
    /// Counts the times room appeared, for edge-triggered epoll.
    pub room_events: AtomicU64,
    pub writable: WaitQueue,
}

impl Account {
    pub fn charged(&self) -> usize {
        self.charged.load(Ordering::Relaxed)
    }

    /// Wakes the socket's writers and pollers: room may have appeared.
    pub fn wake(&self) {
        self.room_events.fetch_add(1, Ordering::Relaxed);
        self.writable.wake_all();
        crate::fs::poll::notify();
    }
}

/// A queued segment's share of its sender's account, given back when the segment is read
/// or thrown away.
pub struct Charge {
    account: Arc<Account>,
    size: usize,
}

impl Charge {
    pub fn new(account: &Arc<Account>, bytes: usize) -> Charge {
        let size = bytes + SEGMENT_OVERHEAD;
        account.charged.fetch_add(size, Ordering::Relaxed);
        QUEUED.fetch_add(size, Ordering::Relaxed);
        Charge {
            account: account.clone(),
            size,
        }
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.account.charged.fetch_sub(self.size, Ordering::Relaxed);
        QUEUED.fetch_sub(self.size, Ordering::Relaxed);
        self.account.wake();
    }
}

/// The bytes of one send (one datagram or record, or part of a stream's bytes).
pub struct Segment {
    pub bytes: Vec<u8>,
    /// Bytes already read from the front: a stream reads a segment in parts.
    consumed: usize,
    pub rights: Vec<Arc<FileDescription>>,
    /// The sender's name, if it had one.
    pub from: Option<UnixAddress>,
    _charge: Charge,
}

impl Segment {
    pub fn new(
        bytes: Vec<u8>,
        rights: Vec<Arc<FileDescription>>,
        from: Option<UnixAddress>,
        account: &Arc<Account>,
    ) -> Segment {
        let charge = Charge::new(account, bytes.len());
        Segment {
            bytes,
            consumed: 0,
            rights,
            from,
            _charge: charge,
        }
    }

    fn unread(&self) -> &[u8] {
        &self.bytes[self.consumed..]
    }
}

/// What one read took from the queue besides the bytes.
#[derive(Default)]
pub struct Taken {
    pub rights: Vec<Arc<FileDescription>>,
    pub from: Option<UnixAddress>,
    /// The message's full length (messages only).
    pub length: usize,
    pub truncated: bool,
}

#[derive(Default)]
pub struct Queue {
    segments: VecDeque<Segment>,
    /// Unread bytes in all segments, for `FIONREAD`.
    unread: usize,
}

impl Queue {
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Segments (datagrams) waiting.
    pub fn len(&self) -> usize {
        self.segments.len()
    }

    pub fn unread(&self) -> usize {
        self.unread
    }

    /// The length of the next message, for `FIONREAD` on datagram sockets.
    pub fn next_length(&self) -> usize {
        self.segments
            .front()
            .map_or(0, |segment| segment.bytes.len())
    }

    /// Queues `segment`; `ENOBUFS` if the heap has no room for the queue to grow.
    pub fn push(&mut self, segment: Segment) -> Result<(), Errno> {
        self.segments.try_reserve(1).map_err(|_| Errno::ENOBUFS)?;
        self.unread += segment.bytes.len();
        self.segments.push_back(segment);
        Ok(())
    }

    /// Throws everything away (the socket closed, or a datagram socket changed peers).
    pub fn clear(&mut self) -> VecDeque<Segment> {
        self.unread = 0;
        core::mem::take(&mut self.segments)
    }

    /// Copies stream bytes into `buffer` from the front. As on Linux, a read takes the
    /// descriptors of the segments it reads from and stops after a segment that had
    /// some, so descriptors arrive with the bytes they were sent with. `EFAULT` only if
    /// nothing was copied.
    pub fn read_stream(&mut self, buffer: &mut Buffer, peek: bool) -> Result<Taken, Errno> {
        let start = buffer.done();
        let mut taken = Taken::default();
        let mut index = 0;
        while buffer.remaining() > 0 {
            let Some(segment) = self.segments.get_mut(index) else {
                break;
            };
            if buffer.done() == start {
                taken.from.clone_from(&segment.from);
            }
            let before = buffer.done();
            let count = segment.unread().len().min(buffer.remaining());
            let copied = buffer.put(&segment.unread()[..count]);
            let moved = buffer.done() - before;
            let carries = !segment.rights.is_empty();
            let reached = copied.is_ok() || moved > 0;
            if peek {
                if reached {
                    taken.rights.extend(segment.rights.iter().cloned());
                }
                index += 1;
            } else {
                segment.consumed += moved;
                self.unread -= moved;
                if reached {
                    taken.rights.append(&mut segment.rights);
                }
                if segment.unread().is_empty() {
                    self.segments.pop_front();
                }
            }
            if let Err(errno) = copied {
                return if buffer.done() > start {
                    Ok(taken)
                } else {
                    Err(errno)
                };
            }
            if carries {
                break;
            }
        }
        Ok(taken)
    }

    /// Copies the next message into `buffer`; what does not fit is lost, as `MSG_TRUNC`
    /// reports. `None` if the queue is empty.
    pub fn read_message(
        &mut self,
        buffer: &mut Buffer,
        peek: bool,
    ) -> Option<Result<Taken, Errno>> {
        let segment = self.segments.front()?;
        let count = segment.bytes.len().min(buffer.remaining());
        if let Err(errno) = buffer.put(&segment.bytes[..count]) {
            return Some(Err(errno));
        }
        let taken = Taken {
            rights: if peek {
                segment.rights.clone()
            } else {
                Vec::new()
            },
            from: segment.from.clone(),
            length: segment.bytes.len(),
            truncated: count < segment.bytes.len(),
        };
        if peek {
            return Some(Ok(taken));
        }
        let segment = self.segments.pop_front()?;
        self.unread -= segment.bytes.len();
        Some(Ok(Taken {
            rights: segment.rights,
            ..taken
        }))
    }
}

/// Takes `count` bytes from `buffer` into a new vector; `ENOBUFS` rather than a kernel
/// failure when the heap cannot hold them.
pub fn take_bytes(buffer: &mut Buffer, count: usize) -> Result<Vec<u8>, Errno> {
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(count).map_err(|_| Errno::ENOBUFS)?;
    bytes.resize(count, 0);
    let taken = buffer.take(&mut bytes)?;
    bytes.truncate(taken);
    Ok(bytes)
}
