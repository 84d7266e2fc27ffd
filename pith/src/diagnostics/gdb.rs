//! `pith run --gdb`: the port QEMU's GDB stub listens on, and the gdb command line that
//! attaches to it with the symbols of the kernel and of the program, each at the address it
//! runs at (QEMU: "GDB usage", gdb: "add-symbol-file").

use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;

use thiserror::Error;

use crate::launcher::qemu::shell_words;

/// Only this machine may attach: the stub gives full control of the VM.
const ADDRESS: Ipv4Addr = Ipv4Addr::LOCALHOST;

#[derive(Debug, Error)]
pub enum GdbError {
    #[error("port {port} is already in use on {ADDRESS}: pick another with --gdb=PORT")]
    PortInUse { port: u16 },
    #[error("cannot listen on {ADDRESS}:{port} for gdb: {source}")]
    Listen { port: u16, source: io::Error },
}

/// Listens on `port` for gdb. pith binds the port itself and hands the socket to QEMU, so a
/// busy port is reported before the VM starts, and gdb can connect as soon as the command is
/// printed.
pub fn listen(port: u16) -> Result<TcpListener, GdbError> {
    TcpListener::bind((ADDRESS, port)).map_err(|source| match source.kind() {
        io::ErrorKind::AddrInUse => GdbError::PortInUse { port },
        _ => GdbError::Listen { port, source },
    })
}

/// The gdb command that attaches to the stub on `port` with the symbols of `kernel` and of
/// `program`, whose ELF addresses the kernel moves by `load_bias`.
pub fn command(port: u16, kernel: &Path, program: &Path, load_bias: u64) -> String {
    let mut add_program = format!("add-symbol-file {}", gdb_quote(program));
    if load_bias != 0 {
        add_program.push_str(&format!(" -o {load_bias:#x}"));
    }

    let commands = [
        // Without this, gdb asks before adding the program's symbols.
        "set confirm off".to_owned(),
        add_program,
        "set confirm on".to_owned(),
        format!("target remote {ADDRESS}:{port}"),
    ];
    // The kernel is gdb's executable: its symbols are the first ones gdb reads.
    let mut args = vec![kernel.as_os_str().to_owned()];
    for command in commands {
        args.extend(["-ex".into(), command.into()]);
    }
    shell_words(Path::new("gdb"), &args)
}

/// `path` as one argument of a gdb command, which gdb splits at blanks unless quoted
/// (libiberty's `buildargv`).
fn gdb_quote(path: &Path) -> String {
    let text = path.to_string_lossy();
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-+=:,./@%".contains(c);
    if text.chars().all(plain) {
        return text.into_owned();
    }
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_programs_need_no_offset() {
        let command = command(
            1234,
            Path::new("/cache/kernel.elf"),
            Path::new("/src/prog"),
            0,
        );
        assert_eq!(
            command,
            "gdb /cache/kernel.elf -ex 'set confirm off' \
             -ex 'add-symbol-file /src/prog' -ex 'set confirm on' \
             -ex 'target remote 127.0.0.1:1234'"
        );
    }

    #[test]
    fn static_pie_programs_are_offset() {
        let command = command(
            4321,
            Path::new("/k"),
            Path::new("/my dir/prog"),
            0x5555_5540_0000,
        );
        assert!(
            command.contains(r#"-ex 'add-symbol-file "/my dir/prog" -o 0x555555400000'"#),
            "{command}"
        );
        assert!(command.ends_with("-ex 'target remote 127.0.0.1:4321'"));
    }

    #[test]
    fn paths_with_blanks_and_quotes_stay_one_gdb_argument() {
        assert_eq!(gdb_quote(Path::new("/a/b.elf")), "/a/b.elf");
        assert_eq!(gdb_quote(Path::new("/my dir/p")), r#""/my dir/p""#);
        assert_eq!(gdb_quote(Path::new(r#"/q"\"#)), r#""/q\"\\""#);
    }

    #[test]
    fn busy_ports_are_named() {
        let taken = TcpListener::bind((ADDRESS, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let error = listen(port).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("port {port} is already in use on 127.0.0.1: pick another with --gdb=PORT")
        );
        drop(taken);
        assert!(listen(port).is_ok());
    }
}
