//! Diagnostics of `pith run`: syscall traces and summaries, the list of missing files, crash
//! backtraces symbolized on the host, and a gdb session attached through `--gdb`.
//!
//! The trace, summary and missing-files text comes from the kernel; these tests pin its
//! format (docs/diagnostics.md).

mod common;

use std::ffi::OsStr;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::run::TIMEOUT;
use common::{c_guest, pith, scratch_dir, Outcome, Toolchain};

/// pith's exit status for its own failures, and for a command line it does not understand.
const PITH_FAILURE: i32 = 125;
const USAGE_ERROR: i32 = 2;
/// A program killed by SIGSEGV.
const SEGV_STATUS: i32 = 128 + 11;

/// `pith run <options> <program> -- <args>`.
fn run(options: &[&str], program: &Path, args: &[&str]) -> Outcome {
    pith(command(options, program, args)).run()
}

fn command<'a>(options: &[&'a str], program: &'a Path, args: &[&'a str]) -> Vec<&'a OsStr> {
    let mut command: Vec<&OsStr> = vec!["run".as_ref()];
    command.extend(options.iter().map(|option| OsStr::new(*option)));
    command.push(program.as_os_str());
    command.push("--".as_ref());
    command.extend(args.iter().map(|arg| OsStr::new(*arg)));
    command
}

/// The lines of standard error that start with `prefix`, without it.
fn lines_after(outcome: &Outcome, prefix: &str) -> Vec<String> {
    outcome
        .stderr_text()
        .lines()
        .filter_map(|line| line.strip_prefix(prefix).map(str::to_owned))
        .collect()
}

// --- Command line ---

#[test]
fn trace_refuses_unknown_syscall_names_and_suggests_close_ones() {
    let program = c_guest("hello", Toolchain::GlibcStatic);

    run(&["--trace=mmap,opneat"], &program, &[])
        .assert_status(USAGE_ERROR)
        .assert_stderr_contains("`opneat` is not a Linux x86-64 system call; did you mean openat")
        .assert_stdout("");
}

#[test]
fn diagnostic_flags_belong_to_run_not_build() {
    let program = c_guest("hello", Toolchain::GlibcStatic);
    let image = scratch_dir("diagnostic_flags_belong_to_run_not_build").join("app.img");

    for flag in ["--trace", "--syscall-summary", "--gdb"] {
        pith([
            "build".as_ref(),
            flag.as_ref(),
            "-o".as_ref(),
            image.as_os_str(),
            program.as_os_str(),
        ])
        .run()
        .assert_status(USAGE_ERROR);
    }
    assert!(!image.exists());
}

#[test]
fn gdb_port_in_use_is_reported_before_the_vm_starts() {
    let program = c_guest("hello", Toolchain::GlibcStatic);
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();

    run(&[&format!("--gdb={port}")], &program, &[])
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains(&format!(
            "port {port} is already in use on 127.0.0.1: pick another with --gdb=PORT"
        ))
        .assert_stdout("");
}

// --- Crash reports ---

/// Asserts that the backtrace's frame `index` is in `function` at `location` (a file name
/// and line, as `crash.c:22`, or a symbol offset, as `+0x`).
fn assert_frame(outcome: &Outcome, index: usize, function: &str, location: &str) {
    let prefix = format!("  #{index} 0x");
    let line = lines_after(outcome, &prefix);
    let Some(line) = line.first() else {
        panic!("no backtrace frame #{index}\n{outcome}");
    };
    let place = line
        .split_once(" in ")
        .map(|(_, place)| place)
        .unwrap_or("");
    assert!(
        place.starts_with(function) && place.contains(location),
        "frame #{index} is {line:?}, not in {function} at {location}\n{outcome}"
    );
}

#[test]
fn crash_report_of_a_null_dereference_names_the_faulting_function() {
    let program = c_guest("signals", Toolchain::GlibcStatic);

    let outcome = run(&[], &program, &["segv"]);
    outcome
        .assert_status(SEGV_STATUS)
        .assert_stdout("about to segv\n")
        .assert_stderr_contains("SIGSEGV")
        .assert_stderr_contains("pith: backtrace:\n  #0 0x");
    assert_frame(&outcome, 0, "main at ", "signals.c:25");
}

/// The backtrace of tests/guests/crash.c: the fault in lookup, called by load_config, called
/// by main, each at the line of the fault or of the call.
fn assert_crash_backtrace(outcome: &Outcome) {
    outcome
        .assert_status(SEGV_STATUS)
        .assert_stdout("looking up answer\n")
        .assert_stderr_contains("pith: backtrace:\n");
    assert_frame(outcome, 0, "lookup at ", "crash.c:22");
    assert_frame(outcome, 1, "load_config at ", "crash.c:26");
    assert_frame(outcome, 2, "main at ", "crash.c:31");
}

#[test]
fn crash_backtrace_follows_the_calls() {
    let program = c_guest("crash", Toolchain::GlibcStatic);
    assert_crash_backtrace(&run(&[], &program, &[]));
}

