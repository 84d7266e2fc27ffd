//! Builds the guest programs of `tests/guests/` into `<target>/guests/`, once per test
//! process. They are ordinary static Linux programs: each can also be run on the host.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use super::{repo_root, target_dir};

/// How a C guest is compiled and linked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Toolchain {
    /// `gcc -static`: glibc, a fixed-address executable.
    GlibcStatic,
    /// `gcc -static-pie`: glibc, a position-independent executable that relocates itself.
    GlibcStaticPie,
    /// `musl-gcc -static` (Debian package `musl-tools`).
    MuslStatic,
}

impl Toolchain {
    fn compiler(self) -> &'static str {
        match self {
            Toolchain::GlibcStatic | Toolchain::GlibcStaticPie => "gcc",
            Toolchain::MuslStatic => "musl-gcc",
        }
    }

    fn link_flags(self) -> &'static [&'static str] {
        match self {
            Toolchain::GlibcStatic | Toolchain::MuslStatic => &["-static"],
            Toolchain::GlibcStaticPie => &["-static-pie", "-fPIE"],
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Toolchain::GlibcStatic => "static",
            Toolchain::GlibcStaticPie => "static-pie",
            Toolchain::MuslStatic => "musl",
        }
    }
}

type BuildResult = Result<PathBuf, String>;

/// The guest `tests/guests/<name>.c` built with `toolchain`; panics if it does not build.
pub fn c_guest(name: &str, toolchain: Toolchain) -> PathBuf {
    static BUILT: Mutex<BTreeMap<(String, Toolchain), BuildResult>> = Mutex::new(BTreeMap::new());

    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let result = built
        .entry((name.to_owned(), toolchain))
        .or_insert_with(|| build_c(name, toolchain))
        .clone();
    drop(built);
    result.unwrap_or_else(|message| panic!("{message}"))
}

fn build_c(name: &str, toolchain: Toolchain) -> BuildResult {
    let source = repo_root().join("tests/guests").join(format!("{name}.c"));
    let output = guests_dir()?.join(format!("{name}-{}", toolchain.suffix()));

    // Build under a name of our own and rename: other test processes may be building
    // the same guest at the same time.
    let partial = with_pid_suffix(&output);
    let mut command = Command::new(toolchain.compiler());
    command
        .args(toolchain.link_flags())
        .args(["-O2", "-g", "-Wall", "-Wextra", "-o"])
        .arg(&partial)
        .arg(&source);
    run_build(&mut command, &format!("building {}", source.display()))?;
    std::fs::rename(&partial, &output)
        .map_err(|error| format!("renaming to {}: {error}", output.display()))?;
    Ok(output)
}

/// The Rust std guest `tests/guests/rust-std`, built for `x86_64-unknown-linux-gnu` with
/// a statically linked C runtime; panics if it does not build.
pub fn rust_std_guest() -> PathBuf {
    rust_guest("rust-std")
}

/// Where the Rust guests are, built once per test process.
fn rust_guests_dir() -> PathBuf {
    static BUILT: OnceLock<BuildResult> = OnceLock::new();

    BUILT
        .get_or_init(build_rust_std)
        .clone()
        .unwrap_or_else(|message| panic!("{message}"))
}

fn build_rust_std() -> BuildResult {
    const TARGET: &str = "x86_64-unknown-linux-gnu";
    let project = repo_root().join("tests/guests/rust-std");
    // A target directory of its own: the outer cargo holds the lock on the workspace's.
    let cargo_target = guests_dir()?.join("rust-std-target");

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&project)
        .args(["build", "--release", "--locked", "--offline", "--quiet"])
        .args(["--target", TARGET])
        .env("CARGO_TARGET_DIR", &cargo_target)
        .env("RUSTFLAGS", "-C target-feature=+crt-static");
    // Settings of the outer build that must not leak into this one.
    for variable in [
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS",
        "CARGO_BUILD_RUSTC_WRAPPER",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        command.env_remove(variable);
    }
    run_build(&mut command, &format!("building {}", project.display()))?;
    Ok(cargo_target.join(TARGET).join("release"))
}

/// The Go program `tests/guests/go/<name>.go`, built statically (`CGO_ENABLED=0`) with
/// Debian's Go; panics if it does not build.
pub fn go_guest(name: &str) -> PathBuf {
    static BUILT: Mutex<BTreeMap<String, BuildResult>> = Mutex::new(BTreeMap::new());

    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let result = built
        .entry(name.to_owned())
        .or_insert_with(|| build_go(name))
        .clone();
    drop(built);
    result.unwrap_or_else(|message| panic!("{message}"))
}

fn build_go(name: &str) -> BuildResult {
    let source = repo_root()
        .join("tests/guests/go")
        .join(format!("{name}.go"));
    let output = guests_dir()?.join(format!("{name}-go"));
    let partial = with_pid_suffix(&output);
    let mut command = Command::new("go");
    command
        .args(["build", "-o"])
        .arg(&partial)
        .arg(&source)
        .env("CGO_ENABLED", "0")
        .env("GOCACHE", guests_dir()?.join("go-cache"))
        .env("GOFLAGS", "-buildvcs=false");
    run_build(&mut command, &format!("building {}", source.display()))?;
    std::fs::rename(&partial, &output)
        .map_err(|error| format!("renaming to {}: {error}", output.display()))?;
    Ok(output)
}

/// The Rust std guest binary `name` from `tests/guests/rust-std`.
pub fn rust_guest(name: &str) -> PathBuf {
    rust_guests_dir().join(name)
}

fn guests_dir() -> Result<PathBuf, String> {
    let dir = target_dir().join("guests");
    std::fs::create_dir_all(&dir)
        .map_err(|error| format!("creating {}: {error}", dir.display()))?;
    Ok(dir)
}

fn with_pid_suffix(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{}.partial", std::process::id()));
    PathBuf::from(name)
}

fn run_build(command: &mut Command, what: &str) -> Result<(), String> {
    let program = command.get_program().to_string_lossy().into_owned();
    let output = command.output().map_err(|error| {
        format!("{what}: cannot run {program} ({error}); run scripts/setup to install it")
    })?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what}: {program} failed ({})\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}
