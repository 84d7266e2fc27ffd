//! Device drivers, and where their interrupts go.

pub mod console;
pub mod serial;
pub mod virtio;

/// Routes the interrupts of the devices the kernel drives.
pub fn enable_interrupts() {
    for &line in console::interrupt_lines() {
        crate::arch::ioapic::route(line);
    }
}

/// Device interrupt on I/O APIC line `line`.
pub fn interrupt(line: u8) {
    if console::interrupt_lines().contains(&line) {
        console::interrupt();
    }
    crate::net::interrupt(line);
}
