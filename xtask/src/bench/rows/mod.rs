//! The groups of rows, each measured by its own module, in the order of the table.

mod boot;
mod interpreter;
mod memory;
mod micro;
mod network;
mod server;
mod size;

use super::process::Timed;
use super::report::{shorten, Report};
use super::Bench;

/// What the hello guest prints; its first appearance is the "first output".
const HELLO_MARKER: &str = "hello from the guest";

pub fn measure_all(bench: &Bench, report: &mut Report) -> anyhow::Result<()> {
    boot::measure(bench, report)?;
    memory::measure(bench, report)?;
    size::measure(bench, report)?;
    micro::measure(bench, report)?;
    network::measure(bench, report)?;
    interpreter::measure(bench, report)?;
    Ok(())
}

/// The value of a `key=value` line a guest printed (lines may end in `\r` on a serial
/// console).
fn field<'a>(output: &'a str, key: &str) -> Option<&'a str> {
    output
        .lines()
        .map(str::trim)
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
}

/// Why `timed` gave no usable result, short enough for a table cell.
fn why(timed: &Timed, what: &str) -> String {
    let reason = timed
        .failure(what)
        .unwrap_or_else(|| format!("{what} printed no result"));
    shorten(&reason, 100)
}

/// The wall time of a run that worked, or why it did not.
fn wall_time(timed: &Timed, what: &str) -> Result<f64, String> {
    match timed.failure(what) {
        None => Ok(millis(timed.wall)),
        Some(_) => Err(why(timed, what)),
    }
}

fn millis(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_on_their_own_line() {
        let output = "[    0.4] noise\r\ngetppid_cycles=512\r\nread4k=n/a open: ENOENT\r\n";
        assert_eq!(field(output, "getppid_cycles"), Some("512"));
        assert_eq!(field(output, "read4k"), Some("n/a open: ENOENT"));
        assert_eq!(field(output, "read"), None);
        assert_eq!(field(output, "thread"), None);
    }
}
