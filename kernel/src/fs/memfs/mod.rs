//! The in-memory filesystem: the writable root (built over the boot image, whose files it
//! serves in place until they change), `/tmp`, `/dev/shm`, `/dev` and memfd files (tmpfs in
//! Linux terms, see tmpfs(5)).

mod content;
mod entries;
pub mod image_tree;
mod namespace;
mod regular;

use alloc::boxed::Box;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use spin::Mutex;

pub use content::Content;
pub use entries::{Child, Entries, Name};

use super::dir_file::DirectoryFile;
use super::file::File;
use super::inode::{
    AttributeChange, DirEntry, DirPosition, FileSystem, FileType, Inode, Metadata, NewNode, Time,
};
use super::open_flags::OpenFlags;
use crate::syscall::errno::Errno;

/// Magic numbers `statfs` reports (include/uapi/linux/magic.h).
pub const TMPFS_MAGIC: u64 = 0x0102_1994;
pub const RAMFS_MAGIC: u64 = 0x8584_58f6;

/// What `st_size` of a directory counts per entry, as tmpfs does.
const BOGO_DIRENT_SIZE: u64 = 20;

pub struct MemFs {
    pub info: FileSystem,
    next_inode: AtomicU64,
}

impl MemFs {
    /// A new filesystem, alive for the rest of the run; inode numbers start at `first_inode`.
    pub fn new(device: u64, magic: u64, read_only: bool, first_inode: u64) -> &'static MemFs {
        Box::leak(Box::new(MemFs {
            info: FileSystem {
                device,
                magic,
                read_only,
            },
            next_inode: AtomicU64::new(first_inode),
        }))
    }

    pub fn new_inode_number(&self) -> u64 {
        self.next_inode.fetch_add(1, Ordering::Relaxed)
    }
}

pub struct Attributes {
    /// File type and permission bits.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Hard links (regular files and symbolic links).
    pub links: u32,
    pub accessed: Time,
    pub modified: Time,
    pub changed: Time,
}

impl Attributes {
    pub fn new(mode: u32, time: Time) -> Attributes {
        Attributes {
            mode,
            uid: 0,
            gid: 0,
            links: 1,
            accessed: time,
            modified: time,
            changed: time,
        }
    }

    /// Marks a change of the data (`mtime` and `ctime`).
    pub fn touch(&mut self) {
        let now = Time::now();
        self.modified = now;
        self.changed = now;
    }
}

pub struct Directory {
    pub entries: Entries,
    /// `..`; `None` for the root of the whole tree.
    pub parent: Option<Weak<dyn Inode>>,
    pub subdirectories: u32,
    /// Removed with `rmdir` while still open or the working directory.
    pub removed: bool,
}

pub enum LinkTarget {
    Image(&'static [u8]),
    Owned(Vec<u8>),
}

pub enum Body {
    Directory(Mutex<Directory>),
    Regular(Mutex<Content>),
    Symlink(LinkTarget),
    /// A unix socket's name; the socket itself is found through `net::unix`.
    Socket,
}

pub struct MemNode {
    /// This node, for the `..` of new subdirectories.
    me: Weak<MemNode>,
    pub fs: &'static MemFs,
    pub inode: u64,
    pub attributes: Mutex<Attributes>,
    pub body: Body,
    /// memfd seals (`F_ADD_SEALS`); 0 for other files.
    pub seals: AtomicU32,
}

impl MemNode {
    pub fn new(fs: &'static MemFs, inode: u64, attributes: Attributes, body: Body) -> Arc<MemNode> {
        Arc::new_cyclic(|me| MemNode {
            me: me.clone(),
            fs,
            inode,
            attributes: Mutex::new(attributes),
            body,
            seals: AtomicU32::new(0),
        })
    }

    /// A weak reference to this node, as a directory's `..` holds it.
    pub fn weak(&self) -> Weak<dyn Inode> {
        self.me.clone()
    }

    /// An empty directory whose `..` is `parent`.
    pub fn new_directory(
        fs: &'static MemFs,
        inode: u64,
        mode: u32,
        parent: Option<Weak<dyn Inode>>,
    ) -> Arc<MemNode> {
        let attributes = Attributes::new(
            FileType::Directory.mode_bits() | (mode & 0o7777),
            Time::now(),
        );
        let directory = Directory {
            entries: Entries::new(),
            parent,
            subdirectories: 0,
            removed: false,
        };
        Self::new(
            fs,
            inode,
            attributes,
            Body::Directory(Mutex::new(directory)),
        )
    }

