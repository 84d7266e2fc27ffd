//! A TCP socket as a file: the descriptor's side of an entry in the stack's TCP table.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::super::wait_for;
use crate::fs::buffer::Buffer;
use crate::fs::file::{File, IoFlags, PollState};
use crate::fs::inode::Metadata;
use crate::net::address::SocketAddress;
use crate::net::endpoint;
use crate::net::socket::*;
use crate::net::stack::{self, Access, Stack};
use crate::syscall::errno::{Errno, SysResult};
use crate::task::signal::{raise, Signal};

const SIGPIPE: Signal = Signal(13);

pub struct TcpSocket {
    id: u64,
    family: u16,
    inode: SocketInode,
}

impl TcpSocket {
    pub fn new(family: u16) -> Result<Arc<TcpSocket>, Errno> {
        let id = stack::with(Access::Write, |stack| stack.tcp_create(family))?;
        Ok(Self::wrap(id, family))
    }

    fn wrap(id: u64, family: u16) -> Arc<TcpSocket> {
        Arc::new(TcpSocket {
            id,
            family,
            inode: SocketInode::new(),
        })
    }

    fn timeouts(&self) -> (Option<u64>, Option<u64>) {
        stack::peek(|stack: &mut Stack| {
            let entry = stack.tcp.entries.get(&self.id)?;
            Some((entry.options.receive_timeout, entry.options.send_timeout))
        })
        .flatten()
        .unwrap_or((None, None))
    }

    fn send_bytes(&self, data: &mut Buffer, nonblock: bool) -> Result<usize, Errno> {
        let (_, timeout) = self.timeouts();
        let mut sent = 0;
        loop {
            let id = self.id;
            let result = wait_for(nonblock, timeout, Access::Write, |stack| {
                stack.tcp_send(id, data)
            });
            match result {
                Ok(count) => sent += count,
                Err(errno) if sent == 0 => return Err(errno),
                Err(_) => return Ok(sent),
            }
            // A blocking send returns when everything is queued, as on Linux.
            if data.remaining() == 0 || nonblock {
                return Ok(sent);
            }
        }
    }

    fn receive_bytes(&self, data: &mut Buffer, flags: u32, nonblock: bool) -> Result<(), Errno> {
        let (timeout, _) = self.timeouts();
        let peek = flags & MSG_PEEK != 0;
        loop {
            let before = data.done();
            let id = self.id;
            let result = wait_for(nonblock, timeout, Access::Read, |stack| {
                stack.tcp_receive(id, data, peek)
            });
            match result {
                Ok(()) => {}
                Err(errno) if data.done() == 0 => return Err(errno),
                Err(_) => return Ok(()),
            }
            let ended = data.done() == before;
            if flags & MSG_WAITALL == 0 || peek || nonblock || ended || data.remaining() == 0 {
                return Ok(());
            }
        }
    }
}

impl Drop for TcpSocket {
    fn drop(&mut self) {
        let id = self.id;
        let _ = stack::with(Access::Write, |stack| stack.tcp_close(id));
    }
}

impl File for TcpSocket {
    fn read(&self, _: &mut u64, buffer: &mut Buffer, flags: IoFlags) -> SysResult {
        self.receive_bytes(buffer, 0, flags.nonblock)?;
        Ok(buffer.done())
    }

    fn write(&self, _: &mut u64, buffer: &mut Buffer, flags: IoFlags) -> SysResult {
        let result = self.send_bytes(buffer, flags.nonblock);
        if result == Err(Errno::EPIPE) {
            raise(SIGPIPE);
        }
        result
    }

    fn poll(&self) -> PollState {
        stack::poll_state(|stack| stack.tcp_poll(self.id))
    }

    fn ioctl(&self, request: u64, argument: u64) -> SysResult {
        stack::ioctl(request, argument, |stack| stack.tcp_pending(self.id))
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

impl Socket for TcpSocket {
    fn kind(&self) -> u32 {
        SOCK_STREAM
    }

    fn bind(&self, address: SocketAddress) -> Result<(), Errno> {
        let local = endpoint::decode(self.family, &address)?;
        stack::with(Access::Write, |stack| stack.tcp_bind(self.id, local))?
    }

    fn listen(&self, backlog: usize) -> Result<(), Errno> {
        stack::with(Access::Write, |stack| stack.tcp_listen(self.id, backlog))?
    }

    fn accept(&self, nonblock: bool) -> Result<(Arc<dyn File>, SocketAddress), Errno> {
        let (timeout, _) = self.timeouts();
        let id = self.id;
        let (accepted, peer) = wait_for(nonblock, timeout, Access::Read, |stack| {
            stack.tcp_accept(id)
        })?;
        let file: Arc<dyn File> = Self::wrap(accepted, self.family);
        Ok((file, endpoint::encode_endpoint(self.family, peer)))
    }

    fn connect(&self, address: SocketAddress, nonblock: bool) -> Result<(), Errno> {
        let remote = endpoint::decode(self.family, &address)?;
        let id = self.id;
        stack::with(Access::Write, |stack| stack.tcp_connect(id, remote))??;
        if nonblock {
            return match stack::with(Access::Read, |stack| stack.tcp_connected(id))? {
                Ok(Some(())) => Ok(()),
                Ok(None) => Err(Errno::EINPROGRESS),
                Err(errno) => Err(errno),
            };
        }
        wait_for(false, None, Access::Read, |stack| stack.tcp_connected(id))
    }

    fn local_address(&self) -> Result<SocketAddress, Errno> {
        stack::with(Access::Read, |stack| stack.tcp_local_address(self.id))?
    }

    fn peer_address(&self) -> Result<SocketAddress, Errno> {
        stack::with(Access::Read, |stack| stack.tcp_peer_address(self.id))?
    }

    fn send(&self, message: Outgoing) -> Result<usize, Errno> {
        self.send_bytes(message.data, message.nonblock)
    }

    fn receive(&self, data: &mut Buffer, flags: u32, nonblock: bool) -> Result<Incoming, Errno> {
        self.receive_bytes(data, flags, nonblock)?;
        Ok(Incoming {
            length: data.done(),
            ..Incoming::default()
        })
    }

    fn shutdown(&self, how: Shutdown) -> Result<(), Errno> {
        stack::with(Access::Write, |stack| stack.tcp_shutdown(self.id, how))?
    }

    fn set_option(&self, option: OptionName, value: &[u8]) -> Result<(), Errno> {
        stack::with(Access::Write, |stack| {
            stack.tcp_set_option(self.id, option, value)
        })?
    }

    fn get_option(&self, option: OptionName) -> Result<Vec<u8>, Errno> {
        stack::with(Access::Read, |stack| stack.tcp_get_option(self.id, option))?
    }
}
