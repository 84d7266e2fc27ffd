//! The real programs of the memory and size rows, taken from Debian's packages: each with
//! the files it needs to start in a bare initramfs and, for servers, the request that shows
//! it works.

use std::fs;
use std::path::PathBuf;

use anyhow::Context;

use super::debian::Debian;
use super::linux::{LinuxProgram, Probe};

/// A program unpacked from Debian, ready for either side.
#[derive(Debug, Clone)]
pub struct Packaged {
    /// The unpacked executable, for `pith build`.
    pub binary: PathBuf,
    pub linux: LinuxProgram,
}

/// Unpacks one of the programs below from Debian's packages.
pub type Source = fn(&Debian) -> anyhow::Result<Packaged>;

/// A minimal configuration: one process, no persistence, listening on the loopback.
const REDIS_CONF: &str = "port 6379\nbind 127.0.0.1\nprotected-mode no\nsave \"\"\n\
                          appendonly no\ndaemonize no\n";

/// One process, logs on standard error, temporary files in /tmp, one fixed response.
const NGINX_CONF: &str = "daemon off;\nmaster_process off;\nworker_processes 1;\nuser root;\n\
                          error_log stderr;\npid /tmp/nginx.pid;\nevents {}\nhttp {\n\
                          access_log off;\nclient_body_temp_path /tmp;\nproxy_temp_path /tmp;\n\
                          fastcgi_temp_path /tmp;\nuwsgi_temp_path /tmp;\nscgi_temp_path /tmp;\n\
                          server { listen 127.0.0.1:80; location / { return 200 \"ok\\n\"; } }\n}\n";

/// `redis-server` answering PING. Debian ships the server as `redis-check-rdb`, which acts
/// as the server when its name says so: it is copied to that name for both sides.
pub fn redis(debian: &Debian) -> anyhow::Result<Packaged> {
    let mut unpacked = debian.program("redis-tools", "usr/bin/redis-check-rdb")?;
    let server = unpacked.binary.with_file_name("redis-server");
    if !server.is_file() {
        fs::copy(&unpacked.binary, &server)
            .with_context(|| format!("cannot copy the server to {}", server.display()))?;
    }
    unpacked.binary = server;
    let linux = LinuxProgram {
        binary: unpacked.binary.clone(),
        guest_path: "/usr/bin/redis-server".to_owned(),
        args: vec!["/etc/redis.conf".to_owned()],
        library_dirs: unpacked.library_dirs,
        files: vec![("/etc/redis.conf".to_owned(), REDIS_CONF.into())],
        directories: Vec::new(),
        probe: Some(Probe {
            port: 6379,
            request: "PING\\r\\n",
            expect: "+PONG",
        }),
    };
    Ok(Packaged {
        binary: unpacked.binary,
        linux,
    })
}

/// `nginx` answering an HTTP GET.
pub fn nginx(debian: &Debian) -> anyhow::Result<Packaged> {
    let unpacked = debian.program("nginx", "usr/sbin/nginx")?;
    let args = ["-p", "/tmp/", "-c", "/etc/nginx/nginx.conf", "-e", "stderr"];
    let linux = LinuxProgram {
        binary: unpacked.binary.clone(),
        guest_path: "/usr/sbin/nginx".to_owned(),
        args: args.map(str::to_owned).to_vec(),
        library_dirs: unpacked.library_dirs,
        files: vec![
            ("/etc/nginx/nginx.conf".to_owned(), NGINX_CONF.into()),
            (
                "/etc/passwd".to_owned(),
                b"root:x:0:0:root:/:/init\n".to_vec(),
            ),
            ("/etc/group".to_owned(), b"root:x:0:\n".to_vec()),
        ],
        directories: vec!["/var/log/nginx".to_owned(), "/var/lib/nginx".to_owned()],
        probe: Some(Probe {
            port: 80,
            request: "GET / HTTP/1.0\\r\\n\\r\\n",
            expect: "200 OK",
        }),
    };
    Ok(Packaged {
        binary: unpacked.binary,
        linux,
    })
}

/// The `python3` executable and its libraries (its standard library is not included: the
/// size row counts the program and its libraries, like the others).
pub fn python3(debian: &Debian) -> anyhow::Result<Packaged> {
    let package = debian.resolve("python3-minimal", "python3.")?;
    let version = package.trim_end_matches("-minimal");
    let unpacked = debian.program(&package, &format!("usr/bin/{version}"))?;
    let mut linux = LinuxProgram::simple(&unpacked.binary, &format!("/usr/bin/{version}"), &[]);
    linux.library_dirs = unpacked.library_dirs;
    Ok(Packaged {
        binary: unpacked.binary,
        linux,
    })
}
