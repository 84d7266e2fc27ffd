//! Builds the kernel and embeds it in pith, so that one `pith` binary carries everything it
//! boots.
//!
//! The kernel is its own cargo workspace in `../kernel`, built for `x86_64-unknown-none` by a
//! nested `cargo build --release` run inside that directory, so that its `.cargo/config.toml`
//! (target and rustflags) applies. Its target directory lives under `OUT_DIR`, which works
//! for `cargo build` and for `cargo install --path pith` alike. The resulting ELF is copied
//! to `OUT_DIR/pith-kernel`, which `src/kernel.rs` includes with `include_bytes!`.
//!
//! Set `PITH_KERNEL=/path/to/pith-kernel` at build time to embed that file instead of
//! building the kernel: for packagers who build the kernel separately, and for working on
//! pith while the kernel does not build.

use std::env;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{self, Command};

const KERNEL_TARGET: &str = "x86_64-unknown-none";
const KERNEL_BINARY: &str = "pith-kernel";

/// Variables cargo sets for this build script (or that steer the outer build) that would
/// break, or silently change, a nested build for another target.
const REMOVED_VARIABLES: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_BUILD_TARGET",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_RUSTC_WRAPPER",
    "CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "MFLAGS",
    "CARGO_PRIMARY_PACKAGE",
    "TARGET",
    "HOST",
    "OPT_LEVEL",
    "PROFILE",
    "DEBUG",
    "NUM_JOBS",
    "OUT_DIR",
    "RUSTC",
    "RUSTDOC",
    "RUSTC_LINKER",
    "CARGO_CRATE_NAME",
];

/// Prefixes of variables removed for the same reason.
const REMOVED_PREFIXES: &[&str] = &[
    "CARGO_FEATURE_",
    "CARGO_CFG_",
    "CARGO_PROFILE_",
    "CARGO_PKG_",
    "CARGO_MANIFEST_",
    "__CARGO_",
];

fn main() {
    println!("cargo:rerun-if-env-changed=PITH_KERNEL");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    let kernel = match env::var_os("PITH_KERNEL").filter(|path| !path.is_empty()) {
        Some(path) => prebuilt_kernel(PathBuf::from(path)),
        None => build_kernel(&out_dir),
    };

    let bytes = fs::read(&kernel)
        .unwrap_or_else(|error| fail(&format!("cannot read {}: {error}", kernel.display())));
    if bytes.is_empty() {
        fail(&format!("the kernel {} is empty", kernel.display()));
    }
    write_if_changed(&out_dir.join(KERNEL_BINARY), &bytes);
    // Names the kernel's cache file at run time, so each kernel is written to disk once.
    println!("cargo:rustc-env=PITH_KERNEL_HASH={:016x}", fnv1a(&bytes));
}

/// The kernel named by `PITH_KERNEL`, used as is.
fn prebuilt_kernel(path: PathBuf) -> PathBuf {
    if !path.is_file() {
        fail(&format!(
            "PITH_KERNEL={} is not a file: point it at a built pith-kernel ELF, or unset it to \
             build the kernel from ../kernel",
            path.display()
        ));
    }
    println!("cargo:rerun-if-changed={}", path.display());
    path
}

/// Builds `../kernel` with a nested cargo and returns the path of the kernel ELF.
fn build_kernel(out_dir: &Path) -> PathBuf {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let kernel_dir = manifest_dir.join("../kernel");
    let Ok(kernel_dir) = kernel_dir.canonicalize() else {
        fail(&format!(
            "the kernel sources are not at {}: build pith from a checkout of the Pith \
             repository, or set PITH_KERNEL=/path/to/pith-kernel",
            kernel_dir.display()
        ));
    };
    let target_dir = out_dir.join("kernel-target");

    let cargo = env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(&cargo);
    command
        .current_dir(&kernel_dir)
        .args([
            "build",
            "--release",
            "--target",
            KERNEL_TARGET,
            "--target-dir",
        ])
        .arg(&target_dir);
    for (name, _) in env::vars_os() {
        if is_removed(&name) {
            command.env_remove(name);
        }
    }
    let output = command.output().unwrap_or_else(|error| {
        fail(&format!(
            "cannot run {}: {error}",
            Path::new(&cargo).display()
        ))
    });
    if !output.status.success() {
        report_build_failure(&kernel_dir, &output.stdout, &output.stderr);
    }

    watch_kernel_sources(&kernel_dir, &manifest_dir.join("../image"));
    target_dir
        .join(KERNEL_TARGET)
        .join("release")
        .join(KERNEL_BINARY)
}

fn is_removed(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    REMOVED_VARIABLES.contains(&name)
        || REMOVED_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
}

/// Reruns this script when anything the kernel is built from changes. Only existing paths are
/// named: cargo treats a missing one as always changed.
fn watch_kernel_sources(kernel_dir: &Path, image_dir: &Path) {
    let watched = [
        kernel_dir.join("src"),
        kernel_dir.join("Cargo.toml"),
        kernel_dir.join("Cargo.lock"),
        kernel_dir.join("linker.ld"),
        kernel_dir.join("build.rs"),
        kernel_dir.join(".cargo/config.toml"),
        image_dir.join("src"),
        image_dir.join("Cargo.toml"),
    ];
    for path in watched.iter().filter(|path| path.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

fn report_build_failure(kernel_dir: &Path, stdout: &[u8], stderr: &[u8]) -> ! {
    let stderr = String::from_utf8_lossy(stderr);
    eprintln!("{}", String::from_utf8_lossy(stdout));
    eprintln!("{stderr}");

    let missing_target = stderr.contains("can't find crate for `core`")
        || stderr.contains("target may not be installed");
    let hint = if missing_target {
        format!("the Rust target is missing: run `rustup target add {KERNEL_TARGET}`")
    } else {
        format!(
            "if the target is missing, run `rustup target add {KERNEL_TARGET}`; to embed a \
             kernel built elsewhere, set PITH_KERNEL=/path/to/pith-kernel"
        )
    };
    fail(&format!(
        "building the kernel failed (`cargo build --release --target {KERNEL_TARGET}` in {}): \
         {hint}",
        kernel_dir.display()
    ));
}

/// Writes `bytes` unless the file already holds them, so that an unchanged kernel does not
/// make cargo recompile pith.
fn write_if_changed(path: &Path, bytes: &[u8]) {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return;
    }
    fs::write(path, bytes)
        .unwrap_or_else(|error| fail(&format!("cannot write {}: {error}", path.display())));
}

/// 64-bit FNV-1a: a content name for the kernel cache, not a security measure.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    process::exit(1);
}
