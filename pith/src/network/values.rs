//! The values a network is described with, as `-p`, `--net`, `--ip`, `--gateway` and `--dns`
//! and Pith.toml's `[network]` take them: each parsed from text with a message that says
//! what to write instead.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use thiserror::Error;

/// How the tap device's name may be spelled: Linux's IFNAMSIZ less the NUL.
const MAX_INTERFACE_NAME: usize = 15;

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ValueError {
    /// A `-p` value that is not `HOST:GUEST` or `PORT`.
    #[error(
        "`{0}` is not a port to publish: write HOST:GUEST (e.g. 8080:80), or PORT for the same \
         port on both sides, optionally followed by /tcp or /udp"
    )]
    BadMapping(String),
    /// A port that is not a number from 1 to 65535.
    #[error("`{0}` is not a port: ports are numbers from 1 to 65535")]
    BadPort(String),
    /// A protocol other than TCP and UDP.
    #[error("`{0}` is not a protocol pith publishes: write /tcp (the default) or /udp")]
    BadProtocol(String),
    /// A `--net` value that is not one of the modes.
    #[error("`{0}` is not a network mode: write auto, user, none or tap:NAME")]
    BadMode(String),
    /// A tap device name Linux would not accept.
    #[error("`{0}` is not a network device name: 1 to 15 characters, without /, comma or blanks")]
    BadInterface(String),
    /// An IPv4 address with a prefix length that does not parse.
    #[error("`{0}` is not an IPv4 address with a prefix length: write it as 192.168.1.20/24")]
    BadCidr(String),
    /// A prefix length outside 1 to 32.
    #[error("`{0}` has a prefix length outside 1 to 32: write e.g. 192.168.1.20/24")]
    BadPrefix(String),
    /// An address that cannot be the VM's own.
    #[error(
        "`{0}` cannot be the VM's address: it is a network, broadcast, loopback or multicast \
         address"
    )]
    NotAHost(String),
    /// An address that does not parse; only IPv4 is supported.
    #[error("`{0}` is not an IPv4 address (the VM's network is IPv4): write e.g. 192.168.1.1")]
    BadAddress(String),
}

/// The transport protocol of a published port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Tcp,
    Udp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// A host port whose connections (or datagrams) reach a guest port: `-p HOST:GUEST/PROTO`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortMapping {
    pub host: u16,
    pub guest: u16,
    pub protocol: Protocol,
}

impl PortMapping {
    /// Parses `HOST:GUEST`, `PORT`, either followed by `/tcp` or `/udp`.
    pub fn parse(text: &str) -> Result<PortMapping, ValueError> {
        let (ports, protocol) = match text.split_once('/') {
            Some((ports, "tcp")) => (ports, Protocol::Tcp),
            Some((ports, "udp")) => (ports, Protocol::Udp),
            Some((_, other)) => return Err(ValueError::BadProtocol(format!("/{other}"))),
            None => (text, Protocol::Tcp),
        };
        let (host, guest) = ports.split_once(':').unwrap_or((ports, ports));
        if host.is_empty() || guest.is_empty() || guest.contains(':') {
            return Err(ValueError::BadMapping(text.to_owned()));
        }
        Ok(PortMapping {
            host: parse_port(host)?,
            guest: parse_port(guest)?,
            protocol,
        })
    }
}

impl fmt::Display for PortMapping {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let protocol = self.protocol.as_str();
        write!(f, "{}:{}/{protocol}", self.host, self.guest)
    }
}

fn parse_port(text: &str) -> Result<u16, ValueError> {
    let bad = || ValueError::BadPort(text.to_owned());
    if !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(bad());
    }
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(bad()),
        Ok(port) => Ok(port),
    }
}

/// How the VM reaches a network (`--net`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetMode {
    /// User-mode networking when passt is installed, else none.
    Auto,
    /// User-mode networking through passt.
    User,
    /// Loopback only.
    None,
    /// The host's tap device of this name.
    Tap(String),
}

