//! Descriptor calls: `close`, `close_range`, `dup`, `dup2`, `dup3`, `fcntl`, `flock`,
//! `ioctl` (close(2), dup(2), fcntl(2), flock(2), ioctl(2)).

use alloc::sync::Arc;

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::description::FileDescription;
use crate::fs::fd_table::{self, MAX_DESCRIPTORS};
use crate::fs::lock::{self, LockKind, Owner, RecordLock};
use crate::fs::open_flags::OpenFlags;
use crate::fs::pipe::PipeEnd;
use crate::mm::user::{read_user, write_user, Plain};

/// Closes `description`'s descriptor: the process's record locks on the file go too.
fn after_close(description: Arc<FileDescription>) {
    if let Some(key) = lock::key_of(&description) {
        lock::release_process(key);
    }
}

pub fn close(_: &mut TrapFrame, args: Args) -> SysResult {
    after_close(fd_table::close(args[0] as u32 as u64)?);
    Ok(0)
}

const CLOSE_RANGE_UNSHARE: u64 = 1 << 1;
const CLOSE_RANGE_CLOEXEC: u64 = 1 << 2;

pub fn close_range(_: &mut TrapFrame, args: Args) -> SysResult {
    let [first, last, flags, ..] = args;
    let (first, last) = (first as u32, last as u32);
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return Err(Errno::EINVAL);
    }
    let closed = fd_table::close_range(
        first as usize,
        last as usize,
        flags & CLOSE_RANGE_CLOEXEC != 0,
    );
    for (_, description) in closed {
        after_close(description);
    }
    Ok(0)
}

pub fn dup(_: &mut TrapFrame, args: Args) -> SysResult {
    let description = fd_table::get(args[0] as u32 as u64)?;
    fd_table::install(description, false)
}

pub fn dup2(_: &mut TrapFrame, args: Args) -> SysResult {
    let [old, new, ..] = args;
    let (old, new) = (old as u32 as u64, new as u32 as u64);
    let description = fd_table::get(old)?;
    if old == new {
        return Ok(new as usize);
    }
    replace(new, description, false)
}

pub fn dup3(_: &mut TrapFrame, args: Args) -> SysResult {
    let [old, new, flags, ..] = args;
    let (old, new) = (old as u32 as u64, new as u32 as u64);
    if flags & !(OpenFlags::O_CLOEXEC as u64) != 0 || old == new {
        return Err(Errno::EINVAL);
    }
    let description = fd_table::get(old)?;
    replace(new, description, flags != 0)
}

fn replace(fd: u64, description: Arc<FileDescription>, close_on_exec: bool) -> SysResult {
    if fd as usize >= MAX_DESCRIPTORS {
        return Err(Errno::EBADF);
    }
    if let Some(old) = fd_table::install_at(fd, description, close_on_exec)? {
        after_close(old);
    }
    Ok(fd as usize)
}

const F_DUPFD: u64 = 0;
const F_GETFD: u64 = 1;
const F_SETFD: u64 = 2;
const F_GETFL: u64 = 3;
const F_SETFL: u64 = 4;
const F_GETLK: u64 = 5;
const F_SETLK: u64 = 6;
const F_SETLKW: u64 = 7;
const F_SETOWN: u64 = 8;
const F_GETOWN: u64 = 9;
const F_SETSIG: u64 = 10;
const F_GETSIG: u64 = 11;
const F_OFD_GETLK: u64 = 36;
const F_OFD_SETLK: u64 = 37;
const F_OFD_SETLKW: u64 = 38;
const F_DUPFD_CLOEXEC: u64 = 1030;
const F_SETPIPE_SZ: u64 = 1031;
const F_GETPIPE_SZ: u64 = 1032;
const F_ADD_SEALS: u64 = 1033;
const F_GET_SEALS: u64 = 1034;
const FD_CLOEXEC: u64 = 1;

pub fn fcntl(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, command, argument, ..] = args;
    let fd = fd as u32 as u64;
    let description = fd_table::get(fd)?;
    match command {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let lowest = argument as u32 as usize;
            if lowest >= MAX_DESCRIPTORS {
                return Err(Errno::EINVAL);
            }
            fd_table::install_from(lowest, description, command == F_DUPFD_CLOEXEC)
        }
        F_GETFD => Ok(fd_table::close_on_exec(fd)? as usize),
        F_SETFD => fd_table::set_close_on_exec(fd, argument & FD_CLOEXEC != 0).map(|_| 0),
        F_GETFL => Ok(description.flags().0 as usize),
        F_SETFL => {
            description.set_status_flags(argument as u32);
            Ok(0)
        }
        F_GETLK | F_SETLK | F_SETLKW => {
            record_lock(&description, command, argument, Owner::Process)
        }
        F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW => {
            let command = command - F_OFD_GETLK + F_GETLK;
            record_lock(
                &description,
                command,
                argument,
                Owner::Description(description.id),
            )
        }
        F_GETOWN | F_GETSIG => Ok(0),
        F_SETOWN | F_SETSIG => Ok(0),
        F_GETPIPE_SZ | F_SETPIPE_SZ => {
            let pipe = description
                .file
                .as_any()
                .downcast_ref::<PipeEnd>()
                .ok_or(Errno::EBADF)?;
            if command == F_GETPIPE_SZ {
                Ok(pipe.capacity())
            } else {
                pipe.set_capacity(argument)
            }
        }
        F_ADD_SEALS | F_GET_SEALS => {
            super::memfd::seals(&description, command == F_ADD_SEALS, argument as u32)
        }
        _ => {
            crate::warn_once!("fcntl: command {command} is not supported: it returns EINVAL");
            Err(Errno::EINVAL)
        }
    }
}

