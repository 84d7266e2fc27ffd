//! The vDSO (vdso(7)): a tiny shared object the kernel maps into every program, so that
//! the C library reads the clocks without a syscall. It exports `__vdso_clock_gettime`,
//! `__vdso_gettimeofday`, `__vdso_time` and `__vdso_getcpu`, found through
//! `AT_SYSINFO_EHDR`.
//!
//! The ELF image (header, two program headers, dynamic section, SysV hash table, symbols
//! and names, then the code from `vdso_code.rs`) is built at boot in one page, mapped just
//! above the read-only data page the code reads. Symbols carry no version information; C
//! libraries and Go accept unversioned symbols.

use alloc::vec::Vec;

use super::vdso_code;
use crate::mm::address_space::{current, Backing, Prot, Vma};
use crate::mm::{frame, paging, phys_to_virt, PAGE_SIZE};

/// Where the data page goes; the vDSO image is the page after it.
const VVAR_ADDRESS: u64 = 0x7fff_f000_0000;
pub const VDSO_ADDRESS: u64 = VVAR_ADDRESS + PAGE_SIZE;

const DYNAMIC_OFFSET: usize = 0x100;
const HASH_OFFSET: usize = 0x1a0;
const VERSYM_OFFSET: usize = 0x1d0;
const VERDEF_OFFSET: usize = 0x1e0;
const SYMBOLS_OFFSET: usize = 0x220;
const NAMES_OFFSET: usize = 0x2a0;
const CODE_OFFSET: usize = 0x400;

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const DT_NULL: u64 = 0;
const DT_HASH: u64 = 4;
const DT_STRTAB: u64 = 5;
const DT_SYMTAB: u64 = 6;
const DT_STRSZ: u64 = 10;
const DT_SYMENT: u64 = 11;
const DT_VERSYM: u64 = 0x6fff_fff0;
const DT_VERDEF: u64 = 0x6fff_fffc;
const DT_VERDEFNUM: u64 = 0x6fff_fffd;
/// The object's own name and the version its symbols carry, as Linux's vDSO has them;
/// Go's runtime looks symbols up by this version and needs the definitions.
const SONAME: &str = "linux-vdso.so.1";
const VERSION: &str = "LINUX_2.6";
/// Index of `VERSION` among the version definitions (1 is the object itself).
const VERSION_INDEX: u16 = 2;
/// `STB_GLOBAL << 4 | STT_FUNC`.
const GLOBAL_FUNCTION: u8 = 0x12;
/// Any defined section index: there are no section headers, and loaders only check that
/// the symbol is not undefined (0) or absolute.
const DEFINED_SECTION: u16 = 1;

fn put(page: &mut [u8], offset: usize, bytes: &[u8]) {
    page[offset..offset + bytes.len()].copy_from_slice(bytes);
}

fn words(values: &[u64]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|value| value.to_le_bytes())
        .collect()
}

