//! passt, the user-mode network the VM's virtio-net device talks to over a Unix socket
//! (passt(1), https://passt.top): it answers the guest's DHCP with the host's own address,
//! translates its connections into the host's sockets, and forwards published host ports
//! to the guest. One passt serves one VM and ends with it.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use tempfile::TempDir;
use thiserror::Error;

use super::{die_with_parent, find_on_path};
use crate::network::{PortMapping, Protocol};

const PASST_BINARY: &str = "passt";
/// passt refuses to run as root: started by root, it becomes this user (Debian's `nobody`)
/// before it creates its socket, so the socket's directory must be that user's.
const UNPRIVILEGED_ID: u32 = 65534;
/// The socket's name in its directory.
const SOCKET_NAME: &str = "passt.socket";
/// The longest path a Unix socket address holds (sun_path, less the NUL).
const MAX_SOCKET_PATH: usize = 107;
/// How long passt may take to listen; it usually takes a few milliseconds.
const START_TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(1);
/// How much of passt's standard error is kept for an error message.
const STDERR_KEPT: usize = 16 << 10;
/// `__SO_ACCEPTCON` in /proc/net/unix's flags: the socket listens.
const LISTENING: u32 = 0x10000;

#[derive(Debug, Error)]
pub enum PasstError {
    /// `PITH_PASST` names no file.
    #[error(
        "PITH_PASST={} is not a file: point it at passt, or unset it to use the one on PATH \
         (install Debian's passt with `sudo apt-get install passt`), or run without a network \
         with --net none",
        .0.display()
    )]
    BadOverride(PathBuf),
    /// The directory for passt's socket cannot be made.
    #[error("cannot create a directory for passt's socket: {0}")]
    SocketDirectory(io::Error),
    /// The temporary directory's path is too long for a socket.
    #[error(
        "passt's socket path {} is longer than a Unix socket allows ({MAX_SOCKET_PATH} bytes): \
         set TMPDIR to a shorter directory",
        .0.display()
    )]
    SocketPathTooLong(PathBuf),
    /// passt cannot be run.
    #[error("cannot start passt ({}): {source}", path.display())]
    Spawn { path: PathBuf, source: io::Error },
    /// passt ended before it was ready.
    #[error("passt failed ({status}) before it was ready{output}")]
    Exited { status: ExitStatus, output: String },
    /// passt did not listen in time.
    #[error(
        "passt did not listen on {} within {} seconds{output}",
        socket.display(),
        START_TIMEOUT.as_secs()
    )]
    Timeout { socket: PathBuf, output: String },
}

/// Finds passt: `PITH_PASST` if set, else `passt` on `PATH`; `None` if it is not installed.
pub fn find() -> Result<Option<PathBuf>, PasstError> {
    if let Some(path) = env::var_os("PITH_PASST").filter(|path| !path.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(Some(path))
        } else {
            Err(PasstError::BadOverride(path))
        };
    }
    Ok(find_on_path(PASST_BINARY, env::var_os("PATH").as_deref()))
}

/// A running passt, listening on its socket. Dropping it stops passt and removes the socket.
pub struct Passt {
    child: Child,
    socket: PathBuf,
    stderr: Option<JoinHandle<String>>,
    /// Removed after passt has stopped (fields drop after `drop`).
    _directory: TempDir,
}

impl Passt {
    /// Starts `passt` publishing `publish`, and waits until QEMU can connect to it.
    pub fn start(passt: &Path, publish: &[PortMapping]) -> Result<Passt, PasstError> {
        let as_root = rustix::process::geteuid().is_root();
        let directory = socket_directory(as_root).map_err(PasstError::SocketDirectory)?;
        let socket = directory.path().join(SOCKET_NAME);
        if socket.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(PasstError::SocketPathTooLong(socket));
        }

        let args = arguments(&socket, publish, as_root);
        log::info!("passt command: {}", super::qemu::shell_words(passt, &args));
        let mut child = spawn(passt, &args)?;
        let stderr = collect(child.stderr.take());
        let mut passt = Passt {
            child,
            socket,
            stderr: Some(stderr),
            _directory: directory,
        };
        passt.wait_until_listening()?;
        Ok(passt)
    }

    /// The socket QEMU connects to.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Waits until passt listens on its socket: the file appears at bind(2), a moment before
    /// listen(2), and QEMU 7.2 does not retry a refused connection.
    fn wait_until_listening(&mut self) -> Result<(), PasstError> {
        let started = Instant::now();
        loop {
            if listening(&self.socket) {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let output = self.output();
                return Err(PasstError::Exited { status, output });
            }
            if started.elapsed() > START_TIMEOUT {
                // Fails only if passt has exited, which is what it is for.
                let _ = self.child.kill();
                let _ = self.child.wait();
                let socket = self.socket.clone();
                let output = self.output();
                return Err(PasstError::Timeout { socket, output });
            }
            thread::sleep(POLL);
        }
    }

    /// What passt said, once it has ended, for an error message.
    fn output(&mut self) -> String {
        let text = self
            .stderr
            .take()
            .and_then(|handle| handle.join().ok())
            .unwrap_or_default();
        if text.trim().is_empty() {
            String::new()
        } else {
            format!("; it said:\n{}", text.trim_end())
        }
    }
}

