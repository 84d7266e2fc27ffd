//! Device and timer interrupts: acknowledged here, handled by their owners.

use super::apic::{self, SPURIOUS_VECTOR, TIMER_VECTOR};
use super::ioapic::IRQ_BASE;

/// Handles interrupt `vector` (32 and above).
pub fn handle(vector: u8) {
    match vector {
        SPURIOUS_VECTOR => return,
        TIMER_VECTOR => {
            apic::end_of_interrupt();
            crate::task::scheduler::timer_interrupt();
            return;
        }
        _ => {}
    }
    apic::end_of_interrupt();
    if let Some(line) = vector.checked_sub(IRQ_BASE) {
        crate::drivers::interrupt(line);
    }
}

/// Lets interrupts in until one arrives, then shuts them out again (the idle loop).
pub fn wait_for_interrupt() {
    x86_64::instructions::interrupts::enable_and_hlt();
    x86_64::instructions::interrupts::disable();
}
