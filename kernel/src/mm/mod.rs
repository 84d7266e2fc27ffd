//! Memory management: physical frames, the kernel heap, page tables and the
//! application's address space.

pub mod address_space;
pub mod fault;
pub mod frame;
pub mod heap;
pub mod owned_frame;
pub mod paging;
pub mod user;

pub const PAGE_SIZE: u64 = 4096;

/// Where all physical memory is mapped in the kernel's half (read-write, never executable).
pub const PHYS_OFFSET: u64 = 0xffff_8000_0000_0000;

/// The kernel image runs at this offset from its physical load address (see linker.ld).
pub const KERNEL_VIRT_OFFSET: u64 = 0xffff_c000_0000_0000;

/// Device registers (local APIC, I/O APIC) are mapped from here, uncached.
pub const MMIO_BASE: u64 = 0xffff_d000_0000_0000;

/// Threads' kernel stacks are mapped from here, each with an unmapped guard page below.
pub const KERNEL_STACKS_BASE: u64 = 0xffff_e000_0000_0000;

/// The first address above the application's half of the address space.
pub const USER_END: u64 = 0x0000_8000_0000_0000;

/// The kernel address through which physical address `phys` is reached.
pub fn phys_to_virt(phys: u64) -> u64 {
    phys + PHYS_OFFSET
}

pub fn page_align_down(address: u64) -> u64 {
    address & !(PAGE_SIZE - 1)
}

/// Rounds up to a page boundary; `None` if that overflows.
pub fn page_align_up(address: u64) -> Option<u64> {
    Some(address.checked_add(PAGE_SIZE - 1)? & !(PAGE_SIZE - 1))
}
