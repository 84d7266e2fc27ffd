//! `signalfd` and `signalfd4` (signalfd(2)): create a signalfd or change its mask; reading
//! is in `fs::signalfd`.

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::description::FileDescription;
use crate::fs::fd_table;
use crate::fs::open_flags::OpenFlags;
use crate::fs::signalfd::SignalFd;
use crate::mm::user::read_user;
// SIGKILL and SIGSTOP cannot be caught, so a mask silently drops them.
use crate::task::signal::UNBLOCKABLE;

const SFD_NONBLOCK: u64 = OpenFlags::O_NONBLOCK as u64;
const SFD_CLOEXEC: u64 = OpenFlags::O_CLOEXEC as u64;

pub fn signalfd(frame: &mut TrapFrame, args: Args) -> SysResult {
    signalfd4(frame, [args[0], args[1], args[2], 0, 0, 0])
}

pub fn signalfd4(_: &mut TrapFrame, args: Args) -> SysResult {
    let [fd, mask_address, size, flags, ..] = args;
    if size != 8 || flags & !(SFD_NONBLOCK | SFD_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let mask = read_user::<u64>(mask_address)? & !UNBLOCKABLE;
    if fd as i32 != -1 {
        let description = fd_table::get(fd as u32 as u64)?;
        let existing = description
            .file
            .as_any()
            .downcast_ref::<SignalFd>()
            .ok_or(Errno::EINVAL)?;
        *existing.mask.lock() = mask;
        return Ok(fd as u32 as usize);
    }
    let status = OpenFlags::O_RDWR | (flags & SFD_NONBLOCK) as u32;
    let file = FileDescription::anonymous(SignalFd::new(mask), status);
    fd_table::install(file, flags & SFD_CLOEXEC != 0)
}
