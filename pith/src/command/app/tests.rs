//! The command line over the manifest.

use std::ffi::OsString;

use super::*;
use crate::cli::EnvVar;

fn manifest(text: &str) -> AppManifest {
    manifest::parse(text, Path::new("Pith.toml")).unwrap()
}

#[test]
fn manifest_paths_are_relative_to_its_directory() {
    let app = from_manifest(
        manifest("program = \"bin/app\"\nfiles = [\"data:/srv\"]\nmemory = \"128M\"\n"),
        Path::new("/opt/app"),
    );
    assert_eq!(app.spec.program, Path::new("/opt/app/bin/app"));
    assert_eq!(app.spec.argv0, b"bin/app");
    assert_eq!(app.spec.files[0].host, Path::new("/opt/app/data"));
    assert_eq!(app.spec.files[0].kind, MappingKind::Any);
    assert_eq!(app.memory.map(MemorySize::mib), Some(128));
}

#[test]
fn command_line_options_win() {
    let mut app = from_manifest(
        manifest(
            "program = \"p\"\nargs = [\"m\"]\nworkdir = \"/m\"\nfiles = [\"x\"]\n\
             [env]\nA = \"m\"\nB = \"m\"\n",
        ),
        Path::new("/app"),
    );
    let options = ProgramOptions {
        env: vec![EnvVar::parse(OsString::from("B=c")).unwrap()],
        files: vec![FileEntry::parse("y:/y").unwrap()],
        dirs: vec![FileEntry::parse("d:/d").unwrap()],
        workdir: Some("/c".into()),
        args: vec![OsString::from("c")],
    };
    apply(&mut app.spec, &options);
    assert_eq!(app.spec.args, [b"c".to_vec()]);
    assert_eq!(app.spec.env, [b"A=m".to_vec(), b"B=c".to_vec()]);
    assert_eq!(app.spec.workdir.as_deref(), Some("/c"));
    let kinds: Vec<MappingKind> = app.spec.files.iter().map(|file| file.kind).collect();
    assert_eq!(
        kinds,
        [MappingKind::Any, MappingKind::Directory, MappingKind::File]
    );
}

#[test]
fn directories_need_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let error = manifest_path(dir.path()).unwrap_err().to_string();
    assert!(
        error.ends_with(
            "is a directory without a Pith.toml: add one (docs/manifest.md \
         describes it) or name the program inside the directory"
        ),
        "{error}"
    );
    std::fs::write(dir.path().join("Pith.toml"), "").unwrap();
    assert_eq!(
        manifest_path(dir.path()).unwrap(),
        Some(dir.path().join("Pith.toml"))
    );
    assert_eq!(manifest_path(Path::new("./prog")).unwrap(), None);
}

#[test]
fn memory_grows_with_the_image() {
    let mib = |given: Option<&str>, image: u64| {
        memory(given.map(|text| MemorySize::parse(text).unwrap()), image).mib()
    };
    assert_eq!(mib(None, 1 << 20), 64);
    assert_eq!(mib(None, 48 << 20), 128);
    assert_eq!(mib(None, 110 << 20), 256);
    assert_eq!(mib(Some("32M"), 48 << 20), 32, "-m is taken as given");
}
