//! The TCP operations behind the socket calls, on the stack with its lock held. Those that
//! may have to wait return `Ok(None)` for "not yet"; the caller waits for the next change.

use alloc::vec;
use alloc::vec::Vec;

use smoltcp::iface::SocketHandle;
use smoltcp::socket::tcp::{self, State};
use smoltcp::wire::{IpAddress, IpEndpoint, IpListenEndpoint};

use super::{new_socket, pick, Connection, Entry, Listener, Role, TcpOptions};
use crate::fs::buffer::Buffer;
use crate::fs::file::*;
use crate::net::address::{SocketAddress, AF_INET};
use crate::net::endpoint::{self, Endpoint};
use crate::net::options::{self, int_bytes, CommonOptions, SOL_SOCKET};
use crate::net::ports::Request;
use crate::net::socket::{OptionName, Shutdown};
use crate::net::stack::{LinkId, Stack};
use crate::syscall::errno::Errno;

/// How long a closed connection waits for a silent peer.
const ORPHAN_TIMEOUT: smoltcp::time::Duration = smoltcp::time::Duration::from_secs(60);

/// `IPPROTO_TCP`, for `SO_PROTOCOL`.
const IPPROTO_TCP: i32 = 6;

fn entry(stack: &mut Stack, id: u64) -> Result<&mut Entry, Errno> {
    stack.tcp.entries.get_mut(&id).ok_or(Errno::EBADF)
}

/// The smoltcp socket of `connection`.
fn socket(stack: &mut Stack, link: LinkId, handle: SocketHandle) -> &mut tcp::Socket<'static> {
    let link =
        pick(&mut stack.loopback, stack.external.as_mut(), link).expect("link of a live socket");
    link.sockets.get_mut::<tcp::Socket>(handle)
}

fn connection_of(stack: &mut Stack, id: u64) -> Result<Option<(LinkId, SocketHandle)>, Errno> {
    Ok(match &entry(stack, id)?.role {
        Role::Connected(connection) => Some((connection.link, connection.handle)),
        _ => None,
    })
}

impl Stack {
    /// The external interface's IPv4 address, if it has one.
    pub fn own_address(&self) -> Option<IpAddress> {
        let link = self.external.as_ref()?;
        link.iface.ipv4_addr().map(IpAddress::Ipv4)
    }

    /// Whether `address` belongs to the VM.
    pub fn is_local(&self, address: IpAddress) -> bool {
        endpoint::is_loopback(address) || Some(address) == self.own_address()
    }

    /// The interface that reaches `address`: loopback for the VM's own addresses; outside,
    /// `ENETUNREACH` while the external interface has no address.
    pub fn route(&self, address: IpAddress) -> Result<LinkId, Errno> {
        if self.is_local(address) {
            Ok(LinkId::Loopback)
        } else if self.own_address().is_some() {
            Ok(LinkId::External)
        } else {
            Err(Errno::ENETUNREACH)
        }
    }

    pub fn tcp_create(&mut self, family: u16) -> u64 {
        self.tcp.insert(Entry {
            family,
            options: CommonOptions::default(),
            tcp: TcpOptions::default(),
            bound: None,
            role: Role::Idle,
            error: None,
            shut_read: false,
            shut_write: false,
        })
    }

    pub fn tcp_bind(&mut self, id: u64, local: Endpoint) -> Result<(), Errno> {
        if local.address.is_some_and(|address| !self.is_local(address)) {
            return Err(Errno::EADDRNOTAVAIL);
        }
        let entry = self.tcp.entries.get_mut(&id).ok_or(Errno::EBADF)?;
        if entry.bound.is_some() || !matches!(entry.role, Role::Idle) {
            return Err(Errno::EINVAL);
        }
        let port = self.tcp.ports.bind(Request {
            owner: id,
            address: local.address,
            port: local.port,
            reuse_address: entry.options.reuse_address,
            reuse_port: entry.options.reuse_port,
        })?;
        entry.bound = Some(Endpoint { port, ..local });
        Ok(())
    }

    fn tcp_autobind(&mut self, id: u64) -> Result<Endpoint, Errno> {
        if let Some(bound) = entry(self, id)?.bound {
            return Ok(bound);
        }
        self.tcp_bind(
            id,
            Endpoint {
                address: None,
                port: 0,
            },
        )?;
        entry(self, id)?.bound.ok_or(Errno::EINVAL)
    }

