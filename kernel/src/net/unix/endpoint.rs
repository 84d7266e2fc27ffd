//! One unix socket's state, whatever its type: its name, its connection or listening
//! queue, its receive queue, shutdown and error, and what every type does alike (bind,
//! shutdown, close, poll readiness, addresses). The transfers are in `stream.rs` and
//! `datagram.rs`.
//!
//! The kernel runs on one CPU and is never preempted, so nothing changes between two lock
//! scopes of one call unless it blocks: each lock here is held only while nothing blocks,
//! and never taken twice (a socket may be its own peer).

use alloc::collections::VecDeque;
use alloc::sync::Arc;

use spin::Mutex;

use super::namespace::{self, Binding};
use super::queue::{Account, Queue};
use super::UnixSocket;
use crate::fs::file::{
    PollState, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDHUP, POLLRDNORM, POLLWRNORM,
};
use crate::net::address::{SocketAddress, UnixAddress};
use crate::net::options::CommonOptions;
use crate::net::socket::{Shutdown, SOCK_DGRAM};
use crate::syscall::errno::Errno;
use crate::task::wait::WaitQueue;

const POLLWRBAND: u32 = 0x200;
/// `net.unix.max_dgram_qlen`: datagrams a socket holds from senders it is not connected
/// to (Linux lets one more in, as it does for a listen backlog).
pub const MAX_DATAGRAM_QUEUE: usize = 10;

pub enum Connection {
    Unconnected,
    /// Connections made and not yet accepted, oldest first.
    Listening {
        pending: VecDeque<Arc<UnixSocket>>,
    },
    /// The peer of a stream or seqpacket connection, or a datagram socket's default
    /// destination. A closed peer stays here until this socket closes, as on Linux.
    Connected(Arc<Endpoint>),
}

pub struct State {
    pub address: UnixAddress,
    pub binding: Option<Binding>,
    pub connection: Connection,
    pub queue: Queue,
    /// How many datagrams or pending connections are let in before senders wait.
    pub backlog: usize,
    pub shutdown: Shutdown,
    /// `SO_ERROR`: `ECONNRESET` when the peer closed with data unread; read once.
    pub error: Option<Errno>,
    pub options: CommonOptions,
    pub closed: bool,
    /// A connection on a listener's queue, not yet accepted.
    pub embryo: bool,
    /// Whether `SO_PEERCRED` reports the process: connected sockets and listeners.
    pub credentials: bool,
    /// Counts arrivals (data, connections, end of file, errors), for edge-triggered epoll.
    pub input: u64,
    /// Counts the times this socket's queue had room again for senders waiting on it.
    pub room_events: u64,
}

impl State {
    pub fn is_bound(&self) -> bool {
        self.address != UnixAddress::Unnamed
    }

    pub fn is_listening(&self) -> bool {
        matches!(self.connection, Connection::Listening { .. })
    }

    pub fn peer(&self) -> Option<Arc<Endpoint>> {
        match &self.connection {
            Connection::Connected(peer) => Some(peer.clone()),
            _ => None,
        }
    }

    pub fn is_connected_to(&self, endpoint: &Endpoint) -> bool {
        matches!(&self.connection, Connection::Connected(peer) if core::ptr::eq(&**peer, endpoint))
    }

    /// Whether senders must wait: more datagrams or connections than the backlog.
    pub fn queue_full(&self) -> bool {
        match &self.connection {
            Connection::Listening { pending } => pending.len() > self.backlog,
            _ => self.queue.len() > self.backlog,
        }
    }

    /// The sender's name a segment carries: none when unnamed.
    pub fn name(&self) -> Option<UnixAddress> {
        self.is_bound().then(|| self.address.clone())
    }
}

pub struct Endpoint {
    pub kind: u32,
    pub state: Mutex<State>,
    /// Readers and `accept` wait here.
    pub readable: WaitQueue,
    /// Senders to this socket wait here for room in its datagram queue or backlog.
    pub room: WaitQueue,
    /// What this socket sent that is still unread.
    pub account: Arc<Account>,
}

