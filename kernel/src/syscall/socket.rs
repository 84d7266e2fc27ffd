//! Sockets, until networking arrives: every address family is refused with
//! `EAFNOSUPPORT`, which C libraries treat as "no networking here" (glibc then skips nscd,
//! for example), instead of an unknown-syscall `ENOSYS`.
//!
//! TODO: AF_INET/AF_INET6 over smoltcp and AF_UNIX come with the networking issue.

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;

/// `AF_UNIX`: C libraries probe for local daemons (nscd) at start-up and carry on without.
const AF_UNIX: u64 = 1;

pub fn socket(_: &mut TrapFrame, args: Args) -> SysResult {
    if args[0] == AF_UNIX {
        log::info!("socket(AF_UNIX): unix sockets are not supported yet: EAFNOSUPPORT");
    } else {
        crate::warn_once!(
            "socket (family {}): networking is not supported yet: it returns EAFNOSUPPORT",
            args[0]
        );
    }
    Err(Errno::EAFNOSUPPORT)
}
