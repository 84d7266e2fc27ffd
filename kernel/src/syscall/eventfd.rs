//! `eventfd` and `eventfd2` (eventfd(2)).

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::description::FileDescription;
use crate::fs::eventfd::EventFd;
use crate::fs::fd_table;
use crate::fs::open_flags::OpenFlags;

const EFD_SEMAPHORE: u64 = 1;
const EFD_NONBLOCK: u64 = OpenFlags::O_NONBLOCK as u64;
const EFD_CLOEXEC: u64 = OpenFlags::O_CLOEXEC as u64;

pub fn eventfd(frame: &mut TrapFrame, args: Args) -> SysResult {
    eventfd2(frame, [args[0], 0, 0, 0, 0, 0])
}

pub fn eventfd2(_: &mut TrapFrame, args: Args) -> SysResult {
    let [initial, flags, ..] = args;
    if flags & !(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let file = EventFd::new(initial as u32, flags & EFD_SEMAPHORE != 0);
    let status = OpenFlags::O_RDWR | (flags & EFD_NONBLOCK) as u32;
    fd_table::install(
        FileDescription::anonymous(file, status),
        flags & EFD_CLOEXEC != 0,
    )
}
