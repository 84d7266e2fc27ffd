//! The UDP operations behind the socket calls, on the stack with its lock held; `Ok(None)`
//! means "not yet" to a caller that may wait.

use alloc::vec;
use alloc::vec::Vec;

use smoltcp::socket::udp::{self, SendError};
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};

use super::{new_socket, Entry};
use crate::fs::buffer::Buffer;
use crate::fs::file::*;
use crate::net::address::{SocketAddress, AF_INET};
use crate::net::endpoint::{self, Endpoint};
use crate::net::options::{self, int_bytes, int_value, CommonOptions, SOL_SOCKET};
use crate::net::ports::Request;
use crate::net::socket::OptionName;
use crate::net::stack::{LinkId, Stack};
use crate::net::tcp::pick;
use crate::syscall::errno::Errno;

/// The largest UDP payload over IPv4.
const MAX_DATAGRAM: usize = 65507;
const IPPROTO_UDP: i32 = 17;
const IPPROTO_IP: u32 = 0;
const IPPROTO_IPV6: u32 = 41;
const IP_TTL: u32 = 2;
const IPV6_UNICAST_HOPS: u32 = 16;

/// What one receive delivered.
pub struct Datagram {
    pub from: IpEndpoint,
    pub length: usize,
}

fn entry(stack: &mut Stack, id: u64) -> Result<&mut Entry, Errno> {
    stack.udp.entries.get_mut(&id).ok_or(Errno::EBADF)
}

fn loopback_of(family: u16) -> IpAddress {
    if family == AF_INET {
        IpAddress::v4(127, 0, 0, 1)
    } else {
        IpAddress::v6(0, 0, 0, 0, 0, 0, 0, 1)
    }
}

impl Stack {
    pub fn udp_create(&mut self, family: u16) -> u64 {
        self.udp.insert(Entry {
            family,
            options: CommonOptions::default(),
            ttl: 64,
            bound: None,
            peer: None,
            sockets: Vec::new(),
        })
    }

    pub fn udp_bind(&mut self, id: u64, local: Endpoint) -> Result<(), Errno> {
        if local.address.is_some_and(|address| !self.is_local(address)) {
            return Err(Errno::EADDRNOTAVAIL);
        }
        let own = self.own_address();
        let has_external = self.external.is_some();
        let entry = self.udp.entries.get_mut(&id).ok_or(Errno::EBADF)?;
        if entry.bound.is_some() {
            return Err(Errno::EINVAL);
        }
        if !crate::net::room_for_buffers(4 * super::BYTES as u64) {
            return Err(Errno::ENOBUFS);
        }
        let port = self.udp.ports.bind(Request {
            owner: id,
            address: local.address,
            port: local.port,
            reuse_address: entry.options.reuse_address,
            reuse_port: entry.options.reuse_port,
        })?;
        let mut links = vec![LinkId::Loopback];
        if has_external && (local.address.is_none() || local.address == own) {
            links.push(LinkId::External);
        }
        for link_id in links {
            let Some(link) = pick(&mut self.loopback, self.external.as_mut(), link_id) else {
                continue;
            };
            let mut socket = new_socket();
            let listen = IpListenEndpoint {
                addr: local.address,
                port,
            };
            if socket.bind(listen).is_ok() {
                socket.set_hop_limit(Some(entry.ttl));
                entry.sockets.push((link_id, link.sockets.add(socket)));
            }
        }
        entry.bound = Some(Endpoint { port, ..local });
        Ok(())
    }

    fn udp_autobind(&mut self, id: u64) -> Result<(), Errno> {
        if entry(self, id)?.bound.is_none() {
            self.udp_bind(
                id,
                Endpoint {
                    address: None,
                    port: 0,
                },
            )?;
        }
        Ok(())
    }

