//! The application's address space: a sorted set of areas (VMAs), each with its rights
//! and what fills its pages on first touch. Pages are mapped lazily by `fault.rs`.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use spin::{Mutex, MutexGuard};

use super::{frame, page_align_down, paging, PAGE_SIZE, USER_END};
use crate::syscall::errno::Errno;

/// Access rights of an area, as `PROT_*` gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prot {
    pub read: bool,
    pub write: bool,
    pub execute: bool,
}

impl Prot {
    pub const PROT_READ: u64 = 1;
    pub const PROT_WRITE: u64 = 2;
    pub const PROT_EXEC: u64 = 4;

    pub fn from_bits(bits: u64) -> Prot {
        Prot {
            read: bits & Self::PROT_READ != 0,
            write: bits & Self::PROT_WRITE != 0,
            execute: bits & Self::PROT_EXEC != 0,
        }
    }

    pub fn rights(self) -> paging::UserRights {
        paging::UserRights {
            write: self.write,
            execute: self.execute,
        }
    }
}

/// Pages a file shares with its mappings (tmpfs and memfd files).
pub trait PageSource: Send + Sync {
    /// The frame holding page `index` of the file, allocated if needed; the source keeps
    /// owning it. `None` past the end of the file or when memory is exhausted.
    fn frame(&self, index: u64) -> Option<u64>;
}

/// What a page of an area holds before it is first written.
#[derive(Clone)]
pub enum Backing {
    /// Zeros.
    Anonymous,
    /// Bytes of the boot image: the area's first byte is image byte `offset`; addresses
    /// from `file_end` on read as zeros (a segment's `.bss`).
    Image { offset: u64, file_end: u64 },
    /// Pages of a file: the area's first page is the file's page `first_page`. Shared areas
    /// map the file's own frames (`MAP_SHARED`); private ones get a copy on first touch.
    File {
        source: Arc<dyn PageSource>,
        first_page: u64,
        shared: bool,
    },
}

impl Backing {
    /// Whether the frames mapped for this backing belong to someone else (the image or a
    /// file) and must not be freed with the mapping.
    fn borrows_frames(&self) -> bool {
        matches!(self, Backing::File { shared: true, .. })
    }
}

impl core::fmt::Debug for Backing {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Backing::Anonymous => write!(f, "Anonymous"),
            Backing::Image { offset, file_end } => {
                write!(
                    f,
                    "Image {{ offset: {offset:#x}, file_end: {file_end:#x} }}"
                )
            }
            Backing::File {
                first_page, shared, ..
            } => write!(f, "File {{ first_page: {first_page}, shared: {shared} }}"),
        }
    }
}

/// One virtual memory area, `start..end`, page aligned.
#[derive(Clone, Debug)]
pub struct Vma {
    pub start: u64,
    pub end: u64,
    pub prot: Prot,
    pub backing: Backing,
}

impl Vma {
    /// The part of this area from `at` on, with its backing adjusted.
    fn split_off(&mut self, at: u64) -> Vma {
        let mut upper = self.clone();
        upper.start = at;
        match &mut upper.backing {
            Backing::Image { offset, .. } => *offset += at - self.start,
            Backing::File { first_page, .. } => *first_page += (at - self.start) / PAGE_SIZE,
            Backing::Anonymous => {}
        }
        self.end = at;
        upper
    }
}

/// Where `mmap` without a hint places areas: downwards from below the stack.
const MMAP_TOP: u64 = 0x7fff_0000_0000;
const MMAP_BOTTOM: u64 = 0x1000_0000;

pub struct AddressSpace {
    areas: BTreeMap<u64, Vma>,
    /// The program break: where the heap started and where it ends now.
    pub brk_start: u64,
    pub brk: u64,
}

static ADDRESS_SPACE: Mutex<AddressSpace> = Mutex::new(AddressSpace {
    areas: BTreeMap::new(),
    brk_start: 0,
    brk: 0,
});

/// The application's address space.
pub fn current() -> MutexGuard<'static, AddressSpace> {
    ADDRESS_SPACE.lock()
}

impl AddressSpace {
    /// The area containing `address`.
    pub fn find(&self, address: u64) -> Option<&Vma> {
        let (_, vma) = self.areas.range(..=address).next_back()?;
        (address < vma.end).then_some(vma)
    }

    /// Whether nothing is mapped in `start..end`.
    pub fn is_free(&self, start: u64, end: u64) -> bool {
        if let Some((_, vma)) = self.areas.range(..end).next_back() {
            return vma.end <= start;
        }
        true
    }

    /// Adds an area over a range the caller made free.
    pub fn insert(&mut self, vma: Vma) {
        debug_assert!(self.is_free(vma.start, vma.end));
        self.areas.insert(vma.start, vma);
    }

    /// Splits the area that straddles `at`, if any, so that an area boundary falls there.
    fn split_at(&mut self, at: u64) {
        let Some((&start, vma)) = self.areas.range_mut(..at).next_back() else {
            return;
        };
        if start < at && at < vma.end {
            let upper = vma.split_off(at);
            self.areas.insert(at, upper);
        }
    }

