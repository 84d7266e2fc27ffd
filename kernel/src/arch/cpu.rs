//! CPU feature detection and control registers, port I/O, random numbers, power off.

use core::arch::x86_64::{__cpuid, __cpuid_count, _rdtsc};
use x86_64::instructions::port::Port;
use x86_64::registers::control::{Cr0, Cr0Flags, Cr4, Cr4Flags};
use x86_64::registers::model_specific::{Efer, EferFlags};
use x86_64::registers::xcontrol::{XCr0, XCr0Flags};

/// Features the kernel turns on or reports to the application.
#[derive(Clone, Copy, Default)]
pub struct Features {
    /// CPUID.1:EDX, reported as `AT_HWCAP` as Linux does.
    pub hwcap: u32,
    pub rdrand: bool,
    pub rdseed: bool,
    pub smep: bool,
    pub smap: bool,
    pub umip: bool,
    pub xsave: bool,
}

/// Reads the features this kernel cares about from CPUID.
pub fn features() -> Features {
    let leaf1 = __cpuid(1);
    // Leaf 7 reads as zeros on CPUs that lack it.
    let leaf7 = __cpuid_count(7, 0);
    Features {
        hwcap: leaf1.edx,
        rdrand: leaf1.ecx & (1 << 30) != 0,
        xsave: leaf1.ecx & (1 << 26) != 0,
        rdseed: leaf7.ebx & (1 << 18) != 0,
        smep: leaf7.ebx & (1 << 7) != 0,
        smap: leaf7.ebx & (1 << 20) != 0,
        umip: leaf7.ecx & (1 << 2) != 0,
    }
}

/// Turns on what the application's code expects (SSE, AVX through XSAVE) and what keeps
/// it away from the kernel (NX, SMEP, SMAP, UMIP, write protection in ring 0).
pub fn enable_features(features: &Features) {
    // SAFETY: these bits only enable features CPUID reported; the kernel is built without
    // SSE, so enabling it cannot change the kernel's own behaviour.
    unsafe {
        let mut cr0 = Cr0::read();
        cr0.remove(Cr0Flags::EMULATE_COPROCESSOR);
        cr0.insert(Cr0Flags::MONITOR_COPROCESSOR | Cr0Flags::WRITE_PROTECT);
        Cr0::write(cr0);

        let mut cr4 = Cr4::read();
        cr4.insert(Cr4Flags::OSFXSR | Cr4Flags::OSXMMEXCPT_ENABLE | Cr4Flags::PAGE_GLOBAL);
        if features.smep {
            cr4.insert(Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION);
        }
        if features.smap {
            cr4.insert(Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION);
        }
        if features.umip {
            cr4.insert(Cr4Flags::USER_MODE_INSTRUCTION_PREVENTION);
        }
        if features.xsave {
            cr4.insert(Cr4Flags::OSXSAVE);
        }
        Cr4::write(cr4);

        Efer::update(|efer| efer.insert(EferFlags::NO_EXECUTE_ENABLE));
        if features.xsave {
            XCr0::write(supported_xcr0());
        }
    }
}

/// x87, SSE and AVX state, as far as the CPU supports them.
fn supported_xcr0() -> XCr0Flags {
    // Leaf 0xD exists when XSAVE is supported, which the caller checked.
    let leaf = __cpuid_count(0xd, 0);
    let wanted = XCr0Flags::X87 | XCr0Flags::SSE | XCr0Flags::AVX;
    XCr0Flags::from_bits_truncate(leaf.eax as u64) & wanted | XCr0Flags::X87 | XCr0Flags::SSE
}

/// The time-stamp counter.
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC is available on every x86-64 CPU and has no side effects.
    unsafe { _rdtsc() }
}

/// Writes one byte to an I/O port.
pub fn outb(port: u16, value: u8) {
    // SAFETY: the kernel only writes to ports of devices it drives.
    unsafe { Port::new(port).write(value) }
}

/// Reads one byte from an I/O port.
pub fn inb(port: u16) -> u8 {
    // SAFETY: the kernel only reads ports of devices it drives.
    unsafe { Port::new(port).read() }
}

/// A hardware random number, if the CPU has RDSEED or RDRAND and it delivers.
pub fn hardware_random(features: &Features) -> Option<u64> {
    for _ in 0..16 {
        let mut value = 0u64;
        // SAFETY: only executed when CPUID reported the instruction.
        let ok = unsafe {
            if features.rdseed {
                core::arch::x86_64::_rdseed64_step(&mut value)
            } else if features.rdrand {
                core::arch::x86_64::_rdrand64_step(&mut value)
            } else {
                return None;
            }
        };
        if ok == 1 {
            return Some(value);
        }
    }
    None
}

/// QEMU's `isa-debug-exit` device: writing `v` ends QEMU with status `(v << 1) | 1`.
const DEBUG_EXIT_PORT: u16 = 0xf4;

/// Stops the virtual machine. `pith` reads the real status from the control channel.
pub fn power_off(code: u8) -> ! {
    // SAFETY: writing to the debug-exit port ends QEMU; where the device is missing the
    // write is ignored.
    unsafe { Port::<u32>::new(DEBUG_EXIT_PORT).write(code as u32) };

    // No debug-exit device: a triple fault resets the machine, which ends a VM started
    // with `-no-reboot`.
    x86_64::instructions::interrupts::disable();
    let empty = x86_64::structures::DescriptorTablePointer {
        limit: 0,
        base: x86_64::VirtAddr::zero(),
    };
    // SAFETY: loading an empty IDT and trapping is the intended way to reset the CPU.
    unsafe {
        x86_64::instructions::tables::lidt(&empty);
        core::arch::asm!("int3", options(noreturn));
    }
}
