//! Virtio devices (virtio 1.2) through the `virtio-drivers` crate: the memory it needs for
//! rings and buffers, and where the devices are. `microvm` and Firecracker describe their
//! virtio-mmio devices on the kernel command line (section 4.2, MMIO transport).

pub mod mmio;
pub mod net;

use core::ptr::NonNull;
use core::sync::atomic::{AtomicU64, Ordering};

use virtio_drivers::{BufferDirection, Hal, PhysAddr};

use crate::mm::{frame, paging, phys_to_virt, MMIO_BASE, PAGE_SIZE, PHYS_OFFSET};

/// Device register pages are mapped from here, after the APICs' pages.
const DEVICE_PAGES: u64 = MMIO_BASE + 0x10_0000;
static NEXT_DEVICE_PAGE: AtomicU64 = AtomicU64::new(DEVICE_PAGES);

/// Maps `size` bytes of device registers at physical `phys` and returns where they are.
pub fn map_registers(phys: u64, size: u64) -> Option<u64> {
    let first = phys & !(PAGE_SIZE - 1);
    let pages = (phys - first + size).div_ceil(PAGE_SIZE);
    let base = NEXT_DEVICE_PAGE.fetch_add(pages * PAGE_SIZE, Ordering::Relaxed);
    for page in 0..pages {
        paging::map_mmio(base + page * PAGE_SIZE, first + page * PAGE_SIZE).ok()?;
    }
    Some(base + (phys - first))
}

/// The kernel's side of `virtio-drivers`: rings come from contiguous frames, buffers live in
/// the kernel heap, and both are reached through the physical window, where a kernel
/// address and its physical address differ by a constant.
pub struct KernelHal;

// SAFETY: `dma_alloc` returns zeroed, contiguous frames that stay allocated until
// `dma_dealloc`; `share` gives the physical address of memory in the physical window, which
// is identity-offset and never moves; nothing is cached by the device beyond those pages.
unsafe impl Hal for KernelHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        let phys = frame::alloc_contiguous(pages as u64).unwrap_or_else(|| {
            panic!("virtio: no {pages} contiguous free pages for a ring");
        });
        let virt = phys_to_virt(phys) as *mut u8;
        // SAFETY: the frames were just allocated for us and are mapped in the window.
        unsafe { core::ptr::write_bytes(virt, 0, pages * PAGE_SIZE as usize) };
        (phys as PhysAddr, NonNull::new(virt).unwrap())
    }

    unsafe fn dma_dealloc(paddr: PhysAddr, _vaddr: NonNull<u8>, pages: usize) -> i32 {
        for page in 0..pages as u64 {
            frame::free(paddr + page * PAGE_SIZE);
        }
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, size: usize) -> NonNull<u8> {
        let virt = map_registers(paddr, size as u64).expect("virtio: cannot map registers");
        NonNull::new(virt as *mut u8).unwrap()
    }

    unsafe fn share(buffer: NonNull<[u8]>, _direction: BufferDirection) -> PhysAddr {
        let virt = buffer.cast::<u8>().as_ptr() as u64;
        (virt - PHYS_OFFSET) as PhysAddr
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _direction: BufferDirection) {}
}
