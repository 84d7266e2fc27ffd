//! What happens when the kernel itself fails: a report on the console and the VM ends
//! with the "kernel failure" outcome.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

use crate::drivers::console::{finish, KernelWriter, Outcome};
use crate::mm::KERNEL_VIRT_OFFSET;

static FAILING: AtomicBool = AtomicBool::new(false);

const MAX_FRAMES: usize = 32;

/// Prints `message` and the kernel backtrace starting at frame pointer `rbp`, then ends
/// the VM.
pub fn fatal_kernel_error(message: fmt::Arguments, rbp: u64) -> ! {
    if FAILING.swap(true, Ordering::SeqCst) {
        // A failure while reporting a failure: stop without another report.
        finish(Outcome::KernelFailure);
    }
    let _ = writeln!(KernelWriter, "[pith] kernel failure: {message}");
    let _ = writeln!(KernelWriter, "[pith] kernel backtrace:");
    print_backtrace(rbp);
    finish(Outcome::KernelFailure);
}

/// Follows the frame-pointer chain while it stays inside the kernel image.
fn print_backtrace(mut rbp: u64) {
    for _ in 0..MAX_FRAMES {
        if rbp < KERNEL_VIRT_OFFSET || !rbp.is_multiple_of(8) {
            break;
        }
        // SAFETY: `rbp` points into a kernel stack (checked above) of a frame built with
        // frame pointers; the kernel is compiled with force-frame-pointers.
        let (next, return_address) = unsafe { (*(rbp as *const u64), *((rbp + 8) as *const u64)) };
        if return_address == 0 {
            break;
        }
        let _ = writeln!(KernelWriter, "  {return_address:#x}");
        if next <= rbp {
            break;
        }
        rbp = next;
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let rbp: u64;
    // SAFETY: reads the frame pointer register only.
    unsafe { core::arch::asm!("mov {}, rbp", out(reg) rbp) };
    fatal_kernel_error(format_args!("{info}"), rbp);
}
