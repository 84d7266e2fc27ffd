//! Socket options every socket has (`SOL_SOCKET`, socket(7)): flags and sizes kept as the
//! application set them, read back as Linux reports them.

use alloc::vec::Vec;

use crate::syscall::errno::Errno;

pub const SOL_SOCKET: u32 = 1;

pub const SO_REUSEADDR: u32 = 2;
pub const SO_TYPE: u32 = 3;
pub const SO_ERROR: u32 = 4;
pub const SO_DONTROUTE: u32 = 5;
pub const SO_BROADCAST: u32 = 6;
pub const SO_SNDBUF: u32 = 7;
pub const SO_RCVBUF: u32 = 8;
pub const SO_KEEPALIVE: u32 = 9;
pub const SO_OOBINLINE: u32 = 10;
pub const SO_PRIORITY: u32 = 12;
pub const SO_LINGER: u32 = 13;
pub const SO_REUSEPORT: u32 = 15;
pub const SO_PASSCRED: u32 = 16;
pub const SO_PEERCRED: u32 = 17;
pub const SO_RCVLOWAT: u32 = 18;
pub const SO_SNDLOWAT: u32 = 19;
pub const SO_RCVTIMEO: u32 = 20;
pub const SO_SNDTIMEO: u32 = 21;
pub const SO_TIMESTAMP: u32 = 29;
pub const SO_ACCEPTCONN: u32 = 30;
pub const SO_SNDBUFFORCE: u32 = 32;
pub const SO_RCVBUFFORCE: u32 = 33;
pub const SO_PROTOCOL: u32 = 38;
pub const SO_DOMAIN: u32 = 39;

/// Linux's defaults (`net.core.wmem_default`, `rmem_default`) and floors, as reported.
const DEFAULT_SEND_BUFFER: u32 = 212_992;
const DEFAULT_RECEIVE_BUFFER: u32 = 212_992;
const MIN_SEND_BUFFER: u32 = 4608;
const MIN_RECEIVE_BUFFER: u32 = 2304;
const MAX_BUFFER: u32 = 4 << 20;

#[derive(Clone, Debug)]
pub struct CommonOptions {
    pub reuse_address: bool,
    pub reuse_port: bool,
    pub keepalive: bool,
    pub broadcast: bool,
    pub pass_credentials: bool,
    pub out_of_band_inline: bool,
    pub dont_route: bool,
    pub timestamp: bool,
    pub priority: u32,
    pub receive_low_water: u32,
    /// `SO_LINGER`: seconds to linger on close, when on.
    pub linger: Option<u32>,
    pub send_buffer: u32,
    pub receive_buffer: u32,
    /// `SO_RCVTIMEO`/`SO_SNDTIMEO` in nanoseconds; `None` waits for ever.
    pub receive_timeout: Option<u64>,
    pub send_timeout: Option<u64>,
}

impl Default for CommonOptions {
    fn default() -> Self {
        CommonOptions {
            reuse_address: false,
            reuse_port: false,
            keepalive: false,
            broadcast: false,
            pass_credentials: false,
            out_of_band_inline: false,
            dont_route: false,
            timestamp: false,
            priority: 0,
            receive_low_water: 1,
            linger: None,
            send_buffer: DEFAULT_SEND_BUFFER,
            receive_buffer: DEFAULT_RECEIVE_BUFFER,
            receive_timeout: None,
            send_timeout: None,
        }
    }
}

/// An `int` option value; Linux wants at least four bytes.
pub fn int_value(value: &[u8]) -> Result<i32, Errno> {
    let bytes = value.get(..4).ok_or(Errno::EINVAL)?;
    Ok(i32::from_ne_bytes(bytes.try_into().unwrap()))
}

pub fn int_bytes(value: i32) -> Vec<u8> {
    value.to_ne_bytes().to_vec()
}

