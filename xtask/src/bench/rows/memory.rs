//! The smallest `-m` at which a program still works, found by bisection on each side.
//! Each probe is one run; the search runs once per side (the answer is a threshold, and
//! a Linux probe costs seconds). A server works when it answers a request through its
//! published port (rows/server.rs).

use std::path::Path;
use std::time::{Duration, Instant};

use super::super::linux::{self, LinuxProgram};
use super::super::pith::RunOptions;
use super::super::process::Timed;
use super::super::programs::{self, HostProgram, Server};
use super::super::report::{shorten, Report, Row, Side, Unit};
use super::super::Bench;
use super::server::{Running, Vm};
use super::HELLO_MARKER;

/// Pith refuses less (its CLI's minimum); an answer there is an upper bound.
const PITH_RANGE: (u32, u32) = (8, 256);
const LINUX_RANGE: (u32, u32) = (16, 256);
const TIMEOUT: Duration = Duration::from_secs(60);
/// A server that has not answered by then is taken as not working (a Linux VM that has
/// the memory to boot answers within ~15 s under TCG on a busy host).
const SERVER_TIMEOUT: Duration = Duration::from_secs(45);

pub fn measure(bench: &Bench, report: &mut Report) -> anyhow::Result<()> {
    let accel = bench.accel.as_str();
    if bench.options.wants("memory-hello") {
        let mut row = Row::new(
            "memory-hello",
            "minimum memory (hello)",
            Unit::Mebibytes,
            accel,
        );
        eprintln!("bench: minimum memory of hello, Pith");
        row.pith = pith_minimum(bench, &bench.guests.hello)?;
        eprintln!("bench: minimum memory of hello, Linux");
        let program = LinuxProgram::simple(&bench.guests.hello, "/bench/hello", &[]);
        row.linux = linux_minimum(bench, "hello", &program)?;
        report.rows.push(row);
    }

    let servers: [(&str, &str, programs::Source); 2] = [
        (
            "memory-redis",
            "minimum memory (redis-server)",
            programs::redis,
        ),
        ("memory-nginx", "minimum memory (nginx)", programs::nginx),
    ];
    for (id, title, program) in servers {
        if !bench.options.wants(id) {
            continue;
        }
        eprintln!("bench: {title}");
        let mut row = Row::new(id, title, Unit::Mebibytes, accel);
        (row.pith, row.linux) = match program() {
            Ok(program) => (
                server_minimum(bench, id, &program, Vm::Pith)?,
                server_minimum(bench, id, &program, Vm::Linux)?,
            ),
            Err(error) => {
                let reason = format!("{error:#}");
                (Side::not_available(&reason), Side::not_available(reason))
            }
        };
        report.rows.push(row);
    }
    Ok(())
}

/// The smallest `--memory` at which `pith run PROGRAM` prints hello's greeting.
fn pith_minimum(bench: &Bench, program: &Path) -> anyhow::Result<Side> {
    let works = |mib: u32| -> anyhow::Result<bool> {
        let options = RunOptions {
            memory_mib: Some(mib),
            ..RunOptions::default()
        };
        let timed = bench.pith.run(program, &options, HELLO_MARKER, TIMEOUT)?;
        Ok(log_probe("pith", mib, timed_verdict(&timed), timed.wall))
    };
    Ok(side_of(bisect(PITH_RANGE, works)?, PITH_RANGE))
}

/// The smallest memory at which `program`, a server, answers through its published port
/// on one side.
fn server_minimum(
    bench: &Bench,
    name: &str,
    program: &HostProgram,
    vm: Vm,
) -> anyhow::Result<Side> {
    let server = program
        .server
        .expect("the memory rows' programs are servers");
    let range = match vm {
        Vm::Pith => PITH_RANGE,
        Vm::Linux => LINUX_RANGE,
    };
    let target = match vm.prepare(bench, name, program) {
        Ok(target) => target,
        Err(reason) => return Ok(Side::not_available(reason)),
    };
    let works = |mib: u32| -> anyhow::Result<bool> {
        let started = Instant::now();
        let running = vm.start(bench, &target, &server, mib)?;
        let verdict = answers(running, &server);
        Ok(log_probe(vm.label(), mib, verdict, started.elapsed()))
    };
    Ok(side_of(bisect(range, works)?, range))
}

