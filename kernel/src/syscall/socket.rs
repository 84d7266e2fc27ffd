//! Socket calls (socket(2), bind(2), connect(2), sendmsg(2), recvmsg(2), ...): decoding of
//! addresses, `msghdr`s and control messages; the sockets themselves live in `crate::net`.

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use super::errno::{Errno, SysResult};
use super::io::iovec_buffer;
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::buffer::Buffer;
use crate::fs::description::FileDescription;
use crate::fs::fd_table;
use crate::fs::open_flags::OpenFlags;
use crate::mm::user::{copy_from_user, copy_to_user, read_user, write_user};
use crate::net::address::{SocketAddress, MAX_LENGTH};
use crate::net::socket::*;
use crate::task::signal::{raise, Signal};

const SOCK_NONBLOCK: u64 = OpenFlags::O_NONBLOCK as u64;
const SOCK_CLOEXEC: u64 = OpenFlags::O_CLOEXEC as u64;
const SIGPIPE: Signal = Signal(13);
/// `SCM_RIGHTS`, and `SCM_MAX_FD`: how many descriptors one message may carry.
const SCM_RIGHTS: u32 = 1;
const SCM_CREDENTIALS: u32 = 2;
const SCM_MAX_FD: usize = 253;
const SOL_SOCKET: u32 = 1;
/// `struct cmsghdr`'s size, and the alignment of control messages (`CMSG_ALIGN`).
const CMSG_HEADER: usize = 16;
const CMSG_ALIGNMENT: usize = 8;
/// The largest option value `setsockopt` reads.
const MAX_OPTION: usize = 4096;
/// `UIO_MAXIOV`: the most messages one `sendmmsg`/`recvmmsg` handles.
const MAX_MESSAGES: u64 = 1024;

/// The open socket behind descriptor `fd`: `ENOTSOCK` if it is another kind of file.
fn socket_description(fd: u64) -> Result<Arc<FileDescription>, Errno> {
    let description = fd_table::get(fd)?;
    if description.file.socket().is_none() {
        return Err(Errno::ENOTSOCK);
    }
    Ok(description)
}

fn with_socket<T>(
    fd: u64,
    action: impl FnOnce(&dyn Socket, &FileDescription) -> Result<T, Errno>,
) -> Result<T, Errno> {
    let description = socket_description(fd)?;
    let socket = description.file.socket().ok_or(Errno::ENOTSOCK)?;
    action(socket, &description)
}

fn nonblocking(description: &FileDescription) -> bool {
    description.flags().0 & OpenFlags::O_NONBLOCK != 0
}

/// The `struct sockaddr` of `length` bytes at `address`.
fn read_address(address: u64, length: u64) -> Result<SocketAddress, Errno> {
    if length as usize > MAX_LENGTH {
        return Err(Errno::EINVAL);
    }
    let mut bytes = vec![0; length as usize];
    copy_from_user(&mut bytes, address)?;
    SocketAddress::decode(&bytes)
}

/// Writes `value` to a `(buffer, socklen_t *length)` pair as `getsockname` does: as much as
/// fits, and the full length.
fn write_address(value: &SocketAddress, address: u64, length_at: u64) -> Result<(), Errno> {
    if address == 0 {
        return Ok(());
    }
    write_sized(&value.encode(), address, length_at)
}

fn write_sized(bytes: &[u8], address: u64, length_at: u64) -> Result<(), Errno> {
    let room: i32 = read_user(length_at)?;
    if room < 0 {
        return Err(Errno::EINVAL);
    }
    let count = bytes.len().min(room as usize);
    copy_to_user(address, &bytes[..count])?;
    write_user(length_at, &(bytes.len() as u32))
}

fn install(file: Arc<dyn crate::fs::file::File>, flags: u64) -> Result<usize, Errno> {
    let status = if flags & SOCK_NONBLOCK != 0 {
        OpenFlags::O_NONBLOCK
    } else {
        0
    };
    fd_table::install(
        FileDescription::anonymous(file, OpenFlags::O_RDWR | status),
        flags & SOCK_CLOEXEC != 0,
    )
}

