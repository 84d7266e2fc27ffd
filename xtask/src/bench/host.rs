//! Facts about the host both sides run on: the accelerator (chosen the way `pith` chooses
//! it, so that both sides always use the same) and the TSC frequency.

use std::fs::{self, OpenOptions};
use std::path::Path;

/// QEMU's accelerator: KVM only where /dev/kvm is usable and the CPU has VT-x or AMD-V;
/// a /dev/kvm without them is nested virtualization in software, slower than TCG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accel {
    Kvm,
    Tcg,
}

impl Accel {
    pub fn detect() -> Accel {
        let kvm_usable = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/kvm")
            .is_ok();
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        if kvm_usable && has_hardware_virtualization(&cpuinfo) {
            Accel::Kvm
        } else {
            Accel::Tcg
        }
    }

    /// The name QEMU's `accel=` and `pith run --accel` take.
    pub fn as_str(self) -> &'static str {
        match self {
            Accel::Kvm => "kvm",
            Accel::Tcg => "tcg",
        }
    }

    /// The `-cpu` model pith uses with this accelerator (see ARCHITECTURE.md on MSR 0x10a).
    pub fn cpu_model(self) -> &'static str {
        match self {
            Accel::Kvm => "host,-arch-capabilities",
            Accel::Tcg => "max",
        }
    }
}

fn has_hardware_virtualization(cpuinfo: &str) -> bool {
    cpuinfo
        .lines()
        .filter_map(|line| line.split_once(':'))
        .filter(|(key, _)| key.trim() == "flags")
        .flat_map(|(_, flags)| flags.split_whitespace())
        .any(|flag| flag == "vmx" || flag == "svm")
}

/// The host's TSC frequency in kHz: the value pith measured and cached under
/// `pith_cache` (`tsc-khz-<boot id>`), else the `cpu MHz` of /proc/cpuinfo.
pub fn tsc_khz(pith_cache: &Path) -> Option<u64> {
    let boot_id = fs::read_to_string("/proc/sys/kernel/random/boot_id").ok();
    let cached = boot_id
        .and_then(|id| fs::read_to_string(pith_cache.join(format!("tsc-khz-{}", id.trim()))).ok())
        .and_then(|text| text.trim().parse().ok());
    cached.or_else(|| cpu_mhz_as_khz(&fs::read_to_string("/proc/cpuinfo").ok()?))
}

fn cpu_mhz_as_khz(cpuinfo: &str) -> Option<u64> {
    let (_, mhz) = cpuinfo
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(key, _)| key.trim() == "cpu MHz")?;
    let mhz: f64 = mhz.trim().parse().ok()?;
    Some((mhz * 1000.0).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_come_from_the_flags_line() {
        assert!(has_hardware_virtualization("flags\t: fpu vmx sse\n"));
        assert!(!has_hardware_virtualization(
            "flags\t: fpu\nvmx flags\t: vnmi\n"
        ));
    }

    #[test]
    fn cpu_mhz_is_read() {
        let cpuinfo = "model name\t: AMD EPYC\ncpu MHz\t\t: 2596.132\n";
        assert_eq!(cpu_mhz_as_khz(cpuinfo), Some(2_596_132));
        assert_eq!(cpu_mhz_as_khz("flags: fpu\n"), None);
    }
}
