//! `memfd_create` and file seals (memfd_create(2), `F_ADD_SEALS` in fcntl(2)): anonymous
//! tmpfs files that can be mapped shared.

use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use super::errno::{Errno, SysResult};
use super::path::read_path;
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::description::FileDescription;
use crate::fs::memfs::{as_mem_node, MemNode};
use crate::fs::open_flags::OpenFlags;
use crate::fs::path::Location;
use crate::fs::{fd_table, tmp_fs};

const MFD_CLOEXEC: u64 = 1;
const MFD_ALLOW_SEALING: u64 = 2;
const MFD_HUGETLB: u64 = 4;
const MFD_NOEXEC_SEAL: u64 = 8;
const MFD_EXEC: u64 = 0x10;
/// The longest name, without the `memfd:` prefix.
const NAME_MAX: usize = 249;

/// `F_SEAL_SEAL`: no more seals; memfds made without `MFD_ALLOW_SEALING` start with it.
const F_SEAL_SEAL: u32 = 1;
/// Every seal bit (SEAL, SHRINK, GROW, WRITE, FUTURE_WRITE, EXEC); `fs::memfs` enforces them.
const ALL_SEALS: u32 = 0x3f;

pub fn memfd_create(_: &mut TrapFrame, args: Args) -> SysResult {
    let [name, flags, ..] = args;
    if flags & !(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC) != 0
        || flags & (MFD_NOEXEC_SEAL | MFD_EXEC) == (MFD_NOEXEC_SEAL | MFD_EXEC)
    {
        return Err(Errno::EINVAL);
    }
    if flags & MFD_HUGETLB != 0 {
        crate::warn_once!("memfd_create: MFD_HUGETLB is not supported: it returns EINVAL");
        return Err(Errno::EINVAL);
    }
    let name = read_path(name).map_err(|errno| {
        if errno == Errno::ENAMETOOLONG {
            Errno::EINVAL
        } else {
            errno
        }
    })?;
    if name.len() > NAME_MAX {
        return Err(Errno::EINVAL);
    }
    let node = MemNode::new_unlinked_file(tmp_fs(), 0o777);
    let seals = if flags & (MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL) != 0 {
        0
    } else {
        F_SEAL_SEAL
    };
    node.seals.store(seals, Ordering::Relaxed);
    let mut path: Vec<u8> = b"/memfd:".to_vec();
    path.extend_from_slice(&name);
    path.extend_from_slice(b" (deleted)");
    let location = Location::new(node.clone(), &path);
    let flags_kept = OpenFlags::O_RDWR | OpenFlags::O_LARGEFILE;
    let file = crate::fs::inode::Inode::open(node, OpenFlags(flags_kept))?;
    let description = FileDescription::new(file, Some(location), flags_kept);
    fd_table::install(description, flags & MFD_CLOEXEC != 0)
}

/// `F_ADD_SEALS` (`add`) and `F_GET_SEALS`.
pub fn seals(description: &FileDescription, add: bool, seals: u32) -> SysResult {
    let node = description
        .inode()
        .and_then(as_mem_node)
        .ok_or(Errno::EINVAL)?;
    if !add {
        return Ok(node.seals.load(Ordering::Relaxed) as usize);
    }
    if seals & !ALL_SEALS != 0 {
        return Err(Errno::EINVAL);
    }
    if !description.flags().writable() {
        return Err(Errno::EPERM);
    }
    let current = node.seals.load(Ordering::Relaxed);
    if current & F_SEAL_SEAL != 0 {
        return Err(Errno::EPERM);
    }
    node.seals.store(current | seals, Ordering::Relaxed);
    Ok(0)
}
