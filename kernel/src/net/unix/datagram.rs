//! Messages (datagram and seqpacket sockets, unix(7)): each send is one message, received
//! whole or cut (`MSG_TRUNC`), never merged. Datagrams go to a name or to the default
//! destination `connect` set, and a receiver holds a limited number from senders it is not
//! connected to; seqpacket messages go over a connection made as in `stream.rs`.

use alloc::sync::Arc;

use super::endpoint::{Connection, Endpoint, Patience, State};
use super::namespace;
use super::queue::{budget_left, take_bytes, Segment};
use super::Transfer;
use crate::fs::buffer::Buffer;
use crate::net::address::{SocketAddress, UnixAddress};
use crate::net::socket::{Incoming, MSG_OOB, MSG_PEEK, SOCK_DGRAM, SOCK_SEQPACKET};
use crate::syscall::errno::Errno;

/// Linux refuses a message within 32 bytes of the send buffer's size.
const MESSAGE_SLACK: usize = 32;

/// `connect(2)` of a datagram socket: sets the default destination, and from then on
/// only that socket may send to this one; `AF_UNSPEC` dissolves the association.
pub fn connect(endpoint: &Arc<Endpoint>, address: SocketAddress) -> Result<(), Errno> {
    let target = match address {
        SocketAddress::Unspecified => None,
        SocketAddress::Unix(address) => {
            endpoint.autobind_for_credentials()?;
            let target = namespace::lookup(&address)?;
            if target.kind != endpoint.kind {
                return Err(Errno::EPROTOTYPE);
            }
            check_may_send(endpoint, &target)?;
            Some(target)
        }
        _ => return Err(Errno::EINVAL),
    };

    let mut state = endpoint.state.lock();
    let old = state.peer();
    state.connection = match &target {
        Some(target) => Connection::Connected(target.clone()),
        None => Connection::Unconnected,
    };
    drop(state);
    if let Some(old) = old.filter(|old| target.as_ref().is_none_or(|new| !Arc::ptr_eq(old, new))) {
        disconnected(endpoint, &old);
    }
    Ok(())
}

/// `EPERM` if `target` is connected to another socket than `endpoint`. Called with no
/// lock held: `target` may be `endpoint`.
fn check_may_send(endpoint: &Endpoint, target: &Endpoint) -> Result<(), Errno> {
    may_send(endpoint, &target.state.lock())
}

fn may_send(endpoint: &Endpoint, target: &State) -> Result<(), Errno> {
    match &target.connection {
        Connection::Connected(_) if !target.is_connected_to(endpoint) => Err(Errno::EPERM),
        _ => Ok(()),
    }
}

/// A datagram socket left its peer `old`: as on Linux, what it had received is thrown
/// away, and if `old` was connected back, `old` learns of the loss (`ECONNRESET`).
fn disconnected(endpoint: &Arc<Endpoint>, old: &Arc<Endpoint>) {
    let mut state = endpoint.state.lock();
    if state.queue.is_empty() {
        return;
    }
    let segments = state.queue.clear();
    endpoint.made_room(&mut state);
    drop(state);
    drop(segments);
    if !Arc::ptr_eq(old, endpoint) {
        let mut state = old.state.lock();
        if !state.closed && state.is_connected_to(endpoint) {
            state.error = Some(Errno::ECONNRESET);
            old.arrived(&mut state);
        }
    }
}

/// Where a message goes: the connected peer, or a name to look up once there is room.
enum Destination {
    Peer(Arc<Endpoint>),
    Named(UnixAddress),
}

/// The destination of a send: seqpacket sockets ignore the address, as Linux does.
fn destination(
    endpoint: &Endpoint,
    state: &State,
    to: Option<SocketAddress>,
) -> Result<Destination, Errno> {
    match (to, state.peer()) {
        (_, Some(peer)) if endpoint.kind == SOCK_SEQPACKET => Ok(Destination::Peer(peer)),
        (_, None) if endpoint.kind == SOCK_SEQPACKET => Err(Errno::ENOTCONN),
        (Some(SocketAddress::Unix(UnixAddress::Unnamed)), _) => Err(Errno::EINVAL),
        (Some(SocketAddress::Unix(address)), _) => Ok(Destination::Named(address)),
        (Some(_), _) => Err(Errno::EINVAL),
        (None, Some(peer)) => Ok(Destination::Peer(peer)),
        (None, None) => Err(Errno::ENOTCONN),
    }
}

