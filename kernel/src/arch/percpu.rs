//! Per-CPU data, reached through the GS base as the SYSCALL entry needs it.
//!
//! One CPU for now; the layout is what the entry code in `syscall_entry.rs` expects, so
//! the offsets below must not change without it.

use x86_64::registers::model_specific::{GsBase, KernelGsBase};
use x86_64::VirtAddr;

#[repr(C)]
pub struct PerCpu {
    /// Offset 0: the address of this structure.
    pub self_pointer: u64,
    /// Offset 8: the user stack pointer saved by the SYSCALL entry.
    pub user_rsp: u64,
    /// Offset 16: the kernel stack pointer loaded by the SYSCALL entry.
    pub kernel_rsp: u64,
}

static mut PERCPU: PerCpu = PerCpu {
    self_pointer: 0,
    user_rsp: 0,
    kernel_rsp: 0,
};

/// Points GS at this CPU's data; user code starts with a GS base of zero.
pub fn init() {
    let address = &raw mut PERCPU;
    // SAFETY: runs once on the boot CPU before anything else reads PERCPU.
    unsafe { (*address).self_pointer = address as u64 };
    GsBase::write(VirtAddr::from_ptr(address));
    KernelGsBase::write(VirtAddr::zero());
}

/// Sets the stack the SYSCALL entry switches to.
pub fn set_kernel_stack(top: u64) {
    // SAFETY: one CPU, interrupts off in the kernel: the entry code cannot run meanwhile.
    unsafe { PERCPU.kernel_rsp = top };
}
