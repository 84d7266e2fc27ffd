//! What the dynamic linker reads from an ELF file before loading it: the interpreter
//! (PT_INTERP), the libraries it needs (DT_NEEDED), where to look for them (DT_RPATH,
//! DT_RUNPATH), its own name (DT_SONAME), and which functions it imports from glibc that make
//! glibc load more by name at run time. See elf(5) and ld.so(8).

use std::path::{Path, PathBuf};

use object::elf::{self, FileHeader64};
use object::read::elf::{FileHeader, ProgramHeader, Sym};
use object::Endianness;

use super::DepsError;

/// Imports that make glibc load NSS modules (nsswitch.conf(5)): name, user and group lookups.
const NSS_FUNCTIONS: &[&str] = &[
    "getaddrinfo",
    "getnameinfo",
    "gethostbyname",
    "gethostbyname2",
    "gethostbyname_r",
    "gethostbyname2_r",
    "gethostbyaddr",
    "gethostbyaddr_r",
    "getpwnam",
    "getpwnam_r",
    "getpwuid",
    "getpwuid_r",
    "getpwent",
    "getgrnam",
    "getgrnam_r",
    "getgrgid",
    "getgrgid_r",
    "getgrouplist",
    "initgroups",
    "getservbyname",
    "getservbyname_r",
    "getservbyport",
    "getservbyport_r",
    "getprotobyname",
    "getprotobyname_r",
    "getprotobynumber",
    "getprotobynumber_r",
];
/// Imports that make glibc load gconv modules (iconv(3)).
const ICONV_FUNCTIONS: &[&str] = &["iconv_open"];

/// The dynamic-linking facts of one ELF file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DynamicInfo {
    pub interpreter: Option<PathBuf>,
    pub needed: Vec<String>,
    /// DT_RPATH entries, unexpanded.
    pub rpath: Vec<String>,
    /// DT_RUNPATH entries, unexpanded.
    pub runpath: Vec<String>,
    pub soname: Option<String>,
    /// Imports a function that makes glibc load NSS modules.
    pub uses_nss: bool,
    /// Imports `iconv_open`, which makes glibc load gconv modules.
    pub uses_iconv: bool,
}

/// Reads the dynamic-linking facts of the ELF file at `path`.
pub fn read(path: &Path) -> Result<DynamicInfo, DepsError> {
    let data = std::fs::read(path).map_err(|source| DepsError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&data).map_err(|problem| DepsError::BadElf {
        path: path.to_owned(),
        problem,
    })
}

/// Whether `data` starts like a 64-bit little-endian x86-64 ELF file, the only kind the
/// dynamic linker of an x86-64 program loads.
pub fn is_x86_64(data: &[u8]) -> bool {
    const EI_CLASS: usize = 4;
    const EI_DATA: usize = 5;
    const E_MACHINE: usize = 18;
    data.starts_with(&elf::ELFMAG)
        && data.get(EI_CLASS) == Some(&elf::ELFCLASS64.0)
        && data.get(EI_DATA) == Some(&elf::ELFDATA2LSB.0)
        && data.get(E_MACHINE..E_MACHINE + 2) == Some(&elf::EM_X86_64.0.to_le_bytes()[..])
}

/// Parses the dynamic-linking facts out of an ELF file's bytes.
pub fn parse(data: &[u8]) -> Result<DynamicInfo, &'static str> {
    if !is_x86_64(data) {
        return Err("it is not a 64-bit x86-64 ELF file");
    }
    let header = FileHeader64::<Endianness>::parse(data).map_err(|_| "its header is invalid")?;
    let endian = header.endian().map_err(|_| "its header is invalid")?;
    let mut info = DynamicInfo {
        interpreter: interpreter(header, endian, data)?,
        ..DynamicInfo::default()
    };

    let sections = header
        .sections(endian, data)
        .map_err(|_| "its section headers are invalid")?;
    let table = sections
        .dynamic_table(endian, data)
        .map_err(|_| "its dynamic section is invalid")?;
    for entry in &table {
        let text = || -> Result<String, &'static str> {
            let bytes = table
                .string(entry)
                .map_err(|_| "a dynamic string is invalid")?;
            Ok(String::from_utf8_lossy(bytes).into_owned())
        };
        match entry.tag {
            elf::DT_NEEDED => info.needed.push(text()?),
            elf::DT_RPATH => info.rpath.extend(split_path_list(&text()?)),
            elf::DT_RUNPATH => info.runpath.extend(split_path_list(&text()?)),
            elf::DT_SONAME => info.soname = Some(text()?),
            _ => {}
        }
    }

    let symbols = sections
        .symbols(endian, data, elf::SHT_DYNSYM)
        .map_err(|_| "its dynamic symbol table is invalid")?;
    for symbol in symbols
        .symbols()
        .iter()
        .filter(|symbol| symbol.is_undefined(endian))
    {
        let Ok(name) = symbol.name(endian, symbols.strings()) else {
            continue;
        };
        let name = std::str::from_utf8(name).unwrap_or("");
        info.uses_nss |= NSS_FUNCTIONS.contains(&name);
        info.uses_iconv |= ICONV_FUNCTIONS.contains(&name);
    }
    Ok(info)
}

fn interpreter(
    header: &FileHeader64<Endianness>,
    endian: Endianness,
    data: &[u8],
) -> Result<Option<PathBuf>, &'static str> {
    let program_headers = header
        .program_headers(endian, data)
        .map_err(|_| "its program headers are invalid")?;
    for program_header in program_headers {
        let interpreter = program_header
            .interpreter(endian, data)
            .map_err(|_| "its PT_INTERP segment is invalid")?;
        if let Some(path) = interpreter {
            return Ok(Some(PathBuf::from(
                String::from_utf8_lossy(path).into_owned(),
            )));
        }
    }
    Ok(None)
}

/// `DT_RPATH` and `DT_RUNPATH` are colon-separated lists.
fn split_path_list(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(':').map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_host_program() {
        let info = read(Path::new("/bin/ls")).unwrap();
        assert_eq!(
            info.interpreter.as_deref(),
            Some(Path::new("/lib64/ld-linux-x86-64.so.2"))
        );
        assert!(info.needed.contains(&"libc.so.6".to_owned()), "{info:?}");
        assert_eq!(info.soname, None);
        assert!(info.uses_nss, "ls looks up user names: {info:?}");
    }

    #[test]
    fn reads_a_library_name() {
        let info = read(Path::new("/lib/x86_64-linux-gnu/libm.so.6")).unwrap();
        assert_eq!(info.soname.as_deref(), Some("libm.so.6"));
        assert_eq!(info.interpreter, None);
        assert!(info.needed.contains(&"libc.so.6".to_owned()), "{info:?}");
    }

    #[test]
    fn refuses_what_is_not_x86_64() {
        assert!(parse(b"#!/bin/sh\n").is_err());
        let mut header = std::fs::read("/bin/ls").unwrap();
        header.truncate(64);
        header[4] = elf::ELFCLASS32.0;
        assert!(!is_x86_64(&header));
    }
}
