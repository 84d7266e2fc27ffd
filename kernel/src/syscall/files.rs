//! Path-based calls. Until the file layer exists the application sees no files, only its
//! own executable through `/proc/self/exe` and its working directory.
//!
//! TODO: the VFS over the image (issue "Files") replaces these with real lookups.

use alloc::vec::Vec;

use super::errno::{Errno, SysResult};
use super::io::Stat;
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::fd_table;
use crate::mm::user::{copy_to_user, read_cstring, write_user};

/// `PATH_MAX`, including the terminating NUL.
const PATH_MAX: usize = 4096;
const AT_FDCWD: i64 = -100;
const AT_EMPTY_PATH: u64 = 0x1000;

fn read_path(address: u64) -> Result<Vec<u8>, Errno> {
    read_cstring(address, PATH_MAX - 1)
}

/// Looks a path up; nothing exists yet, but the path is read, so bad pointers fail with
/// `EFAULT` and empty paths with `ENOENT` as on Linux.
fn lookup(address: u64) -> Result<(), Errno> {
    let path = read_path(address)?;
    crate::fs::missing::note(&path);
    Err(Errno::ENOENT)
}

pub fn open(_: &mut TrapFrame, args: Args) -> SysResult {
    lookup(args[0]).map(|_| 0)
}

pub fn openat(_: &mut TrapFrame, args: Args) -> SysResult {
    check_dirfd(args[0])?;
    lookup(args[1]).map(|_| 0)
}

pub fn stat(_: &mut TrapFrame, args: Args) -> SysResult {
    lookup(args[0]).map(|_| 0)
}

pub fn lstat(frame: &mut TrapFrame, args: Args) -> SysResult {
    stat(frame, args)
}

pub fn access(_: &mut TrapFrame, args: Args) -> SysResult {
    lookup(args[0]).map(|_| 0)
}

pub fn faccessat(_: &mut TrapFrame, args: Args) -> SysResult {
    check_dirfd(args[0])?;
    lookup(args[1]).map(|_| 0)
}

fn check_dirfd(dirfd: u64) -> Result<(), Errno> {
    if dirfd as i64 as i32 as i64 == AT_FDCWD {
        return Ok(());
    }
    fd_table::get(dirfd).map(|_| ())
}

pub fn newfstatat(_: &mut TrapFrame, args: Args) -> SysResult {
    let [dirfd, path, buffer, flags, ..] = args;
    let path = read_path(path)?;
    if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        let stat = Stat::from(fd_table::get(dirfd)?.stat());
        write_user(buffer, &stat)?;
        return Ok(0);
    }
    check_dirfd(dirfd)?;
    Err(Errno::ENOENT)
}

fn readlink_path(path: &[u8], buffer: u64, size: u64) -> SysResult {
    if size as i64 <= 0 {
        return Err(Errno::EINVAL);
    }
    if path != b"/proc/self/exe" {
        return Err(Errno::ENOENT);
    }
    let target = &crate::fs::image::get().manifest().program;
    let length = target.len().min(size as usize);
    copy_to_user(buffer, &target[..length])?;
    Ok(length)
}

pub fn readlink(_: &mut TrapFrame, args: Args) -> SysResult {
    readlink_path(&read_path(args[0])?, args[1], args[2])
}

pub fn readlinkat(_: &mut TrapFrame, args: Args) -> SysResult {
    check_dirfd(args[0])?;
    readlink_path(&read_path(args[1])?, args[2], args[3])
}

pub fn getcwd(_: &mut TrapFrame, args: Args) -> SysResult {
    let [buffer, size, ..] = args;
    let mut path = crate::fs::image::get().manifest().workdir.clone();
    path.push(0);
    if (size as usize) < path.len() {
        return Err(Errno::ERANGE);
    }
    copy_to_user(buffer, &path)?;
    Ok(path.len())
}
