//! The signal frame a handler runs on, laid out as Linux's x86-64 `struct rt_sigframe`
//! (arch/x86/include/asm/sigframe.h, uapi/asm/sigcontext.h): return address, `ucontext_t`
//! with the interrupted registers, `siginfo_t`, and the XSAVE area, so that unwinders,
//! `getcontext`-style code and debuggers see what they expect. `rt_sigreturn` undoes it.

use alloc::vec;
use alloc::vec::Vec;

use super::scheduler;
use super::signal::{SigAction, SigInfo, SA_NODEFER, SA_ONSTACK, UNBLOCKABLE};
use super::thread::{AltStack, SS_ONSTACK};
use crate::arch::fpu::{self, FpuState};
use crate::arch::gdt::{USER_CODE, USER_DATA};
use crate::arch::trap::TrapFrame;
use crate::mm::user::{copy_from_user, copy_to_user};
use crate::mm::USER_END;
use crate::syscall::errno::Errno;

const RED_ZONE: u64 = 128;
const UCONTEXT_SIZE: u64 = 304;
const SIGINFO_SIZE: u64 = 128;
/// Offsets in `ucontext_t`.
const UC_STACK: usize = 16;
const UC_MCONTEXT: usize = 40;
const UC_SIGMASK: usize = 296;
/// `uc_flags`: XSAVE state present; SS saved and restored.
const UC_FP_XSTATE: u64 = 1;
const UC_SIGCONTEXT_SS: u64 = 2;
const UC_STRICT_RESTORE_SS: u64 = 4;
/// Markers of an extended (XSAVE) state in the FXSAVE area's software-reserved bytes.
const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
const SW_RESERVED: usize = 464;
/// RFLAGS bits user code may change (Linux's FIX_EFLAGS).
const USER_FLAGS: u64 = 0x0004_0dd5 | (1 << 16);

/// `sigcontext_64`: the general registers in Linux's order, then segments, error code,
/// trap number, old mask, CR2, the FPU state pointer and reserved words.
fn sigcontext(frame: &TrapFrame, old_mask: u64, fault_address: u64, fpstate: u64) -> [u64; 32] {
    let segments = USER_CODE as u64 | (USER_DATA as u64) << 48;
    [
        frame.r8,
        frame.r9,
        frame.r10,
        frame.r11,
        frame.r12,
        frame.r13,
        frame.r14,
        frame.r15,
        frame.rdi,
        frame.rsi,
        frame.rbp,
        frame.rbx,
        frame.rdx,
        frame.rax,
        frame.rcx,
        frame.rsp,
        frame.rip,
        frame.rflags,
        segments,
        frame.error_code,
        frame.vector,
        old_mask,
        fault_address,
        fpstate,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
    ]
}

fn words_to_bytes(words: &[u64]) -> Vec<u8> {
    words.iter().flat_map(|word| word.to_le_bytes()).collect()
}

/// The FPU state as the frame carries it: the XSAVE area with its software markers, then
/// the closing magic.
fn fpu_image(state: &FpuState) -> Vec<u8> {
    let size = fpu::area_size();
    let mut bytes = vec![0u8; size + 4];
    bytes[..size].copy_from_slice(state.bytes());
    bytes[SW_RESERVED..SW_RESERVED + 4].copy_from_slice(&FP_XSTATE_MAGIC1.to_le_bytes());
    bytes[SW_RESERVED + 4..SW_RESERVED + 8].copy_from_slice(&((size + 4) as u32).to_le_bytes());
    bytes[SW_RESERVED + 8..SW_RESERVED + 16]
        .copy_from_slice(&fpu::enabled_features().to_le_bytes());
    bytes[SW_RESERVED + 16..SW_RESERVED + 20].copy_from_slice(&(size as u32).to_le_bytes());
    bytes[size..].copy_from_slice(&FP_XSTATE_MAGIC2.to_le_bytes());
    bytes
}

