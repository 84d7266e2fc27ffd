//! Directories: listing (`getdents64`, `getdents`), the working directory (`getcwd`,
//! `chdir`, `fchdir`), making and removing (`mkdir`, `mkdirat`, `rmdir`)
//! (getdents(2), getcwd(2), chdir(2), mkdir(2), rmdir(2)).

use alloc::vec::Vec;

use super::errno::{Errno, SysResult};
use super::path::{read_nonempty_path, read_path, start_of, AT_FDCWD};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::inode::{DirEntry, NewNode};
use crate::fs::path::{self, Last};
use crate::fs::{context, fd_table};
use crate::mm::user::copy_to_user;

/// Fills at most `size` bytes with directory records made by `encode` and copies them to
/// `address`; `EINVAL` if not even one record fits.
fn list(fd: u64, address: u64, size: u64, encode: fn(&DirEntry, &mut Vec<u8>)) -> SysResult {
    let description = fd_table::get(fd as u32 as u64)?;
    let size = (size as u32 as usize).min(1 << 20);
    let mut records: Vec<u8> = Vec::new();
    let mut too_small = false;
    description.read_dir(&mut |entry| {
        let before = records.len();
        encode(entry, &mut records);
        if records.len() > size {
            records.truncate(before);
            too_small = before == 0;
            return false;
        }
        true
    })?;
    if too_small {
        return Err(Errno::EINVAL);
    }
    copy_to_user(address, &records)?;
    Ok(records.len())
}

/// `struct linux_dirent64`: inode, offset, record length, type, name, NUL, padding to 8.
fn encode64(entry: &DirEntry, out: &mut Vec<u8>) {
    let length = (19 + entry.name.len() + 1).next_multiple_of(8);
    out.extend_from_slice(&entry.inode.to_le_bytes());
    out.extend_from_slice(&entry.next.to_le_bytes());
    out.extend_from_slice(&(length as u16).to_le_bytes());
    out.push(entry.kind.dirent_type());
    out.extend_from_slice(entry.name);
    out.resize(out.len() + length - 19 - entry.name.len(), 0);
}

/// `struct linux_dirent`: inode, offset, record length, name, NUL, padding, type last.
fn encode_old(entry: &DirEntry, out: &mut Vec<u8>) {
    let length = (18 + entry.name.len() + 2).next_multiple_of(8);
    out.extend_from_slice(&entry.inode.to_le_bytes());
    out.extend_from_slice(&entry.next.to_le_bytes());
    out.extend_from_slice(&(length as u16).to_le_bytes());
    out.extend_from_slice(entry.name);
    out.resize(out.len() + length - 18 - entry.name.len() - 1, 0);
    out.push(entry.kind.dirent_type());
}

pub fn getdents64(_: &mut TrapFrame, args: Args) -> SysResult {
    list(args[0], args[1], args[2], encode64)
}

pub fn getdents(_: &mut TrapFrame, args: Args) -> SysResult {
    list(args[0], args[1], args[2], encode_old)
}

pub fn getcwd(_: &mut TrapFrame, args: Args) -> SysResult {
    let [buffer, size, ..] = args;
    let cwd = context::cwd();
    if cwd.inode.metadata().links == 0 {
        return Err(Errno::ENOENT);
    }
    let mut path = cwd.path.to_vec();
    path.push(0);
    if (size as usize) < path.len() {
        return Err(Errno::ERANGE);
    }
    copy_to_user(buffer, &path)?;
    Ok(path.len())
}

pub fn chdir(_: &mut TrapFrame, args: Args) -> SysResult {
    let location = super::path::lookup(args[0], true)?;
    if !location.is_directory() {
        return Err(Errno::ENOTDIR);
    }
    context::set_cwd(location);
    Ok(0)
}

pub fn fchdir(_: &mut TrapFrame, args: Args) -> SysResult {
    let description = fd_table::get(args[0] as u32 as u64)?;
    let location = description.location.clone().ok_or(Errno::ENOTDIR)?;
    if !location.is_directory() {
        return Err(Errno::ENOTDIR);
    }
    context::set_cwd(location);
    Ok(0)
}

pub fn mkdir(_: &mut TrapFrame, args: Args) -> SysResult {
    make_directory(AT_FDCWD as u64, args[0], args[1])
}

pub fn mkdirat(_: &mut TrapFrame, args: Args) -> SysResult {
    make_directory(args[0], args[1], args[2])
}

fn make_directory(dirfd: u64, address: u64, mode: u64) -> SysResult {
    let path = read_nonempty_path(address)?;
    let start = start_of(dirfd, &path)?;
    let parent = path::resolve_parent(start, &path)?;
    let Last::Name(name) = parent.last else {
        return Err(Errno::EEXIST);
    };
    let mode = mode as u32 & !context::umask() & 0o7777;
    parent.dir.inode.create(name, NewNode::Directory, mode)?;
    Ok(0)
}

pub fn rmdir(_: &mut TrapFrame, args: Args) -> SysResult {
    remove_directory(AT_FDCWD as u64, &read_path(args[0])?)
}

/// `rmdir`, and `unlinkat` with `AT_REMOVEDIR`.
pub fn remove_directory(dirfd: u64, path: &[u8]) -> SysResult {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let start = start_of(dirfd, path)?;
    let parent = path::resolve_parent(start, path)?;
    match parent.last {
        Last::Dot => Err(Errno::EINVAL),
        Last::DotDot => Err(Errno::ENOTEMPTY),
        Last::Root => Err(Errno::EBUSY),
        Last::Name(name) => parent.dir.inode.unlink(name, true).map(|_| 0),
    }
}
