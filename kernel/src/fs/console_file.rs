//! Descriptors 0, 1 and 2: the console, as a character device that is a terminal.

use crate::drivers::console;
use crate::mm::user::{write_user, Plain};
use crate::syscall::errno::{Errno, SysResult};

use super::file::{File, FileStat, POLLIN, POLLOUT};

/// Which standard stream a console descriptor is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Input,
    Output,
    Error,
}

pub struct ConsoleFile {
    pub stream: Stream,
}

const TCGETS: u64 = 0x5401;
const TIOCGWINSZ: u64 = 0x5413;
const S_IFCHR: u32 = 0o020000;
/// /dev/ttyS0 is character device 4:64.
const TTY_RDEV: u64 = (4 << 8) | 64;

/// `struct termios` of the kernel ABI (include/uapi/asm-generic/termbits.h).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Termios {
    iflag: u32,
    oflag: u32,
    cflag: u32,
    lflag: u32,
    line: u8,
    control_chars: [u8; 19],
}

// SAFETY: all fields are integers and the layout has no padding (4 * 4 + 1 + 19 bytes).
unsafe impl Plain for Termios {}

/// `struct winsize`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct WindowSize {
    rows: u16,
    columns: u16,
    x_pixels: u16,
    y_pixels: u16,
}

// SAFETY: four u16 fields, no padding.
unsafe impl Plain for WindowSize {}

impl File for ConsoleFile {
    fn read(&self, buffer: &mut [u8]) -> SysResult {
        if self.stream != Stream::Input {
            return Err(Errno::EBADF);
        }
        console::read_stdin(buffer)
    }

    fn write(&self, bytes: &[u8]) -> SysResult {
        match self.stream {
            Stream::Input => return Err(Errno::EBADF),
            Stream::Output => console::write_stdout(bytes),
            Stream::Error => console::write_stderr(bytes),
        }
        Ok(bytes.len())
    }

    fn poll(&self) -> u16 {
        match self.stream {
            Stream::Input if console::stdin_ready() => POLLIN,
            Stream::Input => 0,
            _ => POLLOUT,
        }
    }

    fn ioctl(&self, request: u64, argument: u64) -> SysResult {
        match request {
            TCGETS => {
                // Cooked mode as a Linux serial console reports it: ICRNL | IXON, OPOST |
                // ONLCR, B38400 | CS8 | CREAD | HUPCL, ISIG | ICANON | ECHO family.
                let termios = Termios {
                    iflag: 0o2400,
                    oflag: 0o5,
                    cflag: 0o2277,
                    lflag: 0o105073,
                    line: 0,
                    control_chars: [
                        3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0,
                    ],
                };
                write_user(argument, &termios)?;
                Ok(0)
            }
            TIOCGWINSZ => {
                let size = WindowSize {
                    rows: 24,
                    columns: 80,
                    ..WindowSize::default()
                };
                write_user(argument, &size)?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }

    fn stat(&self) -> FileStat {
        FileStat {
            mode: S_IFCHR | 0o620,
            inode: 3 + self.stream as u64,
            size: 0,
            rdev: TTY_RDEV,
            block_size: 1024,
        }
    }
}
