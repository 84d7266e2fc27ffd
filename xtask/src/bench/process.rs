//! Running a VM's process (`pith` or QEMU) under a deadline, timing its wall time and the
//! moment an expected text first appears on its standard output.

use std::io::{self, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

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
    fn a_missing_marker_is_a_failure() {
        let mut command = Command::new("true");
        let timed = run_timed(&mut command, "hello", Duration::from_secs(10)).unwrap();
        assert!(timed
            .failure("true")
            .unwrap()
            .contains("not what was expected"));
    }
}
