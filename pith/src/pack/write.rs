//! Writes a plan as an image: the manifest, then every entry in path order, so that each
//! directory comes before what it holds. A large image shows a progress bar on a terminal.

use std::fs::{File, Permissions};
use std::io::{BufWriter, IsTerminal, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use pith_image::ImageWriter;

use super::error::PackError;
use super::tree::{NodeKind, Source};
use super::Plan;

/// Images are data, readable by all like other build outputs.
const IMAGE_MODE: u32 = 0o644;
/// Below these, packing takes too little time for a progress bar to help.
const PROGRESS_MIN_ENTRIES: usize = 2000;
const PROGRESS_MIN_BYTES: u64 = 64 << 20;
/// Large enough that writing 10,000 small files makes few system calls.
const BUFFER_SIZE: usize = 1 << 20;

/// Writes the image of `plan` to `out`, returning `out`.
pub fn write_image<W: Write>(plan: &Plan, out: W) -> Result<W, PackError> {
    let mut writer = ImageWriter::new(out, &plan.manifest).map_err(PackError::Write)?;
    let progress = progress_bar(plan);
    for (key, node) in plan.tree.iter() {
        let written = match &node.kind {
            NodeKind::Directory => writer.add_directory(key, node.mode, node.mtime),
            NodeKind::Symlink { target } => writer.add_symlink(key, target, node.mtime),
            NodeKind::File {
                source: Source::Generated(bytes),
                ..
            } => {
                let size = bytes.len() as u64;
                writer.add_file(key, node.mode, node.mtime, size, &mut bytes.as_slice())
            }
            NodeKind::File {
                source: Source::Host(path),
                ..
            } => {
                add_host_file(&mut writer, key, node.mode, node.mtime, path)?;
                Ok(())
            }
        };
        written.map_err(PackError::Write)?;
        if let NodeKind::File { size, .. } = node.kind {
            progress.inc(size);
        }
    }
    progress.finish_and_clear();
    writer.finish().map_err(PackError::Write)
}

/// Writes the image of `plan` to the file `path` and returns its size. The file appears
/// whole or not at all: it is written under a temporary name beside `path` and renamed.
pub fn write_image_file(plan: &Plan, path: &Path) -> Result<u64, PackError> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let temporary = tempfile::NamedTempFile::new_in(dir).map_err(PackError::Write)?;
    let out = write_image(plan, BufWriter::with_capacity(BUFFER_SIZE, temporary))?;
    let temporary = out
        .into_inner()
        .map_err(|error| PackError::Write(error.into_error()))?;

    let file = temporary.as_file();
    file.set_permissions(Permissions::from_mode(IMAGE_MODE))
        .map_err(PackError::Write)?;
    let size = file.metadata().map_err(PackError::Write)?.len();
    temporary
        .persist(path)
        .map_err(|error| PackError::Write(error.error))?;
    Ok(size)
}

/// Copies host file `path`, measured again now: it may have changed since it was planned.
fn add_host_file<W: Write>(
    writer: &mut ImageWriter<W>,
    key: &str,
    mode: u32,
    mtime: u32,
    path: &Path,
) -> Result<(), PackError> {
    let mut file = File::open(path).map_err(PackError::read(path))?;
    let size = file.metadata().map_err(PackError::read(path))?.len();
    writer
        .add_file(key, mode, mtime, size, &mut file)
        .map_err(PackError::Write)
}

/// A bar over the bytes of file data, drawn only on a terminal and for a large image.
fn progress_bar(plan: &Plan) -> ProgressBar {
    let bytes: u64 = plan
        .tree
        .iter()
        .filter_map(|(_, node)| match node.kind {
            NodeKind::File { size, .. } => Some(size),
            _ => None,
        })
        .sum();
    let large = plan.tree.len() >= PROGRESS_MIN_ENTRIES || bytes >= PROGRESS_MIN_BYTES;
    if !large || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(bytes);
    let template = "packing {bar:30} {binary_bytes}/{binary_total_bytes} ({eta})";
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}
