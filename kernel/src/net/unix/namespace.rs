//! The names unix sockets bind to (unix(7) "Address format"): a socket node in the
//! filesystem, found again by its inode, or a name in the abstract namespace, which has no
//! file and goes away with its socket. A [`Binding`] holds the name for as long as the
//! socket is open.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use spin::Mutex;

use super::endpoint::Endpoint;
use crate::fs::context;
use crate::fs::inode::{FileType, NewNode};
use crate::fs::path::{self, Last};
use crate::net::address::UnixAddress;
use crate::syscall::errno::Errno;

/// A bound name, as the registry knows it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    /// The socket node's device and inode number: renaming or linking the node keeps the
    /// socket reachable, and a new node at the same path is another name.
    Node {
        device: u64,
        inode: u64,
    },
    Abstract(Vec<u8>),
}

static NAMES: Mutex<BTreeMap<Key, Weak<Endpoint>>> = Mutex::new(BTreeMap::new());

/// The next autobind name to try (Linux starts at a random one).
static NEXT_AUTOBIND: AtomicU32 = AtomicU32::new(0);
/// Autobind names are five hex digits.
const AUTOBIND_NAMES: u32 = 0x10_0000;

/// A name held by a socket; dropping it frees the name (the node stays, as on Linux).
pub struct Binding {
    key: Key,
}

impl Drop for Binding {
    fn drop(&mut self) {
        NAMES.lock().remove(&self.key);
    }
}

fn register(key: Key, endpoint: &Arc<Endpoint>) -> Result<Binding, Errno> {
    let mut names = NAMES.lock();
    if names.contains_key(&key) {
        return Err(Errno::EADDRINUSE);
    }
    names.insert(key.clone(), Arc::downgrade(endpoint));
    Ok(Binding { key })
}

/// Binds `endpoint` to an abstract name.
pub fn bind_abstract(name: &[u8], endpoint: &Arc<Endpoint>) -> Result<Binding, Errno> {
    register(Key::Abstract(name.to_vec()), endpoint)
}

/// Creates the socket node `path` (relative to the working directory) with permissions
/// `0777` less the umask, as Linux does, and binds `endpoint` to it. `EADDRINUSE` if the
/// path exists.
pub fn bind_path(path: &[u8], endpoint: &Arc<Endpoint>) -> Result<Binding, Errno> {
    let parent = path::resolve_parent(context::cwd(), path)?;
    let Last::Name(name) = parent.last else {
        return Err(Errno::EADDRINUSE);
    };
    if parent.trailing_slash {
        return Err(Errno::ENOENT);
    }
    // Checked first, so that a name in a filesystem that cannot hold sockets (procfs)
    // is taken too.
    if parent.dir.inode.lookup(name).is_ok() {
        return Err(Errno::EADDRINUSE);
    }
    let mode = 0o777 & !context::umask();
    let node = match parent.dir.inode.create(name, NewNode::Socket, mode) {
        Err(Errno::EEXIST) => return Err(Errno::EADDRINUSE),
        other => other?,
    };
    let metadata = node.metadata();
    let key = Key::Node {
        device: metadata.device,
        inode: metadata.inode,
    };
    register(key, endpoint).inspect_err(|_| {
        let _ = parent.dir.inode.unlink(name, false);
    })
}

/// Removes the node a failed bind created.
pub fn unlink_path(path: &[u8]) {
    if let Ok(parent) = path::resolve_parent(context::cwd(), path) {
        if let Last::Name(name) = parent.last {
            let _ = parent.dir.inode.unlink(name, false);
        }
    }
}

/// Binds `endpoint` to a free abstract name of five hex digits (unix(7) "Autobind").
pub fn autobind(endpoint: &Arc<Endpoint>) -> Result<(UnixAddress, Binding), Errno> {
    for _ in 0..AUTOBIND_NAMES {
        let number = NEXT_AUTOBIND.fetch_add(1, Ordering::Relaxed) % AUTOBIND_NAMES;
        let name = format!("{number:05x}").into_bytes();
        match bind_abstract(&name, endpoint) {
            Ok(binding) => return Ok((UnixAddress::Abstract(name), binding)),
            Err(Errno::EADDRINUSE) => continue,
            Err(errno) => return Err(errno),
        }
    }
    Err(Errno::ENOSPC)
}

/// The socket bound to `address`, for `connect` and `sendto`: `ENOENT` (or another path
/// error) if a path does not exist, `ECONNREFUSED` if nothing is bound there, which is
/// also Linux's answer for a file that is not a socket.
pub fn lookup(address: &UnixAddress) -> Result<Arc<Endpoint>, Errno> {
    let key = match address {
        UnixAddress::Unnamed => return Err(Errno::EINVAL),
        UnixAddress::Abstract(name) => Key::Abstract(name.clone()),
        UnixAddress::Path(path) => {
            let location = path::resolve(context::cwd(), path, true)?;
            let metadata = location.inode.metadata();
            if metadata.file_type() != Some(FileType::Socket) {
                return Err(Errno::ECONNREFUSED);
            }
            Key::Node {
                device: metadata.device,
                inode: metadata.inode,
            }
        }
    };
    let names = NAMES.lock();
    names
        .get(&key)
        .and_then(Weak::upgrade)
        .ok_or(Errno::ECONNREFUSED)
}
