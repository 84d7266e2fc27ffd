//! The application `pith run` and `pith build` pack: a bare program, or a directory (or the
//! file itself) with a Pith.toml, with the command line's options over the manifest's.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::cli::{MemorySize, ProgramOptions};
use crate::elf;
use crate::manifest::{self, AppManifest, FileEntry, NetworkTable};
use crate::pack::{self, AppSpec, FileMapping, MappingKind, Plan};

/// Guest memory when neither `-m` nor Pith.toml gives it, for small images.
const DEFAULT_MEMORY_MIB: u64 = 64;
/// The most pith gives on its own; an image needing more fails `check_fits` with advice.
const MAX_AUTOMATIC_MIB: u64 = 64 << 10;

/// What to pack, and the manifest's run options.
#[derive(Debug)]
pub struct App {
    pub spec: AppSpec,
    /// Pith.toml's `memory`, which `-m` overrides.
    pub memory: Option<MemorySize>,
    /// Pith.toml's `[network]`, which the network options override.
    pub network: NetworkTable,
}

/// Reads the application at `target` and applies `options` over its manifest.
pub fn load(target: &Path, options: &ProgramOptions) -> anyhow::Result<App> {
    let mut app = match manifest_path(target)? {
        Some(path) => {
            let manifest = manifest::load(&path)?;
            log::info!("manifest: {}", path.display());
            from_manifest(manifest, path.parent().unwrap_or(Path::new(".")))
        }
        None => App {
            spec: AppSpec {
                program: target.to_owned(),
                argv0: target.as_os_str().as_bytes().to_vec(),
                ..AppSpec::default()
            },
            memory: None,
            network: NetworkTable::default(),
        },
    };
    apply(&mut app.spec, options);
    Ok(app)
}

impl App {
    /// Checks the program and decides the image's contents. With `list_only`, a dynamically
    /// linked program is accepted even while the kernel cannot run it.
    pub fn plan(&self, list_only: bool) -> anyhow::Result<Plan> {
        let program = &self.spec.program;
        let kind = if list_only {
            elf::inspect(program)?
        } else {
            elf::check(program)?
        };
        log::info!("program: {} ({kind})", program.display());
        pack::plan(&self.spec).context("cannot pack the program")
    }
}

/// The manifest's path if `target` is a directory holding one, or one itself.
fn manifest_path(target: &Path) -> anyhow::Result<Option<PathBuf>> {
    if target.is_dir() {
        let path = target.join(manifest::FILE_NAME);
        if !path.is_file() {
            bail!(
                "{} is a directory without a {}: add one (docs/manifest.md describes it) or name \
                 the program inside the directory",
                target.display(),
                manifest::FILE_NAME
            );
        }
        return Ok(Some(path));
    }
    let is_manifest = target
        .file_name()
        .is_some_and(|name| name == manifest::FILE_NAME);
    Ok(is_manifest.then(|| target.to_owned()))
}

/// The spec a manifest describes; its host paths are relative to `base`, its directory.
fn from_manifest(manifest: AppManifest, base: &Path) -> App {
    let files = manifest
        .files
        .iter()
        .map(|entry| mapping(base, entry, MappingKind::Any))
        .collect();
    let env = manifest
        .env
        .iter()
        .map(|(key, value)| format!("{key}={value}").into_bytes());
    let spec = AppSpec {
        program: base.join(&manifest.program),
        argv0: manifest.program.into_bytes(),
        args: manifest.args.into_iter().map(String::into_bytes).collect(),
        env: env.collect(),
        workdir: manifest.workdir,
        files,
        exclude: manifest.exclude,
        libraries: manifest.libraries,
        runtime: manifest.runtime,
        locales: manifest.locales,
        read_only_root: manifest.read_only_root,
    };
    App {
        spec,
        memory: manifest.memory,
        network: manifest.network,
    }
}

fn mapping(base: &Path, entry: &FileEntry, kind: MappingKind) -> FileMapping {
    FileMapping {
        host: base.join(&entry.host),
        guest: entry.guest.clone(),
        kind,
    }
}

/// The command line wins: its arguments replace the manifest's, its variables and working
/// directory replace those of the same name, and its files come last.
fn apply(spec: &mut AppSpec, options: &ProgramOptions) {
    if !options.args.is_empty() {
        spec.args = options
            .args
            .iter()
            .map(|arg| arg.as_bytes().to_vec())
            .collect();
    }
    for var in &options.env {
        spec.env
            .retain(|existing| existing.split(|&byte| byte == b'=').next() != Some(var.key()));
        spec.env.push(var.as_bytes().to_vec());
    }
    if let Some(workdir) = &options.workdir {
        spec.workdir = Some(workdir.clone());
    }
    let here = Path::new("");
    let dirs = options
        .dirs
        .iter()
        .map(|entry| mapping(here, entry, MappingKind::Directory));
    let files = options
        .files
        .iter()
        .map(|entry| mapping(here, entry, MappingKind::File));
    spec.files.extend(dirs.chain(files));
}

/// Guest memory: `-m`, else Pith.toml's `memory`, else enough for an image of `image_size`
/// bytes and the program (at least 64M).
pub fn memory(given: Option<MemorySize>, image_size: u64) -> MemorySize {
    if let Some(memory) = given {
        return memory;
    }
    let image_mib = image_size.div_ceil(1 << 20);
    let mib = (2 * image_mib + 32)
        .next_power_of_two()
        .clamp(DEFAULT_MEMORY_MIB, MAX_AUTOMATIC_MIB);
    if mib > DEFAULT_MEMORY_MIB {
        log::info!("memory: {mib}M for an image of {image_mib} MiB (give -m to choose)");
    }
    MemorySize::parse(&format!("{mib}M")).expect("between the minimum and the maximum")
}

#[cfg(test)]
mod tests;
