//! Switching between threads' kernel stacks.
//!
//! A thread that is not running has, at the saved stack pointer, its callee-saved
//! registers and a return address. A new thread's stack is prepared so that the first
//! switch to it "returns" into [`thread_trampoline`], which enters user mode through the
//! ordinary trap return path with the [`TrapFrame`] laid out above.

use core::arch::global_asm;

use super::trap::TrapFrame;

global_asm!(
    r#"
    .text
    .global switch_context
switch_context:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp
    mov rsp, rsi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

    .global thread_trampoline
thread_trampoline:
    jmp trap_return
"#
);

extern "C" {
    /// Saves the current context, storing its stack pointer in `*save_to`, and resumes the
    /// context whose stack pointer is `resume`.
    fn switch_context(save_to: *mut u64, resume: u64);
    fn thread_trampoline();
}

/// Switches to another thread's kernel context.
///
/// # Safety
/// `save_to` must stay valid until this context is resumed, and `resume` must be a stack
/// pointer saved by this function or prepared by [`prepare_new_stack`], on a stack that
/// stays mapped.
pub unsafe fn switch(save_to: *mut u64, resume: u64) {
    // SAFETY: guaranteed by the caller.
    unsafe { switch_context(save_to, resume) }
}

/// Callee-saved registers popped by `switch_context` before it returns.
const SAVED_REGISTERS: usize = 6;

/// Lays out a new thread's kernel stack ending at `stack_top` so that switching to it
/// enters user mode with `frame`; returns the stack pointer to resume.
///
/// # Safety
/// `stack_top` must be the top of a mapped, writable kernel stack owned by the new thread,
/// with room for a `TrapFrame` and eight more words.
pub unsafe fn prepare_new_stack(stack_top: u64, frame: &TrapFrame) -> u64 {
    let frame_address = stack_top - core::mem::size_of::<TrapFrame>() as u64;
    let words = frame_address as *mut u64;
    // SAFETY: the caller guarantees the stack is mapped and ours; everything written is
    // below `stack_top`.
    unsafe {
        core::ptr::write(frame_address as *mut TrapFrame, *frame);
        let return_slot = words.sub(1);
        return_slot.write(thread_trampoline as *const () as u64);
        let registers = return_slot.sub(SAVED_REGISTERS);
        for index in 0..SAVED_REGISTERS {
            registers.add(index).write(0);
        }
        registers as u64
    }
}
