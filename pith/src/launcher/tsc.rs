//! The host's TSC frequency, handed to the kernel as `tsc_khz=` so that it need not spend
//! 100 ms timing the TSC against the PIT at every boot. The guest's TSC follows the host's
//! under TCG and KVM; the kernel still checks the value with a short PIT window.
//!
//! Measured once per host boot (20 ms against the monotonic clock) and cached.

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const MEASURE_FOR: Duration = Duration::from_millis(20);

/// The host's TSC ticks per millisecond, if it can be had.
pub fn host_tsc_khz() -> Option<u64> {
    let cache = cache_file();
    if let Some(khz) = cache
        .as_ref()
        .and_then(|path| fs::read_to_string(path).ok())
    {
        if let Ok(khz) = khz.trim().parse() {
            return Some(khz);
        }
    }
    let khz = measure()?;
    if let Some(path) = cache {
        // A cache that cannot be written only costs the next run another measurement.
        let _ = fs::write(path, format!("{khz}\n"));
    }
    Some(khz)
}

/// One file per host boot: the frequency can change across reboots, never within one.
fn cache_file() -> Option<PathBuf> {
    let boot_id = fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let dir = crate::kernel::cache_dir()?;
    fs::create_dir_all(&dir).ok()?;
    Some(dir.join(format!("tsc-khz-{}", boot_id.trim())))
}

#[cfg(target_arch = "x86_64")]
fn measure() -> Option<u64> {
    // SAFETY: RDTSC has no preconditions on x86-64.
    let read = || unsafe { core::arch::x86_64::_rdtsc() };
    let (start_time, start_ticks) = (Instant::now(), read());
    std::thread::sleep(MEASURE_FOR);
    let (elapsed, ticks) = (start_time.elapsed(), read().wrapping_sub(start_ticks));
    let micros = elapsed.as_micros() as u64;
    (micros > 0).then(|| ticks * 1000 / micros)
}

#[cfg(not(target_arch = "x86_64"))]
fn measure() -> Option<u64> {
    None
}
