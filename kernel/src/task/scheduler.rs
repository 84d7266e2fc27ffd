//! The scheduler: round robin over runnable threads, preempted by the local APIC timer,
//! with the CPU halted whenever nothing is runnable.
//!
//! The kernel itself is never preempted: interrupts are off whenever it runs, except in
//! the idle loop. That makes every kernel path atomic on one CPU; the locks below keep the
//! state consistent for when there are several.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use spin::Mutex;
use x86_64::registers::model_specific::{FsBase, KernelGsBase};
use x86_64::VirtAddr;

use super::thread::{State, Thread, Tid};
use super::timer;
use crate::arch::{context, cpu::rdtsc, gdt, interrupts, percpu};

/// How long a thread runs before another runnable one gets the CPU.
const TIME_SLICE_NS: u64 = 10_000_000;

struct Scheduler {
    threads: BTreeMap<Tid, Box<Thread>>,
    /// Runnable threads other than the current one, in the order they will run.
    run_queue: VecDeque<Tid>,
    current: Tid,
    /// Exited threads whose kernel stacks can go once another thread runs. Boxed so that
    /// moving them here from `threads` leaves their saved stack pointer where it was.
    #[allow(clippy::vec_box)]
    exited: Vec<Box<Thread>>,
    next_tid: Tid,
    slice_end: u64,
}

static SCHEDULER: Mutex<Scheduler> = Mutex::new(Scheduler {
    threads: BTreeMap::new(),
    run_queue: VecDeque::new(),
    current: 0,
    exited: Vec::new(),
    next_tid: 1,
    slice_end: u64::MAX,
});

/// Set by the timer interrupt when the current thread's slice is over.
static NEED_RESCHEDULE: AtomicBool = AtomicBool::new(false);

/// A new thread id.
pub fn allocate_tid() -> Tid {
    let mut scheduler = SCHEDULER.lock();
    let tid = scheduler.next_tid;
    scheduler.next_tid += 1;
    tid
}

/// Adopts the boot context as the first thread.
pub fn start_first(thread: Thread) {
    let mut scheduler = SCHEDULER.lock();
    set_kernel_stack(thread.stack.top());
    scheduler.current = thread.tid;
    scheduler.threads.insert(thread.tid, Box::new(thread));
    if let Some(first) = scheduler.threads.values_mut().next() {
        first.running_since = rdtsc();
    }
}

/// Adds a runnable thread.
pub fn spawn(thread: Thread) {
    let mut scheduler = SCHEDULER.lock();
    let tid = thread.tid;
    scheduler.threads.insert(tid, Box::new(thread));
    scheduler.run_queue.push_back(tid);
    drop(scheduler);
    rearm_timer();
}

fn set_kernel_stack(top: u64) {
    gdt::set_kernel_stack(top);
    percpu::set_kernel_stack(top);
}

/// The running thread's id.
pub fn current_tid() -> Tid {
    SCHEDULER.lock().current
}

/// Runs `f` on the current thread.
pub fn with_current<T>(f: impl FnOnce(&mut Thread) -> T) -> T {
    let mut scheduler = SCHEDULER.lock();
    let current = scheduler.current;
    f(scheduler
        .threads
        .get_mut(&current)
        .expect("the current thread exists"))
}

/// Runs `f` on thread `tid`, if it exists and has not exited.
pub fn with_thread<T>(tid: Tid, f: impl FnOnce(&mut Thread) -> T) -> Option<T> {
    let mut scheduler = SCHEDULER.lock();
    scheduler
        .threads
        .get_mut(&tid)
        .filter(|thread| thread.state != State::Exited)
        .map(|thread| f(thread))
}

/// Runs `f` on every live thread, stopping at the first that returns `Some`.
pub fn find_thread<T>(mut f: impl FnMut(&mut Thread) -> Option<T>) -> Option<T> {
    let mut scheduler = SCHEDULER.lock();
    let current = scheduler.current;
    // The current thread first: a process-wide signal is best handled by whoever runs.
    if let Some(found) = scheduler
        .threads
        .get_mut(&current)
        .and_then(|thread| f(thread))
    {
        return Some(found);
    }
    scheduler
        .threads
        .values_mut()
        .filter(|thread| thread.state != State::Exited)
        .find_map(|thread| f(thread))
}

/// How many threads have not exited.
pub fn live_threads() -> usize {
    let scheduler = SCHEDULER.lock();
    scheduler
        .threads
        .values()
        .filter(|thread| thread.state != State::Exited)
        .count()
}

/// Makes a blocked thread runnable; does nothing to one that is not blocked.
pub fn wake(tid: Tid) {
    let mut scheduler = SCHEDULER.lock();
    let Some(thread) = scheduler.threads.get_mut(&tid) else {
        return;
    };
    if thread.state == State::Blocked {
        thread.state = State::Runnable;
        scheduler.run_queue.push_back(tid);
    }
}

/// Blocks the current thread until someone wakes it.
pub fn block() {
    with_current(|thread| thread.state = State::Blocked);
    schedule();
}

/// Gives the CPU to the next runnable thread, if any.
pub fn yield_now() {
    schedule();
}