    /// Removes every mapping in `start..end` and frees the pages (`munmap`).
    pub fn unmap(&mut self, start: u64, end: u64) {
        self.split_at(start);
        self.split_at(end);
        let doomed: alloc::vec::Vec<u64> = self.areas.range(start..end).map(|(&s, _)| s).collect();
        for area_start in doomed {
            if let Some(vma) = self.areas.remove(&area_start) {
                release_pages(vma.start, vma.end, vma.backing.borrows_frames());
            }
        }
    }

    /// Drops the pages of `start..end` but keeps the areas: the next touch refills them
    /// from their backing (`MADV_DONTNEED`).
    pub fn discard(&mut self, start: u64, end: u64) {
        let mut cursor = start;
        while let Some(vma) = self.find(cursor).filter(|_| cursor < end) {
            let piece_end = vma.end.min(end);
            release_pages(cursor, piece_end, vma.backing.borrows_frames());
            cursor = piece_end;
        }
    }

    /// The areas in address order (for `/proc/self/maps`).
    pub fn areas(&self) -> impl Iterator<Item = &Vma> {
        self.areas.values()
    }

    /// Changes the rights of `start..end` (`mprotect`); every page must be mapped.
    pub fn protect(&mut self, start: u64, end: u64, prot: Prot) -> Result<(), Errno> {
        let mut cursor = start;
        while cursor < end {
            let vma = self.find(cursor).ok_or(Errno::ENOMEM)?;
            cursor = vma.end;
        }
        self.split_at(start);
        self.split_at(end);
        for (_, vma) in self.areas.range_mut(start..end) {
            vma.prot = prot;
        }
        paging::protect_user_range(start, end, |phys| page_rights(phys, prot));
        Ok(())
    }

    /// Moves `old..old + old_length`, which must lie in one area, to `new` with
    /// `new_length` bytes (`mremap`); pages beyond the old length are filled on first touch.
    pub fn move_area(
        &mut self,
        old: u64,
        old_length: u64,
        new: u64,
        new_length: u64,
    ) -> Result<(), Errno> {
        let vma = self.find(old).ok_or(Errno::EFAULT)?.clone();
        if old + old_length > vma.end {
            return Err(Errno::EFAULT);
        }
        let kept = old_length.min(new_length);
        let mut offset = 0;
        while offset < kept {
            paging::move_user(old + offset, new + offset).map_err(|_| Errno::ENOMEM)?;
            offset += PAGE_SIZE;
        }
        // The area as it would be had it started at `old`, then moved to `new`.
        let mut moved = vma.clone();
        let mut moved = if old > vma.start {
            moved.split_off(old)
        } else {
            moved
        };
        if let Backing::Image { file_end, .. } = &mut moved.backing {
            *file_end = new + file_end.saturating_sub(old);
        }
        self.unmap(old, old + old_length);
        moved.start = new;
        moved.end = new + new_length;
        self.insert(moved);
        Ok(())
    }

    /// Grows the area that ends at `end` up to `new_end` (free, checked by the caller).
    pub fn extend_area(&mut self, end: u64, new_end: u64) -> Result<(), Errno> {
        let mut vma = self.find(end - 1).ok_or(Errno::EFAULT)?.clone();
        let extension = vma.split_off(end);
        self.insert(Vma {
            end: new_end,
            ..extension
        });
        Ok(())
    }

    /// A free range of `length` bytes, as high as possible below `MMAP_TOP`.
    pub fn find_free(&self, length: u64) -> Option<u64> {
        let mut top = MMAP_TOP;
        for (_, vma) in self.areas.range(..MMAP_TOP).rev() {
            if vma.end <= top && top - vma.end >= length {
                return Some(top - length);
            }
            top = top.min(vma.start);
        }
        (top >= MMAP_BOTTOM + length).then(|| top - length)
    }

    /// Grows or shrinks the heap area to end at `new_brk` (page rounded by the caller).
    pub fn resize_heap(&mut self, old_end: u64, new_end: u64) -> Result<(), Errno> {
        if new_end < old_end {
            self.unmap(new_end, old_end);
            return Ok(());
        }
        if new_end > old_end {
            if new_end > USER_END || !self.is_free(old_end, new_end) {
                return Err(Errno::ENOMEM);
            }
            self.insert(Vma {
                start: old_end,
                end: new_end,
                prot: Prot::from_bits(Prot::PROT_READ | Prot::PROT_WRITE),
                backing: Backing::Anonymous,
            });
        }
        Ok(())
    }
}

/// Unmaps the pages of `start..end`, freeing frames the kernel allocated for them (all but
/// image frames, and all but every frame when they are `borrowed` from a file).
fn release_pages(start: u64, end: u64, borrowed: bool) {
    paging::unmap_user_range(page_align_down(start), end, |phys| {
        if !borrowed && !crate::fs::image::contains_frame(phys) {
            frame::free(phys);
        }
    });
}

/// The rights a present page gets under `prot`: none for PROT_NONE (the page stays, hidden
/// from the application), and never write for a frame shared with the image, so that the
/// first write copies it.
fn page_rights(phys: u64, prot: Prot) -> Option<paging::UserRights> {
    if !prot.read && !prot.write && !prot.execute {
        return None;
    }
    let mut rights = prot.rights();
    if crate::fs::image::contains_frame(phys) {
        rights.write = false;
    }
    Some(rights)
}
