//! The crash frame (docs/host-protocol.md, "Control frames", type 0x02): what the kernel
//! knows of a fatal signal in the program or of its own failure, decoded without trusting
//! a byte of it.

use thiserror::Error;

/// rip, rsp, rflags, rax, rbx, rcx, rdx, rsi, rdi, rbp, r8 to r15.
const REGISTER_COUNT: usize = 18;
/// kind, signal, code, address, load_bias, registers, frames.
const FIXED_LEN: usize = 1 + 4 + 4 + 8 + 8 + REGISTER_COUNT * 8 + 4;

/// Whose code failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashKind {
    /// The program died of a signal.
    Program,
    /// The kernel failed (a panic or an exception in ring 0).
    Kernel,
}

/// A decoded crash frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crash {
    pub kind: CrashKind,
    /// The signal number; 0 for a kernel failure.
    pub signal: u32,
    /// `si_code`.
    pub code: i32,
    /// `si_addr`, or CR2 for a kernel failure.
    pub address: u64,
    /// Added to the program's ELF addresses when it was loaded (0 for `ET_EXEC`).
    pub load_bias: u64,
    /// rip, rsp, rflags, rax, rbx, rcx, rdx, rsi, rdi, rbp, r8 to r15 (the kernel prints
    /// them; pith needs only rip).
    pub registers: [u64; REGISTER_COUNT],
    /// The backtrace after the faulting instruction, innermost first.
    pub return_addresses: Vec<u64>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CrashDecodeError {
    /// Shorter than the fixed fields.
    #[error("{0} bytes is too short")]
    Short(usize),
    /// A kind the protocol does not define.
    #[error("unknown kind {0}")]
    UnknownKind(u8),
    /// The frame count disagrees with the bytes that follow it.
    #[error("{frames} return addresses announced but {bytes} bytes follow")]
    FrameCount { frames: u32, bytes: usize },
}

impl Crash {
    /// Decodes a crash frame's payload.
    pub fn decode(payload: &[u8]) -> Result<Crash, CrashDecodeError> {
        if payload.len() < FIXED_LEN {
            return Err(CrashDecodeError::Short(payload.len()));
        }
        let (fixed, rest) = payload.split_at(FIXED_LEN);
        let mut fields = Fields(fixed);

        let kind = match fields.bytes::<1>()[0] {
            0 => CrashKind::Program,
            1 => CrashKind::Kernel,
            other => return Err(CrashDecodeError::UnknownKind(other)),
        };
        let signal = u32::from_le_bytes(fields.bytes());
        let code = i32::from_le_bytes(fields.bytes());
        let address = fields.u64();
        let load_bias = fields.u64();
        let registers = [(); REGISTER_COUNT].map(|()| fields.u64());
        let frames = u32::from_le_bytes(fields.bytes());

        if rest.len() != frames as usize * 8 {
            let bytes = rest.len();
            return Err(CrashDecodeError::FrameCount { frames, bytes });
        }
        let return_addresses = rest
            .chunks_exact(8)
            .map(|chunk| u64::from_le_bytes(chunk.try_into().expect("chunks of 8")))
            .collect();
        Ok(Crash {
            kind,
            signal,
            code,
            address,
            load_bias,
            registers,
            return_addresses,
        })
    }

    /// Where the failure happened.
    pub fn rip(&self) -> u64 {
        self.registers[0]
    }

    /// The faulting instruction, then each return address.
    pub fn backtrace(&self) -> impl Iterator<Item = u64> + '_ {
        std::iter::once(self.rip()).chain(self.return_addresses.iter().copied())
    }
}

/// Reads fixed-size fields in order from a slice whose length was checked.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let (field, rest) = self.0.split_at(N);
        self.0 = rest;
        field.try_into().expect("split at N")
    }

    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.bytes())
    }
}

/// Encodes a crash frame's payload, as the kernel does; for tests.
#[cfg(test)]
pub fn encode(crash: &Crash) -> Vec<u8> {
    let kind = match crash.kind {
        CrashKind::Program => 0u8,
        CrashKind::Kernel => 1,
    };
    let mut payload = vec![kind];
    payload.extend_from_slice(&crash.signal.to_le_bytes());
    payload.extend_from_slice(&crash.code.to_le_bytes());
    payload.extend_from_slice(&crash.address.to_le_bytes());
    payload.extend_from_slice(&crash.load_bias.to_le_bytes());
    for register in crash.registers {
        payload.extend_from_slice(&register.to_le_bytes());
    }
    let frames = u32::try_from(crash.return_addresses.len()).expect("a short backtrace");
    payload.extend_from_slice(&frames.to_le_bytes());
    for address in &crash.return_addresses {
        payload.extend_from_slice(&address.to_le_bytes());
    }
    payload
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segv() -> Crash {
        let mut registers = [0; REGISTER_COUNT];
        for (index, register) in registers.iter_mut().enumerate() {
            *register = 0x1000 + index as u64;
        }
        registers[0] = 0x4016c3;
        Crash {
            kind: CrashKind::Program,
            signal: 11,
            code: 1,
            address: 0,
            load_bias: 0,
            registers,
            return_addresses: vec![0x401f00, 0x402a10],
        }
    }

    #[test]
    fn round_trip() {
        let crash = segv();
        let payload = encode(&crash);
        assert_eq!(payload.len(), FIXED_LEN + 16);
        assert_eq!(payload[..5], [0, 11, 0, 0, 0]);
        assert_eq!(Crash::decode(&payload), Ok(crash.clone()));
        let backtrace: Vec<u64> = crash.backtrace().collect();
        assert_eq!(backtrace, [0x4016c3, 0x401f00, 0x402a10]);
    }

    #[test]
    fn kernel_failures_and_negative_codes() {
        let crash = Crash {
            kind: CrashKind::Kernel,
            signal: 0,
            code: -6,
            return_addresses: Vec::new(),
            ..segv()
        };
        assert_eq!(Crash::decode(&encode(&crash)), Ok(crash));
    }

    #[test]
    fn damaged_frames_are_errors() {
        let payload = encode(&segv());
        assert_eq!(
            Crash::decode(&payload[..FIXED_LEN - 1]),
            Err(CrashDecodeError::Short(FIXED_LEN - 1))
        );
        assert_eq!(
            Crash::decode(&payload[..payload.len() - 1]),
            Err(CrashDecodeError::FrameCount {
                frames: 2,
                bytes: 15
            })
        );

        let mut unknown = payload.clone();
        unknown[0] = 7;
        assert_eq!(
            Crash::decode(&unknown),
            Err(CrashDecodeError::UnknownKind(7))
        );

        let mut huge = payload;
        huge[FIXED_LEN - 4..FIXED_LEN].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            Crash::decode(&huge),
            Err(CrashDecodeError::FrameCount { .. })
        ));
    }
}
