//! Unmodified servers from Debian under load from the host, through ports published with
//! `-p`: nginx serving a file to curl and to 1,000 keep-alive requests, and redis answering
//! redis-cli and redis-benchmark. No request may fail.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant};

use common::net::{free_tcp_port, pith_run, retry, Serving};
use common::scratch_dir;

/// How long one HTTP request may take: TCG and passt add latency spikes of a second or more.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a server may take to boot and start listening.
const STARTUP: Duration = Duration::from_secs(60);
/// How long one attempt to reach a server that may not listen yet waits. Before it listens,
/// a connection through passt is neither answered nor refused: the VM's reset to passt's
/// SYN is lost while the VM resolves passt's MAC address, and passt does not send the SYN
/// again, so the host's client waits for its own timeout.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);
/// pith's exit status when SIGTERM stopped it.
const STOPPED_BY_SIGTERM: i32 = 128 + 15;

/// A Debian program that scripts/setup installs.
fn installed(path: &str) -> &str {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: run scripts/setup"
    );
    path
}

/// Runs a host tool and returns its output; panics if it cannot start.
fn host_tool(program: &str, args: &[&str]) -> Output {
    Command::new(installed(program))
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("running {program}: {error}"))
}

const NGINX_CONF: &str = "\
daemon off;
master_process off;
worker_processes 1;
error_log stderr;
pid /tmp/nginx.pid;

events {
    worker_connections 64;
}

http {
    access_log off;
    default_type text/html;
    client_body_temp_path /tmp/nginx-body;
    proxy_temp_path /tmp/nginx-proxy;
    fastcgi_temp_path /tmp/nginx-fastcgi;
    uwsgi_temp_path /tmp/nginx-uwsgi;
    scgi_temp_path /tmp/nginx-scgi;
    keepalive_requests 1000;

    server {
        listen 8080;
        root /srv/www;
        index index.html;
    }
}
";

const INDEX_HTML: &str = "<!doctype html>\n<title>Pith</title>\n<p>Served by nginx in a VM.</p>\n";

/// One response read from a keep-alive connection: its status code and body.
fn read_response(reader: &mut BufReader<TcpStream>) -> Result<(u16, Vec<u8>), String> {
    let mut line = String::new();
    reader.read_line(&mut line).map_err(|e| e.to_string())?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("not a status line: {line:?}"))?;
    let mut length = None;
    loop {
        line.clear();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    let mut body = vec![0u8; length.ok_or("no Content-Length")?];
    reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    Ok((status, body))
}

/// Sends `requests` GETs of `/` on one keep-alive connection, each after the previous
/// answer; returns the problems: answers other than `200` with `expected` as the body, and
/// what ended the connection early.
fn keep_alive_client(port: u16, requests: usize, expected: &[u8]) -> Vec<String> {
    let connect = || -> std::io::Result<TcpStream> {
        let stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
        stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
        Ok(stream)
    };
    let stream = match connect() {
        Ok(stream) => stream,
        Err(error) => return vec![format!("connecting: {error}")],
    };
    let mut writer = stream.try_clone().expect("cloning a stream");
    let mut reader = BufReader::new(stream);
    let mut problems = Vec::new();
    for number in 0..requests {
        let request = b"GET / HTTP/1.1\r\nHost: pith\r\n\r\n";
        if let Err(error) = writer.write_all(request) {
            problems.push(format!("request {number}: sending: {error}"));
            break;
        }
        match read_response(&mut reader) {
            Ok((200, body)) if body == expected => {}
            Ok((status, _)) => problems.push(format!("request {number}: status {status}")),
            Err(error) => {
                problems.push(format!("request {number}: {error}"));
                break;
            }
        }
    }
    problems
}

#[test]
fn nginx_serves_curl_and_a_thousand_keep_alive_requests() {
    const CONNECTIONS: usize = 10;
    const REQUESTS: usize = 100;
    let dir = scratch_dir("nginx_serves_curl");
    let (conf, index) = (dir.join("nginx.conf"), dir.join("index.html"));
    std::fs::write(&conf, NGINX_CONF).unwrap();
    std::fs::write(&index, INDEX_HTML).unwrap();
    let port = free_tcp_port();
    let options = [
        "-m",
        "128M",
        "-p",
        &format!("{port}:8080"),
        "--file",
        &format!("{}:/etc/nginx/nginx.conf", conf.display()),
        "--file",
        &format!("{}:/srv/www/index.html", index.display()),
    ];
    let nginx = Path::new(installed("/usr/sbin/nginx"));
    let mut serving = Serving::new(pith_run(&options, nginx, &[]).spawn());

    // Until nginx listens, passt's connection to the VM goes unanswered (see
    // PROBE_TIMEOUT): ask again and again, briefly, until nginx answers.
    let url = format!("http://127.0.0.1:{port}/");
    let probe = PROBE_TIMEOUT.as_secs().to_string();
    let first = retry(STARTUP, || {
        let output = host_tool("/usr/bin/curl", &["-sS", "--max-time", &probe, &url]);
        if output.status.success() {
            Ok(output)
        } else {
            Err(output)
        }
    });
    let first = first.unwrap_or_else(|output| panic!("nginx never answered curl: {output:?}"));
    assert_eq!(String::from_utf8_lossy(&first.stdout), INDEX_HTML);
    let missing = host_tool(
        "/usr/bin/curl",
        &[
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &format!("{url}missing"),
        ],
    );
    assert_eq!(String::from_utf8_lossy(&missing.stdout), "404");

    let start = Instant::now();
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|_| thread::spawn(move || keep_alive_client(port, REQUESTS, INDEX_HTML.as_bytes())))
        .collect();
    let problems: Vec<String> = clients
        .into_iter()
        .flat_map(|client| client.join().expect("client thread"))
        .collect();
    let elapsed = start.elapsed();
    assert!(problems.is_empty(), "failed requests: {problems:#?}");
    println!(
        "nginx: {} requests in {elapsed:.1?} ({:.0}/s)",
        CONNECTIONS * REQUESTS,
        (CONNECTIONS * REQUESTS) as f64 / elapsed.as_secs_f64()
    );

    let outcome = serving.running().wait_for_stderr("");
    assert!(
        !outcome.contains("[emerg]") && !outcome.contains("[alert]"),
        "{outcome}"
    );
    serving.stop().assert_status(STOPPED_BY_SIGTERM);
}

