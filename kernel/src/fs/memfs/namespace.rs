//! Changing the names in in-memory directories: creating, linking, removing and renaming
//! entries (open(2), link(2), unlink(2), rmdir(2), rename(2)).

use alloc::sync::Arc;

use spin::{Mutex, MutexGuard};

use super::{as_mem_node, Attributes, Body, Child, Content, Directory, LinkTarget, MemNode, Name};
use crate::fs::inode::{FileType, Inode, NewNode, Time};
use crate::syscall::errno::Errno;

const RENAME_NOREPLACE: u32 = 1;
const RENAME_EXCHANGE: u32 = 2;
const RENAME_WHITEOUT: u32 = 4;

impl MemNode {
    /// The directory, locked, if it may change.
    fn open_directory(&self) -> Result<MutexGuard<'_, Directory>, Errno> {
        let directory = self.directory()?;
        self.fs.info.check_writable()?;
        let directory = directory.lock();
        if directory.removed {
            return Err(Errno::ENOENT);
        }
        Ok(directory)
    }

    /// The directory, locked, for a new entry `name`: as on Linux, an existing name is
    /// `EEXIST` even on a read-only filesystem.
    fn directory_for_new(&self, name: &[u8]) -> Result<MutexGuard<'_, Directory>, Errno> {
        let directory = self.directory()?.lock();
        if directory.entries.contains(name) {
            return Err(Errno::EEXIST);
        }
        if directory.removed {
            return Err(Errno::ENOENT);
        }
        self.fs.info.check_writable()?;
        Ok(directory)
    }

    pub(super) fn create_child(
        self: &MemNode,
        name: &[u8],
        node: NewNode,
        mode: u32,
    ) -> Result<Arc<dyn Inode>, Errno> {
        let mut directory = self.directory_for_new(name)?;
        let now = Time::now();
        let (kind, body) = match node {
            NewNode::Regular => (
                FileType::Regular,
                Body::Regular(Mutex::new(Content::empty())),
            ),
            NewNode::Symlink(target) => (
                FileType::Symlink,
                Body::Symlink(LinkTarget::Owned(target.to_vec())),
            ),
            NewNode::Socket => (FileType::Socket, Body::Socket),
            NewNode::Directory => (
                FileType::Directory,
                Body::Directory(Mutex::new(Directory {
                    entries: super::Entries::new(),
                    parent: Some(self.weak()),
                    subdirectories: 0,
                    removed: false,
                })),
            ),
        };
        let permissions = if kind == FileType::Symlink {
            0o777
        } else {
            mode & 0o7777
        };
        let attributes = Attributes::new(kind.mode_bits() | permissions, now);
        let inode: Arc<dyn Inode> =
            MemNode::new(self.fs, self.fs.new_inode_number(), attributes, body);
        directory.entries.insert(Child {
            name: Name::owned(name),
            inode: inode.clone(),
            mount: false,
        });
        if kind == FileType::Directory {
            directory.subdirectories += 1;
        }
        drop(directory);
        self.attributes.lock().touch();
        Ok(inode)
    }

    pub(super) fn link_child(&self, name: &[u8], inode: &Arc<dyn Inode>) -> Result<(), Errno> {
        let node = as_mem_node(inode).filter(|node| core::ptr::eq(node.fs, self.fs));
        let node = node.ok_or(Errno::EXDEV)?;
        if matches!(node.body, Body::Directory(_)) {
            return Err(Errno::EPERM);
        }
        let mut directory = self.directory_for_new(name)?;
        {
            let mut attributes = node.attributes.lock();
            attributes.links += 1;
            attributes.changed = Time::now();
        }
        directory.entries.insert(Child {
            name: Name::owned(name),
            inode: inode.clone(),
            mount: false,
        });
        drop(directory);
        self.attributes.lock().touch();
        Ok(())
    }

    pub(super) fn unlink_child(&self, name: &[u8], want_directory: bool) -> Result<(), Errno> {
        let mut directory = self.open_directory()?;
        let child = directory.entries.get(name).ok_or(Errno::ENOENT)?;
        if child.mount {
            return Err(Errno::EBUSY);
        }
        let is_directory = child.inode.metadata().is_directory();
        match (want_directory, is_directory) {
            (true, false) => return Err(Errno::ENOTDIR),
            (false, true) => return Err(Errno::EISDIR),
            (true, true) => mark_removed(&child.inode)?,
            (false, false) => {
                if let Some(node) = as_mem_node(&child.inode) {
                    let mut attributes = node.attributes.lock();
                    attributes.links = attributes.links.saturating_sub(1);
                    attributes.changed = Time::now();
                }
            }
        }
        directory.entries.remove(name);
        if is_directory {
            directory.subdirectories = directory.subdirectories.saturating_sub(1);
        }
        drop(directory);
        self.attributes.lock().touch();
        Ok(())
    }
}

