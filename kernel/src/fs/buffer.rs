//! Buffers for file I/O: the application's memory (one range or an `iovec` array) or a
//! kernel slice. Files read into and write from these, so that reads of image files copy
//! straight from image memory into the application.

use alloc::vec;
use alloc::vec::Vec;

use crate::mm::user::{copy_from_user, copy_to_user};
use crate::syscall::errno::Errno;

/// Linux caps one transfer at `MAX_RW_COUNT` (`INT_MAX` rounded down to a page).
pub const MAX_TRANSFER: usize = 0x7fff_f000;

enum Memory<'a> {
    /// `(address, length)` ranges of the application's memory, in order.
    User(Vec<(u64, usize)>),
    Kernel(&'a mut [u8]),
    KernelSource(&'a [u8]),
}

/// A buffer and a cursor: how many of its bytes were filled (reads) or consumed (writes).
pub struct Buffer<'a> {
    memory: Memory<'a>,
    total: usize,
    done: usize,
    /// Position of the cursor in `Memory::User`: segment and offset in it.
    segment: usize,
    offset: usize,
}

impl<'a> Buffer<'a> {
    fn new(memory: Memory<'a>, total: usize) -> Buffer<'a> {
        Buffer {
            memory,
            total,
            done: 0,
            segment: 0,
            offset: 0,
        }
    }

    /// `length` bytes of the application's memory at `address`.
    pub fn user(address: u64, length: usize) -> Buffer<'static> {
        Self::user_vectors(vec![(address, length)])
    }

    /// The ranges of an `iovec` array; their total is capped at [`MAX_TRANSFER`] as Linux
    /// caps it.
    pub fn user_vectors(mut segments: Vec<(u64, usize)>) -> Buffer<'static> {
        let mut total = 0usize;
        for segment in segments.iter_mut() {
            segment.1 = segment.1.min(MAX_TRANSFER - total);
            total += segment.1;
        }
        Buffer::new(Memory::User(segments), total)
    }

    /// A kernel buffer to read into.
    pub fn kernel(bytes: &'a mut [u8]) -> Buffer<'a> {
        let total = bytes.len();
        Buffer::new(Memory::Kernel(bytes), total)
    }

    /// Kernel bytes to write from.
    pub fn kernel_source(bytes: &'a [u8]) -> Buffer<'a> {
        let total = bytes.len();
        Buffer::new(Memory::KernelSource(bytes), total)
    }

    /// Bytes not yet filled or consumed.
    pub fn remaining(&self) -> usize {
        self.total - self.done
    }

    /// Bytes filled or consumed so far.
    pub fn done(&self) -> usize {
        self.done
    }

    /// Appends `bytes` (at most `remaining()` of them are taken).
    pub fn put(&mut self, bytes: &[u8]) -> Result<(), Errno> {
        let bytes = &bytes[..bytes.len().min(self.remaining())];
        match &mut self.memory {
            Memory::Kernel(target) => {
                target[self.done..self.done + bytes.len()].copy_from_slice(bytes);
                self.done += bytes.len();
                Ok(())
            }
            Memory::KernelSource(_) => Err(Errno::EFAULT),
            Memory::User(_) => {
                let mut copied = 0;
                while copied < bytes.len() {
                    let (address, room) = self.user_cursor();
                    let piece = room.min(bytes.len() - copied);
                    copy_to_user(address, &bytes[copied..copied + piece])?;
                    copied += piece;
                    self.advance(piece);
                }
                Ok(())
            }
        }
    }

    /// Appends `count` zero bytes.
    pub fn put_zeros(&mut self, count: usize) -> Result<(), Errno> {
        static ZEROS: [u8; 4096] = [0; 4096];
        let mut left = count.min(self.remaining());
        while left > 0 {
            let piece = left.min(ZEROS.len());
            self.put(&ZEROS[..piece])?;
            left -= piece;
        }
        Ok(())
    }

    /// Consumes up to `into.len()` bytes into `into`; returns how many.
    pub fn take(&mut self, into: &mut [u8]) -> Result<usize, Errno> {
        let wanted = into.len().min(self.remaining());
        match &self.memory {
            Memory::KernelSource(source) => {
                into[..wanted].copy_from_slice(&source[self.done..self.done + wanted]);
                self.done += wanted;
            }
            Memory::Kernel(_) => return Err(Errno::EFAULT),
            Memory::User(_) => {
                let mut copied = 0;
                while copied < wanted {
                    let (address, room) = self.user_cursor();
                    let piece = room.min(wanted - copied);
                    copy_from_user(&mut into[copied..copied + piece], address)?;
                    copied += piece;
                    self.advance(piece);
                }
            }
        }
        Ok(wanted)
    }

    /// Consumes up to `max` bytes into a new vector.
    pub fn take_vec(&mut self, max: usize) -> Result<Vec<u8>, Errno> {
        let mut bytes = vec![0u8; max.min(self.remaining())];
        let count = self.take(&mut bytes)?;
        bytes.truncate(count);
        Ok(bytes)
    }

    /// The user address at the cursor and the bytes left in its segment (non-zero).
    fn user_cursor(&mut self) -> (u64, usize) {
        let Memory::User(segments) = &self.memory else {
            return (0, 0);
        };
        while self.segment < segments.len() && self.offset == segments[self.segment].1 {
            self.segment += 1;
            self.offset = 0;
        }
        let (base, length) = segments[self.segment];
        (base + self.offset as u64, length - self.offset)
    }

    fn advance(&mut self, count: usize) {
        self.offset += count;
        self.done += count;
    }
}
