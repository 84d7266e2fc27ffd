//! The entries of one in-memory directory, in a map sorted by name: lookups take O(log n),
//! and a listing continues after the last name it returned, so that it misses nothing
//! while entries are removed (as `rm -r` does between `getdents` calls).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::borrow::Borrow;
use core::cmp::Ordering;
use core::ops::Bound;

use crate::fs::inode::Inode;

/// A name: borrowed from the image for entries that came from it, owned otherwise.
#[derive(Clone)]
pub enum Name {
    Image(&'static [u8]),
    Owned(Arc<[u8]>),
}

impl Name {
    pub fn owned(bytes: &[u8]) -> Name {
        Name::Owned(bytes.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Name::Image(bytes) => bytes,
            Name::Owned(bytes) => bytes,
        }
    }
}

impl Borrow<[u8]> for Name {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Name {}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

#[derive(Clone)]
pub struct Child {
    pub name: Name,
    pub inode: Arc<dyn Inode>,
    /// The root of another filesystem mounted here: it cannot be removed or renamed.
    pub mount: bool,
}

/// What the map keeps per name.
#[derive(Clone)]
struct Slot {
    inode: Arc<dyn Inode>,
    mount: bool,
}

/// The entries of a directory, sorted by name.
pub struct Entries {
    map: BTreeMap<Name, Slot>,
}

impl Entries {
    pub fn new() -> Entries {
        Entries {
            map: BTreeMap::new(),
        }
    }

    pub fn get(&self, name: &[u8]) -> Option<Child> {
        let (name, slot) = self.map.get_key_value(name)?;
        Some(Child {
            name: name.clone(),
            inode: slot.inode.clone(),
            mount: slot.mount,
        })
    }

    pub fn contains(&self, name: &[u8]) -> bool {
        self.map.contains_key(name)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Adds `child`, replacing an entry of the same name, which is returned.
    pub fn insert(&mut self, child: Child) -> Option<Child> {
        let slot = Slot {
            inode: child.inode,
            mount: child.mount,
        };
        let old = self.map.insert(child.name.clone(), slot)?;
        Some(Child {
            name: child.name,
            inode: old.inode,
            mount: old.mount,
        })
    }

    pub fn remove(&mut self, name: &[u8]) -> Option<Child> {
        let (name, slot) = self.map.remove_entry(name)?;
        Some(Child {
            name,
            inode: slot.inode,
            mount: slot.mount,
        })
    }

    /// The entries after the name `after`, or if none is given, from the `skip`th on.
    pub fn listing(&self, after: Option<&[u8]>, skip: usize) -> impl Iterator<Item = Child> + '_ {
        let entries: alloc::boxed::Box<dyn Iterator<Item = (&Name, &Slot)>> = match after {
            Some(name) => alloc::boxed::Box::new(
                self.map
                    .range::<[u8], _>((Bound::Excluded(name), Bound::Unbounded)),
            ),
            None => alloc::boxed::Box::new(self.map.iter().skip(skip)),
        };
        entries.map(|(name, slot)| Child {
            name: name.clone(),
            inode: slot.inode.clone(),
            mount: slot.mount,
        })
    }
}
