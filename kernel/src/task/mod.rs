//! The application's process and its threads: creation, exit, and the checks made on
//! every return to user mode (rescheduling, signal delivery).

pub mod futex;
pub mod scheduler;
pub mod signal;
pub mod signal_frame;
pub mod thread;
pub mod timer;
pub mod wait;

use crate::arch::trap::TrapFrame;
use crate::drivers::console::{finish, Outcome};
use crate::mm::user::{read_user, write_user};
use crate::syscall::errno::Errno;
use thread::{KernelStack, Thread};

/// The process id the application sees (it is the only process); its main thread's id.
pub const PID: u64 = 1;

/// Creates the main thread for the boot context, which enters user mode next.
pub fn init_main_thread() -> Result<(), Errno> {
    let tid = scheduler::allocate_tid();
    let stack = KernelStack::new(tid).ok_or(Errno::ENOMEM)?;
    scheduler::start_first(Thread::new(tid, stack));
    Ok(())
}

/// Work due before the current thread returns to user mode with `frame`.
pub fn return_to_user(frame: &mut TrapFrame) {
    if scheduler::reschedule_needed() {
        scheduler::yield_now();
    }
    signal::deliver(frame);
}

/// Creates a thread that starts in user mode with `frame` (a copy of the parent's, with
/// the child's stack and return value filled in). Returns its id.
pub fn spawn_thread(
    frame: &TrapFrame,
    fs_base: Option<u64>,
    clear_child_tid: u64,
) -> Result<u64, Errno> {
    let tid = scheduler::allocate_tid();
    let stack = KernelStack::new(tid).ok_or(Errno::EAGAIN)?;
    let mut thread = Thread::new(tid, stack);
    // SAFETY: the stack was just mapped for this thread and is large enough.
    thread.saved_rsp =
        unsafe { crate::arch::context::prepare_new_stack(thread.stack.top(), frame) };
    scheduler::with_current(|parent| {
        parent.fpu.save();
        thread.fpu.copy_from(&parent.fpu);
        thread.fs_base = parent.fs_base;
        thread.gs_base = x86_64::registers::model_specific::KernelGsBase::read().as_u64();
        thread.signal_mask = parent.signal_mask;
    });
    if let Some(base) = fs_base {
        thread.fs_base = base;
    }
    thread.clear_child_tid = clear_child_tid;
    scheduler::spawn(thread);
    Ok(tid as u64)
}

/// `exit`: ends the calling thread; the process ends with its last thread, whose status
/// becomes the process's.
pub fn exit_thread(status: u64) -> ! {
    let (tid, clear_child_tid, robust_list) =
        scheduler::with_current(|thread| (thread.tid, thread.clear_child_tid, thread.robust_list));
    release_robust_futexes(tid, robust_list);
    if clear_child_tid != 0 && write_user(clear_child_tid, &0u32).is_ok() {
        futex::wake(clear_child_tid, 1, futex::BITSET_MATCH_ANY);
    }
    if scheduler::live_threads() <= 1 {
        exit_process(status);
    }
    scheduler::exit_current();
}

/// What was asked to be reported at exit: the syscall summary, and the files the program
/// did not find when the run failed (or when more than warnings were asked for).
pub fn report_at_exit(failed: bool) {
    crate::syscall::summary::report();
    if failed || crate::syscall::summary::enabled() || log::log_enabled!(log::Level::Info) {
        crate::fs::missing::report();
    }
}

/// `exit_group`: ends the process with `status`.
pub fn exit_process(status: u64) -> ! {
    crate::net::flush_before_exit();
    report_at_exit(status as u8 != 0);
    let (free, total) = crate::mm::frame::stats();
    let (heap_used, heap_size) = crate::mm::heap::stats();
    log::debug!(
        "exit status {status}: {} of {} KiB of frames in use, {} of {} KiB of heap",
        (total - free) * 4,
        total * 4,
        heap_used >> 10,
        heap_size >> 10
    );
    finish(Outcome::Exited(status as u8));
}

/// The owner-died bit and the thread-id mask of a robust futex word (futex(2)).
const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
const FUTEX_WAITERS: u32 = 0x8000_0000;
const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// Bounds the walk of a list the application may have corrupted.
const ROBUST_LIST_LIMIT: usize = 2048;

/// Marks the robust futexes the exiting thread still holds as owner-died and wakes a
/// waiter of each (the walk of `struct robust_list_head`, Documentation/robust-futexes).
fn release_robust_futexes(tid: thread::Tid, head: u64) {
    if head == 0 {
        return;
    }
    let Ok([first, offset, pending]) = read_user::<[u64; 3]>(head) else {
        return;
    };
    let mut entry = first;
    for _ in 0..ROBUST_LIST_LIMIT {
        if entry == head || entry == 0 {
            break;
        }
        release_robust_futex(tid, entry.wrapping_add(offset));
        match read_user::<u64>(entry) {
            Ok(next) => entry = next & !1,
            Err(_) => break,
        }
    }
    if pending != 0 {
        release_robust_futex(tid, (pending & !1).wrapping_add(offset));
    }
}

fn release_robust_futex(tid: thread::Tid, address: u64) {
    let Ok(word) = read_user::<u32>(address) else {
        return;
    };
    if word & FUTEX_TID_MASK != tid {
        return;
    }
    let released = (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
    if write_user(address, &released).is_ok() && word & FUTEX_WAITERS != 0 {
        futex::wake(address, 1, futex::BITSET_MATCH_ANY);
    }
}
