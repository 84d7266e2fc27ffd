//! The tree resolves user paths through its own links, as the guest kernel will.

use super::*;

fn file(origin: Origin) -> Node {
    Node::file(Source::Generated(b"x".to_vec()), 1, 0o644, 0, origin)
}

/// A tree like a merged-/usr host's: `lib` links to `usr/lib`.
fn merged_usr() -> Tree {
    let mut tree = Tree::default();
    tree.add_resolved("lib", Node::symlink("usr/lib".into(), 0, Origin::Parent))
        .unwrap();
    tree.add_resolved("usr", Node::directory(0o755, 0, Origin::Parent))
        .unwrap();
    tree.add_resolved("usr/lib", Node::directory(0o755, 0, Origin::Parent))
        .unwrap();
    tree
}

#[test]
fn placing_follows_links_and_creates_parents() {
    let mut tree = merged_usr();
    assert_eq!(
        tree.place("/lib/app/x.so", file(Origin::User)).unwrap(),
        "usr/lib/app/x.so"
    );
    assert_eq!(tree.get("usr/lib/app").unwrap().origin, Origin::Parent);
    assert!(tree.exists("/lib/app/x.so"));
    assert!(!tree.exists("/lib/app/y.so"));

    tree.add_resolved("abs", Node::symlink("/usr/lib/app".into(), 0, Origin::User))
        .unwrap();
    assert_eq!(
        tree.place("/abs/../z", file(Origin::User)).unwrap(),
        "usr/lib/z"
    );
}

#[test]
fn entries_come_parents_first() {
    let mut tree = Tree::default();
    tree.place("/usr-x/a", file(Origin::User)).unwrap();
    tree.place("/usr/b", file(Origin::User)).unwrap();
    let keys: Vec<&str> = tree.iter().map(|(key, _)| key).collect();
    for (index, key) in keys.iter().enumerate() {
        let parent = key.rsplit_once('/').map(|(parent, _)| parent);
        if let Some(parent) = parent {
            let parent_index = keys.iter().position(|other| *other == parent).unwrap();
            assert!(parent_index < index, "{keys:?}");
        }
    }
}

#[test]
fn files_replace_files_and_directories_merge() {
    let mut tree = Tree::default();
    tree.place("/etc/hosts", file(Origin::Generated)).unwrap();
    let own = Node::file(
        Source::Generated(b"own".to_vec()),
        3,
        0o644,
        0,
        Origin::User,
    );
    tree.place("/etc/hosts", own.clone()).unwrap();
    assert_eq!(tree.get("/etc/hosts"), Some(&own));

    tree.place("/srv", Node::directory(0o700, 9, Origin::User))
        .unwrap();
    tree.place("/srv/a", file(Origin::User)).unwrap();
    tree.place("/srv", Node::directory(0o750, 10, Origin::User))
        .unwrap();
    assert_eq!(tree.get("/srv").unwrap().mode, 0o750);
    assert!(tree.exists("/srv/a"));
}

#[test]
fn conflicts_are_errors() {
    let mut tree = Tree::default();
    tree.place("/srv/a", file(Origin::User)).unwrap();
    assert_eq!(
        tree.place("/srv/a/b", file(Origin::User))
            .unwrap_err()
            .to_string(),
        "/srv/a is a file in the image, so /srv/a/b cannot be put under it: choose another \
         guest path"
    );
    assert_eq!(
        tree.place("/srv", file(Origin::User)).unwrap_err(),
        TreeError::Conflict {
            path: "srv".into(),
            existing: "directory",
            new: "file"
        }
    );
    assert!(matches!(
        tree.place("relative", file(Origin::User)),
        Err(TreeError::BadPath(_))
    ));
    assert!(matches!(
        tree.place("/", file(Origin::User)),
        Err(TreeError::BadPath(_))
    ));
}

#[test]
fn link_loops_end() {
    let mut tree = Tree::default();
    tree.add_resolved("a", Node::symlink("b".into(), 0, Origin::User))
        .unwrap();
    tree.add_resolved("b", Node::symlink("a".into(), 0, Origin::User))
        .unwrap();
    assert_eq!(
        tree.place("/a/x", file(Origin::User)),
        Err(TreeError::TooManyLinks("/a/x".into()))
    );
    assert!(!tree.exists("/a"));
}
