//! Minimal, well-formed ELF files for the machines pith must refuse: a header and one
//! `PT_LOAD` program header, so that only the class or the machine is wrong. See elf(5).

/// `EM_386`: Intel 80386.
pub const EM_386: u16 = 3;
/// `EM_AARCH64`: 64-bit Arm.
pub const EM_AARCH64: u16 = 183;

const ELF_MAGIC: [u8; 4] = [0x7f, b'E', b'L', b'F'];
const ELFCLASS32: u8 = 1;
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const EV_CURRENT: u8 = 1;
const ET_EXEC: u16 = 2;
const PT_LOAD: u32 = 1;
const PF_R_X: u32 = 0x5;
const LOAD_ADDRESS: u32 = 0x40_0000;
/// Bytes after the headers, standing in for code.
const BODY: [u8; 16] = [0; 16];

fn ident(class: u8) -> Vec<u8> {
    let mut bytes = ELF_MAGIC.to_vec();
    bytes.extend([class, ELFDATA2LSB, EV_CURRENT]);
    bytes.resize(16, 0);
    bytes
}

/// A 64-bit little-endian executable for `machine`.
pub fn elf64_executable(machine: u16) -> Vec<u8> {
    const HEADER_SIZE: u16 = 64;
    const PHDR_SIZE: u16 = 56;
    let file_size = u64::from(HEADER_SIZE + PHDR_SIZE) + BODY.len() as u64;
    let base = u64::from(LOAD_ADDRESS);

    let mut bytes = ident(ELFCLASS64);
    bytes.extend(ET_EXEC.to_le_bytes());
    bytes.extend(machine.to_le_bytes());
    bytes.extend(1u32.to_le_bytes()); // e_version
    bytes.extend((base + u64::from(HEADER_SIZE + PHDR_SIZE)).to_le_bytes()); // e_entry
    bytes.extend(u64::from(HEADER_SIZE).to_le_bytes()); // e_phoff
    bytes.extend(0u64.to_le_bytes()); // e_shoff
    bytes.extend(0u32.to_le_bytes()); // e_flags
    bytes.extend(HEADER_SIZE.to_le_bytes());
    bytes.extend(PHDR_SIZE.to_le_bytes());
    bytes.extend(1u16.to_le_bytes()); // e_phnum
    bytes.extend(64u16.to_le_bytes()); // e_shentsize
    bytes.extend([0u8; 4]); // e_shnum, e_shstrndx

    bytes.extend(PT_LOAD.to_le_bytes());
    bytes.extend(PF_R_X.to_le_bytes());
    bytes.extend(0u64.to_le_bytes()); // p_offset
    bytes.extend(base.to_le_bytes()); // p_vaddr
    bytes.extend(base.to_le_bytes()); // p_paddr
    bytes.extend(file_size.to_le_bytes()); // p_filesz
    bytes.extend(file_size.to_le_bytes()); // p_memsz
    bytes.extend(0x1000u64.to_le_bytes()); // p_align

    bytes.extend(BODY);
    bytes
}

/// A 32-bit little-endian executable for `machine`.
pub fn elf32_executable(machine: u16) -> Vec<u8> {
    const HEADER_SIZE: u16 = 52;
    const PHDR_SIZE: u16 = 32;
    let file_size = u32::from(HEADER_SIZE + PHDR_SIZE) + BODY.len() as u32;

    let mut bytes = ident(ELFCLASS32);
    bytes.extend(ET_EXEC.to_le_bytes());
    bytes.extend(machine.to_le_bytes());
    bytes.extend(1u32.to_le_bytes()); // e_version
    bytes.extend((LOAD_ADDRESS + u32::from(HEADER_SIZE + PHDR_SIZE)).to_le_bytes()); // e_entry
    bytes.extend(u32::from(HEADER_SIZE).to_le_bytes()); // e_phoff
    bytes.extend(0u32.to_le_bytes()); // e_shoff
    bytes.extend(0u32.to_le_bytes()); // e_flags
    bytes.extend(HEADER_SIZE.to_le_bytes());
    bytes.extend(PHDR_SIZE.to_le_bytes());
    bytes.extend(1u16.to_le_bytes()); // e_phnum
    bytes.extend(40u16.to_le_bytes()); // e_shentsize
    bytes.extend([0u8; 4]); // e_shnum, e_shstrndx

    bytes.extend(PT_LOAD.to_le_bytes());
    bytes.extend(0u32.to_le_bytes()); // p_offset
    bytes.extend(LOAD_ADDRESS.to_le_bytes()); // p_vaddr
    bytes.extend(LOAD_ADDRESS.to_le_bytes()); // p_paddr
    bytes.extend(file_size.to_le_bytes()); // p_filesz
    bytes.extend(file_size.to_le_bytes()); // p_memsz
    bytes.extend(PF_R_X.to_le_bytes());
    bytes.extend(0x1000u32.to_le_bytes()); // p_align

    bytes.extend(BODY);
    bytes
}
