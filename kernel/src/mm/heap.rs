//! The kernel heap: physically contiguous regions reached through the physical window. It
//! starts with a sixteenth of RAM and grows by another region when an allocation does not
//! fit (socket buffers, a large directory tree), as long as contiguous free frames remain.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{null_mut, NonNull};

use linked_list_allocator::Heap;
use spin::Mutex;

use super::{frame, phys_to_virt, PAGE_SIZE};

const MIN_HEAP: u64 = 1 << 20;
const MAX_HEAP: u64 = 64 << 20;
/// Regions the heap can grow to; each later one is at least as large as the first.
const MAX_REGIONS: usize = 32;
/// What the allocator's bookkeeping may need beyond the allocation itself.
const SLACK: u64 = 4 * PAGE_SIZE;

struct Regions {
    heaps: [Heap; MAX_REGIONS],
    count: usize,
    /// The first region's size, the unit of growth.
    unit: u64,
}

struct GrowingHeap(Mutex<Regions>);

#[global_allocator]
static HEAP: GrowingHeap = GrowingHeap(Mutex::new(Regions {
    heaps: [const { Heap::empty() }; MAX_REGIONS],
    count: 0,
    unit: 0,
}));

impl Regions {
    /// Adds a region of `size` bytes (whole pages); false if no contiguous frames are left.
    fn add(&mut self, size: u64) -> bool {
        if self.count == MAX_REGIONS {
            return false;
        }
        let Some(start) = frame::alloc_contiguous(size / PAGE_SIZE) else {
            return false;
        };
        // SAFETY: the frames are ours for good and reached through the physical window.
        unsafe { self.heaps[self.count].init(phys_to_virt(start) as *mut u8, size as usize) };
        self.count += 1;
        true
    }

    /// Grows by a region that holds `layout`: a unit, or more for a large allocation; a
    /// smaller one if memory is short.
    fn grow(&mut self, layout: Layout) -> bool {
        let needed = (layout.size() + layout.align()) as u64 + SLACK;
        let needed = needed.next_multiple_of(PAGE_SIZE);
        self.add(needed.max(self.unit)) || self.add(needed)
    }

    fn allocate(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        self.heaps[..self.count]
            .iter_mut()
            .rev()
            .find_map(|heap| heap.allocate_first_fit(layout).ok())
    }
}

// SAFETY: every block comes from one region's allocator and goes back to the region whose
// range contains it; the lock serialises all use.
unsafe impl GlobalAlloc for GrowingHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut regions = self.0.lock();
        if let Some(block) = regions.allocate(layout) {
            return block.as_ptr();
        }
        if regions.grow(layout) {
            if let Some(block) = regions.allocate(layout) {
                return block.as_ptr();
            }
        }
        null_mut()
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        let mut regions = self.0.lock();
        let count = regions.count;
        let address = pointer as usize;
        if let Some(heap) = regions.heaps[..count]
            .iter_mut()
            .find(|heap| (heap.bottom() as usize..heap.top() as usize).contains(&address))
        {
            // SAFETY: the block was allocated from this region with this layout.
            unsafe { heap.deallocate(NonNull::new_unchecked(pointer), layout) };
        }
    }
}

/// Sets up the heap with a sixteenth of RAM, between 1 MiB and 64 MiB.
pub fn init(total_ram: u64) -> Result<u64, ()> {
    let size = (total_ram / 16).clamp(MIN_HEAP, MAX_HEAP) & !(PAGE_SIZE - 1);
    let mut regions = HEAP.0.lock();
    regions.unit = size;
    if regions.add(size) {
        Ok(size)
    } else {
        Err(())
    }
}

/// Bytes of heap in use and in total.
pub fn stats() -> (usize, usize) {
    let regions = HEAP.0.lock();
    let heaps = &regions.heaps[..regions.count];
    (
        heaps.iter().map(Heap::used).sum(),
        heaps.iter().map(Heap::size).sum(),
    )
}
