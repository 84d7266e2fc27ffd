//! Memory calls: `brk`, `mmap` (anonymous and of files), `munmap`, `mprotect`, `madvise`,
//! `mincore`, `msync`.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::description::FileDescription;
use crate::fs::fd_table;
use crate::fs::open_flags::OpenFlags;
use crate::mm::address_space::{current, Backing, Prot, Vma};
use crate::mm::user::copy_to_user;
use crate::mm::{page_align_up, paging, PAGE_SIZE, USER_END};

const MAP_PRIVATE: u64 = 0x02;
const MAP_SHARED_VALIDATE: u64 = 0x03;
const MAP_FIXED: u64 = 0x10;
const MAP_ANONYMOUS: u64 = 0x20;
const MAP_FIXED_NOREPLACE: u64 = 0x100000;
const MAP_NORESERVE: u64 = 0x4000;
const MAP_POPULATE: u64 = 0x8000;
/// Flags `MAP_SHARED_VALIDATE` accepts (the rest are `EOPNOTSUPP` there).
const MAP_KNOWN: u64 = 0x03
    | MAP_FIXED
    | MAP_ANONYMOUS
    | 0x0100
    | 0x0800
    | 0x1000
    | 0x2000
    | 0x4000
    | 0x8000
    | 0x10000
    | 0x20000
    | 0x40000
    | MAP_FIXED_NOREPLACE;
const PROT_KNOWN: u64 = Prot::PROT_READ | Prot::PROT_WRITE | Prot::PROT_EXEC;

/// Linux's heuristic overcommit: a single writable mapping larger than all of memory can
/// never be backed, so it fails up front (`ENOMEM`) instead of at the first touch.
fn check_overcommit(length: u64) -> Result<(), Errno> {
    let (_, total_frames) = crate::mm::frame::stats();
    if length / PAGE_SIZE > total_frames {
        return Err(Errno::ENOMEM);
    }
    Ok(())
}

/// `brk(0)` reports the break; `brk(addr)` moves it if it can and reports the result.
pub fn brk(_: &mut TrapFrame, args: Args) -> SysResult {
    let requested = args[0];
    let mut space = current();
    if requested < space.brk_start {
        return Ok(space.brk as usize);
    }
    let Some(new_end) = page_align_up(requested) else {
        return Ok(space.brk as usize);
    };
    let old_end = page_align_up(space.brk).unwrap_or(space.brk);
    if space.resize_heap(old_end, new_end).is_ok() {
        space.brk = requested;
    }
    Ok(space.brk as usize)
}

/// Checks that `address..address + length` is a page-aligned user range; returns its end.
fn user_range(address: u64, length: u64) -> Result<u64, Errno> {
    if !address.is_multiple_of(PAGE_SIZE) || length == 0 {
        return Err(Errno::EINVAL);
    }
    let end = page_align_up(length)
        .and_then(|length| address.checked_add(length))
        .ok_or(Errno::EINVAL)?;
    if end > USER_END {
        return Err(Errno::EINVAL);
    }
    Ok(end)
}

