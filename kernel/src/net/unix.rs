//! Unix domain sockets (unix(7)).

use alloc::sync::Arc;

use super::socket::Pair;
use crate::fs::file::File;
use crate::syscall::errno::Errno;

pub fn new(_kind: u32) -> Result<Arc<dyn File>, Errno> {
    Err(Errno::EAFNOSUPPORT)
}

pub fn pair(_kind: u32) -> Result<Pair, Errno> {
    Err(Errno::EAFNOSUPPORT)
}
