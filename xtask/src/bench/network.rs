//! The host's end of a server VM's network, the same on both sides: passt (passt(1)) with
//! a published TCP port, reached over QEMU's `-netdev stream` (pith starts its own; the
//! Linux side starts one here), and the request that shows a server answers through it.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

/// The address passt hands the Linux VM, which its /init sets without DHCP (passt's `-a`,
/// `-n` and `-g` options; Linux's `bench_ip` and `bench_gateway` on its command line).
pub const GUEST_ADDRESS: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 15);
pub const GUEST_PREFIX: u8 = 24;
pub const GUEST_GATEWAY: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 2);

/// The user and group passt runs as when started by root.
const NOBODY: u32 = 65534;
/// How long passt may take to listen on its socket.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one probe waits for a reply before it tries again.
const REPLY_TIMEOUT: Duration = Duration::from_secs(3);

/// A request that a working server answers, and the text its reply must hold.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    pub request: &'static str,
    pub expect: &'static str,
}

impl Probe {
    /// Sends the request once to the host's `port`: Ok if the reply holds what it should.
    pub fn once(&self, port: u16) -> Result<(), String> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut stream = TcpStream::connect_timeout(&address, REPLY_TIMEOUT)
            .map_err(|error| format!("connect: {error}"))?;
        stream
            .set_read_timeout(Some(REPLY_TIMEOUT))
            .and_then(|()| stream.write_all(self.request.as_bytes()))
            .map_err(|error| format!("send: {error}"))?;
        let mut reply = Vec::new();
        let mut chunk = [0; 512];
        // passt accepts for the guest at once: an empty reply means nothing listened there.
        while !contains(&reply, self.expect) {
            match stream.read(&mut chunk) {
                Ok(0) if reply.is_empty() => return Err("no reply".to_owned()),
                Ok(0) => return Err("unexpected reply".to_owned()),
                Ok(count) => reply.extend_from_slice(&chunk[..count]),
                Err(error) => return Err(format!("reply: {error}")),
            }
        }
        Ok(())
    }
}

fn contains(reply: &[u8], expect: &str) -> bool {
    String::from_utf8_lossy(reply).contains(expect)
}

/// A TCP port on the host that nothing listens on now, for one run's published port.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::UNSPECIFIED, 0))
        .context("cannot find a free TCP port on the host")?;
    Ok(listener.local_addr()?.port())
}

/// A running passt for one VM: it serves one client (`-1`) and is killed when dropped.
pub struct Passt {
    child: Child,
    dir: PathBuf,
}

impl Passt {
    /// Starts `passt -f -q -1 -s SOCKET -t HOST:GUEST` with the Linux VM's fixed address,
    /// and returns once it listens on its socket (QEMU 7.2 does not retry a refused one).
    pub fn start(dir: &Path, host_port: u16, guest_port: u16) -> anyhow::Result<Passt> {
        let _ = fs::remove_dir_all(dir);
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let log = File::create(dir.join("passt.log"))?;
        let socket = dir.join("passt.socket");
        let mut command = Command::new(passt_binary());
        command.args(["-f", "-q", "-1"]);
        // passt refuses to stay root. As pith does, give it the user it changes to, and a
        // directory of that user's for its socket: in one of root's, passt ends at once.
        if is_root() {
            std::os::unix::fs::chown(dir, Some(NOBODY), Some(NOBODY))
                .with_context(|| format!("cannot hand {} to user {NOBODY}", dir.display()))?;
            command.args(["--runas", &format!("{NOBODY}:{NOBODY}")]);
        }
        let child = command
            .arg("-s")
            .arg(&socket)
            .args(["-t", &format!("{host_port}:{guest_port}")])
            .args(["-a", &GUEST_ADDRESS.to_string()])
            .args(["-n", &GUEST_PREFIX.to_string()])
            .args(["-g", &GUEST_GATEWAY.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("cannot run passt: install it (`apt-get install passt`)")?;
        let mut passt = Passt {
            child,
            dir: dir.to_owned(),
        };
        passt.wait_until_listening()?;
        Ok(passt)
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.join("passt.socket")
    }

    fn wait_until_listening(&mut self) -> anyhow::Result<()> {
        let started = Instant::now();
        let socket = self.socket().to_string_lossy().into_owned();
        while started.elapsed() < LISTEN_TIMEOUT {
            if let Some(status) = self.child.try_wait()? {
                bail!("passt ended ({status}): {}", self.last_log_line());
            }
            let table = fs::read_to_string("/proc/net/unix").unwrap_or_default();
            if is_listening(&table, &socket) {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(20));
        }
        bail!("passt did not listen on {socket} within {LISTEN_TIMEOUT:?}")
    }

    /// What passt said last, for an error message (it logs to its file in `dir`).
    fn last_log_line(&self) -> String {
        let log = fs::read_to_string(self.dir.join("passt.log")).unwrap_or_default();
        log.lines()
            .rfind(|line| !line.trim().is_empty() && !line.contains("syslog"))
            .unwrap_or("no message")
            .to_owned()
    }
}

impl Drop for Passt {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// The passt pith uses: `PITH_PASST` if set, else `passt` on `PATH`.
fn passt_binary() -> PathBuf {
    std::env::var_os("PITH_PASST")
        .filter(|path| !path.is_empty())
        .map_or_else(|| PathBuf::from("passt"), PathBuf::from)
}

fn is_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|metadata| metadata.uid() == 0)
}

/// Whether /proc/net/unix shows a listening socket (flag `__SO_ACCEPTCON`) at `path`.
fn is_listening(table: &str, path: &str) -> bool {
    table.lines().any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.len() >= 8 && fields[3] == "00010000" && fields[7] == path
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_sockets_are_told_from_connected_ones() {
        let table = "Num       RefCount Protocol Flags    Type St Inode Path\n\
                     0000a: 00000003 00000000 00000000 0001 03 330591 /tmp/p/passt.socket\n\
                     0000b: 00000002 00000000 00010000 0001 01 335713 /tmp/q/passt.socket\n";
        assert!(is_listening(table, "/tmp/q/passt.socket"));
        assert!(!is_listening(table, "/tmp/p/passt.socket"));
        assert!(!is_listening(table, "/tmp/q/passt"));
    }

    #[test]
    fn a_probe_needs_the_expected_reply() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = thread::spawn(move || {
            for reply in [&b"+PONG\r\n"[..], b"-ERR\r\n", b""] {
                let (mut stream, _) = listener.accept().unwrap();
                let mut request = [0; 6];
                stream.read_exact(&mut request).unwrap();
                assert_eq!(&request, b"PING\r\n");
                stream.write_all(reply).unwrap();
            }
        });
        let probe = Probe {
            request: "PING\r\n",
            expect: "+PONG",
        };
        assert_eq!(probe.once(port), Ok(()));
        assert_eq!(probe.once(port), Err("unexpected reply".to_owned()));
        assert_eq!(probe.once(port), Err("no reply".to_owned()));
        server.join().unwrap();
    }
}
