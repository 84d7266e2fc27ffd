//! Unix domain sockets: `tests/guests/unix_sockets.c` checks stream, datagram and seqpacket
//! sockets, names in /tmp and in the abstract namespace, backlogs, `SCM_RIGHTS`, shutdown,
//! readiness, timeouts and `SIGPIPE` with exact results and errno values. The same program
//! passes on Linux.

mod common;

use std::ffi::OsStr;

use common::{c_guest, pith, Toolchain};

/// How many checks the guest makes: all of them must have run.
const CHECKS: usize = 283;

#[test]
fn unix_sockets_behave_as_on_linux() {
    let program = c_guest("unix_sockets", Toolchain::GlibcStatic);
    let outcome = pith([OsStr::new("run"), program.as_os_str()]).run();

    let stdout = outcome.stdout_text();
    let failures: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("FAIL"))
        .collect();
    assert!(
        failures.is_empty(),
        "failed checks:\n{}\n{outcome}",
        failures.join("\n")
    );
    let summary = format!("unix_sockets: {CHECKS} checks, 0 failed");
    assert_eq!(
        stdout.lines().last(),
        Some(summary.as_str()),
        "no complete, passing summary line\n{outcome}"
    );
    outcome.assert_status(0);
}
