//! The SYSCALL instruction's entry point and MSR setup.
//!
//! The entry builds the same [`TrapFrame`] an exception does, so that signal delivery and
//! `rt_sigreturn` see one layout; the error-code slot keeps the syscall number, so that an
//! interrupted call can be restarted. It returns with SYSRET when the frame still holds what
//! SYSCALL left (RCX = RIP, R11 = RFLAGS, a user RIP), and with IRETQ otherwise.

use core::arch::global_asm;

use x86_64::registers::model_specific::{Efer, EferFlags, LStar, SFMask, Star};
use x86_64::registers::rflags::RFlags;
use x86_64::structures::gdt::SegmentSelector;
use x86_64::{PrivilegeLevel, VirtAddr};

use super::gdt::{KERNEL_CODE, KERNEL_DATA, USER_CODE, USER_DATA};
use super::trap::{TrapFrame, SYSCALL_VECTOR};

global_asm!(
    r#"
    .text
    .global syscall_entry
syscall_entry:
    swapgs
    mov gs:[8], rsp
    mov rsp, gs:[16]
    push {user_data}
    push qword ptr gs:[8]
    push r11
    push {user_code}
    push rcx
    push rax
    push {vector}
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp
    cld
    call syscall_dispatch
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16
    cmp rcx, [rsp]
    jne 1f
    cmp r11, [rsp + 16]
    jne 1f
    bt rcx, 47
    jc 1f
    swapgs
    mov rsp, [rsp + 24]
    sysretq
1:
    swapgs
    iretq
"#,
    user_data = const USER_DATA,
    user_code = const USER_CODE,
    vector = const SYSCALL_VECTOR,
);

extern "C" {
    fn syscall_entry();
}

#[no_mangle]
extern "C" fn syscall_dispatch(frame: &mut TrapFrame) {
    crate::syscall::dispatch(frame);
}

/// Points the SYSCALL instruction at the entry above.
pub fn init() {
    // SAFETY: the selectors follow the GDT layout in gdt.rs, which is what STAR needs.
    unsafe {
        Efer::update(|efer| efer.insert(EferFlags::SYSTEM_CALL_EXTENSIONS));
    }
    Star::write(
        SegmentSelector::new(USER_CODE >> 3, PrivilegeLevel::Ring3),
        SegmentSelector::new(USER_DATA >> 3, PrivilegeLevel::Ring3),
        SegmentSelector::new(KERNEL_CODE >> 3, PrivilegeLevel::Ring0),
        SegmentSelector::new(KERNEL_DATA >> 3, PrivilegeLevel::Ring0),
    )
    .expect("the GDT layout satisfies STAR's constraints");
    LStar::write(VirtAddr::new(syscall_entry as *const () as u64));
    // Interrupts, direction, trap and alignment-check flags are cleared on entry.
    SFMask::write(
        RFlags::INTERRUPT_FLAG
            | RFlags::DIRECTION_FLAG
            | RFlags::TRAP_FLAG
            | RFlags::ALIGNMENT_CHECK
            | RFlags::NESTED_TASK,
    );
}
