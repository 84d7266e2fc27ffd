//! Starts QEMU's `microvm` machine with the kernel, the image as its boot module, the
//! three serial ports of docs/host-protocol.md, each an inherited socket, and a virtio-net
//! device when the VM has a network.

use std::env;
use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use rustix::io::FdFlags;
use rustix::process::Pid;
use thiserror::Error;

use super::accel::Accelerator;
use super::{die_with_parent, find_on_path};
use crate::cli::MemorySize;

const QEMU_BINARY: &str = "qemu-system-x86_64";

/// The serial ports, in the order of the sockets handed to [`spawn`]: chardev id, I/O base
/// and IRQ of the PC's COM1, COM2 and COM3.
const SERIAL_PORTS: [(&str, &str, u8); 3] = [
    ("com1", "0x3f8", 4),
    ("com2", "0x2f8", 3),
    ("com3", "0x3e8", 6),
];

#[derive(Debug, Error)]
pub enum QemuError {
    #[error(
        "QEMU is not installed: install it with `sudo apt-get install qemu-system-x86` \
         (Debian/Ubuntu)"
    )]
    NotInstalled,
    #[error(
        "PITH_QEMU={} is not a file: point it at qemu-system-x86_64, or unset it to use the \
         one on PATH (install it with `sudo apt-get install qemu-system-x86` on Debian/Ubuntu)",
        .0.display()
    )]
    BadOverride(PathBuf),
    #[error("cannot start QEMU ({}): {source}", path.display())]
    Spawn { path: PathBuf, source: io::Error },
}

/// Finds QEMU: `PITH_QEMU` if set, else `qemu-system-x86_64` on `PATH`.
pub fn find() -> Result<PathBuf, QemuError> {
    if let Some(path) = env::var_os("PITH_QEMU").filter(|path| !path.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(QemuError::BadOverride(path))
        };
    }
    find_on_path(QEMU_BINARY, env::var_os("PATH").as_deref()).ok_or(QemuError::NotInstalled)
}

/// What the VM is made of.
#[derive(Debug, Clone)]
pub struct VmConfig {
    pub kernel: PathBuf,
    pub image: PathBuf,
    pub memory: MemorySize,
    pub accelerator: Accelerator,
    /// The PVH kernel command line (docs/host-protocol.md, "Kernel command line").
    pub cmdline: String,
    /// Where the VM's network device leads, if it has one.
    pub network: Option<NetDevice>,
}

/// The host end of the VM's virtio-net device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetDevice {
    /// passt's Unix socket, which QEMU connects to.
    Passt { socket: PathBuf },
    /// The host's tap device of this name.
    Tap { name: String },
}

impl NetDevice {
    /// The `-netdev` option's value, with id `net0`.
    fn netdev(&self) -> OsString {
        let mut value = OsString::new();
        match self {
            NetDevice::Passt { socket } => {
                value.push("stream,id=net0,server=off,addr.type=unix,addr.path=");
                value.push(escape_commas(socket.as_os_str()));
            }
            NetDevice::Tap { name } => {
                value.push(format!("tap,id=net0,ifname={name},script=no,downscript=no"));
            }
        }
        value
    }
}

/// The descriptors QEMU inherits, by number.
#[derive(Debug, Clone, Copy)]
pub struct InheritedFds {
    /// Connected sockets for COM1, COM2 and COM3.
    pub serial: [i32; 3],
    /// A listening socket for gdb, if the VM is to start paused under a debugger.
    pub gdb: Option<i32>,
}

/// `text` as one value of a QEMU option, where a comma would start the next: doubled.
fn escape_commas(text: &OsStr) -> OsString {
    let mut escaped = Vec::new();
    for &byte in text.as_bytes() {
        escaped.push(byte);
        if byte == b',' {
            escaped.push(b',');
        }
    }
    OsString::from_vec(escaped)
}

