//! Connections (stream and seqpacket sockets, unix(7)): `listen` with a backlog, `connect`
//! that queues a new socket on the listener, `accept`; and the byte stream of
//! `SOCK_STREAM`: bytes in order without boundaries, `MSG_PEEK`, `MSG_WAITALL`, end of file
//! after the peer shuts down or closes, `EPIPE` after that.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::endpoint::{Connection, Endpoint, Patience};
use super::namespace;
use super::queue::{budget_left, take_bytes, Segment, SEGMENT_OVERHEAD};
use super::{Transfer, UnixSocket};
use crate::fs::buffer::Buffer;
use crate::fs::file::File;
use crate::net::address::SocketAddress;
use crate::net::socket::{Incoming, MSG_OOB, MSG_PEEK, MSG_WAITALL, SOCK_DGRAM};
use crate::syscall::errno::Errno;

/// The most one stream segment holds, so that a large write does not need one large
/// allocation.
const MAX_SEGMENT: usize = 64 * 1024;

/// `listen(2)`: only a bound stream or seqpacket socket that is not connected may listen;
/// listening again changes the backlog.
pub fn listen(endpoint: &Endpoint, backlog: usize) -> Result<(), Errno> {
    if endpoint.kind == SOCK_DGRAM {
        return Err(Errno::EOPNOTSUPP);
    }
    let mut state = endpoint.state.lock();
    if !state.is_bound() {
        return Err(Errno::EINVAL);
    }
    match state.connection {
        Connection::Unconnected => {
            state.connection = Connection::Listening {
                pending: VecDeque::new(),
            }
        }
        Connection::Listening { .. } => {}
        Connection::Connected(_) => return Err(Errno::EINVAL),
    }
    state.backlog = backlog;
    state.credentials = true;
    // A larger backlog may let waiting connections in.
    endpoint.made_room(&mut state);
    Ok(())
}

/// `accept(2)`: the oldest pending connection and its peer's name.
pub fn accept(
    endpoint: &Endpoint,
    nonblock: bool,
) -> Result<(Arc<dyn File>, SocketAddress), Errno> {
    if endpoint.kind == SOCK_DGRAM {
        return Err(Errno::EOPNOTSUPP);
    }
    if !endpoint.state.lock().is_listening() {
        return Err(Errno::EINVAL);
    }
    let patience = endpoint.receive_patience(nonblock);
    let socket = patience.wait(&endpoint.readable, || {
        let mut state = endpoint.state.lock();
        if state.shutdown.read {
            return Some(Err(Errno::EINVAL));
        }
        let Connection::Listening { pending } = &mut state.connection else {
            return Some(Err(Errno::EINVAL));
        };
        let socket = pending.pop_front()?;
        endpoint.made_room(&mut state);
        Some(Ok(socket))
    })?;

    socket.endpoint.state.lock().embryo = false;
    let peer = socket.endpoint.peer_address()?;
    Ok((socket, peer))
}

/// `connect(2)` of a stream or seqpacket socket: queues a new socket, connected to this
/// one, on the listener at `address`. It completes before `accept`; a full backlog makes it
/// wait, or fail with `EAGAIN` when nonblocking.
pub fn connect(
    endpoint: &Arc<Endpoint>,
    address: SocketAddress,
    nonblock: bool,
) -> Result<(), Errno> {
    let SocketAddress::Unix(address) = address else {
        return Err(Errno::EINVAL);
    };
    endpoint.autobind_for_credentials()?;
    let listener = namespace::lookup(&address)?;
    if listener.kind != endpoint.kind {
        return Err(Errno::EPROTOTYPE);
    }

    let patience = endpoint.send_patience(nonblock);
    patience.wait(&listener.room, || {
        let state = listener.state.lock();
        if !state.is_listening() || state.closed {
            Some(Err(Errno::ECONNREFUSED))
        } else if state.queue_full() {
            None
        } else {
            Some(Ok(()))
        }
    })?;
    match endpoint.state.lock().connection {
        Connection::Unconnected => {}
        Connection::Connected(_) => return Err(Errno::EISCONN),
        Connection::Listening { .. } => return Err(Errno::EINVAL),
    }
    queue_connection(endpoint, &listener);
    Ok(())
}

/// Connects `client` to a new socket with the listener's name, queued for `accept`.
fn queue_connection(client: &Arc<Endpoint>, listener: &Endpoint) {
    let server = Endpoint::new(client.kind);
    {
        let address = listener.state.lock().address.clone();
        let mut state = server.state.lock();
        state.address = address;
        state.connection = Connection::Connected(client.clone());
        state.embryo = true;
        state.credentials = true;
    }
    {
        let mut state = client.state.lock();
        state.connection = Connection::Connected(server.clone());
        state.credentials = true;
    }
    let socket = Arc::new(UnixSocket::new(server));
    let mut state = listener.state.lock();
    if let Connection::Listening { pending } = &mut state.connection {
        pending.push_back(socket);
    }
    listener.arrived(&mut state);
}

