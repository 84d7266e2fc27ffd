//! Launching the VM: which accelerator to use, the QEMU process itself, and the host side
//! of its network (passt, a tap device, the published ports).

pub mod accel;
pub mod network;
pub mod passt;
mod ports;
pub mod qemu;
mod tap;
pub mod tsc;

use std::ffi::OsStr;
use std::io;
use std::path::PathBuf;

use rustix::process::{Pid, Signal};

/// The first file called `binary` in the directories of `path` (a `PATH` value).
fn find_on_path(binary: &str, path: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .map(|dir| dir.join(binary))
        .find(|candidate| candidate.is_file())
}

/// In a child of pith, before exec: has the kernel kill it when pith dies, so that no VM or
/// passt outlives its pith. Only async-signal-safe calls (prctl, getppid).
fn die_with_parent(parent: Pid) -> io::Result<()> {
    rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
    // pith may have died before the line above took effect.
    if rustix::process::getppid() != Some(parent) {
        return Err(io::Error::other("pith exited while starting its child"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_search() {
        assert_eq!(find_on_path("qemu-system-x86_64", None), None);
        let nowhere = Some(OsStr::new("/nonexistent"));
        assert_eq!(find_on_path("qemu-system-x86_64", nowhere), None);
        let bin = Some(OsStr::new("/nonexistent:/bin"));
        assert_eq!(find_on_path("sh", bin), Some(PathBuf::from("/bin/sh")));
    }
}
