//! The I/O APIC (82093AA data sheet): routes a device's interrupt line to a vector.

use crate::mm::{paging, MMIO_BASE, PAGE_SIZE};

/// The I/O APIC's registers, at its conventional physical address (QEMU's microvm, q35
/// and pc machines all put it there).
const IOAPIC_PHYS: u64 = 0xfec0_0000;
const IOAPIC: u64 = MMIO_BASE + PAGE_SIZE;

const REGISTER_SELECT: u64 = 0x00;
const REGISTER_WINDOW: u64 = 0x10;
const REDIRECTION_TABLE: u32 = 0x10;

/// Vectors of device interrupts: line N arrives as `IRQ_BASE + N`.
pub const IRQ_BASE: u8 = 0x30;

fn write(register: u32, value: u32) {
    // SAFETY: IOAPIC maps the I/O APIC's register page; select, then write the window.
    unsafe {
        core::ptr::write_volatile((IOAPIC + REGISTER_SELECT) as *mut u32, register);
        core::ptr::write_volatile((IOAPIC + REGISTER_WINDOW) as *mut u32, value);
    }
}

pub fn init() -> Result<(), ()> {
    paging::map_mmio(IOAPIC, IOAPIC_PHYS)
}

/// Delivers interrupt line `line` (edge triggered, active high) to this CPU as vector
/// `IRQ_BASE + line`.
pub fn route(line: u8) {
    let entry = REDIRECTION_TABLE + 2 * line as u32;
    write(entry + 1, (super::apic::id() as u32) << 24);
    write(entry, (IRQ_BASE + line) as u32);
}