/// ELF header and program headers (System V gABI, chapter 4 and 5).
fn headers(page: &mut [u8], dynamic_size: usize) {
    let mut header = [0u8; 64];
    header[..8].copy_from_slice(b"\x7fELF\x02\x01\x01\x00");
    header[16..18].copy_from_slice(&3u16.to_le_bytes()); // ET_DYN
    header[18..20].copy_from_slice(&62u16.to_le_bytes()); // EM_X86_64
    header[20..24].copy_from_slice(&1u32.to_le_bytes());
    header[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
    header[52..54].copy_from_slice(&64u16.to_le_bytes()); // e_ehsize
    header[54..56].copy_from_slice(&56u16.to_le_bytes()); // e_phentsize
    header[56..58].copy_from_slice(&2u16.to_le_bytes()); // e_phnum
    header[58..60].copy_from_slice(&64u16.to_le_bytes()); // e_shentsize
    put(page, 0, &header);

    let program_header = |kind: u32, flags: u32, offset: u64, size: u64, align: u64| {
        let mut bytes = Vec::with_capacity(56);
        bytes.extend_from_slice(&kind.to_le_bytes());
        bytes.extend_from_slice(&flags.to_le_bytes());
        bytes.extend(words(&[offset, offset, offset, size, size, align]));
        bytes
    };
    put(
        page,
        64,
        &program_header(PT_LOAD, 5, 0, PAGE_SIZE, PAGE_SIZE),
    );
    put(
        page,
        120,
        &program_header(PT_DYNAMIC, 4, DYNAMIC_OFFSET as u64, dynamic_size as u64, 8),
    );
}

/// The System V ELF hash of a name (gABI, "Hash Table").
fn elf_hash(name: &str) -> u32 {
    name.bytes().fold(0u32, |hash, byte| {
        let hash = (hash << 4).wrapping_add(byte as u32);
        let high = hash & 0xf000_0000;
        (hash ^ (high >> 24)) & !high
    })
}

/// Two version definitions (`Elf64_Verdef` + one `Elf64_Verdaux` each): the object, then
/// `VERSION`; `names` gets their strings.
fn version_definitions(names: &mut Vec<u8>) -> Vec<u8> {
    let mut bytes = Vec::new();
    for (index, name) in [(1u16, SONAME), (VERSION_INDEX, VERSION)] {
        let base_flag: u16 = if index == 1 { 1 } else { 0 };
        let next: u32 = if index == 1 { 28 } else { 0 };
        bytes.extend_from_slice(&1u16.to_le_bytes());
        bytes.extend_from_slice(&base_flag.to_le_bytes());
        bytes.extend_from_slice(&index.to_le_bytes());
        bytes.extend_from_slice(&1u16.to_le_bytes());
        bytes.extend_from_slice(&elf_hash(name).to_le_bytes());
        bytes.extend_from_slice(&20u32.to_le_bytes());
        bytes.extend_from_slice(&next.to_le_bytes());
        bytes.extend_from_slice(&(names.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        names.extend_from_slice(name.as_bytes());
        names.push(0);
    }
    bytes
}

/// The dynamic section, hash table, versions, symbols and names for the exported
/// functions.
fn symbols(page: &mut [u8]) -> usize {
    let functions = vdso_code::functions();
    let count = functions.len() + 1;

    let mut names = Vec::from([0u8]);
    let definitions = version_definitions(&mut names);
    put(page, VERDEF_OFFSET, &definitions);
    let mut versions: Vec<u8> = 0u16.to_le_bytes().to_vec();
    for _ in 0..functions.len() {
        versions.extend_from_slice(&VERSION_INDEX.to_le_bytes());
    }
    put(page, VERSYM_OFFSET, &versions);
    let mut table = [0u8; 24].to_vec();
    for (name, offset) in functions {
        let mut symbol = [0u8; 24];
        symbol[0..4].copy_from_slice(&(names.len() as u32).to_le_bytes());
        symbol[4] = GLOBAL_FUNCTION;
        symbol[6..8].copy_from_slice(&DEFINED_SECTION.to_le_bytes());
        symbol[8..16].copy_from_slice(&((CODE_OFFSET + offset) as u64).to_le_bytes());
        table.extend_from_slice(&symbol);
        names.extend_from_slice(name.as_bytes());
        names.push(0);
    }
    put(page, SYMBOLS_OFFSET, &table);
    put(page, NAMES_OFFSET, &names);

    // One bucket holding a chain through every symbol: lookups stay correct whatever the
    // hash, and there are only four names.
    let mut hash: Vec<u32> = Vec::from([1, count as u32, 1, 0]);
    hash.extend(2..count as u32);
    hash.push(0);
    let hash: Vec<u8> = hash.iter().flat_map(|value| value.to_le_bytes()).collect();
    put(page, HASH_OFFSET, &hash);

    let dynamic = words(&[
        DT_HASH,
        HASH_OFFSET as u64,
        DT_STRTAB,
        NAMES_OFFSET as u64,
        DT_SYMTAB,
        SYMBOLS_OFFSET as u64,
        DT_STRSZ,
        names.len() as u64,
        DT_SYMENT,
        24,
        DT_VERSYM,
        VERSYM_OFFSET as u64,
        DT_VERDEF,
        VERDEF_OFFSET as u64,
        DT_VERDEFNUM,
        2,
        DT_NULL,
        0,
    ]);
    put(page, DYNAMIC_OFFSET, &dynamic);
    dynamic.len()
}

/// Maps a page of `contents` at `address` in the application with `prot`.
fn map_page(address: u64, prot: Prot, fill: impl FnOnce(&mut [u8])) -> Option<()> {
    let phys = frame::alloc_zeroed()?;
    // SAFETY: the frame was just allocated and is reached through the physical window.
    let page = unsafe {
        core::slice::from_raw_parts_mut(phys_to_virt(phys) as *mut u8, PAGE_SIZE as usize)
    };
    fill(page);
    if paging::map_user(address, phys, prot.rights()).is_err() {
        frame::free(phys);
        return None;
    }
    current().insert(Vma {
        start: address,
        end: address + PAGE_SIZE,
        prot,
        backing: Backing::Anonymous,
    });
    Some(())
}

/// Maps the data page and the vDSO; returns the vDSO's address (`AT_SYSINFO_EHDR`), or
/// `None` when memory is short, in which case the program simply makes syscalls.
pub fn map() -> Option<u64> {
    let code = vdso_code::code();
    if CODE_OFFSET + code.len() > PAGE_SIZE as usize {
        return None;
    }
    map_page(VVAR_ADDRESS, Prot::from_bits(Prot::PROT_READ), |page| {
        put(page, 0, &words(&crate::time::vdso_parameters()));
    })?;
    map_page(
        VDSO_ADDRESS,
        Prot::from_bits(Prot::PROT_READ | Prot::PROT_EXEC),
        |page| {
            let dynamic_size = symbols(page);
            headers(page, dynamic_size);
            put(page, CODE_OFFSET, code);
        },
    )?;
    Some(VDSO_ADDRESS)
}
