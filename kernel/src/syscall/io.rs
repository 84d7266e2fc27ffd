//! Reading and writing descriptors: `read`, `write`, vectors, positioned I/O, `poll`,
//! `ioctl`, `fcntl`, `fstat`, `close`.

use alloc::vec;
use alloc::vec::Vec;

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::fd_table;
use crate::fs::file::{FileStat, POLLNVAL, READINESS};
use crate::mm::user::{copy_from_user, copy_to_user, read_user, write_user, Plain};

/// The most one call moves through a kernel buffer at a time.
const CHUNK: usize = 64 * 1024;
/// `IOV_MAX`.
const MAX_IOVECS: u64 = 1024;

pub fn read(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, length, ..] = args;
    read_into(fd, address, length as usize)
}

fn read_into(fd: u64, address: u64, length: usize) -> SysResult {
    let file = fd_table::get(fd)?;
    let mut buffer = vec![0u8; length.min(CHUNK)];
    let count = file.read(&mut buffer)?;
    copy_to_user(address, &buffer[..count])?;
    Ok(count)
}

pub fn write(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, length, ..] = args;
    write_from(fd, address, length as usize)
}

fn write_from(fd: u64, address: u64, length: usize) -> SysResult {
    let file = fd_table::get(fd)?;
    let mut buffer = vec![0u8; length.min(CHUNK)];
    let mut done = 0;
    while done < length {
        let piece = (length - done).min(CHUNK);
        if let Err(errno) = copy_from_user(&mut buffer[..piece], address + done as u64) {
            return if done > 0 { Ok(done) } else { Err(errno) };
        }
        let written = file.write(&buffer[..piece])?;
        done += written;
        if written < piece {
            break;
        }
    }
    Ok(done)
}

/// `struct iovec` entries at `address`.
fn read_iovecs(address: u64, count: u64) -> Result<Vec<[u64; 2]>, Errno> {
    if count > MAX_IOVECS {
        return Err(Errno::EINVAL);
    }
    (0..count)
        .map(|index| read_user::<[u64; 2]>(address + index * 16))
        .collect()
}

pub fn readv(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, count, ..] = args;
    let mut total = 0;
    for [base, length] in read_iovecs(address, count)? {
        let got = read_into(fd, base, length as usize)?;
        total += got;
        if got < length as usize {
            break;
        }
    }
    Ok(total)
}

pub fn writev(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, count, ..] = args;
    let mut total = 0;
    for [base, length] in read_iovecs(address, count)? {
        let written = write_from(fd, base, length as usize)?;
        total += written;
        if written < length as usize {
            break;
        }
    }
    Ok(total)
}

/// Positioned I/O on the console, a stream, fails as on a pipe or terminal.
pub fn pread64(_: &mut TrapFrame, args: Args) -> SysResult {
    fd_table::get(args[0])?;
    Err(Errno::ESPIPE)
}

pub fn pwrite64(frame: &mut TrapFrame, args: Args) -> SysResult {
    pread64(frame, args)
}

pub fn lseek(_: &mut TrapFrame, args: Args) -> SysResult {
    fd_table::get(args[0])?.seek(args[1] as i64, args[2] as u32)
}

pub fn close(_: &mut TrapFrame, args: Args) -> SysResult {
    fd_table::close(args[0]).map(|_| 0)
}

pub fn ioctl(_: &mut TrapFrame, args: Args) -> SysResult {
    fd_table::get(args[0])?.ioctl(args[1], args[2])
}

const F_DUPFD: u64 = 0;
const F_GETFD: u64 = 1;
const F_SETFD: u64 = 2;
const F_GETFL: u64 = 3;
const F_SETFL: u64 = 4;
const O_RDWR: usize = 2;

/// The subset of `fcntl` the console needs.
///
/// TODO: descriptor duplication and status flags arrive with the file layer.
pub fn fcntl(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, command, ..] = args;
    fd_table::get(fd)?;
    match command {
        F_GETFD | F_SETFD | F_SETFL => Ok(0),
        F_GETFL => Ok(O_RDWR),
        F_DUPFD => Err(Errno::EMFILE),
        _ => Err(Errno::EINVAL),
    }
}

