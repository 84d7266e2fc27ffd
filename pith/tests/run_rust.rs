//! `pith run` boots a Rust std program (static glibc, x86_64-unknown-linux-gnu with
//! `+crt-static`) that leans on the allocator, formatting, `std::env`, `Instant` and
//! standard input read to end of file.

mod common;

use common::{pith, rust_std_guest};

const FIRST_LINE: &[u8] = b"alpha beta gamma beta alpha beta\n";

/// The same 64-bit FNV-1a as the guest's.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A first line of words, then 64 KiB holding every byte value, the control-frame type
/// bytes of the host protocol among them.
fn stdin_bytes() -> Vec<u8> {
    let mut bytes = FIRST_LINE.to_vec();
    bytes.extend((0..64 * 1024).map(|i: u32| (i.wrapping_mul(7) % 256) as u8));
    bytes
}

fn expected_output(words: &str, stdin: &[u8]) -> String {
    format!(
        "args: [\"one\", \"two words\"]
GREETING=bonjour
words: {words}
stdin: {} bytes, fnv1a64 {:016x}
format: 0x2a 1.414 [1, 2, 3]
instant: ok
",
        stdin.len(),
        fnv1a64(stdin)
    )
}

fn run_guest(stdin: &[u8]) -> common::Outcome {
    let program = rust_std_guest();
    pith([
        "run".as_ref(),
        "-e".as_ref(),
        "GREETING=bonjour".as_ref(),
        program.as_os_str(),
        "--".as_ref(),
        "one".as_ref(),
        "two words".as_ref(),
    ])
    .stdin(stdin)
    .run()
}

#[test]
fn rust_std_program_reads_all_of_stdin_and_exits_7() {
    let stdin = stdin_bytes();

    run_guest(&stdin)
        .assert_stdout(&expected_output("beta=3 alpha=2 gamma=1", &stdin))
        .assert_status(7);
}

#[test]
fn rust_std_program_sees_end_of_file_on_empty_stdin() {
    run_guest(b"")
        .assert_stdout(&expected_output("", b""))
        .assert_status(7);
}
