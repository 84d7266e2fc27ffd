//! `epoll_create`, `epoll_create1`, `epoll_ctl`, `epoll_wait`, `epoll_pwait`,
//! `epoll_pwait2` (epoll(7), epoll_ctl(2), epoll_wait(2)).

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::description::FileDescription;
use crate::fs::epoll::{Epoll, EPOLLEXCLUSIVE, EXCLUSIVE_ALLOWED};
use crate::fs::fd_table;
use crate::fs::open_flags::OpenFlags;
use crate::fs::poll::{wait, Look};
use crate::mm::user::{copy_from_user, copy_to_user};
use crate::time::monotonic_ns;

const EPOLL_CLOEXEC: u64 = OpenFlags::O_CLOEXEC as u64;
const EPOLL_CTL_ADD: u64 = 1;
const EPOLL_CTL_DEL: u64 = 2;
const EPOLL_CTL_MOD: u64 = 3;
/// `struct epoll_event` is packed on x86-64: 4 bytes of events, 8 of data.
const EVENT_SIZE: usize = 12;
const MAX_EVENTS: u64 = i32::MAX as u64 / EVENT_SIZE as u64;

pub fn epoll_create(frame: &mut TrapFrame, args: Args) -> SysResult {
    if args[0] as i32 <= 0 {
        return Err(Errno::EINVAL);
    }
    epoll_create1(frame, [0; 6])
}

pub fn epoll_create1(_: &mut TrapFrame, args: Args) -> SysResult {
    let flags = args[0];
    if flags & !EPOLL_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    let description = FileDescription::anonymous(Epoll::new(), OpenFlags::O_RDWR);
    fd_table::install(description, flags & EPOLL_CLOEXEC != 0)
}

/// The epoll instance behind `fd`: `EBADF` for a bad descriptor, `EINVAL` for another file.
fn instance(fd: u64) -> Result<Arc<FileDescription>, Errno> {
    let description = fd_table::get(fd as u32 as u64)?;
    if description.file.as_any().downcast_ref::<Epoll>().is_none() {
        return Err(Errno::EINVAL);
    }
    Ok(description)
}

fn as_epoll(description: &FileDescription) -> Result<&Epoll, Errno> {
    description
        .file
        .as_any()
        .downcast_ref::<Epoll>()
        .ok_or(Errno::EINVAL)
}

pub fn epoll_ctl(_: &mut TrapFrame, args: Args) -> SysResult {
    let [epfd, op, fd, event, ..] = args;
    let description = instance(epfd)?;
    let epoll = as_epoll(&description)?;
    let target = fd_table::get(fd as u32 as u64)?;
    if Arc::ptr_eq(&description, &target) {
        return Err(Errno::EINVAL);
    }
    if !target.file.pollable() {
        return Err(Errno::EPERM);
    }
    let fd = fd as i32;
    if op == EPOLL_CTL_DEL {
        epoll.remove(fd, &target)?;
        return Ok(0);
    }
    let mut bytes = [0u8; EVENT_SIZE];
    copy_from_user(&mut bytes, event)?;
    let events = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let mut data = [0u8; 8];
    data.copy_from_slice(&bytes[4..]);
    let data = u64::from_le_bytes(data);
    let target_epoll = target.file.as_any().downcast_ref::<Epoll>();
    if events & EPOLLEXCLUSIVE != 0
        && (op == EPOLL_CTL_MOD || events & !EXCLUSIVE_ALLOWED != 0 || target_epoll.is_some())
    {
        return Err(Errno::EINVAL);
    }
    match op {
        EPOLL_CTL_ADD => {
            if target_epoll.is_some_and(|inner| watches(inner, epoll, 0)) {
                return Err(Errno::ELOOP);
            }
            epoll.add(fd, &target, events, data)?;
        }
        EPOLL_CTL_MOD => epoll.modify(fd, &target, events, data)?,
        _ => return Err(Errno::EINVAL),
    }
    Ok(0)
}

/// Whether `outer` watches `inner`, directly or through other instances.
fn watches(outer: &Epoll, inner: &Epoll, depth: usize) -> bool {
    if core::ptr::eq(outer, inner) {
        return true;
    }
    if depth > 5 {
        return true;
    }
    outer.watched().iter().any(|description| {
        description
            .file
            .as_any()
            .downcast_ref::<Epoll>()
            .is_some_and(|nested| watches(nested, inner, depth + 1))
    })
}

/// Waits for events and copies them to `address`.
fn wait_events(epfd: u64, address: u64, max: u64, timeout: Option<u64>) -> SysResult {
    if max as i32 <= 0 || max > MAX_EVENTS {
        return Err(Errno::EINVAL);
    }
    let description = instance(epfd)?;
    let epoll = as_epoll(&description)?;
    let deadline = timeout.map(|timeout| monotonic_ns().saturating_add(timeout));
    let ready = wait(deadline, || match epoll.collect(max as usize) {
        (ready, _) if !ready.is_empty() => Look::Ready(ready),
        (_, timer) => Look::NotYet { timer },
    })?
    .unwrap_or_default();
    let mut bytes: Vec<u8> = Vec::with_capacity(ready.len() * EVENT_SIZE);
    for (events, data) in &ready {
        bytes.extend_from_slice(&events.to_le_bytes());
        bytes.extend_from_slice(&data.to_le_bytes());
    }
    copy_to_user(address, &bytes)?;
    Ok(ready.len())
}

fn milliseconds(timeout: u64) -> Option<u64> {
    let timeout = timeout as i32;
    (timeout >= 0).then(|| timeout as u64 * 1_000_000)
}

pub fn epoll_wait(_: &mut TrapFrame, args: Args) -> SysResult {
    wait_events(args[0], args[1], args[2], milliseconds(args[3]))
}

pub fn epoll_pwait(_: &mut TrapFrame, args: Args) -> SysResult {
    let [epfd, events, max, timeout, mask, mask_size] = args;
    if mask != 0 && mask_size != 8 {
        return Err(Errno::EINVAL);
    }
    wait_events(epfd, events, max, milliseconds(timeout))
}

pub fn epoll_pwait2(_: &mut TrapFrame, args: Args) -> SysResult {
    let [epfd, events, max, timeout, mask, mask_size] = args;
    if mask != 0 && mask_size != 8 {
        return Err(Errno::EINVAL);
    }
    let timeout = if timeout == 0 {
        None
    } else {
        Some(super::time::read_timespec(timeout)?)
    };
    wait_events(epfd, events, max, timeout)
}
