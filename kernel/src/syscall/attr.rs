//! Attributes: `access` and `faccessat`, permissions (`chmod` family), owners (`chown`
//! family, recorded), `umask`, times (`utimensat`, `futimesat`, `utimes`, `utime`) and
//! sizes (`truncate`, `ftruncate`, `fallocate`) (access(2), chmod(2), chown(2),
//! utimensat(2), truncate(2), fallocate(2)).
//!
//! The application runs as root, so permission bits never refuse it, except that
//! executing needs an execute bit, as for root on Linux.

use super::errno::{Errno, SysResult};
use super::path::{lookup, lookup_at, AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::description::FileDescription;
use crate::fs::inode::{AttributeChange, FileType, Time};
use crate::fs::open_flags::OpenFlags;
use crate::fs::path::Location;
use crate::fs::{context, fd_table};
use crate::mm::user::read_user;

const X_OK: u64 = 1;
const W_OK: u64 = 2;

pub fn access(_: &mut TrapFrame, args: Args) -> SysResult {
    check_access(AT_FDCWD as u64, args[0], args[1], 0)
}

pub fn faccessat(_: &mut TrapFrame, args: Args) -> SysResult {
    check_access(args[0], args[1], args[2], 0)
}

pub fn faccessat2(_: &mut TrapFrame, args: Args) -> SysResult {
    check_access(args[0], args[1], args[2], args[3])
}

fn check_access(dirfd: u64, address: u64, mode: u64, flags: u64) -> SysResult {
    if mode & !7 != 0 || flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let location = lookup_at(dirfd, address, flags)?;
    let metadata = location.inode.metadata();
    let kind = metadata.file_type();
    if mode & W_OK != 0
        && location.inode.filesystem().read_only
        && matches!(
            kind,
            Some(FileType::Regular | FileType::Directory | FileType::Symlink)
        )
    {
        return Err(Errno::EROFS);
    }
    if mode & X_OK != 0 && kind != Some(FileType::Directory) && metadata.mode & 0o111 == 0 {
        return Err(Errno::EACCES);
    }
    Ok(0)
}

/// A descriptor for a call that changes its file: `O_PATH` ones are refused.
fn changeable(fd: u64) -> Result<Location, Errno> {
    let description = fd_table::get(fd as u32 as u64)?;
    if description.flags().has(OpenFlags::O_PATH) {
        return Err(Errno::EBADF);
    }
    Ok(super::path::description_location(description))
}

fn change(location: &Location, change: AttributeChange) -> SysResult {
    location.inode.set_attributes(&change)?;
    Ok(0)
}

fn mode_change(mode: u64) -> AttributeChange {
    AttributeChange {
        mode: Some(mode as u32 & 0o7777),
        ..AttributeChange::default()
    }
}

pub fn chmod(_: &mut TrapFrame, args: Args) -> SysResult {
    change(&lookup(args[0], true)?, mode_change(args[1]))
}

pub fn fchmod(_: &mut TrapFrame, args: Args) -> SysResult {
    change(&changeable(args[0])?, mode_change(args[1]))
}

pub fn fchmodat(_: &mut TrapFrame, args: Args) -> SysResult {
    change(&lookup_at(args[0], args[1], 0)?, mode_change(args[2]))
}

/// `fchmodat2`: like `fchmodat`, with flags; symbolic links have no mode to change.
pub fn fchmodat2(_: &mut TrapFrame, args: Args) -> SysResult {
    let flags = args[3];
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let location = lookup_at(args[0], args[1], flags)?;
    if location.inode.metadata().file_type() == Some(FileType::Symlink) {
        return Err(Errno::EOPNOTSUPP);
    }
    change(&location, mode_change(args[2]))
}

/// `-1` leaves an id unchanged.
fn owner_change(uid: u64, gid: u64) -> AttributeChange {
    let id = |value: u64| (value as u32 != u32::MAX).then_some(value as u32);
    AttributeChange {
        uid: id(uid),
        gid: id(gid),
        ..AttributeChange::default()
    }
}

pub fn chown(_: &mut TrapFrame, args: Args) -> SysResult {
    change(&lookup(args[0], true)?, owner_change(args[1], args[2]))
}

pub fn lchown(_: &mut TrapFrame, args: Args) -> SysResult {
    change(&lookup(args[0], false)?, owner_change(args[1], args[2]))
}

pub fn fchown(_: &mut TrapFrame, args: Args) -> SysResult {
    change(&changeable(args[0])?, owner_change(args[1], args[2]))
}

pub fn fchownat(_: &mut TrapFrame, args: Args) -> SysResult {
    let [dirfd, path, uid, gid, flags, ..] = args;
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    change(&lookup_at(dirfd, path, flags)?, owner_change(uid, gid))
}

pub fn umask(_: &mut TrapFrame, args: Args) -> SysResult {
    Ok(context::set_umask(args[0] as u32) as usize)
}

const UTIME_NOW: i64 = (1 << 30) - 1;
const UTIME_OMIT: i64 = (1 << 30) - 2;

/// One `struct timespec` of utimensat(2): a time, "now", or "leave it".
fn timespec_change(seconds: i64, nanos: i64) -> Result<Option<Time>, Errno> {
    match nanos {
        UTIME_OMIT => Ok(None),
        UTIME_NOW => Ok(Some(Time::now())),
        0..=999_999_999 => Ok(Some(Time {
            seconds,
            nanos: nanos as u32,
        })),
        _ => Err(Errno::EINVAL),
    }
}

fn times_change(accessed: Option<Time>, modified: Option<Time>) -> AttributeChange {
    AttributeChange {
        accessed,
        modified,
        ..AttributeChange::default()
    }
}

pub fn utimensat(_: &mut TrapFrame, args: Args) -> SysResult {
    let [dirfd, path, times, flags, ..] = args;
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let (accessed, modified) = if times == 0 {
        (Some(Time::now()), Some(Time::now()))
    } else {
        let [a_seconds, a_nanos, m_seconds, m_nanos]: [i64; 4] = read_user(times)?;
        (
            timespec_change(a_seconds, a_nanos)?,
            timespec_change(m_seconds, m_nanos)?,
        )
    };
    // A null path means the file `dirfd` is open on (futimens).
    let location = if path == 0 {
        if dirfd as i32 == AT_FDCWD {
            return Err(Errno::EFAULT);
        }
        super::path::description_location(fd_table::get(dirfd as u32 as u64)?)
    } else {
        lookup_at(dirfd, path, flags)?
    };
    if accessed.is_none() && modified.is_none() {
        return Ok(0);
    }
    change(&location, times_change(accessed, modified))
}

/// Two `struct timeval`s (or null for now), as `utimes` and `futimesat` take them.
fn timeval_pair(address: u64) -> Result<AttributeChange, Errno> {
    if address == 0 {
        return Ok(times_change(Some(Time::now()), Some(Time::now())));
    }
    let [a_seconds, a_micros, m_seconds, m_micros]: [i64; 4] = read_user(address)?;
    let time = |seconds: i64, micros: i64| {
        if !(0..1_000_000).contains(&micros) {
            return Err(Errno::EINVAL);
        }
        Ok(Some(Time {
            seconds,
            nanos: micros as u32 * 1000,
        }))
    };
    Ok(times_change(
        time(a_seconds, a_micros)?,
        time(m_seconds, m_micros)?,
    ))
}

pub fn futimesat(_: &mut TrapFrame, args: Args) -> SysResult {
    let [dirfd, path, times, ..] = args;
    let location = lookup_at(dirfd, path, 0)?;
    change(&location, timeval_pair(times)?)
}

pub fn utimes(_: &mut TrapFrame, args: Args) -> SysResult {
    change(&lookup(args[0], true)?, timeval_pair(args[1])?)
}

/// `struct utimbuf`: access and modification time in seconds.
pub fn utime(_: &mut TrapFrame, args: Args) -> SysResult {
    let location = lookup(args[0], true)?;
    let change_of = if args[1] == 0 {
        times_change(Some(Time::now()), Some(Time::now()))
    } else {
        let [accessed, modified]: [i64; 2] = read_user(args[1])?;
        let time = |seconds| Some(Time { seconds, nanos: 0 });
        times_change(time(accessed), time(modified))
    };
    change(&location, change_of)
}

fn length(raw: u64) -> Result<u64, Errno> {
    if (raw as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(raw)
}

pub fn truncate(_: &mut TrapFrame, args: Args) -> SysResult {
    let size = length(args[1])?;
    let location = lookup(args[0], true)?;
    location.inode.truncate(size)?;
    Ok(0)
}

fn writable_description(fd: u64) -> Result<alloc::sync::Arc<FileDescription>, Errno> {
    let description = fd_table::get(fd as u32 as u64)?;
    if description.flags().has(OpenFlags::O_PATH) {
        return Err(Errno::EBADF);
    }
    Ok(description)
}

pub fn ftruncate(_: &mut TrapFrame, args: Args) -> SysResult {
    let description = writable_description(args[0])?;
    let size = length(args[1])?;
    if !description.flags().writable() {
        return Err(Errno::EINVAL);
    }
    description.file.truncate(size)?;
    Ok(0)
}

const FALLOC_FL_KEEP_SIZE: u64 = 1;

pub fn fallocate(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, mode, offset, len, ..] = args;
    let description = writable_description(fd)?;
    if (offset as i64) < 0 || (len as i64) <= 0 {
        return Err(Errno::EINVAL);
    }
    if mode & !FALLOC_FL_KEEP_SIZE != 0 {
        crate::warn_once!("fallocate: mode {mode:#x} is not supported: it returns EOPNOTSUPP");
        return Err(Errno::EOPNOTSUPP);
    }
    if !description.flags().writable() {
        return Err(Errno::EBADF);
    }
    if description.metadata().is_directory() {
        return Err(Errno::EISDIR);
    }
    description
        .file
        .allocate(mode & FALLOC_FL_KEEP_SIZE != 0, offset, len)?;
    Ok(0)
}
