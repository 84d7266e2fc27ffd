//! The command line: `pith run` and `pith build`, parsed with clap.

// The kernel's generated table, shared so that both sides know the same names.
mod network;
#[path = "../../../kernel/src/syscall/names.rs"]
mod syscall_names;
mod trace;
mod values;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::builder::{OsStringValueParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

pub use network::NetworkOptions;
pub use trace::TraceFilter;
pub use values::{EnvVar, MemorySize};

use crate::manifest::FileEntry;

/// `--gdb` without a port: the port QEMU's documentation uses for its GDB stub.
const DEFAULT_GDB_PORT: &str = "1234";

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
    /// A static Linux x86-64 program, a directory with a Pith.toml, or an image made by
    /// `pith build`
    #[arg(value_name = "PROGRAM|DIR|IMAGE")]
    pub target: PathBuf,

    #[command(flatten)]
    pub program: ProgramOptions,

    #[command(flatten)]
    pub vm: VmOptions,

    #[command(flatten)]
    pub network: NetworkOptions,

    #[command(flatten)]
    pub diagnostics: DiagnosticOptions,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// A static Linux x86-64 program, or a directory with a Pith.toml
    #[arg(value_name = "PROGRAM|DIR")]
    pub program_path: PathBuf,

    /// Where to write the image
    #[arg(
        short,
        long,
        value_name = "IMAGE",
        required_unless_present = "list_files"
    )]
    pub output: Option<PathBuf>,

    /// Print what would go into the image (interpreter, libraries, runtime tree, files)
    /// instead of writing it; works for dynamically linked programs too
    #[arg(long, conflicts_with = "output")]
    pub list_files: bool,

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

    /// Put a host file in the image at GUEST (default: its absolute host path; a GUEST ending
    /// in / is a directory to put it in); repeatable
    #[arg(long = "file", value_name = "HOST[:GUEST]", value_parser = FileEntry::parse)]
    pub files: Vec<FileEntry>,

    /// Put a host directory, recursively, in the image at GUEST (default: its absolute host
    /// path), keeping links, modes and times; repeatable
    #[arg(long = "dir", value_name = "HOST[:GUEST]", value_parser = FileEntry::parse)]
    pub dirs: Vec<FileEntry>,

    /// The program's working directory, an absolute guest path (default /)
    #[arg(short, long, value_name = "DIR", value_parser = absolute_guest_path)]
    pub workdir: Option<String>,

    /// Arguments for the program, after `--`
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<OsString>,
}

impl ProgramOptions {
    /// Whether any option changes what the program is started with.
    pub fn is_set(&self) -> bool {
        !self.env.is_empty()
            || !self.args.is_empty()
            || !self.files.is_empty()
            || !self.dirs.is_empty()
            || self.workdir.is_some()
    }
}

fn absolute_guest_path(text: &str) -> Result<String, String> {
    if text.starts_with('/') {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "`{text}` is not an absolute guest path: start it with /"
        ))
    }
}

/// How the VM is run; not part of the image.
#[derive(Debug, Args)]
pub struct VmOptions {
    /// Guest memory: 64M, 1G, 131072K, or a plain number of MiB (default: Pith.toml's
    /// `memory`, else 64M or more if the image needs it)
    #[arg(short, long, value_name = "SIZE", value_parser = MemorySize::parse)]
    pub memory: Option<MemorySize>,

    /// Hardware acceleration: `auto` uses KVM only where the CPU has VT-x or AMD-V
    #[arg(long, value_enum, default_value_t = AccelRequest::Auto)]
    pub accel: AccelRequest,

    /// How much the kernel logs, on standard error
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = LogLevel::Warn)]
    pub log_level: LogLevel,
}

