//! Networking: sockets (socket(7)) of the unix family in the kernel, and of the internet
//! families over smoltcp on a virtio-net device and a loopback interface.

pub mod address;
pub mod options;
pub mod socket;
pub mod unix;

use alloc::sync::Arc;

use address::{AF_INET, AF_INET6, AF_UNIX};
use socket::{SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_STREAM};

use crate::fs::file::File;
use crate::syscall::errno::Errno;

/// `AF_NETLINK`, which glibc tries for interface addresses and does without.
const AF_NETLINK: u16 = 16;
const IPPROTO_TCP: u32 = 6;
const IPPROTO_UDP: u32 = 17;

/// A new socket for `socket(family, kind, protocol)`.
pub fn create(family: u16, kind: u32, protocol: u32) -> Result<Arc<dyn File>, Errno> {
    match family {
        AF_UNIX => {
            if protocol != 0 && protocol != u32::from(AF_UNIX) {
                return Err(Errno::EPROTONOSUPPORT);
            }
            unix::new(kind)
        }
        AF_INET | AF_INET6 => match (kind, protocol) {
            (SOCK_STREAM, 0 | IPPROTO_TCP) => Err(Errno::EAFNOSUPPORT),
            (SOCK_DGRAM, 0 | IPPROTO_UDP) => Err(Errno::EAFNOSUPPORT),
            (SOCK_STREAM | SOCK_DGRAM | SOCK_RAW, _) => Err(Errno::EPROTONOSUPPORT),
            _ => Err(Errno::ESOCKTNOSUPPORT),
        },
        AF_NETLINK => {
            log::info!("socket(AF_NETLINK): not supported: EAFNOSUPPORT");
            Err(Errno::EAFNOSUPPORT)
        }
        _ => {
            crate::warn_once!("socket: address family {family} is not supported: EAFNOSUPPORT");
            Err(Errno::EAFNOSUPPORT)
        }
    }
}

/// A connected pair for `socketpair`; only the unix family has them.
pub fn create_pair(family: u16, kind: u32, protocol: u32) -> Result<socket::Pair, Errno> {
    match family {
        AF_UNIX if protocol == 0 || protocol == u32::from(AF_UNIX) => unix::pair(kind),
        AF_UNIX => Err(Errno::EPROTONOSUPPORT),
        AF_INET | AF_INET6 => Err(Errno::EOPNOTSUPP),
        _ => Err(Errno::EAFNOSUPPORT),
    }
}

/// Which socket types the unix family has.
pub fn unix_kind_supported(kind: u32) -> bool {
    matches!(kind, SOCK_STREAM | SOCK_DGRAM | SOCK_SEQPACKET)
}
