//! The kernel heap: one physically contiguous region reached through the physical window.

use linked_list_allocator::LockedHeap;

use super::{frame, phys_to_virt, PAGE_SIZE};

#[global_allocator]
static HEAP: LockedHeap = LockedHeap::empty();

const MIN_HEAP: u64 = 1 << 20;
const MAX_HEAP: u64 = 64 << 20;

/// Sets up the heap with a sixteenth of RAM, between 1 MiB and 64 MiB.
///
/// TODO: grow the heap on demand instead; a fixed share is enough while the kernel's own
/// allocations are small next to the application's pages.
pub fn init(total_ram: u64) -> Result<u64, ()> {
    let size = (total_ram / 16).clamp(MIN_HEAP, MAX_HEAP) & !(PAGE_SIZE - 1);
    let start = frame::alloc_contiguous(size / PAGE_SIZE).ok_or(())?;
    // SAFETY: the frames are ours for good and reached through the physical window.
    unsafe {
        HEAP.lock()
            .init(phys_to_virt(start) as *mut u8, size as usize)
    };
    Ok(size)
}

/// Bytes of heap in use and in total.
pub fn stats() -> (usize, usize) {
    let heap = HEAP.lock();
    (heap.used(), heap.size())
}
