//! Runs the `pith` binary the way a user would, with a generous timeout.
//!
//! pith runs in a process group of its own, so that a test can deliver Ctrl-C to that group
//! as a terminal does, and can kill pith and everything it started if it hangs.
//! A test never fails on time alone, only when a run exceeds `TIMEOUT`, which means it
//! hung; the failure message then shows the output so far.

use std::ffi::OsStr;
use std::fmt;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long one run of pith may take before the test calls it hung.
pub const TIMEOUT: Duration = Duration::from_secs(120);
/// How long pith's output may stay open after pith exited (something it started lives on).
const LINGER: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(20);

/// A pith command line about to run.
pub struct Pith {
    command: Command,
    stdin: Vec<u8>,
    keep_stdin_open: bool,
}

/// `pith <args>`, with empty standard input unless `stdin` says otherwise.
pub fn pith<I, S>(args: I) -> Pith
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = Command::new(env!("CARGO_BIN_EXE_pith"));
    command.args(args);
    Pith {
        command,
        stdin: Vec::new(),
        keep_stdin_open: false,
    }
}

impl Pith {
    /// Sets an environment variable for pith itself (not for the guest).
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Removes an environment variable from pith's environment.
    pub fn env_remove(mut self, key: &str) -> Self {
        self.command.env_remove(key);
        self
    }

    /// Bytes fed to pith's standard input, which is closed after them.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = bytes.into();
        self
    }

    /// Leaves pith's standard input open after the bytes given with `stdin`, for the test
    /// to write more with [`Running::write_stdin`].
    pub fn keep_stdin_open(mut self) -> Self {
        self.keep_stdin_open = true;
        self
    }

    /// Runs pith to the end.
    pub fn run(self) -> Outcome {
        self.spawn().wait()
    }

    /// Starts pith and returns while it runs.
    pub fn spawn(mut self) -> Running {
        let description = format!("{:?}", self.command);
        let mut child = self
            .command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| panic!("starting {description}: {error}"));

        let mut stdin = child.stdin.take().expect("stdin is piped");
        let bytes = self.stdin;
        let (writer, open_stdin) = if self.keep_stdin_open {
            let _ = stdin.write_all(&bytes);
            (thread::spawn(|| ()), Some(stdin))
        } else {
            // pith may exit without reading its input (an error, a crash): ignore EPIPE.
            (thread::spawn(move || drop(stdin.write_all(&bytes))), None)
        };
        let stdout = Captured::start(child.stdout.take().expect("stdout is piped"));
        let stderr = Captured::start(child.stderr.take().expect("stderr is piped"));

        Running {
            description,
            child,
            started: Instant::now(),
            writer,
            open_stdin,
            stdout,
            stderr,
        }
    }
}

/// A pith process that is running.
pub struct Running {
    description: String,
    child: Child,
    started: Instant,
    writer: JoinHandle<()>,
    open_stdin: Option<std::process::ChildStdin>,
    stdout: Captured,
    stderr: Captured,
}

impl Running {
    /// Waits until pith's standard output contains `needle`; panics if it exits first or
    /// does not print it within `TIMEOUT`.
    pub fn wait_for_stdout(&mut self, needle: &str) {
        self.wait_for(needle, |running| &running.stdout);
    }

    /// Waits until pith's standard error contains `needle` and returns what it holds so far;
    /// panics if pith exits first or does not print it within `TIMEOUT`.
    pub fn wait_for_stderr(&mut self, needle: &str) -> String {
        self.wait_for(needle, |running| &running.stderr);
        String::from_utf8_lossy(&self.stderr.snapshot()).into_owned()
    }

    fn wait_for(&mut self, needle: &str, stream: fn(&Running) -> &Captured) {
        while !stream(self).contains(needle.as_bytes()) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "pith exited ({status}) before printing {needle:?}\n{}",
                    self.so_far()
                );
            }
            if self.started.elapsed() > TIMEOUT {
                self.kill_group();
                panic!("no {needle:?} after {TIMEOUT:?}\n{}", self.so_far());
            }
            thread::sleep(POLL);
        }
    }

    /// Writes to pith's standard input, kept open by [`Pith::keep_stdin_open`].
    pub fn write_stdin(&mut self, bytes: &[u8]) {
        let stdin = self.open_stdin.as_mut().expect("stdin was kept open");
        stdin.write_all(bytes).expect("writing to pith's stdin");
        stdin.flush().expect("flushing pith's stdin");
    }

    /// Sends `signal` (a name such as `INT`) to pith alone.
    pub fn signal(&self, signal: &str) {
        send_signal(signal, &self.child.id().to_string());
    }

    /// Sends `signal` to pith's whole process group, as a terminal's Ctrl-C does (QEMU
    /// may be in a group of its own).
    pub fn signal_group(&self, signal: &str) {
        send_signal(signal, &format!("-{}", self.child.id()));
    }

    /// pith's process id, which is also its process group's id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits for pith to exit and collects what it printed. Panics, after killing pith and
    /// everything it started, if pith runs longer than `TIMEOUT` or leaves a process
    /// behind that holds its output open.
    pub fn wait(mut self) -> Outcome {
        drop(self.open_stdin.take());
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("waiting for pith") {
                break status;
            }
            if self.started.elapsed() > TIMEOUT {
                self.kill_group();
                panic!(
                    "{} still running after {TIMEOUT:?}\n{}",
                    self.description,
                    self.so_far()
                );
            }
            thread::sleep(POLL);
        };

        let exited = Instant::now();
        while !(self.stdout.closed() && self.stderr.closed()) {
            if exited.elapsed() > LINGER {
                self.kill_group();
                panic!(
                    "pith exited ({status}) but a process it started kept running\n{}",
                    self.so_far()
                );
            }
            thread::sleep(POLL);
        }
        let _ = self.writer.join();

        Outcome {
            status: status.code(),
            signal: status.signal(),
            stdout: self.stdout.finish(),
            stderr: self.stderr.finish(),
        }
    }

    /// Kills pith, its process group and every process it started. Best effort: some may
    /// be gone already.
    fn kill_group(&self) {
        let mut targets = vec![format!("-{}", self.child.id())];
        targets.extend(descendants(self.child.id()).iter().map(u32::to_string));
        for target in targets {
            let _ = Command::new("kill")
                .args(["-s", "KILL", "--", &target])
                .stderr(Stdio::null())
                .status();
        }
    }

    fn so_far(&self) -> String {
        format!(
            "--- stdout so far ---\n{}\n--- stderr so far ---\n{}",
            String::from_utf8_lossy(&self.stdout.snapshot()),
            String::from_utf8_lossy(&self.stderr.snapshot())
        )
    }
}

