//! epoll(7): an interest list of (descriptor, open file description) pairs, each with the
//! events it waits for; level-triggered by default, edge-triggered with `EPOLLET` (reported
//! once per new event), disabled after one report with `EPOLLONESHOT`.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use spin::Mutex;

use super::anon;
use super::description::FileDescription;
use super::file::{
    File, PollState, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLPRI, POLLRDHUP, POLLRDNORM, POLLWRNORM,
};
use super::inode::{FileType, Metadata, Time};
use crate::syscall::errno::Errno;

pub const EPOLLEXCLUSIVE: u32 = 1 << 28;
pub const EPOLLWAKEUP: u32 = 1 << 29;
pub const EPOLLONESHOT: u32 = 1 << 30;
pub const EPOLLET: u32 = 1 << 31;
/// The bits `EPOLLEXCLUSIVE` may be combined with.
pub const EXCLUSIVE_ALLOWED: u32 = POLLIN | POLLOUT | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;

/// Event bits that new input (or its end) brings, and those that new room brings.
const INPUT_EVENTS: u32 = POLLIN | POLLRDNORM | POLLPRI | POLLRDHUP | POLLHUP | POLLERR;
const OUTPUT_EVENTS: u32 = POLLOUT | POLLWRNORM | POLLHUP | POLLERR;

/// How deep epoll instances may watch each other (`EP_MAX_NESTS`).
const MAX_NESTING: usize = 4;
static NESTING: AtomicUsize = AtomicUsize::new(0);

type Key = (i32, u64);

struct Interest {
    description: Weak<FileDescription>,
    events: u32,
    data: u64,
    /// The event counters at the last look, for edge-triggered interests.
    seen: Option<(u64, u64)>,
    /// A one-shot interest that fired; `EPOLL_CTL_MOD` arms it again.
    disabled: bool,
}

pub struct Epoll {
    interests: Mutex<BTreeMap<Key, Interest>>,
    /// Where the next look starts, so that a small `maxevents` still reaches every file.
    cursor: Mutex<Option<Key>>,
    inode: u64,
    created: Time,
}

impl Epoll {
    pub fn new() -> Arc<Epoll> {
        Arc::new(Epoll {
            interests: Mutex::new(BTreeMap::new()),
            cursor: Mutex::new(None),
            inode: anon::new_inode_number(),
            created: Time::now(),
        })
    }

    /// `EPOLL_CTL_ADD`.
    pub fn add(
        &self,
        fd: i32,
        description: &Arc<FileDescription>,
        events: u32,
        data: u64,
    ) -> Result<(), Errno> {
        let mut interests = self.interests.lock();
        let key = (fd, description.id);
        if interests.contains_key(&key) {
            return Err(Errno::EEXIST);
        }
        interests.insert(
            key,
            Interest {
                description: Arc::downgrade(description),
                events,
                data,
                seen: None,
                disabled: false,
            },
        );
        drop(interests);
        super::poll::notify();
        Ok(())
    }

    /// `EPOLL_CTL_MOD`.
    pub fn modify(
        &self,
        fd: i32,
        description: &FileDescription,
        events: u32,
        data: u64,
    ) -> Result<(), Errno> {
        let mut interests = self.interests.lock();
        let interest = interests
            .get_mut(&(fd, description.id))
            .ok_or(Errno::ENOENT)?;
        if interest.events & EPOLLEXCLUSIVE != 0 {
            return Err(Errno::EINVAL);
        }
        interest.events = events;
        interest.data = data;
        interest.seen = None;
        interest.disabled = false;
        drop(interests);
        super::poll::notify();
        Ok(())
    }

    /// `EPOLL_CTL_DEL`.
    pub fn remove(&self, fd: i32, description: &FileDescription) -> Result<(), Errno> {
        self.interests
            .lock()
            .remove(&(fd, description.id))
            .map(|_| ())
            .ok_or(Errno::ENOENT)
    }

    /// Takes up to `max` ready events as `(events, data)`; with none ready, the earliest
    /// time a watched timer fires.
    pub fn collect(&self, max: usize) -> (Vec<(u32, u64)>, Option<u64>) {
        let mut interests = self.interests.lock();
        interests.retain(|_, interest| interest.description.strong_count() > 0);
        let mut cursor = self.cursor.lock();
        let keys: Vec<Key> = match *cursor {
            Some(start) => interests
                .range((
                    core::ops::Bound::Excluded(start),
                    core::ops::Bound::Unbounded,
                ))
                .chain(interests.range(..=start))
                .map(|(key, _)| *key)
                .collect(),
            None => interests.keys().copied().collect(),
        };
        let mut ready = Vec::new();
        let mut timer: Option<u64> = None;
        for key in keys {
            if ready.len() >= max {
                break;
            }
            let Some(interest) = interests.get_mut(&key) else {
                continue;
            };
            let Some(description) = interest.description.upgrade() else {
                continue;
            };
            if interest.disabled {
                continue;
            }
            let state = poll_nested(&*description.file);
            if let Some(deadline) = description.file.deadline() {
                timer = Some(timer.map_or(deadline, |t: u64| t.min(deadline)));
            }
            let events = report(interest, state);
            if events != 0 {
                ready.push((events, interest.data));
                if interest.events & EPOLLONESHOT != 0 {
                    interest.disabled = true;
                }
                *cursor = Some(key);
            }
        }
        (ready, timer)
    }

    /// The descriptions watched, for loop detection.
    pub fn watched(&self) -> Vec<Arc<FileDescription>> {
        let interests = self.interests.lock();
        interests
            .values()
            .filter_map(|interest| interest.description.upgrade())
            .collect()
    }

    /// Whether any interest would be reported now (without consuming edges).
    fn any_ready(&self) -> bool {
        let interests = self.interests.lock();
        interests.values().any(|interest| {
            let Some(description) = interest.description.upgrade() else {
                return false;
            };
            if interest.disabled {
                return false;
            }
            let state = poll_nested(&*description.file);
            let mut copy = Interest {
                description: Weak::new(),
                events: interest.events,
                data: 0,
                seen: interest.seen,
                disabled: false,
            };
            report(&mut copy, state) != 0
        })
    }
}

/// The events of `interest` to report for `state`, updating what it has seen.
fn report(interest: &mut Interest, state: PollState) -> u32 {
    let mut events = state.events & (interest.events | POLLERR | POLLHUP);
    if interest.events & EPOLLET != 0 {
        let (input, output) = interest
            .seen
            .map_or((None, None), |(i, o)| (Some(i), Some(o)));
        let mut edges = 0;
        if input != Some(state.input) {
            edges |= INPUT_EVENTS;
        }
        if output != Some(state.output) {
            edges |= OUTPUT_EVENTS;
        }
        events &= edges;
        interest.seen = Some((state.input, state.output));
    }
    events
}

/// Polls `file`, which may be another epoll instance, within the nesting limit.
fn poll_nested(file: &dyn File) -> PollState {
    if NESTING.fetch_add(1, Ordering::Relaxed) >= MAX_NESTING {
        NESTING.fetch_sub(1, Ordering::Relaxed);
        return PollState::default();
    }
    let state = file.poll();
    NESTING.fetch_sub(1, Ordering::Relaxed);
    state
}

impl File for Epoll {
    fn poll(&self) -> PollState {
        PollState::ready(if self.any_ready() {
            POLLIN | POLLRDNORM
        } else {
            0
        })
    }

    fn stat(&self) -> Metadata {
        anon::metadata_of(self.inode, 0o600, FileType::Regular, self.created)
    }

    fn describe(&self) -> Vec<u8> {
        b"anon_inode:[eventpoll]".to_vec()
    }
}
