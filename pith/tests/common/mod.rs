//! Shared harness for pith's integration tests: builds the guest programs in
//! `tests/guests/`, runs the `pith` binary with a timeout, and hand-crafts ELF headers for
//! the error cases.
//!
//! Each file under `pith/tests/` is its own test binary and includes this module, so not
//! every binary uses every helper.
#![allow(dead_code, unused_imports)]

pub mod elf;
pub mod guests;
pub mod net;
pub mod run;

use std::path::{Path, PathBuf};

pub use guests::{c_guest, go_guest, rust_guest, rust_std_guest, Toolchain};
pub use run::{pith, Outcome};

/// The repository's root directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("pith/ has a parent directory")
        .to_path_buf()
}

/// Cargo's target directory, found from this test executable (`<target>/<profile>/deps/`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable has a path");
    let deps = exe.parent().expect("the test executable is in a directory");
    match deps.parent().and_then(Path::parent) {
        Some(target) if deps.ends_with("deps") => target.to_path_buf(),
        _ => repo_root().join("target"),
    }
}

/// A fresh, empty directory that belongs to one test of one test process, so that tests
/// running in parallel never share files. Directories that earlier, finished runs of the same
/// test left behind are removed.
pub fn scratch_dir(test_name: &str) -> PathBuf {
    let parent = target_dir().join("pith-tests");
    remove_stale(&parent, test_name);

    let dir = parent.join(format!("{test_name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|error| panic!("creating {}: {error}", dir.display()));
    dir
}

/// Removes `<parent>/<test_name>-<pid>` for every pid that is no longer running.
fn remove_stale(parent: &Path, test_name: &str) {
    let prefix = format!("{test_name}-");
    for entry in std::fs::read_dir(parent).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|name| name.strip_prefix(&prefix)) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