    pub fn tcp_listen(&mut self, id: u64, backlog: usize) -> Result<(), Errno> {
        let bound = self.tcp_autobind(id)?;
        let has_external = self.external.is_some();
        let own = self.own_address();
        let entry = entry(self, id)?;
        match &mut entry.role {
            Role::Listening(listener) => listener.backlog = backlog,
            Role::Connected(_) => return Err(Errno::EINVAL),
            Role::Idle => {
                let mut links = vec![LinkId::Loopback];
                let external = match bound.address {
                    None => true,
                    Some(address) => Some(address) == own,
                };
                if external && has_external {
                    links.push(LinkId::External);
                }
                entry.role = Role::Listening(Listener {
                    backlog,
                    links,
                    waiting: Vec::new(),
                    ready: Default::default(),
                });
            }
        }
        Ok(())
    }

    /// Starts connecting to `remote`.
    pub fn tcp_connect(&mut self, id: u64, remote: Endpoint) -> Result<(), Errno> {
        match &entry(self, id)?.role {
            Role::Idle => {}
            Role::Listening(_) => return Err(Errno::EISCONN),
            Role::Connected(connection) => {
                return Err(match connection.last {
                    State::SynSent | State::SynReceived => Errno::EALREADY,
                    _ => Errno::EISCONN,
                })
            }
        }
        let family = entry(self, id)?.family;
        let address = remote.address.unwrap_or(if family == AF_INET {
            IpAddress::v4(127, 0, 0, 1)
        } else {
            IpAddress::v6(0, 0, 0, 0, 0, 0, 0, 1)
        });
        if remote.port == 0 {
            return Err(Errno::ECONNREFUSED);
        }
        let link_id = self.route(address)?;
        if !crate::net::room_for_buffers(2 * super::BUFFER_SIZE as u64) {
            return Err(Errno::ENOBUFS);
        }
        let local = self.tcp_autobind(id)?;
        let entry = self.tcp.entries.get_mut(&id).ok_or(Errno::EBADF)?;
        let mut socket = new_socket();
        entry.tcp.apply(&mut socket, &entry.options);
        let link =
            pick(&mut self.loopback, self.external.as_mut(), link_id).ok_or(Errno::ENETUNREACH)?;
        let local = IpListenEndpoint {
            addr: local.address,
            port: local.port,
        };
        socket
            .connect(
                link.iface.context(),
                IpEndpoint::new(address, remote.port),
                local,
            )
            .map_err(|_| Errno::EADDRNOTAVAIL)?;
        let handle = link.sockets.add(socket);
        entry.role = Role::Connected(Connection {
            link: link_id,
            handle,
            last: State::SynSent,
        });
        Ok(())
    }

    /// Whether the connect finished: `Ok(None)` while the handshake goes on.
    pub fn tcp_connected(&mut self, id: u64) -> Result<Option<()>, Errno> {
        let Some((link, handle)) = connection_of(self, id)? else {
            return Err(Errno::ENOTCONN);
        };
        match socket(self, link, handle).state() {
            State::SynSent | State::SynReceived => Ok(None),
            State::Closed => Err(entry(self, id)?.error.take().unwrap_or(Errno::ECONNREFUSED)),
            _ => Ok(Some(())),
        }
    }

    /// Takes an established connection from the accept queue: the new entry and the peer.
    pub fn tcp_accept(&mut self, id: u64) -> Result<Option<(u64, IpEndpoint)>, Errno> {
        let listening = entry(self, id)?;
        let (family, options, tcp_options) = (
            listening.family,
            listening.options.clone(),
            listening.tcp.clone(),
        );
        let Role::Listening(listener) = &mut listening.role else {
            return Err(Errno::EINVAL);
        };
        let Some((link, handle)) = listener.ready.pop_front() else {
            return Ok(None);
        };
        let socket = socket(self, link, handle);
        tcp_options.apply(socket, &options);
        let (local, remote, state) = (
            socket.local_endpoint(),
            socket.remote_endpoint(),
            socket.state(),
        );
        let remote = remote.unwrap_or(IpEndpoint::new(IpAddress::v4(0, 0, 0, 0), 0));
        let accepted = self.tcp.insert(Entry {
            family,
            options,
            tcp: tcp_options,
            bound: local.map(|local| Endpoint {
                address: Some(local.addr),
                port: local.port,
            }),
            role: Role::Connected(Connection {
                link,
                handle,
                last: state,
            }),
            error: None,
            shut_read: false,
            shut_write: false,
        });
        Ok(Some((accepted, remote)))
    }

