//! Running a VM's process (`pith` or QEMU) under a deadline, timing its wall time and the
//! moment an expected text first appears on its standard output; or, for a server, in the
//! background until it is stopped.

use std::io::{self, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long a stopped process may take to exit, and its output to end, before it is killed
/// or its output is taken as it is.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// What one run did.
#[derive(Debug)]
pub struct Timed {
    /// From just before the process was started to its exit.
    pub wall: Duration,
    /// From the start to the first time `marker` was complete on standard output.
    pub first_marker: Option<Duration>,
    pub stdout: String,
    pub stderr: String,
    pub status: ExitStatus,
    /// The process was killed at the deadline.
    pub timed_out: bool,
}

impl Timed {
    /// Why the run did not do what it should have, for a report: `None` if it exited with
    /// status 0 and printed `marker`.
    pub fn failure(&self, what: &str) -> Option<String> {
        if self.timed_out {
            return Some(format!("{what} timed out"));
        }
        if !self.status.success() {
            let detail = last_line(&self.stderr).or_else(|| last_line(&self.stdout));
            return Some(match detail {
                Some(line) => format!("{what} failed ({}): {line}", self.status),
                None => format!("{what} failed ({})", self.status),
            });
        }
        if self.first_marker.is_none() {
            return Some(format!("{what} ran but printed not what was expected"));
        }
        None
    }
}

fn last_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).rfind(|line| !line.is_empty())
}

/// Runs `command` with no standard input until it exits or `timeout` passes (then it is
/// killed), noting when `marker` first appears on its standard output.
pub fn run_timed(command: &mut Command, marker: &str, timeout: Duration) -> io::Result<Timed> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = command.spawn()?;

    let mut stderr = child.stderr.take().expect("stderr is piped");
    let stderr_reader = thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        text
    });
    let stdout = child.stdout.take().expect("stdout is piped");
    let (sender, receiver) = mpsc::channel();
    let marker = marker.as_bytes().to_vec();
    thread::spawn(move || {
        let _ = sender.send(watch_for_marker(stdout, &marker, start));
    });

    // Standard output ends when the process exits (or closes it).
    let (output, timed_out) = match receiver.recv_timeout(timeout) {
        Ok(output) => (output, false),
        Err(_) => {
            let _ = child.kill();
            (receiver.recv().unwrap_or_default(), true)
        }
    };
    let status = child.wait()?;
    let wall = start.elapsed();
    let stderr = stderr_reader.join().unwrap_or_default();

    Ok(Timed {
        wall,
        first_marker: output.1,
        stdout: String::from_utf8_lossy(&output.0).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        status,
        timed_out,
    })
}

/// Reads `stream` to its end, returning what it read and when `marker` was first complete.
fn watch_for_marker(
    mut stream: impl Read,
    marker: &[u8],
    start: Instant,
) -> (Vec<u8>, Option<Duration>) {
    let mut text = Vec::new();
    let mut found = None;
    let mut chunk = [0u8; 4096];
    loop {
        let count = match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return (text, found),
            Ok(count) => count,
        };
        let searched_from = text.len().saturating_sub(marker.len());
        text.extend_from_slice(&chunk[..count]);
        if found.is_none() && contains(&text[searched_from..], marker) {
            found = Some(start.elapsed());
        }
    }
}

/// A process left running (a server's VM), its output collected as it comes.
pub struct Background {
    child: Child,
    stdout: Output,
    stderr: Output,
}

/// One output stream, read by a thread of its own; `done` says when it ended.
struct Output {
    text: Arc<Mutex<Vec<u8>>>,
    done: Receiver<()>,
}

impl Output {
    fn read(mut stream: impl Read + Send + 'static) -> Output {
        let text = Arc::new(Mutex::new(Vec::new()));
        let (sender, done) = mpsc::channel();
        let shared = Arc::clone(&text);
        thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(count @ 1..) = stream.read(&mut chunk) {
                shared
                    .lock()
                    .expect("no reader panics")
                    .extend_from_slice(&chunk[..count]);
            }
            let _ = sender.send(());
        });
        Output { text, done }
    }

    /// What was read, once the stream ended or `wait` passed (a grandchild that outlives
    /// the process may hold it open).
    fn take(self, wait: Duration) -> String {
        let _ = self.done.recv_timeout(wait);
        let text = self.text.lock().expect("no reader panics");
        String::from_utf8_lossy(&text).into_owned()
    }
}

