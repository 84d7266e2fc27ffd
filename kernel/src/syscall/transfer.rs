//! Copying between descriptors in the kernel: `sendfile`, `copy_file_range`, `splice`
//! (sendfile(2), copy_file_range(2), splice(2)). Data moves through a kernel buffer.

use alloc::vec;

use super::errno::{Errno, SysResult};
use super::Args;
use crate::arch::trap::TrapFrame;
use crate::fs::buffer::{Buffer, MAX_TRANSFER};
use crate::fs::description::FileDescription;
use crate::fs::fd_table;
use crate::fs::open_flags::OpenFlags;
use crate::fs::pipe::PipeEnd;
use crate::mm::user::{read_user, write_user};

const CHUNK: usize = 64 * 1024;

/// Copies up to `count` bytes from `input` (at `*in_at`, or its position) to `output`
/// (at `*out_at`, or its position), advancing the given offsets. A stream input is read
/// once, so that the call does not wait for more after moving some bytes.
fn transfer(
    input: &FileDescription,
    mut in_at: Option<&mut u64>,
    output: &FileDescription,
    mut out_at: Option<&mut u64>,
    count: usize,
) -> SysResult {
    let count = count.min(MAX_TRANSFER);
    let mut chunk = vec![0u8; count.min(CHUNK)];
    let mut total = 0;
    while total < count {
        let piece = (count - total).min(CHUNK);
        let mut into = Buffer::kernel(&mut chunk[..piece]);
        let read = match in_at.as_deref_mut() {
            Some(offset) => input.read_at(*offset, &mut into),
            None => input.read(&mut into),
        };
        let read = match read {
            Ok(0) => break,
            Ok(read) => read,
            Err(errno) if total == 0 => return Err(errno),
            Err(_) => break,
        };
        if let Some(offset) = in_at.as_deref_mut() {
            *offset += read as u64;
        }
        let written = write_all(output, out_at.as_deref_mut(), &chunk[..read]);
        total += written.unwrap_or(0);
        match written {
            Ok(written) if written == read => {}
            Ok(_) => break,
            Err(errno) if total == 0 => return Err(errno),
            Err(_) => break,
        }
        if !input.file.seekable() {
            break;
        }
    }
    Ok(total)
}

fn write_all(
    output: &FileDescription,
    mut at: Option<&mut u64>,
    bytes: &[u8],
) -> Result<usize, Errno> {
    let mut done = 0;
    while done < bytes.len() {
        let mut from = Buffer::kernel_source(&bytes[done..]);
        let written = match at.as_deref_mut() {
            Some(offset) => output.write_at(*offset, &mut from),
            None => output.write(&mut from),
        };
        match written {
            Ok(0) => break,
            Ok(written) => {
                if let Some(offset) = at.as_deref_mut() {
                    *offset += written as u64;
                }
                done += written;
            }
            Err(errno) if done == 0 => return Err(errno),
            Err(_) => break,
        }
    }
    Ok(done)
}

fn readable(fd: u64) -> Result<alloc::sync::Arc<FileDescription>, Errno> {
    let description = fd_table::get(fd as u32 as u64)?;
    if !description.flags().readable() {
        return Err(Errno::EBADF);
    }
    Ok(description)
}

fn writable(fd: u64) -> Result<alloc::sync::Arc<FileDescription>, Errno> {
    let description = fd_table::get(fd as u32 as u64)?;
    if !description.flags().writable() {
        return Err(Errno::EBADF);
    }
    Ok(description)
}

/// Reads an `loff_t` argument; negative offsets are `EINVAL`.
fn read_offset(address: u64) -> Result<Option<u64>, Errno> {
    if address == 0 {
        return Ok(None);
    }
    let offset: i64 = read_user(address)?;
    if offset < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Some(offset as u64))
}

pub fn sendfile(_: &mut TrapFrame, args: Args) -> SysResult {
    let [out_fd, in_fd, offset_address, count, ..] = args;
    let input = readable(in_fd)?;
    let output = writable(out_fd)?;
    if output.flags().has(OpenFlags::O_APPEND) {
        return Err(Errno::EINVAL);
    }
    let mut offset = read_offset(offset_address)?;
    if offset.is_some() && !input.file.seekable() {
        return Err(Errno::ESPIPE);
    }
    let moved = transfer(&input, offset.as_mut(), &output, None, count as usize)?;
    if let Some(offset) = offset {
        write_user(offset_address, &(offset as i64))?;
    }
    Ok(moved)
}

pub fn copy_file_range(_: &mut TrapFrame, args: Args) -> SysResult {
    let [in_fd, in_offset, out_fd, out_offset, count, flags] = args;
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let input = readable(in_fd)?;
    let output = writable(out_fd)?;
    if output.flags().has(OpenFlags::O_APPEND) {
        return Err(Errno::EBADF);
    }
    let regular = |description: &FileDescription| {
        description.metadata().file_type() == Some(crate::fs::inode::FileType::Regular)
    };
    if !regular(&input) || !regular(&output) {
        let directory = input.metadata().is_directory() || output.metadata().is_directory();
        return Err(if directory {
            Errno::EISDIR
        } else {
            Errno::EINVAL
        });
    }
    let mut from = read_offset(in_offset)?;
    let mut to = read_offset(out_offset)?;
    let same_file = crate::fs::lock::key_of(&input) == crate::fs::lock::key_of(&output);
    if same_file {
        let start_in = from.unwrap_or_else(|| input.position());
        let start_out = to.unwrap_or_else(|| output.position());
        if start_in < start_out.saturating_add(count) && start_out < start_in.saturating_add(count)
        {
            return Err(Errno::EINVAL);
        }
    }
    let moved = transfer(&input, from.as_mut(), &output, to.as_mut(), count as usize)?;
    if let Some(offset) = from {
        write_user(in_offset, &(offset as i64))?;
    }
    if let Some(offset) = to {
        write_user(out_offset, &(offset as i64))?;
    }
    Ok(moved)
}

fn is_pipe(description: &FileDescription) -> bool {
    description
        .file
        .as_any()
        .downcast_ref::<PipeEnd>()
        .is_some()
}

pub fn splice(_: &mut TrapFrame, args: Args) -> SysResult {
    let [in_fd, in_offset, out_fd, out_offset, count, _flags] = args;
    let input = readable(in_fd)?;
    let output = writable(out_fd)?;
    if !is_pipe(&input) && !is_pipe(&output) {
        return Err(Errno::EINVAL);
    }
    if (is_pipe(&input) && in_offset != 0) || (is_pipe(&output) && out_offset != 0) {
        return Err(Errno::ESPIPE);
    }
    let mut from = read_offset(in_offset)?;
    let mut to = read_offset(out_offset)?;
    let moved = transfer(&input, from.as_mut(), &output, to.as_mut(), count as usize)?;
    if let Some(offset) = from {
        write_user(in_offset, &(offset as i64))?;
    }
    if let Some(offset) = to {
        write_user(out_offset, &(offset as i64))?;
    }
    Ok(moved)
}