/// Splits `socket`'s type argument into the type and the `SOCK_NONBLOCK`/`SOCK_CLOEXEC`
/// flags.
fn split_type(raw: u64) -> Result<(u32, u64), Errno> {
    let flags = raw & (SOCK_NONBLOCK | SOCK_CLOEXEC);
    let kind = raw & !(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if kind > 0xf || raw >> 32 != 0 {
        return Err(Errno::EINVAL);
    }
    Ok((kind as u32, flags))
}

pub fn socket(_: &mut TrapFrame, args: Args) -> SysResult {
    let [family, kind, protocol, ..] = args;
    let (kind, flags) = split_type(kind)?;
    let file = crate::net::create(family as u16, kind, protocol as u32)?;
    install(file, flags)
}

pub fn socketpair(_: &mut TrapFrame, args: Args) -> SysResult {
    let [family, kind, protocol, pair, ..] = args;
    let (kind, flags) = split_type(kind)?;
    let (one, other) = crate::net::create_pair(family as u16, kind, protocol as u32)?;
    let first = install(one, flags)?;
    let second = match install(other, flags) {
        Ok(fd) => fd,
        Err(errno) => {
            let _ = fd_table::close(first as u64);
            return Err(errno);
        }
    };
    if let Err(errno) = write_user(pair, &[first as i32, second as i32]) {
        let _ = fd_table::close(first as u64);
        let _ = fd_table::close(second as u64);
        return Err(errno);
    }
    Ok(0)
}

pub fn bind(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, length, ..] = args;
    with_socket(fd, |socket, _| socket.bind(read_address(address, length)?))?;
    Ok(0)
}

pub fn listen(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, backlog, ..] = args;
    // As Linux: a negative or huge backlog means `SOMAXCONN`.
    let backlog = match backlog as i32 {
        backlog if !(0..=4096).contains(&backlog) => 4096,
        backlog => backlog as usize,
    };
    with_socket(fd, |socket, _| socket.listen(backlog))?;
    Ok(0)
}

pub fn connect(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, length, ..] = args;
    let address = read_address(address, length)?;
    with_socket(fd, |socket, description| {
        socket.connect(address, nonblocking(description))
    })?;
    Ok(0)
}

pub fn accept(frame: &mut TrapFrame, args: Args) -> SysResult {
    accept4(frame, [args[0], args[1], args[2], 0, 0, 0])
}

pub fn accept4(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, length_at, flags, ..] = args;
    if flags & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let (file, peer) = with_socket(fd, |socket, description| {
        socket.accept(nonblocking(description))
    })?;
    let fd = install(file, flags)?;
    if let Err(errno) = write_address(&peer, address, length_at) {
        let _ = fd_table::close(fd as u64);
        return Err(errno);
    }
    Ok(fd)
}

pub fn getsockname(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, length_at, ..] = args;
    let local = with_socket(fd, |socket, _| socket.local_address())?;
    write_sized(&local.encode(), address, length_at)?;
    Ok(0)
}

pub fn getpeername(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, address, length_at, ..] = args;
    let peer = with_socket(fd, |socket, _| socket.peer_address())?;
    write_sized(&peer.encode(), address, length_at)?;
    Ok(0)
}

pub fn shutdown(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, how, ..] = args;
    let how = match how {
        0 => Shutdown {
            read: true,
            write: false,
        },
        1 => Shutdown {
            read: false,
            write: true,
        },
        2 => Shutdown {
            read: true,
            write: true,
        },
        _ => return Err(Errno::EINVAL),
    };
    with_socket(fd, |socket, _| socket.shutdown(how))?;
    Ok(0)
}

pub fn setsockopt(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, level, name, value, length, ..] = args;
    if length as i32 as i64 != length as i64 || (length as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let mut bytes = vec![0; (length as usize).min(MAX_OPTION)];
    copy_from_user(&mut bytes, value)?;
    let option = OptionName {
        level: level as u32,
        name: name as u32,
    };
    with_socket(fd, |socket, _| socket.set_option(option, &bytes))?;
    Ok(0)
}

pub fn getsockopt(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, level, name, value, length_at, ..] = args;
    let option = OptionName {
        level: level as u32,
        name: name as u32,
    };
    let bytes = with_socket(fd, |socket, _| socket.get_option(option))?;
    // getsockopt reports what it copied, not the full size.
    let room: i32 = read_user(length_at)?;
    if room < 0 {
        return Err(Errno::EINVAL);
    }
    let count = bytes.len().min(room as usize);
    copy_to_user(value, &bytes[..count])?;
    write_user(length_at, &(count as u32))?;
    Ok(0)
}

/// Sends one message; raises `SIGPIPE` on `EPIPE` unless `MSG_NOSIGNAL`. As on Linux, only
/// stream sockets raise it (unix and TCP streams): a datagram or seqpacket socket returns
/// `EPIPE` alone.
fn send(description: &FileDescription, message: Outgoing) -> Result<usize, Errno> {
    let socket = description.file.socket().ok_or(Errno::ENOTSOCK)?;
    let signal = message.flags & MSG_NOSIGNAL == 0 && socket.kind() == SOCK_STREAM;
    let result = socket.send(message);
    if result == Err(Errno::EPIPE) && signal {
        raise(SIGPIPE);
    }
    result
}

