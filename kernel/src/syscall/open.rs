//! Opening files: `open`, `openat`, `openat2`, `creat`, with `O_CREAT`, `O_EXCL`,
//! `O_TRUNC`, `O_DIRECTORY`, `O_NOFOLLOW`, `O_PATH` and `O_TMPFILE` (open(2)).

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::errno::{Errno, SysResult};
use super::path::{read_path, start_of, AT_FDCWD};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::description::FileDescription;
use crate::fs::file::File;
use crate::fs::inode::{FileType, NewNode};
use crate::fs::memfs::{as_mem_node, MemNode};
use crate::fs::open_flags::OpenFlags;
use crate::fs::path::{Last, Location, Walker};
use crate::fs::{context, fd_table};
use crate::mm::user::read_user;

/// Flags `O_PATH` keeps; it ignores the rest.
const PATH_FLAGS: u32 =
    OpenFlags::O_PATH | OpenFlags::O_DIRECTORY | OpenFlags::O_NOFOLLOW | OpenFlags::O_CLOEXEC;

pub fn open(_: &mut TrapFrame, args: Args) -> SysResult {
    open_at(AT_FDCWD as u64, args[0], args[1] as u32, args[2] as u32)
}

pub fn openat(_: &mut TrapFrame, args: Args) -> SysResult {
    open_at(args[0], args[1], args[2] as u32, args[3] as u32)
}

pub fn creat(_: &mut TrapFrame, args: Args) -> SysResult {
    let flags = OpenFlags::O_CREAT | OpenFlags::O_WRONLY | OpenFlags::O_TRUNC;
    open_at(AT_FDCWD as u64, args[0], flags, args[1] as u32)
}

/// `struct open_how` of openat2(2): flags, mode, resolve.
pub fn openat2(_: &mut TrapFrame, args: Args) -> SysResult {
    let [dirfd, path, how, size, ..] = args;
    if size < 24 {
        return Err(Errno::EINVAL);
    }
    let [flags, mode, resolve]: [u64; 3] = read_user(how)?;
    if resolve != 0 {
        crate::warn_once!("openat2: RESOLVE_* flags are not supported: they return EINVAL");
        return Err(Errno::EINVAL);
    }
    if flags > u32::MAX as u64 || mode & !0o7777 != 0 {
        return Err(Errno::EINVAL);
    }
    open_at(dirfd, path, flags as u32, mode as u32)
}

fn open_at(dirfd: u64, address: u64, flags: u32, mode: u32) -> SysResult {
    let path = read_path(address)?;
    let flags = OpenFlags(flags);
    let description = open_path(dirfd, &path, flags, mode).inspect_err(|&errno| {
        if errno == Errno::ENOENT && !flags.has(OpenFlags::O_CREAT) {
            crate::fs::missing::note(&path);
        }
    })?;
    fd_table::install(description, flags.has(OpenFlags::O_CLOEXEC))
}

/// Opens `path` from `dirfd` and returns the new open file description.
pub fn open_path(
    dirfd: u64,
    path: &[u8],
    flags: OpenFlags,
    mode: u32,
) -> Result<Arc<FileDescription>, Errno> {
    let flags = if flags.has(OpenFlags::O_PATH) {
        OpenFlags(flags.0 & PATH_FLAGS)
    } else {
        flags
    };
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if flags.has(OpenFlags::O_CREAT) && flags.has(OpenFlags::O_DIRECTORY) {
        return Err(Errno::EINVAL);
    }
    let start = start_of(dirfd, path)?;
    if flags.has(OpenFlags::O_TMPFILE_BIT) {
        return open_unnamed(start, path, flags, mode);
    }
    let location = if flags.has(OpenFlags::O_CREAT) {
        open_or_create(start, path, flags, mode)?
    } else {
        Walker::new().walk(start, path, !flags.has(OpenFlags::O_NOFOLLOW))?
    };
    open_location(location, flags)
}

