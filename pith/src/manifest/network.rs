//! Pith.toml's `[network]` table: the same settings as `pith run`'s network options, each
//! value checked by the parser the command line uses, so that a mistake carries its line
//! and key.

use std::fmt;
use std::marker::PhantomData;
use std::net::Ipv4Addr;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::network::{parse_ipv4, Ipv4Cidr, NetMode, NetworkRequest, PortMapping, ValueError};

/// `[network]`; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkTable {
    /// `--net`: `"auto"`, `"user"`, `"none"` or `"tap:NAME"`.
    #[serde(default)]
    mode: Option<Text<NetMode>>,
    /// `-p`: `["8080:80", "5353:53/udp"]`.
    #[serde(default)]
    publish: Vec<Text<PortMapping>>,
    /// `--ip`: `"192.168.1.20/24"`.
    #[serde(default)]
    address: Option<Text<Ipv4Cidr>>,
    /// `--gateway`.
    #[serde(default)]
    gateway: Option<Text<Ipv4Addr>>,
    /// `--dns`: `["1.1.1.1"]`.
    #[serde(default)]
    dns: Vec<Text<Ipv4Addr>>,
}

impl NetworkTable {
    /// The table as a request, for the command line to go over.
    pub fn request(&self) -> NetworkRequest {
        NetworkRequest {
            mode: self.mode.as_ref().map(|mode| mode.0.clone()),
            publish: self.publish.iter().map(|port| port.0).collect(),
            address: self.address.as_ref().map(|address| address.0),
            gateway: self.gateway.as_ref().map(|gateway| gateway.0),
            dns: self.dns.iter().map(|server| server.0).collect(),
        }
    }

    /// Whether the table says anything.
    pub fn is_set(&self) -> bool {
        self.request() != NetworkRequest::default()
    }
}

/// A value written as a string and parsed as the command line parses it; a parse error
/// becomes the message of the value's key.
#[derive(Debug)]
struct Text<T>(T);

trait FromText: Sized {
    fn from_text(text: &str) -> Result<Self, ValueError>;
}

impl FromText for NetMode {
    fn from_text(text: &str) -> Result<Self, ValueError> {
        NetMode::parse(text)
    }
}

impl FromText for PortMapping {
    fn from_text(text: &str) -> Result<Self, ValueError> {
        PortMapping::parse(text)
    }
}

impl FromText for Ipv4Cidr {
    fn from_text(text: &str) -> Result<Self, ValueError> {
        Ipv4Cidr::parse(text)
    }
}

impl FromText for Ipv4Addr {
    fn from_text(text: &str) -> Result<Self, ValueError> {
        parse_ipv4(text)
    }
}

impl<'de, T: FromText> Deserialize<'de> for Text<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(TextVisitor(PhantomData))
    }
}

/// Parses inside the deserializer, so that an error gets the value's own line rather than
/// its array's.
struct TextVisitor<T>(PhantomData<T>);

impl<T: FromText> Visitor<'_> for TextVisitor<T> {
    type Value = Text<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<T>, E> {
        T::from_text(text).map(Text).map_err(E::custom)
    }
}
