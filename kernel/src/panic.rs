//! What happens when the kernel itself fails: a report on the console and the VM ends
//! with the "kernel failure" outcome.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

use crate::arch::trap::TrapFrame;
use crate::drivers::console::{finish, send_crash, CrashReport, KernelWriter, Outcome};
use crate::mm::KERNEL_VIRT_OFFSET;

static FAILING: AtomicBool = AtomicBool::new(false);

const MAX_FRAMES: usize = 32;

/// Prints `message` and the kernel backtrace starting at frame pointer `rbp`, sends them
/// to `pith` for symbolizing (with the registers of the faulting `frame` and CR2, if a CPU
/// exception caused the failure), then ends the VM.
pub fn fatal_kernel_error(
    message: fmt::Arguments,
    rbp: u64,
    fault: Option<(&TrapFrame, u64)>,
) -> ! {
    if FAILING.swap(true, Ordering::SeqCst) {
        // A failure while reporting a failure: stop without another report.
        finish(Outcome::KernelFailure);
    }
    let _ = writeln!(KernelWriter, "[pith] kernel failure: {message}");
    let _ = writeln!(KernelWriter, "[pith] kernel backtrace:");
    let mut addresses = [0u64; MAX_FRAMES];
    let count = backtrace(rbp, &mut addresses);
    for address in &addresses[..count] {
        let _ = writeln!(KernelWriter, "  {address:#x}");
    }
    send_crash(&CrashReport {
        kind: 1,
        signal: 0,
        code: 0,
        address: fault.map_or(0, |(_, cr2)| cr2),
        load_bias: 0,
        registers: fault.map_or([0; 18], |(frame, _)| frame.crash_registers()),
        return_addresses: &addresses[..count],
    });
    finish(Outcome::KernelFailure);
}

/// Follows the frame-pointer chain while it stays inside the kernel image; returns how
/// many return addresses it stored.
fn backtrace(mut rbp: u64, addresses: &mut [u64; MAX_FRAMES]) -> usize {
    let mut count = 0;
    while count < MAX_FRAMES {
        if rbp < KERNEL_VIRT_OFFSET || !rbp.is_multiple_of(8) {
            break;
        }
        // SAFETY: `rbp` points into a kernel stack (checked above) of a frame built with
        // frame pointers; the kernel is compiled with force-frame-pointers.
        let (next, return_address) = unsafe { (*(rbp as *const u64), *((rbp + 8) as *const u64)) };
        if return_address == 0 {
            break;
        }
        addresses[count] = return_address;
        count += 1;
        if next <= rbp {
            break;
        }
        rbp = next;
    }
    count
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let rbp: u64;
    // SAFETY: reads the frame pointer register only.
    unsafe { core::arch::asm!("mov {}, rbp", out(reg) rbp) };
    fatal_kernel_error(format_args!("{info}"), rbp, None);
}