impl Endpoint {
    pub fn new(kind: u32) -> Arc<Endpoint> {
        Arc::new(Endpoint {
            kind,
            state: Mutex::new(State {
                address: UnixAddress::Unnamed,
                binding: None,
                connection: Connection::Unconnected,
                queue: Queue::default(),
                backlog: MAX_DATAGRAM_QUEUE,
                shutdown: Shutdown {
                    read: false,
                    write: false,
                },
                error: None,
                options: CommonOptions::default(),
                closed: false,
                embryo: false,
                credentials: false,
                input: 0,
                room_events: 0,
            }),
            readable: WaitQueue::new(),
            room: WaitQueue::new(),
            account: Arc::new(Account::default()),
        })
    }

    /// Something arrived for this socket's readers (data, a connection, end of file).
    pub fn arrived(&self, state: &mut State) {
        state.input += 1;
        self.readable.wake_all();
        crate::fs::poll::notify();
    }

    /// This socket's queue has room again for senders waiting on it.
    pub fn made_room(&self, state: &mut State) {
        state.room_events += 1;
        self.room.wake_all();
        crate::fs::poll::notify();
    }

    /// `bind(2)`; an unnamed address autobinds.
    pub fn bind(self: &Arc<Self>, address: SocketAddress) -> Result<(), Errno> {
        let SocketAddress::Unix(address) = address else {
            return Err(Errno::EINVAL);
        };
        let binding = match &address {
            UnixAddress::Unnamed => return self.autobind(),
            UnixAddress::Abstract(name) => {
                if self.state.lock().is_bound() {
                    return Err(Errno::EINVAL);
                }
                namespace::bind_abstract(name, self)?
            }
            // As on Linux, the node is made first: a taken path is EADDRINUSE even for a
            // socket that is already bound.
            UnixAddress::Path(path) => namespace::bind_path(path, self)?,
        };
        let mut state = self.state.lock();
        if state.is_bound() {
            drop(state);
            drop(binding);
            if let UnixAddress::Path(path) = &address {
                namespace::unlink_path(path);
            }
            return Err(Errno::EINVAL);
        }
        state.address = address;
        state.binding = Some(binding);
        Ok(())
    }

    /// Gives an unbound socket a free abstract name (unix(7) "Autobind").
    pub fn autobind(self: &Arc<Self>) -> Result<(), Errno> {
        if self.state.lock().is_bound() {
            return Ok(());
        }
        let (address, binding) = namespace::autobind(self)?;
        let mut state = self.state.lock();
        state.address = address;
        state.binding = Some(binding);
        Ok(())
    }

    /// Autobinds before connecting or sending when `SO_PASSCRED` asks for a name.
    pub fn autobind_for_credentials(self: &Arc<Self>) -> Result<(), Errno> {
        if self.state.lock().options.pass_credentials {
            self.autobind()?;
        }
        Ok(())
    }

    pub fn local_address(&self) -> SocketAddress {
        SocketAddress::Unix(self.state.lock().address.clone())
    }

    /// The peer's name, as it is now; `ENOTCONN` without a peer.
    pub fn peer_address(self: &Arc<Self>) -> Result<SocketAddress, Errno> {
        let peer = self.state.lock().peer().ok_or(Errno::ENOTCONN)?;
        Ok(peer.local_address())
    }

    /// `shutdown(2)`: a connection's peer sees the other half (no more reads here is no
    /// more writes there); datagram peers are not told.
    pub fn shutdown(self: &Arc<Self>, how: Shutdown) {
        let mut state = self.state.lock();
        state.shutdown.read |= how.read;
        state.shutdown.write |= how.write;
        let peer = state.peer().filter(|_| self.kind != SOCK_DGRAM);
        self.arrived(&mut state);
        self.made_room(&mut state);
        drop(state);
        self.account.wake();

        if let Some(peer) = peer.filter(|peer| !Arc::ptr_eq(peer, self)) {
            let mut state = peer.state.lock();
            state.shutdown.read |= how.write;
            state.shutdown.write |= how.read;
            peer.arrived(&mut state);
            drop(state);
            peer.account.wake();
        }
    }