    pub fn udp_connect(&mut self, id: u64, remote: Option<Endpoint>) -> Result<(), Errno> {
        let family = entry(self, id)?.family;
        let Some(remote) = remote else {
            entry(self, id)?.peer = None;
            return Ok(());
        };
        if remote.port == 0 {
            return Err(Errno::ECONNREFUSED);
        }
        self.udp_autobind(id)?;
        let address = remote.address.unwrap_or(loopback_of(family));
        entry(self, id)?.peer = Some(IpEndpoint::new(address, remote.port));
        Ok(())
    }

    /// Queues one datagram; `Ok(None)` while the send buffer is full.
    pub fn udp_send(
        &mut self,
        id: u64,
        payload: &[u8],
        to: Option<Endpoint>,
    ) -> Result<Option<usize>, Errno> {
        let family = entry(self, id)?.family;
        let destination = match (to, entry(self, id)?.peer) {
            (Some(to), _) => IpEndpoint::new(to.address.unwrap_or(loopback_of(family)), to.port),
            (None, Some(peer)) => peer,
            (None, None) => return Err(Errno::EDESTADDRREQ),
        };
        if destination.port == 0 {
            return Err(Errno::EINVAL);
        }
        if payload.len() > MAX_DATAGRAM {
            return Err(Errno::EMSGSIZE);
        }
        self.udp_autobind(id)?;
        let link_id = self.route(destination.addr)?;
        let entry = self.udp.entries.get_mut(&id).ok_or(Errno::EBADF)?;
        let &(_, handle) = entry
            .sockets
            .iter()
            .find(|(at, _)| *at == link_id)
            .ok_or(Errno::ENETUNREACH)?;
        let link =
            pick(&mut self.loopback, self.external.as_mut(), link_id).ok_or(Errno::ENETUNREACH)?;
        let socket = link.sockets.get_mut::<udp::Socket>(handle);
        if payload.len() > socket.payload_send_capacity() {
            return Err(Errno::EMSGSIZE);
        }
        if !socket.can_send() {
            return Ok(None);
        }
        match socket.send_slice(payload, destination) {
            Ok(()) => Ok(Some(payload.len())),
            Err(SendError::BufferFull) => Ok(None),
            Err(SendError::Unaddressable) => Err(Errno::EINVAL),
        }
    }

    /// Takes (or with `peek` looks at) the next datagram; `Ok(None)` if there is none.
    pub fn udp_receive(
        &mut self,
        id: u64,
        data: &mut Buffer,
        peek: bool,
    ) -> Result<Option<Datagram>, Errno> {
        let entry = self.udp.entries.get_mut(&id).ok_or(Errno::EBADF)?;
        for &(link_id, handle) in &entry.sockets {
            let Some(link) = pick(&mut self.loopback, self.external.as_mut(), link_id) else {
                continue;
            };
            let socket = link.sockets.get_mut::<udp::Socket>(handle);
            while socket.can_recv() {
                let (_, meta) = socket.peek().map_err(|_| Errno::EAGAIN)?;
                let from = meta.endpoint;
                // A connected socket hears only its peer.
                if entry.peer.is_some_and(|peer| peer != from) {
                    let _ = socket.recv();
                    continue;
                }
                let payload = if peek {
                    socket.peek().map_err(|_| Errno::EAGAIN)?.0
                } else {
                    socket.recv().map_err(|_| Errno::EAGAIN)?.0
                };
                data.put(payload)?;
                return Ok(Some(Datagram {
                    from,
                    length: payload.len(),
                }));
            }
        }
        Ok(None)
    }

    pub fn udp_poll(&mut self, id: u64) -> u32 {
        let Some(entry) = self.udp.entries.get(&id) else {
            return POLLNVAL;
        };
        let mut events = POLLOUT | POLLWRNORM;
        for &(link_id, handle) in &entry.sockets {
            if let Some(link) = pick(&mut self.loopback, self.external.as_mut(), link_id) {
                if link.sockets.get::<udp::Socket>(handle).can_recv() {
                    events |= POLLIN | POLLRDNORM;
                }
            }
        }
        events
    }