/// `redis-cli -p PORT ARGS...`: its standard output.
fn redis_cli(port: u16, args: &[&str]) -> String {
    let port = port.to_string();
    let mut all = vec!["-p", &port];
    all.extend(args);
    let output = host_tool("/usr/bin/redis-cli", &all);
    assert!(output.status.success(), "redis-cli {args:?}: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `redis-benchmark -q` for SET and GET; panics on any error it reports. Returns its
/// two result lines.
fn redis_benchmark(port: u16, requests: usize) -> Vec<String> {
    let (port, requests) = (port.to_string(), requests.to_string());
    let args = [
        "-p", &port, "-n", &requests, "-c", "50", "-t", "set,get", "-q",
    ];
    let output = host_tool("/usr/bin/redis-benchmark", &args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "redis-benchmark failed: {stdout}{stderr}"
    );

    // With -q it prints progress lines ended by \r, then one result line a test.
    let results: Vec<String> = stdout
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|line| line.contains("requests per second"))
        .map(str::to_owned)
        .collect();
    let errors = stdout.contains("rror") || stderr.contains("rror");
    assert!(
        !errors,
        "redis-benchmark reported errors:\n{stdout}{stderr}"
    );
    assert_eq!(
        results.len(),
        2,
        "one result line for SET and GET:\n{stdout}"
    );
    assert!(
        results[0].starts_with("SET: ") && results[1].starts_with("GET: "),
        "{results:?}"
    );
    results
}

/// Boots redis-server on a free port and waits until it accepts connections.
fn start_redis() -> (Serving, u16) {
    let port = free_tcp_port();
    let options = ["-m", "256M", "-p", &format!("{port}:6379")];
    let args = ["--save", "", "--protected-mode", "no", "--port", "6379"];
    let redis = Path::new(installed("/usr/bin/redis-server"));
    let mut serving = Serving::new(pith_run(&options, redis, &args).spawn());
    serving
        .running()
        .wait_for_stdout("Ready to accept connections");
    (serving, port)
}

/// Asks redis to shut down and checks that it ended well.
fn shut_down_redis(serving: Serving, port: u16) {
    // redis closes the connection without an answer: redis-cli's status says nothing.
    let _ = host_tool(
        "/usr/bin/redis-cli",
        &["-p", &port.to_string(), "SHUTDOWN", "NOSAVE"],
    );
    let outcome = serving.wait();
    let stdout = outcome.stdout_text();
    assert!(
        stdout.contains("Redis is now ready to exit, bye bye..."),
        "{outcome}"
    );
    outcome.assert_status(0);
}

#[test]
fn redis_answers_redis_cli_and_redis_benchmark() {
    let (serving, port) = start_redis();
    assert_eq!(redis_cli(port, &["PING"]), "PONG\n");
    assert_eq!(redis_cli(port, &["SET", "pith", "unikernel"]), "OK\n");
    assert_eq!(redis_cli(port, &["GET", "pith"]), "unikernel\n");
    assert_eq!(redis_cli(port, &["INCRBY", "counter", "42"]), "42\n");

    let start = Instant::now();
    let results = redis_benchmark(port, 20_000);
    println!("redis-benchmark in {:.1?}: {results:?}", start.elapsed());
    shut_down_redis(serving, port);
}

/// Three runs in a row against one server: each takes 10 to 15 s under TCG (about 2,500 to
/// 3,500 requests per second).
#[test]
fn redis_benchmark_three_runs_in_a_row() {
    let (serving, port) = start_redis();
    for run in 1..=3 {
        let start = Instant::now();
        let results = redis_benchmark(port, 20_000);
        println!("run {run} in {:.1?}: {results:?}", start.elapsed());
    }
    assert_eq!(redis_cli(port, &["DBSIZE"]), "1\n");
    shut_down_redis(serving, port);
}
