//! The application's process: one for the lifetime of the VM, one thread for now.

pub mod signal;
pub mod wait;

use spin::Mutex;

use crate::drivers::console::{finish, Outcome};

/// The thread and process id the application sees (it is the only process).
pub const PID: u64 = 1;

/// Per-thread registration the C library makes at start-up.
pub struct ThreadState {
    /// `set_tid_address`: cleared and woken when the thread exits.
    pub clear_child_tid: u64,
    /// `set_robust_list`: head and length.
    pub robust_list: (u64, u64),
}

pub static THREAD: Mutex<ThreadState> = Mutex::new(ThreadState {
    clear_child_tid: 0,
    robust_list: (0, 0),
});

/// Ends the application with `exit_group(status)`.
pub fn exit(status: u64) -> ! {
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
