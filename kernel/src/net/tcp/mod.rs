//! TCP sockets (tcp(7)) over smoltcp. smoltcp has no listening queue: one of its sockets
//! listens and becomes the connection. So a listening socket here keeps a pool of smoltcp
//! sockets: before each poll, the stack counts the connection requests (SYNs) that arrived
//! for it and makes sure as many sockets listen, up to the backlog; requests beyond the
//! backlog are dropped, as Linux drops them, and the client retries. Established ones wait
//! in the accept queue.

mod ops;
mod options;
mod socket;
mod syn;

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec;
use alloc::vec::Vec;

use smoltcp::iface::SocketHandle;
use smoltcp::socket::tcp::{self, State};
use smoltcp::wire::IpListenEndpoint;

pub use options::TcpOptions;
pub use socket::TcpSocket;

use super::endpoint::Endpoint;
use super::options::CommonOptions;
use super::ports::Ports;
use super::stack::{Link, LinkId};
use crate::syscall::errno::Errno;

/// Bytes of each connection's receive and send buffers.
pub const BUFFER_SIZE: usize = 64 * 1024;

pub struct Listener {
    pub backlog: usize,
    pub links: Vec<LinkId>,
    /// smoltcp sockets listening or in the handshake.
    pub waiting: Vec<(LinkId, SocketHandle)>,
    /// Established connections not yet accepted.
    pub ready: VecDeque<(LinkId, SocketHandle)>,
}

pub struct Connection {
    pub link: LinkId,
    pub handle: SocketHandle,
    /// The state at the last look, to tell a reset from an orderly close.
    pub last: State,
}

pub enum Role {
    Idle,
    Listening(Listener),
    Connected(Connection),
}

pub struct Entry {
    pub family: u16,
    pub options: CommonOptions,
    pub tcp: TcpOptions,
    pub bound: Option<Endpoint>,
    pub role: Role,
    /// A failure to report once (`SO_ERROR`, or the next call).
    pub error: Option<Errno>,
    pub shut_read: bool,
    pub shut_write: bool,
}

#[derive(Default)]
pub struct TcpTable {
    pub entries: BTreeMap<u64, Entry>,
    /// Connections closed by the application, finishing their close.
    pub orphans: Vec<(LinkId, SocketHandle)>,
    pub ports: Ports,
    next_id: u64,
}

pub fn new_socket() -> tcp::Socket<'static> {
    let mut socket = tcp::Socket::new(
        tcp::SocketBuffer::new(vec![0; BUFFER_SIZE]),
        tcp::SocketBuffer::new(vec![0; BUFFER_SIZE]),
    );
    // Linux acknowledges at once when the application is interactive; smoltcp's default
    // 10 ms delay costs a request-response protocol one delay per round trip.
    socket.set_ack_delay(None);
    socket
}

/// The link of `id` among the stack's two.
pub fn pick<'a>(
    loopback: &'a mut Link,
    external: Option<&'a mut Link>,
    id: LinkId,
) -> Option<&'a mut Link> {
    match id {
        LinkId::Loopback => Some(loopback),
        LinkId::External => external,
    }
}

impl TcpTable {
    pub fn insert(&mut self, entry: Entry) -> u64 {
        self.next_id += 1;
        self.entries.insert(self.next_id, entry);
        self.next_id
    }

    /// Makes sure enough sockets listen for the SYNs in `arrived`, dropping those beyond a
    /// listener's backlog.
    pub fn admit(
        &mut self,
        link_id: LinkId,
        link: &mut Link,
        arrived: &mut VecDeque<Vec<u8>>,
        ethernet: bool,
    ) {
        if arrived.is_empty()
            || !self
                .entries
                .values()
                .any(|entry| matches!(entry.role, Role::Listening(_)))
        {
            return;
        }
        let mut claimed: BTreeMap<u64, usize> = BTreeMap::new();
        arrived.retain(|frame| {
            let Some((address, port)) = syn::connection_request(frame, ethernet) else {
                return true;
            };
            let Some((&id, entry)) = self.entries.iter_mut().find(|(_, entry)| {
                entry.bound.is_some_and(|bound| {
                    bound.port == port && bound.address.is_none_or(|own| own == address)
                }) && matches!(&entry.role, Role::Listening(listener) if listener.links.contains(&link_id))
            }) else {
                return true;
            };
            let Role::Listening(listener) = &mut entry.role else {
                return true;
            };
            let wanted = claimed.entry(id).or_insert(0);
            *wanted += 1;
            let idle = listener
                .waiting
                .iter()
                .filter(|(at, handle)| {
                    *at == link_id && link.sockets.get::<tcp::Socket>(*handle).state() == State::Listen
                })
                .count();
            if idle >= *wanted {
                return true;
            }
            let full = listener.waiting.len() + listener.ready.len() > listener.backlog;
            if full || !super::room_for_buffers(2 * BUFFER_SIZE as u64) {
                *wanted -= 1;
                return false;
            }
            let endpoint = listen_endpoint(entry.bound);
            let mut socket = new_socket();
            entry.tcp.apply(&mut socket, &entry.options);
            if socket.listen(endpoint).is_err() {
                return true;
            }
            listener.waiting.push((link_id, link.sockets.add(socket)));
            true
        });
    }

