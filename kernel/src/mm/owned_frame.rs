//! A physical frame owned by a kernel object (a tmpfs file page), freed when dropped.
//!
//! The frame may also be mapped into the application by a `MAP_SHARED` mapping
//! ([`super::address_space::Backing::Shared`]); the mapping then keeps the owner alive, so the
//! frame outlives every page-table entry that points at it.

use super::{frame, phys_to_virt, PAGE_SIZE};

pub struct OwnedFrame {
    phys: u64,
}

impl OwnedFrame {
    /// A new frame of zeros; `None` when memory is exhausted.
    pub fn new_zeroed() -> Option<OwnedFrame> {
        frame::alloc_zeroed().map(|phys| OwnedFrame { phys })
    }

    pub fn phys(&self) -> u64 {
        self.phys
    }

    /// The frame's bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the frame belongs to `self` and is reached through the physical window. If
        // the application maps it shared it may change underneath, as any user memory the
        // kernel reads may; the bytes are plain data either way.
        unsafe {
            core::slice::from_raw_parts(phys_to_virt(self.phys) as *const u8, PAGE_SIZE as usize)
        }
    }

    /// The frame's bytes, for writing.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as for `bytes`; `&mut self` keeps other kernel users away meanwhile.
        unsafe {
            core::slice::from_raw_parts_mut(phys_to_virt(self.phys) as *mut u8, PAGE_SIZE as usize)
        }
    }
}

impl Drop for OwnedFrame {
    fn drop(&mut self) {
        frame::free(self.phys);
    }
}
