//! `pith run PROGRAM|DIR|IMAGE`: boots a built image as is, or packs a program (or the
//! application of a directory with a Pith.toml) into a temporary image first, and runs it in
//! a VM, with its network's host side (passt or a tap device) ready first.

use std::fs::{self, File};
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::cli::{DiagnosticOptions, MemorySize, RunArgs};
use crate::command::app;
use crate::diagnostics::backtrace::SymbolFiles;
use crate::diagnostics::gdb;
use crate::diagnostics::program::ProgramFile;
use crate::elf;
use crate::kernel;
use crate::launcher::accel::{self, HostFacts};
use crate::launcher::qemu::{self, VmConfig};
use crate::launcher::tsc;
use crate::network::NetworkRequest;
use crate::pack;
use crate::session;

mod network;

/// Enough of a file to recognize an image by its first entry.
const IMAGE_PROBE_LEN: u64 = 4096;

/// Runs the VM and returns pith's exit status. Temporary files are removed before returning.
pub fn run(args: RunArgs) -> anyhow::Result<u8> {
    let scratch = tempfile::Builder::new()
        .prefix("pith-")
        .tempdir()
        .context("cannot create a temporary directory")?;

    let prepared = prepare_image(&args, scratch.path())?;
    let image = prepared.image;
    let image_size = fs::metadata(&image)
        .with_context(|| format!("cannot read {}", image.display()))?
        .len();
    let memory = app::memory(args.vm.memory.or(prepared.memory), image_size);
    check_fits(image_size, memory)?;
    let kernel = kernel::file(scratch.path())?;
    let choice = accel::choose(args.vm.accel, &HostFacts::probe())?;
    log::info!("accelerator: {choice}");
    let qemu = qemu::find()?;
    let network = network::choose(prepared.network, &args.network)?;

    let symbols = SymbolFiles {
        kernel,
        program: prepared.program,
    };
    let gdb = match args.diagnostics.gdb {
        Some(port) => Some(start_gdb_stub(port, &symbols)?),
        None => None,
    };

    let mut cmdline = kernel_cmdline(args.vm.log_level.as_str(), &args.diagnostics);
    let host_network = match &network {
        Some(network) => Some(network::start(
            network,
            &mut cmdline,
            &image,
            prepared.generated_resolv_conf,
        )?),
        None => None,
    };
    let config = VmConfig {
        kernel: symbols.kernel.clone(),
        image,
        memory,
        accelerator: choice.accelerator,
        cmdline,
        network: host_network.as_ref().map(|host| host.device.clone()),
    };
    let code = session::run(&qemu, &config, gdb, &symbols)?;
    // The VM has ended: stop passt before its socket's directory goes.
    drop(host_network);
    scratch
        .close()
        .context("cannot remove pith's temporary directory")?;
    Ok(code)
}

/// The kernel's options (docs/host-protocol.md, "Kernel command line").
fn kernel_cmdline(log_level: &str, diagnostics: &DiagnosticOptions) -> String {
    let mut options = vec![format!("log={log_level}")];
    if let Some(filter) = &diagnostics.trace {
        options.push(format!("trace={}", filter.kernel_option()));
    }
    if diagnostics.syscall_summary {
        options.push("summary=1".to_owned());
    }
    if let Some(khz) = tsc::host_tsc_khz() {
        options.push(format!("tsc_khz={khz}"));
    }
    options.push(format!("tty={}", terminal_streams()));
    options.join(" ")
}

/// Which of pith's standard streams are terminals (`012` for all), so that the program
/// sees a terminal or a pipe where it would on the host (`isatty`, `fstat`).
fn terminal_streams() -> String {
    let streams = [
        rustix::termios::isatty(std::io::stdin()),
        rustix::termios::isatty(std::io::stdout()),
        rustix::termios::isatty(std::io::stderr()),
    ];
    streams
        .iter()
        .enumerate()
        .filter(|(_, &terminal)| terminal)
        .map(|(fd, _)| char::from(b'0' + fd as u8))
        .collect()
}

