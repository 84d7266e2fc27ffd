//! The console: where the application's standard streams and the kernel's log go, and
//! the control channel to `pith` (docs/host-protocol.md).
//!
//! COM1 carries standard output, COM2 standard error and the log, COM3 the framed control
//! channel. Without COM2 and COM3 everything uses COM1 and standard input never ends.

use alloc::collections::VecDeque;
use spin::{Mutex, Once};

use super::serial::Uart;
use crate::syscall::errno::Errno;
use crate::task::wait::WaitQueue;

const COM1: u16 = 0x3f8;
const COM2: u16 = 0x2f8;
const COM3: u16 = 0x3e8;

/// Control frame types.
const FRAME_EXIT: u8 = 0x01;
const FRAME_CRASH: u8 = 0x02;
const FRAME_STDIN_DATA: u8 = 0x10;
const FRAME_STDIN_END: u8 = 0x11;

struct Ports {
    stdout: Option<Uart>,
    stderr: Option<Uart>,
    control: Option<Uart>,
}

static PORTS: Once<Ports> = Once::new();

/// Bytes received for standard input and not yet read, and whether input has ended.
struct Stdin {
    buffer: VecDeque<u8>,
    ended: bool,
}

static STDIN: Mutex<Stdin> = Mutex::new(Stdin {
    buffer: VecDeque::new(),
    ended: false,
});

/// Finds the serial ports. Safe to call before the heap exists.
pub fn init() {
    PORTS.call_once(|| Ports {
        stdout: Uart::probe(COM1),
        stderr: Uart::probe(COM2),
        control: Uart::probe(COM3),
    });
}

fn ports() -> &'static Ports {
    init();
    PORTS.get().expect("initialised above")
}

/// ISA interrupt lines of COM1 and COM3.
const COM1_LINE: u8 = 4;
const COM3_LINE: u8 = 6;

/// The interrupt line that signals standard input, with its interrupt enabled.
pub fn interrupt_lines() -> &'static [u8] {
    let ports = ports();
    if let Some(uart) = ports.control {
        uart.enable_receive_interrupt();
        &[COM3_LINE]
    } else if let Some(uart) = ports.stdout {
        uart.enable_receive_interrupt();
        &[COM1_LINE]
    } else {
        &[]
    }
}

/// Input arrived: take it in and wake whoever waits for it.
pub fn interrupt() {
    let mut stdin = STDIN.lock();
    poll_control(&mut stdin);
    drop(stdin);
    read_raw_console();
    STDIN_WAIT.wake_all();
    crate::fs::poll::notify();
}

pub fn write_stdout(bytes: &[u8]) {
    if let Some(uart) = ports().stdout {
        uart.write(bytes);
    }
}

/// Standard error and kernel messages: COM2, or COM1 where there is no COM2.
pub fn write_stderr(bytes: &[u8]) {
    let ports = ports();
    if let Some(uart) = ports.stderr.or(ports.stdout) {
        uart.write(bytes);
    }
}

/// A `core::fmt::Write` sink for kernel messages.
pub struct KernelWriter;

impl core::fmt::Write for KernelWriter {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        write_stderr(text.as_bytes());
        Ok(())
    }
}

/// Whether a read of standard input would return at once.
pub fn stdin_ready() -> bool {
    let mut stdin = STDIN.lock();
    poll_control(&mut stdin);
    !stdin.buffer.is_empty() || stdin.ended
}

/// How many bytes of standard input are waiting to be read (`FIONREAD`).
pub fn stdin_available() -> usize {
    let mut stdin = STDIN.lock();
    poll_control(&mut stdin);
    stdin.buffer.len()
}