/// `struct stat` for x86-64 (arch/x86/include/uapi/asm/stat.h).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Stat {
    dev: u64,
    inode: u64,
    nlink: u64,
    mode: u32,
    uid: u32,
    gid: u32,
    pad0: u32,
    rdev: u64,
    size: i64,
    block_size: i64,
    blocks: i64,
    times: [i64; 6],
    unused: [i64; 3],
}

// SAFETY: integers only, laid out without padding (the explicit pad0 fills the gap).
unsafe impl Plain for Stat {}

impl From<FileStat> for Stat {
    fn from(stat: FileStat) -> Stat {
        Stat {
            dev: 0x16,
            inode: stat.inode,
            nlink: 1,
            mode: stat.mode,
            rdev: stat.rdev,
            size: stat.size as i64,
            block_size: stat.block_size as i64,
            blocks: stat.size.div_ceil(512) as i64,
            ..Stat::default()
        }
    }
}

pub fn fstat(_: &mut TrapFrame, args: Args) -> SysResult {
    let stat = Stat::from(fd_table::get(args[0])?.stat());
    write_user(args[1], &stat)?;
    Ok(0)
}

/// `struct pollfd`: fd, events, revents.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct PollFd {
    fd: i32,
    events: i16,
    returned: i16,
}

// SAFETY: integers only, no padding.
unsafe impl Plain for PollFd {}

const POLLERR: i16 = 0x008;
const POLLHUP: i16 = 0x010;

/// Fills in `revents` for each entry and counts the ready ones.
fn poll_once(entries: &mut [PollFd]) -> usize {
    let mut ready = 0;
    for entry in entries.iter_mut() {
        entry.returned = if entry.fd < 0 {
            0
        } else {
            match fd_table::get(entry.fd as u64) {
                Ok(file) => file.poll() as i16 & (entry.events | POLLERR | POLLHUP),
                Err(_) => POLLNVAL as i16,
            }
        };
        if entry.returned != 0 {
            ready += 1;
        }
    }
    ready
}

/// Polls until something is ready or `timeout_ns` passes (`None`: no limit).
fn poll_until(address: u64, count: u64, timeout_ns: Option<u64>) -> SysResult {
    if count > fd_table::MAX_DESCRIPTORS as u64 {
        return Err(Errno::EINVAL);
    }
    let mut entries: Vec<PollFd> = (0..count)
        .map(|index| read_user(address + index * 8))
        .collect::<Result<_, _>>()?;
    let deadline = timeout_ns.map(|timeout| crate::time::monotonic_ns().saturating_add(timeout));
    let ready = match READINESS.wait_until(deadline, || {
        let ready = poll_once(&mut entries);
        (ready > 0).then_some(ready)
    }) {
        Ok(ready) => ready,
        Err(Errno::ETIMEDOUT) => 0,
        // poll(2) is never restarted after a handler.
        Err(_) => return Err(Errno::EINTR),
    };
    for (index, entry) in entries.iter().enumerate() {
        write_user(address + index as u64 * 8, entry)?;
    }
    Ok(ready)
}

pub fn poll(_: &mut TrapFrame, args: Args) -> SysResult {
    let timeout_ms = args[2] as i32;
    let timeout = (timeout_ms >= 0).then(|| timeout_ms as u64 * 1_000_000);
    poll_until(args[0], args[1], timeout)
}

pub fn ppoll(_: &mut TrapFrame, args: Args) -> SysResult {
    let timeout = if args[2] == 0 {
        None
    } else {
        let [seconds, nanos]: [i64; 2] = read_user(args[2])?;
        if seconds < 0 || !(0..1_000_000_000).contains(&nanos) {
            return Err(Errno::EINVAL);
        }
        Some(seconds as u64 * 1_000_000_000 + nanos as u64)
    };
    poll_until(args[0], args[1], timeout)
}