    /// An unlinked regular file (`O_TMPFILE`, `memfd_create`).
    pub fn new_unlinked_file(fs: &'static MemFs, mode: u32) -> Arc<MemNode> {
        let mut attributes =
            Attributes::new(FileType::Regular.mode_bits() | (mode & 0o7777), Time::now());
        attributes.links = 0;
        Self::new(
            fs,
            fs.new_inode_number(),
            attributes,
            Body::Regular(Mutex::new(Content::empty())),
        )
    }

    pub fn directory(&self) -> Result<&Mutex<Directory>, Errno> {
        match &self.body {
            Body::Directory(directory) => Ok(directory),
            _ => Err(Errno::ENOTDIR),
        }
    }

    pub fn content(&self) -> Result<&Mutex<Content>, Errno> {
        match &self.body {
            Body::Regular(content) => Ok(content),
            Body::Directory(_) => Err(Errno::EISDIR),
            Body::Symlink(_) | Body::Socket => Err(Errno::EINVAL),
        }
    }

    /// Puts another filesystem's root at `name`, hiding what was there (boot only).
    pub fn mount(&self, name: &[u8], root: Arc<dyn Inode>) {
        if let Ok(directory) = self.directory() {
            let is_directory = root.metadata().is_directory();
            let mut directory = directory.lock();
            let hidden = directory.entries.insert(Child {
                name: Name::owned(name),
                inode: root,
                mount: true,
            });
            let hid_directory = hidden.is_some_and(|old| old.inode.metadata().is_directory());
            if is_directory && !hid_directory {
                directory.subdirectories += 1;
            }
        }
    }

    fn size_and_blocks(&self) -> (u64, u64) {
        match &self.body {
            Body::Directory(directory) => {
                let count = directory.lock().entries.len() as u64 + 2;
                (count * BOGO_DIRENT_SIZE, 0)
            }
            Body::Regular(content) => {
                let content = content.lock();
                (content.size(), content.blocks())
            }
            Body::Symlink(LinkTarget::Image(target)) => (target.len() as u64, 0),
            Body::Symlink(LinkTarget::Owned(target)) => (target.len() as u64, 0),
            Body::Socket => (0, 0),
        }
    }

    fn links(&self, attributes: &Attributes) -> u32 {
        match &self.body {
            Body::Directory(directory) => {
                let directory = directory.lock();
                if directory.removed {
                    0
                } else {
                    2 + directory.subdirectories
                }
            }
            _ => attributes.links,
        }
    }
}

/// memfd seal bits (fcntl(2), "File sealing").
const F_SEAL_SHRINK: u32 = 2;
const F_SEAL_GROW: u32 = 4;
const F_SEAL_WRITE: u32 = 8;
const F_SEAL_FUTURE_WRITE: u32 = 0x10;

impl MemNode {
    /// `EPERM` if seals forbid changing the size from `old` to `new`.
    pub fn check_resize(&self, old: u64, new: u64) -> Result<(), Errno> {
        let seals = self.seals.load(Ordering::Relaxed);
        if new < old && seals & F_SEAL_SHRINK != 0 || new > old && seals & F_SEAL_GROW != 0 {
            return Err(Errno::EPERM);
        }
        Ok(())
    }

    /// `EPERM` if seals forbid writing.
    pub fn check_write(&self) -> Result<(), Errno> {
        if self.seals.load(Ordering::Relaxed) & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) != 0 {
            return Err(Errno::EPERM);
        }
        Ok(())
    }
}

/// Downcasts an inode to an in-memory node.
pub fn as_mem_node(inode: &Arc<dyn Inode>) -> Option<Arc<MemNode>> {
    let any: Arc<dyn Any + Send + Sync> = inode.clone().as_any_arc();
    any.downcast::<MemNode>().ok()
}

impl Inode for MemNode {
    fn metadata(&self) -> Metadata {
        let (size, blocks) = self.size_and_blocks();
        let attributes = self.attributes.lock();
        Metadata {
            device: self.fs.info.device,
            inode: self.inode,
            mode: attributes.mode,
            links: self.links(&attributes),
            uid: attributes.uid,
            gid: attributes.gid,
            size,
            rdev: 0,
            block_size: 4096,
            blocks,
            accessed: attributes.accessed,
            modified: attributes.modified,
            changed: attributes.changed,
        }
    }