/// Ends the current thread for good.
pub fn exit_current() -> ! {
    with_current(|thread| thread.state = State::Exited);
    schedule();
    unreachable!("an exited thread is never scheduled again");
}

/// Switches to the next runnable thread; returns when the current thread runs again.
/// With nothing runnable, halts until an interrupt makes something runnable.
pub fn schedule() {
    NEED_RESCHEDULE.store(false, Ordering::Relaxed);
    loop {
        let mut scheduler = SCHEDULER.lock();
        scheduler.free_exited();
        let current = scheduler.current;
        let current_state = scheduler.threads.get(&current).map(|thread| thread.state);
        if let Some(next) = scheduler.run_queue.pop_front() {
            if next == current {
                drop(scheduler);
                start_slice();
                return;
            }
            // A current thread that an interrupt woke while the CPU idled is queued already.
            if current_state == Some(State::Runnable) && !scheduler.run_queue.contains(&current) {
                scheduler.run_queue.push_back(current);
            }
            let (save_to, resume) = scheduler.prepare_switch(current, next);
            drop(scheduler);
            start_slice();
            // SAFETY: both threads are boxed in `threads` (an exited one in `exited`), so
            // `save_to` stays valid; `resume` was saved by `switch` or prepared for a new
            // thread, on a stack still mapped.
            unsafe { context::switch(save_to, resume) };
            return;
        }
        if current_state == Some(State::Runnable) {
            return;
        }
        drop(scheduler);
        idle();
    }
}

/// Halts until the next interrupt, then runs what it made due.
fn idle() {
    rearm_timer();
    interrupts::wait_for_interrupt();
    timer::fire_expired();
}

impl Scheduler {
    /// Saves the current thread's user-visible CPU state, loads `next`'s, and returns the
    /// stack pointers for the switch.
    fn prepare_switch(&mut self, current: Tid, next: Tid) -> (*mut u64, u64) {
        let now = rdtsc();
        let save_to: *mut u64 = {
            let thread = self
                .threads
                .get_mut(&current)
                .expect("the current thread exists");
            thread.fpu.save();
            thread.gs_base = KernelGsBase::read().as_u64();
            thread.cpu_ns += crate::time::tsc_to_ns(now.saturating_sub(thread.running_since));
            &mut thread.saved_rsp
        };
        // The box moves, its contents do not: `save_to` stays valid.
        if self
            .threads
            .get(&current)
            .is_some_and(|thread| thread.state == State::Exited)
        {
            if let Some(thread) = self.threads.remove(&current) {
                self.exited.push(thread);
            }
        }

        let thread = self.threads.get_mut(&next).expect("queued threads exist");
        thread.fpu.restore();
        FsBase::write(VirtAddr::new(thread.fs_base));
        KernelGsBase::write(VirtAddr::new(thread.gs_base));
        thread.running_since = now;
        set_kernel_stack(thread.stack.top());
        self.current = next;
        (save_to, thread.saved_rsp)
    }

    /// Frees the stacks of exited threads, except the one still running on its stack.
    fn free_exited(&mut self) {
        let current = self.current;
        self.exited.retain(|thread| thread.tid == current);
    }
}

/// Starts a new time slice for the thread about to run.
fn start_slice() {
    let end = rdtsc() + crate::time::ns_to_tsc_delta(TIME_SLICE_NS);
    SCHEDULER.lock().slice_end = end;
    rearm_timer();
}

/// Programs the timer for the next thing due: a timer, or the end of the slice when
/// another thread is waiting for the CPU.
pub fn rearm_timer() {
    let scheduler = SCHEDULER.lock();
    let slice = (!scheduler.run_queue.is_empty()).then_some(scheduler.slice_end);
    drop(scheduler);
    let next = [slice, timer::earliest_tsc()].into_iter().flatten().min();
    match next {
        Some(deadline) => crate::arch::apic::arm_timer(deadline),
        None => crate::arch::apic::disarm_timer(),
    }
}

/// The timer interrupt: fire due timers, and ask for a switch if the slice is over.
pub fn timer_interrupt() {
    timer::fire_expired();
    let scheduler = SCHEDULER.lock();
    let slice_over = rdtsc() >= scheduler.slice_end && !scheduler.run_queue.is_empty();
    drop(scheduler);
    if slice_over {
        NEED_RESCHEDULE.store(true, Ordering::Relaxed);
    }
    rearm_timer();
}

/// Whether the current thread should give up the CPU before returning to user mode.
pub fn reschedule_needed() -> bool {
    NEED_RESCHEDULE.load(Ordering::Relaxed)
}

/// CPU time of the current thread and of the whole process, in nanoseconds.
pub fn cpu_times() -> (u64, u64) {
    let scheduler = SCHEDULER.lock();
    let now = rdtsc();
    let current_extra = |thread: &Thread| {
        if thread.tid == scheduler.current {
            crate::time::tsc_to_ns(now.saturating_sub(thread.running_since))
        } else {
            0
        }
    };
    let thread = scheduler
        .threads
        .get(&scheduler.current)
        .map(|thread| thread.cpu_ns + current_extra(thread))
        .unwrap_or(0);
    let process = scheduler
        .threads
        .values()
        .map(|thread| thread.cpu_ns + current_extra(thread))
        .sum();
    (thread, process)
}
