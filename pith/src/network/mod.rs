//! The VM's network: what the user asked for (Pith.toml's `[network]` with the command line
//! over it), what that comes to on this host, and the kernel command line words that tell
//! the kernel (docs/host-protocol.md, "Kernel command line"). Starting passt and checking the
//! host's ports and tap devices is the launcher's part.

mod values;

use std::net::Ipv4Addr;
use std::path::PathBuf;

use thiserror::Error;

pub use values::{parse_ipv4, Ipv4Cidr, NetMode, PortMapping, Protocol, ValueError};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum NetworkError {
    /// User-mode networking needs passt, which is not installed.
    #[error(
        "{reason}, which needs passt, and passt is not installed: install Debian's passt \
         (`sudo apt-get install passt`), or run without a network with --net none"
    )]
    PasstMissing { reason: &'static str },
    /// Ports can only be published through passt.
    #[error(
        "cannot publish port {port} with network mode {mode}: ports are published by \
         user-mode networking (passt); use --net user, or drop -p (and [network] publish)"
    )]
    PublishWithoutUser { port: PortMapping, mode: NetMode },
    /// An address or nameserver for a VM without a network.
    #[error(
        "{setting} configures the VM's network, and network mode none gives it none: drop it, \
         or choose another --net"
    )]
    SettingWithoutNetwork { setting: &'static str },
    /// A gateway is only used with a static address.
    #[error("--gateway needs --ip: without a static address, DHCP gives the gateway")]
    GatewayWithoutAddress,
    /// The gateway is not on the VM's network, so the VM cannot reach it.
    #[error(
        "the gateway {gateway} is not on the network of {address}: give a gateway inside it, \
         or a shorter prefix"
    )]
    GatewayOffNetwork {
        gateway: Ipv4Addr,
        address: Ipv4Cidr,
    },
    /// The gateway is the VM itself.
    #[error("the gateway {0} is the VM's own address: give the router's address")]
    GatewayIsSelf(Ipv4Addr),
    /// The same host port twice.
    #[error("host port {0} is published twice: each host port can reach one guest port")]
    DuplicatePort(String),
}

/// What the user asked for; empty fields were not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkRequest {
    pub mode: Option<NetMode>,
    pub publish: Vec<PortMapping>,
    pub address: Option<Ipv4Cidr>,
    pub gateway: Option<Ipv4Addr>,
    pub dns: Vec<Ipv4Addr>,
}

impl NetworkRequest {
    /// `over` (the command line) applied over `self` (the manifest): its mode, address,
    /// gateway and nameservers replace the manifest's; its ports are added, replacing a
    /// manifest port on the same host port and protocol.
    pub fn overridden_by(mut self, over: NetworkRequest) -> NetworkRequest {
        for port in &over.publish {
            self.publish
                .retain(|old| (old.host, old.protocol) != (port.host, port.protocol));
        }
        self.publish.extend(over.publish);
        NetworkRequest {
            mode: over.mode.or(self.mode),
            publish: self.publish,
            address: over.address.or(self.address),
            gateway: over.gateway.or(self.gateway),
            dns: if over.dns.is_empty() {
                self.dns
            } else {
                over.dns
            },
        }
    }

    /// Whether the network may be user-mode, so that passt must be looked for.
    pub fn may_use_passt(&self) -> bool {
        matches!(self.mode, None | Some(NetMode::Auto) | Some(NetMode::User))
    }

    /// Why this request needs a network, if anything in it does.
    fn needs_network(&self) -> Option<&'static str> {
        if !self.publish.is_empty() {
            Some("publishing a port (-p, [network] publish) asks for user-mode networking")
        } else if self.address.is_some() {
            Some("a static address (--ip, [network] address) asks for a network")
        } else if !self.dns.is_empty() {
            Some("a nameserver (--dns, [network] dns) asks for a network")
        } else {
            None
        }
    }
}

/// A network the VM has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub attachment: Attachment,
    pub addressing: Addressing,
    /// Nameservers given by the user; none means the DHCP lease's (or the image's own).
    pub dns: Vec<Ipv4Addr>,
}

/// How the VM's network device reaches the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attachment {
    /// Through passt, at `passt`, which publishes `publish`.
    User {
        passt: PathBuf,
        publish: Vec<PortMapping>,
    },
    /// Through the host's tap device `name`.
    Tap { name: String },
}

/// How the VM gets its address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    Dhcp,
    Static {
        address: Ipv4Cidr,
        gateway: Option<Ipv4Addr>,
    },
}

