//! The first switch to ring 3.

use super::gdt::{USER_CODE, USER_DATA};

/// RFLAGS for user code: interrupts on, reserved bit 1 set.
pub const USER_RFLAGS: u64 = 0x202;

/// Starts the application at `entry` with stack pointer `stack`, all other registers
/// zero (the x86-64 ABI's initial state: `%rdx` 0 means no exit handler to register).
pub fn enter_user(entry: u64, stack: u64) -> ! {
    // SAFETY: `entry` and `stack` are user addresses the loader mapped; the GS swap leaves
    // the per-CPU pointer in KERNEL_GS_BASE for the next entry to the kernel.
    unsafe {
        core::arch::asm!(
            "swapgs",
            "push {user_data}",
            "push {stack}",
            "push {rflags}",
            "push {user_code}",
            "push {entry}",
            "xor eax, eax",
            "xor ebx, ebx",
            "xor ecx, ecx",
            "xor edx, edx",
            "xor esi, esi",
            "xor edi, edi",
            "xor ebp, ebp",
            "xor r8d, r8d",
            "xor r9d, r9d",
            "xor r10d, r10d",
            "xor r11d, r11d",
            "xor r12d, r12d",
            "xor r13d, r13d",
            "xor r14d, r14d",
            "xor r15d, r15d",
            "iretq",
            user_data = const USER_DATA as u64,
            user_code = const USER_CODE as u64,
            rflags = const USER_RFLAGS,
            stack = in(reg) stack,
            entry = in(reg) entry,
            options(noreturn)
        );
    }
}