/// Builds the frame for `info` and points the thread at the handler.
pub fn build(frame: &mut TrapFrame, info: &SigInfo, action: &SigAction) -> Result<(), Errno> {
    let (alt_stack, old_mask, fpu_bytes) = scheduler::with_current(|thread| {
        thread.fpu.save();
        let old_mask = thread.saved_mask.take().unwrap_or(thread.signal_mask);
        (thread.alt_stack, old_mask, fpu_image(&thread.fpu))
    });
    let on_alt_stack = alt_stack.contains(frame.rsp);
    let mut top = frame.rsp - RED_ZONE;
    if action.flags & SA_ONSTACK != 0
        && alt_stack.flags & super::thread::SS_DISABLE == 0
        && !on_alt_stack
    {
        top = alt_stack.base + alt_stack.size;
    }

    let fpstate = (top - fpu_bytes.len() as u64) & !63;
    // At the handler's first instruction RSP + 8 is 16-byte aligned, as after a call.
    let base = ((fpstate - 8 - UCONTEXT_SIZE - SIGINFO_SIZE) & !15) - 8;
    let ucontext = base + 8;
    let siginfo = ucontext + UCONTEXT_SIZE;
    if base < 4096 {
        return Err(Errno::EFAULT);
    }

    let fault_address = if info.from_fault { info.fields[0] } else { 0 };
    let stack_flags = if on_alt_stack {
        SS_ONSTACK
    } else {
        alt_stack.flags
    };
    let mut uc = words_to_bytes(&[
        UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS | UC_FP_XSTATE,
        0,
        alt_stack.base,
        stack_flags as u64,
        alt_stack.size,
    ]);
    uc.extend(words_to_bytes(&sigcontext(
        frame,
        old_mask,
        fault_address,
        fpstate,
    )));
    uc.extend(old_mask.to_le_bytes());

    copy_to_user(fpstate, &fpu_bytes)?;
    copy_to_user(base, &action.restorer.to_le_bytes())?;
    copy_to_user(ucontext, &uc)?;
    copy_to_user(siginfo, &info.to_bytes())?;

    frame.rip = action.handler;
    frame.rsp = base;
    frame.rdi = info.signal.0 as u64;
    frame.rsi = siginfo;
    frame.rdx = ucontext;
    frame.rax = 0;
    // Trap, direction and resume flags start clear in a handler.
    frame.rflags &= !((1 << 8) | (1 << 10) | (1 << 16));
    frame.cs = USER_CODE as u64;
    frame.ss = USER_DATA as u64;
    frame.vector = 0;

    let mut blocked = old_mask | action.mask;
    if action.flags & SA_NODEFER == 0 {
        blocked |= info.signal.bit();
    }
    scheduler::with_current(|thread| {
        thread.signal_mask = blocked & !UNBLOCKABLE;
        // Handlers start with a clean FPU state, as on Linux.
        FpuState::new().restore();
    });
    Ok(())
}

/// `rt_sigreturn`: restores what [`build`] saved, from the `ucontext_t` at the user stack
/// pointer. A damaged frame kills the thread with SIGSEGV.
pub fn restore(frame: &mut TrapFrame) -> Result<(), Errno> {
    let ucontext = frame.rsp;
    let mut bytes = vec![0u8; UCONTEXT_SIZE as usize];
    copy_from_user(&mut bytes, ucontext)?;
    let word = |offset: usize| {
        u64::from_le_bytes(bytes[offset..offset + 8].try_into().unwrap_or_default())
    };
    let register = |index: usize| word(UC_MCONTEXT + index * 8);

    let rip = register(16);
    if rip >= USER_END {
        return Err(Errno::EFAULT);
    }
    let fpstate = register(23);
    if fpstate != 0 {
        let mut area = vec![0u8; fpu::area_size()];
        copy_from_user(&mut area, fpstate)?;
        if !fpu::check_user_area(&area) {
            return Err(Errno::EFAULT);
        }
        scheduler::with_current(|thread| {
            thread.fpu.bytes_mut().copy_from_slice(&area);
            thread.fpu.restore();
        });
    }

    [
        frame.r8, frame.r9, frame.r10, frame.r11, frame.r12, frame.r13, frame.r14, frame.r15,
        frame.rdi, frame.rsi, frame.rbp, frame.rbx, frame.rdx, frame.rax, frame.rcx, frame.rsp,
    ] = core::array::from_fn(register);
    frame.rip = rip;
    frame.rflags = (0x202 & !USER_FLAGS) | (register(17) & USER_FLAGS) | 0x200;
    frame.cs = USER_CODE as u64;
    frame.ss = USER_DATA as u64;
    frame.vector = 0;

    let mask = word(UC_SIGMASK);
    let alt_stack = AltStack {
        base: word(UC_STACK),
        flags: word(UC_STACK + 8) as u32 & !SS_ONSTACK,
        size: word(UC_STACK + 16),
    };
    scheduler::with_current(|thread| {
        thread.signal_mask = mask & !UNBLOCKABLE;
        if !thread.alt_stack.contains(frame.rsp) {
            thread.alt_stack = alt_stack;
        }
    });
    Ok(())
}
