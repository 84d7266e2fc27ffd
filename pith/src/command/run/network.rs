//! The run's network: the manifest's `[network]` with the command line over it, resolved on
//! this host, and made ready (passt started, or the tap device checked) with the kernel's
//! words for it.

use std::fs;
use std::path::Path;

use pith_image::{EntryKind, Image};

use crate::cli::NetworkOptions;
use crate::launcher::network::{self as host, HostNetwork};
use crate::launcher::passt;
use crate::network::{self, Attachment, Network, NetworkRequest};
use crate::pack;

/// The network the VM gets, `None` for loopback only. passt is looked for only when the
/// network may be user-mode, so that `PITH_PASST` does not matter to `--net none`.
pub fn choose(
    manifest: NetworkRequest,
    options: &NetworkOptions,
) -> anyhow::Result<Option<Network>> {
    let request = manifest.overridden_by(options.request());
    let passt = if request.may_use_passt() {
        passt::find()?
    } else {
        None
    };
    Ok(network::resolve(request, passt)?)
}

/// Makes the host side of `network` ready and adds the kernel's network words to `cmdline`
/// (docs/host-protocol.md). `generated_resolv_conf` is whether the image's /etc/resolv.conf
/// is pith's, which the kernel may replace; `None` for a built image, read only if needed.
pub fn start(
    network: &Network,
    cmdline: &mut String,
    image: &Path,
    generated_resolv_conf: Option<bool>,
) -> anyhow::Result<HostNetwork> {
    describe(network);
    let generated = match (generated_resolv_conf, network.dns.is_empty()) {
        (_, false) => false,
        (Some(generated), true) => generated,
        (None, true) => built_image_resolv_conf_is_generated(image),
    };
    // With --verbose, the kernel prints the VM's address too.
    let announce = log::log_enabled!(log::Level::Info);
    for word in network.kernel_words(generated, announce) {
        cmdline.push(' ');
        cmdline.push_str(&word);
    }
    host::attach(network)
}

/// Says what the network is, with --verbose.
fn describe(network: &Network) {
    match &network.attachment {
        Attachment::User { publish, .. } if publish.is_empty() => {
            log::info!("network: user-mode (passt)")
        }
        Attachment::User { publish, .. } => {
            let ports: Vec<String> = publish.iter().map(ToString::to_string).collect();
            log::info!(
                "network: user-mode (passt), publishing {}",
                ports.join(", ")
            );
        }
        Attachment::Tap { name } => log::info!("network: tap device {name}"),
    }
}

/// Whether the built image's /etc/resolv.conf is one pith generated. Anything that cannot be
/// read counts as the application's own, which the kernel leaves alone.
fn built_image_resolv_conf_is_generated(path: &Path) -> bool {
    let Ok(bytes) = fs::read(path) else {
        return false;
    };
    let Ok(image) = Image::parse(&bytes) else {
        return false;
    };
    image.find(b"/etc/resolv.conf").is_some_and(|entry| {
        entry.kind == EntryKind::File && pack::is_generated_resolv_conf(entry.data)
    })
}