#[test]
fn crash_backtrace_of_a_static_pie_program_takes_off_the_load_bias() {
    let program = c_guest("crash", Toolchain::GlibcStaticPie);
    let outcome = run(&[], &program, &[]);
    assert_crash_backtrace(&outcome);
    let frame = &lines_after(&outcome, "  #0 ")[0];
    assert!(frame.starts_with("0x00005555"), "runtime address: {frame}");
}

#[test]
fn crash_backtrace_of_a_built_image_comes_from_the_program_inside() {
    let program = c_guest("crash", Toolchain::GlibcStatic);
    let image = scratch_dir("crash_backtrace_of_a_built_image").join("app.img");
    pith([
        "build".as_ref(),
        "-o".as_ref(),
        image.as_os_str(),
        program.as_os_str(),
    ])
    .run()
    .assert_status(0);

    assert_crash_backtrace(&pith(["run".as_ref(), image.as_os_str()]).run());
}

#[test]
fn crash_backtrace_without_debug_information_names_symbols() {
    let program = c_guest("crash", Toolchain::GlibcStatic);
    let stripped = scratch_dir("crash_backtrace_without_debug_information").join("crash");
    let status = Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(&stripped)
        .arg(&program)
        .status()
        .expect("running strip (binutils; run scripts/setup)");
    assert!(status.success(), "strip failed: {status}");

    let outcome = run(&[], &stripped, &[]);
    outcome.assert_status(SEGV_STATUS);
    assert_frame(&outcome, 0, "lookup+0x", "");
    assert_frame(&outcome, 1, "load_config+0x", "");
    assert_frame(&outcome, 2, "main+0x", "");
}

// --- Syscall trace, summary and missing files ---

const OPENAT_MISSING: &str =
    r#"openat(AT_FDCWD, "/nonexistent/file", O_RDONLY) = -1 ENOENT (No such file or directory)"#;

/// The trace lines of standard error: `[TID] call(...) = result`, without the thread id.
fn trace_lines(outcome: &Outcome) -> Vec<String> {
    outcome
        .stderr_text()
        .lines()
        .filter_map(|line| {
            let (tid, call) = line.strip_prefix('[')?.split_once("] ")?;
            tid.parse::<u32>().ok()?;
            Some(call.to_owned())
        })
        .collect()
}

#[test]
fn trace_shows_a_failed_openat_with_its_path_and_errno() {
    let program = c_guest("diagnostics", Toolchain::GlibcStatic);

    let outcome = run(&["--trace"], &program, &["open-missing"]);
    outcome
        .assert_status(1)
        .assert_stdout("open = -1, errno = ENOENT\n");
    let trace = trace_lines(&outcome);
    assert!(
        trace.iter().any(|line| line == OPENAT_MISSING),
        "no traced openat of the missing file\n{outcome}"
    );
    assert!(
        trace.iter().any(|line| line.starts_with("write(1, ")),
        "--trace alone traces every call\n{outcome}"
    );
}

#[test]
fn trace_with_names_traces_only_those() {
    let program = c_guest("diagnostics", Toolchain::GlibcStatic);

    let outcome = run(&["--trace=openat,getppid"], &program, &["open-missing"]);
    outcome.assert_status(1);
    let trace = trace_lines(&outcome);
    assert_eq!(trace, [OPENAT_MISSING], "\n{outcome}");
}

#[test]
fn trace_options_apply_to_a_built_image() {
    let program = c_guest("diagnostics", Toolchain::GlibcStatic);
    let image = scratch_dir("trace_options_apply_to_a_built_image").join("app.img");
    pith([
        "build".as_ref(),
        "-o".as_ref(),
        image.as_os_str(),
        program.as_os_str(),
        "--".as_ref(),
        "open-missing".as_ref(),
    ])
    .run()
    .assert_status(0);

    let outcome = pith(["run".as_ref(), "--trace=openat".as_ref(), image.as_os_str()]).run();
    outcome.assert_status(1);
    assert_eq!(trace_lines(&outcome), [OPENAT_MISSING], "\n{outcome}");
}

#[test]
fn no_trace_and_no_summary_by_default() {
    let program = c_guest("diagnostics", Toolchain::GlibcStatic);

    let outcome = run(&[], &program, &["getppid", "10"]);
    outcome
        .assert_status(0)
        .assert_stdout("getppid called 10 times\n");
    assert_eq!(trace_lines(&outcome), Vec::<String>::new(), "\n{outcome}");
    let text = outcome.stderr_text();
    let mut lines = text.lines().map(split_words);
    assert!(
        !lines.any(|words| words == SUMMARY_HEADER),
        "no summary without --syscall-summary\n{outcome}"
    );
}

const SUMMARY_HEADER: [&str; 4] = ["syscall", "calls", "errors", "time(us)"];