/// Reads standard input into `buffer`, waiting for at least one byte; 0 means end of file.
/// A signal interrupts the wait (`ERESTARTSYS`).
pub fn read_stdin(buffer: &mut [u8]) -> Result<usize, Errno> {
    if buffer.is_empty() {
        return Ok(0);
    }
    STDIN_WAIT.wait_until(None, || {
        let mut stdin = STDIN.lock();
        poll_control(&mut stdin);
        if !stdin.buffer.is_empty() {
            let count = buffer.len().min(stdin.buffer.len());
            for (slot, byte) in buffer.iter_mut().zip(stdin.buffer.drain(..count)) {
                *slot = byte;
            }
            return Some(count);
        }
        if stdin.ended {
            return Some(0);
        }
        drop(stdin);
        read_raw_console();
        None
    })
}

/// Threads waiting for standard input.
static STDIN_WAIT: WaitQueue = WaitQueue::new();

/// Without a control channel, input comes raw from COM1.
fn read_raw_console() {
    let ports = ports();
    if ports.control.is_none() {
        while let Some(byte) = ports.stdout.and_then(|uart| uart.try_read_byte()) {
            STDIN.lock().buffer.push_back(byte);
        }
    }
}

/// Takes in every complete control frame waiting on COM3.
fn poll_control(stdin: &mut Stdin) {
    let Some(uart) = ports().control else {
        return;
    };
    while let Some(kind) = uart.try_read_byte() {
        let mut length = [0u8; 4];
        for byte in &mut length {
            *byte = uart.read_byte();
        }
        let length = u32::from_le_bytes(length);
        for _ in 0..length {
            let byte = uart.read_byte();
            if kind == FRAME_STDIN_DATA {
                stdin.buffer.push_back(byte);
            }
        }
        if kind == FRAME_STDIN_END {
            stdin.ended = true;
        }
        STDIN_WAIT.wake_all();
        crate::fs::poll::notify();
    }
}

/// How the run ended, as the exit frame reports it.
#[derive(Clone, Copy)]
pub enum Outcome {
    Exited(u8),
    Killed(u32),
    KernelFailure,
}

/// What `pith` needs to symbolize a crash (docs/host-protocol.md, "crash" frame).
pub struct CrashReport<'a> {
    /// 0: the application died of a signal; 1: the kernel failed.
    pub kind: u8,
    pub signal: u32,
    pub code: i32,
    pub address: u64,
    pub load_bias: u64,
    /// rip, rsp, rflags, rax, rbx, rcx, rdx, rsi, rdi, rbp, r8 to r15.
    pub registers: [u64; 18],
    pub return_addresses: &'a [u64],
}

/// Sends a crash report to `pith`, if there is a control channel.
pub fn send_crash(report: &CrashReport) {
    let Some(uart) = ports().control else {
        return;
    };
    let length = 1 + 4 + 4 + 8 + 8 + 18 * 8 + 4 + 8 * report.return_addresses.len();
    uart.write_byte(FRAME_CRASH);
    uart.write(&(length as u32).to_le_bytes());
    uart.write_byte(report.kind);
    uart.write(&report.signal.to_le_bytes());
    uart.write(&report.code.to_le_bytes());
    uart.write(&report.address.to_le_bytes());
    uart.write(&report.load_bias.to_le_bytes());
    for register in report.registers {
        uart.write(&register.to_le_bytes());
    }
    uart.write(&(report.return_addresses.len() as u32).to_le_bytes());
    for address in report.return_addresses {
        uart.write(&address.to_le_bytes());
    }
}

/// Tells `pith` how the run ended and stops the VM.
pub fn finish(outcome: Outcome) -> ! {
    let (kind, value, code) = match outcome {
        Outcome::Exited(status) => (0u8, status as u32, status),
        Outcome::Killed(signal) => (1, signal, (128 + signal) as u8),
        Outcome::KernelFailure => (2, 0, 125),
    };
    if let Some(uart) = ports().control {
        uart.write_byte(FRAME_EXIT);
        uart.write(&5u32.to_le_bytes());
        uart.write_byte(kind);
        uart.write(&value.to_le_bytes());
    }
    crate::arch::cpu::power_off(code);
}