/// QEMU's arguments, with the serial ports and the GDB stub on the sockets `fds` names.
/// `microvm` boots the PVH kernel straight from qboot in milliseconds; its own serial port is
/// turned off so that the three ports sit at the standard bases. Without ACPI, `microvm`
/// appends a `virtio_mmio.device=SIZE@BASE:IRQ` word per virtio-mmio transport to the kernel
/// command line, which is how the kernel finds the network device.
pub fn arguments(config: &VmConfig, fds: InheritedFds) -> Vec<OsString> {
    let machine = format!(
        "microvm,accel={},acpi=off,rtc=on,pit=on,pic=on,isa-serial=off",
        config.accelerator.as_str()
    );
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |items: &[&OsStr]| args.extend(items.iter().map(|item| item.to_os_string()));
    push(&["-M".as_ref(), machine.as_ref()]);
    push(&["-cpu".as_ref(), config.accelerator.cpu_model().as_ref()]);
    push(&["-m".as_ref(), format!("{}M", config.memory.mib()).as_ref()]);
    push(&["-nodefaults", "-no-user-config", "-nographic", "-no-reboot"].map(OsStr::new));
    push(&["-display", "none"].map(OsStr::new));
    push(&["-kernel".as_ref(), config.kernel.as_os_str()]);
    push(&["-initrd".as_ref(), config.image.as_os_str()]);
    push(&["-append".as_ref(), config.cmdline.as_ref()]);

    for ((id, iobase, irq), fd) in SERIAL_PORTS.iter().zip(fds.serial) {
        let chardev = format!("socket,id={id},fd={fd}");
        let device = format!("isa-serial,chardev={id},iobase={iobase},irq={irq}");
        push(&["-chardev".as_ref(), chardev.as_ref()]);
        push(&["-device".as_ref(), device.as_ref()]);
    }
    // The kernel ends the VM by writing its exit status here.
    push(&["-device", "isa-debug-exit,iobase=0xf4,iosize=4"].map(OsStr::new));

    if let Some(device) = &config.network {
        push(&["-netdev".as_ref(), device.netdev().as_ref()]);
        // VMs on one bridge need MAC addresses of their own; passt's VM is alone on its link.
        let nic = match device {
            NetDevice::Tap { .. } => format!("virtio-net-device,netdev=net0,mac={}", random_mac()),
            _ => "virtio-net-device,netdev=net0".to_string(),
        };
        push(&["-device".as_ref(), nic.as_ref()]);
    }

    if let Some(fd) = fds.gdb {
        // QEMU accepts gdb on pith's listening socket; -S holds the CPU until gdb continues.
        let chardev = format!("socket,id=gdb,fd={fd},server=on,wait=off");
        push(&["-chardev".as_ref(), chardev.as_ref()]);
        push(&["-gdb", "chardev:gdb", "-S"].map(OsStr::new));
    }
    args
}

/// A locally administered unicast MAC address in QEMU's 52:54:00 range, random in its last
/// three bytes.
fn random_mac() -> String {
    let mut bytes = [0u8; 3];
    let random = std::fs::File::open("/dev/urandom")
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut bytes));
    if random.is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        bytes.copy_from_slice(&(nanos ^ std::process::id()).to_le_bytes()[..3]);
    }
    format!(
        "52:54:00:{:02x}:{:02x}:{:02x}",
        bytes[0], bytes[1], bytes[2]
    )
}

/// Starts QEMU with `args`, handing it `inherited` (the guest ends of the serial sockets and
/// the gdb socket, whose descriptor numbers `args` names); they are closed in pith once QEMU
/// has them. QEMU gets its own process group, so that Ctrl-C reaches only pith, which then
/// stops the VM; and it is killed if pith dies, so that no VM outlives its pith.
pub fn spawn(qemu: &Path, args: &[OsString], inherited: Vec<OwnedFd>) -> Result<Child, QemuError> {
    let parent = rustix::process::getpid();
    let mut command = Command::new(qemu);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: the closure runs in the forked child before exec; it allocates nothing and only
    // makes async-signal-safe system calls (fcntl, prctl, getppid).
    unsafe {
        command.pre_exec(move || prepare_child(&inherited, parent));
    }

    let child = command.spawn().map_err(|source| QemuError::Spawn {
        path: qemu.to_owned(),
        source,
    });
    // Dropping the command closes pith's copies of the inherited sockets, so that pith sees
    // end of file on the serial ones when QEMU exits.
    drop(command);
    child
}

/// In the child: keeps the inherited sockets open across exec and ties the child's life to
/// pith.
fn prepare_child(inherited: &[OwnedFd], parent: Pid) -> io::Result<()> {
    for fd in inherited {
        rustix::io::fcntl_setfd(fd, FdFlags::empty())?;
    }
    die_with_parent(parent)
}

/// The descriptor numbers of the serial sockets, for [`arguments`].
pub fn raw_fds(serial: &[OwnedFd; 3]) -> [i32; 3] {
    [0, 1, 2].map(|index| serial[index].as_raw_fd())
}