impl Drop for Passt {
    fn drop(&mut self) {
        // passt ends by itself when QEMU disconnects (-1); this covers every other way out.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh directory for the socket, only for passt's user: pith's own, or, for root, the
/// user passt becomes (root may still use it).
fn socket_directory(as_root: bool) -> io::Result<TempDir> {
    let directory = tempfile::Builder::new().prefix("pith-passt-").tempdir()?;
    if as_root {
        let id = Some(UNPRIVILEGED_ID);
        std::os::unix::fs::chown(directory.path(), id, id)?;
    }
    Ok(directory)
}

/// passt's arguments: in the foreground (so that pith can stop it), quiet, ending when its
/// one client (QEMU) disconnects, on `socket`, forwarding `publish`.
fn arguments(socket: &Path, publish: &[PortMapping], as_root: bool) -> Vec<OsString> {
    let mut args: Vec<OsString> = ["-f", "-q", "-1"].map(OsString::from).to_vec();
    if as_root {
        args.push("--runas".into());
        args.push(format!("{UNPRIVILEGED_ID}:{UNPRIVILEGED_ID}").into());
    }
    args.push("-s".into());
    args.push(socket.into());
    for port in publish {
        let option = match port.protocol {
            Protocol::Tcp => "-t",
            Protocol::Udp => "-u",
        };
        args.push(option.into());
        args.push(format!("{}:{}", port.host, port.guest).into());
    }
    args
}

/// Starts passt in a process group of its own, so that Ctrl-C reaches only pith, and tied to
/// pith's life. The tie lasts while passt keeps pith's user: passt started by root changes
/// user, which ends it (prctl(2)), and then ends when QEMU, itself tied to pith, disconnects.
fn spawn(passt: &Path, args: &[OsString]) -> Result<Child, PasstError> {
    let parent = rustix::process::getpid();
    let mut command = Command::new(passt);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: the closure runs in the forked child before exec; it allocates nothing and only
    // makes async-signal-safe system calls (prctl, getppid).
    unsafe {
        command.pre_exec(move || die_with_parent(parent));
    }
    command.spawn().map_err(|source| PasstError::Spawn {
        path: passt.to_owned(),
        source,
    })
}

/// Reads passt's standard error to the end, keeping the last `STDERR_KEPT` bytes (enough for
/// an error message; a long run may log a line now and then), less the complaints about a
/// missing syslog.
fn collect(stderr: Option<ChildStderr>) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut kept = Vec::new();
        if let Some(mut stderr) = stderr {
            let mut chunk = [0; 4096];
            while let Ok(read @ 1..) = stderr.read(&mut chunk) {
                kept.extend_from_slice(&chunk[..read]);
                let excess = kept.len().saturating_sub(STDERR_KEPT);
                kept.drain(..excess);
            }
        }
        String::from_utf8_lossy(&kept)
            .lines()
            .filter(|line| !(line.starts_with("Failed to send") && line.ends_with("to syslog")))
            .map(|line| format!("{line}\n"))
            .collect()
    })
}

/// Whether a socket listens at `socket`, from /proc/net/unix (unix(7)); where that cannot be
/// read, whether the socket file exists.
fn listening(socket: &Path) -> bool {
    match fs::read_to_string("/proc/net/unix") {
        Ok(table) => listening_in(&table, socket),
        Err(_) => socket.exists(),
    }
}

/// Whether `table`, the text of /proc/net/unix, has a listening socket at `socket`. Each line
/// is `Num RefCount Protocol Flags Type St Inode Path`.
fn listening_in(table: &str, socket: &Path) -> bool {
    table.lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.splitn(8, ' ').collect();
        let flags = fields
            .get(3)
            .and_then(|flags| u32::from_str_radix(flags, 16).ok());
        let path = fields.get(7).map(|path| Path::new(*path));
        path == Some(socket) && flags.is_some_and(|flags| flags & LISTENING != 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_forward_tcp_and_udp() {
        let publish = [
            PortMapping::parse("8080:80").unwrap(),
            PortMapping::parse("5353:53/udp").unwrap(),
        ];
        let socket = Path::new("/tmp/pith-passt-x/passt.socket");
        let line = super::super::qemu::shell_words(
            Path::new("passt"),
            &arguments(socket, &publish, false),
        );
        assert_eq!(
            line,
            "passt -f -q -1 -s /tmp/pith-passt-x/passt.socket -t 8080:80 -u 5353:53"
        );
        let as_root = arguments(socket, &[], true);
        assert_eq!(as_root[3..5], ["--runas", "65534:65534"]);
    }

    #[test]
    fn listening_sockets_in_proc_net_unix() {
        let table = "Num       RefCount Protocol Flags    Type St Inode Path\n\
                     0000000001: 00000002 00000000 00000000 0001 01 290811 /tmp/p/bound\n\
                     0000000002: 00000002 00000000 00010000 0001 01 290812 /tmp/p/passt.socket\n\
                     0000000003: 00000003 00000000 00000000 0001 03 290813\n";
        assert!(listening_in(table, Path::new("/tmp/p/passt.socket")));
        assert!(!listening_in(table, Path::new("/tmp/p/bound")));
        assert!(!listening_in(table, Path::new("/tmp/p/other")));
        assert!(!listening_in("", Path::new("/tmp/p/passt.socket")));
    }

    #[test]
    fn missing_override_is_an_error() {
        let error = PasstError::BadOverride(PathBuf::from("/nonexistent/passt")).to_string();
        assert!(error.contains("apt-get install passt"), "{error}");
        assert!(error.contains("--net none"), "{error}");
    }
}
