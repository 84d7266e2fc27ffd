//! UDP sockets (udp(7)) over smoltcp. A socket bound to the wildcard address has one smoltcp
//! socket on each interface, so that it hears loopback and external traffic alike; a send
//! goes out on the interface that reaches its destination.

mod ops;
mod socket;

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;

use smoltcp::iface::SocketHandle;
use smoltcp::socket::udp;
use smoltcp::wire::IpEndpoint;

pub use socket::UdpSocket;

use super::endpoint::Endpoint;
use super::options::CommonOptions;
use super::ports::Ports;
use super::stack::LinkId;

/// Datagrams and bytes each smoltcp socket can hold in each direction.
const PACKETS: usize = 64;
pub const BYTES: usize = 64 * 1024;

pub struct Entry {
    pub family: u16,
    pub options: CommonOptions,
    pub ttl: u8,
    pub bound: Option<Endpoint>,
    /// The default destination and only source (`connect`).
    pub peer: Option<IpEndpoint>,
    pub sockets: Vec<(LinkId, SocketHandle)>,
}

#[derive(Default)]
pub struct UdpTable {
    pub entries: BTreeMap<u64, Entry>,
    pub ports: Ports,
    next_id: u64,
}

impl UdpTable {
    pub fn insert(&mut self, entry: Entry) -> u64 {
        self.next_id += 1;
        self.entries.insert(self.next_id, entry);
        self.next_id
    }
}

pub fn new_socket() -> udp::Socket<'static> {
    udp::Socket::new(
        udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; PACKETS], vec![0; BYTES]),
        udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; PACKETS], vec![0; BYTES]),
    )
}
