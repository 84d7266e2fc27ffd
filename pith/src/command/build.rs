//! `pith build PROGRAM -o IMAGE`: packs a program into an image file.

use anyhow::Context;

use crate::cli::BuildArgs;
use crate::elf;
use crate::pack::{self, ProgramSpec};

pub fn build(args: BuildArgs) -> anyhow::Result<()> {
    let kind = elf::check(&args.program_path)?;
    log::info!("program: {} ({kind})", args.program_path.display());

    let spec = ProgramSpec {
        program: &args.program_path,
        args: &args.program.args,
        env: &args.program.env,
        files: &args.program.files,
    };
    let size = pack::write_image_file(spec, &args.output)
        .with_context(|| format!("cannot build {}", args.output.display()))?;
    log::info!("image: {} ({size} bytes)", args.output.display());
    Ok(())
}
