//! Checks that a file is a program pith can run: a 64-bit x86-64 Linux ELF executable,
//! linked statically (ET_EXEC, or ET_DYN without PT_INTERP: static-pie), or dynamically once
//! the kernel loads interpreters ([`KERNEL_LOADS_INTERPRETER`]). The file is read, never run.
//! See elf(5).

use std::fmt;
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use object::elf::{self, FileHeader32, FileHeader64};
use object::read::elf::{FileHeader, ProgramHeader};
use object::Endianness;
use thiserror::Error;

/// Whether the kernel built into pith loads a program's interpreter (PT_INTERP), the dynamic
/// linker, and so runs dynamically linked programs. While it does not, `pith run` and
/// `pith build` refuse them with the advice to link statically, and only
/// `pith build --list-files` packs them (docs/manifest.md). Set it to `true` in the change
/// that makes kernel/src/loader load PT_INTERP.
pub const KERNEL_LOADS_INTERPRETER: bool = true;

/// What kind of runnable program a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgramKind {
    /// ET_EXEC without an interpreter: loaded at the addresses it was linked for.
    Static,
    /// ET_DYN without an interpreter: relocates itself wherever it is loaded.
    StaticPie,
    /// With an interpreter, which loads it and its shared libraries; ET_DYN if
    /// `position_independent`.
    Dynamic { position_independent: bool },
}

impl fmt::Display for ProgramKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProgramKind::Static => "static x86-64 executable",
            ProgramKind::StaticPie => "static-pie x86-64 executable",
            ProgramKind::Dynamic { .. } => "dynamically linked x86-64 executable",
        })
    }
}

/// Why a file cannot be run; shown after the file's name.
#[derive(Debug, Error)]
pub enum Problem {
    #[error("does not exist: check the path")]
    Missing,
    #[error("is a directory, not a program: name the executable inside it")]
    Directory,
    #[error("cannot be read ({0})")]
    Unreadable(io::Error),
    #[error("is not marked executable: make it so with `chmod +x`")]
    NotExecutableMode,
    #[error("is not an ELF executable (pith runs Linux x86-64 programs)")]
    NotElf,
    #[error("is a damaged ELF file ({0}): rebuild it")]
    Damaged(&'static str),
    #[error("is a 32-bit program built for {0}; pith runs 64-bit x86-64 programs: rebuild it for x86_64")]
    ThirtyTwoBit(String),
    #[error("is built for {0}; pith runs x86-64 programs: rebuild it for x86_64 Linux")]
    WrongArchitecture(String),
    #[error("is built for {0}, not Linux: rebuild it for x86_64 Linux")]
    WrongOs(String),
    #[error("is {0}, not a program: link it into an executable")]
    NotAProgram(&'static str),
    #[error(
        "is dynamically linked (interpreter {0}); pith runs static programs for now: rebuild it \
         with -static (gcc) or -C target-feature=+crt-static (Rust)"
    )]
    Dynamic(String),
}

/// A file that cannot be run, and why.
#[derive(Debug, Error)]
#[error("{} {problem}", path.display())]
pub struct ElfError {
    pub path: PathBuf,
    pub problem: Problem,
}

/// Checks that `path` is an x86-64 Linux executable the kernel can run.
pub fn check(path: &Path) -> Result<ProgramKind, ElfError> {
    check_file(path, check_bytes)
}

/// Checks that `path` is an x86-64 Linux executable, static or dynamic, whether or not the
/// kernel can run it yet.
pub fn inspect(path: &Path) -> Result<ProgramKind, ElfError> {
    check_file(path, |data| examine(data).map(|(kind, _)| kind))
}

fn check_file(
    path: &Path,
    check_bytes: impl FnOnce(&[u8]) -> Result<ProgramKind, Problem>,
) -> Result<ProgramKind, ElfError> {
    let error = |problem| ElfError {
        path: path.to_owned(),
        problem,
    };
    let metadata = fs::metadata(path).map_err(|e| error(io_problem(e)))?;
    if metadata.is_dir() {
        return Err(error(Problem::Directory));
    }
    let data = fs::read(path).map_err(|e| error(io_problem(e)))?;

    let kind = check_bytes(&data).map_err(error)?;
    // Checked last, so that a file that is no program at all is named as such.
    if metadata.permissions().mode() & 0o111 == 0 {
        return Err(error(Problem::NotExecutableMode));
    }
    Ok(kind)
}

fn io_problem(error: io::Error) -> Problem {
    match error.kind() {
        io::ErrorKind::NotFound => Problem::Missing,
        _ => Problem::Unreadable(error),
    }
}

/// Checks the bytes of an ELF file: a program the kernel can run.
pub fn check_bytes(data: &[u8]) -> Result<ProgramKind, Problem> {
    match examine(data)? {
        (ProgramKind::Dynamic { .. }, Some(interpreter)) if !KERNEL_LOADS_INTERPRETER => {
            Err(Problem::Dynamic(interpreter))
        }
        (kind, _) => Ok(kind),
    }
}

