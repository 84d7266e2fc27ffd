//! One run of a VM: QEMU started on three socket pairs, the console copying its output, and
//! the wait for the guest's exit status, which becomes pith's (docs/host-protocol.md).

use std::io::{self, Read};
use std::net::TcpListener;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, ChildStderr, ExitStatus};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::Context;
use signal_hook::consts::{SIGHUP, SIGINT, SIGPIPE, SIGTERM};
use signal_hook::iterator::Signals;

use crate::console::{self, Console, Event, HostPorts};
use crate::diagnostics::backtrace::{self, SymbolFiles};
use crate::diagnostics::crash::Crash;
use crate::frame::GuestExit;
use crate::launcher::network;
use crate::launcher::qemu::{self, InheritedFds, VmConfig};

/// pith's exit status when pith or the VM, rather than the program, failed.
pub const PITH_FAILURE: u8 = 125;
/// How long QEMU may take to end after the guest reported its exit, before pith ends it.
const EXIT_GRACE: Duration = Duration::from_secs(5);

/// How the wait for the VM ended.
#[derive(Debug)]
struct Outcome {
    /// What the guest reported, if it did.
    exit: Option<GuestExit>,
    /// The crash frame the guest sent before its exit, if it did.
    crash: Option<Box<Crash>>,
    /// The signal that made pith stop the VM, if one did.
    stopped_by: Option<i32>,
    qemu: ExitStatus,
}

/// Runs the VM described by `config` with the QEMU at `qemu` and returns pith's exit status.
/// With `gdb`, the VM starts paused and QEMU's GDB stub accepts on that socket. A crash is
/// reported with a backtrace symbolized from `symbols`.
pub fn run(
    qemu: &Path,
    config: &VmConfig,
    gdb: Option<TcpListener>,
    symbols: &SymbolFiles,
) -> anyhow::Result<u8> {
    let (host_ports, guest_ports) = socket_pairs().context("cannot create the serial sockets")?;
    let fds = InheritedFds {
        serial: qemu::raw_fds(&guest_ports),
        gdb: gdb.as_ref().map(AsRawFd::as_raw_fd),
    };
    let args = qemu::arguments(config, fds);
    log::info!("QEMU command: {}", qemu::shell_words(qemu, &args));

    // Signals are caught before QEMU starts, so that no Ctrl-C is lost in between.
    let (events, received) = mpsc::channel();
    forward_signals(events.clone()).context("cannot set up signal handling")?;
    let console = Console::start(host_ports, console::should_forward_stdin(), events)
        .context("cannot start the console threads")?;

    let mut inherited = Vec::from(guest_ports);
    inherited.extend(gdb.map(OwnedFd::from));
    let mut child = qemu::spawn(qemu, &args, inherited)?;
    let stderr = collect(child.stderr.take());
    let outcome = wait(&received, &mut child).context("waiting for QEMU failed")?;

    console.drain();
    if let Some(crash) = &outcome.crash {
        backtrace::print(crash, symbols);
    }
    let stderr = stderr.join().unwrap_or_default();
    let network_failure = config
        .network
        .as_ref()
        .and_then(|device| network::explain_failure(device, &String::from_utf8_lossy(&stderr)));
    Ok(exit_code(&outcome, &stderr, network_failure))
}

/// One socket pair per serial port: pith's ends, and QEMU's. (`main` made sure that none of
/// them lands on a standard stream's number.)
fn socket_pairs() -> io::Result<(HostPorts, [OwnedFd; 3])> {
    let (stdout, guest_stdout) = UnixStream::pair()?;
    let (stderr, guest_stderr) = UnixStream::pair()?;
    let (control, guest_control) = UnixStream::pair()?;
    let host = HostPorts {
        stdout,
        stderr,
        control,
    };
    let guest = [
        guest_stdout.into(),
        guest_stderr.into(),
        guest_control.into(),
    ];
    Ok((host, guest))
}