    /// After a poll: moves established connections to accept queues, notes resets and
    /// refused connects, keeps one socket listening per listener and link, and lets go of
    /// orphans that have finished closing. True if anything changed.
    pub fn settle(&mut self, loopback: &mut Link, mut external: Option<&mut Link>) -> bool {
        let mut changed = false;
        for entry in self.entries.values_mut() {
            let bound = entry.bound;
            match &mut entry.role {
                Role::Listening(listener) => {
                    changed |= settle_listener(listener, bound, loopback, external.as_deref_mut());
                }
                Role::Connected(connection) => {
                    let Some(link) = pick(loopback, external.as_deref_mut(), connection.link)
                    else {
                        continue;
                    };
                    let state = link.sockets.get::<tcp::Socket>(connection.handle).state();
                    if state != connection.last {
                        changed = true;
                        if state == State::Closed && entry.error.is_none() {
                            entry.error = failure(connection.last);
                        }
                        connection.last = state;
                    }
                }
                Role::Idle => {}
            }
        }
        self.orphans.retain(|&(link_id, handle)| {
            let Some(link) = pick(loopback, external.as_deref_mut(), link_id) else {
                return false;
            };
            let state = link.sockets.get::<tcp::Socket>(handle).state();
            let finished = matches!(state, State::Closed | State::TimeWait);
            if finished {
                link.sockets.remove(handle);
            }
            !finished
        });
        changed
    }
}

/// What a connection that went to `Closed` from `last` failed with: a refused connect, or
/// a reset; `None` for an orderly close.
fn failure(last: State) -> Option<Errno> {
    match last {
        State::SynSent => Some(Errno::ECONNREFUSED),
        State::Established
        | State::SynReceived
        | State::FinWait1
        | State::FinWait2
        | State::CloseWait
        | State::Closing => Some(Errno::ECONNRESET),
        _ => None,
    }
}

pub fn listen_endpoint(bound: Option<Endpoint>) -> IpListenEndpoint {
    let bound = bound.unwrap_or(Endpoint {
        address: None,
        port: 0,
    });
    IpListenEndpoint {
        addr: bound.address,
        port: bound.port,
    }
}

fn settle_listener(
    listener: &mut Listener,
    bound: Option<Endpoint>,
    loopback: &mut Link,
    mut external: Option<&mut Link>,
) -> bool {
    let mut changed = false;
    let mut index = 0;
    while index < listener.waiting.len() {
        let (link_id, handle) = listener.waiting[index];
        let Some(link) = pick(loopback, external.as_deref_mut(), link_id) else {
            listener.waiting.swap_remove(index);
            continue;
        };
        match link.sockets.get::<tcp::Socket>(handle).state() {
            State::Listen | State::SynReceived => index += 1,
            State::Closed => {
                link.sockets.remove(handle);
                listener.waiting.swap_remove(index);
            }
            _ => {
                listener
                    .ready
                    .push_back(listener.waiting.swap_remove(index));
                changed = true;
            }
        }
    }
    for &link_id in &listener.links {
        let Some(link) = pick(loopback, external.as_deref_mut(), link_id) else {
            continue;
        };
        let listening = listener.waiting.iter().any(|&(at, handle)| {
            at == link_id && link.sockets.get::<tcp::Socket>(handle).state() == State::Listen
        });
        let room = listener.waiting.len() + listener.ready.len() <= listener.backlog;
        if !listening && room && super::room_for_buffers(2 * BUFFER_SIZE as u64) {
            let mut socket = new_socket();
            if socket.listen(listen_endpoint(bound)).is_ok() {
                listener.waiting.push((link_id, link.sockets.add(socket)));
            }
        }
    }
    changed
}