pub fn sendto(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, data, length, flags, address, address_length] = args;
    let description = socket_description(fd)?;
    let to = match address {
        0 => None,
        _ => Some(read_address(address, address_length)?),
    };
    let flags = flags as u32;
    let message = Outgoing {
        data: &mut Buffer::user(data, length.min(isize::MAX as u64) as usize),
        to,
        rights: Vec::new(),
        flags,
        nonblock: nonblocking(&description) || flags & MSG_DONTWAIT != 0,
    };
    send(&description, message)
}

pub fn recvfrom(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, data, length, flags, address, length_at] = args;
    let description = socket_description(fd)?;
    let socket = description.file.socket().ok_or(Errno::ENOTSOCK)?;
    let flags = flags as u32;
    let nonblock = nonblocking(&description) || flags & MSG_DONTWAIT != 0;
    let mut buffer = Buffer::user(data, length.min(isize::MAX as u64) as usize);
    let incoming = socket.receive(&mut buffer, flags, nonblock)?;
    if let Some(from) = &incoming.from {
        write_address(from, address, length_at)?;
    } else if address != 0 {
        write_user(length_at, &0u32)?;
    }
    Ok(reported_length(&buffer, &incoming, flags))
}

/// What a receive returns: the bytes copied, or with `MSG_TRUNC` a datagram's real length.
fn reported_length(buffer: &Buffer, incoming: &Incoming, flags: u32) -> usize {
    if flags & MSG_TRUNC != 0 && incoming.truncated {
        incoming.length
    } else {
        buffer.done()
    }
}

/// `struct msghdr`.
#[derive(Clone, Copy, Default)]
#[repr(C)]
struct MessageHeader {
    name: u64,
    name_length: u32,
    _pad: u32,
    iov: u64,
    iov_length: u64,
    control: u64,
    control_length: u64,
    flags: i32,
    _pad2: u32,
}

// SAFETY: `repr(C)` integers with explicit padding fields: no hidden padding, any bits.
unsafe impl crate::mm::user::Plain for MessageHeader {}

/// The descriptors of the `SCM_RIGHTS` messages in a send's control buffer.
fn read_rights(header: &MessageHeader) -> Result<Vec<Arc<FileDescription>>, Errno> {
    let mut rights = Vec::new();
    if header.control == 0 || header.control_length == 0 {
        return Ok(rights);
    }
    let length = (header.control_length as usize).min(64 * 1024);
    let mut control = vec![0u8; length];
    copy_from_user(&mut control, header.control)?;
    let mut at = 0;
    while at + CMSG_HEADER <= control.len() {
        let word =
            |offset: usize| u32::from_ne_bytes(control[offset..offset + 4].try_into().unwrap());
        let cmsg_length = u64::from_ne_bytes(control[at..at + 8].try_into().unwrap()) as usize;
        let (level, kind) = (word(at + 8), word(at + 12));
        if cmsg_length < CMSG_HEADER || cmsg_length > control.len() - at {
            return Err(Errno::EINVAL);
        }
        if level == SOL_SOCKET && kind == SCM_RIGHTS {
            let data = &control[at + CMSG_HEADER..at + cmsg_length];
            for fd in data.chunks_exact(4) {
                let fd = i32::from_ne_bytes(fd.try_into().unwrap());
                if rights.len() == SCM_MAX_FD || fd < 0 {
                    return Err(if fd < 0 { Errno::EBADF } else { Errno::EINVAL });
                }
                rights.push(fd_table::get(fd as u64)?);
            }
        } else if level == SOL_SOCKET && kind != SCM_CREDENTIALS {
            return Err(Errno::EINVAL);
        }
        at += cmsg_length.next_multiple_of(CMSG_ALIGNMENT);
    }
    Ok(rights)
}

fn send_message(description: &FileDescription, header_at: u64, flags: u32) -> Result<usize, Errno> {
    let header: MessageHeader = read_user(header_at)?;
    let to = match header.name {
        0 => None,
        name => Some(read_address(name, header.name_length as u64)?),
    };
    let message = Outgoing {
        data: &mut iovec_buffer(header.iov, header.iov_length)?,
        to,
        rights: read_rights(&header)?,
        flags,
        nonblock: nonblocking(description) || flags & MSG_DONTWAIT != 0,
    };
    send(description, message)
}

pub fn sendmsg(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, header, flags, ..] = args;
    let description = socket_description(fd)?;
    send_message(&description, header, flags as u32)
}

