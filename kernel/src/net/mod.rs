//! Networking: sockets (socket(7)) of the unix family in the kernel, and of the internet
//! families over smoltcp on a virtio-net device and a loopback interface.

pub mod address;
mod config;
mod endpoint;
pub mod interfaces;
mod loopback;
pub mod options;
mod ports;
mod resolv;
pub mod socket;
pub mod stack;
mod tcp;
mod udp;
pub mod unix;

use alloc::sync::Arc;

use address::{AF_INET, AF_INET6, AF_UNIX};
use socket::{SOCK_DGRAM, SOCK_RAW, SOCK_STREAM};

use crate::fs::file::File;
use crate::syscall::errno::Errno;

pub use stack::{init, interrupt};

/// `AF_NETLINK`, which glibc tries for interface addresses and does without.
const AF_NETLINK: u16 = 16;
const IPPROTO_TCP: u32 = 6;
const IPPROTO_UDP: u32 = 17;

/// A new socket for `socket(family, kind, protocol)`.
pub fn create(family: u16, kind: u32, protocol: u32) -> Result<Arc<dyn File>, Errno> {
    match family {
        AF_UNIX => {
            if protocol != 0 && protocol != u32::from(AF_UNIX) {
                return Err(Errno::EPROTONOSUPPORT);
            }
            unix::new(kind)
        }
        AF_INET | AF_INET6 => match (kind, protocol) {
            (SOCK_STREAM, 0 | IPPROTO_TCP) => Ok(tcp::TcpSocket::new(family)?),
            (SOCK_DGRAM, 0 | IPPROTO_UDP) => Ok(udp::UdpSocket::new(family)?),
            (SOCK_STREAM | SOCK_DGRAM | SOCK_RAW, _) => Err(Errno::EPROTONOSUPPORT),
            _ => Err(Errno::ESOCKTNOSUPPORT),
        },
        AF_NETLINK => {
            log::info!("socket(AF_NETLINK): not supported: EAFNOSUPPORT");
            Err(Errno::EAFNOSUPPORT)
        }
        _ => {
            crate::warn_once!("socket: address family {family} is not supported: EAFNOSUPPORT");
            Err(Errno::EAFNOSUPPORT)
        }
    }
}

/// A connected pair for `socketpair`; only the unix family has them.
pub fn create_pair(family: u16, kind: u32, protocol: u32) -> Result<socket::Pair, Errno> {
    match family {
        AF_UNIX if protocol == 0 || protocol == u32::from(AF_UNIX) => unix::pair(kind),
        AF_UNIX => Err(Errno::EPROTONOSUPPORT),
        AF_INET | AF_INET6 => Err(Errno::EOPNOTSUPP),
        _ => Err(Errno::EAFNOSUPPORT),
    }
}

/// Runs `attempt` on the stack until it has an answer (`Ok(Some)`) or fails: once for a
/// nonblocking call (`EAGAIN` if not yet), else again after every change of the stack, for
/// at most `timeout` nanoseconds (then `EAGAIN`, as `SO_RCVTIMEO` and `SO_SNDTIMEO` ask).
pub fn wait_for<T>(
    nonblock: bool,
    timeout: Option<u64>,
    access: stack::Access,
    mut attempt: impl FnMut(&mut stack::Stack) -> Result<Option<T>, Errno>,
) -> Result<T, Errno> {
    // The poll after an attempt may take in what the thread waits for, and wake the waiters
    // before this thread is one of them: when the stack moved, try again before sleeping.
    let generation = || stack::peek(|stack| stack.generation).unwrap_or(0);
    let mut once = || loop {
        let before = generation();
        let result = stack::with(access, &mut attempt).and_then(|result| result);
        if !matches!(result, Ok(None)) || generation() == before {
            return result;
        }
    };
    if nonblock {
        return once()?.ok_or(Errno::EAGAIN);
    }
    let deadline = timeout.map(|timeout| crate::time::monotonic_ns().saturating_add(timeout));
    let waited = stack::EVENTS.wait_until(deadline, || match once() {
        Ok(None) => None,
        Ok(Some(value)) => Some(Ok(value)),
        Err(errno) => Some(Err(errno)),
    });
    match waited {
        Ok(result) => result,
        Err(Errno::ETIMEDOUT) => Err(Errno::EAGAIN),
        Err(errno) => Err(errno),
    }
}

/// Memory that must stay free after a socket takes its buffers (a TCP connection takes
/// 128 KiB), so that a flood of connections cannot starve the kernel.
const RESERVE: u64 = 2 << 20;

/// Whether a new socket's buffers fit, with the reserve to spare: in the heap's free bytes
/// and the contiguous frames it can grow by.
pub fn room_for_buffers(bytes: u64) -> bool {
    let (heap_used, heap_size) = crate::mm::heap::stats();
    let free = (heap_size - heap_used) as u64 + crate::mm::frame::largest_contiguous();
    free >= bytes + RESERVE
}

/// How long the program's start waits for the external interface's address (DHCP).
const ADDRESS_WAIT_NS: u64 = 5_000_000_000;

/// Waits until the external interface has its address, so that the program starts with a
/// working network; gives up after a few seconds with a warning.
pub fn wait_until_addressed() {
    let deadline = crate::time::monotonic_ns() + ADDRESS_WAIT_NS;
    let waited = stack::EVENTS.wait_until(Some(deadline), || stack::ready().then_some(()));
    if waited.is_err() {
        log::warn!("network: no address from DHCP after 5 s; starting without one");
    }
}

/// How long an exiting program's connections may take to deliver what they still hold.
const FLUSH_WAIT_NS: u64 = 5_000_000_000;

/// Before the VM powers off with the program's exit: as Linux closes an exiting process's
/// sockets and goes on sending what they hold, close every TCP connection and wait (a few
/// seconds at most) until their data and FINs are acknowledged.
pub fn flush_before_exit() {
    if stack::with(stack::Access::Write, |stack| stack.tcp_close_all()) != Ok(true) {
        return;
    }
    let deadline = crate::time::monotonic_ns() + FLUSH_WAIT_NS;
    let flushed = || stack::peek(|stack| stack.tcp_flushed()).unwrap_or(true);
    let _ = stack::EVENTS.wait_until(Some(deadline), || flushed().then_some(()));
}
