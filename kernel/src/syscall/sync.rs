//! Flushing: `fsync`, `fdatasync`, `sync`, `syncfs`, `sync_file_range`, and the hints
//! `fadvise64` and `readahead`. Everything lives in memory, so there is nothing to flush;
//! the calls check their arguments as Linux does (fsync(2), posix_fadvise(2)).

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::fd_table;

/// `fsync` and `fdatasync`: pipes, sockets and the console cannot be synced.
pub fn fsync(_: &mut TrapFrame, args: Args) -> SysResult {
    let description = fd_table::get(args[0] as u32 as u64)?;
    if description.location.is_none() {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

pub fn sync(_: &mut TrapFrame, _: Args) -> SysResult {
    Ok(0)
}

pub fn syncfs(_: &mut TrapFrame, args: Args) -> SysResult {
    fd_table::get(args[0] as u32 as u64)?;
    Ok(0)
}

pub fn sync_file_range(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, offset, length, flags, ..] = args;
    if (offset as i64) < 0 || (length as i64) < 0 || flags & !7 != 0 {
        return Err(Errno::EINVAL);
    }
    let description = fd_table::get(fd as u32 as u64)?;
    if !description.file.seekable() {
        return Err(Errno::ESPIPE);
    }
    Ok(0)
}

pub fn fadvise64(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, _, _, advice, ..] = args;
    let description = fd_table::get(fd as u32 as u64)?;
    if !description.file.seekable() {
        return Err(Errno::ESPIPE);
    }
    if advice > 5 {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

pub fn readahead(_: &mut TrapFrame, args: Args) -> SysResult {
    let description = fd_table::get(args[0] as u32 as u64)?;
    if !description.file.seekable() || !description.flags().readable() {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}
