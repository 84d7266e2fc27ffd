//! The process's view of the filesystem: its root, working directory and file creation
//! mask (Linux's `fs_struct`; chdir(2), umask(2)).

use core::sync::atomic::{AtomicU32, Ordering};

use spin::{Mutex, Once};

use super::path::Location;

static ROOT: Once<Location> = Once::new();
static CWD: Mutex<Option<Location>> = Mutex::new(None);
static UMASK: AtomicU32 = AtomicU32::new(0o022);

/// Sets the root and the starting working directory; called once at boot.
pub fn init(root: Location, cwd: Location) {
    ROOT.call_once(|| root);
    *CWD.lock() = Some(cwd);
}

pub fn root() -> Location {
    ROOT.get().expect("fs::init runs at boot").clone()
}

pub fn cwd() -> Location {
    CWD.lock().clone().unwrap_or_else(root)
}

pub fn set_cwd(location: Location) {
    *CWD.lock() = Some(location);
}

pub fn umask() -> u32 {
    UMASK.load(Ordering::Relaxed)
}

/// Sets the mask and returns the previous one.
pub fn set_umask(mask: u32) -> u32 {
    UMASK.swap(mask & 0o777, Ordering::Relaxed)
}
