//! The paths the application looked for and did not find, reported at exit so that the
//! user can add them to the image.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::fmt::Write;

use spin::Mutex;

use crate::drivers::console::KernelWriter;

/// Enough to show what is missing without letting a program that probes thousands of
/// paths fill the kernel heap.
const MAX_PATHS: usize = 64;

static MISSING: Mutex<BTreeSet<Vec<u8>>> = Mutex::new(BTreeSet::new());

/// Records that a lookup of `path` failed with `ENOENT`.
pub fn note(path: &[u8]) {
    let mut missing = MISSING.lock();
    if missing.len() < MAX_PATHS && !path.is_empty() {
        missing.insert(path.to_vec());
    }
}

/// Prints the list, if anything was missing.
pub fn report() {
    let missing = MISSING.lock();
    if missing.is_empty() {
        return;
    }
    let _ = writeln!(
        KernelWriter,
        "[pith] files the program looked for and did not find (add them with --file HOST:GUEST):"
    );
    for path in missing.iter() {
        let _ = writeln!(
            KernelWriter,
            "  {}",
            alloc::string::String::from_utf8_lossy(path)
        );
    }
}
