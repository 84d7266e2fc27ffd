//! A thread: its kernel stack, saved registers and per-thread state.

use alloc::vec::Vec;

use crate::arch::fpu::FpuState;
use crate::mm::{frame, paging, KERNEL_STACKS_BASE, PAGE_SIZE};

/// A thread id; the main thread's is the process id.
pub type Tid = u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Running or ready to run.
    Runnable,
    /// Waiting for a wake-up (a wait queue, a futex, a timer).
    Blocked,
    /// Gone; its stack is freed once another thread runs.
    Exited,
}

/// Pages of a kernel stack, and the unmapped guard page below each.
const STACK_PAGES: u64 = 8;
const STACK_SLOT: u64 = (STACK_PAGES + 1) * PAGE_SIZE;

/// A kernel stack mapped in its own slot with a guard page below it, so that an overflow
/// faults instead of corrupting a neighbour.
pub struct KernelStack {
    bottom: u64,
}

impl KernelStack {
    pub fn new(tid: Tid) -> Option<KernelStack> {
        let bottom = KERNEL_STACKS_BASE + tid as u64 * STACK_SLOT + PAGE_SIZE;
        let mut mapped = Vec::new();
        for page in 0..STACK_PAGES {
            let address = bottom + page * PAGE_SIZE;
            let phys = frame::alloc_kernel();
            match phys.map(|phys| (phys, paging::map_kernel_data(address, phys))) {
                Some((_, Ok(()))) => mapped.push(address),
                Some((phys, Err(()))) => {
                    frame::free(phys);
                    release(&mapped);
                    return None;
                }
                None => {
                    release(&mapped);
                    return None;
                }
            }
        }
        Some(KernelStack { bottom })
    }

    pub fn top(&self) -> u64 {
        self.bottom + STACK_PAGES * PAGE_SIZE
    }
}

fn release(pages: &[u64]) {
    for &address in pages {
        if let Some(phys) = paging::unmap_kernel(address) {
            frame::free(phys);
        }
    }
}

impl Drop for KernelStack {
    fn drop(&mut self) {
        let pages: Vec<u64> = (0..STACK_PAGES)
            .map(|page| self.bottom + page * PAGE_SIZE)
            .collect();
        release(&pages);
    }
}

/// An alternate signal stack (`sigaltstack`).
#[derive(Clone, Copy, Debug)]
pub struct AltStack {
    pub base: u64,
    pub flags: u32,
    pub size: u64,
}

pub const SS_ONSTACK: u32 = 1;
pub const SS_DISABLE: u32 = 2;

impl AltStack {
    pub const DISABLED: AltStack = AltStack {
        base: 0,
        flags: SS_DISABLE,
        size: 0,
    };

    pub fn contains(&self, address: u64) -> bool {
        self.flags & SS_DISABLE == 0 && address > self.base && address <= self.base + self.size
    }
}

pub struct Thread {
    pub tid: Tid,
    pub state: State,
    /// The kernel stack pointer saved when the thread stopped running.
    pub saved_rsp: u64,
    pub stack: KernelStack,
    pub fpu: FpuState,
    pub fs_base: u64,
    pub gs_base: u64,
    /// `set_tid_address` / `CLONE_CHILD_CLEARTID`: cleared and woken at exit.
    pub clear_child_tid: u64,
    /// `set_robust_list`: the list head.
    pub robust_list: u64,
    /// Blocked signals, and signals sent to this thread and not yet delivered.
    pub signal_mask: u64,
    pub pending: super::signal::Pending,
    /// The mask to restore after a handler that interrupted `rt_sigsuspend`.
    pub saved_mask: Option<u64>,
    pub alt_stack: AltStack,
    /// CPU time used, and the TSC when the thread last started running.
    pub cpu_ns: u64,
    pub running_since: u64,
    /// Set by a futex wake-up; see futex.rs.
    pub futex_woken: bool,
}

impl Thread {
    pub fn new(tid: Tid, stack: KernelStack) -> Thread {
        Thread {
            tid,
            state: State::Runnable,
            saved_rsp: 0,
            stack,
            fpu: FpuState::new(),
            fs_base: 0,
            gs_base: 0,
            clear_child_tid: 0,
            robust_list: 0,
            signal_mask: 0,
            pending: super::signal::Pending::default(),
            saved_mask: None,
            alt_stack: AltStack::DISABLED,
            cpu_ns: 0,
            running_since: 0,
            futex_woken: false,
        }
    }
}
