//! How each traced syscall's arguments are shown: a signature per syscall number.

use alloc::string::String;
use core::fmt::Write;

use super::flags;
use crate::mm::user::{copy_from_user, read_cstring};

/// The kind of one argument.
#[derive(Clone, Copy)]
pub enum Arg {
    Int,
    Hex,
    Fd,
    /// A directory descriptor, where -100 is `AT_FDCWD`.
    DirFd,
    Path,
    /// Bytes the application passes in; the length is argument `n`.
    InBuffer(usize),
    /// Bytes the kernel fills; the length is the result.
    OutBuffer,
    Octal,
    Bits(&'static [(u64, &'static str)]),
    Choice(&'static [(u64, &'static str)]),
    OpenFlags,
    Signal,
}

use Arg::*;

/// The arguments of syscall `number`, for those traced with decoding.
pub fn signature(number: usize) -> Option<&'static [Arg]> {
    Some(match number {
        0 => &[Fd, OutBuffer, Int],
        1 => &[Fd, InBuffer(2), Int],
        2 => &[Path, OpenFlags],
        3 | 32 => &[Fd],
        4 | 6 => &[Path, Hex],
        5 => &[Fd, Hex],
        8 => &[Fd, Int, Choice(flags::WHENCE)],
        9 => &[Hex, Int, Bits(flags::PROT), Bits(flags::MAP), Fd, Hex],
        10 => &[Hex, Int, Bits(flags::PROT)],
        11 => &[Hex, Int],
        12 => &[Hex],
        13 => &[Signal, Hex, Hex, Int],
        14 => &[Choice(flags::SIGPROCMASK_HOW), Hex, Hex, Int],
        16 => &[Fd, Choice(flags::IOCTL), Hex],
        17 => &[Fd, OutBuffer, Int, Int],
        18 => &[Fd, InBuffer(2), Int, Int],
        19 | 20 => &[Fd, Hex, Int],
        21 => &[Path, Bits(flags::ACCESS)],
        33 => &[Fd, Fd],
        56 => &[Bits(flags::CLONE), Hex, Hex, Hex, Hex],
        60 | 231 => &[Int],
        62 => &[Int, Signal],
        72 => &[Fd, Choice(flags::FCNTL), Hex],
        79 => &[OutBuffer, Int],
        80 | 84 | 87 => &[Path],
        83 => &[Path, Octal],
        89 => &[Path, OutBuffer, Int],
        158 => &[Choice(flags::ARCH_PRCTL), Hex],
        200 => &[Int, Signal],
        202 => &[Hex, Choice(flags::FUTEX_OPS), Int, Hex, Hex, Int],
        217 => &[Fd, Hex, Int],
        228 | 229 => &[Choice(flags::CLOCKS), Hex],
        230 => &[Choice(flags::CLOCKS), Int, Hex, Hex],
        234 => &[Int, Int, Signal],
        257 => &[DirFd, Path, OpenFlags],
        258 => &[DirFd, Path, Octal],
        262 => &[DirFd, Path, Hex, Bits(flags::AT_FLAGS)],
        263 => &[DirFd, Path, Bits(flags::AT_FLAGS)],
        267 => &[DirFd, Path, OutBuffer, Int],
        269 | 439 => &[DirFd, Path, Bits(flags::ACCESS), Bits(flags::AT_FLAGS)],
        292 => &[Fd, Fd, OpenFlags],
        293 => &[Hex, OpenFlags],
        302 => &[Int, Int, Hex, Hex],
        318 => &[Hex, Int, Hex],
        332 => &[DirFd, Path, Bits(flags::AT_FLAGS), Hex, Hex],
        _ => return None,
    })
}

/// The most bytes of a buffer or string shown.
const SHOWN: usize = 32;

/// Appends the argument `value` of kind `arg`; `args` and `result` serve lengths.
pub fn write(out: &mut String, arg: Arg, value: u64, args: &[u64; 6], result: Option<usize>) {
    match arg {
        Int => {
            let _ = write!(out, "{}", value as i64);
        }
        Hex => {
            let _ = write!(out, "{value:#x}");
        }
        Fd => {
            let _ = write!(out, "{}", value as i32);
        }
        DirFd if value as i32 == -100 => out.push_str("AT_FDCWD"),
        DirFd => {
            let _ = write!(out, "{}", value as i32);
        }
        Path => match read_cstring(value, 4095) {
            Ok(text) => quote(out, &text, text.len()),
            Err(_) => {
                let _ = write!(out, "{value:#x}");
            }
        },
        InBuffer(length_index) => buffer(out, value, args[length_index] as usize),
        OutBuffer => match result {
            Some(length) => buffer(out, value, length),
            None => {
                let _ = write!(out, "{value:#x}");
            }
        },
        Octal => mode(out, value),
        Bits(names) => flags::bits(out, value, names),
        Choice(names) => flags::choice(out, value, names),
        OpenFlags => flags::open_flags(out, value),
        Signal => {
            let name = crate::task::signal::Signal(value as u32).name();
            out.push_str(if value == 0 { "0" } else { name });
        }
    }
}

/// A file mode as strace shows it: `0644`.
pub fn mode(out: &mut String, value: u64) {
    let _ = write!(out, "0{value:03o}");
}

fn buffer(out: &mut String, address: u64, length: usize) {
    let mut bytes = [0u8; SHOWN];
    let shown = length.min(SHOWN);
    match copy_from_user(&mut bytes[..shown], address) {
        Ok(()) => quote(out, &bytes[..shown], length),
        Err(_) => {
            let _ = write!(out, "{address:#x}");
        }
    }
}

/// A C-style quoted string of the first bytes of something `total` bytes long.
fn quote(out: &mut String, bytes: &[u8], total: usize) {
    out.push('"');
    for &byte in bytes.iter().take(SHOWN) {
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(byte as char),
            _ => {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
    out.push('"');
    if total > SHOWN.min(bytes.len()) {
        out.push_str("...");
    }
}
