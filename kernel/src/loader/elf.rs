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

/// Where the dynamic linker is placed: just below the area `mmap` hands out top-down.
pub const INTERPRETER_BASE: u64 = 0x7ffe_ff00_0000;

/// Which of the two ELF files of a dynamically linked program is being loaded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// The program: its segments set where the heap starts.
    Program,
    /// The dynamic linker, at [`INTERPRETER_BASE`].
    Interpreter,
}

/// What was added to the program's ELF addresses (0 for `ET_EXEC`), for crash reports.
static LOAD_BIAS: AtomicU64 = AtomicU64::new(0);

pub fn load_bias() -> u64 {
    LOAD_BIAS.load(Ordering::Relaxed)
}

/// What the stack builder needs to know about the loaded program.
pub struct LoadedElf {
    pub entry: u64,
    /// The dynamic linker the program asks for (`PT_INTERP`), if any.
    pub interpreter: Option<alloc::vec::Vec<u8>>,
    /// Where the dynamic linker was loaded (`AT_BASE`); 0 without one.
    pub interpreter_base: u64,
    /// Where the vDSO is mapped (`AT_SYSINFO_EHDR`), if it is.
    pub vdso: Option<u64>,
    /// Address of the program headers in memory (`AT_PHDR`), their size and count.
    pub program_headers: u64,
    pub program_header_size: u64,
    pub program_header_count: u64,
}

/// Maps every `PT_LOAD` segment of `bytes` (a file in the image) as a lazily filled area.
pub fn load(bytes: &'static [u8], placement: Placement) -> Result<LoadedElf, LoadError> {
    let elf = ElfFile::new(bytes).map_err(LoadError::BadElf)?;
    let header = &elf.header;
    if header.pt1.class() != Class::SixtyFour {
        return Err(LoadError::BadElf("not a 64-bit ELF"));
    }
    if header.pt2.machine().as_machine() != Machine::X86_64 {
        return Err(LoadError::BadElf("not built for x86-64"));
    }
    let bias = match (header.pt2.type_().as_type(), placement) {
        (Type::Executable, Placement::Program) => 0,
        (Type::SharedObject, Placement::Program) => PIE_BASE.next_multiple_of(max_alignment(&elf)),
        (Type::SharedObject, Placement::Interpreter) => INTERPRETER_BASE,
        (_, Placement::Interpreter) => {
            return Err(LoadError::BadElf(
                "the dynamic linker is not position independent",
            ))
        }
        _ => return Err(LoadError::BadElf("not an executable")),
    };
    if placement == Placement::Program {
        LOAD_BIAS.store(bias, Ordering::Relaxed);
    }

    let mut first_segment = None;
    let mut program_headers = None;
    let mut interpreter = None;
    for segment in elf.program_iter() {
        match segment.get_type() {
            Ok(SegmentType::Interp) if placement == Placement::Program => {
                interpreter = Some(interpreter_path(bytes, &segment)?);
            }
            Ok(SegmentType::Phdr) => program_headers = Some(segment.virtual_addr() + bias),
            Ok(SegmentType::Load) => {
                map_segment(bytes, &segment, bias, placement)?;
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
        interpreter,
        interpreter_base: 0,
        vdso: None,
        program_headers,
        program_header_size: header.pt2.ph_entry_size() as u64,
        program_header_count: header.pt2.ph_count() as u64,
    })
}

/// The largest `p_align` of the loadable segments (at least a page): a position-independent
/// program's base must honour it.
fn max_alignment(elf: &ElfFile) -> u64 {
    elf.program_iter()
        .filter(|segment| matches!(segment.get_type(), Ok(SegmentType::Load)))
        .map(|segment| segment.align())
        .filter(|align| align.is_power_of_two() && *align <= 1 << 30)
        .fold(4096, u64::max)
}

/// The path in a `PT_INTERP` segment, without its terminating NUL.
fn interpreter_path(
    bytes: &[u8],
    segment: &ProgramHeader,
) -> Result<alloc::vec::Vec<u8>, LoadError> {
    let start =
        usize::try_from(segment.offset()).map_err(|_| LoadError::BadElf("bad PT_INTERP"))?;
    let length =
        usize::try_from(segment.file_size()).map_err(|_| LoadError::BadElf("bad PT_INTERP"))?;
    let path = start
        .checked_add(length)
        .and_then(|end| bytes.get(start..end))
        .ok_or(LoadError::BadElf("PT_INTERP lies outside the file"))?;
    let path = path.split(|&byte| byte == 0).next().unwrap_or_default();
    if path.is_empty() {
        return Err(LoadError::BadElf("empty PT_INTERP"));
    }
    Ok(path.to_vec())
}

fn map_segment(
    bytes: &'static [u8],
    segment: &ProgramHeader,
    bias: u64,
    placement: Placement,
) -> Result<(), LoadError> {
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
    // The heap starts after the program's highest segment.
    if placement == Placement::Program && end > space.brk_start {
        space.brk_start = end;
        space.brk = end;
    }
    Ok(())
}
