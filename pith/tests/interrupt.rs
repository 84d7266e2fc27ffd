//! Ctrl-C stops the VM: pith ends as interrupted and leaves no QEMU behind, whether the
//! signal reaches pith's whole process group (a terminal's Ctrl-C) or pith alone
//! (`kill -INT`).

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::run::{descendants, process_alive, Running};
use common::{c_guest, pith, Toolchain};

/// How long QEMU may take to go away after pith exited.
const GRACE: Duration = Duration::from_secs(10);
const SIGINT: i32 = 2;

fn spinning_guest() -> Running {
    let program = c_guest("spin", Toolchain::GlibcStatic);
    let mut running = pith(["run".as_ref(), program.as_os_str()]).spawn();
    running.wait_for_stdout("spinning\n");
    running
}

fn stops_on_interrupt(deliver: impl FnOnce(&Running)) {
    let running = spinning_guest();
    let started = descendants(running.id());
    assert!(
        !started.is_empty(),
        "pith runs the guest in a process of its own (QEMU)"
    );

    deliver(&running);
    let outcome = running.wait();

    // A shell reports either as 130: exiting with 128 + SIGINT, or dying of SIGINT.
    assert!(
        outcome.status == Some(128 + SIGINT) || outcome.signal == Some(SIGINT),
        "pith did not end as interrupted\n{outcome}"
    );
    let start = Instant::now();
    while let Some(pid) = started.iter().find(|&&pid| process_alive(pid)) {
        assert!(
            start.elapsed() < GRACE,
            "process {pid} still runs {GRACE:?} after pith exited"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn ctrl_c_to_the_process_group_stops_the_vm() {
    stops_on_interrupt(|running| running.signal_group("INT"));
}

#[test]
fn sigint_to_pith_alone_stops_the_vm() {
    stops_on_interrupt(|running| running.signal("INT"));
}
