//! The local APIC (Intel SDM vol. 3, chapter 11): end of interrupt, and the timer that
//! drives preemption and timeouts, in TSC-deadline mode where the CPU has it and one-shot
//! mode otherwise.

use core::arch::x86_64::__cpuid;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use x86_64::registers::model_specific::Msr;

use super::cpu::rdtsc;
use crate::mm::{paging, MMIO_BASE};

/// Where the local APIC's registers are mapped.
const LAPIC: u64 = MMIO_BASE;

const IA32_APIC_BASE: u32 = 0x1b;
const IA32_TSC_DEADLINE: u32 = 0x6e0;

const REGISTER_ID: u64 = 0x20;
const REGISTER_EOI: u64 = 0xb0;
const REGISTER_SPURIOUS: u64 = 0xf0;
const REGISTER_LVT_TIMER: u64 = 0x320;
const REGISTER_TIMER_INITIAL: u64 = 0x380;
const REGISTER_TIMER_CURRENT: u64 = 0x390;
const REGISTER_TIMER_DIVIDE: u64 = 0x3e0;

/// The vector of the timer interrupt.
pub const TIMER_VECTOR: u8 = 0x20;
pub const SPURIOUS_VECTOR: u8 = 0xff;

static TSC_DEADLINE: AtomicBool = AtomicBool::new(false);
/// Local APIC timer ticks per TSC tick, times 2^32 (one-shot mode only).
static TIMER_PER_TSC: AtomicU64 = AtomicU64::new(0);

fn read(register: u64) -> u32 {
    // SAFETY: LAPIC maps the local APIC's register page; registers are 32-bit aligned.
    unsafe { core::ptr::read_volatile((LAPIC + register) as *const u32) }
}

fn write(register: u64, value: u32) {
    // SAFETY: as in `read`.
    unsafe { core::ptr::write_volatile((LAPIC + register) as *mut u32, value) }
}

/// Maps and enables the local APIC and prepares its timer. Fails if the page cannot be
/// mapped.
pub fn init() -> Result<(), ()> {
    // SAFETY: IA32_APIC_BASE exists on every x86-64 CPU.
    let base = unsafe { Msr::new(IA32_APIC_BASE).read() } & 0xf_ffff_f000;
    paging::map_mmio(LAPIC, base)?;
    write(REGISTER_SPURIOUS, 0x100 | SPURIOUS_VECTOR as u32);

    let deadline_mode = __cpuid(1).ecx & (1 << 24) != 0;
    TSC_DEADLINE.store(deadline_mode, Ordering::Relaxed);
    if deadline_mode {
        write(REGISTER_LVT_TIMER, TIMER_VECTOR as u32 | (0b10 << 17));
    } else {
        write(REGISTER_TIMER_DIVIDE, 0b1011);
        write(REGISTER_LVT_TIMER, TIMER_VECTOR as u32);
        calibrate();
    }
    Ok(())
}

/// Measures the one-shot timer's rate against the TSC over about a million TSC ticks.
fn calibrate() {
    write(REGISTER_LVT_TIMER, TIMER_VECTOR as u32 | (1 << 16));
    write(REGISTER_TIMER_INITIAL, u32::MAX);
    let start = rdtsc();
    while rdtsc() - start < 1_000_000 {
        core::hint::spin_loop();
    }
    let elapsed_tsc = rdtsc() - start;
    let elapsed_timer = (u32::MAX - read(REGISTER_TIMER_CURRENT)) as u64;
    write(REGISTER_TIMER_INITIAL, 0);
    write(REGISTER_LVT_TIMER, TIMER_VECTOR as u32);
    TIMER_PER_TSC.store(
        (elapsed_timer << 32) / elapsed_tsc.max(1),
        Ordering::Relaxed,
    );
}

/// Makes the timer interrupt fire when the TSC reaches `deadline` (at once if it has).
pub fn arm_timer(deadline: u64) {
    if TSC_DEADLINE.load(Ordering::Relaxed) {
        // SAFETY: the CPU has TSC-deadline mode (checked in `init`).
        unsafe { Msr::new(IA32_TSC_DEADLINE).write(deadline.max(1)) };
        return;
    }
    let delta = deadline.saturating_sub(rdtsc());
    let ticks = ((delta as u128 * TIMER_PER_TSC.load(Ordering::Relaxed) as u128) >> 32)
        .clamp(1, u32::MAX as u128);
    write(REGISTER_TIMER_INITIAL, ticks as u32);
}

/// Stops the timer.
pub fn disarm_timer() {
    if TSC_DEADLINE.load(Ordering::Relaxed) {
        // SAFETY: as in `arm_timer`; 0 disarms.
        unsafe { Msr::new(IA32_TSC_DEADLINE).write(0) };
    } else {
        write(REGISTER_TIMER_INITIAL, 0);
    }
}

/// Signals the end of an interrupt's handling.
pub fn end_of_interrupt() {
    write(REGISTER_EOI, 0);
}

/// This CPU's local APIC id, for routing device interrupts to it.
pub fn id() -> u8 {
    (read(REGISTER_ID) >> 24) as u8
}
