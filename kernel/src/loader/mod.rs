//! Starting the application: its ELF segments (and those of its dynamic linker, named by
//! `PT_INTERP`) become areas of the address space, and its initial stack gets argc, argv,
//! envp and the auxiliary vector.

mod elf;
mod stack;
mod vdso;
mod vdso_code;

use alloc::vec::Vec;
use core::fmt;

use pith_image::{EntryKind, Image};

pub use elf::{load_bias, LoadedElf};
pub use stack::{CLOCK_TICKS, STACK_SIZE, STACK_TOP};

/// The auxiliary vector given to the program (`/proc/self/auxv`).
pub fn auxiliary_vector() -> alloc::vec::Vec<u8> {
    stack::AUXV.get().cloned().unwrap_or_default()
}

/// Why the program could not be started.
#[derive(Debug)]
pub enum LoadError {
    /// The manifest names a program that is not in the image.
    ProgramMissing,
    /// The program's dynamic linker is not in the image.
    InterpreterMissing,
    /// Not a 64-bit x86 executable, or its headers are inconsistent.
    BadElf(&'static str),
    /// No memory for the stack or the page tables.
    OutOfMemory,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::ProgramMissing => write!(f, "the program is not in the image"),
            LoadError::BadElf(why) => write!(f, "the program is not a valid x86-64 ELF: {why}"),
            LoadError::InterpreterMissing => {
                write!(
                    f,
                    "the program's dynamic linker (PT_INTERP) is not in the image"
                )
            }
            LoadError::OutOfMemory => write!(f, "out of memory while loading the program"),
        }
    }
}

/// Where the application starts.
pub struct Start {
    pub entry: u64,
    pub stack_pointer: u64,
}

/// Maps the manifest's program and builds its stack.
pub fn load(
    image: &Image<'static>,
    features: &crate::arch::cpu::Features,
) -> Result<Start, LoadError> {
    let manifest = image.manifest();
    let program = find_file(image, &manifest.program).ok_or(LoadError::ProgramMissing)?;
    let mut loaded = elf::load(program, elf::Placement::Program)?;
    let mut entry = loaded.entry;
    if let Some(path) = loaded.interpreter.take() {
        let interpreter = find_file(image, &path).ok_or(LoadError::InterpreterMissing)?;
        let linker = elf::load(interpreter, elf::Placement::Interpreter)?;
        loaded.interpreter_base = elf::INTERPRETER_BASE;
        entry = linker.entry;
    }
    loaded.vdso = vdso::map();
    let stack_pointer = stack::build(manifest, &loaded, features)?;
    Ok(Start {
        entry,
        stack_pointer,
    })
}

/// The most symbolic links followed to find one file, as Linux's limit.
const MAX_LINKS: usize = 40;

/// The data of the regular file at absolute `path` in the image, following symbolic links
/// in every component (the dynamic linker is usually reached through links such as
/// `/lib64 -> usr/lib64` and `ld-linux-x86-64.so.2 -> ...`).
fn find_file(image: &Image<'static>, path: &[u8]) -> Option<&'static [u8]> {
    let mut pending: Vec<Vec<u8>> = components(path);
    pending.reverse();
    let mut resolved: Vec<Vec<u8>> = Vec::new();
    let mut links = 0;
    while let Some(name) = pending.pop() {
        match name.as_slice() {
            b"." => continue,
            b".." => {
                resolved.pop();
                continue;
            }
            _ => resolved.push(name),
        }
        let entry = image.find(&join(&resolved))?;
        if entry.kind == EntryKind::Symlink {
            links += 1;
            if links > MAX_LINKS {
                return None;
            }
            resolved.pop();
            if entry.data.starts_with(b"/") {
                resolved.clear();
            }
            pending.extend(components(entry.data).into_iter().rev());
        }
    }
    let entry = image.find(&join(&resolved))?;
    (entry.kind == EntryKind::File).then_some(entry.data)
}

fn components(path: &[u8]) -> Vec<Vec<u8>> {
    path.split(|&byte| byte == b'/')
        .filter(|part| !part.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn join(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut path = Vec::new();
    for part in parts {
        path.push(b'/');
        path.extend_from_slice(part);
    }
    path
}
