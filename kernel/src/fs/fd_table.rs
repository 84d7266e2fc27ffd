//! The descriptor table: small integers naming open file descriptions.

use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Mutex;

use super::file::File;
use crate::syscall::errno::Errno;

#[derive(Clone)]
pub struct Descriptor {
    pub file: Arc<dyn File>,
}

static TABLE: Mutex<Vec<Option<Descriptor>>> = Mutex::new(Vec::new());

/// The most descriptors the application may hold (`RLIMIT_NOFILE`).
pub const MAX_DESCRIPTORS: usize = 1024;

/// Installs `file` at the lowest free descriptor.
pub fn install(file: Arc<dyn File>) -> Result<usize, Errno> {
    let mut table = TABLE.lock();
    let slot = table
        .iter()
        .position(Option::is_none)
        .unwrap_or(table.len());
    if slot >= MAX_DESCRIPTORS {
        return Err(Errno::EMFILE);
    }
    if slot == table.len() {
        table.push(None);
    }
    table[slot] = Some(Descriptor { file });
    Ok(slot)
}

/// The file behind descriptor `fd`.
pub fn get(fd: u64) -> Result<Arc<dyn File>, Errno> {
    let table = TABLE.lock();
    let slot = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
    table
        .get(slot)
        .and_then(|entry| entry.as_ref())
        .map(|descriptor| descriptor.file.clone())
        .ok_or(Errno::EBADF)
}

/// Closes descriptor `fd`.
pub fn close(fd: u64) -> Result<(), Errno> {
    let mut table = TABLE.lock();
    let slot = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
    match table.get_mut(slot) {
        Some(entry @ Some(_)) => {
            *entry = None;
            Ok(())
        }
        _ => Err(Errno::EBADF),
    }
}
