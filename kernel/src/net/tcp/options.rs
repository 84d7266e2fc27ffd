//! TCP-level and IP-level options of a TCP socket (tcp(7), ip(7), ipv6(7)).

use alloc::vec::Vec;

use smoltcp::socket::tcp;
use smoltcp::time::Duration;

use crate::net::options::{int_bytes, int_value, CommonOptions};
use crate::syscall::errno::Errno;

pub const IPPROTO_IP: u32 = 0;
pub const IPPROTO_TCP: u32 = 6;
pub const IPPROTO_IPV6: u32 = 41;

const TCP_NODELAY: u32 = 1;
const TCP_MAXSEG: u32 = 2;
const TCP_CORK: u32 = 3;
const TCP_KEEPIDLE: u32 = 4;
const TCP_KEEPINTVL: u32 = 5;
const TCP_KEEPCNT: u32 = 6;
const TCP_DEFER_ACCEPT: u32 = 9;
const TCP_QUICKACK: u32 = 12;
const TCP_USER_TIMEOUT: u32 = 18;
const TCP_FASTOPEN: u32 = 23;

const IP_TOS: u32 = 1;
const IP_TTL: u32 = 2;
const IPV6_UNICAST_HOPS: u32 = 16;
const IPV6_V6ONLY: u32 = 26;
const IPV6_TCLASS: u32 = 67;

#[derive(Clone, Debug)]
pub struct TcpOptions {
    pub no_delay: bool,
    pub cork: bool,
    pub quick_ack: bool,
    pub max_segment: u32,
    pub keep_idle: u32,
    pub keep_interval: u32,
    pub keep_count: u32,
    pub defer_accept: u32,
    pub user_timeout: u32,
    pub fast_open: u32,
    pub v6_only: bool,
    pub ttl: u32,
    pub tos: u32,
}

impl Default for TcpOptions {
    fn default() -> Self {
        TcpOptions {
            no_delay: false,
            cork: false,
            quick_ack: true,
            max_segment: 536,
            keep_idle: 7200,
            keep_interval: 75,
            keep_count: 9,
            defer_accept: 0,
            user_timeout: 0,
            fast_open: 0,
            v6_only: false,
            ttl: 64,
            tos: 0,
        }
    }
}

impl TcpOptions {
    /// Gives the smoltcp socket what it can honour of the options.
    pub fn apply(&self, socket: &mut tcp::Socket, common: &CommonOptions) {
        socket.set_nagle_enabled(!self.no_delay && !self.cork);
        let keep_alive = common
            .keepalive
            .then(|| Duration::from_secs(self.keep_idle as u64));
        socket.set_keep_alive(keep_alive);
        socket.set_hop_limit(Some(self.ttl.clamp(1, 255) as u8));
    }

    pub fn set(&mut self, level: u32, name: u32, value: &[u8]) -> Result<(), Errno> {
        let number = int_value(value)?;
        let positive = |number: i32| {
            if number < 1 {
                Err(Errno::EINVAL)
            } else {
                Ok(number as u32)
            }
        };
        match (level, name) {
            (IPPROTO_TCP, TCP_NODELAY) => self.no_delay = number != 0,
            (IPPROTO_TCP, TCP_CORK) => self.cork = number != 0,
            (IPPROTO_TCP, TCP_QUICKACK) => self.quick_ack = number != 0,
            (IPPROTO_TCP, TCP_MAXSEG) => self.max_segment = positive(number)?,
            (IPPROTO_TCP, TCP_KEEPIDLE) => self.keep_idle = positive(number)?,
            (IPPROTO_TCP, TCP_KEEPINTVL) => self.keep_interval = positive(number)?,
            (IPPROTO_TCP, TCP_KEEPCNT) => self.keep_count = positive(number)?,
            (IPPROTO_TCP, TCP_DEFER_ACCEPT) => self.defer_accept = number.max(0) as u32,
            (IPPROTO_TCP, TCP_USER_TIMEOUT) => self.user_timeout = number.max(0) as u32,
            (IPPROTO_TCP, TCP_FASTOPEN) => self.fast_open = number.max(0) as u32,
            (IPPROTO_IPV6, IPV6_V6ONLY) => self.v6_only = number != 0,
            (IPPROTO_IP, IP_TTL) | (IPPROTO_IPV6, IPV6_UNICAST_HOPS) => {
                self.ttl = if number == -1 {
                    64
                } else {
                    number.clamp(1, 255) as u32
                }
            }
            (IPPROTO_IP, IP_TOS) | (IPPROTO_IPV6, IPV6_TCLASS) => self.tos = number as u32 & 0xff,
            _ => return Err(Errno::ENOPROTOOPT),
        }
        Ok(())
    }

    pub fn get(&self, level: u32, name: u32) -> Result<Vec<u8>, Errno> {
        let value = match (level, name) {
            (IPPROTO_TCP, TCP_NODELAY) => self.no_delay as u32,
            (IPPROTO_TCP, TCP_CORK) => self.cork as u32,
            (IPPROTO_TCP, TCP_QUICKACK) => self.quick_ack as u32,
            (IPPROTO_TCP, TCP_MAXSEG) => self.max_segment,
            (IPPROTO_TCP, TCP_KEEPIDLE) => self.keep_idle,
            (IPPROTO_TCP, TCP_KEEPINTVL) => self.keep_interval,
            (IPPROTO_TCP, TCP_KEEPCNT) => self.keep_count,
            (IPPROTO_TCP, TCP_DEFER_ACCEPT) => self.defer_accept,
            (IPPROTO_TCP, TCP_USER_TIMEOUT) => self.user_timeout,
            (IPPROTO_TCP, TCP_FASTOPEN) => self.fast_open,
            (IPPROTO_IPV6, IPV6_V6ONLY) => self.v6_only as u32,
            (IPPROTO_IP, IP_TTL) | (IPPROTO_IPV6, IPV6_UNICAST_HOPS) => self.ttl,
            (IPPROTO_IP, IP_TOS) | (IPPROTO_IPV6, IPV6_TCLASS) => self.tos,
            _ => return Err(Errno::ENOPROTOOPT),
        };
        Ok(int_bytes(value as i32))
    }
}
