//! `pith run` boots C programs (glibc static, glibc static-pie, musl static) under QEMU
//! and passes through their arguments, environment, output and exit status exactly.

mod common;

use std::ffi::OsStr;
use std::path::Path;

use common::{c_guest, pith, scratch_dir, Outcome, Toolchain};

const HELLO_ARGS: [&str; 4] = ["one", "two words", "", "ünï"];
const HELLO_OUTPUT: &str = "hello from a pith guest
argc=5
argv[1]=one
argv[2]=two words
argv[3]=
argv[4]=ünï
GREETING=bonjour
";

/// `pith run <options> <program> -- <args>`.
fn run(options: &[&str], program: &Path, args: &[&str]) -> Outcome {
    let mut command: Vec<&OsStr> = vec!["run".as_ref()];
    command.extend(options.iter().map(OsStr::new));
    command.push(program.as_os_str());
    command.push("--".as_ref());
    command.extend(args.iter().map(OsStr::new));
    pith(command).run()
}

fn hello(toolchain: Toolchain) {
    let program = c_guest("hello", toolchain);

    run(&["-e", "GREETING=bonjour"], &program, &HELLO_ARGS)
        .assert_stdout(HELLO_OUTPUT)
        .assert_status(42);
}

#[test]
fn hello_glibc_static() {
    hello(Toolchain::GlibcStatic);
}

#[test]
fn hello_glibc_static_pie() {
    hello(Toolchain::GlibcStaticPie);
}

#[test]
fn hello_musl_static() {
    hello(Toolchain::MuslStatic);
}

#[test]
fn built_image_runs_with_its_arguments_and_environment() {
    let program = c_guest("hello", Toolchain::GlibcStatic);
    let image = scratch_dir("built_image_runs_with_its_arguments_and_environment").join("app.img");

    let mut build: Vec<&OsStr> = vec!["build".as_ref(), "-e".as_ref(), "GREETING=bonjour".as_ref()];
    build.extend([
        "-o".as_ref(),
        image.as_os_str(),
        program.as_os_str(),
        "--".as_ref(),
    ]);
    build.extend(HELLO_ARGS.iter().map(OsStr::new));
    pith(build).run().assert_status(0);

    pith(["run".as_ref(), image.as_os_str()])
        .run()
        .assert_stdout(HELLO_OUTPUT)
        .assert_status(42);
}

#[test]
fn options_memory_and_tcg_keep_the_program_unchanged() {
    let program = c_guest("hello", Toolchain::GlibcStatic);
    let options = ["-m", "128M", "--accel", "tcg", "-e", "GREETING=bonjour"];

    run(&options, &program, &HELLO_ARGS)
        .assert_stdout(HELLO_OUTPUT)
        .assert_status(42);
}

#[test]
fn log_level_error_keeps_standard_error_quiet() {
    let program = c_guest("hello", Toolchain::GlibcStatic);
    let options = ["--log-level", "error", "-e", "GREETING=bonjour"];

    let outcome = run(&options, &program, &HELLO_ARGS);
    outcome.assert_stdout(HELLO_OUTPUT).assert_status(42);
    assert!(
        outcome.stderr.is_empty(),
        "nothing on standard error\n{outcome}"
    );
}

#[test]
fn log_level_debug_adds_kernel_output_only_on_standard_error() {
    let program = c_guest("hello", Toolchain::GlibcStatic);
    let options = ["--log-level", "debug", "-e", "GREETING=bonjour"];

    let outcome = run(&options, &program, &HELLO_ARGS);
    outcome.assert_stdout(HELLO_OUTPUT).assert_status(42);
    assert!(
        !outcome.stderr.is_empty(),
        "the kernel logs at debug level\n{outcome}"
    );
}

#[test]
fn verbose_says_which_accelerator_it_chose() {
    let program = c_guest("hello", Toolchain::GlibcStatic);

    run(&["-v", "-e", "GREETING=bonjour"], &program, &HELLO_ARGS)
        .assert_stdout(HELLO_OUTPUT)
        .assert_status(42)
        .assert_stderr_contains("accelerator");
}

#[test]
fn exit_status_0_passes_through() {
    let program = c_guest("exit_status", Toolchain::GlibcStatic);

    run(&[], &program, &["0"])
        .assert_stdout("")
        .assert_status(0);
}

#[test]
fn exit_status_255_passes_through() {
    let program = c_guest("exit_status", Toolchain::GlibcStatic);

    run(&[], &program, &["255"])
        .assert_stdout("")
        .assert_status(255);
}

#[test]
fn exit_status_is_taken_modulo_256() {
    let program = c_guest("exit_status", Toolchain::MuslStatic);

    run(&[], &program, &["257"])
        .assert_stdout("")
        .assert_status(1);
}

fn dies_of(mode: &str, status: i32, signal_name: &str) {
    let program = c_guest("signals", Toolchain::GlibcStatic);

    run(&[], &program, &[mode])
        .assert_stdout(&format!("about to {mode}\n"))
        .assert_status(status)
        .assert_stderr_contains(signal_name);
}

