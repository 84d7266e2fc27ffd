//! A server in a VM on either side, its port published on a free host port through passt,
//! and the wait until it answers there: what the memory rows of the servers and the
//! network rows share. Pith boots a ready image with `pith run -p HOST:GUEST`; Linux boots
//! an initramfs with virtio_net behind a passt started the same way.

use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use super::super::linux;
use super::super::network::{self, Passt, Probe};
use super::super::pith::RunOptions;
use super::super::process::Background;
use super::super::programs::{HostProgram, Server};
use super::super::report::shorten;
use super::super::Bench;

/// How often a server that does not answer yet is asked again.
const RETRY: Duration = Duration::from_millis(200);

/// The side a server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vm {
    Pith,
    Linux,
}

impl Vm {
    pub fn label(self) -> &'static str {
        match self {
            Vm::Pith => "pith",
            Vm::Linux => "linux",
        }
    }

    /// What this side boots for `program`: a Pith image or a Linux initramfs.
    pub fn prepare(
        self,
        bench: &Bench,
        name: &str,
        program: &HostProgram,
    ) -> Result<PathBuf, String> {
        match self {
            Vm::Pith => pith_image(bench, name, program),
            Vm::Linux => linux_initramfs(bench, name, program),
        }
    }

    /// Boots `target` (from `prepare`) with `memory_mib` and the server's port published.
    pub fn start(
        self,
        bench: &Bench,
        target: &Path,
        server: &Server,
        memory_mib: u32,
    ) -> anyhow::Result<Running> {
        match self {
            Vm::Pith => start_pith(bench, target, server, memory_mib),
            Vm::Linux => start_linux(bench, target, server, memory_mib),
        }
    }
}

/// Packs `program` for Pith: `pith build` of a generated `Pith.toml` into images/NAME.pith.
pub fn pith_image(bench: &Bench, name: &str, program: &HostProgram) -> Result<PathBuf, String> {
    let build = || -> anyhow::Result<Result<PathBuf, String>> {
        let app = program.pith_app(&bench.dir("apps")?.join(name))?;
        let image = bench.dir("images")?.join(format!("{name}.pith"));
        Ok(bench
            .pith
            .build(&app, &image)
            .map(|()| image)
            .map_err(|reason| format!("pith build: {reason}")))
    };
    build().unwrap_or_else(|error| Err(format!("{error:#}")))
}

/// Writes the Linux initramfs for `program`, with the modules of its network when it is a
/// server, to images/NAME.cpio.
pub fn linux_initramfs(
    bench: &Bench,
    name: &str,
    program: &HostProgram,
) -> Result<PathBuf, String> {
    let vm = bench.linux.as_ref().map_err(Clone::clone)?;
    let build = || -> anyhow::Result<PathBuf> {
        let mut linux_program = program.linux();
        if program.server.is_some() {
            linux_program.modules = vm.network_modules()?;
        }
        let path = bench.dir("images")?.join(format!("{name}.cpio"));
        linux::write_initramfs(&bench.guests.init, &linux_program, &path)?;
        Ok(path)
    };
    build().map_err(|error| format!("{error:#}"))
}

/// A server VM running on one side.
pub struct Running {
    process: Background,
    /// The Linux side's own passt (pith runs its own).
    passt: Option<Passt>,
    pub host_port: u16,
    side: &'static str,
}

fn start_pith(
    bench: &Bench,
    image: &Path,
    server: &Server,
    memory_mib: u32,
) -> anyhow::Result<Running> {
    let host_port = network::free_port()?;
    let options = RunOptions {
        memory_mib: Some(memory_mib),
        publish: Some((host_port, server.port)),
        ..RunOptions::default()
    };
    Ok(Running {
        process: bench.pith.serve(image, &options)?,
        passt: None,
        host_port,
        side: "pith run",
    })
}

/// The Linux side gets a passt of its own.
fn start_linux(
    bench: &Bench,
    initramfs: &Path,
    server: &Server,
    memory_mib: u32,
) -> anyhow::Result<Running> {
    let vm = bench
        .linux
        .as_ref()
        .map_err(|reason| anyhow::anyhow!("{reason}"))?;
    let host_port = network::free_port()?;
    let passt_dir = bench.dir("passt")?.join(host_port.to_string());
    let (process, passt) = vm.serve(initramfs, memory_mib, &passt_dir, (host_port, server.port))?;
    Ok(Running {
        process,
        passt: Some(passt),
        host_port,
        side: "Linux VM",
    })
}

impl Running {
    /// Waits until `probe` gets its answer through the published port. On failure the VM
    /// is stopped, and the error says why: how the VM ended, or that it never answered.
    pub fn wait_until_answering(&mut self, probe: &Probe, timeout: Duration) -> Result<(), String> {
        let started = Instant::now();
        let mut last = String::from("nothing tried");
        while started.elapsed() < timeout {
            if self.process.has_ended() {
                return Err("ended".to_owned());
            }
            match probe.once(self.host_port) {
                Ok(()) => return Ok(()),
                Err(reason) => last = reason,
            }
            thread::sleep(RETRY);
        }
        Err(format!(
            "did not answer within {} s (last: {last})",
            timeout.as_secs()
        ))
    }

    /// Stops the VM; pith gets SIGTERM, so that it stops QEMU and passt itself.
    pub fn stop(self) {
        let politely = self.passt.is_none();
        self.process.stop(politely);
    }

    /// Stops the VM after `wait_until_answering` failed with `reason`, and returns what
    /// to report: how the VM ended if it did, with its last words.
    pub fn stop_failed(self, reason: &str) -> String {
        let side = self.side;
        let politely = self.passt.is_none();
        let stopped = self.process.stop(politely);
        let reason = stopped
            .early_end(side)
            .unwrap_or_else(|| format!("{side}: {reason}"));
        shorten(&reason, 100)
    }
}