pub fn mmap(_: &mut TrapFrame, args: Args) -> SysResult {
    let [hint, length, prot, flags, fd, offset] = args;
    let length = page_align_up(length)
        .filter(|&length| length != 0 && length < USER_END)
        .ok_or(Errno::EINVAL)?;
    let sharing = flags & MAP_SHARED_VALIDATE;
    if sharing == 0 || !offset.is_multiple_of(PAGE_SIZE) || prot & !PROT_KNOWN != 0 {
        return Err(Errno::EINVAL);
    }
    if sharing == MAP_SHARED_VALIDATE && flags & !MAP_KNOWN != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    if prot & Prot::PROT_WRITE != 0 && flags & MAP_NORESERVE == 0 {
        check_overcommit(length)?;
    }
    let file = if flags & MAP_ANONYMOUS == 0 {
        Some(mappable(
            fd,
            sharing != MAP_PRIVATE,
            prot & Prot::PROT_WRITE != 0,
        )?)
    } else {
        None
    };

    let mut space = current();
    let fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0;
    let start = if fixed {
        let end = user_range(hint, length)?;
        if flags & MAP_FIXED_NOREPLACE != 0 && !space.is_free(hint, end) {
            return Err(Errno::EEXIST);
        }
        hint
    } else {
        let hint = hint & !(PAGE_SIZE - 1);
        let hint_fits = hint != 0
            && hint
                .checked_add(length)
                .is_some_and(|end| end <= USER_END && space.is_free(hint, end));
        if hint_fits {
            hint
        } else {
            space.find_free(length).ok_or(Errno::ENOMEM)?
        }
    };
    // Shared anonymous memory behaves as private with a single process.
    let backing = match &file {
        Some(description) => {
            let writable = prot & Prot::PROT_WRITE != 0;
            description
                .file
                .mmap(start, offset, sharing != MAP_PRIVATE, writable)?
        }
        None => Backing::Anonymous,
    };
    if fixed {
        space.unmap(start, start + length);
    }
    space.insert(Vma {
        start,
        end: start + length,
        prot: Prot::from_bits(prot),
        backing,
    });
    drop(space);
    if flags & MAP_POPULATE != 0 {
        populate(start, start + length);
    }
    Ok(start as usize)
}

/// Touches every page of a new mapping (`MAP_POPULATE`); memory that runs out leaves the
/// rest to be filled on first touch, as the flag is only advice.
fn populate(start: u64, end: u64) {
    let access = crate::mm::fault::Access {
        write: false,
        execute: false,
    };
    for page in (start..end).step_by(PAGE_SIZE as usize) {
        if crate::mm::fault::handle_user_fault(page, access).is_err() {
            break;
        }
    }
}

/// The open file behind `fd`, if it may be mapped with these rights (mmap(2), "ERRORS").
fn mappable(fd: u64, shared: bool, write: bool) -> Result<Arc<FileDescription>, Errno> {
    let description = fd_table::get(fd as u32 as u64)?;
    let flags = description.flags();
    if flags.has(OpenFlags::O_PATH) {
        return Err(Errno::EBADF);
    }
    if !flags.readable() || shared && write && (!flags.writable() || flags.has(OpenFlags::O_APPEND))
    {
        return Err(Errno::EACCES);
    }
    Ok(description)
}

const MS_ASYNC: u64 = 1;
const MS_INVALIDATE: u64 = 2;
const MS_SYNC: u64 = 4;

/// Shared mappings of files are the files' own pages, so there is nothing to write back.
pub fn msync(_: &mut TrapFrame, args: Args) -> SysResult {
    let [address, length, flags, ..] = args;
    if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0
        || flags & MS_ASYNC != 0 && flags & MS_SYNC != 0
    {
        return Err(Errno::EINVAL);
    }
    if !address.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    if length == 0 {
        return Ok(0);
    }
    let end = user_range(address, length).map_err(|_| Errno::ENOMEM)?;
    let space = current();
    let mut cursor = address;
    while cursor < end {
        cursor = space.find(cursor).ok_or(Errno::ENOMEM)?.end;
    }
    Ok(0)
}

pub fn munmap(_: &mut TrapFrame, args: Args) -> SysResult {
    let end = user_range(args[0], args[1])?;
    current().unmap(args[0], end);
    Ok(0)
}

pub fn mprotect(_: &mut TrapFrame, args: Args) -> SysResult {
    let [address, length, prot, ..] = args;
    // PROT_GROWSUP and PROT_GROWSDOWN are accepted and have no effect here.
    if prot & !(PROT_KNOWN | 0x0100_0000 | 0x0200_0000) != 0 {
        return Err(Errno::EINVAL);
    }
    if length == 0 && address.is_multiple_of(PAGE_SIZE) {
        return Ok(0);
    }
    let end = user_range(address, length)?;
    current().protect(address, end, Prot::from_bits(prot & PROT_KNOWN))?;
    Ok(0)
}

