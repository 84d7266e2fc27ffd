//! The 8254 programmable interval timer, used only to measure how fast the TSC runs.

use crate::arch::cpu::{inb, outb, rdtsc};

const CHANNEL0: u16 = 0x40;
const COMMAND: u16 = 0x43;
/// The PIT's input clock, in Hz.
pub const PIT_HZ: u64 = 1_193_182;

/// Counts TSC ticks over `pit_ticks` PIT ticks (at most 0xffff, about 55 ms).
///
/// Channel 0 counts down from 0xffff in mode 2; its count is latched and read until
/// enough ticks have passed. Only the PIT's own clock matters, so the result does not
/// depend on how fast the CPU is emulated.
pub fn measure_tsc(pit_ticks: u16) -> u64 {
    // Channel 0, lobyte/hibyte, mode 2 (rate generator), binary.
    outb(COMMAND, 0x34);
    outb(CHANNEL0, 0xff);
    outb(CHANNEL0, 0xff);
    let start_count = read_count();
    let start_tsc = rdtsc();
    loop {
        let elapsed = start_count.wrapping_sub(read_count());
        if elapsed >= pit_ticks {
            return rdtsc() - start_tsc;
        }
    }
}

fn read_count() -> u16 {
    // Latch channel 0, then read low and high bytes.
    outb(COMMAND, 0x00);
    let low = inb(CHANNEL0) as u16;
    let high = inb(CHANNEL0) as u16;
    (high << 8) | low
}
