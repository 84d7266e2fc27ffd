//! Boot and run time of the hello guest: from starting the VM's process to the program's
//! first output (host clock), from kernel entry to the program (guest clock), and the
//! whole run.

use std::path::PathBuf;
use std::time::Duration;

use super::super::linux::{self, LinuxProgram};
use super::super::pith::{self, RunOptions};
use super::super::report::{Report, Row, Side, Unit};
use super::super::Bench;
use super::{field, millis, wall_time, why, HELLO_MARKER};

/// The same memory on both sides: what Debian's kernel needs to boot comfortably.
const MEMORY_MIB: u32 = 128;
const TIMEOUT: Duration = Duration::from_secs(120);

const IDS: [&str; 3] = ["boot-host-hello", "boot-guest-hello", "run-hello"];

/// The three rows, filled one repetition at a time.
struct BootRows {
    first_output: Row,
    entry: Row,
    total: Row,
}

pub fn measure(bench: &Bench, report: &mut Report) -> anyhow::Result<()> {
    if !IDS.iter().any(|id| bench.options.wants(id)) {
        return Ok(());
    }
    let accel = bench.accel.as_str();
    let mut rows = BootRows {
        first_output: Row::new(
            IDS[0],
            "boot to first output, host clock (hello)",
            Unit::Milliseconds,
            accel,
        ),
        entry: Row::new(
            IDS[1],
            "kernel entry to program entry, guest clock (hello)",
            Unit::Milliseconds,
            accel,
        ),
        total: Row::new(IDS[2], "total run time (hello)", Unit::Milliseconds, accel),
    };

    // Both sides boot a ready image, as a deployed unikernel or VM would.
    let image = bench.dir("images")?.join("hello.pith");
    let pith_image = bench
        .pith
        .build(&bench.guests.hello, &image)
        .map(|()| image);
    let initramfs = hello_initramfs(bench);

    for rep in 1..=bench.options.reps {
        eprintln!("bench: boot rows, repetition {rep}/{}", bench.options.reps);
        pith_boot(bench, &pith_image, &mut rows)?;
        pith_total(bench, &mut rows.total.pith)?;
        linux_run(bench, &initramfs, &mut rows)?;
    }
    report
        .rows
        .extend([rows.first_output, rows.entry, rows.total]);
    Ok(())
}

fn hello_initramfs(bench: &Bench) -> Result<PathBuf, String> {
    bench.linux.as_ref().map_err(Clone::clone)?;
    let path = bench
        .dir("images")
        .map_err(|e| e.to_string())?
        .join("hello.cpio");
    let program = LinuxProgram::simple(&bench.guests.hello, "/bench/hello", &[]);
    linux::write_initramfs(&bench.guests.init, &program, &path)
        .map(|_| path)
        .map_err(|error| format!("{error:#}"))
}

/// `pith run --log-level info IMAGE`: the first output, and the kernel's own count of
/// microseconds from its entry to the program's.
fn pith_boot(
    bench: &Bench,
    image: &Result<PathBuf, String>,
    rows: &mut BootRows,
) -> anyhow::Result<()> {
    let image = match image {
        Ok(image) => image,
        Err(reason) => {
            rows.first_output
                .pith
                .record(Err(format!("pith build: {reason}")));
            rows.entry.pith.record(Err(format!("pith build: {reason}")));
            return Ok(());
        }
    };
    let options = RunOptions {
        memory_mib: Some(MEMORY_MIB),
        log_info: true,
        ..RunOptions::default()
    };
    let timed = bench.pith.run(image, &options, HELLO_MARKER, TIMEOUT)?;
    if timed.failure("pith run").is_some() {
        rows.first_output.pith.record(Err(why(&timed, "pith run")));
        rows.entry.pith.record(Err(why(&timed, "pith run")));
        return Ok(());
    }
    rows.first_output.pith.record(
        timed
            .first_marker
            .map(millis)
            .ok_or_else(|| why(&timed, "pith run")),
    );
    let entry = pith::entry_micros(&timed.stderr).map(|micros| micros / 1000.0);
    rows.entry.pith.record(entry.ok_or_else(|| {
        "the kernel printed no `starting ... us after kernel entry` line".to_owned()
    }));
    Ok(())
}

/// `pith run PROGRAM` as a user types it: packing the image included.
fn pith_total(bench: &Bench, side: &mut Side) -> anyhow::Result<()> {
    let options = RunOptions {
        memory_mib: Some(MEMORY_MIB),
        ..RunOptions::default()
    };
    let timed = bench
        .pith
        .run(&bench.guests.hello, &options, HELLO_MARKER, TIMEOUT)?;
    side.record(wall_time(&timed, "pith run"));
    Ok(())
}

/// One boot of the Linux VM gives all three: the first output on the console, /init's
/// CLOCK_BOOTTIME, and the time until QEMU exits after the power-off.
fn linux_run(
    bench: &Bench,
    initramfs: &Result<PathBuf, String>,
    rows: &mut BootRows,
) -> anyhow::Result<()> {
    let sides = [
        &mut rows.first_output.linux,
        &mut rows.entry.linux,
        &mut rows.total.linux,
    ];
    let (vm, initramfs) = match (&bench.linux, initramfs) {
        (Ok(vm), Ok(initramfs)) => (vm, initramfs),
        (Err(reason), _) | (_, Err(reason)) => {
            for side in sides {
                side.record(Err(reason.clone()));
            }
            return Ok(());
        }
    };
    let timed = vm.run(initramfs, MEMORY_MIB, HELLO_MARKER, TIMEOUT)?;
    if timed.failure("Linux VM").is_some() {
        for side in sides {
            side.record(Err(why(&timed, "Linux VM")));
        }
        return Ok(());
    }
    let [first_output, entry, total] = sides;
    first_output.record(
        timed
            .first_marker
            .map(millis)
            .ok_or_else(|| why(&timed, "Linux VM")),
    );
    let boottime =
        field(&timed.stdout, "init_boottime_us").and_then(|value| value.parse::<f64>().ok());
    entry.record(
        boottime
            .map(|micros| micros / 1000.0)
            .ok_or_else(|| "/init printed no init_boottime_us".to_owned()),
    );
    total.record(Ok(millis(timed.wall)));
    Ok(())
}
