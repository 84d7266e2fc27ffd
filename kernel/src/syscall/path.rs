//! What path-based calls share: reading a path from the application, finding the
//! directory a relative path starts from (`dirfd`, `AT_FDCWD`) and the `AT_*` flags
//! (openat(2), path_resolution(7)).

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::errno::Errno;
use crate::fs::anon::AnonInode;
use crate::fs::description::FileDescription;
use crate::fs::path::{self, Location};
use crate::fs::{context, fd_table};
use crate::mm::user::read_cstring;

/// `PATH_MAX`, including the terminating NUL.
pub const PATH_MAX: usize = 4096;

pub const AT_FDCWD: i32 = -100;
pub const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
pub const AT_EACCESS: u64 = 0x200;
pub const AT_REMOVEDIR: u64 = 0x200;
pub const AT_SYMLINK_FOLLOW: u64 = 0x400;
pub const AT_NO_AUTOMOUNT: u64 = 0x800;
pub const AT_EMPTY_PATH: u64 = 0x1000;
pub const AT_STATX_SYNC_TYPE: u64 = 0x6000;

/// Reads a path; `ENAMETOOLONG` if it does not fit `PATH_MAX`, `EFAULT` for a bad pointer.
pub fn read_path(address: u64) -> Result<Vec<u8>, Errno> {
    read_cstring(address, PATH_MAX - 1)
}

/// Reads a path that must not be empty (`ENOENT`).
pub fn read_nonempty_path(address: u64) -> Result<Vec<u8>, Errno> {
    let path = read_path(address)?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    Ok(path)
}

/// A descriptor argument: an `int` in a 64-bit register.
pub fn fd_argument(raw: u64) -> i32 {
    raw as i32
}

/// Where the location of an open file can be reached: its path, or for a file without one
/// an inode standing for it.
pub fn description_location(description: Arc<FileDescription>) -> Location {
    match &description.location {
        Some(location) => location.clone(),
        None => {
            let path = description.describe();
            Location::new(Arc::new(AnonInode::new(description)), &path)
        }
    }
}

/// The directory `dirfd` names (`AT_FDCWD`: the working directory).
pub fn directory_of(dirfd: u64) -> Result<Location, Errno> {
    let fd = fd_argument(dirfd);
    if fd == AT_FDCWD {
        return Ok(context::cwd());
    }
    let description = fd_table::get(fd as i64 as u64)?;
    let location = description.location.clone().ok_or(Errno::ENOTDIR)?;
    if !location.is_directory() {
        return Err(Errno::ENOTDIR);
    }
    Ok(location)
}

/// Where `path` starts: the root for absolute paths (`dirfd` is not looked at), else the
/// directory `dirfd` names.
pub fn start_of(dirfd: u64, path: &[u8]) -> Result<Location, Errno> {
    if path.starts_with(b"/") {
        return Ok(context::root());
    }
    directory_of(dirfd)
}

/// Resolves `dirfd` and the path at `address`. With `AT_EMPTY_PATH` in `flags` an empty
/// path means `dirfd` itself (any open file); `AT_SYMLINK_NOFOLLOW` leaves a final link.
pub fn lookup_at(dirfd: u64, address: u64, flags: u64) -> Result<Location, Errno> {
    let path = read_path(address)?;
    if path.is_empty() {
        if flags & AT_EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        let fd = fd_argument(dirfd);
        if fd == AT_FDCWD {
            return Ok(context::cwd());
        }
        return Ok(description_location(fd_table::get(fd as i64 as u64)?));
    }
    let start = start_of(dirfd, &path)?;
    path::resolve(start, &path, flags & AT_SYMLINK_NOFOLLOW == 0).inspect_err(|&errno| {
        if errno == Errno::ENOENT {
            crate::fs::missing::note(&path);
        }
    })
}

/// Resolves a path relative to the working directory.
pub fn lookup(address: u64, follow: bool) -> Result<Location, Errno> {
    let follow_flag = if follow { 0 } else { AT_SYMLINK_NOFOLLOW };
    lookup_at(AT_FDCWD as u64, address, follow_flag)
}