impl NetMode {
    pub fn parse(text: &str) -> Result<NetMode, ValueError> {
        match text {
            "auto" => Ok(NetMode::Auto),
            "user" => Ok(NetMode::User),
            "none" => Ok(NetMode::None),
            _ => match text.strip_prefix("tap:") {
                Some(name) => check_interface(name).map(|()| NetMode::Tap(name.to_owned())),
                None => Err(ValueError::BadMode(text.to_owned())),
            },
        }
    }
}

impl fmt::Display for NetMode {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            NetMode::Auto => f.write_str("auto"),
            NetMode::User => f.write_str("user"),
            NetMode::None => f.write_str("none"),
            NetMode::Tap(name) => write!(f, "tap:{name}"),
        }
    }
}

/// The rules of Linux's dev_valid_name(), and no comma, which would end QEMU's option.
fn check_interface(name: &str) -> Result<(), ValueError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_INTERFACE_NAME
        && name != "."
        && name != ".."
        && !name.contains(|c: char| c == '/' || c == ',' || c == ':' || c.is_whitespace());
    if valid {
        Ok(())
    } else {
        Err(ValueError::BadInterface(name.to_owned()))
    }
}

/// The VM's own IPv4 address and the length of its network's prefix (`--ip`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Cidr {
    pub address: Ipv4Addr,
    pub prefix: u8,
}

impl Ipv4Cidr {
    /// Parses `ADDRESS/PREFIX`, refusing addresses no host can have on that network.
    pub fn parse(text: &str) -> Result<Ipv4Cidr, ValueError> {
        let bad = || ValueError::BadCidr(text.to_owned());
        let (address, prefix) = text.split_once('/').ok_or_else(bad)?;
        let address = Ipv4Addr::from_str(address).map_err(|_| bad())?;
        if prefix.is_empty() || !prefix.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(bad());
        }
        let prefix = match prefix.parse::<u8>() {
            Ok(prefix @ 1..=32) => prefix,
            _ => return Err(ValueError::BadPrefix(text.to_owned())),
        };

        let cidr = Ipv4Cidr { address, prefix };
        let host_bits = u32::from(address) & !cidr.netmask();
        // /31 and /32 networks have no network or broadcast address (RFC 3021).
        let reserved = prefix < 31 && (host_bits == 0 || host_bits == !cidr.netmask());
        if reserved || address.is_loopback() || address.is_multicast() || address.is_broadcast() {
            return Err(ValueError::NotAHost(text.to_owned()));
        }
        Ok(cidr)
    }

    fn netmask(self) -> u32 {
        u32::MAX << (32 - u32::from(self.prefix))
    }

    /// Whether `other` is on this address's network.
    pub fn contains(self, other: Ipv4Addr) -> bool {
        (u32::from(self.address) ^ u32::from(other)) & self.netmask() == 0
    }
}

impl fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

