//! pith refuses what it cannot run with a message that names the file and says what to
//! do, and exits with 125 (its own failure). None of these tests needs the kernel to
//! boot a program.

mod common;

use std::path::Path;

use common::elf::{elf32_executable, elf64_executable, EM_386, EM_AARCH64};
use common::{c_guest, pith, scratch_dir, Outcome, Toolchain};

/// pith's exit status for its own failures.
const PITH_FAILURE: i32 = 125;

fn run_program(program: &Path) -> Outcome {
    pith(["run".as_ref(), program.as_os_str()]).run()
}

fn write_file(dir: &Path, name: &str, contents: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("writing a test file");
    path
}

#[test]
fn missing_program_is_named() {
    let program = scratch_dir("missing_program_is_named").join("no-such-program");

    run_program(&program)
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains(&program.display().to_string())
        .assert_stderr_contains("does not exist");
}

#[test]
fn text_file_is_not_an_elf() {
    let dir = scratch_dir("text_file_is_not_an_elf");
    let program = write_file(&dir, "script.txt", b"#!/bin/sh\necho this is not an ELF\n");

    run_program(&program)
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains(&program.display().to_string())
        .assert_stderr_contains("not an ELF");
}

#[test]
fn elf32_is_refused() {
    let dir = scratch_dir("elf32_is_refused");
    let program = write_file(&dir, "i386-program", &elf32_executable(EM_386));

    run_program(&program)
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains(&program.display().to_string())
        .assert_stderr_contains("32-bit");
}

#[test]
fn aarch64_elf_is_the_wrong_architecture() {
    let dir = scratch_dir("aarch64_elf_is_the_wrong_architecture");
    let program = write_file(&dir, "arm-program", &elf64_executable(EM_AARCH64));

    run_program(&program)
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains(&program.display().to_string())
        .assert_stderr_contains("AArch64")
        .assert_stderr_contains("x86-64");
}

#[test]
fn dynamic_program_runs_with_its_libraries() {
    // Dynamically linked programs were refused until the kernel loaded PT_INTERP.
    run_program(Path::new("/bin/true")).assert_status(0);
}

#[test]
fn build_packs_a_dynamic_program_with_its_libraries() {
    let image = scratch_dir("build_packs_a_dynamic_program").join("app.img");

    pith([
        "build".as_ref(),
        "/bin/true".as_ref(),
        "-o".as_ref(),
        image.as_os_str(),
    ])
    .run()
    .assert_status(0);
    let listing = std::process::Command::new("cpio")
        .arg("-it")
        .stdin(std::fs::File::open(&image).expect("the image was written"))
        .output()
        .expect("running cpio");
    let names = String::from_utf8_lossy(&listing.stdout);
    assert!(
        names.lines().any(|name| name.ends_with("libc.so.6")),
        "{names}"
    );
    assert!(
        names
            .lines()
            .any(|name| name.contains("ld-linux-x86-64.so.2")),
        "{names}"
    );
}

#[test]
fn qemu_override_that_does_not_exist() {
    let program = c_guest("hello", Toolchain::GlibcStatic);

    pith(["run".as_ref(), program.as_os_str()])
        .env("PITH_QEMU", "/nonexistent/qemu")
        .run()
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains("/nonexistent/qemu")
        .assert_stderr_contains("apt-get install qemu-system-x86");
}

#[test]
fn qemu_not_on_path() {
    let program = c_guest("hello", Toolchain::GlibcStatic);
    let empty = scratch_dir("qemu_not_on_path");

    pith(["run".as_ref(), program.as_os_str()])
        .env_remove("PITH_QEMU")
        .env("PATH", &empty)
        .run()
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains("apt-get install qemu-system-x86");
}

#[test]
fn environment_entry_without_equals_sign() {
    let program = c_guest("hello", Toolchain::GlibcStatic);

    pith([
        "run".as_ref(),
        "-e".as_ref(),
        "NOEQUALS".as_ref(),
        program.as_os_str(),
    ])
    .run()
    .assert_failure()
    .assert_stderr_contains("NOEQUALS");
}

#[test]
fn memory_size_that_does_not_parse() {
    let program = c_guest("hello", Toolchain::GlibcStatic);

    pith([
        "run".as_ref(),
        "-m".as_ref(),
        "lots".as_ref(),
        program.as_os_str(),
    ])
    .run()
    .assert_failure()
    .assert_stderr_contains("lots");
}

#[test]
fn unknown_accelerator() {
    let program = c_guest("hello", Toolchain::GlibcStatic);

    pith([
        "run".as_ref(),
        "--accel".as_ref(),
        "warp".as_ref(),
        program.as_os_str(),
    ])
    .run()
    .assert_failure()
    .assert_stderr_contains("warp");
}

#[test]
fn run_without_a_program() {
    pith(["run"]).run().assert_failure();
}

#[test]
fn help_lists_the_commands_and_options() {
    let outcome = pith(["--help"]).run();
    outcome.assert_status(0);
    let help = outcome.stdout_text();
    for word in ["run", "build"] {
        assert!(help.contains(word), "--help lacks {word:?}\n{outcome}");
    }

    let outcome = pith(["run", "--help"]).run();
    outcome.assert_status(0);
    let help = outcome.stdout_text();
    let options = [
        "--env",
        "--memory",
        "--accel",
        "--verbose",
        "--log-level",
        "--publish",
        "--net",
        "--ip",
        "--gateway",
        "--dns",
    ];
    for option in options {
        assert!(
            help.contains(option),
            "run --help lacks {option}\n{outcome}"
        );
    }
}

#[test]
fn version_is_the_package_version() {
    let outcome = pith(["--version"]).run();
    outcome.assert_status(0);
    assert!(
        outcome.stdout_text().contains(env!("CARGO_PKG_VERSION")),
        "--version lacks {}\n{outcome}",
        env!("CARGO_PKG_VERSION")
    );
}

#[test]
fn directory_is_not_a_program() {
    let dir = scratch_dir("directory_is_not_a_program");

    run_program(&dir)
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains(&dir.display().to_string())
        .assert_stderr_contains("is a directory");
}

#[test]
fn program_without_execute_permission() {
    let dir = scratch_dir("program_without_execute_permission");
    let program = write_file(
        &dir,
        "not-executable",
        &std::fs::read(c_guest("hello", Toolchain::GlibcStatic)).unwrap(),
    );

    run_program(&program)
        .assert_status(PITH_FAILURE)
        .assert_stderr_contains(&program.display().to_string())
        .assert_stderr_contains("chmod +x");
}
