//! The TSC's frequency: from CPUID where the CPU states it, else measured against the PIT.

use core::arch::x86_64::__cpuid;

use super::pit::{measure_tsc, PIT_HZ};

/// TSC ticks per second and where the number came from.
///
/// `host_khz` is what `pith` measured on the host, whose TSC the guest's follows under
/// both TCG and KVM; a short PIT window confirms it, so a wrong value cannot slip in.
pub fn frequency(host_khz: Option<u64>) -> (u64, &'static str) {
    if let Some(hz) = from_cpuid() {
        return (hz, "CPUID");
    }
    if let Some(hz) = host_khz.map(|khz| khz * 1000) {
        const CHECK_WINDOW: u16 = 3_579; // 3 ms of PIT ticks.
        // A first short run lets an emulator translate the loop, which would otherwise
        // count towards the window.
        measure_tsc(100);
        let measured = measure_tsc(CHECK_WINDOW) * PIT_HZ / CHECK_WINDOW as u64;
        // Emulation can only make a window look longer, so allow more slack upwards.
        if measured > hz - hz / 50 && measured < hz + hz / 10 {
            return (hz, "host, checked against the PIT");
        }
        log::warn!("the host's TSC frequency ({hz} Hz) does not match the PIT ({measured} Hz)");
    }
    (from_pit(), "PIT")
}

/// CPUID leaf 0x15 (TSC/crystal ratio with the crystal frequency) when complete.
fn from_cpuid() -> Option<u64> {
    let max_leaf = __cpuid(0).eax;
    if max_leaf < 0x15 {
        return None;
    }
    let leaf = __cpuid(0x15);
    if leaf.eax == 0 || leaf.ebx == 0 || leaf.ecx == 0 {
        return None;
    }
    Some(leaf.ecx as u64 * leaf.ebx as u64 / leaf.eax as u64)
}

/// Measures over two windows of about 50 ms and keeps the slower-looking one's neighbour:
/// under emulation a window can only look longer than it was, never shorter.
fn from_pit() -> u64 {
    const WINDOW: u16 = 59_659; // 50 ms of PIT ticks.
    let first = measure_tsc(WINDOW);
    let second = measure_tsc(WINDOW);
    let ticks = first.min(second);
    ticks * PIT_HZ / WINDOW as u64
}
