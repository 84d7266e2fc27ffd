//! The files under /etc that C libraries and language runtimes read and that a one-program
//! VM has no one to write: added when the application does not bring its own. Each is the
//! least that works: name lookups through files and DNS, one root user whose shell does not
//! exist, the host's time zone and CA certificates.

use std::path::Path;

use super::error::PackError;
use super::host;
use super::tree::{Node, Origin, Source, Tree};

/// The host name the kernel reports (`uname -n`; kernel/src/syscall/info.rs).
const HOST_NAME: &str = "pith";
/// Permissions of generated files: readable by all, as on a Linux host.
const FILE_MODE: u32 = 0o644;

/// hosts(5): the loopback names, and the VM's own name.
const HOSTS: &str = "127.0.0.1\tlocalhost\n\
                     ::1\tlocalhost ip6-localhost ip6-loopback\n\
                     127.0.1.1\tpith\n";
/// resolv.conf(5). With a network, the kernel writes the nameservers of its DHCP lease or of
/// `--dns` over this file (`dns=` on its command line); without one, there is nothing to ask
/// but loopback, where a lookup fails at once rather than after a timeout.
const RESOLV_CONF: &str = "# Written by pith. With a network, the kernel replaces this file \
                           with the nameservers\n\
                           # of its DHCP lease or of --dns; without one, lookups go to \
                           loopback.\n\
                           nameserver 127.0.0.1\n";
/// What earlier versions of pith generated, for images built by them.
const OLD_RESOLV_CONFS: &[&str] = &["nameserver 10.0.2.3\n"];
/// passwd(5): root, as the program runs, with a shell that does not exist, and nobody.
const PASSWD: &str = "root:x:0:0:root:/root:/sbin/nologin\n\
                      nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n";
/// group(5).
const GROUP: &str = "root:x:0:\nnogroup:x:65534:\n";
/// nsswitch.conf(5): only the `files` and `dns` modules, which the image carries.
const NSSWITCH_CONF: &str = "passwd: files\n\
                             group: files\n\
                             shadow: files\n\
                             hosts: files dns\n\
                             networks: files\n\
                             protocols: files\n\
                             services: files\n\
                             ethers: files\n\
                             rpc: files\n";

/// Host files copied as they are (with their links) when present: the time zone, the CA
/// bundles of Debian, Fedora and Alpine, and the tables behind getservbyname(3) and
/// getprotobyname(3).
const HOST_FILES: &[&str] = &[
    "/etc/localtime",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
    "/etc/services",
    "/etc/protocols",
];

/// Whether `contents` is an /etc/resolv.conf that pith generated (now or before), which the
/// kernel may replace with the DHCP lease's nameservers.
pub fn is_generated_resolv_conf(contents: &[u8]) -> bool {
    contents == RESOLV_CONF.as_bytes()
        || OLD_RESOLV_CONFS
            .iter()
            .any(|old| contents == old.as_bytes())
}

/// Adds every generated file whose path the application left free.
pub fn add(tree: &mut Tree) -> Result<(), PackError> {
    debug_assert!(HOSTS.contains(HOST_NAME));
    let generated = [
        ("/etc/hosts", HOSTS),
        ("/etc/resolv.conf", RESOLV_CONF),
        ("/etc/passwd", PASSWD),
        ("/etc/group", GROUP),
        ("/etc/nsswitch.conf", NSSWITCH_CONF),
    ];
    for (path, contents) in generated {
        if !tree.exists(path) {
            let source = Source::Generated(contents.as_bytes().to_vec());
            let size = contents.len() as u64;
            tree.place(
                path,
                Node::file(source, size, FILE_MODE, 0, Origin::Generated),
            )?;
        }
    }
    if !tree.exists("/root") {
        tree.place("/root", Node::directory(0o700, 0, Origin::Generated))?;
    }

    for path in HOST_FILES.iter().map(Path::new) {
        if !tree.exists(&path.to_string_lossy()) && path.exists() {
            host::mirror(tree, path, Origin::Generated)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::tree::NodeKind;

    #[test]
    fn generated_files_fill_only_free_paths() {
        let mut tree = Tree::default();
        let own = Source::Generated(b"10.0.0.1 mine\n".to_vec());
        tree.place(
            "/etc/hosts",
            Node::file(own.clone(), 14, 0o600, 5, Origin::User),
        )
        .unwrap();
        add(&mut tree).unwrap();

        let hosts = tree.get("/etc/hosts").unwrap();
        assert_eq!(hosts.origin, Origin::User);
        assert!(matches!(&hosts.kind, NodeKind::File { source, .. } if *source == own));
        let passwd = tree.get("/etc/passwd").unwrap();
        assert_eq!(passwd.origin, Origin::Generated);
        let NodeKind::File {
            source: Source::Generated(bytes),
            ..
        } = &passwd.kind
        else {
            panic!("passwd is generated: {passwd:?}");
        };
        assert!(bytes.starts_with(b"root:x:0:0:"));
        assert!(!tree.exists("/sbin/nologin"), "the shell does not exist");
    }

    #[test]
    fn generated_resolv_conf_is_recognized() {
        let mut tree = Tree::default();
        add(&mut tree).unwrap();
        let node = tree.get("/etc/resolv.conf").unwrap();
        let NodeKind::File {
            source: Source::Generated(bytes),
            ..
        } = &node.kind
        else {
            panic!("resolv.conf is generated: {node:?}");
        };
        assert!(is_generated_resolv_conf(bytes));
        assert!(bytes.ends_with(b"\nnameserver 127.0.0.1\n"));
        assert!(is_generated_resolv_conf(b"nameserver 10.0.2.3\n"));
        assert!(!is_generated_resolv_conf(b"nameserver 10.0.0.1\n"));
    }

    #[test]
    fn host_time_zone_keeps_its_link() {
        let mut tree = Tree::default();
        add(&mut tree).unwrap();
        let host_link = std::fs::read_link("/etc/localtime").ok();
        let node = tree
            .get("/etc/localtime")
            .expect("the host has /etc/localtime");
        match host_link {
            Some(target) => {
                let target = target.to_string_lossy().into_owned();
                assert_eq!(
                    node.kind,
                    NodeKind::Symlink {
                        target: target.clone()
                    }
                );
                assert!(
                    tree.exists("/etc/localtime"),
                    "the link's target is in the image"
                );
            }
            None => assert!(matches!(node.kind, NodeKind::File { .. })),
        }
    }
}