/// Checks the flags against what `location` is and opens it.
fn open_location(location: Location, flags: OpenFlags) -> Result<Arc<FileDescription>, Errno> {
    let metadata = location.inode.metadata();
    let kind = metadata.file_type();
    if flags.has(OpenFlags::O_DIRECTORY) && kind != Some(FileType::Directory) {
        return Err(
            if kind == Some(FileType::Symlink) && !flags.has(OpenFlags::O_PATH) {
                Errno::ELOOP
            } else {
                Errno::ENOTDIR
            },
        );
    }
    let file: Arc<dyn File> = if flags.has(OpenFlags::O_PATH) {
        Arc::new(PathOnly)
    } else {
        if kind == Some(FileType::Symlink) {
            return Err(Errno::ELOOP);
        }
        let writes = flags.writable() || flags.has(OpenFlags::O_TRUNC);
        if kind == Some(FileType::Directory) && writes {
            return Err(Errno::EISDIR);
        }
        location.inode.clone().open(flags)?
    };
    let kept = flags.0 | OpenFlags::O_LARGEFILE;
    Ok(FileDescription::new(file, Some(location), kept))
}

/// `O_CREAT`: opens the file, creating it if it is missing. A final symbolic link is
/// followed (unless `O_NOFOLLOW` or `O_EXCL`), creating its target if that is missing.
fn open_or_create(
    start: Location,
    path: &[u8],
    flags: OpenFlags,
    mode: u32,
) -> Result<Location, Errno> {
    let mut walker = Walker::new();
    let mut start = start;
    let mut path: Vec<u8> = path.to_vec();
    let follow = !flags.has(OpenFlags::O_NOFOLLOW) && !flags.has(OpenFlags::O_EXCL);
    loop {
        let parent = walker.walk_parent(start.clone(), &path)?;
        let Last::Name(name) = parent.last else {
            return Err(Errno::EISDIR);
        };
        let existing = match parent.dir.inode.lookup(name) {
            Ok(inode) => parent.dir.child(name, inode),
            Err(Errno::ENOENT) => {
                if parent.trailing_slash {
                    return Err(Errno::EISDIR);
                }
                let mode = mode & !context::umask() & 0o7777;
                let inode = parent.dir.inode.create(name, NewNode::Regular, mode)?;
                return Ok(parent.dir.child(name, inode));
            }
            Err(errno) => return Err(errno),
        };
        if flags.has(OpenFlags::O_EXCL) {
            return Err(Errno::EEXIST);
        }
        let kind = existing.inode.metadata().file_type();
        if kind == Some(FileType::Symlink) && follow {
            walker.count_link()?;
            if existing.inode.magic_link().is_some() {
                return walker.follow_counted(parent.dir, existing);
            }
            let target = existing.inode.read_link()?;
            start = parent.dir;
            path = target;
            continue;
        }
        if kind == Some(FileType::Directory) {
            return Err(Errno::EISDIR);
        }
        if parent.trailing_slash {
            return Err(Errno::ENOTDIR);
        }
        return Ok(existing);
    }
}

/// `O_TMPFILE`: an unnamed regular file in the directory's filesystem, which `linkat` can
/// give a name later.
fn open_unnamed(
    start: Location,
    path: &[u8],
    flags: OpenFlags,
    mode: u32,
) -> Result<Arc<FileDescription>, Errno> {
    if !flags.has(OpenFlags::O_TMPFILE) || !flags.writable() {
        return Err(Errno::EINVAL);
    }
    let dir = Walker::new().walk(start, path, true)?;
    if !dir.is_directory() {
        return Err(Errno::ENOTDIR);
    }
    let parent = as_mem_node(&dir.inode).ok_or(Errno::EOPNOTSUPP)?;
    parent.fs.info.check_writable()?;
    let node = MemNode::new_unlinked_file(parent.fs, mode & !context::umask());
    let name = format!("#{} (deleted)", node.inode);
    let location = dir.child(name.as_bytes(), node.clone());
    let file = crate::fs::inode::Inode::open(node, flags)?;
    Ok(FileDescription::new(
        file,
        Some(location),
        flags.0 | OpenFlags::O_LARGEFILE,
    ))
}

/// An `O_PATH` descriptor: it names a file but reads, writes and most calls fail `EBADF`.
struct PathOnly;

impl File for PathOnly {}
