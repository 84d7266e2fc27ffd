//! Which ports are bound (bind(2): `EADDRINUSE`), and ephemeral ports for sockets that
//! connect or send without binding (ip(7): `ip_local_port_range`, 32768 to 60999).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use smoltcp::wire::IpAddress;

use crate::syscall::errno::Errno;

const EPHEMERAL_FIRST: u16 = 32768;
const EPHEMERAL_LAST: u16 = 60999;

#[derive(Clone, Copy, Debug)]
struct Binding {
    owner: u64,
    address: Option<IpAddress>,
    reuse_address: bool,
    reuse_port: bool,
}

/// Bound ports of one protocol.
#[derive(Default)]
pub struct Ports {
    bound: BTreeMap<u16, Vec<Binding>>,
    next: u16,
}

/// What a socket asks for when it binds.
pub struct Request {
    pub owner: u64,
    pub address: Option<IpAddress>,
    pub port: u16,
    pub reuse_address: bool,
    pub reuse_port: bool,
}

impl Ports {
    /// Binds `request` (port 0: an ephemeral port) and returns the port.
    pub fn bind(&mut self, request: Request) -> Result<u16, Errno> {
        let port = match request.port {
            0 => self.ephemeral()?,
            port => port,
        };
        let overlaps = |other: &Binding| {
            other.address.is_none() || request.address.is_none() || other.address == request.address
        };
        let conflict = self.bound.get(&port).is_some_and(|bindings| {
            bindings.iter().any(|other| {
                overlaps(other)
                    && !(request.reuse_port && other.reuse_port)
                    && !(request.reuse_address && other.reuse_address)
            })
        });
        if conflict {
            return Err(Errno::EADDRINUSE);
        }
        self.bound.entry(port).or_default().push(Binding {
            owner: request.owner,
            address: request.address,
            reuse_address: request.reuse_address,
            reuse_port: request.reuse_port,
        });
        Ok(port)
    }

    pub fn release(&mut self, owner: u64, port: u16) {
        if let Some(bindings) = self.bound.get_mut(&port) {
            bindings.retain(|binding| binding.owner != owner);
            if bindings.is_empty() {
                self.bound.remove(&port);
            }
        }
    }

    /// Some free port of the ephemeral range, starting at a random place.
    fn ephemeral(&mut self) -> Result<u16, Errno> {
        let span = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
        if self.next == 0 {
            self.next = (crate::random::next_u64() % span as u64) as u16;
        }
        for _ in 0..span {
            let port = EPHEMERAL_FIRST + self.next % span;
            self.next = (self.next + 1) % span;
            if !self.bound.contains_key(&port) {
                return Ok(port);
            }
        }
        Err(Errno::EADDRNOTAVAIL)
    }
}
