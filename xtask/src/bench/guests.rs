//! The C programs of xtask/guests/, compiled as static executables: `hello` and `micro`
//! run unchanged on both sides; `init` is the Linux VM's /init around them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

/// Where the compiled guests are.
#[derive(Debug, Clone)]
pub struct Guests {
    pub hello: PathBuf,
    pub micro: PathBuf,
    pub init: PathBuf,
}

fn sources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("guests")
}

/// Compiles the guests into `out_dir`, each only if its source is newer than its binary.
pub fn build(out_dir: &Path) -> anyhow::Result<Guests> {
    fs::create_dir_all(out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    let guests = Guests {
        hello: out_dir.join("hello"),
        micro: out_dir.join("micro"),
        init: out_dir.join("init"),
    };
    compile("gcc", "hello.c", &guests.hello, &[])?;
    compile("gcc", "micro.c", &guests.micro, &["-pthread"])?;
    // musl keeps /init small, so that it adds little to the Linux side's image size.
    let init_compiler = if on_path("musl-gcc") {
        "musl-gcc"
    } else {
        "gcc"
    };
    compile(init_compiler, "init.c", &guests.init, &[])?;
    Ok(guests)
}

fn compile(compiler: &str, source: &str, output: &Path, flags: &[&str]) -> anyhow::Result<()> {
    let source = sources().join(source);
    if is_newer(output, &source) {
        return Ok(());
    }
    let status = Command::new(compiler)
        .args(["-static", "-O2", "-Wall", "-Wextra", "-o"])
        .arg(output)
        .arg(&source)
        .args(flags)
        .status()
        .with_context(|| {
            format!("cannot run {compiler}: install it (`apt-get install gcc musl-tools`)")
        })?;
    if !status.success() {
        bail!(
            "{compiler} could not compile {} ({status})",
            source.display()
        );
    }
    Ok(())
}

fn is_newer(output: &Path, source: &Path) -> bool {
    let modified = |path: &Path| fs::metadata(path).and_then(|metadata| metadata.modified());
    matches!((modified(output), modified(source)), (Ok(out), Ok(src)) if out >= src)
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}
