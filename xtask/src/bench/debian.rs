//! Debian's kernel for the Linux side, from `linux-image-amd64`: fetched with `apt-get
//! download` and unpacked with `dpkg-deb -x` into a cache under target/, never installed on
//! the host. (The programs themselves are the host's own: programs.rs.)

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{anyhow, bail, Context};

/// `apt-get update` runs at most once per process, and only after a download failed.
static UPDATED: AtomicBool = AtomicBool::new(false);

/// Debian's kernel, unpacked.
#[derive(Debug, Clone)]
pub struct Kernel {
    /// `/boot/vmlinuz-VERSION`, an XZ-compressed bzImage.
    pub image: PathBuf,
    /// `/lib/modules/VERSION`.
    pub modules: PathBuf,
}

/// The package cache: `debs/` holds the downloaded files, `root/PACKAGE/` each unpacked one.
#[derive(Debug, Clone)]
pub struct Debian {
    cache: PathBuf,
}

impl Debian {
    pub fn new(cache: PathBuf) -> Debian {
        Debian { cache }
    }

    /// The compressed kernel (`vmlinuz`) of the package `linux-image-amd64` depends on, and
    /// its module tree.
    pub fn kernel(&self) -> anyhow::Result<Kernel> {
        let package = self.resolve("linux-image-amd64", "linux-image-")?;
        let root = self.unpack(&package)?;
        let boot = root.join("boot");
        let entries = fs::read_dir(&boot).with_context(|| format!("no {}", boot.display()))?;
        let image = entries
            .flatten()
            .map(|entry| entry.path())
            .find(|path| {
                path.file_name()
                    .is_some_and(|name| name.to_string_lossy().starts_with("vmlinuz-"))
            })
            .ok_or_else(|| anyhow!("{package} holds no /boot/vmlinuz-*"))?;
        let name = image.file_name().unwrap_or_default().to_string_lossy();
        let version = name.trim_start_matches("vmlinuz-");
        let modules = root.join("lib/modules").join(version);
        Ok(Kernel { image, modules })
    }

    /// The package `meta` depends on whose name starts with `prefix`: the versioned package
    /// behind a metapackage, such as `linux-image-6.1.0-NN-amd64` behind `linux-image-amd64`.
    fn resolve(&self, meta: &str, prefix: &str) -> anyhow::Result<String> {
        self.depends(meta)?
            .into_iter()
            .find(|name| name.starts_with(prefix))
            .ok_or_else(|| anyhow!("{meta} depends on no {prefix}* package"))
    }

    /// The packages `package` depends (or pre-depends) on, per `apt-cache depends`.
    fn depends(&self, package: &str) -> anyhow::Result<Vec<String>> {
        let mut output = apt(&["apt-cache", "depends", package], &self.cache)?;
        if !output.status.success() || output.stdout.is_empty() {
            update_once()?;
            output = apt(&["apt-cache", "depends", package], &self.cache)?;
        }
        if !output.status.success() {
            bail!(
                "apt-cache knows no package {package}: {}",
                stderr_line(&output)
            );
        }
        Ok(parse_depends(&String::from_utf8_lossy(&output.stdout)))
    }

    /// Unpacks `package` (downloading it first if needed) and returns where it went.
    fn unpack(&self, package: &str) -> anyhow::Result<PathBuf> {
        let root = self.cache.join("root").join(package);
        if root.is_dir() {
            return Ok(root);
        }
        let deb = self.download(package)?;

        // Unpack beside the final place and rename, so that a half-unpacked package is
        // never mistaken for a complete one.
        let partial = self
            .cache
            .join("root")
            .join(format!(".{package}.{}", std::process::id()));
        let _ = fs::remove_dir_all(&partial);
        fs::create_dir_all(&partial)?;
        let status = Command::new("dpkg-deb")
            .arg("-x")
            .arg(&deb)
            .arg(&partial)
            .status()
            .context("cannot run dpkg-deb (a Debian host has it)")?;
        if !status.success() {
            bail!("dpkg-deb -x {} failed ({status})", deb.display());
        }
        if fs::rename(&partial, &root).is_err() && root.is_dir() {
            // Another run unpacked it meanwhile.
            let _ = fs::remove_dir_all(&partial);
        }
        Ok(root)
    }

    /// The `.deb` of `package`, downloaded into `debs/` unless it is there.
    fn download(&self, package: &str) -> anyhow::Result<PathBuf> {
        let debs = self.cache.join("debs");
        if let Some(deb) = find_deb(&debs, package) {
            return Ok(deb);
        }
        let partial = debs.join(format!(".download.{}", std::process::id()));
        fs::create_dir_all(&partial)?;
        let mut output = apt(&["apt-get", "download", package], &partial)?;
        if !output.status.success() {
            update_once()?;
            output = apt(&["apt-get", "download", package], &partial)?;
        }
        if !output.status.success() {
            bail!(
                "apt-get download {package} failed: {}",
                stderr_line(&output)
            );
        }
        let deb = find_deb(&partial, package)
            .ok_or_else(|| anyhow!("apt-get download {package} wrote no .deb"))?;
        let name = deb
            .file_name()
            .expect("a file found in a directory has a name");
        let target = debs.join(name);
        fs::rename(&deb, &target)?;
        let _ = fs::remove_dir_all(&partial);
        Ok(target)
    }
}

fn find_deb(dir: &Path, package: &str) -> Option<PathBuf> {
    let prefix = format!("{package}_");
    fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|entry| entry.path())
        .find(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with(&prefix) && name.ends_with(".deb")
        })
}

fn apt(command: &[&str], dir: &Path) -> anyhow::Result<Output> {
    fs::create_dir_all(dir)?;
    Command::new(command[0])
        .args(&command[1..])
        .current_dir(dir)
        .output()
        .with_context(|| {
            format!(
                "cannot run {}: the Linux baseline needs a Debian host",
                command[0]
            )
        })
}

/// Refreshes the package lists, once: a fresh machine may have none.
fn update_once() -> anyhow::Result<()> {
    if UPDATED.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    eprintln!("bench: apt-get update (the package lists are missing or stale)");
    let output = Command::new("apt-get")
        .args(["update", "-qq"])
        .output()
        .context("cannot run apt-get")?;
    if !output.status.success() {
        bail!(
            "apt-get update failed (it needs root): {}",
            stderr_line(&output)
        );
    }
    Ok(())
}

fn stderr_line(output: &Output) -> String {
    let text = String::from_utf8_lossy(&output.stderr);
    text.lines()
        .rfind(|line| !line.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_owned()
}

/// The names after `Depends:` and `PreDepends:` in `apt-cache depends` output; virtual
/// packages (`<name>`) are left out.
fn parse_depends(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.trim().trim_start_matches('|').split_once(':'))
        .filter(|(key, _)| *key == "Depends" || *key == "PreDepends")
        .map(|(_, name)| name.trim())
        .filter(|name| !name.starts_with('<') && !name.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depends_are_parsed() {
        let text = "python3.11-minimal\n  PreDepends: libc6\n  Depends: libexpat1\n \
                    |Depends: initramfs-tools\n  Depends: <linux-initramfs-tool>\n    dracut\n  \
                    Recommends: python3.11\n";
        assert_eq!(
            parse_depends(text),
            ["libc6", "libexpat1", "initramfs-tools"]
        );
    }
}
