//! Character devices in `/dev`: null, zero, full, random, urandom, tty and console
//! (null(4), zero(4), full(4), random(4), tty(4), console(4)).

use alloc::sync::Arc;

use spin::Mutex;

use super::buffer::Buffer;
use super::console_file::{ConsoleFile, Stream};
use super::file::{File, IoFlags};
use super::inode::{AttributeChange, FileSystem, FileType, Inode, Metadata, Time};
use super::open_flags::OpenFlags;
use crate::mm::address_space::Backing;
use crate::syscall::errno::{Errno, SysResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Null,
    Zero,
    Full,
    Random,
    Urandom,
    Tty,
    Console,
}

impl Device {
    /// Major and minor number (Documentation/admin-guide/devices.txt).
    fn numbers(self) -> (u32, u32) {
        match self {
            Device::Null => (1, 3),
            Device::Zero => (1, 5),
            Device::Full => (1, 7),
            Device::Random => (1, 8),
            Device::Urandom => (1, 9),
            Device::Tty => (5, 0),
            Device::Console => (5, 1),
        }
    }

    /// `st_rdev` as the kernel encodes it (`new_encode_dev`).
    pub fn rdev(self) -> u64 {
        let (major, minor) = self.numbers();
        u64::from((minor & 0xff) | (major << 8) | ((minor & !0xff) << 12))
    }

    fn permissions(self) -> u32 {
        match self {
            Device::Tty => 0o666,
            Device::Console => 0o600,
            _ => 0o666,
        }
    }
}

/// A device's inode in `/dev`.
pub struct DeviceNode {
    fs: &'static FileSystem,
    inode: u64,
    device: Device,
    attributes: Mutex<(u32, u32, u32, Time, Time)>,
}

impl DeviceNode {
    pub fn new(fs: &'static FileSystem, inode: u64, device: Device) -> Arc<DeviceNode> {
        let now = Time::now();
        Arc::new(DeviceNode {
            fs,
            inode,
            device,
            attributes: Mutex::new((device.permissions(), 0, 0, now, now)),
        })
    }
}

impl Inode for DeviceNode {
    fn metadata(&self) -> Metadata {
        let (permissions, uid, gid, accessed, modified) = *self.attributes.lock();
        Metadata {
            device: self.fs.device,
            inode: self.inode,
            mode: FileType::CharDevice.mode_bits() | permissions,
            links: 1,
            uid,
            gid,
            rdev: self.device.rdev(),
            block_size: 4096,
            accessed,
            modified,
            changed: modified,
            ..Metadata::default()
        }
    }

    fn filesystem(&self) -> &'static FileSystem {
        self.fs
    }

    fn open(self: Arc<Self>, _flags: OpenFlags) -> Result<Arc<dyn File>, Errno> {
        Ok(match self.device {
            Device::Tty | Device::Console => Arc::new(ConsoleFile {
                stream: Stream::Terminal,
            }),
            device => Arc::new(DeviceFile { device, node: self }),
        })
    }

    fn set_attributes(&self, change: &AttributeChange) -> Result<(), Errno> {
        let mut attributes = self.attributes.lock();
        if let Some(mode) = change.mode {
            attributes.0 = mode & 0o7777;
        }
        if let Some(uid) = change.uid {
            attributes.1 = uid;
        }
        if let Some(gid) = change.gid {
            attributes.2 = gid;
        }
        if let Some(time) = change.accessed {
            attributes.3 = time;
        }
        if let Some(time) = change.modified {
            attributes.4 = time;
        }
        Ok(())
    }
}

/// An open memory device.
pub struct DeviceFile {
    device: Device,
    node: Arc<DeviceNode>,
}

impl File for DeviceFile {
    fn read(&self, _: &mut u64, buffer: &mut Buffer, _: IoFlags) -> SysResult {
        let count = buffer.remaining();
        match self.device {
            Device::Null => return Ok(0),
            Device::Random | Device::Urandom => {
                let mut chunk = [0u8; 256];
                while buffer.remaining() > 0 {
                    let piece = buffer.remaining().min(chunk.len());
                    crate::random::fill(&mut chunk[..piece]);
                    buffer.put(&chunk[..piece])?;
                }
            }
            _ => buffer.put_zeros(count)?,
        }
        Ok(count)
    }

    fn write(&self, _: &mut u64, buffer: &mut Buffer, _: IoFlags) -> SysResult {
        match self.device {
            Device::Full => Err(Errno::ENOSPC),
            _ => Ok(buffer.remaining()),
        }
    }

    /// Positions are accepted and mean nothing, as on Linux.
    fn seekable(&self) -> bool {
        true
    }

    fn stat(&self) -> Metadata {
        self.node.metadata()
    }

    fn mmap(
        &self,
        _start: u64,
        _offset: u64,
        _shared: bool,
        _writable: bool,
    ) -> Result<Backing, Errno> {
        match self.device {
            Device::Zero => Ok(Backing::Anonymous),
            _ => Err(Errno::ENODEV),
        }
    }
}
