//! `pipe` and `pipe2` (pipe(2)).

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::description::FileDescription;
use crate::fs::fd_table;
use crate::fs::open_flags::OpenFlags;
use crate::mm::user::write_user;

const O_DIRECT: u64 = OpenFlags::O_DIRECT as u64;
const O_NONBLOCK: u64 = OpenFlags::O_NONBLOCK as u64;
const O_CLOEXEC: u64 = OpenFlags::O_CLOEXEC as u64;
/// `O_NOTIFICATION_PIPE` (watch queues) is not supported.
const KNOWN: u64 = O_DIRECT | O_NONBLOCK | O_CLOEXEC;

pub fn pipe(frame: &mut TrapFrame, args: Args) -> SysResult {
    pipe2(frame, [args[0], 0, 0, 0, 0, 0])
}

pub fn pipe2(_: &mut TrapFrame, args: Args) -> SysResult {
    let [address, flags, ..] = args;
    if flags & !KNOWN != 0 {
        return Err(Errno::EINVAL);
    }
    let status = (flags & (O_NONBLOCK | O_DIRECT)) as u32;
    let close_on_exec = flags & O_CLOEXEC != 0;
    let (reader, writer) = crate::fs::pipe::new();
    let read_end = fd_table::install(
        FileDescription::anonymous(reader, OpenFlags::O_RDONLY | status),
        close_on_exec,
    )?;
    let write_end = match fd_table::install(
        FileDescription::anonymous(writer, OpenFlags::O_WRONLY | status),
        close_on_exec,
    ) {
        Ok(fd) => fd,
        Err(errno) => {
            let _ = fd_table::close(read_end as u64);
            return Err(errno);
        }
    };
    if let Err(errno) = write_user(address, &[read_end as i32, write_end as i32]) {
        let _ = fd_table::close(read_end as u64);
        let _ = fd_table::close(write_end as u64);
        return Err(errno);
    }
    Ok(0)
}
