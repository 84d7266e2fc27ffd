//! `pith run PROGRAM|IMAGE`: boots a built image as is, or packs a program into a temporary
//! image first, and runs it in a VM.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::cli::{MemorySize, RunArgs};
use crate::elf;
use crate::kernel;
use crate::launcher::accel::{self, HostFacts};
use crate::launcher::qemu::{self, VmConfig};
use crate::launcher::tsc;
use crate::pack::{self, ProgramSpec};
use crate::session;

/// Enough of a file to recognize an image by its first entry.
const IMAGE_PROBE_LEN: u64 = 4096;

/// Runs the VM and returns pith's exit status. Temporary files are removed before returning.
pub fn run(args: RunArgs) -> anyhow::Result<u8> {
    let scratch = tempfile::Builder::new()
        .prefix("pith-")
        .tempdir()
        .context("cannot create a temporary directory")?;

    let image = prepare_image(&args, scratch.path())?;
    let image_size = fs::metadata(&image)
        .with_context(|| format!("cannot read {}", image.display()))?
        .len();
    check_fits(image_size, args.vm.memory)?;
    let kernel = kernel::file(scratch.path())?;
    let choice = accel::choose(args.vm.accel, &HostFacts::probe())?;
    log::info!("accelerator: {choice}");
    let qemu = qemu::find()?;

    let config = VmConfig {
        kernel,
        image,
        memory: args.vm.memory,
        accelerator: choice.accelerator,
        cmdline: kernel_cmdline(args.vm.log_level.as_str()),
    };
    let code = session::run(&qemu, &config)?;
    scratch
        .close()
        .context("cannot remove pith's temporary directory")?;
    Ok(code)
}

/// The kernel's options (docs/host-protocol.md, "Kernel command line").
fn kernel_cmdline(log_level: &str) -> String {
    match tsc::host_tsc_khz() {
        Some(khz) => format!("log={log_level} tsc_khz={khz}"),
        None => format!("log={log_level}"),
    }
}

/// The image to boot: the target itself if it is one, else a new one in `scratch`.
fn prepare_image(args: &RunArgs, scratch: &Path) -> anyhow::Result<PathBuf> {
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
        return Ok(target.clone());
    }

    let kind = elf::check(target)?;
    log::info!("program: {} ({kind})", target.display());
    let spec = ProgramSpec {
        program: target,
        args: &args.program.args,
        env: &args.program.env,
        files: &args.program.files,
    };
    let image = scratch.join("image.pith");
    let size = pack::write_image_file(spec, &image).context("cannot pack the program")?;
    log::info!("image: {} ({size} bytes)", image.display());
    Ok(image)
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
