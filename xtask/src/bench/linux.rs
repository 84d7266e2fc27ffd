//! The Linux baseline: Debian's kernel with an initramfs holding /init (xtask/guests/init.c),
//! the program and its libraries, on the same QEMU machine, CPU model and accelerator as
//! Pith. QEMU's one serial port is the console, read on QEMU's standard output. A server
//! gets the network pith gives one: a virtio-net device on passt, with virtio_net loaded
//! from the initramfs.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{anyhow, Context};

use super::cpio::CpioWriter;
use super::host::Accel;
use super::modules;
use super::network::{self, Passt};
use super::process::{self, Background, Timed};

const LIBRARY_DIR: &str = "/lib/x86_64-linux-gnu";
const MODULE_DIR: &str = "/lib/modules";

/// A program for the Linux VM, and what its initramfs needs besides.
#[derive(Debug, Clone)]
pub struct LinuxProgram {
    pub binary: PathBuf,
    pub guest_path: String,
    pub args: Vec<String>,
    pub files: Vec<(String, Vec<u8>)>,
    /// Kernel modules (`.ko` files on the host) /init loads, in this order.
    pub modules: Vec<PathBuf>,
}

impl LinuxProgram {
    /// A program that needs nothing but itself, at `guest_path`.
    pub fn simple(binary: &Path, guest_path: &str, args: &[&str]) -> LinuxProgram {
        LinuxProgram {
            binary: binary.to_owned(),
            guest_path: guest_path.to_owned(),
            args: args.iter().map(|arg| arg.to_string()).collect(),
            files: Vec::new(),
            modules: Vec::new(),
        }
    }
}

