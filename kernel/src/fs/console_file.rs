//! Descriptors 0, 1 and 2, `/dev/tty` and `/dev/console`: the console, as a character
//! device that is a terminal (tty_ioctl(4)).

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU8, Ordering};

use crate::drivers::console;
use crate::mm::user::{write_user, Plain};
use crate::syscall::errno::{Errno, SysResult};

use super::buffer::Buffer;
use super::file::{File, IoFlags, PollState, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use super::inode::Metadata;

/// Which standard stream a console descriptor is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Input,
    Output,
    Error,
    /// `/dev/tty`: reads standard input, writes standard output.
    Terminal,
}

pub struct ConsoleFile {
    pub stream: Stream,
}

const TCGETS: u64 = 0x5401;
const TCSETS: u64 = 0x5402;
const TCSETSW: u64 = 0x5403;
const TCSETSF: u64 = 0x5404;
const TIOCGPGRP: u64 = 0x540f;
const TIOCSPGRP: u64 = 0x5410;
const TIOCGWINSZ: u64 = 0x5413;
const TIOCSWINSZ: u64 = 0x5414;
const FIONREAD: u64 = 0x541b;
const TIOCGSID: u64 = 0x5429;
const S_IFCHR: u32 = 0o020000;
const S_IFIFO: u32 = 0o010000;

/// Which standard streams are terminals on the host (`tty=` on the kernel command line,
/// one bit per descriptor); without the option all are.
static TERMINALS: AtomicU8 = AtomicU8::new(0b111);

/// Records which of descriptors 0, 1 and 2 are terminals on the host.
pub fn set_terminals(mask: u8) {
    TERMINALS.store(mask, Ordering::Relaxed);
}

fn is_terminal(stream: Stream) -> bool {
    let bit = match stream {
        Stream::Input => 0,
        Stream::Output => 1,
        Stream::Error => 2,
        Stream::Terminal => return true,
    };
    TERMINALS.load(Ordering::Relaxed) & (1 << bit) != 0
}
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
    fn read(&self, _: &mut u64, buffer: &mut Buffer, flags: IoFlags) -> SysResult {
        if matches!(self.stream, Stream::Output | Stream::Error) {
            return Err(Errno::EBADF);
        }
        if flags.nonblock && buffer.remaining() > 0 && !console::stdin_ready() {
            return Err(Errno::EAGAIN);
        }
        let mut bytes: Vec<u8> = alloc::vec![0; buffer.remaining().min(64 * 1024)];
        let count = console::read_stdin(&mut bytes)?;
        buffer.put(&bytes[..count])?;
        Ok(count)
    }

    fn write(&self, _: &mut u64, buffer: &mut Buffer, _: IoFlags) -> SysResult {
        let mut written = 0;
        while buffer.remaining() > 0 {
            let bytes = match buffer.take_vec(64 * 1024) {
                Ok(bytes) => bytes,
                Err(errno) if written == 0 => return Err(errno),
                Err(_) => break,
            };
            match self.stream {
                Stream::Input => return Err(Errno::EBADF),
                Stream::Output | Stream::Terminal => console::write_stdout(&bytes),
                Stream::Error => console::write_stderr(&bytes),
            }
            written += bytes.len();
        }
        Ok(written)
    }

    fn poll(&self) -> PollState {
        let readable = matches!(self.stream, Stream::Input | Stream::Terminal);
        let mut events = 0;
        if readable && console::stdin_ready() {
            events |= POLLIN | POLLRDNORM;
        }
        if self.stream != Stream::Input {
            events |= POLLOUT | POLLWRNORM;
        }
        PollState::ready(events)
    }

    fn ioctl(&self, request: u64, argument: u64) -> SysResult {
        let terminal_request = request != FIONREAD;
        if terminal_request && !is_terminal(self.stream) {
            return Err(Errno::ENOTTY);
        }
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
            // Settings are accepted; the serial line has no modes to change.
            TCSETS | TCSETSW | TCSETSF | TIOCSWINSZ | TIOCSPGRP => Ok(0),
            TIOCGWINSZ => {
                let size = WindowSize {
                    rows: 24,
                    columns: 80,
                    ..WindowSize::default()
                };
                write_user(argument, &size)?;
                Ok(0)
            }
            TIOCGPGRP | TIOCGSID => {
                write_user(argument, &(crate::task::PID as i32))?;
                Ok(0)
            }
            FIONREAD => {
                let available = console::stdin_available().min(i32::MAX as usize) as i32;
                write_user(argument, &available)?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }

    fn stat(&self) -> Metadata {
        let time = super::synthetic::boot_time();
        // A stream redirected on the host looks like a pipe, as it would to a program there.
        let mode = if is_terminal(self.stream) {
            S_IFCHR | 0o620
        } else {
            S_IFIFO | 0o600
        };
        Metadata {
            device: 0x06,
            mode,
            inode: 3 + self.stream as u64,
            links: 1,
            rdev: TTY_RDEV,
            block_size: 1024,
            accessed: time,
            modified: time,
            changed: time,
            ..Metadata::default()
        }
    }

    fn describe(&self) -> Vec<u8> {
        b"/dev/ttyS0".to_vec()
    }
}
