//! The initial stack the System V AMD64 ABI (section 3.4.1) and Linux's ELF loader give a
//! new program: argc, argv, envp and the auxiliary vector, with the strings above them.

use alloc::vec::Vec;

use pith_image::Manifest;
use spin::Once;

use super::{LoadError, LoadedElf};
use crate::arch::cpu::Features;
use crate::mm::address_space::{current, Backing, Prot, Vma};
use crate::mm::user::copy_to_user;

/// The top of the main thread's stack and how much address space it may grow into.
pub const STACK_TOP: u64 = 0x7fff_ffff_f000;
pub const STACK_SIZE: u64 = 8 << 20;

// Auxiliary vector types (include/uapi/linux/auxvec.h).
const AT_NULL: u64 = 0;
const AT_PHDR: u64 = 3;
const AT_PHENT: u64 = 4;
const AT_PHNUM: u64 = 5;
const AT_PAGESZ: u64 = 6;
const AT_BASE: u64 = 7;
const AT_FLAGS: u64 = 8;
const AT_ENTRY: u64 = 9;
const AT_UID: u64 = 11;
const AT_EUID: u64 = 12;
const AT_GID: u64 = 13;
const AT_EGID: u64 = 14;
const AT_PLATFORM: u64 = 15;
const AT_HWCAP: u64 = 16;
const AT_CLKTCK: u64 = 17;
const AT_SECURE: u64 = 23;
const AT_RANDOM: u64 = 25;
const AT_HWCAP2: u64 = 26;
const AT_EXECFN: u64 = 31;
const AT_SYSINFO_EHDR: u64 = 33;

/// Clock ticks per second reported to `times` users, as on Linux.
pub const CLOCK_TICKS: u64 = 100;

/// The auxiliary vector as the program got it, for `/proc/self/auxv`.
pub static AUXV: Once<Vec<u8>> = Once::new();

/// Bytes laid out downwards from a top address, remembering where each piece went.
struct Builder {
    top: u64,
    bytes: Vec<u8>,
}

impl Builder {
    /// Puts `data` below what is there and returns its user address.
    fn push(&mut self, data: &[u8]) -> u64 {
        let mut piece = Vec::with_capacity(data.len() + self.bytes.len());
        piece.extend_from_slice(data);
        piece.extend_from_slice(&self.bytes);
        self.bytes = piece;
        self.bottom()
    }

    fn push_string(&mut self, text: &[u8]) -> u64 {
        let mut with_nul = Vec::with_capacity(text.len() + 1);
        with_nul.extend_from_slice(text);
        with_nul.push(0);
        self.push(&with_nul)
    }

    fn bottom(&self) -> u64 {
        self.top - self.bytes.len() as u64
    }
}

/// Maps the stack area, writes the initial stack and returns the stack pointer.
pub fn build(manifest: &Manifest, elf: &LoadedElf, features: &Features) -> Result<u64, LoadError> {
    current().insert(Vma {
        start: STACK_TOP - STACK_SIZE,
        end: STACK_TOP,
        prot: Prot::from_bits(Prot::PROT_READ | Prot::PROT_WRITE),
        backing: Backing::Anonymous,
    });

    let mut strings = Builder {
        top: STACK_TOP,
        bytes: Vec::new(),
    };
    let execfn = strings.push_string(&manifest.program);
    let envp: Vec<u64> = manifest
        .env
        .iter()
        .rev()
        .map(|var| strings.push_string(var))
        .collect();
    let argv: Vec<u64> = manifest
        .args
        .iter()
        .rev()
        .map(|arg| strings.push_string(arg))
        .collect();
    let platform = strings.push_string(b"x86_64");
    let random = strings.push(&crate::random::bytes::<16>());

    let mut auxv = alloc::vec![
        (AT_PHDR, elf.program_headers),
        (AT_PHENT, elf.program_header_size),
        (AT_PHNUM, elf.program_header_count),
        (AT_PAGESZ, 4096),
        (AT_BASE, elf.interpreter_base),
        (AT_FLAGS, 0),
        (AT_ENTRY, elf.entry),
        (AT_UID, 0),
        (AT_EUID, 0),
        (AT_GID, 0),
        (AT_EGID, 0),
        (AT_PLATFORM, platform),
        (AT_HWCAP, features.hwcap as u64),
        (AT_CLKTCK, CLOCK_TICKS),
        (AT_SECURE, 0),
        (AT_RANDOM, random),
        (AT_HWCAP2, 0),
        (AT_EXECFN, execfn),
    ];
    if let Some(vdso) = elf.vdso {
        auxv.push((AT_SYSINFO_EHDR, vdso));
    }
    auxv.push((AT_NULL, 0));

    AUXV.call_once(|| {
        auxv.iter()
            .flat_map(|&(key, value)| [key, value])
            .flat_map(u64::to_le_bytes)
            .collect()
    });

    let mut words: Vec<u64> = Vec::new();
    words.push(manifest.args.len() as u64);
    words.extend(argv.iter().rev());
    words.push(0);
    words.extend(envp.iter().rev());
    words.push(0);
    for &(key, value) in &auxv {
        words.push(key);
        words.push(value);
    }

    // The stack pointer must be 16-byte aligned where argc sits.
    let stack_pointer = (strings.bottom() - words.len() as u64 * 8) & !15;
    let mut vector = Vec::with_capacity(words.len() * 8);
    for word in &words {
        vector.extend_from_slice(&word.to_le_bytes());
    }
    copy_to_user(stack_pointer, &vector).map_err(|_| LoadError::OutOfMemory)?;
    copy_to_user(strings.bottom(), &strings.bytes).map_err(|_| LoadError::OutOfMemory)?;
    Ok(stack_pointer)
}
