//! Checks that the host ports to publish are free before passt starts: passt skips a port it
//! cannot bind with no more than a log line, and the user would find the VM unreachable.

use std::io;
use std::net::{Ipv4Addr, TcpListener, UdpSocket};

use thiserror::Error;

use crate::network::{PortMapping, Protocol};

/// Ports below this need privileges to bind (ip(7), `ip_unprivileged_port_start`).
const FIRST_UNPRIVILEGED: u16 = 1024;
/// How many ports after a taken one are tried for a suggestion.
const SUGGESTION_TRIES: u16 = 100;

#[derive(Debug, Error)]
pub enum PortError {
    /// Something on the host has the port.
    #[error(
        "host port {port}/{protocol} is already in use on this host: publish on another \
         port{suggestion}"
    )]
    InUse {
        port: u16,
        protocol: &'static str,
        suggestion: String,
    },
    /// A privileged port, and pith is not privileged.
    #[error(
        "cannot publish host port {port}/{protocol}: ports below {FIRST_UNPRIVILEGED} need \
         root; publish on a higher port{suggestion}"
    )]
    Privileged {
        port: u16,
        protocol: &'static str,
        suggestion: String,
    },
    /// Binding failed for another reason.
    #[error("cannot publish host port {port}/{protocol}: {source}")]
    Other {
        port: u16,
        protocol: &'static str,
        source: io::Error,
    },
}

/// Checks every port of `publish` by binding it on all IPv4 addresses, as passt will, and
/// letting it go at once.
pub fn check_free(publish: &[PortMapping]) -> Result<(), PortError> {
    for mapping in publish {
        let Err(error) = bind(mapping.host, mapping.protocol) else {
            continue;
        };
        let port = mapping.host;
        let protocol = mapping.protocol.as_str();
        return Err(match error.kind() {
            io::ErrorKind::AddrInUse => PortError::InUse {
                port,
                protocol,
                suggestion: suggestion(mapping),
            },
            io::ErrorKind::PermissionDenied => PortError::Privileged {
                port,
                protocol,
                suggestion: suggestion(mapping),
            },
            _ => PortError::Other {
                port,
                protocol,
                source: error,
            },
        });
    }
    Ok(())
}

fn bind(port: u16, protocol: Protocol) -> io::Result<()> {
    let address = (Ipv4Addr::UNSPECIFIED, port);
    match protocol {
        Protocol::Tcp => TcpListener::bind(address).map(drop),
        Protocol::Udp => UdpSocket::bind(address).map(drop),
    }
}

/// `, e.g. -p 8081:80`, with the first free port after the taken one (after 8000 more for a
/// privileged one: 80 becomes 8080), or nothing if none is free nearby.
fn suggestion(mapping: &PortMapping) -> String {
    let start = match mapping.host {
        port if port < FIRST_UNPRIVILEGED => port + 8000,
        port => port.saturating_add(1),
    };
    let free = (start..=start.saturating_add(SUGGESTION_TRIES))
        .find(|&port| port >= FIRST_UNPRIVILEGED && bind(port, mapping.protocol).is_ok());
    let Some(port) = free else {
        return String::new();
    };
    let protocol = match mapping.protocol {
        Protocol::Tcp => "",
        Protocol::Udp => "/udp",
    };
    format!(", e.g. -p {port}:{}{protocol}", mapping.guest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_port_is_named_with_a_free_one_to_use() {
        let taken = TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let mapping = PortMapping::parse(&format!("{port}:80")).unwrap();
        let error = check_free(&[mapping]).unwrap_err().to_string();
        let expected = format!(
            "host port {port}/tcp is already in use on this host: publish on another port, \
             e.g. -p "
        );
        assert!(error.starts_with(&expected), "{error}");
        assert!(error.ends_with(":80"), "{error}");
    }

    #[test]
    fn udp_ports_are_checked_with_udp() {
        let taken = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let udp = PortMapping::parse(&format!("{port}:53/udp")).unwrap();
        let error = check_free(&[udp]).unwrap_err().to_string();
        assert!(error.starts_with(&format!("host port {port}/udp is already in use")));
        assert!(error.ends_with(":53/udp"), "{error}");
    }
}
