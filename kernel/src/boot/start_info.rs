//! Reads the PVH `hvm_start_info` structure the hypervisor left in memory.
//!
//! Layout from xen/include/public/arch-x86/hvm/start_info.h (version 1 adds the memory
//! map). Everything is copied into kernel-owned storage before the frame allocator can
//! hand the pages it lives in to someone else.

use crate::mm::phys_to_virt;

const START_INFO_MAGIC: u32 = 0x336e_c578;
const MAX_REGIONS: usize = 64;
const MAX_CMDLINE: usize = 1024;
/// E820 type of usable RAM.
const MEMMAP_TYPE_RAM: u32 = 1;

#[repr(C)]
struct StartInfo {
    magic: u32,
    version: u32,
    flags: u32,
    nr_modules: u32,
    modlist_paddr: u64,
    cmdline_paddr: u64,
    rsdp_paddr: u64,
    memmap_paddr: u64,
    memmap_entries: u32,
    reserved: u32,
}

#[repr(C)]
struct ModlistEntry {
    paddr: u64,
    size: u64,
    cmdline_paddr: u64,
    reserved: u64,
}

#[repr(C)]
struct MemmapEntry {
    addr: u64,
    size: u64,
    kind: u32,
    reserved: u32,
}

/// A range of physical addresses, `start..end`.
#[derive(Clone, Copy, Debug, Default)]
pub struct PhysRange {
    pub start: u64,
    pub end: u64,
}

/// What the kernel keeps from the start info.
pub struct BootInfo {
    ram: [PhysRange; MAX_REGIONS],
    ram_count: usize,
    cmdline: [u8; MAX_CMDLINE],
    cmdline_len: usize,
    /// The image handed over as the first PVH module.
    pub image: Option<PhysRange>,
}

impl BootInfo {
    pub fn ram(&self) -> &[PhysRange] {
        &self.ram[..self.ram_count]
    }

    pub fn cmdline(&self) -> &str {
        core::str::from_utf8(&self.cmdline[..self.cmdline_len]).unwrap_or("")
    }
}

/// Why the start info could not be used.
pub enum StartInfoError {
    /// The magic number is wrong: not booted through PVH.
    BadMagic(u32),
    /// Version 0 has no memory map, and this kernel does not ask the hypervisor for one.
    NoMemoryMap,
}

impl core::fmt::Display for StartInfoError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StartInfoError::BadMagic(magic) => {
                write!(f, "start info magic is {magic:#x}: not booted through PVH")
            }
            StartInfoError::NoMemoryMap => write!(f, "the PVH start info has no memory map"),
        }
    }
}

/// Copies what the kernel needs out of the start info at physical address `paddr`.
///
/// Only valid while the boot page tables map the first 4 GiB at the physical window.
pub fn read(paddr: u64) -> Result<BootInfo, StartInfoError> {
    // SAFETY: the hypervisor passes the address of a valid start info in %ebx, and the boot
    // page tables map all of low memory at the physical window.
    let info = unsafe { &*(phys_to_virt(paddr) as *const StartInfo) };
    if info.magic != START_INFO_MAGIC {
        return Err(StartInfoError::BadMagic(info.magic));
    }
    if info.version < 1 || info.memmap_paddr == 0 {
        return Err(StartInfoError::NoMemoryMap);
    }

    let mut boot = BootInfo {
        ram: [PhysRange::default(); MAX_REGIONS],
        ram_count: 0,
        cmdline: [0; MAX_CMDLINE],
        cmdline_len: 0,
        image: None,
    };
    read_memory_map(info, &mut boot);
    if info.cmdline_paddr != 0 {
        read_cmdline(info.cmdline_paddr, &mut boot);
    }
    if info.nr_modules > 0 && info.modlist_paddr != 0 {
        // SAFETY: the module list is inside low memory mapped by the boot tables.
        let module = unsafe { &*(phys_to_virt(info.modlist_paddr) as *const ModlistEntry) };
        boot.image = Some(PhysRange {
            start: module.paddr,
            end: module.paddr + module.size,
        });
    }
    Ok(boot)
}

fn read_memory_map(info: &StartInfo, boot: &mut BootInfo) {
    let entries = phys_to_virt(info.memmap_paddr) as *const MemmapEntry;
    for index in 0..info.memmap_entries as usize {
        // SAFETY: the hypervisor provides `memmap_entries` entries at `memmap_paddr`.
        let entry = unsafe { &*entries.add(index) };
        if entry.kind == MEMMAP_TYPE_RAM && boot.ram_count < MAX_REGIONS {
            boot.ram[boot.ram_count] = PhysRange {
                start: entry.addr,
                end: entry.addr + entry.size,
            };
            boot.ram_count += 1;
        }
    }
}

fn read_cmdline(paddr: u64, boot: &mut BootInfo) {
    let text = phys_to_virt(paddr) as *const u8;
    while boot.cmdline_len < MAX_CMDLINE {
        // SAFETY: the command line is a NUL-terminated string in low memory.
        let byte = unsafe { *text.add(boot.cmdline_len) };
        if byte == 0 {
            break;
        }
        boot.cmdline[boot.cmdline_len] = byte;
        boot.cmdline_len += 1;
    }
}