/// An IPv4 address: a gateway or a nameserver.
pub fn parse_ipv4(text: &str) -> Result<Ipv4Addr, ValueError> {
    let address = Ipv4Addr::from_str(text).map_err(|_| ValueError::BadAddress(text.to_owned()))?;
    if address.is_unspecified() || address.is_broadcast() || address.is_multicast() {
        return Err(ValueError::BadAddress(text.to_owned()));
    }
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(text: &str) -> (u16, u16, Protocol) {
        let mapping = PortMapping::parse(text).unwrap();
        (mapping.host, mapping.guest, mapping.protocol)
    }

    #[test]
    fn port_mappings() {
        assert_eq!(mapping("8080:80"), (8080, 80, Protocol::Tcp));
        assert_eq!(mapping("8080:80/tcp"), (8080, 80, Protocol::Tcp));
        assert_eq!(mapping("5353:53/udp"), (5353, 53, Protocol::Udp));
        assert_eq!(mapping("443"), (443, 443, Protocol::Tcp));
        assert_eq!(mapping("65535/udp"), (65535, 65535, Protocol::Udp));
        assert_eq!(
            PortMapping::parse("53/udp").unwrap().to_string(),
            "53:53/udp"
        );
    }

    #[test]
    fn bad_port_mappings_say_what_is_wrong() {
        for text in ["", ":", "8080:", ":80", "1:2:3", "/udp"] {
            assert_eq!(
                PortMapping::parse(text),
                Err(ValueError::BadMapping(text.to_owned())),
                "{text}"
            );
        }
        for (text, port) in [
            ("0:80", "0"),
            ("8080:0", "0"),
            ("70000:80", "70000"),
            ("http", "http"),
            ("+80", "+80"),
            ("-1", "-1"),
        ] {
            assert_eq!(
                PortMapping::parse(text),
                Err(ValueError::BadPort(port.to_owned())),
                "{text}"
            );
        }
        assert_eq!(
            PortMapping::parse("80/sctp"),
            Err(ValueError::BadProtocol("/sctp".to_owned()))
        );
        assert_eq!(
            PortMapping::parse("80/TCP"),
            Err(ValueError::BadProtocol("/TCP".to_owned()))
        );
        let message = PortMapping::parse("8080:").unwrap_err().to_string();
        assert!(message.contains("HOST:GUEST (e.g. 8080:80)"), "{message}");
    }

    #[test]
    fn modes() {
        assert_eq!(NetMode::parse("auto"), Ok(NetMode::Auto));
        assert_eq!(NetMode::parse("user"), Ok(NetMode::User));
        assert_eq!(NetMode::parse("none"), Ok(NetMode::None));
        assert_eq!(NetMode::parse("tap:tap0"), Ok(NetMode::Tap("tap0".into())));
        assert_eq!(NetMode::Tap("tap0".into()).to_string(), "tap:tap0");
        assert_eq!(
            NetMode::parse("bridge"),
            Err(ValueError::BadMode("bridge".into()))
        );
        for name in ["", "a/b", "a,b", "a b", "..", "sixteen-chars-xx"] {
            assert_eq!(
                NetMode::parse(&format!("tap:{name}")),
                Err(ValueError::BadInterface(name.into())),
                "{name}"
            );
        }
    }

    #[test]
    fn addresses_with_prefixes() {
        let cidr = Ipv4Cidr::parse("192.168.1.20/24").unwrap();
        assert_eq!(cidr.address, Ipv4Addr::new(192, 168, 1, 20));
        assert_eq!(cidr.prefix, 24);
        assert_eq!(cidr.to_string(), "192.168.1.20/24");
        assert!(cidr.contains(Ipv4Addr::new(192, 168, 1, 1)));
        assert!(!cidr.contains(Ipv4Addr::new(192, 168, 2, 1)));
        assert!(Ipv4Cidr::parse("10.0.0.0/31").is_ok());
        assert!(Ipv4Cidr::parse("10.1.2.3/32").is_ok());
        assert!(Ipv4Cidr::parse("10.1.2.3/1").is_ok());
    }

    #[test]
    fn bad_addresses_with_prefixes() {
        for text in [
            "192.168.1.20",
            "192.168.1/24",
            "::1/64",
            "a/24",
            "10.0.0.1/",
            "1.2.3.4/+8",
        ] {
            assert_eq!(
                Ipv4Cidr::parse(text),
                Err(ValueError::BadCidr(text.to_owned())),
                "{text}"
            );
        }
        for text in ["10.0.0.1/0", "10.0.0.1/33", "10.0.0.1/300"] {
            assert_eq!(
                Ipv4Cidr::parse(text),
                Err(ValueError::BadPrefix(text.to_owned())),
                "{text}"
            );
        }
        for text in [
            "192.168.1.0/24",
            "192.168.1.255/24",
            "127.0.0.2/8",
            "224.0.0.1/4",
        ] {
            assert_eq!(
                Ipv4Cidr::parse(text),
                Err(ValueError::NotAHost(text.to_owned())),
                "{text}"
            );
        }
    }

    #[test]
    fn plain_addresses() {
        assert_eq!(parse_ipv4("1.1.1.1"), Ok(Ipv4Addr::new(1, 1, 1, 1)));
        for text in [
            "",
            "1.1.1",
            "2001:db8::1",
            "0.0.0.0",
            "255.255.255.255",
            "dns.local",
        ] {
            assert_eq!(
                parse_ipv4(text),
                Err(ValueError::BadAddress(text.to_owned())),
                "{text}"
            );
        }
    }
}
