//! Writes `/etc/resolv.conf` (resolv.conf(5)) with the name servers the network gave the VM
//! (DHCP) or `pith` named, so that glibc, musl and Go resolve names through them.

use alloc::format;
use alloc::string::String;
use core::net::Ipv4Addr;

use crate::fs::buffer::Buffer;
use crate::fs::open_flags::OpenFlags;

const AT_FDCWD: u64 = -100i64 as u64;

pub fn write(servers: &[Ipv4Addr]) {
    if servers.is_empty() {
        return;
    }
    let mut text = String::from("# Written by the pith kernel from the network's settings.\n");
    for server in servers {
        text.push_str(&format!("nameserver {server}\n"));
    }
    let flags = OpenFlags(OpenFlags::O_WRONLY | OpenFlags::O_CREAT | OpenFlags::O_TRUNC);
    let written = crate::syscall::open::open_path(AT_FDCWD, b"/etc/resolv.conf", flags, 0o644)
        .and_then(|file| file.write(&mut Buffer::kernel_source(text.as_bytes())));
    if let Err(errno) = written {
        log::warn!("network: cannot write /etc/resolv.conf: {}", errno.name());
    }
}
