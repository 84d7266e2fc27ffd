//! The interrupt descriptor table: every exception vector points at its entry stub.
//!
//! Gate descriptor layout from the Intel SDM, vol. 3, section 6.14.1.

use x86_64::instructions::tables::lidt;
use x86_64::structures::DescriptorTablePointer;
use x86_64::VirtAddr;

use super::gdt::{EMERGENCY_IST_INDEX, KERNEL_CODE};
use super::trap::trap_stub_table;

#[repr(C)]
#[derive(Clone, Copy)]
struct Gate {
    offset_low: u16,
    selector: u16,
    /// Bits 0-2: IST slot (1-based, 0 for none).
    ist: u8,
    /// Present, DPL 0, 64-bit interrupt gate (interrupts stay off on entry).
    attributes: u8,
    offset_middle: u16,
    offset_high: u32,
    reserved: u32,
}

const INTERRUPT_GATE: u8 = 0x8e;
const EMPTY: Gate = Gate {
    offset_low: 0,
    selector: 0,
    ist: 0,
    attributes: 0,
    offset_middle: 0,
    offset_high: 0,
    reserved: 0,
};

#[repr(C, align(16))]
struct Table([Gate; 256]);

static mut IDT: Table = Table([EMPTY; 256]);

const NMI: usize = 2;
const DOUBLE_FAULT: usize = 8;
const MACHINE_CHECK: usize = 18;

fn gate(handler: u64, ist: u8) -> Gate {
    Gate {
        offset_low: handler as u16,
        selector: KERNEL_CODE,
        ist,
        attributes: INTERRUPT_GATE,
        offset_middle: (handler >> 16) as u16,
        offset_high: (handler >> 32) as u32,
        reserved: 0,
    }
}

/// Fills every vector with its entry stub and loads the table.
pub fn init() {
    let table = &raw mut IDT;
    // SAFETY: `trap_stub_table` is the static table of entry stubs in trap.rs.
    let stubs = unsafe { &trap_stub_table };
    for (vector, &stub) in stubs.iter().enumerate() {
        let ist = match vector {
            NMI | DOUBLE_FAULT | MACHINE_CHECK => EMERGENCY_IST_INDEX as u8 + 1,
            _ => 0,
        };
        // SAFETY: IDT is only written here, on the boot CPU, before interrupts are enabled.
        unsafe { (*table).0[vector] = gate(stub, ist) };
    }
    let pointer = DescriptorTablePointer {
        limit: (core::mem::size_of::<Table>() - 1) as u16,
        base: VirtAddr::from_ptr(table),
    };
    // SAFETY: the table is static and filled with valid gates.
    unsafe { lidt(&pointer) };
}
