//! Packs one host program into a Pith image (docs/image-format.md): the program at its
//! absolute host path, with its parent directories, and a manifest that starts it the way a
//! shell would.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs::{self, File, Metadata, Permissions};
use std::io::{self, BufWriter, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use pith_image::{ImageWriter, Manifest};
use thiserror::Error;

use crate::cli::{EnvVar, FileMapping};

/// The search path a program gets unless `-e PATH=...` sets another.
const DEFAULT_PATH: &[u8] = b"PATH=/usr/local/bin:/usr/bin:/bin";
/// Images are data, readable by all like other build outputs.
const IMAGE_MODE: u32 = 0o644;

#[derive(Debug, Error)]
pub enum PackError {
    #[error("cannot resolve {}: {source}", path.display())]
    Resolve { path: PathBuf, source: io::Error },
    #[error("{} is not valid UTF-8, which image paths must be: rename it", path.display())]
    NotUtf8 { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write the image: {0}")]
    Write(io::Error),
}

/// What to run: the program as the user named it, its arguments and environment.
#[derive(Debug, Clone, Copy)]
pub struct ProgramSpec<'a> {
    pub program: &'a Path,
    pub args: &'a [OsString],
    pub env: &'a [EnvVar],
    /// Other host files to put in the image.
    pub files: &'a [FileMapping],
}

/// Writes the image for `spec` to `out`, returning `out`.
pub fn write_image<W: Write>(spec: ProgramSpec, out: W) -> Result<W, PackError> {
    let host_path = fs::canonicalize(spec.program).map_err(|source| PackError::Resolve {
        path: spec.program.to_owned(),
        source,
    })?;
    let guest_path = host_path.to_str().ok_or_else(|| PackError::NotUtf8 {
        path: host_path.clone(),
    })?;

    let manifest = manifest(spec, guest_path);
    let mut writer = ImageWriter::new(out, &manifest).map_err(PackError::Write)?;
    add_parent_directories(&mut writer, &host_path)?;
    add_program(&mut writer, &host_path, guest_path)?;
    let mut directories: BTreeSet<PathBuf> = host_path
        .ancestors()
        .skip(1)
        .map(Path::to_path_buf)
        .collect();
    for file in spec.files {
        add_extra_file(&mut writer, &mut directories, file)?;
    }
    writer.finish().map_err(PackError::Write)
}

/// Writes the image for `spec` to the file `path` and returns its size. The file appears
/// whole or not at all: it is written under a temporary name beside `path` and renamed.
pub fn write_image_file(spec: ProgramSpec, path: &Path) -> Result<u64, PackError> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let temporary = tempfile::NamedTempFile::new_in(dir).map_err(PackError::Write)?;
    let out = write_image(spec, BufWriter::new(temporary))?;
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

/// The manifest: `argv[0]` is the program as typed, like a shell passes it; the environment
/// is only what `-e` gave, plus a default `PATH`.
fn manifest(spec: ProgramSpec, guest_path: &str) -> Manifest {
    let argv0 = spec.program.as_os_str().as_bytes().to_vec();
    let args = std::iter::once(argv0)
        .chain(spec.args.iter().map(|arg| arg.clone().into_vec()))
        .collect();

    let mut env: Vec<Vec<u8>> = spec.env.iter().map(|var| var.as_bytes().to_vec()).collect();
    if !spec.env.iter().any(|var| var.key() == b"PATH") {
        env.push(DEFAULT_PATH.to_vec());
    }

    Manifest {
        program: guest_path.as_bytes().to_vec(),
        args,
        env,
        workdir: b"/".to_vec(),
        read_only_root: false,
    }
}

fn add_parent_directories<W: Write>(
    writer: &mut ImageWriter<W>,
    host_path: &Path,
) -> Result<(), PackError> {
    let mut parents: Vec<&Path> = host_path
        .ancestors()
        .skip(1)
        .filter(|dir| dir.parent().is_some())
        .collect();
    parents.reverse();
    for dir in parents {
        let metadata = metadata(dir)?;
        // Every ancestor of a UTF-8 path is UTF-8.
        let guest_dir = dir.to_str().expect("parent of a UTF-8 path");
        writer
            .add_directory(guest_dir, metadata.mode(), mtime(&metadata))
            .map_err(PackError::Write)?;
    }
    Ok(())
}

fn add_program<W: Write>(
    writer: &mut ImageWriter<W>,
    host_path: &Path,
    guest_path: &str,
) -> Result<(), PackError> {
    let read_error = |source| PackError::Read {
        path: host_path.to_owned(),
        source,
    };
    let mut file = File::open(host_path).map_err(read_error)?;
    let metadata = file.metadata().map_err(read_error)?;
    let (mode, mtime, size) = (metadata.mode(), mtime(&metadata), metadata.len());
    // A failure here may be the program's read as well as the image's write; both name the
    // image, which is what is left broken.
    writer
        .add_file(guest_path, mode, mtime, size, &mut file)
        .map_err(PackError::Write)
}

/// Adds a `--file`: its missing guest parent directories (mode 0755), then the file.
fn add_extra_file<W: Write>(
    writer: &mut ImageWriter<W>,
    directories: &mut BTreeSet<PathBuf>,
    file: &FileMapping,
) -> Result<(), PackError> {
    let guest = Path::new(&file.guest);
    let mut parents: Vec<&Path> = guest
        .ancestors()
        .skip(1)
        .filter(|dir| dir.parent().is_some() && !directories.contains(*dir))
        .collect();
    parents.reverse();
    for dir in parents {
        let name = dir.to_str().expect("parent of a UTF-8 path");
        writer
            .add_directory(name, 0o755, 0)
            .map_err(PackError::Write)?;
        directories.insert(dir.to_path_buf());
    }
    add_program(writer, &file.host, &file.guest)
}

fn metadata(path: &Path) -> Result<Metadata, PackError> {
    fs::metadata(path).map_err(|source| PackError::Read {
        path: path.to_owned(),
        source,
    })
}

/// The modification time as cpio stores it: seconds since 1970 in 32 bits.
fn mtime(metadata: &Metadata) -> u32 {
    u32::try_from(metadata.mtime().max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pith_image::{EntryKind, Image};

    fn env(text: &str) -> EnvVar {
        EnvVar::parse(text.into()).unwrap()
    }

    #[test]
    fn program_lands_at_its_absolute_path_with_parents() {
        let dir = tempfile::tempdir().unwrap();
        let program = dir.path().join("hello");
        fs::write(&program, b"\x7fELF pretend").unwrap();
        let args = [
            OsString::from("one"),
            OsString::from_vec(b"t\xffo".to_vec()),
        ];
        let vars = [env("A=1")];
        let data = dir.path().join("data.txt");
        fs::write(&data, b"payload").unwrap();
        let files = [FileMapping {
            host: data,
            guest: "/srv/in/data.txt".into(),
        }];
        let spec = ProgramSpec {
            program: &program,
            args: &args,
            env: &vars,
            files: &files,
        };

        let image_bytes = write_image(spec, Vec::new()).unwrap();
        let image = Image::parse(&image_bytes).unwrap();
        let guest = fs::canonicalize(&program).unwrap();
        let guest = guest.to_str().unwrap();

        let manifest = image.manifest();
        assert_eq!(manifest.program, guest.as_bytes());
        assert_eq!(manifest.args[0], program.as_os_str().as_bytes());
        assert_eq!(manifest.args[1..], [b"one".to_vec(), b"t\xffo".to_vec()]);
        assert_eq!(manifest.env, [b"A=1".to_vec(), DEFAULT_PATH.to_vec()]);
        assert_eq!(manifest.workdir, b"/");

        let relative = guest.trim_start_matches('/');
        let entry = |path: &str| image.entries().find(|entry| entry.path == path.as_bytes());
        assert_eq!(entry("srv/in/data.txt").unwrap().data, b"payload");
        assert_eq!(entry("srv/in").unwrap().kind, EntryKind::Directory);
        let file = entry(relative).expect("the program is in the image");
        assert_eq!(file.kind, EntryKind::File);
        assert_eq!(file.data, b"\x7fELF pretend");
        for parent in Path::new(relative).ancestors().skip(1) {
            let parent = parent.to_str().unwrap();
            if !parent.is_empty() {
                let dir = entry(parent).expect("parent directories are in the image");
                assert_eq!(dir.kind, EntryKind::Directory);
            }
        }
    }

    #[test]
    fn explicit_path_replaces_the_default() {
        let spec = ProgramSpec {
            program: Path::new("./p"),
            args: &[],
            env: &[env("PATH=/opt")],
            files: &[],
        };
        let manifest = manifest(spec, "/x/p");
        assert_eq!(manifest.env, [b"PATH=/opt".to_vec()]);
        assert_eq!(manifest.args, [b"./p".to_vec()]);
    }
}
