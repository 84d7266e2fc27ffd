//! Interactive use: a program reading lines from the console gets what is typed on a
//! terminal, line by line, and Ctrl-D ends its input. `script` (util-linux) gives pith a
//! real terminal as its standard input.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{c_guest, Toolchain};

const TIMEOUT: Duration = Duration::from_secs(120);

/// Waits until what `output` collected contains `needle`.
fn wait_for(output: &Arc<Mutex<Vec<u8>>>, needle: &str) {
    let started = Instant::now();
    loop {
        let text = String::from_utf8_lossy(&output.lock().unwrap()).into_owned();
        if text.contains(needle) {
            return;
        }
        assert!(started.elapsed() < TIMEOUT, "no {needle:?} in {text:?}");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn lines_typed_on_a_terminal_reach_the_program() {
    let program = c_guest("lines", Toolchain::GlibcStatic);
    let command = format!("{} run {}", env!("CARGO_BIN_EXE_pith"), program.display());
    let mut script = Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("running script (util-linux)");
    let mut stdout = script.stdout.take().expect("piped");
    let output = Arc::new(Mutex::new(Vec::new()));
    let collected = output.clone();
    thread::spawn(move || {
        let mut chunk = [0u8; 1024];
        while let Ok(count) = stdout.read(&mut chunk) {
            if count == 0 {
                break;
            }
            collected.lock().unwrap().extend_from_slice(&chunk[..count]);
        }
    });

    let mut terminal = script.stdin.take().expect("piped");
    wait_for(&output, "type lines");
    terminal.write_all(b"first line\n").unwrap();
    wait_for(&output, "got: first line");
    terminal.write_all(b"second\n").unwrap();
    wait_for(&output, "got: second");
    // Ctrl-D at the start of a line: end of file.
    terminal.write_all(b"\x04").unwrap();
    wait_for(&output, "2 lines");
    let status = script.wait().expect("waiting for script");
    assert!(status.success(), "{status}");
}
