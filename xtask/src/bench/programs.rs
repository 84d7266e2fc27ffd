//! The real programs of the memory, size and network rows: the host's installed
//! `redis-server`, `nginx` and `python3`. pith resolves a program's libraries on the host,
//! and the Linux side takes them from the host too (`ldd`), so both sides run the same
//! files. Each program comes with what it needs to start in a bare VM and, for a server,
//! the port it serves and the request that shows it works.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use super::linux::LinuxProgram;
use super::network::Probe;

/// A program installed on the host, ready for either side.
#[derive(Debug, Clone)]
pub struct HostProgram {
    pub binary: PathBuf,
    pub args: Vec<String>,
    /// Files both sides put in the guest, as (guest path, contents).
    pub files: Vec<(String, Vec<u8>)>,
    /// Files only the Linux VM needs, because pith generates its own (`/etc/passwd`).
    pub linux_files: Vec<(String, Vec<u8>)>,
    /// Pith's `runtime` key: `none` leaves out an interpreter's library tree.
    pub runtime: &'static str,
    pub server: Option<Server>,
}

/// What a server listens on, and how to tell that it answers.
#[derive(Debug, Clone, Copy)]
pub struct Server {
    pub port: u16,
    pub probe: Probe,
}

/// Finds one of the programs below on the host.
pub type Source = fn() -> anyhow::Result<HostProgram>;

/// One process, no persistence, any address (connections come through passt).
const REDIS_CONF: &str = "port 6379\nbind 0.0.0.0\nprotected-mode no\nsave \"\"\n\
                          appendonly no\ndaemonize no\n";

/// One process, logs on standard error, temporary files in /tmp, one small static page.
const NGINX_CONF: &str = "daemon off;\nmaster_process off;\nworker_processes 1;\nuser root;\n\
                          error_log stderr;\npid /tmp/nginx.pid;\nevents {}\nhttp {\n\
                          access_log off;\nclient_body_temp_path /tmp;\nproxy_temp_path /tmp;\n\
                          fastcgi_temp_path /tmp;\nuwsgi_temp_path /tmp;\nscgi_temp_path /tmp;\n\
                          server { listen 8080; root /srv; }\n}\n";
const INDEX_HTML: &str = "<!DOCTYPE html>\n<title>bench</title>\n<p>hello from the guest</p>\n";

/// `redis-server` answering PING. Debian's is a link to `redis-check-rdb`, which acts as
/// the server when its name says so; both sides keep the name.
pub fn redis() -> anyhow::Result<HostProgram> {
    Ok(HostProgram {
        binary: installed("/usr/bin/redis-server", "redis-server")?,
        args: vec!["/etc/redis.conf".to_owned()],
        files: vec![("/etc/redis.conf".to_owned(), REDIS_CONF.into())],
        linux_files: Vec::new(),
        runtime: "auto",
        server: Some(Server {
            port: 6379,
            probe: Probe {
                request: "PING\r\n",
                expect: "+PONG",
            },
        }),
    })
}

/// `nginx` answering an HTTP GET of its one page.
pub fn nginx() -> anyhow::Result<HostProgram> {
    let args = ["-p", "/tmp/", "-c", "/etc/nginx/nginx.conf", "-e", "stderr"];
    Ok(HostProgram {
        binary: installed("/usr/sbin/nginx", "nginx-light")?,
        args: args.map(str::to_owned).to_vec(),
        files: vec![
            ("/etc/nginx/nginx.conf".to_owned(), NGINX_CONF.into()),
            ("/srv/index.html".to_owned(), INDEX_HTML.into()),
        ],
        linux_files: vec![
            (
                "/etc/passwd".to_owned(),
                b"root:x:0:0:root:/:/init\n".to_vec(),
            ),
            ("/etc/group".to_owned(), b"root:x:0:\n".to_vec()),
        ],
        runtime: "auto",
        server: Some(Server {
            port: 8080,
            probe: Probe {
                request: "GET / HTTP/1.0\r\n\r\n",
                expect: "200 OK",
            },
        }),
    })
}

/// The `python3` executable and its libraries. Its standard library is left out on both
/// sides: the size row counts the program and its libraries, like the others (the
/// interpreter row boots it with its standard library).
pub fn python3() -> anyhow::Result<HostProgram> {
    Ok(HostProgram {
        binary: installed("/usr/bin/python3", "python3")?,
        args: Vec::new(),
        files: Vec::new(),
        linux_files: Vec::new(),
        runtime: "none",
        server: None,
    })
}

fn installed(path: &str, package: &str) -> anyhow::Result<PathBuf> {
    let path = PathBuf::from(path);
    if !path.is_file() {
        bail!(
            "{} is not installed (scripts/setup installs {package})",
            path.display()
        );
    }
    Ok(path)
}

impl HostProgram {
    /// The same program for the Linux VM's initramfs, at its host path.
    pub fn linux(&self) -> LinuxProgram {
        let guest_path = self.binary.to_string_lossy().into_owned();
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let mut program = LinuxProgram::simple(&self.binary, &guest_path, &args);
        program.files = [self.files.clone(), self.linux_files.clone()].concat();
        program
    }

    /// A directory with a `Pith.toml` for `pith build DIR`: the program, its arguments,
    /// its files (written beside the manifest) and its runtime choice.
    pub fn pith_app(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut manifest = format!("program = {}\n", quoted(&self.binary.to_string_lossy()));
        let args: Vec<String> = self.args.iter().map(|arg| quoted(arg)).collect();
        let _ = writeln!(manifest, "args = [{}]", args.join(", "));
        let _ = writeln!(manifest, "runtime = {}", quoted(self.runtime));
        let mut files = Vec::new();
        for (index, (guest, contents)) in self.files.iter().enumerate() {
            let name = format!("file{index}");
            fs::write(dir.join(&name), contents)
                .with_context(|| format!("cannot write {}", dir.join(&name).display()))?;
            files.push(format!(
                "{{ host = {}, guest = {} }}",
                quoted(&name),
                quoted(guest)
            ));
        }
        let _ = writeln!(manifest, "files = [{}]", files.join(", "));
        fs::write(dir.join("Pith.toml"), manifest)?;
        Ok(dir.to_owned())
    }
}

/// A TOML basic string.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_holds_program_arguments_and_files() {
        let dir = std::env::temp_dir().join(format!("xtask-app-{}", std::process::id()));
        let program = HostProgram {
            binary: PathBuf::from("/usr/bin/redis-server"),
            args: vec!["/etc/redis.conf".to_owned(), "say \"hi\"".to_owned()],
            files: vec![("/etc/redis.conf".to_owned(), b"port 1\n".to_vec())],
            linux_files: vec![("/etc/passwd".to_owned(), Vec::new())],
            runtime: "none",
            server: None,
        };
        program.pith_app(&dir).unwrap();
        let manifest = fs::read_to_string(dir.join("Pith.toml")).unwrap();
        assert_eq!(
            manifest,
            "program = \"/usr/bin/redis-server\"\n\
             args = [\"/etc/redis.conf\", \"say \\\"hi\\\"\"]\n\
             runtime = \"none\"\n\
             files = [{ host = \"file0\", guest = \"/etc/redis.conf\" }]\n"
        );
        assert_eq!(fs::read(dir.join("file0")).unwrap(), b"port 1\n");
        assert_eq!(program.linux().files.len(), 2);
        fs::remove_dir_all(&dir).unwrap();
    }
}
