//! The Pith side: the `pith` binary under test, run with its own kernel cache so that the
//! kernel file it boots can be found and measured.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{anyhow, Context};

use super::host::Accel;
use super::process::{self, Background, Timed};

#[derive(Debug, Clone)]
pub struct Pith {
    pub binary: PathBuf,
    /// `XDG_CACHE_HOME` for every run: pith keeps its kernel and TSC frequency in `pith/`.
    pub cache_home: PathBuf,
    pub accel: Accel,
}

/// How to run a program or image under `pith run`.
#[derive(Debug, Clone, Default)]
pub struct RunOptions<'a> {
    pub args: &'a [&'a str],
    pub memory_mib: Option<u32>,
    pub log_info: bool,
    pub verbose: bool,
    /// `--file HOST:GUEST` options, for pith versions that have them.
    pub files: &'a [String],
    /// `-p HOST:GUEST`, a TCP port published through passt; without it `--net none`, as
    /// the Linux VM has no network either.
    pub publish: Option<(u16, u16)>,
}

impl Pith {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        command.env("XDG_CACHE_HOME", &self.cache_home);
        command
    }

    /// Where pith keeps its cached files.
    pub fn cache_dir(&self) -> PathBuf {
        self.cache_home.join("pith")
    }

    /// `pith build PROGRAM -o IMAGE`; the error is pith's message.
    pub fn build(&self, program: &Path, image: &Path) -> Result<(), String> {
        self.build_with_args(program, image, &[])
    }

    /// `pith build PROGRAM -o IMAGE -- ARGS`; the error is pith's message.
    pub fn build_with_args(
        &self,
        program: &Path,
        image: &Path,
        args: &[&str],
    ) -> Result<(), String> {
        let mut command = self.command();
        command.arg("build").arg(program).arg("-o").arg(image);
        if !args.is_empty() {
            command.arg("--").args(args);
        }
        let output = command
            .output()
            .map_err(|error| format!("cannot run {}: {error}", self.binary.display()))?;
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr
            .lines()
            .rfind(|line| !line.trim().is_empty())
            .unwrap_or("");
        let message = message.trim().trim_start_matches("pith: ");
        // The program's name says enough; its full path would crowd the table.
        let name = program.file_name().unwrap_or_default().to_string_lossy();
        Err(message.replace(&program.display().to_string(), &name))
    }

    /// `pith run TARGET`, timed, with `marker` expected on standard output.
    pub fn run(
        &self,
        target: &Path,
        options: &RunOptions,
        marker: &str,
        timeout: Duration,
    ) -> anyhow::Result<Timed> {
        process::run_timed(&mut self.run_command(target, options), marker, timeout)
            .with_context(|| format!("cannot run {}", self.binary.display()))
    }

    /// `pith run TARGET` left running, for a server; `Background::stop` ends it.
    pub fn serve(&self, target: &Path, options: &RunOptions) -> anyhow::Result<Background> {
        Background::spawn(&mut self.run_command(target, options))
            .with_context(|| format!("cannot run {}", self.binary.display()))
    }

    fn run_command(&self, target: &Path, options: &RunOptions) -> Command {
        let mut command = self.command();
        if options.verbose {
            command.arg("--verbose");
        }
        command.args(["run", "--accel", self.accel.as_str()]);
        if let Some(mib) = options.memory_mib {
            command.args(["--memory", &format!("{mib}M")]);
        }
        if options.log_info {
            command.args(["--log-level", "info"]);
        }
        match options.publish {
            Some((host, guest)) => command.args(["--publish", &format!("{host}:{guest}")]),
            None => command.args(["--net", "none"]),
        };
        for file in options.files {
            command.args(["--file", file]);
        }
        command.arg(target);
        if !options.args.is_empty() {
            command.arg("--").args(options.args);
        }
        command
    }

    /// Whether `pith run` takes `--file HOST:GUEST` (files besides the program).
    pub fn has_file_option(&self) -> bool {
        let help = self.command().args(["run", "--help"]).output();
        help.is_ok_and(|output| String::from_utf8_lossy(&output.stdout).contains("--file"))
    }

    /// The kernel file pith boots, from the QEMU command line `--verbose` prints.
    pub fn kernel_file(&self, program: &Path) -> anyhow::Result<PathBuf> {
        let options = RunOptions {
            verbose: true,
            ..RunOptions::default()
        };
        let timed = self.run(program, &options, "", Duration::from_secs(60))?;
        kernel_in_qemu_command(&timed.stderr).ok_or_else(|| {
            anyhow!(
                "`pith --verbose run` printed no QEMU command with -kernel:\n{}",
                timed.stderr
            )
        })
    }
}

fn kernel_in_qemu_command(stderr: &str) -> Option<PathBuf> {
    let line = stderr.lines().find(|line| line.contains("QEMU command:"))?;
    let mut words = line.split_whitespace();
    words.find(|word| *word == "-kernel")?;
    let path = words.next()?.trim_matches('\'');
    Some(PathBuf::from(OsStr::new(path)))
}

/// The in-guest time from kernel entry to the program's entry, in microseconds, from the
/// kernel's info line `starting PATH at ADDR, N us after kernel entry`.
pub fn entry_micros(stderr: &str) -> Option<f64> {
    let line = stderr
        .lines()
        .find(|line| line.contains("us after kernel entry"))?;
    let before = line.split(" us after kernel entry").next()?;
    before.rsplit([' ', ',']).next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_is_found_in_the_qemu_command() {
        let stderr =
            "pith: image: /tmp/x (1 bytes)\npith: QEMU command: /usr/bin/qemu-system-x86_64 \
                      -m 64M -kernel /c/pith/kernel-4c4c.elf -initrd /tmp/i\n";
        assert_eq!(
            kernel_in_qemu_command(stderr),
            Some(PathBuf::from("/c/pith/kernel-4c4c.elf"))
        );
        assert_eq!(kernel_in_qemu_command("no command"), None);
    }

    #[test]
    fn entry_time_is_parsed() {
        let stderr = "[pith] 63 MiB RAM\n[pith] starting /tmp/h at 0x401550, 17315 us after \
                      kernel entry\n";
        assert_eq!(entry_micros(stderr), Some(17315.0));
        assert_eq!(entry_micros("[pith] nothing\n"), None);
    }
}