    /// Sends what fits of `data`: `Ok(None)` if nothing fits yet.
    pub fn tcp_send(&mut self, id: u64, data: &mut Buffer) -> Result<Option<usize>, Errno> {
        let entry = entry(self, id)?;
        if let Some(error) = entry.error.take() {
            return Err(error);
        }
        if entry.shut_write {
            return Err(Errno::EPIPE);
        }
        let Some((link, handle)) = connection_of(self, id)? else {
            return Err(Errno::EPIPE);
        };
        let socket = socket(self, link, handle);
        match socket.state() {
            State::SynSent | State::SynReceived => return Ok(None),
            State::Established | State::CloseWait => {}
            _ => return Err(Errno::EPIPE),
        }
        let mut sent = 0;
        while data.remaining() > 0 && socket.can_send() {
            let before = data.done();
            let copied = socket.send(|room| {
                let result = data.take(room);
                (data.done() - before, result)
            });
            match copied {
                Ok(Ok(_)) => sent += data.done() - before,
                Ok(Err(errno)) if sent == 0 && data.done() == before => return Err(errno),
                _ => break,
            }
        }
        Ok((sent > 0 || data.remaining() == 0).then_some(sent))
    }

    /// Receives into `data`: `Ok(Some(()))` when something arrived or the stream ended,
    /// `Ok(None)` if nothing is there yet.
    pub fn tcp_receive(
        &mut self,
        id: u64,
        data: &mut Buffer,
        peek: bool,
    ) -> Result<Option<()>, Errno> {
        if entry(self, id)?.shut_read {
            return Ok(Some(()));
        }
        let Some((link, handle)) = connection_of(self, id)? else {
            return Err(Errno::ENOTCONN);
        };
        let connection = socket(self, link, handle);
        if connection.can_recv() {
            // Taking more than half a buffer's worth reopens a window the peer may be
            // waiting for: the stack must poll to say so.
            let opens_window = connection.recv_queue() > connection.recv_capacity() / 2 && !peek;
            self.dirty |= opens_window;
            let socket = socket(self, link, handle);
            if peek {
                let mut bytes = vec![0; data.remaining().min(socket.recv_queue())];
                let count = socket.peek_slice(&mut bytes).unwrap_or(0);
                data.put(&bytes[..count])?;
            } else {
                while data.remaining() > 0 && socket.can_recv() {
                    let before = data.done();
                    let result = socket.recv(|bytes| {
                        let result = data.put(bytes);
                        (data.done() - before, result)
                    });
                    match result {
                        Ok(Ok(())) => {}
                        Ok(Err(errno)) if data.done() == 0 => return Err(errno),
                        _ => break,
                    }
                }
            }
            return Ok(Some(()));
        }
        let state = connection.state();
        if let Some(error) = entry(self, id)?.error.take() {
            return Err(error);
        }
        match state {
            State::SynSent
            | State::SynReceived
            | State::Established
            | State::FinWait1
            | State::FinWait2 => Ok(None),
            _ => Ok(Some(())),
        }
    }

    /// Bytes waiting to be read (`FIONREAD`).
    pub fn tcp_pending(&mut self, id: u64) -> Result<usize, Errno> {
        Ok(match connection_of(self, id)? {
            Some((link, handle)) => socket(self, link, handle).recv_queue(),
            None => 0,
        })
    }

    pub fn tcp_poll(&mut self, id: u64) -> u32 {
        let Ok(entry) = entry(self, id) else {
            return POLLNVAL;
        };
        let (shut_read, shut_write, failed) =
            (entry.shut_read, entry.shut_write, entry.error.is_some());
        let error = if failed { POLLERR } else { 0 };
        let (link, handle) = match &entry.role {
            Role::Idle => return POLLOUT | POLLWRNORM | POLLHUP | error,
            Role::Listening(listener) => {
                return if listener.ready.is_empty() {
                    0
                } else {
                    POLLIN | POLLRDNORM
                };
            }
            Role::Connected(connection) => (connection.link, connection.handle),
        };
        let socket = socket(self, link, handle);
        let state = socket.state();
        if matches!(state, State::SynSent | State::SynReceived) {
            return error;
        }
        let mut events = error;
        // By state: smoltcp's `may_recv` stays true while data before the FIN is unread.
        let remote_closed = matches!(
            state,
            State::CloseWait | State::LastAck | State::Closing | State::TimeWait | State::Closed
        );
        if socket.can_recv() || remote_closed || shut_read {
            events |= POLLIN | POLLRDNORM;
        }
        if remote_closed {
            events |= POLLRDHUP;
        }
        if state == State::Closed || (remote_closed && shut_write) {
            events |= POLLHUP;
        }
        if socket.can_send() || state == State::Closed || shut_write {
            events |= POLLOUT | POLLWRNORM;
        }
        events
    }

