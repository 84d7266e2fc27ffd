//! File status: `stat`, `lstat`, `fstat`, `newfstatat`, `statx`, `statfs`, `fstatfs`
//! (stat(2), statx(2), statfs(2)).

use super::errno::{Errno, SysResult};
use super::path::{
    lookup, lookup_at, AT_EMPTY_PATH, AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE, AT_SYMLINK_NOFOLLOW,
};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::fd_table;
use crate::fs::inode::{FileSystem, Metadata, Time};
use crate::mm::user::{copy_to_user, write_user, Plain};

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

impl From<Metadata> for Stat {
    fn from(metadata: Metadata) -> Stat {
        let time = |time: Time| [time.seconds, time.nanos.into()];
        let [atime, atime_ns] = time(metadata.accessed);
        let [mtime, mtime_ns] = time(metadata.modified);
        let [ctime, ctime_ns] = time(metadata.changed);
        Stat {
            dev: metadata.device,
            inode: metadata.inode,
            nlink: metadata.links.into(),
            mode: metadata.mode,
            uid: metadata.uid,
            gid: metadata.gid,
            rdev: metadata.rdev,
            size: metadata.size as i64,
            block_size: metadata.block_size.into(),
            blocks: metadata.blocks as i64,
            times: [atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns],
            ..Stat::default()
        }
    }
}

fn write_stat(address: u64, metadata: Metadata) -> SysResult {
    write_user(address, &Stat::from(metadata))?;
    Ok(0)
}

pub fn stat(_: &mut TrapFrame, args: Args) -> SysResult {
    write_stat(args[1], lookup(args[0], true)?.inode.metadata())
}

pub fn lstat(_: &mut TrapFrame, args: Args) -> SysResult {
    write_stat(args[1], lookup(args[0], false)?.inode.metadata())
}

pub fn fstat(_: &mut TrapFrame, args: Args) -> SysResult {
    let description = fd_table::get(args[0] as u32 as u64)?;
    write_stat(args[1], description.metadata())
}

pub fn newfstatat(_: &mut TrapFrame, args: Args) -> SysResult {
    let [dirfd, path, buffer, flags, ..] = args;
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT) != 0 {
        return Err(Errno::EINVAL);
    }
    write_stat(buffer, lookup_at(dirfd, path, flags)?.inode.metadata())
}

const STATX_BASIC_STATS: u32 = 0x7ff;
const STATX_MNT_ID: u32 = 0x1000;
const STATX_RESERVED: u32 = 0x8000_0000;
const STATX_SIZE: usize = 256;

/// Splits an encoded device number into major and minor (`new_decode_dev`).
fn major_minor(device: u64) -> (u32, u32) {
    let major = ((device >> 8) & 0xfff) as u32;
    let minor = ((device & 0xff) | ((device >> 12) & 0xfff00)) as u32;
    (major, minor)
}

/// `struct statx` (include/uapi/linux/stat.h), built field by field at its offsets.
fn statx_bytes(metadata: &Metadata) -> [u8; STATX_SIZE] {
    let mut bytes = [0u8; STATX_SIZE];
    let mut put =
        |offset: usize, value: &[u8]| bytes[offset..offset + value.len()].copy_from_slice(value);
    put(0, &(STATX_BASIC_STATS | STATX_MNT_ID).to_le_bytes());
    put(4, &metadata.block_size.to_le_bytes());
    put(16, &metadata.links.to_le_bytes());
    put(20, &metadata.uid.to_le_bytes());
    put(24, &metadata.gid.to_le_bytes());
    put(28, &(metadata.mode as u16).to_le_bytes());
    put(32, &metadata.inode.to_le_bytes());
    put(40, &metadata.size.to_le_bytes());
    put(48, &metadata.blocks.to_le_bytes());
    for (offset, time) in [
        (64, metadata.accessed),
        (96, metadata.changed),
        (112, metadata.modified),
    ] {
        put(offset, &time.seconds.to_le_bytes());
        put(offset + 8, &time.nanos.to_le_bytes());
    }
    let (rdev_major, rdev_minor) = major_minor(metadata.rdev);
    let (dev_major, dev_minor) = major_minor(metadata.device);
    put(128, &rdev_major.to_le_bytes());
    put(132, &rdev_minor.to_le_bytes());
    put(136, &dev_major.to_le_bytes());
    put(140, &dev_minor.to_le_bytes());
    put(144, &metadata.device.to_le_bytes());
    bytes
}

pub fn statx(_: &mut TrapFrame, args: Args) -> SysResult {
    let [dirfd, path, flags, mask, buffer, ..] = args;
    let known = AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE;
    if flags & !known != 0
        || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE
        || mask as u32 & STATX_RESERVED != 0
    {
        return Err(Errno::EINVAL);
    }
    let metadata = lookup_at(dirfd, path, flags)?.inode.metadata();
    copy_to_user(buffer, &statx_bytes(&metadata))?;
    Ok(0)
}

/// `struct statfs` for x86-64.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct StatFs {
    kind: i64,
    block_size: i64,
    blocks: u64,
    free: u64,
    available: u64,
    files: u64,
    free_files: u64,
    id: [i32; 2],
    name_max: i64,
    fragment_size: i64,
    flags: i64,
    spare: [i64; 4],
}

// SAFETY: integers only, no padding.
unsafe impl Plain for StatFs {}

const ST_RDONLY: i64 = 1;
const ST_VALID: i64 = 0x20;

fn statfs_of(fs: &FileSystem) -> StatFs {
    let (free, total) = crate::mm::frame::stats();
    let in_memory = fs.magic != 0x9fa0 && fs.magic != 0x6265_6572;
    let (blocks, free) = if in_memory { (total, free) } else { (0, 0) };
    StatFs {
        kind: fs.magic as i64,
        block_size: 4096,
        blocks,
        free,
        available: free,
        files: if in_memory { total } else { 0 },
        free_files: if in_memory { free } else { 0 },
        id: [fs.device as i32, 0],
        name_max: 255,
        fragment_size: 4096,
        flags: ST_VALID | if fs.read_only { ST_RDONLY } else { 0 },
        spare: [0; 4],
    }
}

pub fn statfs(_: &mut TrapFrame, args: Args) -> SysResult {
    let location = lookup(args[0], true)?;
    write_user(args[1], &statfs_of(location.inode.filesystem()))?;
    Ok(0)
}

pub fn fstatfs(_: &mut TrapFrame, args: Args) -> SysResult {
    let description = fd_table::get(args[0] as u32 as u64)?;
    let fs = match description.inode() {
        Some(inode) => inode.filesystem(),
        None => &crate::fs::anon::ANON_FS,
    };
    write_user(args[1], &statfs_of(fs))?;
    Ok(0)
}