/// Sends stream bytes to the peer, in segments as room appears in this socket's send
/// buffer; the descriptors go with the first segment. A partial send reports what it
/// sent; `EPIPE` once the peer stopped reading.
pub fn send(endpoint: &Endpoint, message: Transfer) -> Result<usize, Errno> {
    let Transfer {
        data,
        to,
        rights,
        flags,
        nonblock,
    } = message;
    if flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let state = endpoint.state.lock();
    let connected = matches!(state.connection, Connection::Connected(_));
    if to.is_some() {
        return Err(if connected {
            Errno::EISCONN
        } else {
            Errno::EOPNOTSUPP
        });
    }
    let peer = state.peer().ok_or(Errno::ENOTCONN)?;
    if state.shutdown.write {
        return Err(Errno::EPIPE);
    }
    let name = state.name();
    drop(state);

    let patience = endpoint.send_patience(nonblock);
    let mut rights = Some(rights);
    let mut sent = 0;
    while data.remaining() > 0 {
        let room = match room(endpoint, patience) {
            Ok(room) => room,
            Err(errno) => return partial(sent, errno),
        };
        let count = data.remaining().min(room).min(MAX_SEGMENT);
        let count = count.min(budget_left());
        if count == 0 {
            return partial(sent, Errno::ENOBUFS);
        }
        let bytes = match take_bytes(data, count) {
            Ok(bytes) => bytes,
            Err(errno) => return partial(sent, errno),
        };

        let mut state = peer.state.lock();
        if state.closed || state.shutdown.read {
            return partial(sent, Errno::EPIPE);
        }
        let count = bytes.len();
        let rights = rights.take().unwrap_or_default();
        let segment = Segment::new(bytes, rights, name.clone(), &endpoint.account);
        if let Err(errno) = state.queue.push(segment) {
            return partial(sent, errno);
        }
        peer.arrived(&mut state);
        sent += count;
    }
    Ok(sent)
}

/// Waits until this socket's send buffer has room; returns how many bytes fit.
fn room(endpoint: &Endpoint, patience: Patience) -> Result<usize, Errno> {
    patience.wait(&endpoint.account.writable, || {
        let state = endpoint.state.lock();
        if state.shutdown.write {
            return Some(Err(Errno::EPIPE));
        }
        let limit = state.options.send_buffer as usize;
        let free = limit.saturating_sub(endpoint.account.charged());
        (free > SEGMENT_OVERHEAD).then(|| Ok(free - SEGMENT_OVERHEAD))
    })
}

/// What a send that stopped part way reports: the bytes sent, or the error if none were.
fn partial(sent: usize, errno: Errno) -> Result<usize, Errno> {
    if sent > 0 {
        Ok(sent)
    } else {
        Err(errno)
    }
}

/// Receives stream bytes: at least one (all that was asked with `MSG_WAITALL`), end of
/// file (0) after the peer shut down, or the pending error.
pub fn receive(
    endpoint: &Endpoint,
    data: &mut Buffer,
    flags: u32,
    nonblock: bool,
) -> Result<Incoming, Errno> {
    if flags & MSG_OOB != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    if !matches!(endpoint.state.lock().connection, Connection::Connected(_)) {
        return Err(Errno::EINVAL);
    }
    let peek = flags & MSG_PEEK != 0;
    let target = if flags & MSG_WAITALL != 0 && !peek {
        data.remaining()
    } else {
        1
    };
    let patience = endpoint.receive_patience(nonblock);
    let mut incoming = Incoming::default();
    let mut rights = Vec::new();
    loop {
        let mut state = endpoint.state.lock();
        if !state.queue.is_empty() {
            let taken = state.queue.read_stream(data, peek);
            drop(state);
            let taken = match taken {
                Ok(taken) => taken,
                Err(errno) => return finish(incoming, rights, data, Err(errno)),
            };
            if incoming.from.is_none() {
                incoming.from = taken.from.map(SocketAddress::Unix);
            }
            let carried = !taken.rights.is_empty();
            rights.extend(taken.rights);
            if carried || peek || data.done() >= target || data.remaining() == 0 {
                return finish(incoming, rights, data, Ok(()));
            }
            continue;
        }
        if data.done() >= target && data.done() > 0 {
            return finish(incoming, rights, data, Ok(()));
        }
        // POSIX's order: a pending error, then end of file, then waiting.
        if let Some(errno) = state.error.take() {
            return finish(incoming, rights, data, Err(errno));
        }
        if state.shutdown.read {
            return finish(incoming, rights, data, Ok(()));
        }
        drop(state);
        let waited = patience.wait(&endpoint.readable, || {
            let state = endpoint.state.lock();
            let ready = !state.queue.is_empty() || state.error.is_some() || state.shutdown.read;
            ready.then_some(Ok(()))
        });
        if let Err(errno) = waited {
            return finish(incoming, rights, data, Err(errno));
        }
    }
}

/// A receive's result: what was read counts even if it stopped on an error.
fn finish(
    mut incoming: Incoming,
    rights: Vec<Arc<crate::fs::description::FileDescription>>,
    data: &Buffer,
    outcome: Result<(), Errno>,
) -> Result<Incoming, Errno> {
    match outcome {
        Err(errno) if data.done() == 0 => Err(errno),
        _ => {
            incoming.length = data.done();
            incoming.rights = rights;
            Ok(incoming)
        }
    }
}
