//! In-guest micro-benchmarks (xtask/guests/micro.c): cycles per system call, thread,
//! futex round trip and page fault, measured with the TSC inside the guest. Pith runs each
//! test in its own VM, so that a missing feature costs only its own row; Linux runs them
//! all in one boot, since a boot costs seconds.

use std::fs;
use std::path::Path;
use std::time::Duration;

use super::super::linux::{self, LinuxProgram};
use super::super::pith::RunOptions;
use super::super::report::{Report, Row, Unit};
use super::super::Bench;
use super::{field, why};

/// The same memory on both sides, enough for the page-fault test's 4 MiB regions.
const MEMORY_MIB: u32 = 256;
const TIMEOUT: Duration = Duration::from_secs(180);
/// The file of the 4 KiB read test, in the guest.
const DATA_PATH: &str = "/bench/data";
const DATA_SIZE: usize = 64 * 1024;

/// A row, its test in micro.c, and the test's arguments.
struct Test {
    id: &'static str,
    title: &'static str,
    name: &'static str,
    args: &'static [&'static str],
}

const TESTS: [Test; 5] = [
    Test {
        id: "syscall-getppid",
        title: "null syscall, getppid (cycles/call)",
        name: "getppid",
        args: &[],
    },
    Test {
        id: "syscall-read4k",
        title: "4 KiB read from a file (cycles/call)",
        name: "read4k",
        args: &[DATA_PATH],
    },
    Test {
        id: "thread-create",
        title: "thread create + join (cycles/thread)",
        name: "thread",
        args: &[],
    },
    Test {
        id: "futex-pingpong",
        title: "futex ping-pong (cycles/round trip)",
        name: "futex",
        args: &[],
    },
    Test {
        id: "page-fault",
        title: "page fault, fresh anonymous page (cycles)",
        name: "pagefault",
        args: &[],
    },
];

pub fn measure(bench: &Bench, report: &mut Report) -> anyhow::Result<()> {
    if !TESTS.iter().any(|test| bench.options.wants(test.id)) {
        return Ok(());
    }
    let accel = bench.accel.as_str();
    let mut rows: Vec<Row> = TESTS
        .iter()
        .map(|test| Row::new(test.id, test.title, Unit::Cycles, accel))
        .collect();

    let data = bench.dir("images")?.join("data.bin");
    fs::write(&data, data_file())?;
    let initramfs = micro_initramfs(bench);
    for rep in 1..=bench.options.reps {
        eprintln!(
            "bench: in-guest rows, repetition {rep}/{}",
            bench.options.reps
        );
        pith_tests(bench, &data, &mut rows)?;
        linux_tests(bench, &initramfs, &mut rows)?;
    }
    report.rows.extend(rows);
    Ok(())
}

/// Bytes that are not all alike, so that no layer can treat the file as sparse.
fn data_file() -> Vec<u8> {
    (0..DATA_SIZE)
        .map(|index| (index * 31 % 251) as u8)
        .collect()
}

fn all_tests_args() -> Vec<&'static str> {
    TESTS
        .iter()
        .flat_map(|test| std::iter::once(test.name).chain(test.args.iter().copied()))
        .collect()
}

fn micro_initramfs(bench: &Bench) -> Result<std::path::PathBuf, String> {
    bench.linux.as_ref().map_err(Clone::clone)?;
    let path = bench
        .dir("images")
        .map_err(|e| e.to_string())?
        .join("micro.cpio");
    let mut program = LinuxProgram::simple(&bench.guests.micro, "/bench/micro", &all_tests_args());
    program.files.push((DATA_PATH.to_owned(), data_file()));
    linux::write_initramfs(&bench.guests.init, &program, &path)
        .map(|_| path)
        .map_err(|error| format!("{error:#}"))
}

fn pith_tests(bench: &Bench, data: &Path, rows: &mut [Row]) -> anyhow::Result<()> {
    // Files besides the program reach the guest once pith has `--file`; until then the
    // read test says the open failed.
    let files = if bench.pith.has_file_option() {
        vec![format!("{}:{DATA_PATH}", data.display())]
    } else {
        Vec::new()
    };
    for (test, row) in TESTS.iter().zip(rows) {
        if !bench.options.wants(test.id) {
            continue;
        }
        let args: Vec<&str> = std::iter::once(test.name)
            .chain(test.args.iter().copied())
            .collect();
        let options = RunOptions {
            args: &args,
            memory_mib: Some(MEMORY_MIB),
            files: if test.name == "read4k" { &files } else { &[] },
            ..RunOptions::default()
        };
        let timed = bench
            .pith
            .run(&bench.guests.micro, &options, test.name, TIMEOUT)?;
        row.pith.record(
            result(&timed.stdout, test.name).unwrap_or_else(|| Err(why(&timed, "pith run"))),
        );
    }
    Ok(())
}

fn linux_tests(
    bench: &Bench,
    initramfs: &Result<std::path::PathBuf, String>,
    rows: &mut [Row],
) -> anyhow::Result<()> {
    let (vm, initramfs) = match (&bench.linux, initramfs) {
        (Ok(vm), Ok(initramfs)) => (vm, initramfs),
        (Err(reason), _) | (_, Err(reason)) => {
            rows.iter_mut()
                .for_each(|row| row.linux.record(Err(reason.clone())));
            return Ok(());
        }
    };
    let timed = vm.run(initramfs, MEMORY_MIB, "exit=", TIMEOUT)?;
    for (test, row) in TESTS.iter().zip(rows) {
        row.linux.record(
            result(&timed.stdout, test.name).unwrap_or_else(|| Err(why(&timed, "Linux VM"))),
        );
    }
    Ok(())
}

/// The test's `NAME_cycles=N` or `NAME=n/a REASON` line, if it printed one.
fn result(output: &str, name: &str) -> Option<Result<f64, String>> {
    if let Some(value) = field(output, &format!("{name}_cycles")) {
        return Some(
            value
                .parse()
                .map_err(|_| format!("{name}_cycles={value} is not a number")),
        );
    }
    let reason = field(output, name)?;
    Some(Err(reason.trim_start_matches("n/a").trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_and_reasons_are_read() {
        let output = "getppid_cycles=484\nthread=n/a pthread_create: Function not implemented\n";
        assert_eq!(result(output, "getppid"), Some(Ok(484.0)));
        assert_eq!(
            result(output, "thread"),
            Some(Err("pthread_create: Function not implemented".to_owned()))
        );
        assert_eq!(result(output, "futex"), None);
    }

    #[test]
    fn every_test_is_passed_with_its_arguments() {
        assert_eq!(
            all_tests_args(),
            [
                "getppid",
                "read4k",
                DATA_PATH,
                "thread",
                "futex",
                "pagefault"
            ]
        );
    }
}
