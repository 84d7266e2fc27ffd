//! The 16550 UART, driven by polling.

use crate::arch::cpu::{inb, outb};

/// Register offsets from the port base (PC16550D data sheet).
const DATA: u16 = 0;
const INTERRUPT_ENABLE: u16 = 1;
const FIFO_CONTROL: u16 = 2;
const LINE_CONTROL: u16 = 3;
const MODEM_CONTROL: u16 = 4;
const LINE_STATUS: u16 = 5;
const SCRATCH: u16 = 7;

const LINE_STATUS_DATA_READY: u8 = 1;
const LINE_STATUS_TRANSMIT_EMPTY: u8 = 1 << 5;

/// One UART at an I/O port base.
#[derive(Clone, Copy)]
pub struct Uart {
    base: u16,
}

impl Uart {
    /// Initialises the UART at `base` if one answers there.
    pub fn probe(base: u16) -> Option<Uart> {
        // A missing port reads back 0xff whatever is written to the scratch register.
        outb(base + SCRATCH, 0x5a);
        if inb(base + SCRATCH) != 0x5a {
            return None;
        }
        outb(base + INTERRUPT_ENABLE, 0);
        // Divisor latch on, 115200 baud (divisor 1), then 8 data bits, no parity, 1 stop.
        outb(base + LINE_CONTROL, 0x80);
        outb(base + DATA, 1);
        outb(base + INTERRUPT_ENABLE, 0);
        outb(base + LINE_CONTROL, 0x03);
        // FIFOs stay off: turning them on clears them, which would lose input the host sent
        // before boot, and without them the hypervisor holds input back until each byte is
        // read.
        outb(base + FIFO_CONTROL, 0);
        outb(base + MODEM_CONTROL, 0x03);
        Some(Uart { base })
    }

    /// Raises the port's interrupt whenever a byte arrives.
    pub fn enable_receive_interrupt(&self) {
        outb(self.base + INTERRUPT_ENABLE, 1);
        // OUT2 gates the UART's interrupt line on PC hardware.
        outb(self.base + MODEM_CONTROL, 0x0b);
    }

    pub fn write_byte(&self, byte: u8) {
        while inb(self.base + LINE_STATUS) & LINE_STATUS_TRANSMIT_EMPTY == 0 {
            core::hint::spin_loop();
        }
        outb(self.base + DATA, byte);
    }

    pub fn write(&self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_byte(byte);
        }
    }

    /// A received byte, if one is waiting.
    pub fn try_read_byte(&self) -> Option<u8> {
        if inb(self.base + LINE_STATUS) & LINE_STATUS_DATA_READY != 0 {
            Some(inb(self.base + DATA))
        } else {
            None
        }
    }

    /// Waits for a received byte. Only used for the rest of a control frame whose first
    /// byte has arrived: the host sends frames whole, so the wait is microseconds, and
    /// waiting for input as such sleeps on the UART's interrupt (`console.rs`).
    pub fn read_byte(&self) -> u8 {
        loop {
            if let Some(byte) = self.try_read_byte() {
                return byte;
            }
            core::hint::spin_loop();
        }
    }
}
