//! Host files reach the tree with their links, modes and times.

use std::os::unix::fs::{symlink, PermissionsExt};

use super::*;
use crate::pack::tree::NodeKind;

fn link_target(tree: &Tree, path: &str) -> String {
    match &tree
        .get(path)
        .unwrap_or_else(|| panic!("{path} is in the tree"))
        .kind
    {
        NodeKind::Symlink { target } => target.clone(),
        other => panic!("{path} is {other:?}"),
    }
}

#[test]
fn mirror_keeps_every_link_on_the_way() {
    let dir = tempfile::tempdir().unwrap();
    let root = fs::canonicalize(dir.path()).unwrap();
    fs::create_dir_all(root.join("usr/lib")).unwrap();
    fs::write(root.join("usr/lib/libx.so.1.2"), b"x").unwrap();
    symlink("libx.so.1.2", root.join("usr/lib/libx.so.1")).unwrap();
    symlink("usr/lib", root.join("lib")).unwrap();

    let mut tree = Tree::default();
    let end = mirror(&mut tree, &root.join("lib/libx.so.1"), Origin::Library).unwrap();
    assert_eq!(end, root.join("usr/lib/libx.so.1.2"));

    let base = root.to_str().unwrap();
    assert_eq!(link_target(&tree, &format!("{base}/lib")), "usr/lib");
    assert_eq!(
        link_target(&tree, &format!("{base}/usr/lib/libx.so.1")),
        "libx.so.1.2"
    );
    let file = tree.get(&format!("{base}/usr/lib/libx.so.1.2")).unwrap();
    assert_eq!(file.origin, Origin::Library);
    assert!(matches!(file.kind, NodeKind::File { size: 1, .. }));
}

#[test]
fn placed_directories_keep_links_modes_and_times() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fs::create_dir_all(data.join("sub")).unwrap();
    fs::write(data.join("run.sh"), b"#!/bin/sh\n").unwrap();
    fs::set_permissions(data.join("run.sh"), fs::Permissions::from_mode(0o750)).unwrap();
    fs::write(data.join("sub/skip.tmp"), b"").unwrap();
    symlink("../run.sh", data.join("sub/run")).unwrap();
    let mtime = fs::metadata(data.join("run.sh")).unwrap().mtime() as u32;

    let mut tree = Tree::default();
    let exclude = [glob::Pattern::new("/srv/**/*.tmp").unwrap()];
    place(&mut tree, &data, "/srv", Exclude(&exclude)).unwrap();

    let script = tree.get("/srv/run.sh").unwrap();
    assert_eq!(
        (script.mode, script.mtime, script.origin),
        (0o750, mtime, Origin::User)
    );
    assert_eq!(link_target(&tree, "/srv/sub/run"), "../run.sh");
    assert!(tree.get("/srv/sub/skip.tmp").is_none(), "excluded");
}

#[test]
fn special_files_are_refused_when_named() {
    let mut tree = Tree::default();
    let error = place(&mut tree, Path::new("/dev/null"), "/null", Exclude(&[])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "/dev/null is a device file, which an image cannot hold: leave it out"
    );
}

#[test]
fn runtime_trees_bring_the_targets_of_links_that_leave_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = fs::canonicalize(dir.path()).unwrap();
    fs::create_dir_all(root.join("lib/py")).unwrap();
    fs::create_dir_all(root.join("etc/py")).unwrap();
    fs::write(root.join("etc/py/site.py"), b"pass\n").unwrap();
    symlink(root.join("etc/py/site.py"), root.join("lib/py/site.py")).unwrap();

    let mut tree = Tree::default();
    mirror_tree(&mut tree, &root.join("lib/py"), Exclude(&[])).unwrap();
    let base = root.to_str().unwrap();
    assert!(
        tree.exists(&format!("{base}/lib/py/site.py")),
        "the link resolves in the image"
    );
}
