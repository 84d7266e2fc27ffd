//! Unix domain sockets (unix(7)): stream, datagram and seqpacket sockets between threads
//! of the application, named by a socket node in the filesystem or in the abstract
//! namespace, passing descriptors with `SCM_RIGHTS`.
//!
//! A [`UnixSocket`] is the open file; its [`endpoint::Endpoint`] is the socket itself,
//! which peers and listeners refer to and which lives on until nothing does. Closing the
//! file releases the endpoint as Linux's `unix_release_sock` does.

mod datagram;
mod endpoint;
mod namespace;
mod options;
mod queue;
mod stream;

use alloc::sync::Arc;
use alloc::vec::Vec;

use endpoint::{Connection, Endpoint};

use super::address::SocketAddress;
use super::socket::{
    Incoming, OptionName, Outgoing, Pair, Shutdown, Socket, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET,
    SOCK_STREAM,
};
use crate::fs::buffer::Buffer;
use crate::fs::description::FileDescription;
use crate::fs::file::{File, IoFlags, PollState};
use crate::fs::inode::Metadata;
use crate::mm::user::write_user;
use crate::net::socket::SocketInode;
use crate::syscall::errno::{Errno, SysResult};
use crate::task::signal::{raise, Signal};

const SIGPIPE: Signal = Signal(13);
/// `FIONREAD`, also known as `SIOCINQ`.
const FIONREAD: u64 = 0x541b;

/// The socket type a `socket` type argument makes; as on Linux, `SOCK_RAW` makes a
/// datagram socket.
fn kind_of(kind: u32) -> Result<u32, Errno> {
    match kind {
        SOCK_STREAM | SOCK_DGRAM | SOCK_SEQPACKET => Ok(kind),
        SOCK_RAW => Ok(SOCK_DGRAM),
        _ => Err(Errno::ESOCKTNOSUPPORT),
    }
}

/// A new, unbound and unconnected socket (`socket(AF_UNIX, kind, 0)`).
pub fn new(kind: u32) -> Result<Arc<dyn File>, Errno> {
    let endpoint = Endpoint::new(kind_of(kind)?);
    Ok(Arc::new(UnixSocket::new(endpoint)))
}

/// Two unnamed sockets connected to each other (`socketpair(2)`).
pub fn pair(kind: u32) -> Result<Pair, Errno> {
    let kind = kind_of(kind)?;
    let (one, other) = (Endpoint::new(kind), Endpoint::new(kind));
    for (endpoint, peer) in [(&one, &other), (&other, &one)] {
        let mut state = endpoint.state.lock();
        state.connection = Connection::Connected(peer.clone());
        state.credentials = true;
    }
    Ok((
        Arc::new(UnixSocket::new(one)),
        Arc::new(UnixSocket::new(other)),
    ))
}

/// One send, from `sendmsg` or `write`.
pub struct Transfer<'a, 'b> {
    pub data: &'a mut Buffer<'b>,
    pub to: Option<SocketAddress>,
    pub rights: Vec<Arc<FileDescription>>,
    pub flags: u32,
    pub nonblock: bool,
}

/// An open unix socket.
pub struct UnixSocket {
    endpoint: Arc<Endpoint>,
    inode: SocketInode,
}

impl UnixSocket {
    fn new(endpoint: Arc<Endpoint>) -> UnixSocket {
        UnixSocket {
            endpoint,
            inode: SocketInode::new(),
        }
    }

    fn transfer(&self, message: Transfer) -> Result<usize, Errno> {
        match self.endpoint.kind {
            SOCK_STREAM => stream::send(&self.endpoint, message),
            _ => datagram::send(&self.endpoint, message),
        }
    }

    fn receive_into(
        &self,
        data: &mut Buffer,
        flags: u32,
        nonblock: bool,
    ) -> Result<Incoming, Errno> {
        match self.endpoint.kind {
            SOCK_STREAM => stream::receive(&self.endpoint, data, flags, nonblock),
            _ => datagram::receive(&self.endpoint, data, flags, nonblock),
        }
    }
}

