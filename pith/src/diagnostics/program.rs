//! The program's ELF file on the host, which symbols come from: the file pith packed, or,
//! for a built image, a copy of the program taken out of the image.

use std::cell::OnceCell;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use pith_image::{EntryKind, Image};

/// How many symbolic links lead to the program at most, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;

/// Where the program's ELF file is, found when first needed.
pub struct ProgramFile {
    source: Source,
    found: OnceCell<Result<PathBuf, String>>,
}

enum Source {
    /// The program pith packed.
    Host(PathBuf),
    /// The program inside a built image, copied into `scratch` on demand.
    InImage { image: PathBuf, scratch: PathBuf },
}

impl ProgramFile {
    pub fn host(path: &Path) -> ProgramFile {
        ProgramFile::new(Source::Host(path.to_owned()))
    }

    pub fn in_image(image: &Path, scratch: &Path) -> ProgramFile {
        ProgramFile::new(Source::InImage {
            image: image.to_owned(),
            scratch: scratch.to_owned(),
        })
    }

    fn new(source: Source) -> ProgramFile {
        ProgramFile {
            source,
            found: OnceCell::new(),
        }
    }

    /// An absolute path of the program's ELF file, which lives as long as the run.
    pub fn path(&self) -> anyhow::Result<&Path> {
        let found = self.found.get_or_init(|| {
            let path = match &self.source {
                Source::Host(path) => fs::canonicalize(path)
                    .with_context(|| format!("cannot resolve {}", path.display())),
                Source::InImage { image, scratch } => extract(image, scratch),
            };
            path.map_err(|error| format!("{error:#}"))
        });
        match found {
            Ok(path) => Ok(path),
            Err(message) => Err(anyhow!("{message}")),
        }
    }
}

/// Copies the program of the built image `image` into `scratch`, under its own name.
fn extract(image_path: &Path, scratch: &Path) -> anyhow::Result<PathBuf> {
    let bytes = fs::read(image_path)
        .with_context(|| format!("cannot read the image {}", image_path.display()))?;
    let image = Image::parse(&bytes)
        .with_context(|| format!("cannot read the image {}", image_path.display()))?;
    let program = image.manifest().program.clone();
    let data = program_data(&image, program)?;

    let name = data
        .0
        .rsplit(|&byte| byte == b'/')
        .next()
        .unwrap_or_default();
    let name = String::from_utf8_lossy(name);
    let path = scratch.join(if name.is_empty() { "program" } else { &name });
    fs::write(&path, data.1).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// The guest path and contents of the file `path` names in `image`, through symbolic links.
fn program_data<'a>(image: &Image<'a>, mut path: Vec<u8>) -> anyhow::Result<(Vec<u8>, &'a [u8])> {
    for _ in 0..MAX_LINKS {
        let shown = String::from_utf8_lossy(&path).into_owned();
        let Some(entry) = image.find(&path) else {
            bail!("the image's program {shown} is not in the image");
        };
        match entry.kind {
            EntryKind::File => return Ok((path, entry.data)),
            EntryKind::Directory => bail!("the image's program {shown} is a directory"),
            EntryKind::Symlink => path = link_target(&path, entry.data),
        }
    }
    bail!("the image's program is behind too many symbolic links")
}

/// Where a link at `link` pointing to `target` leads, as an absolute guest path without `.`
/// or `..`, which image paths never contain.
fn link_target(link: &[u8], target: &[u8]) -> Vec<u8> {
    let mut components: Vec<&[u8]> = Vec::new();
    if !target.starts_with(b"/") {
        components.extend(link.split(|&byte| byte == b'/'));
        components.pop();
    }
    for component in target.split(|&byte| byte == b'/') {
        match component {
            b"" | b"." => {}
            b".." => {
                components.pop();
            }
            _ => components.push(component),
        }
    }
    components.retain(|component| !component.is_empty());
    let mut path = Vec::new();
    for component in components {
        path.push(b'/');
        path.extend_from_slice(component);
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use pith_image::{ImageWriter, Manifest};

    fn image_with(program: &str, build: impl FnOnce(&mut ImageWriter<Vec<u8>>)) -> Vec<u8> {
        let manifest = Manifest {
            program: program.as_bytes().to_vec(),
            args: vec![program.as_bytes().to_vec()],
            ..Manifest::default()
        };
        let mut writer = ImageWriter::new(Vec::new(), &manifest).unwrap();
        build(&mut writer);
        writer.finish().unwrap()
    }

    #[test]
    fn program_is_taken_out_of_a_built_image() {
        let bytes = image_with("/app/bin/tool", |writer| {
            writer.add_directory("app", 0o755, 0).unwrap();
            writer.add_directory("app/bin", 0o755, 0).unwrap();
            let data = b"\x7fELF...";
            let size = data.len() as u64;
            writer
                .add_file("app/real", 0o755, 0, size, &mut &data[..])
                .unwrap();
            writer.add_symlink("app/bin/tool", "../real", 0).unwrap();
        });
        let scratch = tempfile::tempdir().unwrap();
        let image = scratch.path().join("app.img");
        fs::write(&image, bytes).unwrap();

        let program = ProgramFile::in_image(&image, scratch.path());
        let path = program.path().unwrap();
        assert_eq!(path, scratch.path().join("real"));
        assert_eq!(fs::read(path).unwrap(), b"\x7fELF...");
    }

    #[test]
    fn missing_programs_are_errors() {
        let scratch = tempfile::tempdir().unwrap();
        let image = scratch.path().join("app.img");
        fs::write(&image, image_with("/gone", |_| {})).unwrap();
        let error = ProgramFile::in_image(&image, scratch.path())
            .path()
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the image's program /gone is not in the image"
        );

        let error = ProgramFile::host(Path::new("/nonexistent/prog"))
            .path()
            .unwrap_err();
        assert!(error
            .to_string()
            .starts_with("cannot resolve /nonexistent/prog"));
    }

    #[test]
    fn relative_links() {
        assert_eq!(link_target(b"/a/b/c", b"../d"), b"/a/d");
        assert_eq!(link_target(b"/a/b/c", b"./d//e"), b"/a/b/d/e");
        assert_eq!(link_target(b"/a/b/c", b"/e/../f"), b"/f");
        assert_eq!(link_target(b"/c", b"../../d"), b"/d");
    }
}
