//! Loading a static or static-pie x86-64 ELF executable (System V gABI, chapter 5).

use core::sync::atomic::{AtomicU64, Ordering};

use xmas_elf::header::{Class, Machine, Type};
use xmas_elf::program::{ProgramHeader, Type as SegmentType};
use xmas_elf::ElfFile;

use super::LoadError;
use crate::mm::address_space::{current, Backing, Prot, Vma};
use crate::mm::{page_align_down, page_align_up, USER_END};

/// Where a position-independent executable is placed, as Linux's ELF_ET_DYN_BASE.
const PIE_BASE: u64 = 0x5555_5540_0000;

/// What was added to the program's ELF addresses (0 for `ET_EXEC`), for crash reports.
static LOAD_BIAS: AtomicU64 = AtomicU64::new(0);

pub fn load_bias() -> u64 {
    LOAD_BIAS.load(Ordering::Relaxed)
}

/// What the stack builder needs to know about the loaded program.
pub struct LoadedElf {
    pub entry: u64,
    /// Address of the program headers in memory (`AT_PHDR`), their size and count.
    pub program_headers: u64,
    pub program_header_size: u64,
    pub program_header_count: u64,
}

/// Maps every `PT_LOAD` segment of `bytes` (a file in the image) as a lazily filled area.
pub fn load(bytes: &'static [u8]) -> Result<LoadedElf, LoadError> {
    let elf = ElfFile::new(bytes).map_err(LoadError::BadElf)?;
    let header = &elf.header;
    if header.pt1.class() != Class::SixtyFour {
        return Err(LoadError::BadElf("not a 64-bit ELF"));
    }
    if header.pt2.machine().as_machine() != Machine::X86_64 {
        return Err(LoadError::BadElf("not built for x86-64"));
    }
    let bias = match header.pt2.type_().as_type() {
        Type::Executable => 0,
        Type::SharedObject => PIE_BASE,
        _ => return Err(LoadError::BadElf("not an executable")),
    };
    LOAD_BIAS.store(bias, Ordering::Relaxed);

    let mut first_segment = None;
    let mut program_headers = None;
    for segment in elf.program_iter() {
        match segment.get_type() {
            Ok(SegmentType::Interp) => return Err(LoadError::Dynamic),
            Ok(SegmentType::Phdr) => program_headers = Some(segment.virtual_addr() + bias),
            Ok(SegmentType::Load) => {
                map_segment(bytes, &segment, bias)?;
                first_segment.get_or_insert((segment.virtual_addr(), segment.offset()));
            }
            _ => {}
        }
    }

    let (first_vaddr, first_offset) =
        first_segment.ok_or(LoadError::BadElf("no loadable segment"))?;
    let phoff = header.pt2.ph_offset();
    let program_headers = program_headers
        .unwrap_or(bias + first_vaddr.wrapping_sub(first_offset).wrapping_add(phoff));
    Ok(LoadedElf {
        entry: header.pt2.entry_point().wrapping_add(bias),
        program_headers,
        program_header_size: header.pt2.ph_entry_size() as u64,
        program_header_count: header.pt2.ph_count() as u64,
    })
}

fn map_segment(bytes: &'static [u8], segment: &ProgramHeader, bias: u64) -> Result<(), LoadError> {
    let bad = LoadError::BadElf;
    let vaddr = segment
        .virtual_addr()
        .checked_add(bias)
        .ok_or(bad("segment address overflows"))?;
    let memory_end = vaddr
        .checked_add(segment.mem_size())
        .ok_or(bad("segment size overflows"))?;
    let file_size = segment.file_size();
    let offset = segment.offset();
    if file_size > segment.mem_size()
        || offset
            .checked_add(file_size)
            .is_none_or(|end| end > bytes.len() as u64)
    {
        return Err(bad("segment lies outside the file"));
    }
    if vaddr % 4096 != offset % 4096 {
        return Err(bad("segment is not page aligned with its file offset"));
    }
    let start = page_align_down(vaddr);
    let end = page_align_up(memory_end).ok_or(bad("segment size overflows"))?;
    if end > USER_END || start == 0 {
        return Err(bad("segment outside the user address range"));
    }

    let flags = segment.flags();
    let prot = Prot {
        read: flags.is_read(),
        write: flags.is_write(),
        execute: flags.is_execute(),
    };
    let file_start = crate::fs::image::offset_of(bytes) + page_align_down(offset);
    let mut space = current();
    if !space.is_free(start, end) {
        return Err(bad("segments overlap"));
    }
    space.insert(Vma {
        start,
        end,
        prot,
        backing: Backing::Image {
            offset: file_start,
            file_end: vaddr + file_size,
        },
    });
    // The heap starts after the highest segment.
    if end > space.brk_start {
        space.brk_start = end;
        space.brk = end;
    }
    Ok(())
}
