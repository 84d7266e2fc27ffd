//! Advisory file locks: POSIX record locks owned by the process (`fcntl` `F_SETLK`), open
//! file description locks (`F_OFD_SETLK`) and whole-file `flock(2)` locks. Locks only
//! conflict between different owners; with one process, record locks conflict only with
//! description locks (fcntl(2), "Advisory record locking").

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use spin::Mutex;

use super::description::FileDescription;
use crate::syscall::errno::Errno;
use crate::task::wait::WaitQueue;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Process,
    Description(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockKind {
    Read,
    Write,
}

/// A lock on bytes `start..=end` of a file.
#[derive(Clone, Copy, Debug)]
pub struct RecordLock {
    pub owner: Owner,
    pub kind: LockKind,
    pub start: u64,
    pub end: u64,
}

impl RecordLock {
    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.start <= end && start <= self.end
    }

    fn conflicts(&self, other: &RecordLock) -> bool {
        self.owner != other.owner
            && self.overlaps(other.start, other.end)
            && (self.kind == LockKind::Write || other.kind == LockKind::Write)
    }
}

/// A file, as locks know it: device and inode number.
pub type FileKey = (u64, u64);

static RECORDS: Mutex<BTreeMap<FileKey, Vec<RecordLock>>> = Mutex::new(BTreeMap::new());
static FLOCKS: Mutex<BTreeMap<FileKey, Vec<(u64, LockKind)>>> = Mutex::new(BTreeMap::new());
/// Threads waiting for a lock to go away.
static RELEASED: WaitQueue = WaitQueue::new();

pub fn key_of(description: &FileDescription) -> Option<FileKey> {
    let metadata = description.inode()?.metadata();
    Some((metadata.device, metadata.inode))
}

/// The first lock of another owner that `lock` would conflict with (`F_GETLK`).
pub fn conflicting(key: FileKey, lock: &RecordLock) -> Option<RecordLock> {
    let records = RECORDS.lock();
    records
        .get(&key)?
        .iter()
        .find(|held| held.conflicts(lock))
        .copied()
}

/// Takes `lock` (or, with `kind` `None`, releases the range) for its owner, waiting for
/// conflicting locks to go if `wait`, else failing with `EAGAIN`.
pub fn set(
    key: FileKey,
    lock: RecordLock,
    kind: Option<LockKind>,
    wait: bool,
) -> Result<(), Errno> {
    let attempt = || {
        let mut records = RECORDS.lock();
        let held = records.entry(key).or_default();
        if let Some(kind) = kind {
            let wanted = RecordLock { kind, ..lock };
            if held.iter().any(|other| other.conflicts(&wanted)) {
                return None;
            }
        }
        remove_range(held, lock.owner, lock.start, lock.end);
        if let Some(kind) = kind {
            held.push(RecordLock { kind, ..lock });
        }
        if held.is_empty() {
            records.remove(&key);
        }
        Some(())
    };
    if !wait {
        return attempt().ok_or(Errno::EAGAIN);
    }
    RELEASED.wait_until(None, attempt)?;
    RELEASED.wake_all();
    Ok(())
}

/// Cuts `start..=end` out of the locks `owner` holds, splitting locks that straddle it.
fn remove_range(held: &mut Vec<RecordLock>, owner: Owner, start: u64, end: u64) {
    let mut kept = Vec::with_capacity(held.len() + 1);
    for lock in held.drain(..) {
        if lock.owner != owner || !lock.overlaps(start, end) {
            kept.push(lock);
            continue;
        }
        if lock.start < start {
            kept.push(RecordLock {
                end: start - 1,
                ..lock
            });
        }
        if lock.end > end {
            kept.push(RecordLock {
                start: end + 1,
                ..lock
            });
        }
    }
    *held = kept;
}

/// Closing any descriptor of a file drops the process's record locks on it.
pub fn release_process(key: FileKey) {
    let mut records = RECORDS.lock();
    if let Some(held) = records.get_mut(&key) {
        held.retain(|lock| lock.owner != Owner::Process);
        if held.is_empty() {
            records.remove(&key);
        }
    }
    drop(records);
    RELEASED.wake_all();
}

/// The last reference to a description is gone: its OFD and `flock` locks go with it.
pub fn release_description(description: &FileDescription) {
    if RECORDS.lock().is_empty() && FLOCKS.lock().is_empty() {
        return;
    }
    let Some(key) = key_of(description) else {
        return;
    };
    let owner = Owner::Description(description.id);
    if let Some(held) = RECORDS.lock().get_mut(&key) {
        held.retain(|lock| lock.owner != owner);
    }
    if let Some(held) = FLOCKS.lock().get_mut(&key) {
        held.retain(|&(id, _)| id != description.id);
    }
    RELEASED.wake_all();
}

/// `flock(2)`: `kind` `None` unlocks; a held lock of the description is converted.
pub fn flock(
    key: FileKey,
    description: u64,
    kind: Option<LockKind>,
    wait: bool,
) -> Result<(), Errno> {
    let attempt = || {
        let mut flocks = FLOCKS.lock();
        let held = flocks.entry(key).or_default();
        held.retain(|&(id, _)| id != description);
        if let Some(kind) = kind {
            let conflict = held
                .iter()
                .any(|&(_, other)| kind == LockKind::Write || other == LockKind::Write);
            if conflict {
                return None;
            }
            held.push((description, kind));
        }
        Some(())
    };
    if !wait {
        return attempt().ok_or(Errno::EAGAIN);
    }
    RELEASED.wait_until(None, attempt)?;
    RELEASED.wake_all();
    Ok(())
}