/// What a background process left when it was stopped.
#[derive(Debug)]
pub struct Stopped {
    pub stdout: String,
    pub stderr: String,
    /// How it ended, if it ended before it was stopped.
    pub ended_early: Option<ExitStatus>,
}

impl Background {
    /// Starts `command` with no standard input.
    pub fn spawn(command: &mut Command) -> io::Result<Background> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdout = Output::read(child.stdout.take().expect("stdout is piped"));
        let stderr = Output::read(child.stderr.take().expect("stderr is piped"));
        Ok(Background {
            child,
            stdout,
            stderr,
        })
    }

    /// Whether the process has ended by itself.
    pub fn has_ended(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Stops the process: with SIGTERM first if `politely` (pith then stops its VM and
    /// passt), else SIGKILL at once; SIGKILL too if it is still there after a grace period.
    pub fn stop(mut self, politely: bool) -> Stopped {
        let ended_early = self.child.try_wait().ok().flatten();
        if ended_early.is_none() {
            if politely {
                // std has no kill(2) with a signal; kill(1) takes the pid.
                let _ = Command::new("kill")
                    .args(["-TERM", &self.child.id().to_string()])
                    .status();
                let deadline = Instant::now() + STOP_GRACE;
                while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
                    thread::sleep(Duration::from_millis(20));
                }
            }
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        Stopped {
            stdout: self.stdout.take(STOP_GRACE),
            stderr: self.stderr.take(Duration::from_millis(100)),
            ended_early,
        }
    }
}

impl Stopped {
    /// Why the process ended by itself, for a report.
    pub fn early_end(&self, what: &str) -> Option<String> {
        let status = self.ended_early?;
        let detail = last_line(&self.stderr).or_else(|| last_line(&self.stdout));
        Some(match detail {
            Some(line) => format!("{what} ended ({status}): {line}"),
            None => format!("{what} ended ({status})"),
        })
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_time_and_output_are_recorded() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo one; sleep 0.2; echo two; echo oops >&2"]);
        let timed = run_timed(&mut command, "two", Duration::from_secs(10)).unwrap();
        assert_eq!(timed.stdout, "one\ntwo\n");
        assert_eq!(timed.stderr, "oops\n");
        let marker = timed.first_marker.unwrap();
        assert!(marker >= Duration::from_millis(200) && marker <= timed.wall);
        assert!(timed.failure("sh").is_none());
    }

    #[test]
    fn a_process_past_its_deadline_is_killed() {
        let mut command = Command::new("sleep");
        command.arg("30");
        let timed = run_timed(&mut command, "x", Duration::from_millis(200)).unwrap();
        assert!(timed.timed_out);
        assert!(timed.wall < Duration::from_secs(10));
        assert_eq!(timed.failure("sleep").unwrap(), "sleep timed out");
    }

    #[test]
    fn a_background_process_is_stopped_with_its_output() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo started; echo note >&2; exec sleep 30"]);
        let mut background = Background::spawn(&mut command).unwrap();
        thread::sleep(Duration::from_millis(200));
        assert!(!background.has_ended());
        let stopped = background.stop(true);
        assert_eq!(stopped.stdout, "started\n");
        assert_eq!(stopped.stderr, "note\n");
        assert!(stopped.early_end("sh").is_none());
    }

    #[test]
    fn a_background_process_that_ended_says_why() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo out of memory >&2; exit 3"]);
        let mut background = Background::spawn(&mut command).unwrap();
        thread::sleep(Duration::from_millis(300));
        assert!(background.has_ended());
        let reason = background.stop(false).early_end("pith run").unwrap();
        assert!(reason.contains("out of memory"), "{reason}");
    }

    #[test]
    fn a_missing_marker_is_a_failure() {
        let mut command = Command::new("true");
        let timed = run_timed(&mut command, "hello", Duration::from_secs(10)).unwrap();
        assert!(timed
            .failure("true")
            .unwrap()
            .contains("not what was expected"));
    }
}