/// Listens for gdb on `port` and tells the user how to attach.
fn start_gdb_stub(port: u16, symbols: &SymbolFiles) -> anyhow::Result<TcpListener> {
    let listener = gdb::listen(port)?;
    let program = symbols
        .program
        .path()
        .context("cannot find the program's symbols for gdb")?;
    let bytes = fs::read(program).with_context(|| format!("cannot read {}", program.display()))?;
    let load_bias = elf::load_bias(&bytes)
        .with_context(|| format!("cannot tell where {} is loaded", program.display()))?;
    let command = gdb::command(port, &symbols.kernel, program, load_bias);
    eprintln!("pith: the VM is paused until gdb attaches on 127.0.0.1:{port} and continues:");
    eprintln!("  {command}");
    Ok(listener)
}

/// The image to boot and what the run needs to know about it.
struct Prepared {
    /// The target itself if it is an image, else a new one in pith's scratch directory.
    image: PathBuf,
    /// Where the program's ELF file is, for symbols.
    program: ProgramFile,
    /// The memory the application's manifest asks for.
    memory: Option<MemorySize>,
    /// The manifest's `[network]`.
    network: NetworkRequest,
    /// Whether the image's /etc/resolv.conf is pith's; `None` for a built image, which is
    /// only read if the answer is needed.
    generated_resolv_conf: Option<bool>,
}

/// Packs the target into an image in `scratch`, unless it is a built image already.
fn prepare_image(args: &RunArgs, scratch: &Path) -> anyhow::Result<Prepared> {
    let target = &args.target;
    if is_image(target) {
        if args.program.is_set() {
            bail!(
                "{} is a built image: options that change the program cannot be applied to a \
                 built image; give them to `pith build` instead",
                target.display()
            );
        }
        log::info!("image: {} (built)", target.display());
        return Ok(Prepared {
            image: target.clone(),
            program: ProgramFile::in_image(target, scratch),
            memory: None,
            network: NetworkRequest::default(),
            generated_resolv_conf: None,
        });
    }

    let app = app::load(target, &args.program)?;
    let plan = app.plan(false)?;
    let image = scratch.join("image.pith");
    let size = pack::write_image_file(&plan, &image).context("cannot pack the program")?;
    log::info!(
        "image: {} ({size} bytes, {} entries)",
        image.display(),
        plan.tree.len()
    );
    Ok(Prepared {
        image,
        program: ProgramFile::host(&app.spec.program),
        memory: app.memory,
        network: app.network.request(),
        generated_resolv_conf: Some(plan.generated_resolv_conf()),
    })
}

/// QEMU loads the whole image into guest memory, where it stays: refuse what cannot fit,
/// with a size that leaves the program room.
fn check_fits(image_size: u64, memory: MemorySize) -> anyhow::Result<()> {
    const MIB: u64 = 1 << 20;
    if image_size < memory.mib() * MIB {
        return Ok(());
    }
    let image_mib = image_size.div_ceil(MIB);
    let suggested = (image_mib + 32).next_power_of_two().max(64);
    bail!(
        "the image ({image_mib} MiB) does not fit in the VM's {}M of memory: give it more, \
         e.g. -m {suggested}M",
        memory.mib()
    );
}

/// Whether `path` starts like a Pith image. Anything unreadable is left to the ELF check,
/// which says what is wrong with it.
fn is_image(path: &Path) -> bool {
    let mut head = Vec::new();
    let read = File::open(path).and_then(|file| file.take(IMAGE_PROBE_LEN).read_to_end(&mut head));
    read.is_ok() && pith_image::looks_like_image(&head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_must_fit_in_memory() {
        let memory = MemorySize::parse("16M").unwrap();
        assert!(check_fits(5 << 20, memory).is_ok());
        let error = check_fits(21 << 20, memory).unwrap_err().to_string();
        assert_eq!(
            error,
            "the image (21 MiB) does not fit in the VM's 16M of memory: give it more, e.g. -m 64M"
        );
        let error = check_fits(100 << 20, memory).unwrap_err().to_string();
        assert!(error.ends_with("-m 256M"), "{error}");
    }
}
