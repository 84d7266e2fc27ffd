//! The descriptor table: small integers naming open file descriptions, each with its own
//! close-on-exec flag (open(2), dup(2), close_range(2)).

use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Mutex;

use super::description::FileDescription;
use crate::syscall::errno::Errno;

#[derive(Clone)]
struct Slot {
    description: Arc<FileDescription>,
    close_on_exec: bool,
}

static TABLE: Mutex<Vec<Option<Slot>>> = Mutex::new(Vec::new());

/// The most descriptors the application may hold (`RLIMIT_NOFILE`).
pub const MAX_DESCRIPTORS: usize = 1024;

fn index(fd: u64) -> Result<usize, Errno> {
    usize::try_from(fd)
        .ok()
        .filter(|&index| index < MAX_DESCRIPTORS)
        .ok_or(Errno::EBADF)
}

/// Installs `description` at the lowest free descriptor.
pub fn install(description: Arc<FileDescription>, close_on_exec: bool) -> Result<usize, Errno> {
    install_from(0, description, close_on_exec)
}

/// Installs `description` at the lowest free descriptor not below `lowest` (`F_DUPFD`).
pub fn install_from(
    lowest: usize,
    description: Arc<FileDescription>,
    close_on_exec: bool,
) -> Result<usize, Errno> {
    let mut table = TABLE.lock();
    let free = (lowest..MAX_DESCRIPTORS)
        .find(|&slot| table.get(slot).is_none_or(Option::is_none))
        .ok_or(Errno::EMFILE)?;
    if free >= table.len() {
        table.resize(free + 1, None);
    }
    table[free] = Some(Slot {
        description,
        close_on_exec,
    });
    Ok(free)
}

/// Puts `description` at `fd`, closing what was there (`dup2`, `dup3`). The old
/// description is returned so that it is dropped outside the table's lock.
pub fn install_at(
    fd: u64,
    description: Arc<FileDescription>,
    close_on_exec: bool,
) -> Result<Option<Arc<FileDescription>>, Errno> {
    let slot = index(fd)?;
    let mut table = TABLE.lock();
    if slot >= table.len() {
        table.resize(slot + 1, None);
    }
    let old = table[slot].replace(Slot {
        description,
        close_on_exec,
    });
    Ok(old.map(|slot| slot.description))
}

/// The description behind descriptor `fd`.
pub fn get(fd: u64) -> Result<Arc<FileDescription>, Errno> {
    let slot = index(fd)?;
    TABLE
        .lock()
        .get(slot)
        .and_then(Option::as_ref)
        .map(|slot| slot.description.clone())
        .ok_or(Errno::EBADF)
}

/// Removes descriptor `fd` and returns its description.
pub fn close(fd: u64) -> Result<Arc<FileDescription>, Errno> {
    let slot = index(fd)?;
    let mut table = TABLE.lock();
    table
        .get_mut(slot)
        .and_then(Option::take)
        .map(|slot| slot.description)
        .ok_or(Errno::EBADF)
}

pub fn close_on_exec(fd: u64) -> Result<bool, Errno> {
    let slot = index(fd)?;
    TABLE
        .lock()
        .get(slot)
        .and_then(Option::as_ref)
        .map(|slot| slot.close_on_exec)
        .ok_or(Errno::EBADF)
}

pub fn set_close_on_exec(fd: u64, value: bool) -> Result<(), Errno> {
    let slot = index(fd)?;
    let mut table = TABLE.lock();
    let entry = table
        .get_mut(slot)
        .and_then(Option::as_mut)
        .ok_or(Errno::EBADF)?;
    entry.close_on_exec = value;
    Ok(())
}

/// Closes the open descriptors in `first..=last`, or marks them close-on-exec; returns the
/// closed descriptions with their numbers.
pub fn close_range(
    first: usize,
    last: usize,
    only_mark: bool,
) -> Vec<(usize, Arc<FileDescription>)> {
    let mut table = TABLE.lock();
    let end = last.saturating_add(1).min(table.len());
    let mut closed = Vec::new();
    for fd in first.min(end)..end {
        if only_mark {
            if let Some(slot) = table[fd].as_mut() {
                slot.close_on_exec = true;
            }
        } else if let Some(slot) = table[fd].take() {
            closed.push((fd, slot.description));
        }
    }
    closed
}

/// Every open descriptor and its description, in order.
pub fn snapshot() -> Vec<(usize, Arc<FileDescription>)> {
    TABLE
        .lock()
        .iter()
        .enumerate()
        .filter_map(|(fd, slot)| Some((fd, slot.as_ref()?.description.clone())))
        .collect()
}