/// The network `request` comes to, `passt` being where passt is installed, if it is. `None`
/// is a VM with loopback only.
pub fn resolve(
    request: NetworkRequest,
    passt: Option<PathBuf>,
) -> Result<Option<Network>, NetworkError> {
    check_ports(&request.publish)?;
    let addressing = addressing(&request)?;
    let mode = request.mode.clone().unwrap_or(NetMode::Auto);
    let attachment = match mode {
        NetMode::None => return refuse_settings(&request),
        NetMode::Tap(ref name) => {
            if let Some(&port) = request.publish.first() {
                return Err(NetworkError::PublishWithoutUser { port, mode });
            }
            Attachment::Tap { name: name.clone() }
        }
        NetMode::User | NetMode::Auto => {
            let Some(passt) = passt else {
                return no_passt(&request, mode);
            };
            Attachment::User {
                passt,
                publish: request.publish,
            }
        }
    };
    Ok(Some(Network {
        attachment,
        addressing,
        dns: request.dns,
    }))
}

/// `--net none`: nothing that configures a network may be given.
fn refuse_settings(request: &NetworkRequest) -> Result<Option<Network>, NetworkError> {
    if let Some(&port) = request.publish.first() {
        return Err(NetworkError::PublishWithoutUser {
            port,
            mode: NetMode::None,
        });
    }
    let setting = if request.address.is_some() {
        Some("--ip ([network] address)")
    } else if !request.dns.is_empty() {
        Some("--dns ([network] dns)")
    } else {
        None
    };
    match setting {
        Some(setting) => Err(NetworkError::SettingWithoutNetwork { setting }),
        None => Ok(None),
    }
}

/// No passt: an error if the user asked for user-mode networking or for something only a
/// network gives; otherwise `auto` quietly means no network.
fn no_passt(request: &NetworkRequest, mode: NetMode) -> Result<Option<Network>, NetworkError> {
    let reason = match (mode, request.needs_network()) {
        (_, Some(reason)) => reason,
        (NetMode::User, None) => "--net user asks for user-mode networking",
        (_, None) => {
            log::info!(
                "network: loopback only (install passt for user-mode networking, or see --net)"
            );
            return Ok(None);
        }
    };
    Err(NetworkError::PasstMissing { reason })
}

/// The address the VM takes: a static one from `--ip`, checked against `--gateway`, else
/// DHCP's.
fn addressing(request: &NetworkRequest) -> Result<Addressing, NetworkError> {
    let Some(address) = request.address else {
        return match request.gateway {
            Some(_) => Err(NetworkError::GatewayWithoutAddress),
            None => Ok(Addressing::Dhcp),
        };
    };
    if let Some(gateway) = request.gateway {
        if gateway == address.address {
            return Err(NetworkError::GatewayIsSelf(gateway));
        }
        if !address.contains(gateway) {
            return Err(NetworkError::GatewayOffNetwork { gateway, address });
        }
    }
    Ok(Addressing::Static {
        address,
        gateway: request.gateway,
    })
}

/// One guest port per host port and protocol: passt can forward a host port only once.
fn check_ports(publish: &[PortMapping]) -> Result<(), NetworkError> {
    for (index, port) in publish.iter().enumerate() {
        let again = publish[..index]
            .iter()
            .any(|earlier| (earlier.host, earlier.protocol) == (port.host, port.protocol));
        if again {
            let shown = format!("{}/{}", port.host, port.protocol.as_str());
            return Err(NetworkError::DuplicatePort(shown));
        }
    }
    Ok(())
}

impl Network {
    /// The kernel's network words. `dns=dhcp` only when the image's /etc/resolv.conf is the
    /// one pith generates (`generated_resolv_conf`), so that the application's own is kept;
    /// `announce=1` makes the kernel print its address at boot, always on a tap device, whose
    /// address the user cannot know otherwise.
    pub fn kernel_words(&self, generated_resolv_conf: bool, announce: bool) -> Vec<String> {
        let mut words = Vec::new();
        match self.addressing {
            Addressing::Dhcp => words.push("net=dhcp".to_owned()),
            Addressing::Static { address, gateway } => {
                words.push("net=static".to_owned());
                words.push(format!("ip={address}"));
                words.extend(gateway.map(|gateway| format!("gw={gateway}")));
            }
        }

        if !self.dns.is_empty() {
            let servers: Vec<String> = self.dns.iter().map(Ipv4Addr::to_string).collect();
            words.push(format!("dns={}", servers.join(",")));
        } else if generated_resolv_conf && self.addressing == Addressing::Dhcp {
            words.push("dns=dhcp".to_owned());
        }

        if announce || matches!(self.attachment, Attachment::Tap { .. }) {
            words.push("announce=1".to_owned());
        }
        words
    }
}

#[cfg(test)]
mod tests;
