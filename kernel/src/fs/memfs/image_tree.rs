//! Builds the root directory tree from the boot image at boot, walking the entry headers
//! once and never reading file data: names and contents stay slices of the image.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

use pith_image::{EntryKind, Image};
use spin::Mutex;

use super::{Attributes, Body, Child, Content, LinkTarget, MemFs, MemNode, Name};
use crate::fs::inode::{FileType, Inode, Time};

/// The root directory's inode number; image entries keep their own (32-bit) numbers.
pub const ROOT_INODE: u64 = 1;
/// Where the numbers of directories the tree makes, and of new files, start: above every
/// number an image entry can have.
pub const FIRST_NEW_INODE: u64 = 1 << 32;

/// The tree of `image` in `fs`; returns its root directory. `/tmp` is the root of
/// `tmp_fs`, mounted there, and holds what the image has under `tmp/`: a program packed
/// from a host's `/tmp` stays visible, and `/tmp` stays writable with a read-only root.
pub fn build(fs: &'static MemFs, tmp_fs: &'static MemFs, image: &Image<'static>) -> Arc<MemNode> {
    let root = MemNode::new_directory(fs, ROOT_INODE, 0o755, None);
    let tmp = MemNode::new_directory(tmp_fs, ROOT_INODE, 0o1777, Some(root.weak()));
    root.mount(b"tmp", tmp);
    // Entries usually follow their directory, so the last directory used is kept at hand,
    // and every directory by path, so that finding one never walks from the root.
    let mut recent: (&[u8], Arc<MemNode>) = (b"", root.clone());
    let mut directories: BTreeMap<&'static [u8], Arc<MemNode>> = BTreeMap::new();
    directories.insert(b"", root.clone());

    for entry in image.entries() {
        let (dir_path, name) = split_last(entry.path);
        if recent.0 != dir_path {
            recent = (dir_path, directory_at(&mut directories, dir_path));
        }
        let inode = u64::from(entry.ino).max(ROOT_INODE + 1);
        let time = Time::from_seconds(entry.mtime);
        let mut attributes = Attributes::new(entry.mode, time);
        attributes.uid = entry.uid;
        attributes.gid = entry.gid;
        let body = match entry.kind {
            EntryKind::Directory => {
                set_directory_attributes(&recent.1, name, attributes);
                continue;
            }
            EntryKind::File => Body::Regular(Mutex::new(Content::Image(entry.data))),
            EntryKind::Symlink => Body::Symlink(LinkTarget::Image(entry.data)),
        };
        // Entries below a mount point (`tmp/`) belong to the mounted filesystem.
        let node: Arc<dyn Inode> = MemNode::new(recent.1.fs, inode, attributes, body);
        add_child(&recent.1, Name::Image(name), node, false);
    }
    root
}

/// The directory at `path` (relative, clean), made on the way if the image lacks it.
fn directory_at(
    known: &mut BTreeMap<&'static [u8], Arc<MemNode>>,
    path: &'static [u8],
) -> Arc<MemNode> {
    // The ancestors not seen yet, deepest first (a loop: image paths can be deep).
    let mut missing: Vec<&'static [u8]> = Vec::new();
    let mut cursor = path;
    let mut directory = loop {
        if let Some(directory) = known.get(cursor) {
            break directory.clone();
        }
        missing.push(cursor);
        cursor = split_last(cursor).0;
    };
    for &path in missing.iter().rev() {
        directory = subdirectory(&directory, split_last(path).1);
        known.insert(path, directory.clone());
    }
    directory
}

/// A relative path's parent and last component (the parent of `a` is ``).
fn split_last(path: &'static [u8]) -> (&'static [u8], &'static [u8]) {
    match path.iter().rposition(|&byte| byte == b'/') {
        Some(cut) => (&path[..cut], &path[cut + 1..]),
        None => (&b""[..], path),
    }
}

/// The subdirectory `name` of `parent`, made if missing (or if a non-directory is there:
/// a well-formed image has no such conflict, and the later entry wins).
fn subdirectory(parent: &Arc<MemNode>, name: &'static [u8]) -> Arc<MemNode> {
    let fs = parent.fs;
    if let Ok(existing) = parent.lookup(name) {
        if let Some(node) = super::as_mem_node(&existing).filter(|node| node.directory().is_ok()) {
            return node;
        }
    }
    let node = MemNode::new_directory(fs, fs.new_inode_number(), 0o755, Some(parent.weak()));
    add_child(parent, Name::Image(name), node.clone(), true);
    node
}

/// Gives the directory `name` of `parent` the attributes of its image entry.
fn set_directory_attributes(parent: &Arc<MemNode>, name: &'static [u8], attributes: Attributes) {
    let directory = subdirectory(parent, name);
    let mut current = directory.attributes.lock();
    current.mode = FileType::Directory.mode_bits() | (attributes.mode & 0o7777);
    current.uid = attributes.uid;
    current.gid = attributes.gid;
    current.accessed = attributes.accessed;
    current.modified = attributes.modified;
    current.changed = attributes.changed;
}

fn add_child(parent: &Arc<MemNode>, name: Name, inode: Arc<dyn Inode>, is_directory: bool) {
    let Ok(directory) = parent.directory() else {
        return;
    };
    let mut directory = directory.lock();
    let replaced = directory.entries.insert(Child {
        name,
        inode,
        mount: false,
    });
    let replaced_directory = replaced.is_some_and(|old| old.inode.metadata().is_directory());
    if is_directory && !replaced_directory {
        directory.subdirectories += 1;
    }
}