    pub fn udp_close(&mut self, id: u64) {
        let Some(entry) = self.udp.entries.remove(&id) else {
            return;
        };
        if let Some(bound) = entry.bound {
            self.udp.ports.release(id, bound.port);
        }
        for (link_id, handle) in entry.sockets {
            if let Some(link) = pick(&mut self.loopback, self.external.as_mut(), link_id) {
                link.sockets.remove(handle);
            }
        }
    }

    pub fn udp_local_address(&mut self, id: u64) -> Result<SocketAddress, Errno> {
        let entry = self.udp.entries.get(&id).ok_or(Errno::EBADF)?;
        let bound = entry.bound.unwrap_or(Endpoint {
            address: None,
            port: 0,
        });
        // A connected socket on the wildcard reports the source address its route uses.
        let address = bound
            .address
            .or_else(|| match self.route(entry.peer?.addr) {
                Ok(LinkId::Loopback) => Some(loopback_of(entry.family)),
                _ => self.own_address(),
            });
        Ok(endpoint::encode(entry.family, address, bound.port))
    }

    pub fn udp_peer_address(&mut self, id: u64) -> Result<SocketAddress, Errno> {
        let entry = entry(self, id)?;
        let peer = entry.peer.ok_or(Errno::ENOTCONN)?;
        Ok(endpoint::encode_endpoint(entry.family, peer))
    }

    pub fn udp_pending(&mut self, id: u64) -> Result<usize, Errno> {
        let entry = self.udp.entries.get_mut(&id).ok_or(Errno::EBADF)?;
        for &(link_id, handle) in &entry.sockets {
            if let Some(link) = pick(&mut self.loopback, self.external.as_mut(), link_id) {
                if let Ok((payload, _)) = link.sockets.get_mut::<udp::Socket>(handle).peek() {
                    return Ok(payload.len());
                }
            }
        }
        Ok(0)
    }

    pub fn udp_set_option(
        &mut self,
        id: u64,
        option: OptionName,
        value: &[u8],
    ) -> Result<(), Errno> {
        let entry = entry(self, id)?;
        match (option.level, option.name) {
            (SOL_SOCKET, name) => entry.options.set(name, value),
            (IPPROTO_IP, IP_TTL) | (IPPROTO_IPV6, IPV6_UNICAST_HOPS) => {
                let ttl = int_value(value)?;
                entry.ttl = if ttl == -1 {
                    64
                } else {
                    ttl.clamp(1, 255) as u8
                };
                Ok(())
            }
            // Accepted and ignored: type of service, multicast settings, v6-only.
            (IPPROTO_IP | IPPROTO_IPV6, _) => int_value(value).map(|_| ()),
            _ => Err(Errno::ENOPROTOOPT),
        }
    }

    pub fn udp_get_option(&mut self, id: u64, option: OptionName) -> Result<Vec<u8>, Errno> {
        let entry = entry(self, id)?;
        match (option.level, option.name) {
            (SOL_SOCKET, options::SO_TYPE) => Ok(int_bytes(crate::net::socket::SOCK_DGRAM as i32)),
            (SOL_SOCKET, options::SO_DOMAIN) => Ok(int_bytes(entry.family as i32)),
            (SOL_SOCKET, options::SO_PROTOCOL) => Ok(int_bytes(IPPROTO_UDP)),
            (SOL_SOCKET, options::SO_ACCEPTCONN) | (SOL_SOCKET, options::SO_ERROR) => {
                Ok(int_bytes(0))
            }
            (SOL_SOCKET, name) => entry.options.get(name),
            (IPPROTO_IP, IP_TTL) | (IPPROTO_IPV6, IPV6_UNICAST_HOPS) => {
                Ok(int_bytes(entry.ttl as i32))
            }
            _ => Err(Errno::ENOPROTOOPT),
        }
    }
}
