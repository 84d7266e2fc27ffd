//! Between the application's socket addresses and smoltcp's endpoints: IPv4-mapped IPv6
//! addresses (`::ffff:a.b.c.d`, ipv6(7)) stand for IPv4 on `AF_INET6` sockets, and
//! addresses are reported back in the socket's own family.

use core::net::{Ipv4Addr, Ipv6Addr};

use smoltcp::wire::{IpAddress, IpEndpoint};

use super::address::{SocketAddress, AF_INET, AF_INET6};
use crate::syscall::errno::Errno;

/// A local or remote address: `None` is the wildcard (`INADDR_ANY`, `in6addr_any`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub address: Option<IpAddress>,
    pub port: u16,
}

/// Decodes `address` for a socket of `family`: `EAFNOSUPPORT` for another family.
pub fn decode(family: u16, address: &SocketAddress) -> Result<Endpoint, Errno> {
    let (address, port) = match (family, address) {
        (AF_INET, SocketAddress::Inet { address, port }) => {
            (IpAddress::Ipv4(Ipv4Addr::from(*address)), *port)
        }
        (AF_INET6, SocketAddress::Inet6 { address, port, .. }) => {
            let v6 = Ipv6Addr::from(*address);
            match v6.to_ipv4_mapped() {
                Some(v4) => (IpAddress::Ipv4(v4), *port),
                None => (IpAddress::Ipv6(v6), *port),
            }
        }
        (AF_INET6, SocketAddress::Inet { .. }) => return Err(Errno::EINVAL),
        _ => return Err(Errno::EAFNOSUPPORT),
    };
    let wildcard = address.is_unspecified();
    Ok(Endpoint {
        address: (!wildcard).then_some(address),
        port,
    })
}

/// Encodes an endpoint in `family`.
pub fn encode(family: u16, address: Option<IpAddress>, port: u16) -> SocketAddress {
    match (family, address) {
        (AF_INET, Some(IpAddress::Ipv4(v4))) => SocketAddress::Inet {
            address: v4.octets(),
            port,
        },
        (AF_INET, _) => SocketAddress::Inet {
            address: [0; 4],
            port,
        },
        (_, address) => {
            let v6 = match address {
                Some(IpAddress::Ipv4(v4)) => v4.to_ipv6_mapped(),
                Some(IpAddress::Ipv6(v6)) => v6,
                None => Ipv6Addr::UNSPECIFIED,
            };
            SocketAddress::Inet6 {
                address: v6.octets(),
                port,
                flow: 0,
                scope: 0,
            }
        }
    }
}

pub fn encode_endpoint(family: u16, endpoint: IpEndpoint) -> SocketAddress {
    encode(family, Some(endpoint.addr), endpoint.port)
}

/// Whether `address` is one of the VM's loopback addresses.
pub fn is_loopback(address: IpAddress) -> bool {
    match address {
        IpAddress::Ipv4(v4) => v4.is_loopback(),
        IpAddress::Ipv6(v6) => v6.is_loopback(),
    }
}
