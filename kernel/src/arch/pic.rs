//! The legacy 8259 interrupt controllers: remapped away from the exception vectors and
//! masked, so that a stray timer tick can never look like a double fault.

use super::cpu::outb;

const MASTER_COMMAND: u16 = 0x20;
const MASTER_DATA: u16 = 0x21;
const SLAVE_COMMAND: u16 = 0xa0;
const SLAVE_DATA: u16 = 0xa1;

/// Remaps IRQs 0-15 to vectors 0x20-0x2f and masks all of them.
pub fn disable() {
    // ICW1: initialise, ICW4 follows.
    outb(MASTER_COMMAND, 0x11);
    outb(SLAVE_COMMAND, 0x11);
    // ICW2: vector bases.
    outb(MASTER_DATA, 0x20);
    outb(SLAVE_DATA, 0x28);
    // ICW3: the slave hangs off IRQ 2.
    outb(MASTER_DATA, 0x04);
    outb(SLAVE_DATA, 0x02);
    // ICW4: 8086 mode.
    outb(MASTER_DATA, 0x01);
    outb(SLAVE_DATA, 0x01);
    // Mask everything.
    outb(MASTER_DATA, 0xff);
    outb(SLAVE_DATA, 0xff);
}