/// Installs received descriptors and writes them as one `SCM_RIGHTS` message into the
/// control buffer; returns the control length used and whether some did not fit.
fn write_rights(
    header: &MessageHeader,
    rights: Vec<Arc<FileDescription>>,
    flags: u32,
) -> Result<(u64, bool), Errno> {
    if rights.is_empty() {
        return Ok((0, false));
    }
    let room = if header.control == 0 {
        0
    } else {
        header.control_length as usize
    };
    let fitting = room.saturating_sub(CMSG_HEADER) / 4;
    let received = rights.len();
    let count = fitting.min(received);
    if count == 0 {
        return Ok((0, true));
    }
    let mut fds = Vec::with_capacity(count);
    for description in rights.into_iter().take(count) {
        fds.push(fd_table::install(description, flags & MSG_CMSG_CLOEXEC != 0)? as i32);
    }
    let length = CMSG_HEADER + 4 * count;
    let mut bytes = Vec::with_capacity(length);
    bytes.extend_from_slice(&(length as u64).to_ne_bytes());
    bytes.extend_from_slice(&SOL_SOCKET.to_ne_bytes());
    bytes.extend_from_slice(&SCM_RIGHTS.to_ne_bytes());
    for fd in &fds {
        bytes.extend_from_slice(&fd.to_ne_bytes());
    }
    copy_to_user(header.control, &bytes)?;
    let used = length.next_multiple_of(CMSG_ALIGNMENT).min(room);
    Ok((used as u64, count < received))
}

fn receive_message(
    description: &FileDescription,
    header_at: u64,
    flags: u32,
) -> Result<usize, Errno> {
    let socket = description.file.socket().ok_or(Errno::ENOTSOCK)?;
    let mut header: MessageHeader = read_user(header_at)?;
    let mut buffer = iovec_buffer(header.iov, header.iov_length)?;
    let nonblock = nonblocking(description) || flags & MSG_DONTWAIT != 0;
    let incoming = socket.receive(&mut buffer, flags, nonblock)?;
    let length = reported_length(&buffer, &incoming, flags);

    let mut out_flags = if incoming.truncated { MSG_TRUNC } else { 0 };
    let (control_length, cut) = write_rights(&header, incoming.rights, flags)?;
    if cut {
        out_flags |= MSG_CTRUNC;
    }
    header.control_length = control_length;
    header.flags = out_flags as i32;
    match (&incoming.from, header.name) {
        (Some(from), name) if name != 0 => {
            let bytes = from.encode();
            let count = bytes.len().min(header.name_length as usize);
            copy_to_user(name, &bytes[..count])?;
            header.name_length = bytes.len() as u32;
        }
        _ => header.name_length = 0,
    }
    write_user(header_at, &header)?;
    Ok(length)
}

pub fn recvmsg(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, header, flags, ..] = args;
    let description = socket_description(fd)?;
    receive_message(&description, header, flags as u32)
}

/// `struct mmsghdr` is a `msghdr` and the length sent or received, padded to 64 bytes.
const MMSG_SIZE: u64 = 64;
const MMSG_LENGTH_OFFSET: u64 = 56;

pub fn sendmmsg(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, vector, count, flags, ..] = args;
    let description = socket_description(fd)?;
    let mut sent = 0;
    for index in 0..count.min(MAX_MESSAGES) {
        let at = vector.wrapping_add(index * MMSG_SIZE);
        match send_message(&description, at, flags as u32) {
            Ok(length) => write_user(at + MMSG_LENGTH_OFFSET, &(length as u32))?,
            Err(errno) if sent == 0 => return Err(errno),
            Err(_) => break,
        }
        sent += 1;
    }
    Ok(sent)
}

pub fn recvmmsg(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, vector, count, flags, timeout, ..] = args;
    let description = socket_description(fd)?;
    let deadline = match timeout {
        0 => None,
        at => Some(crate::time::monotonic_ns().saturating_add(super::time::read_timespec(at)?)),
    };
    let mut flags = flags as u32;
    let mut received = 0;
    for index in 0..count.min(MAX_MESSAGES) {
        let at = vector.wrapping_add(index * MMSG_SIZE);
        match receive_message(&description, at, flags) {
            Ok(length) => write_user(at + MMSG_LENGTH_OFFSET, &(length as u32))?,
            Err(errno) if received == 0 => return Err(errno),
            Err(_) => break,
        }
        received += 1;
        if flags & MSG_WAITFORONE != 0 {
            flags |= MSG_DONTWAIT;
        }
        if deadline.is_some_and(|deadline| crate::time::monotonic_ns() >= deadline) {
            break;
        }
    }
    Ok(received)
}
