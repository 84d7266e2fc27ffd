//! Reading and writing descriptors: `read`, `write`, their vectored and positioned forms
//! (`readv`, `pread64`, `preadv`, `preadv2`, ...) and `lseek` (read(2), readv(2), lseek(2)).

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::buffer::{Buffer, MAX_TRANSFER};
use crate::fs::description::FileDescription;
use crate::fs::fd_table;
use crate::mm::user::read_user;

/// `IOV_MAX`.
const MAX_IOVECS: u64 = 1024;

fn description(fd: u64) -> Result<Arc<FileDescription>, Errno> {
    fd_table::get(fd as u32 as u64)
}

fn user_buffer(address: u64, length: u64) -> Buffer<'static> {
    Buffer::user(address, (length as usize).min(MAX_TRANSFER))
}

pub fn read(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, length, ..] = args;
    description(fd)?.read(&mut user_buffer(address, length))
}

pub fn write(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, length, ..] = args;
    description(fd)?.write(&mut user_buffer(address, length))
}

/// The `struct iovec` array at `address`, as a buffer.
pub(super) fn iovec_buffer(address: u64, count: u64) -> Result<Buffer<'static>, Errno> {
    if count > MAX_IOVECS {
        return Err(Errno::EINVAL);
    }
    let mut segments = Vec::with_capacity(count as usize);
    let mut total: u64 = 0;
    for index in 0..count {
        let [base, length]: [u64; 2] = read_user(address.wrapping_add(index * 16))?;
        if length > isize::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        total = total
            .checked_add(length)
            .filter(|&total| total <= isize::MAX as u64)
            .ok_or(Errno::EINVAL)?;
        segments.push((base, length as usize));
    }
    Ok(Buffer::user_vectors(segments))
}

pub fn readv(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, count, ..] = args;
    let description = description(fd)?;
    description.read(&mut iovec_buffer(address, count)?)
}

pub fn writev(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, count, ..] = args;
    let description = description(fd)?;
    description.write(&mut iovec_buffer(address, count)?)
}

/// A positioned call's offset: negative ones are `EINVAL`.
fn offset(raw: u64) -> Result<u64, Errno> {
    if (raw as i64) < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(raw)
}

pub fn pread64(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, length, position, ..] = args;
    let description = description(fd)?;
    description.read_at(offset(position)?, &mut user_buffer(address, length))
}

pub fn pwrite64(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, length, position, ..] = args;
    let description = description(fd)?;
    description.write_at(offset(position)?, &mut user_buffer(address, length))
}

pub fn preadv(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, count, position, ..] = args;
    let description = description(fd)?;
    description.read_at(offset(position)?, &mut iovec_buffer(address, count)?)
}

pub fn pwritev(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, count, position, ..] = args;
    let description = description(fd)?;
    description.write_at(offset(position)?, &mut iovec_buffer(address, count)?)
}

/// `RWF_*` flags preadv2(2) and pwritev2(2) accept; all are hints here except `RWF_NOWAIT`
/// (accepted: nothing here waits for storage) and `RWF_APPEND`.
const RWF_KNOWN: u64 = 0x1f;
const RWF_APPEND: u64 = 0x10;

pub fn preadv2(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, count, position, _, flags] = args;
    if flags & !RWF_KNOWN != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let description = description(fd)?;
    let mut buffer = iovec_buffer(address, count)?;
    if position as i64 == -1 {
        return description.read(&mut buffer);
    }
    description.read_at(offset(position)?, &mut buffer)
}

pub fn pwritev2(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, count, position, _, flags] = args;
    if flags & !RWF_KNOWN != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let description = description(fd)?;
    let mut buffer = iovec_buffer(address, count)?;
    if flags & RWF_APPEND != 0 {
        return description.append(&mut buffer);
    }
    if position as i64 == -1 {
        return description.write(&mut buffer);
    }
    description.write_at(offset(position)?, &mut buffer)
}

pub fn lseek(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, position, whence, ..] = args;
    description(fd)?.seek(position as i64, whence as u32)
}