    /// The application closed its last descriptor of the socket.
    pub fn tcp_close(&mut self, id: u64) {
        let Some(entry) = self.tcp.entries.remove(&id) else {
            return;
        };
        if let Some(bound) = entry.bound {
            self.tcp.ports.release(id, bound.port);
        }
        match entry.role {
            Role::Idle => {}
            Role::Listening(listener) => {
                for (link, handle) in listener.waiting.into_iter().chain(listener.ready) {
                    socket(self, link, handle).abort();
                    self.tcp.orphans.push((link, handle));
                }
            }
            Role::Connected(connection) => {
                let socket = socket(self, connection.link, connection.handle);
                if entry.options.linger == Some(0) || socket.recv_queue() > 0 {
                    // Linux resets a connection closed with unread data or a zero linger.
                    socket.abort();
                } else {
                    socket.close();
                    // As Linux's tcp_fin_timeout: a closed connection whose peer falls silent
                    // for a minute is dropped.
                    socket.set_keep_alive(None);
                    socket.set_timeout(Some(ORPHAN_TIMEOUT));
                }
                self.tcp.orphans.push((connection.link, connection.handle));
            }
        }
    }

    /// Closes every connection at the program's exit; true if any still has data or a
    /// FIN in flight.
    pub fn tcp_close_all(&mut self) -> bool {
        let ids: Vec<u64> = self.tcp.entries.keys().copied().collect();
        for id in ids {
            self.tcp_close(id);
        }
        !self.tcp_flushed()
    }

    /// Whether every closed connection has had its data and FIN acknowledged.
    pub fn tcp_flushed(&mut self) -> bool {
        let orphans = self.tcp.orphans.clone();
        orphans.into_iter().all(|(link, handle)| {
            let socket = socket(self, link, handle);
            socket.send_queue() == 0
                && !matches!(
                    socket.state(),
                    State::FinWait1 | State::Closing | State::LastAck
                )
        })
    }

    pub fn tcp_shutdown(&mut self, id: u64, how: Shutdown) -> Result<(), Errno> {
        let Some((link, handle)) = connection_of(self, id)? else {
            return Err(Errno::ENOTCONN);
        };
        if how.write {
            socket(self, link, handle).close();
        }
        let entry = entry(self, id)?;
        entry.shut_read |= how.read;
        entry.shut_write |= how.write;
        Ok(())
    }

    pub fn tcp_local_address(&mut self, id: u64) -> Result<SocketAddress, Errno> {
        let family = entry(self, id)?.family;
        if let Some((link, handle)) = connection_of(self, id)? {
            if let Some(local) = socket(self, link, handle).local_endpoint() {
                return Ok(endpoint::encode_endpoint(family, local));
            }
        }
        let bound = entry(self, id)?.bound;
        Ok(match bound {
            Some(bound) => endpoint::encode(family, bound.address, bound.port),
            None => endpoint::encode(family, None, 0),
        })
    }

    pub fn tcp_peer_address(&mut self, id: u64) -> Result<SocketAddress, Errno> {
        let family = entry(self, id)?.family;
        let (link, handle) = connection_of(self, id)?.ok_or(Errno::ENOTCONN)?;
        let socket = socket(self, link, handle);
        match (socket.state(), socket.remote_endpoint()) {
            (State::SynSent | State::Closed, _) | (_, None) => Err(Errno::ENOTCONN),
            (_, Some(remote)) => Ok(endpoint::encode_endpoint(family, remote)),
        }
    }

    pub fn tcp_set_option(
        &mut self,
        id: u64,
        option: OptionName,
        value: &[u8],
    ) -> Result<(), Errno> {
        let entry = entry(self, id)?;
        if option.level == SOL_SOCKET {
            entry.options.set(option.name, value)?;
        } else {
            entry.tcp.set(option.level, option.name, value)?;
        }
        let (tcp_options, common) = (entry.tcp.clone(), entry.options.clone());
        if let Some((link, handle)) = connection_of(self, id)? {
            tcp_options.apply(socket(self, link, handle), &common);
        }
        Ok(())
    }

    pub fn tcp_get_option(&mut self, id: u64, option: OptionName) -> Result<Vec<u8>, Errno> {
        let entry = entry(self, id)?;
        if option.level != SOL_SOCKET {
            return entry.tcp.get(option.level, option.name);
        }
        Ok(match option.name {
            options::SO_TYPE => int_bytes(crate::net::socket::SOCK_STREAM as i32),
            options::SO_DOMAIN => int_bytes(entry.family as i32),
            options::SO_PROTOCOL => int_bytes(IPPROTO_TCP),
            options::SO_ACCEPTCONN => int_bytes(matches!(entry.role, Role::Listening(_)) as i32),
            options::SO_ERROR => int_bytes(entry.error.take().map_or(0, |errno| errno.0)),
            name => entry.options.get(name)?,
        })
    }
}
