//! Time: a monotonic clock from the TSC and the wall clock from the RTC at boot.

mod pit;
pub mod rtc;
pub mod tsc;

use spin::Once;

struct Clock {
    /// TSC value at boot and TSC ticks per second.
    tsc_at_boot: u64,
    tsc_hz: u64,
    /// Nanoseconds since the Unix epoch at boot, from the RTC.
    realtime_at_boot: u64,
}

static CLOCK: Once<Clock> = Once::new();

pub const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// Calibrates the TSC and reads the RTC; returns the TSC frequency and how it was found.
pub fn init(host_tsc_khz: Option<u64>) -> (u64, &'static str) {
    let (tsc_hz, source) = tsc::frequency(host_tsc_khz);
    let clock = CLOCK.call_once(|| Clock {
        tsc_at_boot: crate::arch::cpu::rdtsc(),
        tsc_hz,
        realtime_at_boot: rtc::read_unix_seconds() * NANOS_PER_SECOND,
    });
    (clock.tsc_hz, source)
}

fn clock() -> &'static Clock {
    CLOCK.get().expect("time::init runs at boot")
}

/// TSC ticks per second.
pub fn tsc_hz() -> u64 {
    clock().tsc_hz
}

/// Nanoseconds since boot; never goes backwards.
pub fn monotonic_ns() -> u64 {
    let clock = clock();
    let ticks = crate::arch::cpu::rdtsc().saturating_sub(clock.tsc_at_boot);
    ((ticks as u128 * NANOS_PER_SECOND as u128) / clock.tsc_hz as u128) as u64
}

/// Nanoseconds since the Unix epoch.
pub fn realtime_ns() -> u64 {
    clock().realtime_at_boot + monotonic_ns()
}

/// The resolution of the clocks, in nanoseconds.
pub fn resolution_ns() -> u64 {
    1
}
