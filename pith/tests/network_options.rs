//! The network options: pith refuses what cannot work with a message that says what to do
//! (exit 125, or 2 for a value clap refuses), runs without passt when none was asked for, and
//! leaves no passt behind. Only the tests that boot a program need the kernel.

mod common;

use std::ffi::OsStr;
use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::path::PathBuf;

use common::{c_guest, pith, scratch_dir, Outcome, Toolchain};

/// pith's exit status for its own failures.
const PITH_FAILURE: i32 = 125;
/// clap's exit status for a command line it does not understand.
const USAGE: i32 = 2;

/// `pith run OPTIONS hello`.
fn run_hello(options: &[&str]) -> Outcome {
    let program = c_guest("hello", Toolchain::GlibcStatic);
    let mut args: Vec<&OsStr> = vec![OsStr::new("run")];
    args.extend(options.iter().map(OsStr::new));
    args.push(program.as_os_str());
    pith(args).run()
}

/// QEMU on this host, for runs whose `PATH` hides passt.
fn qemu() -> PathBuf {
    let path = std::env::var_os("PATH").expect("PATH is set");
    std::env::split_paths(&path)
        .map(|dir| dir.join("qemu-system-x86_64"))
        .find(|candidate| candidate.is_file())
        .expect("QEMU is installed (scripts/setup)")
}

#[test]
fn bad_publish_values_say_how_to_write_them() {
    run_hello(&["-p", "8080:"])
        .assert_status(USAGE)
        .assert_stderr_contains("`8080:` is not a port to publish: write HOST:GUEST");
    run_hello(&["-p", "70000:80"])
        .assert_status(USAGE)
        .assert_stderr_contains("`70000` is not a port: ports are numbers from 1 to 65535");
    run_hello(&["-p", "0"])
        .assert_status(USAGE)
        .assert_stderr_contains("`0` is not a port");
    run_hello(&["-p", "53/sctp"])
        .assert_status(USAGE)
        .assert_stderr_contains("write /tcp (the default) or /udp");
}

#[test]
fn bad_network_modes_and_addresses() {
    run_hello(&["--net", "bridge"])
        .assert_status(USAGE)
        .assert_stderr_contains("write auto, user, none or tap:NAME");
    run_hello(&["--net", "tap:"])
        .assert_status(USAGE)
        .assert_stderr_contains("is not a network device name");
    run_hello(&["--ip", "10.0.0.2"])
        .assert_status(USAGE)
        .assert_stderr_contains("write it as 192.168.1.20/24");
    run_hello(&["--dns", "2001:db8::1"])
        .assert_status(USAGE)
        .assert_stderr_contains("is not an IPv4 address");
}

#[test]
fn publish_needs_user_mode_networking() {
    run_hello(&["-p", "8080:80", "--net", "none"])
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains("cannot publish port 8080:80/tcp with network mode none")
        .assert_stderr_contains("use --net user");
    run_hello(&["-p", "8080:80", "--net", "tap:tap0"])
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains("cannot publish port 8080:80/tcp with network mode tap:tap0");
}

#[test]
fn static_address_settings_must_agree() {
    run_hello(&["--gateway", "10.0.0.1"])
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains("--gateway needs --ip");
    run_hello(&["--ip", "10.0.0.2/24", "--gateway", "10.1.0.1"])
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains("the gateway 10.1.0.1 is not on the network of 10.0.0.2/24");
    run_hello(&["--ip", "10.0.0.2/24", "--net", "none"])
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains("network mode none gives it none");
}

#[test]
fn passt_override_that_does_not_exist() {
    let program = c_guest("hello", Toolchain::GlibcStatic);
    pith([
        "run".as_ref(),
        "-p".as_ref(),
        "8080:80".as_ref(),
        program.as_os_str(),
    ])
    .env("PITH_PASST", "/nonexistent/passt")
    .run()
    .assert_status(PITH_FAILURE)
    .assert_stderr_contains("PITH_PASST=/nonexistent/passt is not a file")
    .assert_stderr_contains("apt-get install passt")
    .assert_stderr_contains("--net none");
}