/// `struct flock` (x86-64): type, whence, start, length, pid.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Flock {
    kind: i16,
    whence: i16,
    pad0: u32,
    start: i64,
    length: i64,
    pid: i32,
    pad1: u32,
}

// SAFETY: integers only; the explicit pads fill the gaps.
unsafe impl Plain for Flock {}

const F_RDLCK: i16 = 0;
const F_WRLCK: i16 = 1;
const F_UNLCK: i16 = 2;

/// `F_GETLK`, `F_SETLK`, `F_SETLKW` for `owner`.
fn record_lock(
    description: &FileDescription,
    command: u64,
    argument: u64,
    owner: Owner,
) -> SysResult {
    let mut request: Flock = read_user(argument)?;
    let key = lock::key_of(description).ok_or(Errno::EBADF)?;
    let kind = match request.kind {
        F_RDLCK => Some(LockKind::Read),
        F_WRLCK => Some(LockKind::Write),
        F_UNLCK => None,
        _ => return Err(Errno::EINVAL),
    };
    if let Owner::Description(_) = owner {
        if request.pid != 0 {
            return Err(Errno::EINVAL);
        }
    }
    let (start, end) = lock_range(description, &request)?;
    let lock = RecordLock {
        owner,
        kind: kind.unwrap_or(LockKind::Read),
        start,
        end,
    };
    if command == F_GETLK {
        let Some(kind) = kind else {
            return Err(Errno::EINVAL);
        };
        match lock::conflicting(key, &RecordLock { kind, ..lock }) {
            None => request.kind = F_UNLCK,
            Some(held) => {
                request.kind = if held.kind == LockKind::Write {
                    F_WRLCK
                } else {
                    F_RDLCK
                };
                request.whence = 0;
                request.start = held.start as i64;
                request.length = if held.end == u64::MAX {
                    0
                } else {
                    (held.end - held.start + 1) as i64
                };
                request.pid = if held.owner == Owner::Process {
                    crate::task::PID as i32
                } else {
                    -1
                };
            }
        }
        write_user(argument, &request)?;
        return Ok(0);
    }
    let flags = description.flags();
    match kind {
        Some(LockKind::Read) if !flags.readable() => return Err(Errno::EBADF),
        Some(LockKind::Write) if !flags.writable() => return Err(Errno::EBADF),
        _ => {}
    }
    lock::set(key, lock, kind, command == F_SETLKW)?;
    Ok(0)
}

/// The byte range `start..=end` a `struct flock` describes.
fn lock_range(description: &FileDescription, request: &Flock) -> Result<(u64, u64), Errno> {
    let base: i64 = match request.whence {
        0 => 0,
        1 => description.position() as i64,
        2 => description.metadata().size as i64,
        _ => return Err(Errno::EINVAL),
    };
    let mut start = base.checked_add(request.start).ok_or(Errno::EOVERFLOW)?;
    let end = match request.length {
        // To the end of the file, however far it grows.
        0 => u64::MAX,
        length if length > 0 => start.checked_add(length - 1).ok_or(Errno::EOVERFLOW)? as u64,
        // A negative length covers the bytes before `start`.
        length => {
            let end = start.checked_sub(1).ok_or(Errno::EINVAL)?;
            start = start.checked_add(length).ok_or(Errno::EINVAL)?;
            end as u64
        }
    };
    if start < 0 {
        return Err(Errno::EINVAL);
    }
    Ok((start as u64, end))
}

const LOCK_SH: u64 = 1;
const LOCK_EX: u64 = 2;
const LOCK_NB: u64 = 4;
const LOCK_UN: u64 = 8;

pub fn flock(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, operation, ..] = args;
    let description = fd_table::get(fd as u32 as u64)?;
    if description.flags().has(OpenFlags::O_PATH) {
        return Err(Errno::EBADF);
    }
    let kind = match operation & !LOCK_NB {
        LOCK_SH => Some(LockKind::Read),
        LOCK_EX => Some(LockKind::Write),
        LOCK_UN => None,
        _ => return Err(Errno::EINVAL),
    };
    let key = lock::key_of(&description).ok_or(Errno::EINVAL)?;
    lock::flock(key, description.id, kind, operation & LOCK_NB == 0).map_err(|errno| {
        if errno == Errno::EAGAIN {
            Errno::EAGAIN
        } else {
            errno
        }
    })?;
    Ok(0)
}

const FIONREAD: u64 = 0x541b;
const FIONBIO: u64 = 0x5421;
const FIONCLEX: u64 = 0x5450;
const FIOCLEX: u64 = 0x5451;
const FIOASYNC: u64 = 0x5452;

pub fn ioctl(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, request, argument, ..] = args;
    let fd = fd as u32 as u64;
    let description = fd_table::get(fd)?;
    if description.flags().has(OpenFlags::O_PATH) {
        return Err(Errno::EBADF);
    }
    match request {
        FIOCLEX | FIONCLEX => fd_table::set_close_on_exec(fd, request == FIOCLEX).map(|_| 0),
        FIONBIO | FIOASYNC => {
            let on: i32 = read_user(argument)?;
            let bit = if request == FIONBIO {
                OpenFlags::O_NONBLOCK
            } else {
                OpenFlags::O_ASYNC
            };
            let flags = description.flags().0 & OpenFlags::SETTABLE;
            description.set_status_flags(if on != 0 { flags | bit } else { flags & !bit });
            Ok(0)
        }
        FIONREAD if description.file.seekable() && !description.metadata().is_directory() => {
            let left = description
                .file
                .size()
                .saturating_sub(description.position());
            write_user(argument, &(left.min(i32::MAX as u64) as i32))?;
            Ok(0)
        }
        _ => description.file.ioctl(request, argument),
    }
}
