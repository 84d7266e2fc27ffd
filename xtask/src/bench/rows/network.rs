//! Network throughput, measured from the host: `redis-benchmark`'s GET and SET rates
//! against redis-server, and `wrk`'s rate against nginx, each server in a VM with its port
//! published through passt (rows/server.rs). One boot per side and repetition, the sides
//! alternating; the clients' settings are in clients.rs.

use std::path::Path;
use std::thread;
use std::time::Duration;

use super::super::clients::{self, Measured};
use super::super::programs::{self, HostProgram};
use super::super::report::{Report, Row, Side, Unit};
use super::super::Bench;
use super::server::Vm;

/// The same memory on both sides, ample for either server.
const MEMORY_MIB: u32 = 256;
/// From starting the VM to the server's first answer: a Linux boot under TCG takes ~10 s.
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// The pause between the server's first answer and the client, on both sides: what a
/// kernel still does just after boot should not count against its server.
const SETTLE: Duration = Duration::from_secs(2);
/// At most this many repetitions: each costs a boot and thousands of requests, and its
/// number is already a rate over all of them.
const MAX_REPS: u32 = 3;

/// A server, the rows its client fills (in the order of `Measured::rates`) and the client.
struct Group {
    name: &'static str,
    program: programs::Source,
    rows: &'static [(&'static str, &'static str)],
    client: fn(u16) -> Result<Measured, String>,
}

const GROUPS: [Group; 2] = [
    Group {
        name: "net-redis",
        program: programs::redis,
        rows: &[
            (
                "net-redis-get",
                "redis-server GET, redis-benchmark -c 50 (requests/s, higher is better)",
            ),
            (
                "net-redis-set",
                "redis-server SET, redis-benchmark -c 50 (requests/s, higher is better)",
            ),
        ],
        client: clients::redis_benchmark,
    },
    Group {
        name: "net-nginx",
        program: programs::nginx,
        rows: &[(
            "net-nginx",
            "nginx GET /, wrk -c 20 keep-alive (requests/s, higher is better)",
        )],
        client: clients::wrk,
    },
];

pub fn measure(bench: &Bench, report: &mut Report) -> anyhow::Result<()> {
    for group in &GROUPS {
        if group.rows.iter().any(|(id, _)| bench.options.wants(id)) {
            measure_group(bench, group, report)?;
        }
    }
    Ok(())
}

fn measure_group(bench: &Bench, group: &Group, report: &mut Report) -> anyhow::Result<()> {
    let accel = bench.accel.as_str();
    let mut rows: Vec<Row> = group
        .rows
        .iter()
        .map(|(id, title)| Row::new(id, title, Unit::RequestsPerSecond, accel))
        .collect();
    let program = match (group.program)() {
        Ok(program) => program,
        Err(error) => {
            for row in &mut rows {
                row.pith = Side::not_available(format!("{error:#}"));
                row.linux = Side::not_available(format!("{error:#}"));
            }
            report.rows.extend(rows);
            return Ok(());
        }
    };

    let mut sides = [Vm::Pith, Vm::Linux].map(|vm| (vm, vm.prepare(bench, group.name, &program)));
    let reps = bench.options.reps.min(MAX_REPS);
    for rep in 1..=reps {
        eprintln!("bench: {}, repetition {rep}/{reps}", group.name);
        for (vm, target) in &mut sides {
            let outcome = match target {
                Ok(path) => run_once(bench, *vm, path, &program, group.client)?,
                Err(reason) => Outcome::NoServer(reason.clone()),
            };
            // A server that did not come up will not the next time either: spare the wait.
            if let Outcome::NoServer(reason) = &outcome {
                *target = Err(reason.clone());
            }
            record(&mut rows, *vm, rep, outcome, report);
        }
    }
    report.rows.extend(rows);
    Ok(())
}

/// What one repetition on one side gave.
enum Outcome {
    Measured(Measured),
    /// The client failed against a server that had answered.
    ClientFailed(String),
    /// The server never answered (or could not be packed).
    NoServer(String),
}

/// One boot of the server, one run of the client once the server answers.
fn run_once(
    bench: &Bench,
    vm: Vm,
    target: &Path,
    program: &HostProgram,
    client: fn(u16) -> Result<Measured, String>,
) -> anyhow::Result<Outcome> {
    let server = program
        .server
        .expect("the network rows' programs are servers");
    let mut running = vm.start(bench, target, &server, MEMORY_MIB)?;
    if let Err(reason) = running.wait_until_answering(&server.probe, READY_TIMEOUT) {
        return Ok(Outcome::NoServer(running.stop_failed(&reason)));
    }
    thread::sleep(SETTLE);
    let measured = client(running.host_port);
    running.stop();
    Ok(match measured {
        Ok(measured) => Outcome::Measured(measured),
        Err(reason) => Outcome::ClientFailed(reason),
    })
}

/// Puts one run's rates into the rows, and the errors a client counted into the notes.
fn record(rows: &mut [Row], vm: Vm, rep: u32, outcome: Outcome, report: &mut Report) {
    match outcome {
        Outcome::Measured(measured) => {
            for (row, rate) in rows.iter_mut().zip(&measured.rates) {
                side(row, vm).record(Ok(*rate));
            }
            if let Some(errors) = measured.errors {
                let id = rows.first().map_or("", |row| row.id);
                let label = vm.label();
                report
                    .notes
                    .push(format!("{id}, {label}, repetition {rep}: {errors}"));
            }
        }
        Outcome::ClientFailed(reason) | Outcome::NoServer(reason) => {
            for row in rows.iter_mut() {
                side(row, vm).record(Err(reason.clone()));
            }
        }
    }
}

fn side(row: &mut Row, vm: Vm) -> &mut Side {
    match vm {
        Vm::Pith => &mut row.pith,
        Vm::Linux => &mut row.linux,
    }
}
