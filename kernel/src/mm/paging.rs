//! Page tables: the kernel's half (physical window, kernel image with per-section rights)
//! and helpers that map, unmap and query single pages of the application's half.

use spin::Mutex;
use x86_64::registers::control::{Cr3, Cr3Flags};
use x86_64::structures::paging::mapper::{MapToError, Translate, TranslateResult};
use x86_64::structures::paging::page_table::PageTableEntry;
use x86_64::structures::paging::{
    FrameAllocator, Mapper, OffsetPageTable, Page, PageTable, PageTableFlags as Flags, PhysFrame,
    Size2MiB, Size4KiB,
};
use x86_64::{PhysAddr, VirtAddr};

use super::{frame, phys_to_virt, KERNEL_VIRT_OFFSET, PHYS_OFFSET};
use crate::boot::start_info::PhysRange;

/// Hands page-table frames to the x86_64 crate's mapper.
struct Frames;

// SAFETY: `frame::alloc_zeroed` returns unused, zeroed frames.
unsafe impl FrameAllocator<Size4KiB> for Frames {
    fn allocate_frame(&mut self) -> Option<PhysFrame<Size4KiB>> {
        frame::alloc_kernel_zeroed()
            .map(|address| PhysFrame::containing_address(PhysAddr::new(address)))
    }
}

static TABLES: Mutex<Option<OffsetPageTable<'static>>> = Mutex::new(None);

extern "C" {
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __data_end: u8;
}

fn symbol_address(symbol: *const u8) -> u64 {
    symbol as u64
}

const TWO_MIB: u64 = 2 << 20;

/// Builds the final kernel page tables and switches to them. The boot identity mapping is
/// gone afterwards.
pub fn init(ram: &[PhysRange]) -> Result<(), MapToError<Size4KiB>> {
    let root = frame::alloc_kernel_zeroed().ok_or(MapToError::FrameAllocationFailed)?;
    // SAFETY: the frame is new and zeroed, reached through the physical window.
    let level4 = unsafe { &mut *(phys_to_virt(root) as *mut PageTable) };
    // SAFETY: all physical memory is mapped at PHYS_OFFSET by the boot tables and will be by
    // these ones.
    let mut tables = unsafe { OffsetPageTable::new(level4, VirtAddr::new(PHYS_OFFSET)) };

    map_physical_window(&mut tables, ram)?;
    map_kernel_image(&mut tables)?;

    // SAFETY: the new tables map the kernel image, its stacks and the physical window
    // exactly where the boot tables did.
    unsafe {
        Cr3::write(
            PhysFrame::containing_address(PhysAddr::new(root)),
            Cr3Flags::empty(),
        )
    };
    *TABLES.lock() = Some(tables);
    Ok(())
}

fn map_physical_window(
    tables: &mut OffsetPageTable<'static>,
    ram: &[PhysRange],
) -> Result<(), MapToError<Size4KiB>> {
    let flags = Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE | Flags::GLOBAL;
    let mut mapped_up_to = 0;
    for range in ram {
        let mut address = (range.start & !(TWO_MIB - 1)).max(mapped_up_to);
        while address < range.end {
            let page = Page::<Size2MiB>::containing_address(VirtAddr::new(phys_to_virt(address)));
            let frame = PhysFrame::<Size2MiB>::containing_address(PhysAddr::new(address));
            // SAFETY: the physical window aliases RAM only; it is never executable.
            unsafe { tables.map_to(page, frame, flags, &mut Frames) }
                .map_err(|_| MapToError::FrameAllocationFailed)?
                .ignore();
            address += TWO_MIB;
        }
        mapped_up_to = address;
    }
    Ok(())
}