/// Marks an empty directory removed; `ENOTEMPTY` if it is not empty.
fn mark_removed(inode: &Arc<dyn Inode>) -> Result<(), Errno> {
    let node = as_mem_node(inode).ok_or(Errno::EBUSY)?;
    let mut directory = node.directory()?.lock();
    if !directory.entries.is_empty() {
        return Err(Errno::ENOTEMPTY);
    }
    directory.removed = true;
    Ok(())
}

/// A directory cannot move below itself (`EINVAL`); checked before the directories are
/// locked, since walking up takes each ancestor's lock.
fn check_not_below(
    source: &MemNode,
    name: &[u8],
    target: &Arc<dyn Inode>,
    new_name: &[u8],
    flags: u32,
    same: bool,
) -> Result<(), Errno> {
    if same {
        return Ok(());
    }
    let old = source.lookup(name)?;
    if old.metadata().is_directory() && is_within(target, &old) {
        return Err(Errno::EINVAL);
    }
    if flags & RENAME_EXCHANGE != 0 {
        let source_inode: Arc<dyn Inode> = source.weak().upgrade().ok_or(Errno::ENOENT)?;
        if let Ok(existing) = target.lookup(new_name) {
            if existing.metadata().is_directory() && is_within(&source_inode, &existing) {
                return Err(Errno::EINVAL);
            }
        }
    }
    Ok(())
}

/// Whether `node` is `ancestor` or lies below it.
fn is_within(node: &Arc<dyn Inode>, ancestor: &Arc<dyn Inode>) -> bool {
    let mut current = Some(node.clone());
    while let Some(inode) = current {
        if Arc::ptr_eq(&inode, ancestor) {
            return true;
        }
        current = inode.parent();
    }
    false
}

/// Checks that `new` may be replaced by `old` in a rename.
fn check_replace(old: &Child, new: &Child) -> Result<(), Errno> {
    if new.mount {
        return Err(Errno::EBUSY);
    }
    let old_is_directory = old.inode.metadata().is_directory();
    let new_is_directory = new.inode.metadata().is_directory();
    match (old_is_directory, new_is_directory) {
        (true, false) => Err(Errno::ENOTDIR),
        (false, true) => Err(Errno::EISDIR),
        (true, true) => {
            let node = as_mem_node(&new.inode).ok_or(Errno::EBUSY)?;
            let empty = node.directory()?.lock().entries.is_empty();
            if empty {
                Ok(())
            } else {
                Err(Errno::ENOTEMPTY)
            }
        }
        (false, false) => Ok(()),
    }
}

/// One side of a rename: a directory and a name in it.
type Side<'a> = (&'a Arc<dyn Inode>, &'a [u8]);

