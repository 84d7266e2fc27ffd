//! Chooses QEMU's accelerator. KVM is only worth it where the CPU has hardware virtualization
//! (VT-x or AMD-V, `vmx`/`svm` in /proc/cpuinfo): some hosts offer a /dev/kvm backed by a
//! software nested-virtualization module, where guests run about 100x slower than under TCG.

use std::fmt;
use std::fs::{self, OpenOptions};

use thiserror::Error;

use crate::cli::AccelRequest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accelerator {
    Kvm,
    Tcg,
}

impl Accelerator {
    /// The name QEMU's `accel=` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Accelerator::Kvm => "kvm",
            Accelerator::Tcg => "tcg",
        }
    }

    /// The `-cpu` model: the host's CPU under KVM, minus the MSR that nested KVM hosts
    /// refuse (0x10a, IA32_ARCH_CAPABILITIES); under TCG every feature QEMU emulates.
    pub fn cpu_model(self) -> &'static str {
        match self {
            Accelerator::Kvm => "host,-arch-capabilities",
            Accelerator::Tcg => "max",
        }
    }
}

/// What the host offers, probed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFacts {
    /// `Ok` if /dev/kvm opens read-write, else why not.
    pub kvm: Result<(), String>,
    /// Whether the CPU flags include `vmx` or `svm`.
    pub hardware_virtualization: bool,
}

impl HostFacts {
    pub fn probe() -> HostFacts {
        let kvm = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/kvm")
            .map(drop)
            .map_err(|error| error.to_string());
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        HostFacts {
            kvm,
            hardware_virtualization: has_hardware_virtualization(&cpuinfo),
        }
    }
}

/// The accelerator chosen, and why, for `--verbose`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccelChoice {
    pub accelerator: Accelerator,
    pub reason: String,
}

impl fmt::Display for AccelChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.accelerator.as_str(), self.reason)
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum AccelError {
    /// `--accel kvm` where /dev/kvm cannot be used.
    #[error(
        "--accel kvm: /dev/kvm cannot be used ({0}); load the kvm module, add yourself to \
         the kvm group, or use --accel tcg"
    )]
    KvmUnavailable(String),
}

pub fn choose(request: AccelRequest, host: &HostFacts) -> Result<AccelChoice, AccelError> {
    let choice = |accelerator, reason: &str| AccelChoice {
        accelerator,
        reason: reason.to_owned(),
    };
    match (request, &host.kvm, host.hardware_virtualization) {
        (AccelRequest::Tcg, _, _) => Ok(choice(Accelerator::Tcg, "asked for with --accel tcg")),
        (AccelRequest::Kvm, Err(why), _) => Err(AccelError::KvmUnavailable(why.clone())),
        (AccelRequest::Kvm, Ok(()), true) => {
            Ok(choice(Accelerator::Kvm, "asked for with --accel kvm"))
        }
        (AccelRequest::Kvm, Ok(()), false) => Ok(choice(
            Accelerator::Kvm,
            "asked for with --accel kvm, although the CPU flags show no vmx/svm, so it may be \
             much slower than tcg",
        )),
        (AccelRequest::Auto, Ok(()), true) => Ok(choice(
            Accelerator::Kvm,
            "/dev/kvm is usable and the CPU has vmx/svm",
        )),
        (AccelRequest::Auto, Ok(()), false) => Ok(choice(
            Accelerator::Tcg,
            "/dev/kvm exists but the CPU flags show no vmx/svm: KVM would be nested without \
             hardware support, slower than tcg",
        )),
        (AccelRequest::Auto, Err(_), _) => {
            Ok(choice(Accelerator::Tcg, "/dev/kvm is not usable here"))
        }
    }
}

/// Whether a /proc/cpuinfo text lists `vmx` (Intel VT-x) or `svm` (AMD-V) among its flags.
pub fn has_hardware_virtualization(cpuinfo: &str) -> bool {
    cpuinfo
        .lines()
        .filter_map(|line| line.split_once(':'))
        .filter(|(key, _)| key.trim() == "flags")
        .flat_map(|(_, flags)| flags.split_whitespace())
        .any(|flag| flag == "vmx" || flag == "svm")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NESTED_CPUINFO: &str = "processor\t: 0\nvendor_id\t: GenuineIntel\n\
        flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic hypervisor lahf_lm\n\
        vmx flags\t: vnmi\nbugs\t\t: spectre_v1\n";
    const INTEL_CPUINFO: &str = "processor\t: 0\nflags\t\t: fpu vme vmx smx est tm2\n";
    const AMD_CPUINFO: &str = "processor\t: 0\nflags\t\t: fpu svm extapic\n";

    fn host(kvm: bool, hardware_virtualization: bool) -> HostFacts {
        HostFacts {
            kvm: if kvm {
                Ok(())
            } else {
                Err("No such file or directory".into())
            },
            hardware_virtualization,
        }
    }

    fn accelerator(request: AccelRequest, host: &HostFacts) -> Accelerator {
        choose(request, host).unwrap().accelerator
    }

    #[test]
    fn cpu_flags_are_read_from_the_flags_line_only() {
        assert!(!has_hardware_virtualization(NESTED_CPUINFO));
        assert!(has_hardware_virtualization(INTEL_CPUINFO));
        assert!(has_hardware_virtualization(AMD_CPUINFO));
        assert!(!has_hardware_virtualization(""));
        assert!(!has_hardware_virtualization("flags\t: vmxnet svmx\n"));
    }

    #[test]
    fn auto_needs_both_kvm_and_cpu_support() {
        assert_eq!(
            accelerator(AccelRequest::Auto, &host(true, true)),
            Accelerator::Kvm
        );
        assert_eq!(
            accelerator(AccelRequest::Auto, &host(true, false)),
            Accelerator::Tcg
        );
        assert_eq!(
            accelerator(AccelRequest::Auto, &host(false, true)),
            Accelerator::Tcg
        );
        assert_eq!(
            accelerator(AccelRequest::Auto, &host(false, false)),
            Accelerator::Tcg
        );
    }

    #[test]
    fn explicit_requests_are_honoured() {
        assert_eq!(
            accelerator(AccelRequest::Tcg, &host(true, true)),
            Accelerator::Tcg
        );
        assert_eq!(
            accelerator(AccelRequest::Kvm, &host(true, false)),
            Accelerator::Kvm
        );
        assert_eq!(
            choose(AccelRequest::Kvm, &host(false, true)),
            Err(AccelError::KvmUnavailable(
                "No such file or directory".into()
            ))
        );
    }

    #[test]
    fn cpu_models() {
        assert_eq!(Accelerator::Kvm.cpu_model(), "host,-arch-capabilities");
        assert_eq!(Accelerator::Tcg.cpu_model(), "max");
    }
}