fn map_kernel_image(tables: &mut OffsetPageTable<'static>) -> Result<(), MapToError<Size4KiB>> {
    // Only the addresses of the linker-script symbols are taken.
    let sections = {
        [
            (
                &raw const __text_start,
                &raw const __text_end,
                Flags::empty(),
            ),
            (
                &raw const __rodata_start,
                &raw const __rodata_end,
                Flags::NO_EXECUTE,
            ),
            (
                &raw const __data_start,
                &raw const __data_end,
                Flags::NO_EXECUTE | Flags::WRITABLE,
            ),
        ]
    };
    for (start, end, rights) in sections {
        let flags = Flags::PRESENT | Flags::GLOBAL | rights;
        let mut address = symbol_address(start);
        while address < symbol_address(end) {
            let page = Page::<Size4KiB>::containing_address(VirtAddr::new(address));
            let frame = PhysFrame::containing_address(PhysAddr::new(address - KERNEL_VIRT_OFFSET));
            // SAFETY: maps the kernel image onto itself with the rights of its section.
            unsafe { tables.map_to(page, frame, flags, &mut Frames) }?.ignore();
            address += 4096;
        }
    }
    Ok(())
}

/// Maps a page of device registers at `address` in the kernel's half, uncached.
pub fn map_mmio(address: u64, phys: u64) -> Result<(), ()> {
    let flags = Flags::PRESENT
        | Flags::WRITABLE
        | Flags::NO_EXECUTE
        | Flags::GLOBAL
        | Flags::NO_CACHE
        | Flags::WRITE_THROUGH;
    map_kernel(address, phys, flags)
}

/// Maps a read-write, never executable kernel page (kernel stacks).
pub fn map_kernel_data(address: u64, phys: u64) -> Result<(), ()> {
    map_kernel(
        address,
        phys,
        Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE | Flags::GLOBAL,
    )
}

fn map_kernel(address: u64, phys: u64, flags: Flags) -> Result<(), ()> {
    let page = Page::<Size4KiB>::containing_address(VirtAddr::new(address));
    let frame = PhysFrame::containing_address(PhysAddr::new(phys));
    with_tables(|tables| {
        // SAFETY: callers map kernel-only addresses reserved for this purpose (see mm/mod.rs).
        unsafe {
            tables.map_to_with_table_flags(
                page,
                frame,
                flags,
                Flags::PRESENT | Flags::WRITABLE,
                &mut Frames,
            )
        }
        .map(|flush| flush.flush())
        .map_err(|_| ())
    })
}

/// Removes a kernel page mapped with [`map_kernel_data`], returning its frame.
pub fn unmap_kernel(address: u64) -> Option<u64> {
    let page = Page::<Size4KiB>::containing_address(VirtAddr::new(address));
    with_tables(|tables| {
        let (frame, flush) = tables.unmap(page).ok()?;
        flush.flush();
        Some(frame.start_address().as_u64())
    })
}

/// Rights of a page of the application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserRights {
    pub write: bool,
    pub execute: bool,
}

fn user_flags(rights: UserRights) -> Flags {
    let mut flags = Flags::PRESENT | Flags::USER_ACCESSIBLE;
    if rights.write {
        flags |= Flags::WRITABLE;
    }
    if !rights.execute {
        flags |= Flags::NO_EXECUTE;
    }
    flags
}

