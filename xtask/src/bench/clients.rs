//! The load generators of the network rows, run on the host against a published port:
//! `redis-benchmark` (redis-tools) and `wrk`, with fixed settings, and what their output
//! says.

use std::process::Command;
use std::time::Duration;

use super::process;
use super::report::shorten;

/// `redis-benchmark -n REQUESTS -c CLIENTS`: enough requests for a few seconds per test.
const REDIS_REQUESTS: u32 = 20_000;
const REDIS_CLIENTS: u32 = 50;
/// `wrk -t THREADS -c CONNECTIONS -d SECONDS`, over keep-alive connections (wrk's default).
const WRK_THREADS: u32 = 2;
const WRK_CONNECTIONS: u32 = 20;
const WRK_SECONDS: u32 = 5;
/// A client that takes longer than this is stopped: the server stalled.
const TIMEOUT: Duration = Duration::from_secs(180);

/// What one client run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// Requests per second, one per row the client fills, in the order it fills them.
    pub rates: Vec<f64>,
    /// Errors the client counted although it finished, for a note under the table.
    pub errors: Option<String>,
}

/// `redis-benchmark -t get,set` against `port`: the GET and the SET rate, in that order.
pub fn redis_benchmark(port: u16) -> Result<Measured, String> {
    let mut command = Command::new("redis-benchmark");
    command
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(["-n", &REDIS_REQUESTS.to_string()])
        .args(["-c", &REDIS_CLIENTS.to_string()])
        .args(["-t", "set,get", "--csv"]);
    let output = run(&mut command, "redis-benchmark", "redis-tools")?;
    let rate = |test: &str| {
        csv_rate(&output, test).ok_or_else(|| format!("redis-benchmark printed no {test} rate"))
    };
    Ok(Measured {
        rates: vec![rate("GET")?, rate("SET")?],
        errors: None,
    })
}

/// `wrk` against `port`'s `/`: its request rate, and its error counts if it had any.
pub fn wrk(port: u16) -> Result<Measured, String> {
    let mut command = Command::new("wrk");
    command
        .args(["-t", &WRK_THREADS.to_string()])
        .args(["-c", &WRK_CONNECTIONS.to_string()])
        .args(["-d", &format!("{WRK_SECONDS}s")])
        .arg(format!("http://127.0.0.1:{port}/"));
    let output = run(&mut command, "wrk", "wrk")?;
    let rate = labelled(&output, "Requests/sec:").and_then(|value| value.parse().ok());
    Ok(Measured {
        rates: vec![rate.ok_or("wrk printed no Requests/sec")?],
        errors: wrk_errors(&output),
    })
}

/// Runs a client to its end; its standard output, or why it failed.
fn run(command: &mut Command, name: &str, package: &str) -> Result<String, String> {
    let timed = process::run_timed(command, "", TIMEOUT).map_err(|error| {
        format!("cannot run {name} (scripts/setup installs {package}): {error}")
    })?;
    match timed.failure(name) {
        Some(reason) => Err(shorten(&reason, 100)),
        None => Ok(timed.stdout),
    }
}

/// The rate of `test` in `redis-benchmark --csv` output: `"SET","3698.22",...`.
fn csv_rate(output: &str, test: &str) -> Option<f64> {
    output.lines().find_map(|line| {
        let mut fields = line.split(',').map(|field| field.trim().trim_matches('"'));
        (fields.next()? == test).then_some(())?;
        fields.next()?.parse().ok()
    })
}

/// The text after `label` on the line that starts with it (leading blanks aside).
fn labelled<'a>(output: &'a str, label: &str) -> Option<&'a str> {
    output
        .lines()
        .find_map(|line| line.trim().strip_prefix(label))
        .map(str::trim)
}

/// wrk's error lines, which it prints only when something went wrong.
fn wrk_errors(output: &str) -> Option<String> {
    let errors: Vec<String> = ["Socket errors:", "Non-2xx or 3xx responses:"]
        .iter()
        .filter_map(|label| Some(format!("{label} {}", labelled(output, label)?)))
        .collect();
    (!errors.is_empty()).then(|| errors.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRK_OUTPUT: &str =
        "Running 5s test @ http://127.0.0.1:1/\n  2 threads and 20 connections\n  \
         Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency    10.50ms    2.10ms  \
         30.00ms   90.00%\n  9000 requests in 5.00s, 2.10MB read\n  Socket errors: connect 0, \
         read 3, write 0, timeout 0\nRequests/sec:   1801.25\nTransfer/sec:    430.00KB\n";

    #[test]
    fn redis_benchmark_csv_is_read() {
        let output = "\"test\",\"rps\",\"avg_latency_ms\"\n\"SET\",\"3698.22\",\"13.482\"\n\
                      \"GET\",\"5359.06\",\"9.275\"\n";
        assert_eq!(csv_rate(output, "GET"), Some(5359.06));
        assert_eq!(csv_rate(output, "SET"), Some(3698.22));
        assert_eq!(csv_rate(output, "INCR"), None);
        assert_eq!(csv_rate("\"GET\",\"n/a\"\n", "GET"), None);
    }

    #[test]
    fn wrk_rate_and_errors_are_read() {
        assert_eq!(labelled(WRK_OUTPUT, "Requests/sec:"), Some("1801.25"));
        assert_eq!(
            wrk_errors(WRK_OUTPUT).unwrap(),
            "Socket errors: connect 0, read 3, write 0, timeout 0"
        );
        let clean = WRK_OUTPUT.replace(
            "  Socket errors: connect 0, read 3, write 0, timeout 0\n",
            "",
        );
        assert_eq!(wrk_errors(&clean), None);
        let bad = format!("{clean}  Non-2xx or 3xx responses: 12\n");
        assert_eq!(wrk_errors(&bad).unwrap(), "Non-2xx or 3xx responses: 12");
    }
}
