//! Extended attributes (xattr(7)): no filesystem here stores any, so reads find none
//! (`ENODATA`), lists are empty, and writes are not supported (`EOPNOTSUPP`), which is what
//! programs such as `ls` expect from a filesystem without them.

use super::errno::{Errno, SysResult};
use super::path::lookup;
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::fd_table;

/// `getxattr` (follows links) and `lgetxattr`.
pub fn getxattr(_: &mut TrapFrame, args: Args) -> SysResult {
    lookup(args[0], true)?;
    Err(Errno::ENODATA)
}

pub fn lgetxattr(_: &mut TrapFrame, args: Args) -> SysResult {
    lookup(args[0], false)?;
    Err(Errno::ENODATA)
}

pub fn fgetxattr(_: &mut TrapFrame, args: Args) -> SysResult {
    fd_table::get(args[0])?;
    Err(Errno::ENODATA)
}

pub fn listxattr(_: &mut TrapFrame, args: Args) -> SysResult {
    lookup(args[0], true).map(|_| 0)
}

pub fn llistxattr(_: &mut TrapFrame, args: Args) -> SysResult {
    lookup(args[0], false).map(|_| 0)
}

pub fn flistxattr(_: &mut TrapFrame, args: Args) -> SysResult {
    fd_table::get(args[0]).map(|_| 0)
}

/// `setxattr`, `lsetxattr`, `fsetxattr`, and the `removexattr` family.
pub fn unsupported(_: &mut TrapFrame, _: Args) -> SysResult {
    Err(Errno::EOPNOTSUPP)
}
