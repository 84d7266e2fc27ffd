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
        // 3 ms of PIT ticks.
        const CHECK_WINDOW: u16 = 3_579;
        // A first short run lets an emulator translate the loop, which would otherwise
        // count towards the window. A busy host can only stretch a window, never shrink it,
        // so the shortest of three is the one to compare.
        measure_tsc(100);
        let shortest = (0..3)
            .map(|_| measure_tsc(CHECK_WINDOW))
            .min()
            .unwrap_or(u64::MAX);
        let measured = shortest * PIT_HZ / CHECK_WINDOW as u64;
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
