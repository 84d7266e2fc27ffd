//! `pith run`'s network options, shown under their own heading; they go over Pith.toml's
//! `[network]` table.

use std::net::Ipv4Addr;

use clap::Args;

use crate::network::{parse_ipv4, Ipv4Cidr, NetMode, NetworkRequest, PortMapping};

#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Network")]
pub struct NetworkOptions {
    /// Publish a guest port on the host: HOST:GUEST (e.g. 8080:80), or PORT for the same on
    /// both sides, optionally followed by /tcp (the default) or /udp; repeatable. Needs
    /// user-mode networking
    #[arg(short, long, value_name = "HOST:GUEST[/PROTO]", value_parser = PortMapping::parse)]
    pub publish: Vec<PortMapping>,

    /// How the VM reaches a network: `auto` (user-mode through passt if it is installed, else
    /// none), `user`, `none` (loopback only) or `tap:NAME` (the host's tap device NAME)
    #[arg(long, value_name = "MODE", value_parser = NetMode::parse)]
    pub net: Option<NetMode>,

    /// A static IPv4 address for the VM instead of DHCP's, e.g. 192.168.1.20/24
    #[arg(long, value_name = "ADDR/PREFIX", value_parser = Ipv4Cidr::parse)]
    pub ip: Option<Ipv4Cidr>,

    /// The default gateway, with --ip
    #[arg(long, value_name = "ADDR", value_parser = parse_ipv4)]
    pub gateway: Option<Ipv4Addr>,

    /// A nameserver for the program's /etc/resolv.conf instead of DHCP's; repeatable
    #[arg(long, value_name = "ADDR", value_parser = parse_ipv4)]
    pub dns: Vec<Ipv4Addr>,
}

impl NetworkOptions {
    /// The options as a request to put over the manifest's.
    pub fn request(&self) -> NetworkRequest {
        NetworkRequest {
            mode: self.net.clone(),
            publish: self.publish.clone(),
            address: self.ip,
            gateway: self.gateway,
            dns: self.dns.clone(),
        }
    }
}
