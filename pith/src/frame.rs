//! The control channel's frames (docs/host-protocol.md, "Control frames"): a one-byte type,
//! a 4-byte little-endian payload length, then the payload.

use thiserror::Error;

use crate::diagnostics::crash::{Crash, CrashDecodeError};

/// Guest to host: the application ended.
pub const EXIT: u8 = 0x01;
/// Guest to host: what a crash report needs, just before the exit frame.
pub const CRASH: u8 = 0x02;
/// Host to guest: bytes for the application's standard input.
pub const STDIN_DATA: u8 = 0x10;
/// Host to guest: standard input reached end of file.
pub const STDIN_END: u8 = 0x11;

const HEADER_LEN: usize = 5;
/// No frame the guest sends is anywhere near this long; a longer one means the stream is
/// garbage, and buffering it would only waste memory.
const MAX_PAYLOAD: usize = 64 * 1024;

/// How the guest said it ended, from an exit frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestExit {
    /// The application called `exit_group` with this status.
    Exited(u32),
    /// The application was killed by this signal.
    Signaled(u32),
    /// The kernel itself failed.
    KernelFailed,
}

impl GuestExit {
    /// pith's exit status for this outcome: the low byte of an exit status, `128 + S` for a
    /// signal, 125 for a kernel failure.
    pub fn exit_code(self) -> u8 {
        match self {
            GuestExit::Exited(status) => status.to_le_bytes()[0],
            GuestExit::Signaled(signal) => u8::try_from(128 + u64::from(signal)).unwrap_or(255),
            GuestExit::KernelFailed => 125,
        }
    }
}

/// A frame from the guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuestFrame {
    Exit(GuestExit),
    Crash(Box<Crash>),
    /// A type this pith does not know, skipped so that newer kernels keep working.
    Unknown(u8),
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum FrameError {
    /// A length no frame has: the stream is out of step, so decoding stops.
    #[error("the VM sent a control frame of type {kind:#04x} claiming {len} bytes")]
    TooLong { kind: u8, len: u32 },
    /// An exit frame whose payload is not `kind: u8, value: u32` with a known kind.
    #[error("the VM sent a malformed exit frame ({0:02x?})")]
    BadExit(Vec<u8>),
    /// A crash frame that does not follow the protocol; the backtrace is lost.
    #[error("the VM sent a malformed crash frame: {0}")]
    BadCrash(CrashDecodeError),
}

/// Encodes one frame.
pub fn encode(kind: u8, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).expect("frame payloads are small");
    let mut frame = Vec::with_capacity(HEADER_LEN + payload.len());
    frame.push(kind);
    frame.extend_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(payload);
    frame
}

/// Splits the bytes read from the control port into frames, however the reads cut them.
#[derive(Debug, Default)]
pub struct FrameDecoder {
    buffer: Vec<u8>,
    broken: bool,
}

impl FrameDecoder {
    pub fn push(&mut self, bytes: &[u8]) {
        if !self.broken {
            self.buffer.extend_from_slice(bytes);
        }
    }

    /// The next complete frame, if one has arrived. After a `TooLong` error the decoder
    /// ignores everything, as frame boundaries are lost.
    pub fn next_frame(&mut self) -> Option<Result<GuestFrame, FrameError>> {
        let header = self.buffer.get(..HEADER_LEN)?;
        let kind = header[0];
        let len = u32::from_le_bytes([header[1], header[2], header[3], header[4]]);
        if len as usize > MAX_PAYLOAD {
            self.broken = true;
            self.buffer = Vec::new();
            return Some(Err(FrameError::TooLong { kind, len }));
        }

        let end = HEADER_LEN + len as usize;
        if self.buffer.len() < end {
            return None;
        }
        let frame: Vec<u8> = self.buffer.drain(..end).collect();
        Some(decode(kind, &frame[HEADER_LEN..]))
    }
}

fn decode(kind: u8, payload: &[u8]) -> Result<GuestFrame, FrameError> {
    match kind {
        EXIT => decode_exit(payload),
        CRASH => match Crash::decode(payload) {
            Ok(crash) => Ok(GuestFrame::Crash(Box::new(crash))),
            Err(error) => Err(FrameError::BadCrash(error)),
        },
        _ => Ok(GuestFrame::Unknown(kind)),
    }
}