/// The kind of program the bytes of an ELF file are, and its interpreter if it has one.
fn examine(data: &[u8]) -> Result<(ProgramKind, Option<String>), Problem> {
    if !data.starts_with(&elf::ELFMAG) {
        return Err(Problem::NotElf);
    }
    if data.get(4) == Some(&elf::ELFCLASS32.0) {
        let header = FileHeader32::<Endianness>::parse(data).map_err(|_| damaged_header())?;
        let endian = header.endian().map_err(|_| damaged_header())?;
        return Err(Problem::ThirtyTwoBit(machine_name(
            header.e_machine(endian),
        )));
    }

    let header = FileHeader64::<Endianness>::parse(data).map_err(|_| damaged_header())?;
    let endian = header.endian().map_err(|_| damaged_header())?;
    let machine = header.e_machine(endian);
    if machine != elf::EM_X86_64 || !header.is_little_endian() {
        return Err(Problem::WrongArchitecture(machine_name(machine)));
    }
    check_os(header.e_ident().os_abi)?;

    let interpreter = interpreter(header, endian, data)?;
    let kind = match (header.e_type(endian), &interpreter) {
        (elf::ET_EXEC, Some(_)) => ProgramKind::Dynamic {
            position_independent: false,
        },
        (elf::ET_DYN, Some(_)) => ProgramKind::Dynamic {
            position_independent: true,
        },
        (elf::ET_EXEC, None) => ProgramKind::Static,
        (elf::ET_DYN, None) if header.e_entry(endian) != 0 => ProgramKind::StaticPie,
        (elf::ET_DYN, None) => return Err(Problem::NotAProgram("a shared library")),
        (elf::ET_REL, _) => return Err(Problem::NotAProgram("an object file (ET_REL)")),
        (elf::ET_CORE, _) => return Err(Problem::NotAProgram("a core dump")),
        _ => return Err(Problem::NotAProgram("an ELF file of unknown type")),
    };
    Ok((kind, interpreter))
}

/// Where the kernel places a static-pie program: Linux's `ELF_ET_DYN_BASE`, rounded up to the
/// program's largest segment alignment. This mirrors `PIE_BASE` in kernel/src/loader/elf.rs
/// (there is no randomization), and must change with it: `pith run --gdb` tells gdb where
/// the program is before the kernel has loaded it.
const PIE_BASE: u64 = 0x5555_5540_0000;

/// What the kernel adds to the ELF addresses of the program `data` when it loads it: 0 for
/// a fixed-address executable.
pub fn load_bias(data: &[u8]) -> Result<u64, Problem> {
    let kind = check_bytes(data)?;
    let fixed = ProgramKind::Dynamic {
        position_independent: false,
    };
    if kind == ProgramKind::Static || kind == fixed {
        return Ok(0);
    }
    let header = FileHeader64::<Endianness>::parse(data).map_err(|_| damaged_header())?;
    let endian = header.endian().map_err(|_| damaged_header())?;
    let program_headers = header
        .program_headers(endian, data)
        .map_err(|_| Problem::Damaged("its program headers run past the end of the file"))?;
    let alignment = program_headers
        .iter()
        .filter(|segment| segment.p_type(endian) == elf::PT_LOAD)
        .map(|segment| segment.p_align(endian))
        .filter(|align| align.is_power_of_two())
        .max()
        .unwrap_or(1);
    PIE_BASE
        .checked_next_multiple_of(alignment)
        .ok_or(Problem::Damaged("a segment alignment is too large"))
}

fn damaged_header() -> Problem {
    Problem::Damaged("its header is truncated or invalid")
}

/// The program's PT_INTERP, if it has one.
fn interpreter(
    header: &FileHeader64<Endianness>,
    endian: Endianness,
    data: &[u8],
) -> Result<Option<String>, Problem> {
    let program_headers = header
        .program_headers(endian, data)
        .map_err(|_| Problem::Damaged("its program headers run past the end of the file"))?;
    for program_header in program_headers {
        let interpreter = program_header
            .interpreter(endian, data)
            .map_err(|_| Problem::Damaged("its PT_INTERP segment is invalid"))?;
        if let Some(interpreter) = interpreter {
            return Ok(Some(String::from_utf8_lossy(interpreter).into_owned()));
        }
    }
    Ok(None)
}

/// Linux programs say System V (most) or GNU/Linux; other systems' ABIs are refused here
/// rather than failing strangely inside the VM.
fn check_os(os_abi: elf::OsAbi) -> Result<(), Problem> {
    let other = match os_abi {
        elf::ELFOSABI_NONE | elf::ELFOSABI_GNU => return Ok(()),
        elf::ELFOSABI_FREEBSD => "FreeBSD".to_owned(),
        elf::ELFOSABI_NETBSD => "NetBSD".to_owned(),
        elf::ELFOSABI_OPENBSD => "OpenBSD".to_owned(),
        elf::ELFOSABI_SOLARIS => "Solaris".to_owned(),
        other => format!("another operating system (ELF OS ABI {})", other.0),
    };
    Err(Problem::WrongOs(other))
}

fn machine_name(machine: elf::Machine) -> String {
    let name = match machine {
        elf::EM_X86_64 => "x86-64",
        elf::EM_386 => "x86 (i386)",
        elf::EM_AARCH64 => "AArch64",
        elf::EM_ARM => "ARM",
        elf::EM_RISCV => "RISC-V",
        elf::EM_PPC64 => "PowerPC 64",
        elf::EM_PPC => "PowerPC",
        elf::EM_S390 => "s390x",
        elf::EM_MIPS => "MIPS",
        elf::EM_LOONGARCH => "LoongArch",
        elf::EM_SPARCV9 => "SPARC 64",
        other => return format!("an unknown machine (ELF machine {})", other.0),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests;
