//! Threads, signals, memory and time under `pith run`: multithreaded C and Rust programs,
//! signal handlers, and the memory calls' edge cases, each checked line by line.

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::{c_guest, go_guest, pith, rust_guest, Outcome, Toolchain};

fn run(program: &Path) -> Outcome {
    pith([OsStr::new("run"), program.as_os_str()]).run()
}

#[test]
fn pthreads_glibc() {
    run(&c_guest("pthreads", Toolchain::GlibcStatic))
        .assert_stdout(PTHREADS_OUTPUT)
        .assert_stderr_contains("new processes fail with ENOSYS")
        .assert_status(0);
}

#[test]
fn pthreads_musl() {
    run(&c_guest("pthreads", Toolchain::MuslStatic))
        .assert_stdout(PTHREADS_OUTPUT)
        .assert_status(0);
}

const PTHREADS_OUTPUT: &str = "counter=100000 sum=9900\ntimedwait=ETIMEDOUT\nbarrier ok\n\
    floating point exact in 4 of 4 threads\nsignal ran on its thread: 1\nfork=-1 errno=ENOSYS\n";

#[test]
fn rust_threads() {
    run(&rust_guest("rust-threads"))
        .assert_stdout(
            "total=3996000\natomic=8000\nids=[0, 1, 2, 3, 4, 5, 6, 7]\nfinished=8\n\
             slept at least 50 ms: true\nslept less than 5 s: true\n\
             panicking thread joined with an error: true\n",
        )
        .assert_stderr_contains("this thread panics on purpose")
        .assert_status(0);
}

#[test]
fn signal_handlers() {
    let program = c_guest("signals_handlers", Toolchain::GlibcStatic);
    let mut running = pith([OsStr::new("run"), program.as_os_str()])
        .keep_stdin_open()
        .spawn();
    // The first alarm interrupts a read; the second one's read restarts and needs input.
    running.wait_for_stdout("alarms=1\nalarm\n");
    running.write_stdin(b"x");
    running
        .wait()
        .assert_stdout(
            "recovered from SIGSEGV at 0x1234\nrecovered again at 0x10\n\
             handler on altstack: 1\nSIGUSR2 pending: 1\nunblocked ignored SIGUSR2\n\
             alarm\nread=-1 errno=EINTR alarms=1\nalarm\nrestarted read=1 char=x alarms=2\n",
        )
        .assert_status(0);
}

#[test]
fn memory_calls() {
    let outcome = run(&c_guest("memory", Toolchain::GlibcStatic));
    let stdout = outcome.stdout_text();
    assert!(!stdout.contains("FAIL"), "{stdout}");
    assert!(stdout.ends_with("0 failures\n"), "{stdout}");
    assert_eq!(
        stdout
            .lines()
            .filter(|line| line.starts_with("ok "))
            .count(),
        26,
        "{stdout}"
    );
    outcome.assert_status(0);
}

#[test]
fn go_goroutines_sleep_and_preemption() {
    run(&go_guest("goroutines"))
        .assert_stdout(
            "sum of 1000 goroutines: 499500\nslept at least 20 ms: true\n\
             tight loop preempted: true\n",
        )
        .assert_status(0);
}

#[test]
fn signalfd_reads_blocked_signals() {
    run(&c_guest("signalfd", Toolchain::GlibcStatic))
        .assert_stdout(
            "empty read: -1 EAGAIN\npoll readable: 1\nkill: 128 bytes, signo SIGUSR1, pid 1\n\
             tgkill: signo SIGUSR2, code SI_TKILL 1\n\
             timer: signo SIGALRM, code SI_TIMER 1, value 77\n",
        )
        .assert_status(0);
}
