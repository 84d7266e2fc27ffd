//! The interfaces as `ioctl` on any socket describes them (netdevice(7)): `lo` and, when the
//! VM has a network device, `eth0`.

use alloc::vec::Vec;

use smoltcp::wire::IpCidr;

use super::stack::{self, Stack};
use crate::mm::user::{copy_from_user, copy_to_user, read_user, write_user};
use crate::syscall::errno::{Errno, SysResult};

const SIOCGIFNAME: u64 = 0x8910;
const SIOCGIFCONF: u64 = 0x8912;
const SIOCGIFFLAGS: u64 = 0x8913;
const SIOCGIFADDR: u64 = 0x8915;
const SIOCGIFBRDADDR: u64 = 0x8919;
const SIOCGIFNETMASK: u64 = 0x891b;
const SIOCGIFMTU: u64 = 0x8921;
const SIOCGIFHWADDR: u64 = 0x8927;
const SIOCGIFINDEX: u64 = 0x8933;

const IFF_UP: u16 = 0x1;
const IFF_BROADCAST: u16 = 0x2;
const IFF_LOOPBACK: u16 = 0x8;
const IFF_RUNNING: u16 = 0x40;
const IFF_MULTICAST: u16 = 0x1000;
/// `ARPHRD_ETHER` and `ARPHRD_LOOPBACK`, the hardware types `SIOCGIFHWADDR` reports.
const ARPHRD_ETHER: u16 = 1;
const ARPHRD_LOOPBACK: u16 = 772;

/// `sizeof(struct ifreq)`: a 16-byte name and a 24-byte union.
const IFREQ_SIZE: usize = 40;
const NAME_SIZE: usize = 16;

struct Interface {
    name: &'static [u8],
    index: i32,
    flags: u16,
    mtu: i32,
    /// IPv4 address and prefix length.
    address: Option<([u8; 4], u8)>,
    hardware: ([u8; 6], u16),
}

fn ipv4(cidrs: &[IpCidr]) -> Option<([u8; 4], u8)> {
    cidrs.iter().find_map(|cidr| match cidr {
        IpCidr::Ipv4(v4) => Some((v4.address().octets(), v4.prefix_len())),
        _ => None,
    })
}

fn interfaces(stack: &mut Stack) -> Vec<Interface> {
    let mut list = alloc::vec![Interface {
        name: b"lo",
        index: 1,
        flags: IFF_UP | IFF_LOOPBACK | IFF_RUNNING,
        mtu: 65536,
        address: Some(([127, 0, 0, 1], 8)),
        hardware: ([0; 6], ARPHRD_LOOPBACK),
    }];
    if let Some(link) = stack.external.as_ref() {
        let mac = match link.iface.hardware_addr() {
            smoltcp::wire::HardwareAddress::Ethernet(mac) => mac.0,
            _ => [0; 6],
        };
        list.push(Interface {
            name: b"eth0",
            index: 2,
            flags: IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST,
            mtu: 1500,
            address: ipv4(link.iface.ip_addrs()),
            hardware: (mac, ARPHRD_ETHER),
        });
    }
    list
}

/// A `struct sockaddr_in` for `address`, as the ioctls return addresses.
fn sockaddr(address: [u8; 4]) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    bytes[..2].copy_from_slice(&super::address::AF_INET.to_ne_bytes());
    bytes[4..8].copy_from_slice(&address);
    bytes
}

fn netmask(prefix: u8) -> [u8; 4] {
    let bits = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix as u32)
    };
    bits.to_be_bytes()
}

/// Handles the interface ioctls; `None` for any other request.
pub fn ioctl(request: u64, argument: u64) -> Option<SysResult> {
    let known = [
        SIOCGIFNAME,
        SIOCGIFCONF,
        SIOCGIFFLAGS,
        SIOCGIFADDR,
        SIOCGIFBRDADDR,
        SIOCGIFNETMASK,
        SIOCGIFMTU,
        SIOCGIFHWADDR,
        SIOCGIFINDEX,
    ];
    if !known.contains(&request) {
        return None;
    }
    let list = stack::peek(interfaces).unwrap_or_default();
    Some(if request == SIOCGIFCONF {
        configuration(&list, argument)
    } else {
        one(&list, request, argument)
    })
}

/// `SIOCGIFCONF`: the IPv4-addressed interfaces, as many as fit (`ifc_buf` NULL asks for
/// the size).
fn configuration(list: &[Interface], argument: u64) -> SysResult {
    let [length, buffer]: [u64; 2] = read_user(argument)?;
    let room = (length as i32).max(0) as usize;
    let mut written = 0;
    for interface in list {
        let Some((address, _)) = interface.address else {
            continue;
        };
        if buffer != 0 {
            if written + IFREQ_SIZE > room {
                break;
            }
            let mut request = [0u8; IFREQ_SIZE];
            request[..interface.name.len()].copy_from_slice(interface.name);
            request[NAME_SIZE..NAME_SIZE + 16].copy_from_slice(&sockaddr(address));
            copy_to_user(buffer + written as u64, &request)?;
        }
        written += IFREQ_SIZE;
    }
    write_user(argument, &(written as i32))?;
    Ok(0)
}

/// The other requests: one interface, named in `ifr_name` (or by index for `SIOCGIFNAME`).
fn one(list: &[Interface], request: u64, argument: u64) -> SysResult {
    let mut ifreq = [0u8; IFREQ_SIZE];
    copy_from_user(&mut ifreq, argument)?;
    let interface = if request == SIOCGIFNAME {
        let index = i32::from_ne_bytes(ifreq[NAME_SIZE..NAME_SIZE + 4].try_into().unwrap());
        list.iter().find(|interface| interface.index == index)
    } else {
        let end = ifreq[..NAME_SIZE]
            .iter()
            .position(|&byte| byte == 0)
            .unwrap_or(NAME_SIZE);
        list.iter()
            .find(|interface| interface.name == &ifreq[..end])
    };
    let interface = interface.ok_or(Errno::ENODEV)?;
    let value = &mut ifreq[NAME_SIZE..];
    match request {
        SIOCGIFNAME => {
            ifreq[..NAME_SIZE].fill(0);
            ifreq[..interface.name.len()].copy_from_slice(interface.name);
        }
        SIOCGIFFLAGS => value[..2].copy_from_slice(&interface.flags.to_ne_bytes()),
        SIOCGIFINDEX => value[..4].copy_from_slice(&interface.index.to_ne_bytes()),
        SIOCGIFMTU => value[..4].copy_from_slice(&interface.mtu.to_ne_bytes()),
        SIOCGIFHWADDR => {
            value[..2].copy_from_slice(&interface.hardware.1.to_ne_bytes());
            value[2..8].copy_from_slice(&interface.hardware.0);
        }
        SIOCGIFADDR | SIOCGIFNETMASK | SIOCGIFBRDADDR => {
            let (address, prefix) = interface.address.ok_or(Errno::EADDRNOTAVAIL)?;
            let mask = netmask(prefix);
            let shown = match request {
                SIOCGIFADDR => address,
                SIOCGIFNETMASK => mask,
                _ => core::array::from_fn(|at| address[at] | !mask[at]),
            };
            value[..16].copy_from_slice(&sockaddr(shown));
        }
        _ => return Err(Errno::EINVAL),
    }
    copy_to_user(argument, &ifreq)?;
    Ok(0)
}
