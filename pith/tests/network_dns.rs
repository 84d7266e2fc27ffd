//! Name resolution in the VM: glibc's getaddrinfo and Go's resolver read the
//! `/etc/resolv.conf` the kernel writes (`--dns` here) and ask over UDP through passt, whose
//! gateway address reaches a nameserver this test runs on the host's 127.0.0.1:53.

mod common;

use std::net::{Ipv4Addr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;

use common::{go_guest, pith, repo_root, scratch_dir};

/// The one name the test nameserver knows, and its address.
const NAME: &str = "guest-test.pith";
const ADDRESS: [u8; 4] = [10, 1, 2, 3];

/// The host's default IPv4 gateway, from /proc/net/route: passt gives the VM the same one,
/// and maps it to the host's loopback.
fn host_gateway() -> Ipv4Addr {
    let routes = std::fs::read_to_string("/proc/net/route").expect("reading /proc/net/route");
    for line in routes.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() > 2 && fields[1] == "00000000" {
            let gateway = u32::from_str_radix(fields[2], 16).expect("a hex gateway");
            return Ipv4Addr::from(gateway.to_le_bytes());
        }
    }
    panic!("the host has no default route; passt needs one to give the VM a network");
}

/// Answers `A` queries for `NAME` with `ADDRESS`, and every other query with NXDOMAIN
/// (RFC 1035 section 4.1).
fn serve_dns(socket: UdpSocket) {
    let mut packet = [0u8; 512];
    while let Ok((length, from)) = socket.recv_from(&mut packet) {
        let query = &packet[..length];
        if length < 12 {
            continue;
        }
        let (name, end) = question_name(query);
        let Some(end) = end else { continue };
        let known = name.eq_ignore_ascii_case(NAME) && query[end..end + 2] == [0, 1];
        let mut answer = query[..end + 4].to_vec();
        answer[2] = 0x84 | (query[2] & 0x01); // a response, authoritative, RD echoed
        answer[3] = if known { 0x80 } else { 0x83 }; // RA; NXDOMAIN when unknown
        answer[6..8].copy_from_slice(&[0, known as u8]);
        answer[8..12].fill(0);
        if known {
            answer.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
            answer.extend_from_slice(&ADDRESS);
        }
        let _ = socket.send_to(&answer, from);
    }
}

/// The question's name in dotted form, and where its type field starts.
fn question_name(query: &[u8]) -> (String, Option<usize>) {
    let mut labels = Vec::new();
    let mut at = 12;
    while let Some(&length) = query.get(at) {
        if length == 0 {
            return (labels.join("."), (at + 5 <= query.len()).then_some(at + 1));
        }
        let label = query.get(at + 1..at + 1 + length as usize);
        let Some(label) = label else { break };
        labels.push(String::from_utf8_lossy(label).into_owned());
        at += 1 + length as usize;
    }
    (labels.join("."), None)
}

/// Starts the test nameserver on 127.0.0.1:53, or says why it cannot.
fn start_nameserver() -> Result<(), String> {
    let socket = UdpSocket::bind("127.0.0.1:53")
        .map_err(|error| format!("cannot bind 127.0.0.1:53 for the test nameserver: {error}"))?;
    thread::spawn(move || serve_dns(socket));
    Ok(())
}

fn dynamic_resolver(dir: &Path) -> PathBuf {
    let program = dir.join("resolve");
    let status = Command::new("gcc")
        .args(["-O2", "-o"])
        .arg(&program)
        .arg(repo_root().join("tests/guests/resolve.c"))
        .status()
        .expect("running gcc");
    assert!(status.success(), "gcc resolve.c failed");
    program
}

fn resolve_with(program: &Path, expected: &str) {
    let gateway = host_gateway().to_string();
    pith([
        "run",
        "--dns",
        &gateway,
        program.to_str().unwrap(),
        "--",
        NAME,
        "unknown.pith",
    ])
    .run()
    .assert_stdout(expected)
    .assert_status(0);
}

/// One test, so that only one nameserver binds port 53.
#[test]
fn glibc_and_go_resolve_through_resolv_conf() {
    if let Err(reason) = start_nameserver() {
        // Port 53 needs root or a free port; CI runs as root with nothing on 127.0.0.1:53.
        panic!("{reason}");
    }
    let dir = scratch_dir("network_dns");
    resolve_with(
        &dynamic_resolver(&dir),
        &format!("{NAME}: 10.1.2.3\nunknown.pith: Name or service not known\n"),
    );
    resolve_with(
        &go_guest("resolve"),
        &format!("{NAME}: [10.1.2.3]\nunknown.pith: error\n"),
    );
}