impl Drop for UnixSocket {
    fn drop(&mut self) {
        self.endpoint.release();
    }
}

impl File for UnixSocket {
    /// `read(2)` is `recv` without flags; descriptors sent along are closed.
    fn read(&self, _: &mut u64, buffer: &mut Buffer, flags: IoFlags) -> SysResult {
        self.receive_into(buffer, 0, flags.nonblock)?;
        Ok(buffer.done())
    }

    /// `write(2)` is `send` without flags: a broken stream raises `SIGPIPE`.
    fn write(&self, _: &mut u64, buffer: &mut Buffer, flags: IoFlags) -> SysResult {
        let message = Transfer {
            data: buffer,
            to: None,
            rights: Vec::new(),
            flags: 0,
            nonblock: flags.nonblock,
        };
        let result = self.transfer(message);
        if result == Err(Errno::EPIPE) && self.endpoint.kind == SOCK_STREAM {
            raise(SIGPIPE);
        }
        result
    }

    fn poll(&self) -> PollState {
        self.endpoint.poll()
    }

    fn ioctl(&self, request: u64, argument: u64) -> SysResult {
        if request != FIONREAD {
            return Err(Errno::ENOTTY);
        }
        let state = self.endpoint.state.lock();
        let count = match self.endpoint.kind {
            _ if state.is_listening() => return Err(Errno::EINVAL),
            SOCK_DGRAM => state.queue.next_length(),
            _ => state.queue.unread(),
        };
        drop(state);
        write_user(argument, &(count as i32))?;
        Ok(0)
    }

    fn stat(&self) -> Metadata {
        self.inode.stat()
    }

    fn describe(&self) -> Vec<u8> {
        self.inode.describe()
    }

    fn socket(&self) -> Option<&dyn Socket> {
        Some(self)
    }
}

impl Socket for UnixSocket {
    fn kind(&self) -> u32 {
        self.endpoint.kind
    }

    fn bind(&self, address: SocketAddress) -> Result<(), Errno> {
        self.endpoint.bind(address)
    }

    fn listen(&self, backlog: usize) -> Result<(), Errno> {
        stream::listen(&self.endpoint, backlog)
    }

    fn accept(&self, nonblock: bool) -> Result<(Arc<dyn File>, SocketAddress), Errno> {
        stream::accept(&self.endpoint, nonblock)
    }

    fn connect(&self, address: SocketAddress, nonblock: bool) -> Result<(), Errno> {
        match self.endpoint.kind {
            SOCK_DGRAM => datagram::connect(&self.endpoint, address),
            _ => stream::connect(&self.endpoint, address, nonblock),
        }
    }

    fn local_address(&self) -> Result<SocketAddress, Errno> {
        Ok(self.endpoint.local_address())
    }

    fn peer_address(&self) -> Result<SocketAddress, Errno> {
        self.endpoint.peer_address()
    }

    fn send(&self, message: Outgoing) -> Result<usize, Errno> {
        self.transfer(Transfer {
            data: message.data,
            to: message.to,
            rights: message.rights,
            flags: message.flags,
            nonblock: message.nonblock,
        })
    }

    fn receive(&self, data: &mut Buffer, flags: u32, nonblock: bool) -> Result<Incoming, Errno> {
        self.receive_into(data, flags, nonblock)
    }

    fn shutdown(&self, how: Shutdown) -> Result<(), Errno> {
        self.endpoint.shutdown(how);
        Ok(())
    }

    fn set_option(&self, option: OptionName, value: &[u8]) -> Result<(), Errno> {
        options::set(&self.endpoint, option, value)
    }

    fn get_option(&self, option: OptionName) -> Result<Vec<u8>, Errno> {
        options::get(&self.endpoint, option)
    }
}
