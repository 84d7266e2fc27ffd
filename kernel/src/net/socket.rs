//! What every kind of socket does (socket(7)): the operations behind `bind`, `listen`,
//! `connect`, `sendmsg`, `recvmsg` and the rest, which the syscall layer decodes and each
//! kind (unix, TCP, UDP) implements; the defaults fail as Linux fails them on a socket type
//! without that operation.

use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::address::SocketAddress;
use crate::fs::anon;
use crate::fs::buffer::Buffer;
use crate::fs::description::FileDescription;
use crate::fs::file::File;
use crate::fs::inode::{FileType, Metadata, Time};
use crate::syscall::errno::Errno;

/// `SOCK_*` types (the low bits of `socket`'s type argument).
pub const SOCK_STREAM: u32 = 1;
pub const SOCK_DGRAM: u32 = 2;
pub const SOCK_RAW: u32 = 3;
pub const SOCK_SEQPACKET: u32 = 5;

/// `MSG_*` flags of send and receive calls (socket.h).
pub const MSG_OOB: u32 = 0x1;
pub const MSG_PEEK: u32 = 0x2;
pub const MSG_CTRUNC: u32 = 0x8;
pub const MSG_TRUNC: u32 = 0x20;
pub const MSG_DONTWAIT: u32 = 0x40;
pub const MSG_WAITALL: u32 = 0x100;
pub const MSG_NOSIGNAL: u32 = 0x4000;
pub const MSG_WAITFORONE: u32 = 0x10000;
pub const MSG_CMSG_CLOEXEC: u32 = 0x4000_0000;

/// `shutdown`'s `how`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shutdown {
    pub read: bool,
    pub write: bool,
}

/// One send: the bytes, where to (datagrams), descriptors passed along (`SCM_RIGHTS`).
pub struct Outgoing<'a> {
    pub data: &'a mut Buffer<'static>,
    pub to: Option<SocketAddress>,
    pub rights: Vec<Arc<FileDescription>>,
    pub flags: u32,
    pub nonblock: bool,
}

/// What one receive delivered besides the bytes copied into the caller's buffer.
#[derive(Default)]
pub struct Incoming {
    /// The message's real length (larger than what was copied when `MSG_TRUNC` applies).
    pub length: usize,
    pub from: Option<SocketAddress>,
    pub rights: Vec<Arc<FileDescription>>,
    /// `MSG_TRUNC` in `msg_flags`: a datagram did not fit.
    pub truncated: bool,
}

/// A value for `setsockopt`/`getsockopt` at `level`, option `name`.
pub struct OptionName {
    pub level: u32,
    pub name: u32,
}

/// Two connected sockets, as `socketpair` makes them.
pub type Pair = (Arc<dyn File>, Arc<dyn File>);

pub trait Socket: Send + Sync {
    /// `SOCK_STREAM`, `SOCK_DGRAM` or `SOCK_SEQPACKET`, for `SO_TYPE`.
    fn kind(&self) -> u32;

    fn bind(&self, address: SocketAddress) -> Result<(), Errno>;

    fn listen(&self, _backlog: usize) -> Result<(), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    /// A connection from the queue: its file and the peer's address.
    fn accept(&self, _nonblock: bool) -> Result<(Arc<dyn File>, SocketAddress), Errno> {
        Err(Errno::EOPNOTSUPP)
    }

    fn connect(&self, address: SocketAddress, nonblock: bool) -> Result<(), Errno>;

    fn local_address(&self) -> Result<SocketAddress, Errno>;

    fn peer_address(&self) -> Result<SocketAddress, Errno>;

    /// Sends from `message.data`; returns the bytes sent.
    fn send(&self, message: Outgoing) -> Result<usize, Errno>;

    /// Receives into `data` (`flags`: `MSG_PEEK`, `MSG_WAITALL`, `MSG_TRUNC`).
    fn receive(&self, data: &mut Buffer, flags: u32, nonblock: bool) -> Result<Incoming, Errno>;

    fn shutdown(&self, how: Shutdown) -> Result<(), Errno>;

    fn set_option(&self, option: OptionName, value: &[u8]) -> Result<(), Errno>;

    /// The option's value, as the bytes `getsockopt` copies out.
    fn get_option(&self, option: OptionName) -> Result<Vec<u8>, Errno>;
}

/// What `fstat` and `/proc/self/fd` show of every socket: an inode number of the anonymous
/// file system and a creation time.
pub struct SocketInode {
    number: u64,
    created: Time,
}

impl SocketInode {
    pub fn new() -> SocketInode {
        SocketInode {
            number: anon::new_inode_number(),
            created: Time::now(),
        }
    }

    /// `S_IFSOCK`, as Linux's sockfs shows sockets.
    pub fn stat(&self) -> Metadata {
        anon::metadata_of(self.number, 0o777, FileType::Socket, self.created)
    }

    /// `socket:[N]`.
    pub fn describe(&self) -> Vec<u8> {
        format!("socket:[{}]", self.number).into_bytes()
    }
}
