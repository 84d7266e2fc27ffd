//! Names: `unlink`, `unlinkat`, `rename`, `renameat`, `renameat2`, `link`, `linkat`,
//! `symlink`, `symlinkat`, `readlink`, `readlinkat` (unlink(2), rename(2), link(2),
//! symlink(2), readlink(2)).

use super::errno::{Errno, SysResult};
use super::path::{
    read_nonempty_path, read_path, start_of, AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR,
    AT_SYMLINK_FOLLOW,
};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::inode::NewNode;
use crate::fs::path::{self, Last};
use crate::mm::user::copy_to_user;

pub fn unlink(_: &mut TrapFrame, args: Args) -> SysResult {
    remove(AT_FDCWD as u64, args[0])
}

pub fn unlinkat(_: &mut TrapFrame, args: Args) -> SysResult {
    let [dirfd, address, flags, ..] = args;
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & AT_REMOVEDIR != 0 {
        return super::dir::remove_directory(dirfd, &read_path(address)?);
    }
    remove(dirfd, address)
}

fn remove(dirfd: u64, address: u64) -> SysResult {
    let path = read_nonempty_path(address)?;
    let start = start_of(dirfd, &path)?;
    let parent = path::resolve_parent(start, &path)?;
    let Last::Name(name) = parent.last else {
        return Err(Errno::EISDIR);
    };
    if parent.trailing_slash {
        // `unlink("file/")`: the name must be a directory, which unlink refuses.
        let found = parent.dir.inode.lookup(name)?;
        return Err(if found.metadata().is_directory() {
            Errno::EISDIR
        } else {
            Errno::ENOTDIR
        });
    }
    parent.dir.inode.unlink(name, false)?;
    Ok(0)
}

pub fn rename(_: &mut TrapFrame, args: Args) -> SysResult {
    rename_at(AT_FDCWD as u64, args[0], AT_FDCWD as u64, args[1], 0)
}

pub fn renameat(_: &mut TrapFrame, args: Args) -> SysResult {
    rename_at(args[0], args[1], args[2], args[3], 0)
}

pub fn renameat2(_: &mut TrapFrame, args: Args) -> SysResult {
    rename_at(args[0], args[1], args[2], args[3], args[4] as u32)
}

fn rename_at(
    old_dirfd: u64,
    old_address: u64,
    new_dirfd: u64,
    new_address: u64,
    flags: u32,
) -> SysResult {
    let old_path = read_nonempty_path(old_address)?;
    let new_path = read_nonempty_path(new_address)?;
    let old = path::resolve_parent(start_of(old_dirfd, &old_path)?, &old_path)?;
    let new = path::resolve_parent(start_of(new_dirfd, &new_path)?, &new_path)?;
    let (Last::Name(old_name), Last::Name(new_name)) = (old.last, new.last) else {
        return Err(if flags & 1 != 0 {
            Errno::EEXIST
        } else {
            Errno::EBUSY
        });
    };
    if old.trailing_slash || new.trailing_slash {
        // Names with a trailing slash must be directories.
        let source = old.dir.inode.lookup(old_name)?;
        if !source.metadata().is_directory() {
            return Err(Errno::ENOTDIR);
        }
    }
    if old.dir.inode.filesystem().device != new.dir.inode.filesystem().device {
        return Err(Errno::EXDEV);
    }
    old.dir
        .inode
        .rename(old_name, &new.dir.inode, new_name, flags)?;
    Ok(0)
}

pub fn link(_: &mut TrapFrame, args: Args) -> SysResult {
    link_at(AT_FDCWD as u64, args[0], AT_FDCWD as u64, args[1], 0)
}

pub fn linkat(_: &mut TrapFrame, args: Args) -> SysResult {
    link_at(args[0], args[1], args[2], args[3], args[4])
}

fn link_at(
    old_dirfd: u64,
    old_address: u64,
    new_dirfd: u64,
    new_address: u64,
    flags: u64,
) -> SysResult {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    // linkat follows a final link only when asked.
    let follow = if flags & AT_SYMLINK_FOLLOW != 0 {
        0
    } else {
        super::path::AT_SYMLINK_NOFOLLOW
    };
    let source = super::path::lookup_at(old_dirfd, old_address, follow | (flags & AT_EMPTY_PATH))?;
    if source.is_directory() {
        return Err(Errno::EPERM);
    }
    let new_path = read_nonempty_path(new_address)?;
    let new = path::resolve_parent(start_of(new_dirfd, &new_path)?, &new_path)?;
    let Last::Name(name) = new.last else {
        return Err(Errno::EEXIST);
    };
    if new.trailing_slash {
        return Err(if new.dir.inode.lookup(name).is_ok() {
            Errno::EEXIST
        } else {
            Errno::ENOENT
        });
    }
    if source.inode.filesystem().device != new.dir.inode.filesystem().device {
        return Err(Errno::EXDEV);
    }
    new.dir.inode.link(name, &source.inode)?;
    Ok(0)
}

pub fn symlink(_: &mut TrapFrame, args: Args) -> SysResult {
    symlink_at(args[0], AT_FDCWD as u64, args[1])
}

pub fn symlinkat(_: &mut TrapFrame, args: Args) -> SysResult {
    symlink_at(args[0], args[1], args[2])
}

fn symlink_at(target_address: u64, dirfd: u64, address: u64) -> SysResult {
    let target = read_nonempty_path(target_address)?;
    let path = read_nonempty_path(address)?;
    let parent = path::resolve_parent(start_of(dirfd, &path)?, &path)?;
    let Last::Name(name) = parent.last else {
        return Err(Errno::EEXIST);
    };
    if parent.trailing_slash {
        return Err(if parent.dir.inode.lookup(name).is_ok() {
            Errno::EEXIST
        } else {
            Errno::ENOENT
        });
    }
    parent
        .dir
        .inode
        .create(name, NewNode::Symlink(&target), 0o777)?;
    Ok(0)
}

pub fn readlink(_: &mut TrapFrame, args: Args) -> SysResult {
    read_link_at(AT_FDCWD as u64, args[0], args[1], args[2])
}

pub fn readlinkat(_: &mut TrapFrame, args: Args) -> SysResult {
    read_link_at(args[0], args[1], args[2], args[3])
}

fn read_link_at(dirfd: u64, address: u64, buffer: u64, size: u64) -> SysResult {
    if size as i32 <= 0 {
        return Err(Errno::EINVAL);
    }
    // An empty path reads the link `dirfd` was opened on (with O_PATH | O_NOFOLLOW).
    if address != 0 && dirfd as i32 == AT_FDCWD && super::path::read_path(address)?.is_empty() {
        return Err(Errno::ENOENT);
    }
    let location = super::path::lookup_at(
        dirfd,
        address,
        super::path::AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH,
    )?;
    let target = location.inode.read_link()?;
    let length = target.len().min(size as usize);
    copy_to_user(buffer, &target[..length])?;
    Ok(length)
}