/// Sends one message: to `message.to` or the default destination (datagrams), to the peer
/// (seqpacket). Waits while this socket has too much unread or, for a datagram, while the
/// receiver's queue is full.
pub fn send(endpoint: &Arc<Endpoint>, message: Transfer) -> Result<usize, Errno> {
    if message.flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let state = endpoint.state.lock();
    let destination = destination(endpoint, &state, message.to)?;
    let limit = state.options.send_buffer as usize;
    let shut = state.shutdown.write;
    drop(state);
    if endpoint.kind == SOCK_DGRAM {
        endpoint.autobind_for_credentials()?;
    }
    let length = message.data.remaining();
    if length > limit.saturating_sub(MESSAGE_SLACK) {
        return Err(Errno::EMSGSIZE);
    }
    if shut {
        return Err(Errno::EPIPE);
    }

    let patience = endpoint.send_patience(message.nonblock);
    patience.wait(&endpoint.account.writable, || {
        let state = endpoint.state.lock();
        (endpoint.account.charged() < state.options.send_buffer as usize).then_some(Ok(()))
    })?;
    let (target, named) = match destination {
        Destination::Peer(peer) => (peer, false),
        Destination::Named(address) => (find(endpoint, &address)?, true),
    };
    if length > budget_left() {
        return Err(Errno::ENOBUFS);
    }
    let bytes = take_bytes(message.data, length)?;
    let name = endpoint.state.lock().name();
    let segment = Segment::new(bytes, message.rights, name, &endpoint.account);
    deliver(endpoint, &target, segment, patience)
        .or_else(|errno| refused(endpoint, &target, named, errno))
}

/// Queues `segment` on `target` once its queue has room for it.
fn deliver(
    endpoint: &Endpoint,
    target: &Endpoint,
    segment: Segment,
    patience: Patience,
) -> Result<usize, Errno> {
    let length = segment.bytes.len();
    let limited = endpoint.kind == SOCK_DGRAM;
    let mut segment = Some(segment);
    patience.wait(&target.room, || {
        let mut state = target.state.lock();
        if state.closed {
            return Some(Err(Errno::ECONNREFUSED));
        }
        if let Err(errno) = may_send(endpoint, &state) {
            return Some(Err(errno));
        }
        if state.shutdown.read {
            return Some(Err(Errno::EPIPE));
        }
        if limited && !state.is_connected_to(endpoint) && state.queue_full() {
            return None;
        }
        if let Err(errno) = state.queue.push(segment.take()?) {
            return Some(Err(errno));
        }
        target.arrived(&mut state);
        Some(Ok(length))
    })
}

/// The receiver of a send to a name.
fn find(endpoint: &Endpoint, address: &UnixAddress) -> Result<Arc<Endpoint>, Errno> {
    let target = namespace::lookup(address)?;
    if target.kind != endpoint.kind {
        return Err(Errno::EPROTOTYPE);
    }
    Ok(target)
}

/// A send found its receiver closed: a seqpacket peer is a broken pipe; a datagram
/// socket's closed peer is refused and dropped, as on Linux.
fn refused(
    endpoint: &Arc<Endpoint>,
    target: &Arc<Endpoint>,
    named: bool,
    errno: Errno,
) -> Result<usize, Errno> {
    if errno != Errno::ECONNREFUSED {
        return Err(errno);
    }
    if endpoint.kind == SOCK_SEQPACKET {
        return Err(Errno::EPIPE);
    }
    let mut state = endpoint.state.lock();
    if !named && state.is_connected_to(target) {
        state.connection = Connection::Unconnected;
        drop(state);
        disconnected(endpoint, target);
    }
    Err(Errno::ECONNREFUSED)
}

/// Receives one message; `MSG_PEEK` leaves it queued. Seqpacket sockets read end of file
/// once the peer is gone; datagram sockets only after their own `shutdown(SHUT_RD)`, and
/// not when nonblocking (Linux's `EAGAIN`).
pub fn receive(
    endpoint: &Endpoint,
    data: &mut Buffer,
    flags: u32,
    nonblock: bool,
) -> Result<Incoming, Errno> {
    if flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let seqpacket = endpoint.kind == SOCK_SEQPACKET;
    if seqpacket && !matches!(endpoint.state.lock().connection, Connection::Connected(_)) {
        return Err(Errno::ENOTCONN);
    }
    let peek = flags & MSG_PEEK != 0;
    let patience = endpoint.receive_patience(nonblock);
    let end_of_file = || Ok(Incoming::default());
    let outcome = patience.wait(&endpoint.readable, || {
        let mut state = endpoint.state.lock();
        let was_full = state.queue_full();
        if let Some(taken) = state.queue.read_message(data, peek) {
            if was_full && !state.queue_full() {
                endpoint.made_room(&mut state);
            }
            return Some(taken.map(|taken| Incoming {
                length: taken.length,
                from: taken.from.map(SocketAddress::Unix),
                rights: taken.rights,
                truncated: taken.truncated,
            }));
        }
        if let Some(errno) = state.error.take() {
            return Some(Err(errno));
        }
        (state.shutdown.read && !nonblock).then(end_of_file)
    });
    match outcome {
        Err(Errno::EAGAIN) if seqpacket && endpoint.state.lock().shutdown.read => end_of_file(),
        outcome => outcome,
    }
}
