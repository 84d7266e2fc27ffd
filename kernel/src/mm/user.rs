//! Access to the application's memory from the kernel.
//!
//! Every pointer the application passes is untrusted. The kernel never dereferences it:
//! it looks up each page's area and rights, faults it in if needed, and copies through the
//! physical window, so a bad pointer gives `EFAULT` and never a kernel fault (and SMAP can
//! stay on).

use alloc::vec::Vec;

use super::fault::{handle_user_fault, Access};
use super::{page_align_down, paging, phys_to_virt, PAGE_SIZE, USER_END};
use crate::syscall::errno::Errno;

/// The physical address of user byte `address`, faulting the page in for the access.
fn user_byte_phys(address: u64, write: bool) -> Result<u64, Errno> {
    if address >= USER_END {
        return Err(Errno::EFAULT);
    }
    let usable = |mapping: &paging::Mapping| mapping.user && (!write || mapping.writable);
    if let Some(mapping) = paging::translate_user(address).filter(usable) {
        return Ok(mapping.phys);
    }
    let access = Access {
        write,
        execute: false,
    };
    handle_user_fault(address, access).map_err(|_| Errno::EFAULT)?;
    paging::translate_user(address)
        .filter(usable)
        .map(|mapping| mapping.phys)
        .ok_or(Errno::EFAULT)
}

/// Calls `step(kernel_address, length)` for each page-sized piece of `address..+length`.
fn for_each_piece(
    address: u64,
    length: usize,
    write: bool,
    mut step: impl FnMut(u64, usize, usize),
) -> Result<(), Errno> {
    let end = address
        .checked_add(length as u64)
        .filter(|&end| end <= USER_END)
        .ok_or(Errno::EFAULT)?;
    let mut cursor = address;
    let mut done = 0usize;
    while cursor < end {
        let piece = ((page_align_down(cursor) + PAGE_SIZE).min(end) - cursor) as usize;
        let phys = user_byte_phys(cursor, write)?;
        step(phys_to_virt(phys), done, piece);
        cursor += piece as u64;
        done += piece;
    }
    Ok(())
}

/// Copies `buffer.len()` bytes from the application's `address`.
pub fn copy_from_user(buffer: &mut [u8], address: u64) -> Result<(), Errno> {
    let length = buffer.len();
    for_each_piece(address, length, false, |source, done, piece| {
        // SAFETY: `source` is a kernel address of `piece` mapped user bytes.
        let bytes = unsafe { core::slice::from_raw_parts(source as *const u8, piece) };
        buffer[done..done + piece].copy_from_slice(bytes);
    })
}

/// Copies `bytes` to the application's `address`.
pub fn copy_to_user(address: u64, bytes: &[u8]) -> Result<(), Errno> {
    for_each_piece(address, bytes.len(), true, |target, done, piece| {
        // SAFETY: `target` is a kernel address of `piece` writable user bytes.
        let slot = unsafe { core::slice::from_raw_parts_mut(target as *mut u8, piece) };
        slot.copy_from_slice(&bytes[done..done + piece]);
    })
}

/// Reads a NUL-terminated string of at most `max` bytes (without the NUL).
pub fn read_cstring(address: u64, max: usize) -> Result<Vec<u8>, Errno> {
    let mut text = Vec::new();
    let mut cursor = address;
    loop {
        let phys = user_byte_phys(cursor, false)?;
        let in_page = (page_align_down(cursor) + PAGE_SIZE - cursor) as usize;
        // SAFETY: the rest of the page from `phys` is mapped user memory.
        let bytes =
            unsafe { core::slice::from_raw_parts(phys_to_virt(phys) as *const u8, in_page) };
        match bytes.iter().position(|&byte| byte == 0) {
            Some(end) => {
                text.extend_from_slice(&bytes[..end]);
                return if text.len() > max {
                    Err(Errno::ENAMETOOLONG)
                } else {
                    Ok(text)
                };
            }
            None => text.extend_from_slice(bytes),
        }
        if text.len() > max {
            return Err(Errno::ENAMETOOLONG);
        }
        cursor += in_page as u64;
    }
}

/// Plain-old-data types that can be copied to and from user memory as bytes.
///
/// # Safety
/// Every bit pattern must be a valid value and the type must have no padding.
pub unsafe trait Plain: Copy {}

// SAFETY: integers have no padding and accept every bit pattern.
unsafe impl Plain for u64 {}
// SAFETY: as above.
unsafe impl Plain for u8 {}
// SAFETY: as above.
unsafe impl Plain for u32 {}
// SAFETY: as above.
unsafe impl Plain for i64 {}
// SAFETY: as above.
unsafe impl Plain for i32 {}
// SAFETY: arrays of plain values are plain.
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}

fn as_bytes<T: Plain>(value: &T) -> &[u8] {
    // SAFETY: `T: Plain` has no padding, so all its bytes are initialised.
    unsafe {
        core::slice::from_raw_parts(value as *const T as *const u8, core::mem::size_of::<T>())
    }
}

/// Reads one `T` from the application's `address`.
pub fn read_user<T: Plain + Default>(address: u64) -> Result<T, Errno> {
    let mut value = T::default();
    // SAFETY: `T: Plain` accepts any bytes.
    let bytes = unsafe {
        core::slice::from_raw_parts_mut(&mut value as *mut T as *mut u8, core::mem::size_of::<T>())
    };
    copy_from_user(bytes, address)?;
    Ok(value)
}

/// Writes `value` to the application's `address`.
pub fn write_user<T: Plain>(address: u64, value: &T) -> Result<(), Errno> {
    copy_to_user(address, as_bytes(value))
}
