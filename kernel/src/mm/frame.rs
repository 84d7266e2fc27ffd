//! The physical frame allocator.
//!
//! Free RAM is a list of ranges handed out front to back; freed frames go on a stack
//! threaded through the frames themselves. Nothing is touched at boot, so start-up cost
//! does not grow with the size of memory.

use spin::Mutex;

use super::{phys_to_virt, PAGE_SIZE};
use crate::boot::start_info::PhysRange;

const MAX_RANGES: usize = 64;

struct FrameAllocator {
    ranges: [PhysRange; MAX_RANGES],
    count: usize,
    /// Index of the range being handed out, and the next frame in it.
    current: usize,
    next: u64,
    /// Physical address of the first freed frame, 0 for none.
    free_list: u64,
    free_frames: u64,
    total_frames: u64,
}

static FRAMES: Mutex<FrameAllocator> = Mutex::new(FrameAllocator {
    ranges: [PhysRange { start: 0, end: 0 }; MAX_RANGES],
    count: 0,
    current: 0,
    next: 0,
    free_list: 0,
    free_frames: 0,
    total_frames: 0,
});

/// Hands the allocator all of `ram` except the `reserved` ranges.
pub fn init(ram: &[PhysRange], reserved: &[PhysRange]) {
    let mut frames = FRAMES.lock();
    for range in ram {
        let mut pieces = Pieces::default();
        pieces.push(PhysRange {
            start: range.start.next_multiple_of(PAGE_SIZE),
            end: range.end & !(PAGE_SIZE - 1),
        });
        for hole in reserved {
            pieces = subtract(pieces, hole);
        }
        for piece in pieces.iter().filter(|piece| piece.end > piece.start) {
            if frames.count < MAX_RANGES {
                let index = frames.count;
                frames.ranges[index] = *piece;
                frames.count += 1;
                frames.total_frames += (piece.end - piece.start) / PAGE_SIZE;
            }
        }
    }
    frames.free_frames = frames.total_frames;
    frames.next = frames.ranges[0].start;
}

/// A small fixed-capacity list, since this runs before the heap exists.
#[derive(Clone, Copy, Default)]
struct Pieces {
    items: [PhysRange; 8],
    len: usize,
}

impl Pieces {
    fn iter(&self) -> impl Iterator<Item = &PhysRange> {
        self.items[..self.len].iter()
    }

    fn push(&mut self, range: PhysRange) {
        if self.len < self.items.len() {
            self.items[self.len] = range;
            self.len += 1;
        }
    }
}

/// `pieces` without the frames of `hole`.
fn subtract(pieces: Pieces, hole: &PhysRange) -> Pieces {
    let hole_start = hole.start & !(PAGE_SIZE - 1);
    let hole_end = hole.end.next_multiple_of(PAGE_SIZE);
    let mut result = Pieces::default();
    for piece in pieces.iter() {
        if hole_end <= piece.start || hole_start >= piece.end {
            result.push(*piece);
            continue;
        }
        if piece.start < hole_start {
            result.push(PhysRange {
                start: piece.start,
                end: hole_start,
            });
        }
        if hole_end < piece.end {
            result.push(PhysRange {
                start: hole_end,
                end: piece.end,
            });
        }
    }
    result
}

impl FrameAllocator {
    fn take_fresh(&mut self, count: u64) -> Option<u64> {
        while self.current < self.count {
            let range = self.ranges[self.current];
            let start = self.next.max(range.start);
            if start + count * PAGE_SIZE <= range.end {
                self.next = start + count * PAGE_SIZE;
                return Some(start);
            }
            self.current += 1;
            if self.current < self.count {
                self.next = self.ranges[self.current].start;
            }
        }
        None
    }
}

/// Frames only the kernel may take, so that an application that uses up memory cannot
/// leave the kernel without page tables or stacks.
const KERNEL_RESERVE: u64 = 256;

/// One frame for the application, with unspecified contents; `None` when only the
/// kernel's reserve is left.
pub fn alloc() -> Option<u64> {
    if FRAMES.lock().free_frames <= KERNEL_RESERVE {
        return None;
    }
    alloc_kernel()
}

/// One frame for the kernel's own use, which may dip into the reserve.
pub fn alloc_kernel() -> Option<u64> {
    let mut frames = FRAMES.lock();
    let frame = if frames.free_list != 0 {
        let frame = frames.free_list;
        // SAFETY: a freed frame holds the address of the next free frame in its first word.
        frames.free_list = unsafe { *(phys_to_virt(frame) as *const u64) };
        frame
    } else {
        frames.take_fresh(1)?
    };
    frames.free_frames -= 1;
    Some(frame)
}

/// One application frame filled with zeros.
pub fn alloc_zeroed() -> Option<u64> {
    let frame = alloc()?;
    zero(frame);
    Some(frame)
}

/// One kernel frame filled with zeros (page tables).
pub fn alloc_kernel_zeroed() -> Option<u64> {
    let frame = alloc_kernel()?;
    zero(frame);
    Some(frame)
}

fn zero(frame: u64) {
    // SAFETY: the frame was just allocated and is reached through the physical window.
    unsafe { core::ptr::write_bytes(phys_to_virt(frame) as *mut u8, 0, PAGE_SIZE as usize) };
}

/// `count` physically contiguous frames that are never freed (for the kernel heap).
pub fn alloc_contiguous(count: u64) -> Option<u64> {
    let mut frames = FRAMES.lock();
    let start = frames.take_fresh(count)?;
    frames.free_frames -= count;
    Some(start)
}

/// The most bytes one [`alloc_contiguous`] could still get.
pub fn largest_contiguous() -> u64 {
    let frames = FRAMES.lock();
    (frames.current..frames.count)
        .map(|index| {
            let range = frames.ranges[index];
            range.end - frames.next.max(range.start).min(range.end)
        })
        .max()
        .unwrap_or(0)
}

/// Returns a frame obtained from [`alloc`].
pub fn free(frame: u64) {
    let mut frames = FRAMES.lock();
    // SAFETY: the caller owns the frame and gives it up; it is reused as a list node.
    unsafe { *(phys_to_virt(frame) as *mut u64) = frames.free_list };
    frames.free_list = frame;
    frames.free_frames += 1;
}

/// Free and total frames.
pub fn stats() -> (u64, u64) {
    let frames = FRAMES.lock();
    (frames.free_frames, frames.total_frames)
}
