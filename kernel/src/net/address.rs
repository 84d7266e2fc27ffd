//! Socket addresses as the application passes them (`struct sockaddr_in`, `sockaddr_in6`,
//! `sockaddr_un`; ip(7), ipv6(7), unix(7)), decoded into one enum and encoded back.

use alloc::vec::Vec;

use crate::syscall::errno::Errno;

pub const AF_UNSPEC: u16 = 0;
pub const AF_UNIX: u16 = 1;
pub const AF_INET: u16 = 2;
pub const AF_INET6: u16 = 10;

/// `sizeof(struct sockaddr_in)`, `sizeof(struct sockaddr_in6)`, and the older 24-byte
/// `sockaddr_in6` (RFC 2133, no scope id) that Linux still accepts.
const INET_LENGTH: usize = 16;
const INET6_LENGTH: usize = 28;
const INET6_OLD_LENGTH: usize = 24;
/// `sizeof(sa_family_t)` and `sizeof(struct sockaddr_un)`.
const FAMILY_LENGTH: usize = 2;
pub const UNIX_LENGTH: usize = 110;
/// The largest address the kernel reads (`sizeof(struct sockaddr_storage)`).
pub const MAX_LENGTH: usize = 128;

/// Where a unix socket is, or is not, bound (unix(7) "Address format").
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum UnixAddress {
    Unnamed,
    /// A path in the filesystem, without its terminating NUL.
    Path(Vec<u8>),
    /// A name in the abstract namespace, without the leading NUL byte.
    Abstract(Vec<u8>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocketAddress {
    /// `AF_UNSPEC`: `connect` with it dissolves a datagram socket's association.
    Unspecified,
    Inet {
        address: [u8; 4],
        port: u16,
    },
    Inet6 {
        address: [u8; 16],
        port: u16,
        flow: u32,
        scope: u32,
    },
    Unix(UnixAddress),
}

impl SocketAddress {
    pub fn family(&self) -> u16 {
        match self {
            SocketAddress::Unspecified => AF_UNSPEC,
            SocketAddress::Inet { .. } => AF_INET,
            SocketAddress::Inet6 { .. } => AF_INET6,
            SocketAddress::Unix(_) => AF_UNIX,
        }
    }

    /// Decodes the `length` bytes of a `struct sockaddr` the application passed.
    pub fn decode(bytes: &[u8]) -> Result<SocketAddress, Errno> {
        if bytes.len() < FAMILY_LENGTH {
            return Err(Errno::EINVAL);
        }
        let family = u16::from_ne_bytes([bytes[0], bytes[1]]);
        match family {
            AF_UNSPEC => Ok(SocketAddress::Unspecified),
            AF_INET => {
                if bytes.len() < INET_LENGTH {
                    return Err(Errno::EINVAL);
                }
                Ok(SocketAddress::Inet {
                    port: u16::from_be_bytes([bytes[2], bytes[3]]),
                    address: [bytes[4], bytes[5], bytes[6], bytes[7]],
                })
            }
            AF_INET6 => {
                if bytes.len() < INET6_OLD_LENGTH {
                    return Err(Errno::EINVAL);
                }
                let word = |at: usize| u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap());
                let mut address = [0; 16];
                address.copy_from_slice(&bytes[8..24]);
                Ok(SocketAddress::Inet6 {
                    port: u16::from_be_bytes([bytes[2], bytes[3]]),
                    flow: u32::from_be(word(4)),
                    address,
                    scope: if bytes.len() >= INET6_LENGTH {
                        word(24)
                    } else {
                        0
                    },
                })
            }
            AF_UNIX => Ok(SocketAddress::Unix(decode_unix(&bytes[2..])?)),
            _ => Err(Errno::EAFNOSUPPORT),
        }
    }

    /// The address as a `struct sockaddr` of its family's length.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(INET6_LENGTH);
        bytes.extend_from_slice(&self.family().to_ne_bytes());
        match self {
            SocketAddress::Unspecified => {}
            SocketAddress::Inet { address, port } => {
                bytes.extend_from_slice(&port.to_be_bytes());
                bytes.extend_from_slice(address);
                bytes.extend_from_slice(&[0; 8]);
            }
            SocketAddress::Inet6 {
                address,
                port,
                flow,
                scope,
            } => {
                bytes.extend_from_slice(&port.to_be_bytes());
                bytes.extend_from_slice(&flow.to_be_bytes());
                bytes.extend_from_slice(address);
                bytes.extend_from_slice(&scope.to_ne_bytes());
            }
            SocketAddress::Unix(UnixAddress::Unnamed) => {}
            SocketAddress::Unix(UnixAddress::Path(path)) => {
                bytes.extend_from_slice(path);
                bytes.push(0);
            }
            SocketAddress::Unix(UnixAddress::Abstract(name)) => {
                bytes.push(0);
                bytes.extend_from_slice(name);
            }
        }
        bytes
    }
}

/// `sun_path`: empty is unnamed, a leading NUL starts an abstract name that takes every
/// remaining byte, anything else is a path that ends at the first NUL.
fn decode_unix(path: &[u8]) -> Result<UnixAddress, Errno> {
    if path.len() > UNIX_LENGTH - FAMILY_LENGTH {
        return Err(Errno::EINVAL);
    }
    match path.first() {
        None => Ok(UnixAddress::Unnamed),
        Some(0) => Ok(UnixAddress::Abstract(path[1..].to_vec())),
        Some(_) => {
            let end = path
                .iter()
                .position(|&byte| byte == 0)
                .unwrap_or(path.len());
            Ok(UnixAddress::Path(path[..end].to_vec()))
        }
    }
}
