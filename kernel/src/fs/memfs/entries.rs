//! The entries of one in-memory directory: looked up by name in a sorted map, listed in
//! creation order by cookie, so that a listing continues correctly while entries are
//! removed (as `rm -r` does between `getdents` calls).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::borrow::Borrow;
use core::cmp::Ordering;

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

/// Cookies 0 and 1 are `.` and `..`.
pub const FIRST_COOKIE: u64 = 2;

pub struct Entries {
    by_name: BTreeMap<Name, u64>,
    by_cookie: BTreeMap<u64, Child>,
    next_cookie: u64,
}

impl Entries {
    pub fn new() -> Entries {
        Entries {
            by_name: BTreeMap::new(),
            by_cookie: BTreeMap::new(),
            next_cookie: FIRST_COOKIE,
        }
    }

    pub fn get(&self, name: &[u8]) -> Option<&Child> {
        self.by_cookie.get(self.by_name.get(name)?)
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Adds `child`, replacing an entry of the same name.
    pub fn insert(&mut self, child: Child) -> Option<Child> {
        let cookie = self.next_cookie;
        self.next_cookie += 1;
        let old = self.by_name.insert(child.name.clone(), cookie);
        self.by_cookie.insert(cookie, child);
        self.by_cookie.remove(&old?)
    }

    pub fn remove(&mut self, name: &[u8]) -> Option<Child> {
        let cookie = self.by_name.remove(name)?;
        self.by_cookie.remove(&cookie)
    }

    /// The entries from `cookie` on, each with the cookie that continues after it.
    pub fn starting_at(&self, cookie: u64) -> impl Iterator<Item = (u64, &Child)> {
        self.by_cookie
            .range(cookie.max(FIRST_COOKIE)..)
            .map(|(&cookie, child)| (cookie + 1, child))
    }
}
