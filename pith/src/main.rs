//! `pith`: runs one unmodified static Linux x86-64 program as its own tiny VM under QEMU.
//! See docs/host-protocol.md for how it talks to the kernel it carries.

mod cli;
mod command;
mod console;
mod deps;
mod diagnostics;
mod elf;
mod frame;
mod kernel;
mod launcher;
mod logging;
mod manifest;
mod network;
mod pack;
mod session;

use std::fs::OpenOptions;
use std::os::fd::{AsRawFd, IntoRawFd, OwnedFd};
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    open_standard_streams();
    let cli = Cli::parse();
    logging::init(cli.verbose);

    let result = match cli.command {
        Command::Run(args) => command::run::run(args),
        Command::Build(args) => command::build::build(args).map(|()| 0),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            // The same status as a failed VM: it says pith, not the program, failed.
            eprintln!("pith: {error:#}");
            ExitCode::from(session::PITH_FAILURE)
        }
    }
}

/// Opens /dev/null on any of descriptors 0-2 that pith was started without, so that no socket
/// pith creates takes a standard stream's number, where it would be read or written as one.
fn open_standard_streams() {
    loop {
        let Ok(file) = OpenOptions::new().read(true).write(true).open("/dev/null") else {
            return;
        };
        // Opening takes the lowest free descriptor: one above 2 means none was missing.
        let fd = OwnedFd::from(file);
        if fd.as_raw_fd() > 2 {
            return;
        }
        // It stays open as that standard stream for the life of pith.
        let _ = fd.into_raw_fd();
    }
}