/// A `struct timeval` option value as nanoseconds; zero means no timeout.
fn timeout_value(value: &[u8]) -> Result<Option<u64>, Errno> {
    let bytes = value.get(..16).ok_or(Errno::EINVAL)?;
    let seconds = i64::from_ne_bytes(bytes[..8].try_into().unwrap());
    let micros = i64::from_ne_bytes(bytes[8..].try_into().unwrap());
    if !(0..1_000_000).contains(&micros) {
        return Err(Errno::EDOM);
    }
    if seconds < 0 {
        return Ok(Some(0));
    }
    let nanos = (seconds as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(micros as u64 * 1000);
    Ok((nanos != 0).then_some(nanos))
}

fn timeout_bytes(timeout: Option<u64>) -> Vec<u8> {
    let nanos = timeout.unwrap_or(0);
    let mut bytes = ((nanos / 1_000_000_000) as i64).to_ne_bytes().to_vec();
    bytes.extend_from_slice(&(((nanos % 1_000_000_000) / 1000) as i64).to_ne_bytes());
    bytes
}

impl CommonOptions {
    /// `setsockopt(SOL_SOCKET, name)`; `ENOPROTOOPT` for options it does not know.
    pub fn set(&mut self, name: u32, value: &[u8]) -> Result<(), Errno> {
        let flag = || int_value(value).map(|value| value != 0);
        match name {
            SO_REUSEADDR => self.reuse_address = flag()?,
            SO_REUSEPORT => self.reuse_port = flag()?,
            SO_KEEPALIVE => self.keepalive = flag()?,
            SO_BROADCAST => self.broadcast = flag()?,
            SO_PASSCRED => self.pass_credentials = flag()?,
            SO_OOBINLINE => self.out_of_band_inline = flag()?,
            SO_DONTROUTE => self.dont_route = flag()?,
            SO_TIMESTAMP => self.timestamp = flag()?,
            SO_PRIORITY => self.priority = int_value(value)?.max(0) as u32,
            SO_RCVLOWAT => self.receive_low_water = int_value(value)?.max(1) as u32,
            SO_SNDLOWAT => return Err(Errno::ENOPROTOOPT),
            SO_SNDBUF | SO_SNDBUFFORCE => {
                let size = int_value(value)?.max(0) as u32;
                self.send_buffer = size.min(MAX_BUFFER).saturating_mul(2).max(MIN_SEND_BUFFER);
            }
            SO_RCVBUF | SO_RCVBUFFORCE => {
                let size = int_value(value)?.max(0) as u32;
                self.receive_buffer = size
                    .min(MAX_BUFFER)
                    .saturating_mul(2)
                    .max(MIN_RECEIVE_BUFFER);
            }
            SO_LINGER => {
                let bytes = value.get(..8).ok_or(Errno::EINVAL)?;
                let on = i32::from_ne_bytes(bytes[..4].try_into().unwrap()) != 0;
                let seconds = i32::from_ne_bytes(bytes[4..].try_into().unwrap()).max(0);
                self.linger = on.then_some(seconds as u32);
            }
            SO_RCVTIMEO => self.receive_timeout = timeout_value(value)?,
            SO_SNDTIMEO => self.send_timeout = timeout_value(value)?,
            _ => return Err(Errno::ENOPROTOOPT),
        }
        Ok(())
    }

    /// `getsockopt(SOL_SOCKET, name)` for the options that do not depend on the socket's
    /// kind or state.
    pub fn get(&self, name: u32) -> Result<Vec<u8>, Errno> {
        let flag = |value: bool| int_bytes(value as i32);
        Ok(match name {
            SO_REUSEADDR => flag(self.reuse_address),
            SO_REUSEPORT => flag(self.reuse_port),
            SO_KEEPALIVE => flag(self.keepalive),
            SO_BROADCAST => flag(self.broadcast),
            SO_PASSCRED => flag(self.pass_credentials),
            SO_OOBINLINE => flag(self.out_of_band_inline),
            SO_DONTROUTE => flag(self.dont_route),
            SO_TIMESTAMP => flag(self.timestamp),
            SO_PRIORITY => int_bytes(self.priority as i32),
            SO_RCVLOWAT => int_bytes(self.receive_low_water as i32),
            SO_SNDLOWAT => int_bytes(1),
            SO_SNDBUF => int_bytes(self.send_buffer as i32),
            SO_RCVBUF => int_bytes(self.receive_buffer as i32),
            SO_LINGER => {
                let mut bytes = int_bytes(self.linger.is_some() as i32);
                bytes.extend_from_slice(&(self.linger.unwrap_or(0) as i32).to_ne_bytes());
                bytes
            }
            SO_RCVTIMEO => timeout_bytes(self.receive_timeout),
            SO_SNDTIMEO => timeout_bytes(self.send_timeout),
            _ => return Err(Errno::ENOPROTOOPT),
        })
    }
}