/// Writes the initramfs for `program` to `out` (uncompressed cpio) and returns its size.
pub fn write_initramfs(init: &Path, program: &LinuxProgram, out: &Path) -> anyhow::Result<u64> {
    let mut cpio = CpioWriter::new(Vec::new());
    cpio.character_device("/dev/console", 5, 1)?;
    cpio.directory("/tmp")?;
    cpio.file("/init", 0o755, &read(init)?)?;
    cpio.file(&program.guest_path, 0o755, &read(&program.binary)?)?;
    for (guest_path, host_path) in libraries(&program.binary)? {
        cpio.file(&guest_path, 0o755, &read(&host_path)?)?;
    }

    let argv: Vec<&str> = std::iter::once(program.guest_path.as_str())
        .chain(program.args.iter().map(String::as_str))
        .collect();
    cpio.file(
        "/bench/argv",
        0o644,
        format!("{}\n", argv.join("\n")).as_bytes(),
    )?;
    let mut module_list = String::new();
    for module in &program.modules {
        let name = module.file_name().unwrap_or_default().to_string_lossy();
        let guest_path = format!("{MODULE_DIR}/{name}");
        cpio.file(&guest_path, 0o644, &read(module)?)?;
        module_list.push_str(&guest_path);
        module_list.push('\n');
    }
    if !module_list.is_empty() {
        cpio.file("/bench/modules", 0o644, module_list.as_bytes())?;
    }
    for (path, contents) in &program.files {
        cpio.file(path, 0o644, contents)?;
    }

    let (bytes, size) = cpio.finish()?;
    fs::write(out, bytes).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(size)
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The shared libraries `binary` loads, per `ldd`, as (path in the guest, file on the
/// host): each library in /lib/x86_64-linux-gnu under the name the program asks for, the
/// dynamic loader at its own absolute path. None for a static program.
fn libraries(binary: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let output = Command::new("ldd")
        .arg(binary)
        .output()
        .context("cannot run ldd (Debian's libc-bin has it)")?;
    parse_ldd(&String::from_utf8_lossy(&output.stdout)).map_err(|missing| {
        anyhow!(
            "{} needs {missing}, which is not on this host",
            binary.display()
        )
    })
}

fn parse_ldd(text: &str) -> Result<Vec<(String, PathBuf)>, String> {
    let mut libraries = Vec::new();
    for line in text.lines().map(str::trim) {
        // Drop the load address in parentheses.
        let line = line.split(" (0x").next().unwrap_or(line);
        match line.split_once(" => ") {
            Some((name, "not found")) => return Err(name.to_owned()),
            Some((name, path)) => {
                libraries.push((format!("{LIBRARY_DIR}/{name}"), PathBuf::from(path)));
            }
            None if line.starts_with('/') => libraries.push((line.to_owned(), PathBuf::from(line))),
            // linux-vdso.so.1, "statically linked", "not a dynamic executable"
            None => {}
        }
    }
    Ok(libraries)
}

/// Boots Debian's kernel under QEMU.
#[derive(Debug, Clone)]
pub struct LinuxVm {
    pub qemu: PathBuf,
    pub kernel: PathBuf,
    /// The kernel's module tree, `/lib/modules/VERSION` of its package.
    pub modules_dir: PathBuf,
    pub accel: Accel,
    /// Given to Linux as `tsc_early_khz`: under TCG its own calibration against the PIT
    /// hangs about half the boots on a busy host (ARCHITECTURE.md).
    pub tsc_khz: Option<u64>,
}

impl LinuxVm {
    /// QEMU's arguments: the machine pith uses, with its standard serial port on.
    pub fn command(&self, initramfs: &Path, memory_mib: u32) -> Command {
        self.command_with(initramfs, memory_mib, None)
    }

    /// With a passt socket, QEMU also gets pith's network device on it, and /init the
    /// address passt was told to hand out.
    fn command_with(&self, initramfs: &Path, memory_mib: u32, passt: Option<&Path>) -> Command {
        let mut cmdline = "console=ttyS0 quiet panic=-1".to_owned();
        if let Some(khz) = self.tsc_khz {
            cmdline.push_str(&format!(" tsc_early_khz={khz} tsc=reliable"));
        }
        if passt.is_some() {
            cmdline.push_str(&format!(
                " bench_ip={}/{} bench_gateway={}",
                network::GUEST_ADDRESS,
                network::GUEST_PREFIX,
                network::GUEST_GATEWAY
            ));
        }
        let machine = format!(
            "microvm,accel={},rtc=on,pit=on,pic=on,isa-serial=on",
            self.accel.as_str()
        );
        let mut command = Command::new(&self.qemu);
        command
            .args(["-M", &machine, "-cpu", self.accel.cpu_model()])
            .args(["-m", &format!("{memory_mib}M")])
            .args(["-nodefaults", "-no-user-config", "-nographic", "-no-reboot"])
            .arg("-kernel")
            .arg(&self.kernel)
            .arg("-initrd")
            .arg(initramfs)
            .args(["-append", &cmdline, "-serial", "stdio"]);
        if let Some(socket) = passt {
            let netdev = format!(
                "stream,id=net0,server=off,addr.type=unix,addr.path={}",
                socket.display()
            );
            command
                .args(["-netdev", &netdev])
                .args(["-device", "virtio-net-device,netdev=net0"]);
        }
        command
    }

    /// The kernel modules a server's initramfs needs for its network, in load order.
    pub fn network_modules(&self) -> anyhow::Result<Vec<PathBuf>> {
        modules::load_order(&self.modules_dir, &modules::NETWORK)
    }

    /// Boots, runs the initramfs' program and returns when the VM powered off.
    pub fn run(
        &self,
        initramfs: &Path,
        memory_mib: u32,
        marker: &str,
        timeout: Duration,
    ) -> anyhow::Result<Timed> {
        let mut command = self.command(initramfs, memory_mib);
        process::run_timed(&mut command, marker, timeout)
            .with_context(|| format!("cannot start {}", self.qemu.display()))
    }

    /// Boots a server's initramfs (built with `network_modules`) behind a passt of its
    /// own in `passt_dir`, publishing `host_port` on the guest's `guest_port`, and leaves
    /// it running.
    pub fn serve(
        &self,
        initramfs: &Path,
        memory_mib: u32,
        passt_dir: &Path,
        (host_port, guest_port): (u16, u16),
    ) -> anyhow::Result<(Background, Passt)> {
        let passt = Passt::start(passt_dir, host_port, guest_port)?;
        let mut command = self.command_with(initramfs, memory_mib, Some(&passt.socket()));
        let vm = Background::spawn(&mut command)
            .with_context(|| format!("cannot start {}", self.qemu.display()))?;
        Ok((vm, passt))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldd_output_is_parsed() {
        let text = "\tlinux-vdso.so.1 (0x00007ffd)\n\
                    \tlibssl.so.3 => /lib/x86_64-linux-gnu/libssl.so.3 (0x00007f1c)\n\
                    \t/lib64/ld-linux-x86-64.so.2 (0x00007f1c)\n";
        assert_eq!(
            parse_ldd(text).unwrap(),
            [
                (
                    "/lib/x86_64-linux-gnu/libssl.so.3".to_owned(),
                    PathBuf::from("/lib/x86_64-linux-gnu/libssl.so.3")
                ),
                (
                    "/lib64/ld-linux-x86-64.so.2".to_owned(),
                    PathBuf::from("/lib64/ld-linux-x86-64.so.2")
                ),
            ]
        );
        assert_eq!(parse_ldd("\tnot a dynamic executable\n").unwrap(), []);
        assert_eq!(
            parse_ldd("\tliblzf.so.1 => not found\n").unwrap_err(),
            "liblzf.so.1"
        );
    }
}