fn split_words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// The summary's row for `name`: calls, errors, time in microseconds.
fn summary_row(outcome: &Outcome, name: &str) -> [u64; 3] {
    let text = outcome.stderr_text();
    let mut lines = text.lines().map(split_words);
    assert!(
        lines.any(|words| words == SUMMARY_HEADER),
        "no summary header {SUMMARY_HEADER:?}\n{outcome}"
    );
    let row = lines
        .find(|words| words.first() == Some(&name))
        .unwrap_or_else(|| panic!("no summary row for {name}\n{outcome}"));
    let number = |index: usize| -> u64 {
        row.get(index)
            .and_then(|word| word.parse().ok())
            .unwrap_or_else(|| panic!("summary row {row:?} has no number in column {index}"))
    };
    [number(1), number(2), number(3)]
}

#[test]
fn syscall_summary_counts_a_known_number_of_calls() {
    let program = c_guest("diagnostics", Toolchain::GlibcStatic);

    let outcome = run(&["--syscall-summary"], &program, &["getppid", "1000"]);
    outcome
        .assert_status(0)
        .assert_stdout("getppid called 1000 times\n");
    let [calls, errors, _time] = summary_row(&outcome, "getppid");
    assert_eq!((calls, errors), (1000, 0), "\n{outcome}");
    let [calls, errors, _time] = summary_row(&outcome, "acct");
    assert_eq!((calls, errors), (1, 1), "\n{outcome}");

    let enosys = lines_after(&outcome, "ENOSYS: ");
    assert_eq!(enosys.len(), 1, "one ENOSYS line\n{outcome}");
    let names: Vec<&str> = enosys[0].split(", ").collect();
    assert!(
        names.contains(&"acct"),
        "acct failed with ENOSYS\n{outcome}"
    );
    assert!(!names.contains(&"getppid"), "\n{outcome}");
}

#[test]
fn missing_files_are_listed_when_the_program_fails() {
    let program = c_guest("diagnostics", Toolchain::GlibcStatic);

    let outcome = run(&[], &program, &["open-missing"]);
    outcome.assert_status(1).assert_stderr_contains(
        "[pith] files the program looked for and did not find (add them with --file \
         HOST:GUEST):\n",
    );
    let listed = lines_after(&outcome, "  /");
    assert!(
        listed.iter().any(|path| path == "nonexistent/file"),
        "/nonexistent/file is not listed\n{outcome}"
    );
}

// --- gdb ---

/// Splits a command line printed by pith into words: plain words and single-quoted ones,
/// with `'\''` for a quote inside, which is all pith's quoting produces.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' => words.extend(word.take()),
            '\'' => {
                let word = word.get_or_insert_with(String::new);
                word.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Runs `gdb -batch` with `args` and returns what it printed; panics after `TIMEOUT`.
fn gdb_batch(args: &[String]) -> String {
    let mut gdb = Command::new("gdb")
        .args(["-nx", "-batch"])
        .args(args)
        .env_remove("DEBUGINFOD_URLS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running gdb (install it with scripts/setup)");
    let started = Instant::now();
    while gdb.try_wait().unwrap().is_none() {
        if started.elapsed() > TIMEOUT {
            let _ = gdb.kill();
            panic!("gdb still running after {TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(50));
    }
    let output = gdb.wait_with_output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Starts `program` under `pith run --gdb`, attaches gdb with the command pith printed, and
/// checks that a breakpoint on the program's main is hit.
fn gdb_stops_at_main(program: &Path) {
    let port = free_port();
    let gdb_flag = format!("--gdb={port}");
    let mut running = pith(command(&[&gdb_flag], program, &["one", "two"])).spawn();
    let stderr = running.wait_for_stderr(&format!("target remote 127.0.0.1:{port}'\n"));

    let line = stderr
        .lines()
        .find_map(|line| line.strip_prefix("  gdb "))
        .unwrap_or_else(|| panic!("pith printed no gdb command\n{stderr}"));
    let mut args = shell_words(line);
    for command in ["break main", "continue", "info registers rip", "kill"] {
        args.extend(["-ex".to_owned(), command.to_owned()]);
    }
    let output = gdb_batch(&args);

    assert!(
        output.contains("Breakpoint 1, main (argc=3, argv="),
        "gdb did not stop at main\n{output}"
    );
    let rip = output
        .lines()
        .find(|line| line.starts_with("rip "))
        .unwrap_or_else(|| panic!("gdb printed no rip\n{output}"));
    assert!(rip.ends_with("<main>"), "{rip}\n{output}");

    // gdb killed the VM, so the program never reported an exit status.
    running.wait().assert_status(PITH_FAILURE).assert_stdout("");
}

#[test]
fn gdb_batch_session_stops_at_main() {
    gdb_stops_at_main(&c_guest("hello", Toolchain::GlibcStatic));
}

#[test]
fn gdb_batch_session_stops_at_main_of_a_static_pie_program() {
    gdb_stops_at_main(&c_guest("hello", Toolchain::GlibcStaticPie));
}

#[test]
fn shell_words_undo_pith_quoting() {
    let words = shell_words(r"gdb /k.elf -ex 'set confirm off' -ex 'it'\''s' plain");
    assert_eq!(
        words,
        [
            "gdb",
            "/k.elf",
            "-ex",
            "set confirm off",
            "-ex",
            "it's",
            "plain"
        ]
    );
}
