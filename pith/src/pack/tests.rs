//! Plans of real host programs, written and read back with the image crate's reader.

use std::path::PathBuf;

use pith_image::{EntryKind, Image};

use super::*;

fn spec(program: &str) -> AppSpec {
    AppSpec {
        program: PathBuf::from(program),
        argv0: program.as_bytes().to_vec(),
        ..AppSpec::default()
    }
}

fn written(plan: &Plan) -> Vec<u8> {
    write::write_image(plan, Vec::new()).unwrap()
}

#[test]
fn a_dynamic_program_brings_its_interpreter_and_libraries_with_their_links() {
    let plan = plan(&spec("/bin/true")).unwrap();
    let bytes = written(&plan);
    let image = Image::parse(&bytes).unwrap();
    let entry = |path: &str| image.entries().find(|entry| entry.path == path.as_bytes());

    assert_eq!(image.manifest().program, b"/usr/bin/true");
    let interpreter = entry("lib64/ld-linux-x86-64.so.2")
        .or_else(|| entry("lib64"))
        .expect("the interpreter's path is in the image");
    assert_ne!(
        interpreter.kind,
        EntryKind::Directory,
        "/lib64 is a link on merged-/usr hosts"
    );

    let libc = std::fs::canonicalize("/lib/x86_64-linux-gnu/libc.so.6").unwrap();
    let libc = entry(libc.to_str().unwrap().trim_start_matches('/')).expect("libc is in the image");
    assert_eq!(libc.kind, EntryKind::File);
    assert_eq!(
        libc.data,
        std::fs::read("/lib/x86_64-linux-gnu/libc.so.6").unwrap()
    );
}

#[test]
fn the_manifest_says_how_to_start_the_program() {
    let started = AppSpec {
        args: vec![b"-x".to_vec()],
        env: vec![b"A=1".to_vec()],
        workdir: Some("/srv".into()),
        read_only_root: true,
        ..spec("/bin/true")
    };
    let manifest = plan(&started).unwrap().manifest;
    assert_eq!(manifest.args, [b"/bin/true".to_vec(), b"-x".to_vec()]);
    assert_eq!(manifest.env, [b"A=1".to_vec(), DEFAULT_PATH.to_vec()]);
    assert_eq!(manifest.workdir, b"/srv");
    assert!(manifest.read_only_root);

    let with_path = AppSpec {
        env: vec![b"PATH=/opt".to_vec()],
        ..spec("/bin/true")
    };
    assert_eq!(
        plan(&with_path).unwrap().manifest.env,
        [b"PATH=/opt".to_vec()]
    );
}

#[test]
fn user_files_and_generated_etc() {
    let dir = tempfile::tempdir().unwrap();
    let hosts = dir.path().join("hosts");
    std::fs::write(&hosts, b"10.1.1.1 db\n").unwrap();
    let with_hosts = AppSpec {
        files: vec![FileMapping {
            host: hosts,
            guest: Some("/etc/hosts".into()),
            kind: MappingKind::File,
        }],
        ..spec("/bin/true")
    };
    let bytes = written(&plan(&with_hosts).unwrap());
    let image = Image::parse(&bytes).unwrap();
    let data = |path: &str| {
        let entry = image.entries().find(|entry| entry.path == path.as_bytes());
        entry
            .unwrap_or_else(|| panic!("{path} is in the image"))
            .data
            .to_vec()
    };
    assert_eq!(
        data("etc/hosts"),
        b"10.1.1.1 db\n",
        "the application's own file wins"
    );
    assert!(data("etc/passwd").starts_with(b"root:x:0:0:"));
    assert!(data("etc/resolv.conf").ends_with(b"\nnameserver 127.0.0.1\n"));
    assert!(plan(&with_hosts).unwrap().generated_resolv_conf());
}

#[test]
fn missing_files_are_named() {
    let missing = AppSpec {
        files: vec![FileMapping {
            host: PathBuf::from("/nonexistent/data"),
            guest: None,
            kind: MappingKind::Directory,
        }],
        ..spec("/bin/true")
    };
    let error = plan(&missing).unwrap_err().to_string();
    assert!(
        error.starts_with("cannot read /nonexistent/data: "),
        "{error}"
    );
}
