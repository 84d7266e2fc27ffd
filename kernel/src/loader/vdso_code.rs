//! The vDSO's machine code: `clock_gettime`, `gettimeofday`, `time` and `getcpu` for the
//! application, run in ring 3 without entering the kernel.
//!
//! The code is position independent and uses no relocations: it finds its data page (the
//! "vvar" page: TSC at boot, nanoseconds per tick times 2^32, wall time at boot) as the page
//! just below the one it runs in. The kernel copies the bytes between `vdso_code_start` and
//! `vdso_code_end` into the vDSO image (`vdso.rs`), so they are assembled here only to be
//! copied, never run in place.

use core::arch::global_asm;

global_asm!(
    r#"
    .section .rodata.vdso, "a"
    .balign 16
    .global vdso_code_start
vdso_code_start:

    // rax = nanoseconds on the monotonic clock (r8 = 0) or since the epoch (r8 != 0).
    // Clobbers rcx, rdx, r9.
vdso_now:
    lea r9, [rip]
    and r9, -4096
    sub r9, 4096
    rdtsc
    shl rdx, 32
    or rax, rdx
    sub rax, [r9]
    mul qword ptr [r9 + 8]
    shrd rax, rdx, 32
    test r8, r8
    jz 1f
    add rax, [r9 + 16]
1:
    ret

    .global vdso_clock_gettime
vdso_clock_gettime:
    xor r8d, r8d
    cmp edi, 1
    je 2f
    cmp edi, 4
    je 2f
    cmp edi, 6
    je 2f
    cmp edi, 7
    je 2f
    mov r8d, 1
    cmp edi, 0
    je 2f
    cmp edi, 5
    je 2f
    // Any other clock: the real syscall.
    mov eax, 228
    syscall
    ret
2:
    call vdso_now
    xor edx, edx
    mov rcx, 1000000000
    div rcx
    mov [rsi], rax
    mov [rsi + 8], rdx
    xor eax, eax
    ret

    .global vdso_gettimeofday
vdso_gettimeofday:
    test rdi, rdi
    jz 3f
    mov r8d, 1
    call vdso_now
    xor edx, edx
    mov rcx, 1000000000
    div rcx
    mov [rdi], rax
    mov rax, rdx
    xor edx, edx
    mov rcx, 1000
    div rcx
    mov [rdi + 8], rax
3:
    test rsi, rsi
    jz 4f
    mov qword ptr [rsi], 0
4:
    xor eax, eax
    ret

    .global vdso_time
vdso_time:
    mov r8d, 1
    call vdso_now
    xor edx, edx
    mov rcx, 1000000000
    div rcx
    test rdi, rdi
    jz 5f
    mov [rdi], rax
5:
    ret

    .global vdso_getcpu
vdso_getcpu:
    test rdi, rdi
    jz 6f
    mov dword ptr [rdi], 0
6:
    test rsi, rsi
    jz 7f
    mov dword ptr [rsi], 0
7:
    xor eax, eax
    ret

    .global vdso_code_end
vdso_code_end:
    .text
"#
);

extern "C" {
    static vdso_code_start: u8;
    static vdso_code_end: u8;
    static vdso_clock_gettime: u8;
    static vdso_gettimeofday: u8;
    static vdso_time: u8;
    static vdso_getcpu: u8;
}

/// The code bytes, to be copied into the vDSO image.
pub fn code() -> &'static [u8] {
    let start = &raw const vdso_code_start;
    let end = &raw const vdso_code_end;
    // SAFETY: both symbols delimit the assembled block above, in read-only data.
    unsafe { core::slice::from_raw_parts(start, end as usize - start as usize) }
}

/// The exported functions: name and offset from the start of [`code`].
pub fn functions() -> [(&'static str, usize); 4] {
    let start = &raw const vdso_code_start as usize;
    let offset = |symbol: *const u8| symbol as usize - start;
    [
        (
            "__vdso_clock_gettime",
            offset(&raw const vdso_clock_gettime),
        ),
        ("__vdso_gettimeofday", offset(&raw const vdso_gettimeofday)),
        ("__vdso_time", offset(&raw const vdso_time)),
        ("__vdso_getcpu", offset(&raw const vdso_getcpu)),
    ]
}