    /// The socket's last descriptor closed: its name is freed, unread data and
    /// descriptors in flight to it are dropped, pending connections are refused, and a
    /// connected peer sees both directions shut (and `ECONNRESET` if data was lost).
    pub fn release(self: &Arc<Self>) {
        let mut state = self.state.lock();
        state.closed = true;
        state.shutdown = Shutdown {
            read: true,
            write: true,
        };
        let connection = core::mem::replace(&mut state.connection, Connection::Unconnected);
        let lost_data = !state.queue.is_empty() || state.embryo;
        let segments = state.queue.clear();
        let binding = state.binding.take();
        self.made_room(&mut state);
        drop(state);

        if let Connection::Connected(peer) = &connection {
            if self.kind != SOCK_DGRAM && !Arc::ptr_eq(peer, self) {
                let mut state = peer.state.lock();
                state.shutdown = Shutdown {
                    read: true,
                    write: true,
                };
                if lost_data {
                    state.error = Some(Errno::ECONNRESET);
                }
                peer.arrived(&mut state);
                drop(state);
                peer.account.wake();
            }
        }
        // Dropped with no lock held: they close files, pending connections among them.
        drop((connection, segments, binding));
    }

    /// poll(2) readiness, as Linux's `unix_poll` and `unix_dgram_poll` compute it.
    pub fn poll(self: &Arc<Self>) -> PollState {
        let state = self.state.lock();
        let mut events = 0;
        if state.error.is_some() {
            events |= POLLERR;
        }
        if state.shutdown.read {
            events |= POLLRDHUP | POLLIN | POLLRDNORM;
        }
        if state.shutdown.read && state.shutdown.write {
            events |= POLLHUP;
        }
        let pending =
            matches!(&state.connection, Connection::Listening { pending } if !pending.is_empty());
        if !state.queue.is_empty() || pending {
            events |= POLLIN | POLLRDNORM;
        }
        // A stream or seqpacket socket that is neither connected nor listening is hung up.
        if self.kind != SOCK_DGRAM && matches!(state.connection, Connection::Unconnected) {
            events |= POLLHUP;
        }
        let send_buffer = state.options.send_buffer as usize;
        let mut writable = !state.is_listening() && self.account.charged() * 4 <= send_buffer;
        let peer = state.peer();
        let input = state.input;
        drop(state);

        let mut output = self
            .account
            .room_events
            .load(core::sync::atomic::Ordering::Relaxed);
        if let Some(peer) = peer.filter(|peer| !Arc::ptr_eq(peer, self)) {
            // A datagram socket cannot send while its destination's queue is full.
            let state = peer.state.lock();
            output = output.wrapping_add(state.room_events);
            if !state.is_connected_to(self) && state.queue_full() {
                writable = false;
            }
        }
        if writable {
            events |= POLLOUT | POLLWRNORM | POLLWRBAND;
        }
        PollState {
            events,
            input,
            output,
        }
    }

    /// How long a receive may wait.
    pub fn receive_patience(&self, nonblock: bool) -> Patience {
        Patience::new(nonblock, self.state.lock().options.receive_timeout)
    }

    /// How long a send or connect may wait.
    pub fn send_patience(&self, nonblock: bool) -> Patience {
        Patience::new(nonblock, self.state.lock().options.send_timeout)
    }
}

/// How long a blocking call may wait: not at all, until its `SO_RCVTIMEO` or
/// `SO_SNDTIMEO` deadline, or for ever.
#[derive(Clone, Copy)]
pub struct Patience {
    nonblock: bool,
    deadline: Option<u64>,
}

impl Patience {
    fn new(nonblock: bool, timeout: Option<u64>) -> Patience {
        let deadline = timeout.map(|timeout| crate::time::monotonic_ns().saturating_add(timeout));
        Patience { nonblock, deadline }
    }

    /// Waits on `queue` until `ready` gives an outcome. Running out of patience is
    /// `EAGAIN`; a signal is `EINTR` when a timeout is set (socket(7) says such calls are
    /// not restarted), else a restart.
    pub fn wait<T>(
        &self,
        queue: &WaitQueue,
        mut ready: impl FnMut() -> Option<Result<T, Errno>>,
    ) -> Result<T, Errno> {
        if self.nonblock {
            return ready().unwrap_or(Err(Errno::EAGAIN));
        }
        match queue.wait_until(self.deadline, ready) {
            Ok(outcome) => outcome,
            Err(Errno::ETIMEDOUT) => Err(Errno::EAGAIN),
            Err(Errno::ERESTARTSYS) if self.deadline.is_some() => Err(Errno::EINTR),
            Err(errno) => Err(errno),
        }
    }
}
