//! `pith build PROGRAM|DIR -o IMAGE`: packs an application into an image file, or with
//! `--list-files` prints what the image would hold.

use std::io::Write;

use anyhow::Context;

use crate::cli::BuildArgs;
use crate::command::app;
use crate::pack;

pub fn build(args: BuildArgs) -> anyhow::Result<()> {
    let app = app::load(&args.program_path, &args.program)?;
    if args.list_files {
        let plan = app.plan(true)?;
        let mut out = std::io::stdout().lock();
        pack::list::print(&plan, &mut out)
            .and_then(|()| out.flush())
            .context("cannot print the list of files")?;
        return Ok(());
    }

    let output = args.output.context("give the image's path with -o IMAGE")?;
    let plan = app.plan(false)?;
    let size = pack::write_image_file(&plan, &output)
        .with_context(|| format!("cannot build {}", output.display()))?;
    log::info!(
        "image: {} ({size} bytes, {} entries)",
        output.display(),
        plan.tree.len()
    );
    if app.memory.is_some() {
        log::info!("memory in Pith.toml is a run option: it is not stored in the image");
    }
    if app.network.is_set() {
        log::info!("[network] in Pith.toml is a run option: it is not stored in the image");
    }
    Ok(())
}