/// Turns Ctrl-C (and SIGTERM, SIGHUP) into an event, so that pith stops the VM and exits
/// with `128 + signal`. QEMU runs in its own process group and does not see them.
fn forward_signals(events: Sender<Event>) -> io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    thread::Builder::new()
        .name("pith-signals".to_owned())
        .spawn(move || {
            for signal in signals.forever() {
                let _ = events.send(Event::Signal(signal));
            }
        })?;
    Ok(())
}

/// Reads QEMU's standard error to the end, to show it if the VM fails.
fn collect(stderr: Option<ChildStderr>) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut text = Vec::new();
        if let Some(mut stderr) = stderr {
            let _ = stderr.read_to_end(&mut text);
        }
        text
    })
}

/// Waits until QEMU exits, or until pith must stop it.
fn wait(events: &Receiver<Event>, child: &mut Child) -> io::Result<Outcome> {
    let mut exit = None;
    let mut crash = None;
    let mut stopped_by = None;
    let mut must_kill = false;
    loop {
        let event = match exit {
            None => events.recv().map_err(RecvTimeoutError::from),
            Some(_) => events.recv_timeout(EXIT_GRACE),
        };
        match event {
            Ok(Event::Exit(reported)) => exit = exit.or(Some(reported)),
            Ok(Event::Crash(reported)) => crash = crash.or(Some(reported)),
            Ok(Event::ControlClosed) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(Event::StdoutClosed) => stopped_by = Some(SIGPIPE),
            Ok(Event::Signal(signal)) => stopped_by = Some(signal),
            Err(RecvTimeoutError::Timeout) => {
                log::warn!("QEMU did not end after the program exited; stopping it");
                must_kill = true;
            }
        }
        if stopped_by.is_some() || must_kill {
            // Fails only if QEMU has already exited, which is what it is for.
            let _ = child.kill();
            break;
        }
    }

    let qemu = child.wait()?;
    log::debug!("QEMU ended: {qemu}");
    Ok(Outcome {
        exit,
        crash,
        stopped_by,
        qemu,
    })
}

/// pith's exit status for `outcome`, saying on standard error why the VM failed if it did:
/// QEMU's words, and `network_failure` if QEMU could not attach the network.
fn exit_code(outcome: &Outcome, qemu_stderr: &[u8], network_failure: Option<String>) -> u8 {
    let failed = outcome.stopped_by.is_none()
        && matches!(outcome.exit, None | Some(GuestExit::KernelFailed));
    if failed || log::log_enabled!(log::Level::Debug) {
        eprint!("{}", String::from_utf8_lossy(qemu_stderr));
    }

    if let Some(signal) = outcome.stopped_by {
        return u8::try_from(128 + signal).unwrap_or(u8::MAX);
    }
    match outcome.exit {
        Some(GuestExit::KernelFailed) => {
            eprintln!("pith: the kernel failed");
            PITH_FAILURE
        }
        Some(exit) => exit.exit_code(),
        None => {
            match network_failure {
                Some(message) => eprintln!("pith: {message}"),
                None => eprintln!(
                    "pith: the VM stopped without reporting an exit status (QEMU: {})",
                    outcome.qemu
                ),
            }
            PITH_FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    fn outcome(exit: Option<GuestExit>, stopped_by: Option<i32>) -> Outcome {
        Outcome {
            exit,
            crash: None,
            stopped_by,
            qemu: ExitStatus::from_raw(0),
        }
    }

    #[test]
    fn exit_codes() {
        assert_eq!(
            exit_code(&outcome(Some(GuestExit::Exited(3)), None), b"", None),
            3
        );
        assert_eq!(
            exit_code(&outcome(Some(GuestExit::Signaled(11)), None), b"", None),
            139
        );
        assert_eq!(
            exit_code(&outcome(Some(GuestExit::KernelFailed), None), b"", None),
            125
        );
        assert_eq!(exit_code(&outcome(None, None), b"", None), 125);
        assert_eq!(exit_code(&outcome(None, Some(SIGINT)), b"", None), 130);
        assert_eq!(
            exit_code(
                &outcome(Some(GuestExit::Exited(0)), Some(SIGPIPE)),
                b"",
                None
            ),
            141
        );
    }
}
