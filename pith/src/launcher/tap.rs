//! Checks a host tap device before QEMU opens it, so that a missing device or a missing
//! permission is said in pith's words rather than QEMU's; and explains QEMU's own failure
//! when one gets through (the device in use by another VM). The rules are Linux's
//! (drivers/net/tun.c: `tun_not_capable`).

use std::fs::{self, OpenOptions};
use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// The device QEMU opens to attach to a tap device.
const TUN_DEVICE: &str = "/dev/net/tun";
/// `IFF_TUN` and `IFF_TAP` in a device's `tun_flags` (linux/if_tun.h).
const IFF_TUN: u32 = 0x1;
const IFF_TAP: u32 = 0x2;
/// CAP_NET_ADMIN's bit in /proc/self/status's `CapEff` (linux/capability.h).
const CAP_NET_ADMIN: u32 = 12;

#[derive(Debug, Error)]
pub enum TapError {
    /// No device of that name.
    #[error(
        "there is no network device {name} on this host: create a tap device for your user with \
         `sudo ip tuntap add dev {name} mode tap user $(id -un)` and `sudo ip link set {name} up` \
         (then bridge or route it), or use --net user"
    )]
    Missing { name: String },
    /// A tun device, which carries IP packets rather than Ethernet frames.
    #[error(
        "{name} is a tun device, and the VM needs a tap device (Ethernet frames, not IP packets): \
         create one with `sudo ip tuntap add dev NAME mode tap user $(id -un)`, or use --net user"
    )]
    Tun { name: String },
    /// Another kind of network device.
    #[error(
        "{name} is not a tap device: create one with `sudo ip tuntap add dev NAME mode tap user \
         $(id -un)` and name it with --net tap:NAME, or use --net user"
    )]
    NotTap { name: String },
    /// The device belongs to another user and pith may not take it.
    #[error(
        "tap device {name} belongs to {owner}, and pith runs as uid {uid} without CAP_NET_ADMIN: \
         give it to your user with `sudo ip tuntap del dev {name} mode tap` and `sudo ip tuntap \
         add dev {name} mode tap user $(id -un)`, or run pith as root"
    )]
    NotYours {
        name: String,
        owner: String,
        uid: u32,
    },
    /// The host has no /dev/net/tun.
    #[error("this host has no {TUN_DEVICE}, which tap devices need: load the tun module with `sudo modprobe tun`")]
    NoTunDevice,
    /// /dev/net/tun cannot be opened.
    #[error(
        "cannot open {TUN_DEVICE}, which QEMU needs to use a tap device: {0}; run pith as root, \
         or let your user read and write {TUN_DEVICE}"
    )]
    TunDevice(io::Error),
}

/// Checks that QEMU, run as pith's user, can attach to tap device `name`.
pub fn check(name: &str) -> Result<(), TapError> {
    let device = PathBuf::from("/sys/class/net").join(name);
    if !device.exists() {
        return Err(TapError::Missing { name: name.into() });
    }
    let Some(flags) = read_number(&device.join("tun_flags"), 16) else {
        return Err(TapError::NotTap { name: name.into() });
    };
    if flags & IFF_TAP == 0 {
        let name = name.into();
        return Err(if flags & IFF_TUN != 0 {
            TapError::Tun { name }
        } else {
            TapError::NotTap { name }
        });
    }

    check_owner(name, &device)?;
    match OpenOptions::new().read(true).write(true).open(TUN_DEVICE) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Err(TapError::NoTunDevice),
        Err(error) => Err(TapError::TunDevice(error)),
    }
}