fn with_tables<T>(f: impl FnOnce(&mut OffsetPageTable<'static>) -> T) -> T {
    let mut guard = TABLES.lock();
    f(guard
        .as_mut()
        .expect("paging::init runs before any user mapping"))
}

/// Maps the user page at `address` to `phys`. Fails only when a page table cannot be
/// allocated.
pub fn map_user(address: u64, phys: u64, rights: UserRights) -> Result<(), ()> {
    let page = Page::<Size4KiB>::containing_address(VirtAddr::new(address));
    let frame = PhysFrame::containing_address(PhysAddr::new(phys));
    let parents = Flags::PRESENT | Flags::WRITABLE | Flags::USER_ACCESSIBLE;
    with_tables(|tables| {
        // SAFETY: the page is in the user half; mapping a frame there cannot affect the kernel.
        unsafe {
            tables.map_to_with_table_flags(page, frame, user_flags(rights), parents, &mut Frames)
        }
        .map(|flush| flush.flush())
        .map_err(|_| ())
    })
}

/// Moves the mapping of the user page at `from` to `to`, keeping its rights (`mremap`).
pub fn move_user(from: u64, to: u64) -> Result<(), ()> {
    let source = Page::<Size4KiB>::containing_address(VirtAddr::new(from));
    let target = Page::<Size4KiB>::containing_address(VirtAddr::new(to));
    let parents = Flags::PRESENT | Flags::WRITABLE | Flags::USER_ACCESSIBLE;
    with_tables(|tables| {
        let TranslateResult::Mapped { flags, .. } = tables.translate(VirtAddr::new(from)) else {
            return Ok(());
        };
        let (frame, flush) = tables.unmap(source).map_err(|_| ())?;
        flush.flush();
        // SAFETY: both pages are in the user half; the frame moves, nothing else changes.
        unsafe { tables.map_to_with_table_flags(target, frame, flags, parents, &mut Frames) }
            .map(|flush| flush.flush())
            .map_err(|_| ())
    })
}

/// Unmaps every present user page in `start..end` (page aligned), handing each frame to
/// `release`. Walks the tables directly so that large, sparsely touched ranges cost only
/// what is mapped.
pub fn unmap_user_range(start: u64, end: u64, mut release: impl FnMut(u64)) {
    for_each_user_page(start, end, |entry| {
        release(entry.addr().as_u64());
        entry.set_unused();
    });
}

/// Gives every present user page in `start..end` the flags `rights` yields for its frame
/// (`None` hides the page from the application, for PROT_NONE).
pub fn protect_user_range(start: u64, end: u64, mut rights: impl FnMut(u64) -> Option<UserRights>) {
    for_each_user_page(start, end, |entry| {
        let flags = match rights(entry.addr().as_u64()) {
            Some(rights) => user_flags(rights),
            None => Flags::PRESENT | Flags::NO_EXECUTE,
        };
        entry.set_flags(flags);
    });
}

fn for_each_user_page(start: u64, end: u64, mut visit: impl FnMut(&mut PageTableEntry)) {
    let _guard = TABLES.lock();
    let (root, _) = Cr3::read();
    walk(root.start_address().as_u64(), 4, start, end, 0, &mut visit);
    x86_64::instructions::tlb::flush_all();
}

/// Visits level-`level` table at `table` covering addresses from `base`.
fn walk(
    table: u64,
    level: u32,
    start: u64,
    end: u64,
    base: u64,
    visit: &mut impl FnMut(&mut PageTableEntry),
) {
    let span = 1u64 << (12 + 9 * (level - 1));
    // SAFETY: `table` is a page table of the live hierarchy, reached through the physical
    // window; the TABLES lock is held.
    let entries = unsafe { &mut *(phys_to_virt(table) as *mut PageTable) };
    for (index, entry) in entries.iter_mut().enumerate() {
        let entry_start = base + index as u64 * span;
        let entry_end = entry_start + span;
        if entry_end <= start || entry_start >= end || !entry.flags().contains(Flags::PRESENT) {
            continue;
        }
        if level == 1 {
            visit(entry);
        } else if !entry.flags().contains(Flags::HUGE_PAGE) {
            walk(
                entry.addr().as_u64(),
                level - 1,
                start,
                end,
                entry_start,
                visit,
            );
        }
    }
}

/// Removes the mapping of the user page at `address`, returning its frame.
pub fn unmap_user(address: u64) -> Option<u64> {
    let page = Page::<Size4KiB>::containing_address(VirtAddr::new(address));
    with_tables(|tables| {
        let (frame, flush) = tables.unmap(page).ok()?;
        flush.flush();
        Some(frame.start_address().as_u64())
    })
}

/// How a user address is mapped right now.
#[derive(Clone, Copy, Debug)]
pub struct Mapping {
    /// The physical address of the byte.
    pub phys: u64,
    pub writable: bool,
    /// False for pages hidden from the application (PROT_NONE).
    pub user: bool,
}

/// The mapping of user address `address`, if its page is present.
pub fn translate_user(address: u64) -> Option<Mapping> {
    with_tables(|tables| match tables.translate(VirtAddr::new(address)) {
        TranslateResult::Mapped {
            frame,
            offset,
            flags,
        } => Some(Mapping {
            phys: frame.start_address().as_u64() + offset,
            writable: flags.contains(Flags::WRITABLE),
            user: flags.contains(Flags::USER_ACCESSIBLE),
        }),
        _ => None,
    })
}