#[test]
fn passt_not_installed_when_asked_for() {
    let program = c_guest("hello", Toolchain::GlibcStatic);
    let empty = scratch_dir("passt_not_installed_when_asked_for");
    for option in ["--net=user", "--publish=8080:80"] {
        pith(["run".as_ref(), option.as_ref(), program.as_os_str()])
            .env_remove("PITH_PASST")
            .env("PITH_QEMU", qemu())
            .env("PATH", &empty)
            .run()
            .assert_status(PITH_FAILURE)
            .assert_stderr_contains("passt is not installed")
            .assert_stderr_contains("apt-get install passt")
            .assert_stderr_contains("--net none");
    }
}

#[test]
fn without_passt_the_program_runs_with_loopback_only() {
    let program = c_guest("hello", Toolchain::GlibcStatic);
    let empty = scratch_dir("without_passt_the_program_runs");
    pith(["run".as_ref(), "-v".as_ref(), program.as_os_str()])
        .env_remove("PITH_PASST")
        .env("PITH_QEMU", qemu())
        .env("PATH", &empty)
        .run()
        .assert_status(42)
        .assert_stderr_contains("network: loopback only (install passt");
}

#[test]
fn a_host_port_in_use_is_named_with_another_to_use() {
    let taken = TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0)).unwrap();
    let port = taken.local_addr().unwrap().port();
    run_hello(&["-p", &format!("{port}:80")])
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains(&format!("host port {port}/tcp is already in use"))
        .assert_stderr_contains("publish on another port, e.g. -p ");

    let taken = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).unwrap();
    let port = taken.local_addr().unwrap().port();
    run_hello(&["-p", &format!("{port}:53/udp")])
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains(&format!("host port {port}/udp is already in use"));
}

#[test]
fn a_missing_tap_device_says_how_to_create_one() {
    run_hello(&["--net", "tap:pith-none0"])
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains("there is no network device pith-none0 on this host")
        .assert_stderr_contains("sudo ip tuntap add dev pith-none0 mode tap user $(id -un)");
    run_hello(&["--net", "tap:lo"])
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains("lo is not a tap device");
}

#[test]
fn published_ports_run_through_passt_which_ends_with_the_vm() {
    let free = TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0)).unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let outcome = run_hello(&["-v", "-p", &format!("{port}:80")]);
    outcome.assert_status(42);

    let stderr = outcome.stderr_text();
    let passt_line = stderr
        .lines()
        .find(|line| line.starts_with("pith: passt command: "))
        .unwrap_or_else(|| panic!("-v shows passt's command line\n{outcome}"));
    assert!(
        passt_line.contains(&format!(" -t {port}:80")),
        "{passt_line}"
    );
    let socket = passt_line
        .split(' ')
        .skip_while(|word| *word != "-s")
        .nth(1)
        .expect("passt is given its socket");
    assert!(
        stderr.contains(&format!("addr.path={socket} ")),
        "QEMU connects to passt's socket\n{outcome}"
    );
    assert!(
        stderr.contains(" net=dhcp dns=dhcp announce=1"),
        "{outcome}"
    );

    let directory = std::path::Path::new(socket).parent().unwrap();
    assert!(!directory.exists(), "{} is removed", directory.display());
    assert!(!passt_running(socket), "passt on {socket} has ended");
}

/// Whether a process has `socket` on its command line.
fn passt_running(socket: &str) -> bool {
    let processes = std::fs::read_dir("/proc").expect("reading /proc");
    processes.flatten().any(|entry| {
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        String::from_utf8_lossy(&cmdline).contains(socket)
    })
}

#[test]
fn passt_that_fails_is_reported_with_what_it_said() {
    use std::os::unix::fs::PermissionsExt;

    let dir = scratch_dir("passt_that_fails_is_reported");
    let fake = dir.join("passt");
    let script = "#!/bin/sh\n\
                  echo 'Failed to send 20 bytes to syslog' >&2\n\
                  echo 'Invalid option in this test' >&2\n\
                  exit 1\n";
    std::fs::write(&fake, script).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();

    let program = c_guest("hello", Toolchain::GlibcStatic);
    let outcome = pith(["run".as_ref(), "--net=user".as_ref(), program.as_os_str()])
        .env("PITH_PASST", &fake)
        .run();
    outcome.assert_status(PITH_FAILURE);
    assert_eq!(
        outcome.stderr_text(),
        "pith: cannot start user-mode networking: passt failed (exit status: 1) before it was \
         ready; it said:\nInvalid option in this test\n",
        "{outcome}"
    );
}