/// A device with an owner or a group admits only them, unless pith has CAP_NET_ADMIN.
fn check_owner(name: &str, device: &std::path::Path) -> Result<(), TapError> {
    if has_net_admin() {
        return Ok(());
    }
    let uid = rustix::process::geteuid().as_raw();
    let owner = read_signed(&device.join("owner"));
    let group = read_signed(&device.join("group"));
    let groups = groups();

    let wrong_owner = owner.is_some_and(|owner| owner >= 0 && owner != i64::from(uid));
    let wrong_group = group.is_some_and(|group| group >= 0 && !groups.contains(&group));
    if !wrong_owner && !wrong_group {
        return Ok(());
    }
    let owner = match (owner, group) {
        (Some(owner), _) if wrong_owner => format!("uid {owner}"),
        (_, group) => format!("group {}", group.unwrap_or(-1)),
    };
    Err(TapError::NotYours {
        name: name.into(),
        owner,
        uid,
    })
}

/// pith's effective group and supplementary groups.
fn groups() -> Vec<i64> {
    let mut groups: Vec<i64> = rustix::process::getgroups()
        .unwrap_or_default()
        .iter()
        .map(|gid| i64::from(gid.as_raw()))
        .collect();
    groups.push(i64::from(rustix::process::getegid().as_raw()));
    groups
}

/// Whether pith has CAP_NET_ADMIN, with which any tap device is its to take.
fn has_net_admin() -> bool {
    let Ok(status) = fs::read_to_string("/proc/self/status") else {
        return rustix::process::geteuid().is_root();
    };
    status
        .lines()
        .find_map(|line| line.strip_prefix("CapEff:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << CAP_NET_ADMIN) != 0)
}

/// A sysfs number, such as `0x1002`, in `radix`.
fn read_number(path: &std::path::Path, radix: u32) -> Option<u32> {
    let text = fs::read_to_string(path).ok()?;
    let text = text.trim();
    u32::from_str_radix(text.strip_prefix("0x").unwrap_or(text), radix).ok()
}

/// A sysfs owner or group: an id, or -1 for none.
fn read_signed(path: &std::path::Path) -> Option<i64> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// What went wrong, when QEMU failed to attach tap device `name` and said so on
/// `qemu_stderr`.
pub fn explain_failure(name: &str, qemu_stderr: &str) -> Option<String> {
    let line = qemu_stderr
        .lines()
        .find(|line| line.contains("-netdev tap") || line.contains(TUN_DEVICE))?;
    if line.contains("busy") {
        Some(format!(
            "tap device {name} is in use by another VM or program: give each VM a tap device of \
             its own"
        ))
    } else if line.contains("not permitted") || line.contains("Permission denied") {
        Some(format!(
            "no permission to use tap device {name}: create it for your user (`sudo ip tuntap \
             add dev {name} mode tap user $(id -un)`), or run pith as root"
        ))
    } else {
        Some(format!(
            "QEMU could not attach tap device {name} (its message is above)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_device_says_how_to_make_one() {
        let error = check("pith-none0").unwrap_err().to_string();
        assert!(
            error.starts_with("there is no network device pith-none0 on this host"),
            "{error}"
        );
        assert!(
            error.contains("ip tuntap add dev pith-none0 mode tap"),
            "{error}"
        );
    }

    #[test]
    fn loopback_is_not_a_tap_device() {
        let error = check("lo").unwrap_err().to_string();
        assert!(error.starts_with("lo is not a tap device"), "{error}");
    }

    #[test]
    fn qemu_failures_are_explained() {
        let busy = "qemu-system-x86_64: -netdev tap,id=net0,ifname=tap0,script=no,downscript=no: \
                    could not configure /dev/net/tun (tap0): Device or resource busy\n";
        let message = explain_failure("tap0", busy).unwrap();
        assert!(
            message.starts_with("tap device tap0 is in use"),
            "{message}"
        );
        let denied =
            "qemu-system-x86_64: -netdev tap,id=net0,ifname=tap0,script=no,downscript=no: \
                      could not configure /dev/net/tun (tap0): Operation not permitted\n";
        let message = explain_failure("tap0", denied).unwrap();
        assert!(
            message.starts_with("no permission to use tap device tap0"),
            "{message}"
        );
        assert_eq!(explain_failure("tap0", "qemu: something else\n"), None);
    }
}
