//! Where the virtio-mmio devices are: `virtio_mmio.device=<size>@<base>:<irq>[:<id>]` words
//! on the kernel command line, as Linux's virtio_mmio driver reads them (QEMU's `microvm`
//! with `acpi=off`, and Firecracker, append one per device).

use core::ptr::NonNull;

use virtio_drivers::transport::mmio::{MmioTransport, VirtIOHeader};
use virtio_drivers::transport::{DeviceType, Transport};

/// One device's register window and interrupt line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmioDevice {
    pub base: u64,
    pub size: u64,
    pub line: u8,
}

/// Parses `4K@0xd0000000:5` or `512@0xfeb00e00:12`.
fn parse(value: &str) -> Option<MmioDevice> {
    let (size, rest) = value.split_once('@')?;
    let (base, rest) = rest.split_once(':')?;
    let line = rest.split(':').next()?;
    let (digits, unit) = match size.as_bytes().last()? {
        b'K' | b'k' => (&size[..size.len() - 1], 1 << 10),
        b'M' | b'm' => (&size[..size.len() - 1], 1 << 20),
        _ => (size, 1),
    };
    let base = base.strip_prefix("0x").unwrap_or(base);
    Some(MmioDevice {
        size: digits.parse::<u64>().ok()?.checked_mul(unit)?,
        base: u64::from_str_radix(base, 16).ok()?,
        line: line.parse().ok().filter(|&line| line < 24)?,
    })
}

/// The devices the command line names.
pub fn devices(cmdline: &str) -> impl Iterator<Item = MmioDevice> + '_ {
    cmdline
        .split_ascii_whitespace()
        .filter_map(|word| word.strip_prefix("virtio_mmio.device="))
        .filter_map(parse)
}

/// The first device of type `wanted`, with its transport.
pub fn find(cmdline: &str, wanted: DeviceType) -> Option<(MmioTransport<'static>, MmioDevice)> {
    for device in devices(cmdline) {
        let Some(registers) = super::map_registers(device.base, device.size) else {
            log::warn!(
                "virtio-mmio: cannot map the registers at {:#x}",
                device.base
            );
            continue;
        };
        let header = NonNull::new(registers as *mut VirtIOHeader)?;
        // SAFETY: the window was just mapped for this device alone and stays mapped for good.
        match unsafe { MmioTransport::new(header, device.size as usize) } {
            Ok(transport) if transport.device_type() == wanted => return Some((transport, device)),
            Ok(_) => {}
            Err(error) => log::warn!("virtio-mmio at {:#x}: {error}", device.base),
        }
    }
    None
}
