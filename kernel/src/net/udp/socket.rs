//! A UDP socket as a file: the descriptor's side of an entry in the stack's UDP table.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::fs::buffer::Buffer;
use crate::fs::file::{File, IoFlags, PollState};
use crate::fs::inode::Metadata;
use crate::net::address::SocketAddress;
use crate::net::endpoint;
use crate::net::socket::*;
use crate::net::stack::{self, Access};
use crate::net::wait_for;
use crate::syscall::errno::{Errno, SysResult};

/// One datagram at most, the largest UDP payload.
const MAX_DATAGRAM: usize = 65535;

pub struct UdpSocket {
    id: u64,
    family: u16,
    inode: SocketInode,
}

impl UdpSocket {
    pub fn new(family: u16) -> Result<Arc<UdpSocket>, Errno> {
        let id = stack::with(Access::Write, |stack| stack.udp_create(family))?;
        Ok(Arc::new(UdpSocket {
            id,
            family,
            inode: SocketInode::new(),
        }))
    }

    fn timeouts(&self) -> (Option<u64>, Option<u64>) {
        stack::peek(|stack| {
            let entry = stack.udp.entries.get(&self.id)?;
            Some((entry.options.receive_timeout, entry.options.send_timeout))
        })
        .flatten()
        .unwrap_or((None, None))
    }

    fn send_datagram(
        &self,
        data: &mut Buffer,
        to: Option<SocketAddress>,
        nonblock: bool,
    ) -> Result<usize, Errno> {
        let to = match to {
            Some(address) => Some(endpoint::decode(self.family, &address)?),
            None => None,
        };
        let payload = data.take_vec(MAX_DATAGRAM + 1)?;
        let (_, timeout) = self.timeouts();
        let id = self.id;
        wait_for(nonblock, timeout, Access::Write, |stack| {
            stack.udp_send(id, &payload, to)
        })
    }

    fn receive_datagram(
        &self,
        data: &mut Buffer,
        flags: u32,
        nonblock: bool,
    ) -> Result<Incoming, Errno> {
        let (timeout, _) = self.timeouts();
        let id = self.id;
        let peek = flags & MSG_PEEK != 0;
        let datagram = wait_for(nonblock, timeout, Access::Read, |stack| {
            stack.udp_receive(id, data, peek)
        })?;
        Ok(Incoming {
            length: datagram.length,
            from: Some(endpoint::encode_endpoint(self.family, datagram.from)),
            rights: Vec::new(),
            truncated: datagram.length > data.done(),
        })
    }
}

impl Drop for UdpSocket {
    fn drop(&mut self) {
        let id = self.id;
        let _ = stack::with(Access::Write, |stack| stack.udp_close(id));
    }
}

impl File for UdpSocket {
    fn read(&self, _: &mut u64, buffer: &mut Buffer, flags: IoFlags) -> SysResult {
        self.receive_datagram(buffer, 0, flags.nonblock)?;
        Ok(buffer.done())
    }

    fn write(&self, _: &mut u64, buffer: &mut Buffer, flags: IoFlags) -> SysResult {
        self.send_datagram(buffer, None, flags.nonblock)
    }

    fn poll(&self) -> PollState {
        stack::poll_state(|stack| stack.udp_poll(self.id))
    }

    fn ioctl(&self, request: u64, argument: u64) -> SysResult {
        stack::ioctl(request, argument, |stack| stack.udp_pending(self.id))
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

impl Socket for UdpSocket {
    fn kind(&self) -> u32 {
        SOCK_DGRAM
    }

    fn bind(&self, address: SocketAddress) -> Result<(), Errno> {
        let local = endpoint::decode(self.family, &address)?;
        stack::with(Access::Write, |stack| stack.udp_bind(self.id, local))?
    }

    fn connect(&self, address: SocketAddress, _nonblock: bool) -> Result<(), Errno> {
        let remote = match address {
            SocketAddress::Unspecified => None,
            address => Some(endpoint::decode(self.family, &address)?),
        };
        stack::with(Access::Write, |stack| stack.udp_connect(self.id, remote))?
    }

    fn local_address(&self) -> Result<SocketAddress, Errno> {
        stack::with(Access::Read, |stack| stack.udp_local_address(self.id))?
    }

    fn peer_address(&self) -> Result<SocketAddress, Errno> {
        stack::with(Access::Read, |stack| stack.udp_peer_address(self.id))?
    }

    fn send(&self, message: Outgoing) -> Result<usize, Errno> {
        self.send_datagram(message.data, message.to, message.nonblock)
    }

    fn receive(&self, data: &mut Buffer, flags: u32, nonblock: bool) -> Result<Incoming, Errno> {
        self.receive_datagram(data, flags, nonblock)
    }

    fn shutdown(&self, _how: Shutdown) -> Result<(), Errno> {
        let connected = stack::with(Access::Read, |stack| {
            stack.udp_peer_address(self.id).is_ok()
        })?;
        if connected {
            Ok(())
        } else {
            Err(Errno::ENOTCONN)
        }
    }

    fn set_option(&self, option: OptionName, value: &[u8]) -> Result<(), Errno> {
        stack::with(Access::Write, |stack| {
            stack.udp_set_option(self.id, option, value)
        })?
    }

    fn get_option(&self, option: OptionName) -> Result<Vec<u8>, Errno> {
        stack::with(Access::Read, |stack| stack.udp_get_option(self.id, option))?
    }
}
