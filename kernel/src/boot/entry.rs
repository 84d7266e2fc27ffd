//! The PVH entry point: 32-bit protected mode to 64-bit long mode in the higher half.
//!
//! QEMU, Firecracker and Cloud Hypervisor find the entry through the
//! `XEN_ELFNOTE_PHYS32_ENTRY` note and jump there with paging off and `%ebx` holding the
//! physical address of `hvm_start_info` (xen/include/public/arch-x86/hvm/start_info.h).
//! The code maps the first 4 GiB three times (identity, the physical-memory window and the
//! kernel window), enters long mode and calls [`crate::kernel_entry`] on the boot stack.

use core::arch::global_asm;

/// The boot stack, used until the kernel's first thread exists.
#[no_mangle]
#[used]
static mut BOOT_STACK: BootStack = BootStack([0; BOOT_STACK_SIZE]);

pub const BOOT_STACK_SIZE: usize = 64 * 1024;

#[repr(C, align(4096))]
pub struct BootStack([u8; BOOT_STACK_SIZE]);

global_asm!(
    r#"
    .section .note.pvh, "a", @note
    .balign 4
    .long 4
    .long 8
    .long 18
    .asciz "Xen"
    .balign 4
    .quad pvh_start32

    .section .boot.text, "ax"
    .code32
    .global pvh_start32
pvh_start32:
    cli
    cld
    mov %ebx, %esi

    mov $boot_pml4, %edi
    xor %eax, %eax
    mov $(6 * 1024), %ecx
    rep stosl

    mov $boot_pdpt, %eax
    or $3, %eax
    mov %eax, boot_pml4
    mov %eax, boot_pml4 + 256 * 8
    mov %eax, boot_pml4 + 384 * 8

    mov $boot_pd, %eax
    or $3, %eax
    mov $boot_pdpt, %edi
    mov $4, %ecx
1:
    mov %eax, (%edi)
    add $4096, %eax
    add $8, %edi
    loop 1b

    mov $boot_pd, %edi
    mov $0x83, %eax
    mov $2048, %ecx
2:
    mov %eax, (%edi)
    add $0x200000, %eax
    add $8, %edi
    loop 2b

    mov %cr4, %eax
    or $(1 << 5), %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3

    mov $0xC0000080, %ecx
    rdmsr
    or $((1 << 8) | (1 << 11)), %eax
    wrmsr

    mov %cr0, %eax
    or $((1 << 31) | (1 << 16) | 1), %eax
    mov %eax, %cr0

    lgdt boot_gdt_pointer
    ljmp $0x08, $boot_long_mode

    .code64
boot_long_mode:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %eax, %eax
    mov %ax, %fs
    mov %ax, %gs
    movabs $BOOT_STACK + {stack_size}, %rsp
    mov %esi, %edi
    xor %ebp, %ebp
    movabs $kernel_entry, %rax
    call *%rax
    ud2

    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff
    .quad 0x00cf92000000ffff
boot_gdt_pointer:
    .word boot_gdt_pointer - boot_gdt - 1
    .long boot_gdt

    .section .boot.bss, "aw", @nobits
    .balign 4096
boot_pml4:
    .skip 4096
boot_pdpt:
    .skip 4096
boot_pd:
    .skip 4 * 4096
    .text
"#,
    stack_size = const BOOT_STACK_SIZE,
    options(att_syntax)
);
