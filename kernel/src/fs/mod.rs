//! Files: the virtual filesystem (inodes, paths, open file descriptions, descriptors) and
//! the filesystems under it: the root served from the boot image with copy-on-write in
//! memory, tmpfs at `/tmp` and `/dev/shm`, devices in `/dev`, `/proc` and `/sys`; and the
//! files that live on no path (pipes, eventfd, timerfd, signalfd, epoll).

pub mod anon;
pub mod buffer;
pub mod console_file;
pub mod context;
pub mod description;
pub mod devfs;
pub mod devices;
pub mod dir_file;
pub mod epoll;
pub mod eventfd;
pub mod fd_table;
pub mod file;
pub mod image;
pub mod inode;
pub mod lock;
pub mod memfs;
pub mod missing;
pub mod open_flags;
pub mod path;
pub mod pipe;
pub mod poll;
mod proc;
pub mod signalfd;
pub mod synthetic;
pub mod timerfd;

use alloc::sync::Arc;

use pith_image::Image;
use spin::Once;

use console_file::{ConsoleFile, Stream};
use description::FileDescription;
use inode::Inode;
use memfs::{MemFs, RAMFS_MAGIC, TMPFS_MAGIC};
use open_flags::OpenFlags;
use path::Location;

/// The tmpfs of `/tmp`, where `O_TMPFILE` and `memfd_create` files also live.
static TMP_FS: Once<&'static MemFs> = Once::new();

/// Builds the directory tree (reading no file data), mounts the other filesystems, sets
/// the working directory from the manifest and opens descriptors 0, 1 and 2 on the console.
pub fn init(image: &Image<'static>) {
    let started = crate::time::monotonic_ns();
    let manifest = image.manifest();
    let root_fs = MemFs::new(
        0x01,
        RAMFS_MAGIC,
        manifest.read_only_root,
        memfs::image_tree::FIRST_NEW_INODE,
    );
    let tmp_fs = MemFs::new(0x02, TMPFS_MAGIC, false, memfs::image_tree::FIRST_NEW_INODE);
    TMP_FS.call_once(|| tmp_fs);
    let root = memfs::image_tree::build(root_fs, tmp_fs, image);
    let _ = synthetic::boot_time();
    log::debug!(
        "file tree built from the image in {} us",
        (crate::time::monotonic_ns() - started) / 1000
    );
    root.mount(b"dev", devfs::build(&root));
    let weak_root = root.weak();
    for (name, tree) in [(&b"proc"[..], proc::build()), (b"sys", proc::build_sys())] {
        synthetic::set_parent(&tree, weak_root.clone());
        root.mount(name, tree);
    }

    let root: Arc<dyn Inode> = root;
    let root = Location::new(root, b"/");
    context::init(root.clone(), root.clone());
    match path::resolve(root, &manifest.workdir, true) {
        Ok(cwd) if cwd.is_directory() => context::set_cwd(cwd),
        _ => log::warn!("the working directory is not a directory in the image: using /"),
    }

    for stream in [Stream::Input, Stream::Output, Stream::Error] {
        let console = Arc::new(ConsoleFile { stream });
        let _ = fd_table::install(
            FileDescription::anonymous(console, OpenFlags::O_RDWR),
            false,
        );
    }
}

/// The tmpfs that holds unnamed files (`O_TMPFILE` elsewhere than `/tmp` too, memfd).
pub fn tmp_fs() -> &'static MemFs {
    TMP_FS
        .get()
        .copied()
        .unwrap_or_else(|| MemFs::new(0x02, TMPFS_MAGIC, false, 2))
}
