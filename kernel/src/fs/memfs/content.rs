//! The data of an in-memory regular file: bytes of the boot image, served in place until
//! the first change copies them into pages of its own (copy-on-write over the image).
//! Pages are kept in a sparse map, so holes cost nothing, and can be shared with
//! `MAP_SHARED` mappings.

use alloc::collections::btree_map::{BTreeMap, Entry};

use crate::mm::owned_frame::OwnedFrame;
use crate::mm::PAGE_SIZE;
use crate::syscall::errno::Errno;

/// The largest file size (`MAX_LFS_FILESIZE`).
pub const MAX_FILE_SIZE: u64 = i64::MAX as u64;
const PAGE: usize = PAGE_SIZE as usize;

pub enum Content {
    /// Unchanged bytes of the boot image.
    Image(&'static [u8]),
    Pages(Pages),
}

#[derive(Default)]
pub struct Pages {
    frames: BTreeMap<u64, OwnedFrame>,
    size: u64,
    /// A shared mapping may point at the frames: they are never freed before the file is.
    mapped: bool,
}

impl Content {
    pub fn empty() -> Content {
        Content::Pages(Pages::default())
    }

    pub fn size(&self) -> u64 {
        match self {
            Content::Image(data) => data.len() as u64,
            Content::Pages(pages) => pages.size,
        }
    }

    /// 512-byte blocks in use, as `st_blocks` counts them.
    pub fn blocks(&self) -> u64 {
        match self {
            Content::Image(data) => (data.len() as u64).div_ceil(512),
            Content::Pages(pages) => pages.frames.len() as u64 * (PAGE_SIZE / 512),
        }
    }

    /// Copies bytes from `offset` into `out`; returns how many (0 at the end of the file).
    pub fn read(&self, offset: u64, out: &mut [u8]) -> usize {
        let size = self.size();
        if offset >= size {
            return 0;
        }
        let count = out.len().min((size - offset) as usize);
        match self {
            Content::Image(data) => {
                let start = offset as usize;
                out[..count].copy_from_slice(&data[start..start + count]);
            }
            Content::Pages(pages) => pages.read(offset, &mut out[..count]),
        }
        count
    }

    /// The pages, copied from the image first if needed.
    fn pages(&mut self) -> Result<&mut Pages, Errno> {
        if let Content::Image(data) = *self {
            *self = Content::Pages(Pages::copy_of(data)?);
        }
        match self {
            Content::Pages(pages) => Ok(pages),
            Content::Image(_) => Err(Errno::EIO),
        }
    }

    /// Writes `bytes` at `offset`, growing the file as needed.
    pub fn write(&mut self, offset: u64, bytes: &[u8]) -> Result<(), Errno> {
        let end = offset
            .checked_add(bytes.len() as u64)
            .filter(|&end| end <= MAX_FILE_SIZE)
            .ok_or(Errno::EFBIG)?;
        let pages = self.pages()?;
        pages.write(offset, bytes)?;
        pages.size = pages.size.max(end);
        Ok(())
    }

    /// Sets the size; new bytes read as zeros.
    pub fn truncate(&mut self, size: u64) -> Result<(), Errno> {
        if size > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        match self {
            // Shrinking image data needs no copy.
            Content::Image(data) if size <= data.len() as u64 => {
                *self = Content::Image(&data[..size as usize]);
                Ok(())
            }
            _ => {
                self.pages()?.truncate(size);
                Ok(())
            }
        }
    }

    /// The frame of page `index`, for a shared mapping; `None` past the end of the file or
    /// without memory.
    pub fn frame(&mut self, index: u64) -> Option<u64> {
        let pages = self.pages().ok()?;
        if index.checked_mul(PAGE_SIZE)? >= pages.size.next_multiple_of(PAGE_SIZE) {
            return None;
        }
        pages.mapped = true;
        Some(pages.frame_mut(index).ok()?.phys())
    }
}

impl Pages {
    fn copy_of(data: &[u8]) -> Result<Pages, Errno> {
        let mut pages = Pages::default();
        pages.write(0, data)?;
        pages.size = data.len() as u64;
        Ok(pages)
    }

    fn frame_mut(&mut self, index: u64) -> Result<&mut OwnedFrame, Errno> {
        match self.frames.entry(index) {
            Entry::Occupied(entry) => Ok(entry.into_mut()),
            Entry::Vacant(entry) => {
                let frame = OwnedFrame::new_zeroed().ok_or(Errno::ENOSPC)?;
                Ok(entry.insert(frame))
            }
        }
    }

    /// Fills `out` from `offset`, which the caller keeps inside the file; holes read as zeros.
    fn read(&self, offset: u64, out: &mut [u8]) {
        let mut done = 0;
        while done < out.len() {
            let position = offset + done as u64;
            let within = (position % PAGE_SIZE) as usize;
            let piece = (PAGE - within).min(out.len() - done);
            let target = &mut out[done..done + piece];
            match self.frames.get(&(position / PAGE_SIZE)) {
                Some(frame) => target.copy_from_slice(&frame.bytes()[within..within + piece]),
                None => target.fill(0),
            }
            done += piece;
        }
    }

    fn write(&mut self, offset: u64, bytes: &[u8]) -> Result<(), Errno> {
        let mut done = 0;
        while done < bytes.len() {
            let position = offset + done as u64;
            let within = (position % PAGE_SIZE) as usize;
            let piece = (PAGE - within).min(bytes.len() - done);
            let frame = self.frame_mut(position / PAGE_SIZE)?;
            frame.bytes_mut()[within..within + piece].copy_from_slice(&bytes[done..done + piece]);
            done += piece;
        }
        Ok(())
    }

    fn truncate(&mut self, size: u64) {
        if size < self.size {
            // The rest of the last page must read as zeros if the file grows again.
            let within = (size % PAGE_SIZE) as usize;
            if let Some(frame) = self.frames.get_mut(&(size / PAGE_SIZE)) {
                if within != 0 {
                    frame.bytes_mut()[within..].fill(0);
                }
            }
            let first_gone = size.div_ceil(PAGE_SIZE);
            if self.mapped {
                for (_, frame) in self.frames.range_mut(first_gone..) {
                    frame.bytes_mut().fill(0);
                }
            } else {
                self.frames.split_off(&first_gone);
            }
        }
        self.size = size;
    }
}