/// `program` and `args` as a shell would need them typed, for `--verbose`.
pub fn shell_words(program: &Path, args: &[OsString]) -> String {
    std::iter::once(program.as_os_str())
        .chain(args.iter().map(OsString::as_os_str))
        .map(shell_quote)
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_quote(word: &OsStr) -> String {
    let text = word.to_string_lossy();
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-+=:,./@%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> VmConfig {
        VmConfig {
            kernel: PathBuf::from("/cache/kernel"),
            image: PathBuf::from("/tmp/app.img"),
            memory: MemorySize::parse("64M").unwrap(),
            accelerator: Accelerator::Tcg,
            cmdline: "log=warn".to_owned(),
            network: None,
        }
    }

    #[test]
    fn command_line_wires_three_serial_ports_and_debug_exit() {
        let fds = InheritedFds {
            serial: [5, 7, 9],
            gdb: None,
        };
        let args = arguments(&config(), fds);
        let line = shell_words(Path::new("qemu-system-x86_64"), &args);
        assert_eq!(
            line,
            "qemu-system-x86_64 \
             -M microvm,accel=tcg,acpi=off,rtc=on,pit=on,pic=on,isa-serial=off -cpu max -m 64M \
             -nodefaults -no-user-config -nographic -no-reboot -display none \
             -kernel /cache/kernel -initrd /tmp/app.img -append log=warn \
             -chardev socket,id=com1,fd=5 -device isa-serial,chardev=com1,iobase=0x3f8,irq=4 \
             -chardev socket,id=com2,fd=7 -device isa-serial,chardev=com2,iobase=0x2f8,irq=3 \
             -chardev socket,id=com3,fd=9 -device isa-serial,chardev=com3,iobase=0x3e8,irq=6 \
             -device isa-debug-exit,iobase=0xf4,iosize=4"
        );
    }

    #[test]
    fn kvm_uses_the_host_cpu() {
        let config = VmConfig {
            accelerator: Accelerator::Kvm,
            ..config()
        };
        let fds = InheritedFds {
            serial: [3, 4, 5],
            gdb: None,
        };
        let args = arguments(&config, fds);
        assert_eq!(
            args[1],
            "microvm,accel=kvm,acpi=off,rtc=on,pit=on,pic=on,isa-serial=off"
        );
        assert_eq!(args[3], "host,-arch-capabilities");
    }

    #[test]
    fn gdb_pauses_the_vm_on_an_inherited_socket() {
        let fds = InheritedFds {
            serial: [3, 4, 5],
            gdb: Some(6),
        };
        let line = shell_words(Path::new("qemu"), &arguments(&config(), fds));
        assert!(
            line.ends_with(
                "-device isa-debug-exit,iobase=0xf4,iosize=4 \
                 -chardev socket,id=gdb,fd=6,server=on,wait=off -gdb chardev:gdb -S"
            ),
            "{line}"
        );
    }

    #[test]
    fn network_devices() {
        let fds = InheritedFds {
            serial: [3, 4, 5],
            gdb: None,
        };
        let passt = VmConfig {
            network: Some(NetDevice::Passt {
                socket: PathBuf::from("/tmp/pith-passt-x/passt.socket"),
            }),
            ..config()
        };
        let line = shell_words(Path::new("qemu"), &arguments(&passt, fds));
        assert!(
            line.ends_with(
                "-netdev stream,id=net0,server=off,addr.type=unix,\
                 addr.path=/tmp/pith-passt-x/passt.socket \
                 -device virtio-net-device,netdev=net0"
            ),
            "{line}"
        );
        let tap = VmConfig {
            network: Some(NetDevice::Tap {
                name: "tap0".into(),
            }),
            ..config()
        };
        let line = shell_words(Path::new("qemu"), &arguments(&tap, fds));
        assert!(
            line.contains(
                "-netdev tap,id=net0,ifname=tap0,script=no,downscript=no \
                 -device virtio-net-device,netdev=net0,mac=52:54:00:"
            ),
            "{line}"
        );
    }

    #[test]
    fn quoting_for_display() {
        assert_eq!(shell_quote(OsStr::new("log=warn")), "log=warn");
        assert_eq!(shell_quote(OsStr::new("a b")), "'a b'");
        assert_eq!(shell_quote(OsStr::new("it's")), r"'it'\''s'");
        assert_eq!(shell_quote(OsStr::new("")), "''");
        assert_eq!(escape_commas(OsStr::new("/tmp/a,b")), "/tmp/a,,b");
    }
}
