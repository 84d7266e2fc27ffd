//! The command line: `pith run` and `pith build`, parsed with clap.

mod values;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::builder::{OsStringValueParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

pub use values::{EnvVar, FileMapping, MemorySize};

#[derive(Debug, Parser)]
#[command(
    name = "pith",
    version,
    about = "Runs one static Linux x86-64 program as its own tiny VM under QEMU",
    propagate_version = true
)]
pub struct Cli {
    /// Say what pith decided: accelerator, image size, the full QEMU command line
    #[arg(short, long, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a program, or an image made by `pith build`, in a VM; exits with its status
    Run(RunArgs),
    /// Pack a program into an image file that `pith run` boots
    Build(BuildArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A static Linux x86-64 program, or an image made by `pith build`
    #[arg(value_name = "PROGRAM|IMAGE")]
    pub target: PathBuf,

    #[command(flatten)]
    pub program: ProgramOptions,

    #[command(flatten)]
    pub vm: VmOptions,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// A static Linux x86-64 program
    #[arg(value_name = "PROGRAM")]
    pub program_path: PathBuf,

    /// Where to write the image
    #[arg(short, long, value_name = "IMAGE")]
    pub output: PathBuf,

    #[command(flatten)]
    pub program: ProgramOptions,
}

/// What the program is started with; baked into the image.
#[derive(Debug, Args)]
pub struct ProgramOptions {
    /// Set an environment variable for the program (repeatable)
    #[arg(
        short,
        long = "env",
        value_name = "KEY=VALUE",
        value_parser = OsStringValueParser::new().try_map(EnvVar::parse)
    )]
    pub env: Vec<EnvVar>,

    /// Put a host file in the image at GUEST (default: its absolute host path) (repeatable)
    #[arg(long = "file", value_name = "HOST[:GUEST]", value_parser = FileMapping::parse)]
    pub files: Vec<FileMapping>,

    /// Arguments for the program, after `--`
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<OsString>,
}

impl ProgramOptions {
    /// Whether any option changes what the program is started with.
    pub fn is_set(&self) -> bool {
        !self.env.is_empty() || !self.args.is_empty() || !self.files.is_empty()
    }
}

/// How the VM is run; not part of the image.
#[derive(Debug, Args)]
pub struct VmOptions {
    /// Guest memory: 64M, 1G, 131072K, or a plain number of MiB
    #[arg(short, long, value_name = "SIZE", default_value = "64M", value_parser = MemorySize::parse)]
    pub memory: MemorySize,

    /// Hardware acceleration: `auto` uses KVM only where the CPU has VT-x or AMD-V
    #[arg(long, value_enum, default_value_t = AccelRequest::Auto)]
    pub accel: AccelRequest,

    /// How much the kernel logs, on standard error
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = LogLevel::Warn)]
    pub log_level: LogLevel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AccelRequest {
    Auto,
    Kvm,
    Tcg,
}

/// The kernel's `log=` option (docs/host-protocol.md, "Kernel command line").
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_takes_arguments_after_double_dash() {
        let cli =
            Cli::try_parse_from(["pith", "run", "-e", "A=1", "./p", "--", "-x", "y"]).unwrap();
        let Command::Run(run) = cli.command else {
            panic!("expected run");
        };
        assert_eq!(run.target, PathBuf::from("./p"));
        assert_eq!(run.program.args, ["-x", "y"]);
        assert_eq!(run.program.env[0].as_bytes(), b"A=1");
        assert_eq!(run.vm.memory.mib(), 64);
        assert_eq!(run.vm.accel, AccelRequest::Auto);
        assert_eq!(run.vm.log_level, LogLevel::Warn);
    }

    #[test]
    fn build_requires_output() {
        assert!(Cli::try_parse_from(["pith", "build", "./p"]).is_err());
        let cli = Cli::try_parse_from(["pith", "build", "./p", "-o", "p.img"]).unwrap();
        let Command::Build(build) = cli.command else {
            panic!("expected build");
        };
        assert_eq!(build.output, PathBuf::from("p.img"));
    }

    #[test]
    fn bad_env_and_memory_are_rejected() {
        assert!(Cli::try_parse_from(["pith", "run", "-e", "NOEQUALS", "./p"]).is_err());
        assert!(Cli::try_parse_from(["pith", "run", "-m", "4M", "./p"]).is_err());
    }
}