/// What the kernel and pith report about the run; kernel options, not part of the image, so
/// they apply to built images too.
#[derive(Debug, Args)]
#[command(next_help_heading = "Diagnostics")]
pub struct DiagnosticOptions {
    /// Print every system call (or only those named, as in --trace=openat,mmap) with its
    /// arguments and result, on standard error
    #[arg(
        long,
        value_name = "SYSCALLS",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "all",
        value_parser = TraceFilter::parse
    )]
    pub trace: Option<TraceFilter>,

    /// At exit, print a table of system calls (calls, errors, time) and those that failed
    /// with ENOSYS
    #[arg(long)]
    pub syscall_summary: bool,

    /// Start the VM paused with a GDB stub on 127.0.0.1:PORT (default 1234), and print the
    /// gdb command that attaches with the symbols of the kernel and the program
    #[arg(
        long,
        value_name = "PORT",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = DEFAULT_GDB_PORT,
        value_parser = clap::value_parser!(u16).range(1..)
    )]
    pub gdb: Option<u16>,
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
    use crate::network::{NetMode, NetworkRequest};
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
        assert_eq!(run.vm.memory, None);
        assert_eq!(run.vm.accel, AccelRequest::Auto);
        assert_eq!(run.vm.log_level, LogLevel::Warn);
        assert_eq!(run.diagnostics.trace, None);
        assert!(!run.diagnostics.syscall_summary);
        assert_eq!(run.diagnostics.gdb, None);
    }

    fn diagnostics(args: &[&str]) -> DiagnosticOptions {
        let cli = Cli::try_parse_from(["pith", "run"].iter().chain(args)).unwrap();
        let Command::Run(run) = cli.command else {
            panic!("expected run");
        };
        assert_eq!(
            run.target,
            PathBuf::from("./p"),
            "the flag took the program"
        );
        run.diagnostics
    }

    #[test]
    fn diagnostic_flags_take_optional_values_after_equals() {
        assert_eq!(
            diagnostics(&["--trace", "./p"]).trace,
            Some(TraceFilter::All)
        );
        assert_eq!(
            diagnostics(&["--trace=openat,mmap", "./p"]).trace,
            Some(TraceFilter::Only(vec!["openat", "mmap"]))
        );
        assert!(diagnostics(&["--syscall-summary", "./p"]).syscall_summary);
        assert_eq!(diagnostics(&["--gdb", "./p"]).gdb, Some(1234));
        assert_eq!(diagnostics(&["--gdb=4321", "./p"]).gdb, Some(4321));
    }

    #[test]
    fn bad_diagnostic_values_are_rejected() {
        for args in [
            ["run", "--trace=opneat", "./p"],
            ["run", "--gdb=0", "./p"],
            ["run", "--gdb=70000", "./p"],
        ] {
            assert!(
                Cli::try_parse_from(std::iter::once("pith").chain(args)).is_err(),
                "{args:?}"
            );
        }
    }

    #[test]
    fn build_requires_output() {
        assert!(Cli::try_parse_from(["pith", "build", "./p"]).is_err());
        let cli = Cli::try_parse_from(["pith", "build", "./p", "-o", "p.img"]).unwrap();
        let Command::Build(build) = cli.command else {
            panic!("expected build");
        };
        assert_eq!(build.output, Some(PathBuf::from("p.img")));
        let cli = Cli::try_parse_from(["pith", "build", "--list-files", "./p"]).unwrap();
        let Command::Build(build) = cli.command else {
            panic!("expected build");
        };
        assert!(build.list_files);
        assert!(Cli::try_parse_from(["pith", "build", "--list-files", "-o", "x", "./p"]).is_err());
    }

    #[test]
    fn file_dir_and_workdir_options() {
        let cli = Cli::try_parse_from([
            "pith",
            "build",
            "app/",
            "-o",
            "a.img",
            "--file",
            "x.txt:/srv/x.txt",
            "--file",
            "/etc/motd",
            "--dir",
            "static:/srv/static",
            "-w",
            "/srv",
        ])
        .unwrap();
        let Command::Build(build) = cli.command else {
            panic!("expected build");
        };
        let options = build.program;
        assert_eq!(options.files[0].host, "x.txt");
        assert_eq!(options.files[0].guest.as_deref(), Some("/srv/x.txt"));
        assert_eq!(options.files[1].guest, None);
        assert_eq!(options.dirs[0].guest.as_deref(), Some("/srv/static"));
        assert_eq!(options.workdir.as_deref(), Some("/srv"));
        assert!(options.is_set());
        assert!(Cli::try_parse_from(["pith", "run", "-w", "srv", "./p"]).is_err());
        assert!(Cli::try_parse_from(["pith", "run", "--file", ":/x", "./p"]).is_err());
    }

    #[test]
    fn network_options() {
        let cli = Cli::try_parse_from([
            "pith",
            "run",
            "-p",
            "8080:80",
            "--publish",
            "53/udp",
            "--net",
            "tap:tap0",
            "--ip",
            "10.0.0.2/24",
            "--gateway",
            "10.0.0.1",
            "--dns",
            "1.1.1.1",
            "--dns",
            "9.9.9.9",
            "./p",
        ])
        .unwrap();
        let Command::Run(run) = cli.command else {
            panic!("expected run");
        };
        let request = run.network.request();
        let ports: Vec<String> = request.publish.iter().map(ToString::to_string).collect();
        assert_eq!(ports, ["8080:80/tcp", "53:53/udp"]);
        assert_eq!(request.mode, Some(NetMode::Tap("tap0".into())));
        assert_eq!(request.address.unwrap().to_string(), "10.0.0.2/24");
        assert_eq!(request.gateway.unwrap().to_string(), "10.0.0.1");
        assert_eq!(request.dns.len(), 2);

        let cli = Cli::try_parse_from(["pith", "run", "./p"]).unwrap();
        let Command::Run(run) = cli.command else {
            panic!("expected run");
        };
        assert_eq!(run.network.request(), NetworkRequest::default());
    }

    #[test]
    fn bad_network_values_are_rejected() {
        for args in [
            ["-p", "8080:"],
            ["-p", "0"],
            ["-p", "80/sctp"],
            ["--net", "bridge"],
            ["--ip", "10.0.0.2"],
            ["--gateway", "::1"],
            ["--dns", "one.one.one.one"],
        ] {
            let line = ["pith", "run", args[0], args[1], "./p"];
            assert!(Cli::try_parse_from(line).is_err(), "{args:?}");
        }
        assert!(Cli::try_parse_from(["pith", "build", "-p", "80", "./p", "-o", "x"]).is_err());
    }

    #[test]
    fn bad_env_and_memory_are_rejected() {
        assert!(Cli::try_parse_from(["pith", "run", "-e", "NOEQUALS", "./p"]).is_err());
        assert!(Cli::try_parse_from(["pith", "run", "-m", "3M", "./p"]).is_err());
    }
}
