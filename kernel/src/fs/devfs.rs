//! `/dev`: an in-memory directory holding the character devices, the links to the
//! standard streams and `/dev/fd`, and the `/dev/shm` tmpfs.

use alloc::sync::Arc;

use super::devices::{Device, DeviceNode};
use super::inode::{Inode, NewNode};
use super::memfs::{MemFs, MemNode, TMPFS_MAGIC};

const DEVICES: [(&[u8], Device); 7] = [
    (b"null", Device::Null),
    (b"zero", Device::Zero),
    (b"full", Device::Full),
    (b"random", Device::Random),
    (b"urandom", Device::Urandom),
    (b"tty", Device::Tty),
    (b"console", Device::Console),
];

const LINKS: [(&[u8], &[u8]); 4] = [
    (b"fd", b"/proc/self/fd"),
    (b"stdin", b"/proc/self/fd/0"),
    (b"stdout", b"/proc/self/fd/1"),
    (b"stderr", b"/proc/self/fd/2"),
];

/// Builds `/dev`, whose `..` is `parent`.
pub fn build(parent: &Arc<MemNode>) -> Arc<MemNode> {
    let fs = MemFs::new(0x03, TMPFS_MAGIC, false, 2);
    let dev = MemNode::new_directory(fs, 1, 0o755, Some(parent.weak()));
    for (name, device) in DEVICES {
        let node: Arc<dyn Inode> = DeviceNode::new(&fs.info, fs.new_inode_number(), device);
        dev.mount(name, node);
    }
    for (name, target) in LINKS {
        // A fresh writable directory: creating the links cannot fail.
        let _ = dev.create(name, NewNode::Symlink(target), 0o777);
    }
    let shm_fs = MemFs::new(0x04, TMPFS_MAGIC, false, 2);
    let shm = MemNode::new_directory(shm_fs, 1, 0o1777, Some(dev.weak()));
    dev.mount(b"shm", shm);
    dev
}