/// `EINVAL` for flags renameat2(2) does not define or does not allow together.
fn check_flags(flags: u32) -> Result<(), Errno> {
    if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0
        || flags & RENAME_EXCHANGE != 0 && flags & (RENAME_NOREPLACE | RENAME_WHITEOUT) != 0
    {
        return Err(Errno::EINVAL);
    }
    if flags & RENAME_WHITEOUT != 0 {
        crate::warn_once!("renameat2: RENAME_WHITEOUT is not supported: it returns EINVAL");
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// `renameat2(2)` within one in-memory filesystem.
pub(super) fn rename(
    source: &MemNode,
    name: &[u8],
    target: &Arc<dyn Inode>,
    new_name: &[u8],
    flags: u32,
) -> Result<(), Errno> {
    check_flags(flags)?;
    let target_node = as_mem_node(target)
        .filter(|node| core::ptr::eq(node.fs, source.fs))
        .ok_or(Errno::EXDEV)?;
    source.fs.info.check_writable()?;
    let same = core::ptr::eq(source, &*target_node);
    check_not_below(source, name, target, new_name, flags, same)?;
    let source_inode: Arc<dyn Inode> = source.weak().upgrade().ok_or(Errno::ENOENT)?;

    let (mut from, mut to) = lock_pair(source, &target_node, same)?;
    let old = from.entries.get(name).ok_or(Errno::ENOENT)?;
    if old.mount {
        return Err(Errno::EBUSY);
    }
    let existing = match &to {
        Some(to) => to.entries.get(new_name),
        None => from.entries.get(new_name),
    };
    if existing
        .as_ref()
        .is_some_and(|existing| Arc::ptr_eq(&existing.inode, &old.inode))
    {
        return Ok(());
    }
    let sides = ((&source_inode, name), (target, new_name));
    if flags & RENAME_EXCHANGE != 0 {
        let existing = existing.ok_or(Errno::ENOENT)?;
        exchange(
            &mut from,
            to.as_deref_mut(),
            sides.0,
            sides.1,
            &old,
            &existing,
        )?;
    } else {
        if existing.is_some() && flags & RENAME_NOREPLACE != 0 {
            return Err(Errno::EEXIST);
        }
        replace(&mut from, to.as_deref_mut(), sides, &old, existing.as_ref())?;
    }
    drop((from, to));
    touch_both(source, &target_node, same);
    Ok(())
}

/// Moves `old` (in `from`) to `new_name` in `to` (or `from`), replacing `existing`.
fn replace(
    from: &mut Directory,
    to: Option<&mut Directory>,
    ((source, name), (target, new_name)): (Side, Side),
    old: &Child,
    existing: Option<&Child>,
) -> Result<(), Errno> {
    let old_is_directory = old.inode.metadata().is_directory();
    let mut replaced_directory = false;
    if let Some(existing) = existing {
        // Replacing an ancestor of the source: it holds at least the source.
        if Arc::ptr_eq(source, &existing.inode) {
            return Err(Errno::ENOTEMPTY);
        }
        check_replace(old, existing)?;
        replaced_directory = old_is_directory;
        if old_is_directory {
            mark_removed(&existing.inode)?;
        } else if let Some(node) = as_mem_node(&existing.inode) {
            let mut attributes = node.attributes.lock();
            attributes.links = attributes.links.saturating_sub(1);
        }
    }

    from.entries.remove(name);
    let child = Child {
        name: Name::owned(new_name),
        ..old.clone()
    };
    match to {
        Some(to) => {
            if replaced_directory {
                to.subdirectories = to.subdirectories.saturating_sub(1);
            }
            to.entries.insert(child);
            reparent(&old.inode, target, old_is_directory, from, to);
        }
        None => {
            if replaced_directory {
                from.subdirectories = from.subdirectories.saturating_sub(1);
            }
            from.entries.insert(child);
        }
    }
    if let Some(node) = as_mem_node(&old.inode) {
        node.attributes.lock().changed = Time::now();
    }
    Ok(())
}

type Locked<'a> = MutexGuard<'a, Directory>;

/// Locks the source directory and, if different, the target, in address order.
fn lock_pair<'a>(
    source: &'a MemNode,
    target: &'a MemNode,
    same: bool,
) -> Result<(Locked<'a>, Option<Locked<'a>>), Errno> {
    let source_lock = source.directory()?;
    let target_lock = target.directory()?;
    let (from, to) = if same {
        (source_lock.lock(), None)
    } else if (source as *const MemNode) < (target as *const MemNode) {
        let from = source_lock.lock();
        (from, Some(target_lock.lock()))
    } else {
        let to = target_lock.lock();
        (source_lock.lock(), Some(to))
    };
    if from.removed || to.as_ref().is_some_and(|to| to.removed) {
        return Err(Errno::ENOENT);
    }
    Ok((from, to))
}

/// `RENAME_EXCHANGE`: `old` (in `from`) and `existing` (in `to`, or `from` too) swap names.
fn exchange(
    from: &mut Directory,
    to: Option<&mut Directory>,
    (source, name): Side,
    (target, new_name): Side,
    old: &Child,
    existing: &Child,
) -> Result<(), Errno> {
    if existing.mount {
        return Err(Errno::EBUSY);
    }
    let old_is_directory = old.inode.metadata().is_directory();
    let new_is_directory = existing.inode.metadata().is_directory();
    let renamed = |child: &Child, name: &[u8]| Child {
        name: Name::owned(name),
        ..child.clone()
    };
    match to {
        None => {
            from.entries.insert(renamed(old, new_name));
            from.entries.insert(renamed(existing, name));
        }
        Some(to) => {
            to.entries.insert(renamed(old, new_name));
            from.entries.insert(renamed(existing, name));
            reparent(&old.inode, target, old_is_directory, from, to);
            reparent(&existing.inode, source, new_is_directory, to, from);
        }
    }
    Ok(())
}

/// A moved directory's `..` becomes `target`, and the subdirectory counts follow it.
fn reparent(
    inode: &Arc<dyn Inode>,
    target: &Arc<dyn Inode>,
    is_directory: bool,
    from: &mut Directory,
    to: &mut Directory,
) {
    if !is_directory {
        return;
    }
    from.subdirectories = from.subdirectories.saturating_sub(1);
    to.subdirectories += 1;
    if let Some(node) = as_mem_node(inode) {
        if let Ok(directory) = node.directory() {
            directory.lock().parent = Some(Arc::downgrade(target));
        }
    }
}

fn touch_both(source: &MemNode, target: &MemNode, same: bool) {
    source.attributes.lock().touch();
    if !same {
        target.attributes.lock().touch();
    }
}
