//! The kernel pith boots, embedded at build time (see `build.rs`). QEMU needs it as a file,
//! so it is written once to the user's cache, named by its content hash.

use std::env;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;

/// The kernel ELF, built from `kernel/` (or taken from `PITH_KERNEL`) when pith was built.
static KERNEL: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/pith-kernel"));
/// FNV-1a of [`KERNEL`], computed by `build.rs`.
const KERNEL_HASH: &str = env!("PITH_KERNEL_HASH");
/// Other kernels in the cache older than this are removed when a new one is written.
const PRUNE_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// A file holding the kernel: the cached copy if the cache is usable, else a new file in
/// `scratch` (removed with it).
pub fn file(scratch: &Path) -> anyhow::Result<PathBuf> {
    if let Some(dir) = cache_dir() {
        match cached(&dir) {
            Ok(path) => return Ok(path),
            Err(error) => log::debug!("not caching the kernel in {}: {error}", dir.display()),
        }
    }
    let path = scratch.join("pith-kernel");
    fs::write(&path, KERNEL)
        .with_context(|| format!("cannot write the kernel to {}", path.display()))?;
    Ok(path)
}

/// `$XDG_CACHE_HOME/pith`, else `~/.cache/pith`.
pub fn cache_dir() -> Option<PathBuf> {
    let absolute = |path: PathBuf| path.is_absolute().then_some(path);
    let base = env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .and_then(absolute)
        .or_else(|| {
            let home = absolute(PathBuf::from(env::var_os("HOME")?))?;
            Some(home.join(".cache"))
        })?;
    Some(base.join("pith"))
}

/// The kernel's file in the cache `dir`, written there unless an intact copy exists. The copy
/// is written under a temporary name and renamed, so that concurrent runs never see half a
/// kernel.
fn cached(dir: &Path) -> io::Result<PathBuf> {
    let path = dir.join(format!("kernel-{KERNEL_HASH}.elf"));
    if fs::read(&path).is_ok_and(|bytes| bytes == KERNEL) {
        return Ok(path);
    }

    fs::create_dir_all(dir)?;
    let mut temporary = tempfile::NamedTempFile::new_in(dir)?;
    temporary.write_all(KERNEL)?;
    temporary.persist(&path).map_err(|error| error.error)?;
    log::debug!("wrote the kernel to {}", path.display());
    prune(dir, &path);
    Ok(path)
}

/// Removes other kernels from the cache once they have not been written for a while, so
/// that upgrades and kernel development do not fill it. A kernel still in use by another
/// pith is simply written again by its next run.
fn prune(dir: &Path, keep: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_kernel = name.starts_with("kernel-") && name.ends_with(".elf");
        let age = entry
            .metadata()
            .and_then(|metadata| metadata.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok());
        if is_kernel && path != keep && age.is_some_and(|age| age > PRUNE_AGE) {
            let _ = fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    #[test]
    fn kernel_is_embedded() {
        assert!(!KERNEL.is_empty());
        assert_eq!(KERNEL_HASH.len(), 16);
    }

    #[test]
    fn old_kernels_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("kernel-0000000000000000.elf");
        let recent = dir.path().join("kernel-1111111111111111.elf");
        let other = dir.path().join("notes.txt");
        for path in [&old, &recent, &other] {
            fs::write(path, b"x").unwrap();
        }
        let long_ago = SystemTime::now() - 2 * PRUNE_AGE;
        for path in [&old, &other] {
            let file = fs::File::options().write(true).open(path).unwrap();
            file.set_modified(long_ago).unwrap();
        }

        let path = cached(dir.path()).unwrap();
        assert!(path.exists());
        assert!(!old.exists());
        assert!(recent.exists());
        assert!(other.exists());
    }

    #[test]
    fn cache_is_written_once_and_repaired() {
        let dir = tempfile::tempdir().unwrap();
        let path = cached(dir.path()).unwrap();
        assert_eq!(fs::read(&path).unwrap(), KERNEL);

        fs::write(&path, b"damaged").unwrap();
        assert_eq!(cached(dir.path()).unwrap(), path);
        assert_eq!(fs::read(&path).unwrap(), KERNEL);
    }
}
