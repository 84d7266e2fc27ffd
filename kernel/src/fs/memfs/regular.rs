//! Open regular files of the in-memory filesystem: reads straight from image memory for
//! unchanged image files, through a small bounce buffer for pages (so that no lock is held
//! while the application's memory is touched), and mappings of either.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::{Content, MemNode};
use crate::fs::buffer::Buffer;
use crate::fs::file::{File, IoFlags, PollState, DEFAULT_POLL};
use crate::fs::inode::{Inode, Metadata};
use crate::fs::open_flags::OpenFlags;
use crate::mm::address_space::{Backing, PageSource};
use crate::mm::PAGE_SIZE;
use crate::syscall::errno::{Errno, SysResult};

/// The most bytes copied under the file's lock at a time.
const CHUNK: usize = 64 * 1024;

pub struct RegularFile {
    pub node: Arc<MemNode>,
}

/// Opens `node`, truncating it for `O_TRUNC`.
pub fn open(node: Arc<MemNode>, flags: OpenFlags) -> Result<Arc<dyn File>, Errno> {
    if flags.writable() || flags.has(OpenFlags::O_TRUNC) && !flags.has(OpenFlags::O_PATH) {
        node.fs.info.check_writable()?;
    }
    if flags.has(OpenFlags::O_TRUNC) && flags.writable() {
        node.truncate(0)?;
    }
    Ok(Arc::new(RegularFile { node }))
}

impl File for RegularFile {
    fn read(&self, offset: &mut u64, buffer: &mut Buffer, _: IoFlags) -> SysResult {
        let start = buffer.done();
        let file = self.node.content()?;
        let mut bounce: Vec<u8> = Vec::new();
        while buffer.remaining() > 0 {
            let content = file.lock();
            let size = content.size();
            if *offset >= size {
                break;
            }
            let wanted = buffer.remaining().min((size - *offset) as usize);
            if let Content::Image(data) = &*content {
                // Image bytes never change: copy them to the application unlocked.
                let data: &'static [u8] = data;
                drop(content);
                let begin = *offset as usize;
                buffer.put(&data[begin..begin + wanted])?;
                *offset += wanted as u64;
                continue;
            }
            let piece = wanted.min(CHUNK);
            bounce.resize(piece, 0);
            let count = content.read(*offset, &mut bounce);
            drop(content);
            buffer.put(&bounce[..count])?;
            *offset += count as u64;
        }
        Ok(buffer.done() - start)
    }

    fn write(&self, offset: &mut u64, buffer: &mut Buffer, flags: IoFlags) -> SysResult {
        let file = self.node.content()?;
        if buffer.remaining() == 0 {
            return Ok(0);
        }
        self.node.check_write()?;
        let mut written = 0;
        while buffer.remaining() > 0 {
            let bytes = match buffer.take_vec(CHUNK) {
                Ok(bytes) => bytes,
                Err(errno) if written == 0 => return Err(errno),
                Err(_) => break,
            };
            let mut content = file.lock();
            if flags.append {
                *offset = content.size();
            }
            let end = offset.saturating_add(bytes.len() as u64);
            let grown = self
                .node
                .check_resize(content.size(), end.max(content.size()));
            if let Err(errno) = grown.and_then(|_| content.write(*offset, &bytes)) {
                return if written > 0 { Ok(written) } else { Err(errno) };
            }
            drop(content);
            *offset += bytes.len() as u64;
            written += bytes.len();
        }
        self.node.attributes.lock().touch();
        Ok(written)
    }

    fn seekable(&self) -> bool {
        true
    }

    fn poll(&self) -> PollState {
        PollState::ready(DEFAULT_POLL)
    }

    fn pollable(&self) -> bool {
        false
    }

    fn stat(&self) -> Metadata {
        self.node.metadata()
    }

    fn size(&self) -> u64 {
        self.node
            .content()
            .map_or(0, |content| content.lock().size())
    }

    fn truncate(&self, size: u64) -> Result<(), Errno> {
        self.node.truncate(size)
    }

    fn allocate(&self, keep_size: bool, offset: u64, length: u64) -> Result<(), Errno> {
        self.node.fs.info.check_writable()?;
        let end = offset.checked_add(length).ok_or(Errno::EFBIG)?;
        let mut content = self.node.content()?.lock();
        if !keep_size && end > content.size() {
            self.node.check_resize(content.size(), end)?;
            content.truncate(end)?;
        }
        Ok(())
    }

    fn mmap(
        &self,
        start: u64,
        offset: u64,
        shared: bool,
        writable: bool,
    ) -> Result<Backing, Errno> {
        let content = self.node.content()?.lock();
        if let Content::Image(data) = &*content {
            // Unchanged image data maps straight from the image, unless a shared mapping
            // could write to it.
            if !(shared && writable) {
                let image_offset = crate::fs::image::offset_of(data) + offset;
                let file_end = (data.len() as u64).saturating_sub(offset);
                return Ok(Backing::Image {
                    offset: image_offset,
                    file_end: start + file_end,
                });
            }
        }
        drop(content);
        if shared && writable {
            self.node.fs.info.check_writable()?;
            self.node.check_write()?;
        }
        Ok(Backing::File {
            source: self.node.clone(),
            first_page: offset / PAGE_SIZE,
            shared,
        })
    }
}

impl PageSource for MemNode {
    fn frame(&self, index: u64) -> Option<u64> {
        match &self.body {
            super::Body::Regular(content) => content.lock().frame(index),
            _ => None,
        }
    }
}