/// The processes descended from `pid` (QEMU, for pith), found in /proc.
pub fn descendants(pid: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse().ok())
        .filter_map(|child| Some((child, parent_of(child)?)))
        .collect();

    let mut found = vec![pid];
    let mut next = 0;
    while next < found.len() {
        let parent = found[next];
        found.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(child, _)| *child),
        );
        next += 1;
    }
    found.remove(0);
    found
}

/// Whether process `pid` exists and is not a zombie.
pub fn process_alive(pid: u32) -> bool {
    stat_fields(pid).is_some_and(|fields| fields.first() != Some(&"Z".to_owned()))
}

fn parent_of(pid: u32) -> Option<u32> {
    stat_fields(pid)?.get(1)?.parse().ok()
}

/// The fields of /proc/<pid>/stat after the command name: state, ppid, ...
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    Some(after_name.split_whitespace().map(str::to_owned).collect())
}

fn send_signal(signal: &str, target: &str) {
    let status = Command::new("kill")
        .args(["-s", signal, "--", target])
        .status()
        .expect("running kill(1)");
    assert!(
        status.success(),
        "kill -s {signal} {target} failed: {status}"
    );
}

/// One of pith's output streams, read to its end by a thread of its own.
struct Captured {
    bytes: Arc<Mutex<Vec<u8>>>,
    reader: JoinHandle<()>,
}

impl Captured {
    fn start(mut stream: impl Read + Send + 'static) -> Self {
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&bytes);
        let reader = thread::spawn(move || {
            let mut buffer = [0u8; 64 * 1024];
            while let Ok(count @ 1..) = stream.read(&mut buffer) {
                sink.lock().unwrap().extend_from_slice(&buffer[..count]);
            }
        });
        Captured { bytes, reader }
    }

    fn contains(&self, needle: &[u8]) -> bool {
        needle.is_empty()
            || self
                .bytes
                .lock()
                .unwrap()
                .windows(needle.len())
                .any(|window| window == needle)
    }

    fn closed(&self) -> bool {
        self.reader.is_finished()
    }

    fn snapshot(&self) -> Vec<u8> {
        self.bytes.lock().unwrap().clone()
    }

    fn finish(self) -> Vec<u8> {
        self.reader.join().expect("output reader thread");
        Arc::into_inner(self.bytes)
            .expect("reader is done")
            .into_inner()
            .unwrap()
    }
}

/// What a finished run of pith printed and how it ended.
pub struct Outcome {
    /// pith's exit status, if it exited.
    pub status: Option<i32>,
    /// The signal that killed pith, if one did.
    pub signal: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Outcome {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Asserts pith exited with `expected`.
    pub fn assert_status(&self, expected: i32) -> &Self {
        assert_eq!(self.status, Some(expected), "wrong exit status\n{self}");
        self
    }

    /// Asserts pith failed: exited with a status other than 0.
    pub fn assert_failure(&self) -> &Self {
        assert!(
            matches!(self.status, Some(status) if status != 0),
            "expected a failure status\n{self}"
        );
        self
    }

    /// Asserts standard output is exactly `expected`.
    pub fn assert_stdout(&self, expected: &str) -> &Self {
        assert!(
            self.stdout == expected.as_bytes(),
            "wrong standard output, expected:\n{expected}\n{self}"
        );
        self
    }

    /// Asserts standard error contains `needle`.
    pub fn assert_stderr_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stderr_text().contains(needle),
            "standard error lacks {needle:?}\n{self}"
        );
        self
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 4096;
        let show = |bytes: &[u8]| {
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(SHOWN)]).into_owned();
            if bytes.len() > SHOWN {
                format!("{text}... ({} bytes in all)", bytes.len())
            } else {
                text
            }
        };
        writeln!(
            f,
            "--- status: {:?}, signal: {:?}",
            self.status, self.signal
        )?;
        writeln!(f, "--- stdout ---\n{}", show(&self.stdout))?;
        write!(f, "--- stderr ---\n{}", show(&self.stderr))
    }
}