const MREMAP_MAYMOVE: u64 = 1;
const MREMAP_FIXED: u64 = 2;
const MREMAP_DONTUNMAP: u64 = 4;

/// `mremap` (mremap(2)): shrink in place, grow in place when the space after is free,
/// otherwise move if allowed.
pub fn mremap(_: &mut TrapFrame, args: Args) -> SysResult {
    let [old, old_length, new_length, flags, new_address, _] = args;
    if !old.is_multiple_of(PAGE_SIZE)
        || flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0
    {
        return Err(Errno::EINVAL);
    }
    if flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0 || flags & MREMAP_DONTUNMAP != 0 {
        return Err(Errno::EINVAL);
    }
    let old_length = page_align_up(old_length).ok_or(Errno::EINVAL)?;
    let new_length = page_align_up(new_length)
        .filter(|&length| length != 0)
        .ok_or(Errno::EINVAL)?;
    check_overcommit(new_length)?;
    let old_end = user_range(old, old_length.max(PAGE_SIZE))?;
    let mut space = current();
    let vma = space.find(old).ok_or(Errno::EFAULT)?.clone();
    if old_end > vma.end {
        return Err(Errno::EFAULT);
    }

    if flags & MREMAP_FIXED != 0 {
        let new_end = user_range(new_address, new_length)?;
        if new_address < old_end && old < new_end {
            return Err(Errno::EINVAL);
        }
        space.unmap(new_address, new_end);
        space.move_area(old, old_length, new_address, new_length)?;
        return Ok(new_address as usize);
    }
    if new_length <= old_length {
        space.unmap(old + new_length, old + old_length);
        return Ok(old as usize);
    }
    let grown_end = old.checked_add(new_length).filter(|&end| end <= USER_END);
    if let Some(end) = grown_end.filter(|&end| vma.end == old_end && space.is_free(old_end, end)) {
        space.extend_area(old_end, end)?;
        return Ok(old as usize);
    }
    if flags & MREMAP_MAYMOVE == 0 {
        return Err(Errno::ENOMEM);
    }
    let target = space.find_free(new_length).ok_or(Errno::ENOMEM)?;
    space.move_area(old, old_length, target, new_length)?;
    Ok(target as usize)
}

const MADV_DONTNEED: u64 = 4;
const MADV_FREE: u64 = 8;

/// Advice is accepted; `MADV_DONTNEED` drops the pages so they read back as their backing
/// (zeros for anonymous memory), as Linux does for private mappings.
pub fn madvise(_: &mut TrapFrame, args: Args) -> SysResult {
    let [address, length, advice, ..] = args;
    if length == 0 && address.is_multiple_of(PAGE_SIZE) {
        return Ok(0);
    }
    let end = user_range(address, length)?;
    if advice > 100 {
        return Err(Errno::EINVAL);
    }
    let mut space = current();
    let mut cursor = address;
    while cursor < end {
        cursor = space.find(cursor).ok_or(Errno::ENOMEM)?.end;
    }
    if advice == MADV_DONTNEED || advice == MADV_FREE {
        space.discard(address, end);
    }
    Ok(0)
}

/// Reports which pages of the range are present.
pub fn mincore(_: &mut TrapFrame, args: Args) -> SysResult {
    let [address, length, vector, ..] = args;
    let end = user_range(address, length)?;
    let space = current();
    let mut cursor = address;
    while cursor < end {
        cursor = space.find(cursor).ok_or(Errno::ENOMEM)?.end;
    }
    drop(space);
    let present: Vec<u8> = (address..end)
        .step_by(PAGE_SIZE as usize)
        .map(|page| paging::translate_user(page).is_some() as u8)
        .collect();
    copy_to_user(vector, &present)?;
    Ok(0)
}