    fn filesystem(&self) -> &'static FileSystem {
        &self.fs.info
    }

    fn open(self: Arc<Self>, flags: OpenFlags) -> Result<Arc<dyn File>, Errno> {
        match &self.body {
            Body::Directory(_) => Ok(Arc::new(DirectoryFile::new(self))),
            Body::Regular(_) => regular::open(self, flags),
            Body::Symlink(_) => Err(Errno::ELOOP),
            // As on Linux: a socket is reached with connect(2), not open(2).
            Body::Socket => Err(Errno::ENXIO),
        }
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn Inode>, Errno> {
        let directory = self.directory()?.lock();
        directory
            .entries
            .get(name)
            .map(|child| child.inode)
            .ok_or(Errno::ENOENT)
    }

    fn parent(&self) -> Option<Arc<dyn Inode>> {
        self.directory().ok()?.lock().parent.as_ref()?.upgrade()
    }

    fn read_dir(
        &self,
        position: DirPosition,
        visit: &mut dyn FnMut(DirEntry) -> bool,
    ) -> Result<(), Errno> {
        const BATCH: usize = 64;
        let mut index = position.index.max(2);
        let mut after: Option<Name> = position.after.map(Name::owned);
        loop {
            // Taken in batches, so that `visit` (which writes to the application) runs
            // without the directory locked.
            let batch: Vec<Child> = {
                let directory = self.directory()?.lock();
                let skip = (index - 2) as usize;
                let name = after.as_ref().map(Name::as_bytes);
                directory.entries.listing(name, skip).take(BATCH).collect()
            };
            for child in &batch {
                let metadata = child.inode.metadata();
                let entry = DirEntry {
                    next: index + 1,
                    inode: metadata.inode,
                    kind: metadata.file_type().unwrap_or(FileType::Regular),
                    name: child.name.as_bytes(),
                };
                if !visit(entry) {
                    return Ok(());
                }
                index += 1;
                after = Some(child.name.clone());
            }
            if batch.len() < BATCH {
                return Ok(());
            }
        }
    }

    fn create(&self, name: &[u8], node: NewNode, mode: u32) -> Result<Arc<dyn Inode>, Errno> {
        self.create_child(name, node, mode)
    }

    fn link(&self, name: &[u8], inode: &Arc<dyn Inode>) -> Result<(), Errno> {
        self.link_child(name, inode)
    }

    fn unlink(&self, name: &[u8], directory: bool) -> Result<(), Errno> {
        self.unlink_child(name, directory)
    }

    fn rename(
        &self,
        name: &[u8],
        target: &Arc<dyn Inode>,
        new_name: &[u8],
        flags: u32,
    ) -> Result<(), Errno> {
        namespace::rename(self, name, target, new_name, flags)
    }

    fn read_link(&self) -> Result<Vec<u8>, Errno> {
        match &self.body {
            Body::Symlink(LinkTarget::Image(target)) => Ok(target.to_vec()),
            Body::Symlink(LinkTarget::Owned(target)) => Ok(target.clone()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn set_attributes(&self, change: &AttributeChange) -> Result<(), Errno> {
        self.fs.info.check_writable()?;
        let mut attributes = self.attributes.lock();
        if let Some(mode) = change.mode {
            attributes.mode = (attributes.mode & super::inode::S_IFMT) | (mode & 0o7777);
        }
        if let Some(uid) = change.uid {
            attributes.uid = uid;
        }
        if let Some(gid) = change.gid {
            attributes.gid = gid;
        }
        if let Some(time) = change.accessed {
            attributes.accessed = time;
        }
        if let Some(time) = change.modified {
            attributes.modified = time;
        }
        attributes.changed = Time::now();
        Ok(())
    }

    fn truncate(&self, size: u64) -> Result<(), Errno> {
        let content = self.content()?;
        self.fs.info.check_writable()?;
        let mut content = content.lock();
        self.check_resize(content.size(), size)?;
        content.truncate(size)?;
        drop(content);
        self.attributes.lock().touch();
        Ok(())
    }
}
