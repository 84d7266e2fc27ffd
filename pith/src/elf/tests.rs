//! Checks against tiny hand-made ELF headers and the host's own binaries.

use super::*;

const EHDR64: usize = 64;
const PHDR64: usize = 56;

/// A little-endian ELF64 header with the given type and machine, followed by program
/// headers: each `(p_type, contents)`, with the contents appended after the headers.
fn elf64(e_type: u16, machine: u16, entry: u64, segments: &[(u32, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&e_type.to_le_bytes());
    out.extend_from_slice(&machine.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&entry.to_le_bytes());
    out.extend_from_slice(&(EHDR64 as u64).to_le_bytes()); // e_phoff
    out.extend_from_slice(&0u64.to_le_bytes()); // e_shoff
    out.extend_from_slice(&0u32.to_le_bytes()); // e_flags
    out.extend_from_slice(&(EHDR64 as u16).to_le_bytes());
    out.extend_from_slice(&(PHDR64 as u16).to_le_bytes());
    out.extend_from_slice(&(segments.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0; 6]); // e_shentsize, e_shnum, e_shstrndx
    assert_eq!(out.len(), EHDR64);

    let mut offset = EHDR64 + PHDR64 * segments.len();
    for (p_type, contents) in segments {
        out.extend_from_slice(&p_type.to_le_bytes());
        out.extend_from_slice(&4u32.to_le_bytes()); // p_flags
        out.extend_from_slice(&(offset as u64).to_le_bytes());
        out.extend_from_slice(&[0; 16]); // p_vaddr, p_paddr
        out.extend_from_slice(&(contents.len() as u64).to_le_bytes());
        out.extend_from_slice(&(contents.len() as u64).to_le_bytes());
        out.extend_from_slice(&1u64.to_le_bytes());
        offset += contents.len();
    }
    for (_, contents) in segments {
        out.extend_from_slice(contents);
    }
    out
}

const ET_REL: u16 = 1;
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;
const EM_X86_64: u16 = 62;
const PT_LOAD: u32 = 1;
const PT_INTERP: u32 = 3;
const INTERP: &[u8] = b"/lib64/ld-linux-x86-64.so.2\0";

#[test]
fn static_executable_is_accepted() {
    let data = elf64(ET_EXEC, EM_X86_64, 0x401000, &[(PT_LOAD, b"code")]);
    assert_eq!(check_bytes(&data).unwrap(), ProgramKind::Static);
}

#[test]
fn static_pie_is_accepted() {
    let data = elf64(ET_DYN, EM_X86_64, 0x1000, &[(PT_LOAD, b"code")]);
    assert_eq!(check_bytes(&data).unwrap(), ProgramKind::StaticPie);
}

#[test]
fn load_bias_follows_the_kernel() {
    let fixed = elf64(ET_EXEC, EM_X86_64, 0x401000, &[(PT_LOAD, b"code")]);
    assert_eq!(load_bias(&fixed).unwrap(), 0);
    let pie = elf64(ET_DYN, EM_X86_64, 0x1000, &[(PT_LOAD, b"code")]);
    assert_eq!(load_bias(&pie).unwrap(), 0x5555_5540_0000);

    // A 16 MiB segment alignment (p_align is the last field of the first program header).
    let mut aligned = pie;
    let p_align = EHDR64 + PHDR64 - 8;
    aligned[p_align..p_align + 8].copy_from_slice(&(16u64 << 20).to_le_bytes());
    assert_eq!(load_bias(&aligned).unwrap(), 0x5555_5600_0000);
}

#[test]
fn dynamic_executable_names_its_interpreter() {
    let data = elf64(
        ET_DYN,
        EM_X86_64,
        0x1000,
        &[(PT_INTERP, INTERP), (PT_LOAD, b"x")],
    );
    let dynamic = ProgramKind::Dynamic {
        position_independent: true,
    };
    assert_eq!(examine(&data).unwrap().0, dynamic);
    if KERNEL_LOADS_INTERPRETER {
        assert_eq!(check_bytes(&data).unwrap(), dynamic);
        return;
    }
    let problem = check_bytes(&data).unwrap_err();
    assert!(matches!(&problem, Problem::Dynamic(i) if i == "/lib64/ld-linux-x86-64.so.2"));
    assert!(problem.to_string().contains("rebuild it with -static"));
}

#[test]
fn shared_library_and_object_file_are_refused() {
    let library = elf64(ET_DYN, EM_X86_64, 0, &[(PT_LOAD, b"x")]);
    assert!(matches!(
        check_bytes(&library),
        Err(Problem::NotAProgram("a shared library"))
    ));
    let object = elf64(ET_REL, EM_X86_64, 0, &[]);
    assert!(matches!(check_bytes(&object), Err(Problem::NotAProgram(_))));
}

#[test]
fn wrong_architecture_is_named() {
    let data = elf64(ET_EXEC, 183, 0x400000, &[]);
    let problem = check_bytes(&data).unwrap_err();
    assert_eq!(
        problem.to_string(),
        "is built for AArch64; pith runs x86-64 programs: rebuild it for x86_64 Linux"
    );
}

#[test]
fn thirty_two_bit_is_refused() {
    // An ELF32 header for i386: class 1, then e_type and e_machine at the same offsets.
    let mut data = vec![0x7f, b'E', b'L', b'F', 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    data.extend_from_slice(&ET_EXEC.to_le_bytes());
    data.extend_from_slice(&3u16.to_le_bytes());
    data.resize(52, 0);
    let problem = check_bytes(&data).unwrap_err();
    assert!(matches!(&problem, Problem::ThirtyTwoBit(arch) if arch == "x86 (i386)"));
}

#[test]
fn other_operating_systems_are_refused() {
    let mut data = elf64(ET_EXEC, EM_X86_64, 0x401000, &[]);
    data[7] = 9; // ELFOSABI_FREEBSD
    assert!(matches!(check_bytes(&data), Err(Problem::WrongOs(os)) if os == "FreeBSD"));
}

#[test]
fn garbage_is_not_elf_and_truncation_is_damage() {
    assert!(matches!(check_bytes(b"#!/bin/sh\n"), Err(Problem::NotElf)));
    assert!(matches!(check_bytes(b""), Err(Problem::NotElf)));
    let data = elf64(ET_EXEC, EM_X86_64, 0x401000, &[(PT_LOAD, b"code")]);
    assert!(matches!(check_bytes(&data[..20]), Err(Problem::Damaged(_))));
    assert!(matches!(
        check_bytes(&data[..EHDR64 + 10]),
        Err(Problem::Damaged(_))
    ));
}

#[test]
fn host_files() {
    let missing = check(Path::new("/nonexistent/pith-test")).unwrap_err();
    assert!(matches!(missing.problem, Problem::Missing));
    assert_eq!(
        missing.to_string(),
        "/nonexistent/pith-test does not exist: check the path"
    );

    assert!(matches!(
        check(Path::new("/")).unwrap_err().problem,
        Problem::Directory
    ));
    let not_elf = check(Path::new("/proc/self/cmdline")).unwrap_err();
    assert!(matches!(not_elf.problem, Problem::NotElf));
}

#[test]
fn host_dynamic_binary_is_refused() {
    // The test binary itself is dynamically linked on a glibc host.
    let exe = std::env::current_exe().unwrap();
    assert!(matches!(inspect(&exe), Ok(ProgramKind::Dynamic { .. })));
    if !KERNEL_LOADS_INTERPRETER {
        let error = check(&exe).unwrap_err();
        assert!(matches!(error.problem, Problem::Dynamic(_)), "{error}");
    }
}

#[test]
fn not_executable_mode_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prog");
    fs::write(&path, elf64(ET_EXEC, EM_X86_64, 0x401000, &[])).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    assert!(matches!(
        check(&path).unwrap_err().problem,
        Problem::NotExecutableMode
    ));
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(check(&path).unwrap(), ProgramKind::Static);
}
