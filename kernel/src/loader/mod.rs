//! Starting the application: its ELF segments become areas of the address space and its
//! initial stack gets argc, argv, envp and the auxiliary vector.

mod elf;
mod stack;

use core::fmt;

use pith_image::Image;

pub use elf::LoadedElf;
pub use stack::{STACK_SIZE, STACK_TOP};

/// The auxiliary vector given to the program (`/proc/self/auxv`).
pub fn auxiliary_vector() -> alloc::vec::Vec<u8> {
    stack::AUXV.get().cloned().unwrap_or_default()
}

/// Why the program could not be started.
#[derive(Debug)]
pub enum LoadError {
    /// The manifest names a program that is not in the image.
    ProgramMissing,
    /// Not a 64-bit x86 executable, or its headers are inconsistent.
    BadElf(&'static str),
    /// The program needs a dynamic linker (not supported yet).
    Dynamic,
    /// No memory for the stack or the page tables.
    OutOfMemory,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::ProgramMissing => write!(f, "the program is not in the image"),
            LoadError::BadElf(why) => write!(f, "the program is not a valid x86-64 ELF: {why}"),
            LoadError::Dynamic => write!(
                f,
                "the program is dynamically linked, which is not supported yet"
            ),
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
    let program = image
        .find(&manifest.program)
        .ok_or(LoadError::ProgramMissing)?;
    let loaded = elf::load(program.data)?;
    let stack_pointer = stack::build(manifest, &loaded, features)?;
    Ok(Start {
        entry: loaded.entry,
        stack_pointer,
    })
}
