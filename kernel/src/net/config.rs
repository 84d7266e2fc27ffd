//! How the external interface gets its address: the words `pith` puts on the kernel command
//! line (docs/host-protocol.md): `net=dhcp` or `net=static ip=A.B.C.D/P gw=A.B.C.D`,
//! `dns=dhcp` or `dns=A,B`, and `announce=1` to print the address at boot.

use alloc::vec::Vec;
use core::net::Ipv4Addr;

use smoltcp::wire::Ipv4Cidr;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Addressing {
    Dhcp,
    Static {
        address: Ipv4Cidr,
        gateway: Option<Ipv4Addr>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dns {
    /// Leave `/etc/resolv.conf` as the image has it.
    Keep,
    FromDhcp,
    Servers(Vec<Ipv4Addr>),
}

#[derive(Clone, Debug)]
pub struct NetConfig {
    pub addressing: Addressing,
    pub dns: Dns,
    pub announce: bool,
}

fn cidr(value: &str) -> Option<Ipv4Cidr> {
    let (address, prefix) = value.split_once('/').unwrap_or((value, "24"));
    let prefix: u8 = prefix.parse().ok().filter(|&prefix| prefix <= 32)?;
    Some(Ipv4Cidr::new(address.parse().ok()?, prefix))
}

impl NetConfig {
    pub fn parse(cmdline: &str) -> NetConfig {
        let mut config = NetConfig {
            addressing: Addressing::Dhcp,
            dns: Dns::Keep,
            announce: false,
        };
        let (mut address, mut gateway, mut fixed) = (None, None, false);
        for word in cmdline.split_ascii_whitespace() {
            let (key, value) = word.split_once('=').unwrap_or((word, ""));
            match key {
                "net" => fixed = value == "static",
                "ip" => address = cidr(value),
                "gw" => gateway = value.parse().ok(),
                "announce" => config.announce = value == "1",
                "dns" if value == "dhcp" => config.dns = Dns::FromDhcp,
                "dns" => {
                    config.dns = Dns::Servers(
                        value
                            .split(',')
                            .filter_map(|one| one.parse().ok())
                            .collect(),
                    )
                }
                _ => {}
            }
        }
        match (fixed, address) {
            (true, Some(address)) => config.addressing = Addressing::Static { address, gateway },
            (true, None) => log::warn!("net=static without a valid ip=: using DHCP"),
            _ => {}
        }
        config
    }
}