/// Whether the server answered its request; the VM is stopped either way.
fn answers(mut running: Running, server: &Server) -> Result<(), String> {
    match running.wait_until_answering(&server.probe, SERVER_TIMEOUT) {
        Ok(()) => {
            running.stop();
            Ok(())
        }
        Err(reason) => Err(running.stop_failed(&reason)),
    }
}

/// The smallest memory at which the Linux VM runs `program` to `HELLO_MARKER`.
fn linux_minimum(bench: &Bench, name: &str, program: &LinuxProgram) -> anyhow::Result<Side> {
    let vm = match &bench.linux {
        Err(reason) => return Ok(Side::not_available(reason.clone())),
        Ok(vm) => vm,
    };
    let initramfs = bench.dir("images")?.join(format!("{name}.cpio"));
    linux::write_initramfs(&bench.guests.init, program, &initramfs)?;
    let works = |mib: u32| -> anyhow::Result<bool> {
        let timed = vm.run(&initramfs, mib, HELLO_MARKER, TIMEOUT)?;
        Ok(log_probe("linux", mib, timed_verdict(&timed), timed.wall))
    };
    Ok(side_of(bisect(LINUX_RANGE, works)?, LINUX_RANGE))
}

fn timed_verdict(timed: &Timed) -> Result<(), String> {
    timed.failure("run").map_or(Ok(()), Err)
}

/// Whether the probe worked, said on standard error as the search goes.
fn log_probe(side: &str, mib: u32, verdict: Result<(), String>, took: Duration) -> bool {
    let said = verdict.as_ref().err().map_or("works", String::as_str);
    eprintln!(
        "bench:   {side} with {mib} MiB: {} ({:.1} s)",
        shorten(said, 80),
        took.as_secs_f64()
    );
    verdict.is_ok()
}

fn side_of(found: Option<u32>, (low, high): (u32, u32)) -> Side {
    match found {
        None => Side::not_available(format!("does not work even with {high} MiB")),
        Some(mib) => Side {
            samples: vec![f64::from(mib)],
            at_most: mib == low,
            ..Side::default()
        },
    }
}

/// The smallest size in `low..=high` (MiB) for which `works` holds, assuming that more
/// memory never breaks what works; `None` if even `high` does not.
fn bisect(
    (low, high): (u32, u32),
    mut works: impl FnMut(u32) -> anyhow::Result<bool>,
) -> anyhow::Result<Option<u32>> {
    if !works(high)? {
        return Ok(None);
    }
    if works(low)? {
        return Ok(Some(low));
    }
    // Invariant: `failing` fails and `working` works.
    let (mut failing, mut working) = (low, high);
    while working - failing > 1 {
        let middle = failing + (working - failing) / 2;
        if works(middle)? {
            working = middle;
        } else {
            failing = middle;
        }
    }
    Ok(Some(working))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(threshold: u32) -> (Option<u32>, usize) {
        let mut probes = 0;
        let found = bisect((8, 256), |mib| {
            probes += 1;
            Ok(mib >= threshold)
        })
        .unwrap();
        (found, probes)
    }

    #[test]
    fn bisection_finds_the_threshold() {
        assert_eq!(search(37).0, Some(37));
        assert_eq!(search(9).0, Some(9));
        assert_eq!(search(256).0, Some(256));
        assert!(search(37).1 <= 10);
    }

    #[test]
    fn bounds_are_reported() {
        assert_eq!(search(8), (Some(8), 2));
        assert_eq!(search(300), (None, 1));
        assert!(side_of(Some(8), (8, 256)).at_most);
        assert!(!side_of(Some(9), (8, 256)).at_most);
        assert!(side_of(None, (8, 256)).samples.is_empty());
    }
}
