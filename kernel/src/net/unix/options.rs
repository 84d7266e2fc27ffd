//! Socket options of unix sockets: the common `SOL_SOCKET` ones, and those that depend on
//! the socket (`SO_TYPE`, `SO_ACCEPTCONN`, `SO_ERROR`, `SO_PEERCRED`; socket(7), unix(7)).
//! Unix sockets have no options at other levels.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::endpoint::Endpoint;
use crate::net::address::AF_UNIX;
use crate::net::options::{
    int_bytes, SOL_SOCKET, SO_ACCEPTCONN, SO_DOMAIN, SO_ERROR, SO_PEERCRED, SO_PROTOCOL, SO_TYPE,
};
use crate::net::socket::OptionName;
use crate::syscall::errno::Errno;

/// `getsockopt(2)`.
pub fn get(endpoint: &Arc<Endpoint>, option: OptionName) -> Result<Vec<u8>, Errno> {
    if option.level != SOL_SOCKET {
        return Err(Errno::EOPNOTSUPP);
    }
    let mut state = endpoint.state.lock();
    Ok(match option.name {
        SO_TYPE => int_bytes(endpoint.kind as i32),
        SO_DOMAIN => int_bytes(AF_UNIX.into()),
        SO_PROTOCOL => int_bytes(0),
        SO_ACCEPTCONN => int_bytes(state.is_listening().into()),
        // Reading the error clears it.
        SO_ERROR => int_bytes(state.error.take().map_or(0, |errno| errno.0)),
        SO_PEERCRED => credentials(state.credentials),
        name => state.options.get(name)?,
    })
}

/// `struct ucred` of the peer. There is one process, root of its VM; a socket without a
/// peer reports pid 0 and ids -1, as Linux does.
fn credentials(known: bool) -> Vec<u8> {
    let (pid, uid, gid): (i32, i32, i32) = if known {
        (crate::task::PID as i32, 0, 0)
    } else {
        (0, -1, -1)
    };
    let mut bytes = int_bytes(pid);
    bytes.extend_from_slice(&uid.to_ne_bytes());
    bytes.extend_from_slice(&gid.to_ne_bytes());
    bytes
}

/// `setsockopt(2)`.
pub fn set(endpoint: &Arc<Endpoint>, option: OptionName, value: &[u8]) -> Result<(), Errno> {
    if option.level != SOL_SOCKET {
        return Err(Errno::EOPNOTSUPP);
    }
    endpoint.state.lock().options.set(option.name, value)?;
    // A larger SO_SNDBUF may let waiting writers on.
    endpoint.account.wake();
    Ok(())
}
