//! Helpers for the network tests: a shorter `pith run`, free host ports, the address at
//! which a VM reaches the host, waiting until a server behind a published port answers, and
//! a guard that stops a serving VM when a test fails.

use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::run::{pith, process_alive, Pith, Running};
use super::Outcome;

/// `pith run OPTIONS PROGRAM -- ARGS`.
pub fn pith_run(options: &[&str], program: &Path, args: &[&str]) -> Pith {
    let program = program.to_str().expect("a UTF-8 path");
    pith(
        ["run"]
            .iter()
            .chain(options)
            .chain(&[program, "--"])
            .chain(args),
    )
}

/// A TCP port on the host that nothing listens on right now. The kernel picks it, so tests
/// running in parallel get different ones.
pub fn free_tcp_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0)).expect("binding port 0");
    listener.local_addr().expect("a bound address").port()
}

/// A UDP port on the host that nothing is bound to right now.
pub fn free_udp_port() -> u16 {
    let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).expect("binding port 0");
    socket.local_addr().expect("a bound address").port()
}

/// The host's default gateway, from `/proc/net/route`. passt gives the VM the host's own
/// gateway as its router, and maps connections to that address to the host's loopback: a
/// guest reaches a server on the host's 127.0.0.1 there.
pub fn host_gateway() -> Ipv4Addr {
    let routes = std::fs::read_to_string("/proc/net/route").expect("reading /proc/net/route");
    routes
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .find(|fields| fields.get(1) == Some(&"00000000"))
        .and_then(|fields| u32::from_str_radix(fields.get(2)?, 16).ok())
        // The file holds the address in the host's byte order, which is little-endian here.
        .map(|gateway| Ipv4Addr::from(gateway.to_le_bytes()))
        .expect("the host has a default route (passt needs one)")
}

/// Calls `attempt` until it succeeds or `limit` has passed; returns its last result. For a
/// server behind a published port: passt takes the connection on the host at once, and
/// closes it if nothing listens in the guest yet.
pub fn retry<T, E>(limit: Duration, mut attempt: impl FnMut() -> Result<T, E>) -> Result<T, E> {
    let start = Instant::now();
    loop {
        let result = attempt();
        if result.is_ok() || start.elapsed() > limit {
            return result;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A pith run that serves the test: if the test fails before it waits for the run, the
/// guard stops pith with SIGTERM (pith then stops its VM and passt), so that no VM is left
/// behind.
pub struct Serving(Option<Running>);

impl Serving {
    pub fn new(running: Running) -> Serving {
        Serving(Some(running))
    }

    pub fn running(&mut self) -> &mut Running {
        self.0.as_mut().expect("still running")
    }

    /// Waits for the program to end by itself.
    pub fn wait(mut self) -> Outcome {
        self.0.take().expect("still running").wait()
    }

    /// Stops the VM with SIGTERM to pith (a server does not end by itself) and waits.
    pub fn stop(mut self) -> Outcome {
        let running = self.0.take().expect("still running");
        running.signal("TERM");
        running.wait()
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let Some(running) = self.0.take() else {
            return;
        };
        // No panics here: this runs while a failed test unwinds.
        let pid = running.id();
        let _ = Command::new("kill")
            .args(["-s", "TERM", "--", &pid.to_string()])
            .status();
        let start = Instant::now();
        while process_alive(pid) && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
