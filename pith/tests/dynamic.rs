//! Dynamically linked programs, unmodified from Debian, booted with `pith run`: pith packs
//! their libraries (and interpreters' library trees), the kernel loads their dynamic
//! linker, and they run as on the host.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{pith, repo_root, scratch_dir, Outcome};

fn run(args: &[&str]) -> Outcome {
    pith(std::iter::once("run").chain(args.iter().copied())).run()
}

/// `/usr/bin/<name>`, which scripts/setup installs.
fn debian_program(name: &str) -> String {
    let path = Path::new("/usr/bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

const PYTHON_CHECKS: &str = r#"
import json, hashlib, sqlite3, threading, datetime, os
print(json.dumps({"a": [1, 2]}))
print(hashlib.sha256(b"pith").hexdigest())
db = sqlite3.connect(":memory:")
db.execute("create table t(x)")
db.execute("insert into t values (42)")
print(db.execute("select x from t").fetchone()[0])
seen = []
threads = [threading.Thread(target=seen.append, args=(i,)) for i in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
print(sorted(seen))
print(datetime.datetime.now().year >= 2024)
print("etc" in os.listdir("/") and "usr" in os.listdir("/"))
"#;

#[test]
fn python3_standard_library() {
    run(&[&debian_program("python3"), "--", "-c", PYTHON_CHECKS])
        .assert_stdout(
            "{\"a\": [1, 2]}\n\
             158b993c2b8d4c22e5640dc7b2910dd9b4a70cee21eebd82b2eeecc06f7266e6\n\
             42\n[0, 1, 2, 3]\nTrue\nTrue\n",
        )
        .assert_status(0);
}

#[test]
fn python3_unittest_of_a_file_in_the_image() {
    let test_file = repo_root().join("tests/guests/python/test_sample.py");
    let file = format!("{}:/app/test_sample.py", test_file.display());
    let outcome = run(&[
        "-w",
        "/app",
        "--file",
        &file,
        &debian_program("python3"),
        "--",
        "-m",
        "unittest",
        "test_sample",
    ]);
    let stderr = outcome.stderr_text();
    assert!(stderr.contains("Ran 3 tests"), "{stderr}");
    assert!(stderr.contains("\nOK\n"), "{stderr}");
    outcome.assert_status(0);
}

#[test]
fn node_crypto_timers_and_a_worker() {
    let script = "const crypto = require('crypto');\
        console.log(crypto.createHash('sha256').update('pith').digest('hex'));\
        setTimeout(() => setTimeout(() => console.log('timers fired'), 10), 10);\
        const { Worker } = require('worker_threads');\
        new Worker(\"require('worker_threads').parentPort.postMessage(6 * 7)\", { eval: true })\
          .on('message', (answer) => console.log('worker says', answer));";
    let outcome = run(&[&debian_program("node"), "--", "-e", script]);
    let stdout = outcome.stdout_text();
    assert!(
        stdout.starts_with("158b993c2b8d4c22e5640dc7b2910dd9b4a70cee21eebd82b2eeecc06f7266e6\n"),
        "{stdout}"
    );
    assert!(stdout.contains("timers fired\n"), "{stdout}");
    assert!(stdout.contains("worker says 42\n"), "{stdout}");
    outcome.assert_status(0);
}

#[test]
fn sqlite3_in_memory_script() {
    pith(["run", &debian_program("sqlite3"), "--", ":memory:"])
        .stdin("create table t(x);\ninsert into t values (1), (2), (3);\nselect sum(x) from t;\n")
        .run()
        .assert_stdout("6\n")
        .assert_status(0);
}

#[test]
fn perl_one_liner() {
    run(&[
        &debian_program("perl"),
        "--",
        "-e",
        "print join(',', map { $_ * 2 } 1..5), qq(\\n)",
    ])
    .assert_stdout("2,4,6,8,10\n")
    .assert_status(0);
}

#[test]
fn lua_one_liner() {
    run(&[
        &debian_program("lua5.4"),
        "--",
        "-e",
        "print(string.format('%d', 6 * 7))",
    ])
    .assert_stdout("42\n")
    .assert_status(0);
}

/// Builds `tests/guests/<source>` with gcc and `flags` into `dir`.
fn gcc(dir: &Path, source: &str, output: &str, flags: &[&str]) -> PathBuf {
    let target = dir.join(output);
    let status = Command::new("gcc")
        .args(flags)
        .args(["-O2", "-g", "-o"])
        .arg(&target)
        .arg(repo_root().join("tests/guests").join(source))
        .status()
        .expect("running gcc");
    assert!(status.success(), "gcc {source} failed");
    target
}

#[test]
fn dlopen_of_a_library_in_the_image() {
    let dir = scratch_dir("dlopen");
    let plugin = gcc(
        &dir,
        "dlopen_plugin.c",
        "libplugin.so",
        &["-shared", "-fPIC"],
    );
    let program = gcc(&dir, "dlopen_main.c", "dlopen_main", &[]);
    let file = format!("{}:/opt/plugin/libplugin.so", plugin.display());
    run(&["--file", &file, program.to_str().expect("a UTF-8 path")])
        .assert_stdout("plugin_answer(6) = 42\nmissing library: NULL\n")
        .assert_status(0);
}

const VDSO_OUTPUT: &str = "vDSO is an ELF image: 1\nvDSO and syscall clocks agree in order: 1\n\
    wall clocks agree: 1\ncpu: 0\n";

/// The guest makes 3,000 `clock_gettime` calls, 1,000 of them through `syscall(2)`: only
/// those reach the kernel, the others are answered by the vDSO.
fn assert_vdso_answers(program: &Path) {
    let outcome = run(&[
        "--trace=clock_gettime",
        program.to_str().expect("a UTF-8 path"),
    ]);
    let traced = outcome
        .stderr_text()
        .lines()
        .filter(|line| line.contains("clock_gettime("))
        .count();
    assert_eq!(traced, 1000, "{}", outcome.stderr_text());
    outcome.assert_stdout(VDSO_OUTPUT).assert_status(0);
}

#[test]
fn vdso_serves_clocks_to_a_dynamic_program() {
    let dir = scratch_dir("vdso_dynamic");
    assert_vdso_answers(&gcc(&dir, "vdso.c", "vdso", &[]));
}

#[test]
fn vdso_serves_clocks_to_a_static_program() {
    assert_vdso_answers(&common::c_guest("vdso", common::Toolchain::GlibcStatic));
}