#[test]
fn null_dereference_is_sigsegv_139_with_a_crash_report() {
    dies_of("segv", 139, "SIGSEGV");
}

#[test]
fn invalid_opcode_is_sigill_132() {
    dies_of("ill", 132, "SIGILL");
}

#[test]
fn division_by_zero_is_sigfpe_136() {
    dies_of("fpe", 136, "SIGFPE");
}

#[test]
fn abort_is_sigabrt_134() {
    dies_of("abort", 134, "SIGABRT");
}

#[test]
fn unknown_syscall_returns_enosys() {
    let program = c_guest("enosys", Toolchain::GlibcStatic);

    run(&[], &program, &[])
        .assert_stdout(
            "syscall(1000) = -1, errno = 38 (ENOSYS)\nstill running after an unknown syscall\n",
        )
        .assert_status(0);
}

fn startup(toolchain: Toolchain) {
    let program = c_guest("probe", toolchain);

    run(&[], &program, &["startup"])
        .assert_stdout(
            "argv[argc] is NULL: yes
AT_PAGESZ: 4096
AT_PHENT: 56
AT_PHDR present: yes
AT_PHNUM present: yes
AT_ENTRY present: yes
AT_RANDOM present: yes
AT_RANDOM bytes not all zero: yes
getauxval(AT_PAGESZ) agrees: yes
sysconf(_SC_PAGESIZE): 4096
",
        )
        .assert_status(0);
}

#[test]
fn startup_stack_and_auxv_glibc_static() {
    startup(Toolchain::GlibcStatic);
}

#[test]
fn startup_stack_and_auxv_glibc_static_pie() {
    startup(Toolchain::GlibcStaticPie);
}

#[test]
fn startup_stack_and_auxv_musl() {
    startup(Toolchain::MuslStatic);
}

#[test]
fn environment_variables_arrive_in_order() {
    let program = c_guest("probe", Toolchain::GlibcStatic);
    let options = ["-e", "FIRST=1", "-e", "SECOND=two words", "-e", "EMPTY="];

    let outcome = run(&options, &program, &["env"]);
    outcome.assert_status(0);
    assert!(
        outcome
            .stdout_text()
            .contains("env FIRST=1\nenv SECOND=two words\nenv EMPTY=\n"),
        "the -e variables, in order\n{outcome}"
    );
}

#[test]
fn uname_says_linux_on_x86_64() {
    let program = c_guest("probe", Toolchain::GlibcStatic);

    run(&[], &program, &["uname"])
        .assert_stdout("sysname: Linux\nmachine: x86_64\nrelease not empty: yes\n")
        .assert_status(0);
}

#[test]
fn clocks_are_monotonic_and_wall_time_is_current() {
    let program = c_guest("probe", Toolchain::GlibcStatic);

    run(&[], &program, &["clock"])
        .assert_stdout("monotonic never goes back: yes\nrealtime after 2020: yes\n")
        .assert_status(0);
}

#[test]
fn process_ids_answer() {
    let program = c_guest("probe", Toolchain::MuslStatic);

    run(&[], &program, &["pid"])
        .assert_stdout("getpid positive: yes\ngetppid non-negative: yes\ngetpid stable: yes\n")
        .assert_status(0);
}

#[test]
fn standard_error_goes_to_pith_standard_error() {
    let program = c_guest("probe", Toolchain::GlibcStatic);

    let outcome = run(&[], &program, &["stderr"]);
    outcome
        .assert_stdout("to stdout\n")
        .assert_stderr_contains("to stderr\n")
        .assert_status(0);
    assert!(
        !outcome.stderr_text().contains("to stdout"),
        "stdout leaked into stderr\n{outcome}"
    );
}

/// What `large_output.c` prints: 16384 lines of 64 bytes.
fn large_output_expected() -> Vec<u8> {
    let mut expected = Vec::with_capacity(1 << 20);
    for line in 0..16384usize {
        let letters: String = (0..55)
            .map(|i| char::from(b'a' + ((line + i) % 26) as u8))
            .collect();
        expected.extend(format!("{line:07} {letters}\n").into_bytes());
    }
    expected
}

#[test]
fn one_mebibyte_of_output_arrives_intact() {
    let program = c_guest("large_output", Toolchain::GlibcStatic);
    let expected = large_output_expected();
    assert_eq!(expected.len(), 1 << 20);

    let outcome = run(&[], &program, &[]);
    outcome.assert_status(0);
    assert_eq!(
        outcome.stdout.len(),
        expected.len(),
        "output length\n{outcome}"
    );
    if let Some(line) = (0..outcome.stdout.len() / 64)
        .find(|line| outcome.stdout[line * 64..][..64] != expected[line * 64..][..64])
    {
        panic!("output differs from line {line} on\n{outcome}");
    }
}
