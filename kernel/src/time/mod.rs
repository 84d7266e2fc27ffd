//! Time: a monotonic clock from the TSC and the wall clock from the RTC at boot.

mod pit;
pub mod rtc;
pub mod tsc;

use spin::Once;

struct Clock {
    /// TSC value at boot and TSC ticks per second.
    tsc_at_boot: u64,
    tsc_hz: u64,
    /// Nanoseconds per TSC tick, times 2^32: the one conversion both the kernel and the
    /// vDSO use, so that time read either way agrees to the nanosecond.
    ns_per_tick: u64,
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
        ns_per_tick: (((NANOS_PER_SECOND as u128) << 32) / tsc_hz.max(1) as u128) as u64,
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
    tsc_to_ns(crate::arch::cpu::rdtsc().saturating_sub(clock().tsc_at_boot))
}

/// Converts a TSC interval to nanoseconds.
pub fn tsc_to_ns(ticks: u64) -> u64 {
    ((ticks as u128 * clock().ns_per_tick as u128) >> 32) as u64
}

/// What the vDSO needs to read the clocks without a syscall: the TSC at boot, nanoseconds
/// per tick times 2^32, and the wall time at boot in nanoseconds.
pub fn vdso_parameters() -> [u64; 3] {
    let clock = clock();
    [clock.tsc_at_boot, clock.ns_per_tick, clock.realtime_at_boot]
}

/// Converts nanoseconds to a TSC interval.
pub fn ns_to_tsc_delta(nanos: u64) -> u64 {
    ((nanos as u128 * clock().tsc_hz as u128) / NANOS_PER_SECOND as u128).min(u64::MAX as u128)
        as u64
}

/// The TSC value at which the monotonic clock reads `nanos`.
pub fn ns_to_tsc(nanos: u64) -> u64 {
    clock().tsc_at_boot.saturating_add(ns_to_tsc_delta(nanos))
}

/// Nanoseconds since the Unix epoch.
pub fn realtime_ns() -> u64 {
    clock().realtime_at_boot + monotonic_ns()
}

/// The resolution of the clocks, in nanoseconds.
pub fn resolution_ns() -> u64 {
    1
}