fn decode_exit(payload: &[u8]) -> Result<GuestFrame, FrameError> {
    let bad = || FrameError::BadExit(payload.to_vec());
    let &[exit_kind, v0, v1, v2, v3] = payload else {
        return Err(bad());
    };
    let value = u32::from_le_bytes([v0, v1, v2, v3]);
    let exit = match exit_kind {
        0 => GuestExit::Exited(value),
        1 => GuestExit::Signaled(value),
        2 => GuestExit::KernelFailed,
        _ => return Err(bad()),
    };
    Ok(GuestFrame::Exit(exit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exit_frame(kind: u8, value: u32) -> Vec<u8> {
        let mut payload = vec![kind];
        payload.extend_from_slice(&value.to_le_bytes());
        encode(EXIT, &payload)
    }

    #[test]
    fn encodes_stdin_frames() {
        assert_eq!(encode(STDIN_DATA, b"hi"), b"\x10\x02\x00\x00\x00hi");
        assert_eq!(encode(STDIN_END, b""), b"\x11\x00\x00\x00\x00");
    }

    #[test]
    fn decodes_exit_frames() {
        let mut decoder = FrameDecoder::default();
        decoder.push(&exit_frame(0, 42));
        decoder.push(&exit_frame(1, 11));
        decoder.push(&exit_frame(2, 0));
        let exits = [
            GuestExit::Exited(42),
            GuestExit::Signaled(11),
            GuestExit::KernelFailed,
        ];
        for exit in exits {
            assert_eq!(decoder.next_frame(), Some(Ok(GuestFrame::Exit(exit))));
        }
        assert_eq!(decoder.next_frame(), None);
    }

    #[test]
    fn frames_split_across_reads() {
        let frame = exit_frame(0, 7);
        let mut decoder = FrameDecoder::default();
        for byte in &frame[..frame.len() - 1] {
            decoder.push(std::slice::from_ref(byte));
            assert_eq!(decoder.next_frame(), None);
        }
        decoder.push(&frame[frame.len() - 1..]);
        let exit = GuestFrame::Exit(GuestExit::Exited(7));
        assert_eq!(decoder.next_frame(), Some(Ok(exit)));
    }

    #[test]
    fn unknown_frames_are_skipped() {
        let mut decoder = FrameDecoder::default();
        decoder.push(&encode(0x42, b"future"));
        decoder.push(&exit_frame(0, 0));
        assert_eq!(decoder.next_frame(), Some(Ok(GuestFrame::Unknown(0x42))));
        let exit = GuestFrame::Exit(GuestExit::Exited(0));
        assert_eq!(decoder.next_frame(), Some(Ok(exit)));
    }

    #[test]
    fn malformed_exit_frames_are_errors() {
        let mut decoder = FrameDecoder::default();
        decoder.push(&encode(EXIT, &[0, 1, 2]));
        decoder.push(&encode(EXIT, &[9, 0, 0, 0, 0]));
        assert_eq!(
            decoder.next_frame(),
            Some(Err(FrameError::BadExit(vec![0, 1, 2])))
        );
        assert!(matches!(
            decoder.next_frame(),
            Some(Err(FrameError::BadExit(_)))
        ));
    }

    #[test]
    fn decodes_crash_frames() {
        use crate::diagnostics::crash::{self, CrashKind};
        let crash = Crash {
            kind: CrashKind::Program,
            signal: 11,
            code: 1,
            address: 0,
            load_bias: 0x5555_5540_0000,
            registers: [7; 18],
            return_addresses: vec![0x5555_5540_1234],
        };
        let mut decoder = FrameDecoder::default();
        decoder.push(&encode(CRASH, &crash::encode(&crash)));
        decoder.push(&encode(CRASH, &[1, 2, 3]));
        decoder.push(&exit_frame(1, 11));
        let frame = GuestFrame::Crash(Box::new(crash));
        assert_eq!(decoder.next_frame(), Some(Ok(frame)));
        assert_eq!(
            decoder.next_frame(),
            Some(Err(FrameError::BadCrash(CrashDecodeError::Short(3))))
        );
        let exit = GuestFrame::Exit(GuestExit::Signaled(11));
        assert_eq!(decoder.next_frame(), Some(Ok(exit)));
    }

    #[test]
    fn absurd_length_stops_decoding() {
        let mut decoder = FrameDecoder::default();
        decoder.push(&[EXIT, 0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(
            decoder.next_frame(),
            Some(Err(FrameError::TooLong { kind: EXIT, .. }))
        ));
        decoder.push(&exit_frame(0, 0));
        assert_eq!(decoder.next_frame(), None);
    }

    #[test]
    fn exit_codes_follow_the_protocol() {
        assert_eq!(GuestExit::Exited(0).exit_code(), 0);
        assert_eq!(GuestExit::Exited(3).exit_code(), 3);
        assert_eq!(GuestExit::Exited(256 + 7).exit_code(), 7);
        assert_eq!(GuestExit::Signaled(9).exit_code(), 137);
        assert_eq!(GuestExit::Signaled(200).exit_code(), 255);
        assert_eq!(GuestExit::KernelFailed.exit_code(), 125);
    }
}
