//! The Pith kernel: boots through PVH, loads the one application from the boot image and
//! runs it in ring 3 behind the Linux x86-64 system call ABI.

#![no_std]
#![no_main]

extern crate alloc;

mod arch;
mod boot;
mod drivers;
mod fs;
mod loader;
mod logger;
mod mm;
mod net;
mod panic;
mod random;
mod syscall;
mod task;
mod time;

use core::fmt::{self, Write};

use boot::start_info::PhysRange;
use drivers::console::{finish, KernelWriter, Outcome};

extern "C" {
    static __boot_start: u8;
    static __kernel_end: u8;
}

/// Stops the boot with a one-line reason.
fn boot_failure(reason: fmt::Arguments) -> ! {
    let _ = writeln!(KernelWriter, "[pith] cannot start: {reason}");
    finish(Outcome::KernelFailure);
}

/// The physical memory the kernel image occupies.
fn kernel_range() -> PhysRange {
    // Only the addresses of the linker-script symbols are used.
    let (start, end) = (
        &raw const __boot_start as u64,
        &raw const __kernel_end as u64,
    );
    PhysRange {
        start,
        end: end - mm::KERNEL_VIRT_OFFSET,
    }
}

/// Called by the PVH entry code on the boot stack with the start info's address.
#[no_mangle]
extern "C" fn kernel_entry(start_info: u64) -> ! {
    let entry_tsc = arch::cpu::rdtsc();
    drivers::console::init();
    let boot = boot::start_info::read(start_info)
        .unwrap_or_else(|error| boot_failure(format_args!("{error}")));
    let options = boot::cmdline::Options::parse(boot.cmdline());
    logger::init(options.log_level);
    log::info!("command line: {}", boot.cmdline());

    arch::gdt::init();
    arch::idt::init();
    arch::pic::disable();
    let features = arch::cpu::features();
    arch::cpu::enable_features(&features);

    let image_range = boot
        .image
        .unwrap_or_else(|| boot_failure(format_args!("no image was given (QEMU's -initrd)")));
    let low_memory = PhysRange {
        start: 0,
        end: 1 << 20,
    };
    mm::frame::init(boot.ram(), &[kernel_range(), image_range, low_memory]);
    if mm::paging::init(boot.ram()).is_err() {
        boot_failure(format_args!("not enough memory for the page tables"));
    }
    let total_ram: u64 = boot.ram().iter().map(|range| range.end - range.start).sum();
    let heap = mm::heap::init(total_ram)
        .unwrap_or_else(|_| boot_failure(format_args!("not enough memory for the kernel heap")));

    let (tsc_hz, tsc_source) = time::init(options.tsc_khz);
    random::init(features, time::realtime_ns());
    arch::percpu::init();
    arch::syscall_entry::init();
    arch::fpu::init(features.xsave);
    if arch::apic::init().is_err() || arch::ioapic::init().is_err() {
        boot_failure(format_args!("cannot map the interrupt controllers"));
    }
    if task::init_main_thread().is_err() {
        boot_failure(format_args!("not enough memory for the first thread"));
    }
    drivers::enable_interrupts();
    if let Some(selection) = options.trace {
        syscall::trace::init(selection);
    }
    if options.summary {
        syscall::summary::enable();
    }
    if let Some(mask) = options.terminals {
        fs::console_file::set_terminals(mask);
    }

    let image = fs::image::init(image_range)
        .unwrap_or_else(|error| boot_failure(format_args!("the image is invalid: {error}")));
    fs::init(image);
    net::init(boot.cmdline());
    net::wait_until_addressed();
    let start = loader::load(image, &features)
        .unwrap_or_else(|error| boot_failure(format_args!("{error}")));

    log::info!(
        "{} MiB RAM, {} KiB kernel heap, TSC {} MHz ({tsc_source}), image {} KiB",
        total_ram >> 20,
        heap >> 10,
        tsc_hz / 1_000_000,
        (image_range.end - image_range.start) >> 10,
    );
    log::info!(
        "starting {} at {:#x}, {} us after kernel entry",
        alloc::string::String::from_utf8_lossy(&image.manifest().program),
        start.entry,
        (arch::cpu::rdtsc() - entry_tsc) * 1_000_000 / tsc_hz,
    );
    arch::user_entry::enter_user(start.entry, start.stack_pointer);
}
