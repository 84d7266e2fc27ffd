//! The host side of the VM's network, made ready before QEMU starts: passt listening with
//! the published ports checked free, or the tap device checked usable.

use anyhow::Context;

use super::passt::Passt;
use super::qemu::NetDevice;
use super::{ports, tap};
use crate::network::{Attachment, Network};

/// What QEMU's network device is connected to, kept until the VM has ended.
pub struct HostNetwork {
    pub device: NetDevice,
    /// Stopped when dropped.
    _passt: Option<Passt>,
}

/// Prepares the host side of `network`.
pub fn attach(network: &Network) -> anyhow::Result<HostNetwork> {
    match &network.attachment {
        Attachment::User { passt, publish } => {
            ports::check_free(publish)?;
            let passt =
                Passt::start(passt, publish).context("cannot start user-mode networking")?;
            Ok(HostNetwork {
                device: NetDevice::Passt {
                    socket: passt.socket().to_owned(),
                },
                _passt: Some(passt),
            })
        }
        Attachment::Tap { name } => {
            tap::check(name)?;
            Ok(HostNetwork {
                device: NetDevice::Tap { name: name.clone() },
                _passt: None,
            })
        }
    }
}

/// What went wrong with the network, if QEMU failed because of it and said so on
/// `qemu_stderr`.
pub fn explain_failure(device: &NetDevice, qemu_stderr: &str) -> Option<String> {
    match device {
        NetDevice::Tap { name } => tap::explain_failure(name, qemu_stderr),
        NetDevice::Passt { .. } => None,
    }
}
