//! Kernel modules for the Linux VM's initramfs. Debian builds virtio-net and the
//! virtio-mmio transport as modules; the package ships no `modules.dep` (depmod writes it
//! on install), so each module's dependencies are read from its own `.modinfo` strings
//! (`depends=a,b`), as modinfo(8) does.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};

/// What the Linux VM needs for its network: the transport microvm's devices sit on, and
/// the network driver.
pub const NETWORK: [&str; 2] = ["virtio_mmio", "virtio_net"];

/// The `.ko` files to load, in an order where each comes after what it depends on, for
/// `wanted` from the kernel's module tree `modules_dir` (`/lib/modules/VERSION`). Modules
/// built into the kernel (`modules.builtin`) need no file.
pub fn load_order(modules_dir: &Path, wanted: &[&str]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = BTreeMap::new();
    index(&modules_dir.join("kernel"), &mut files)?;
    let builtin = fs::read_to_string(modules_dir.join("modules.builtin")).unwrap_or_default();
    let builtin: Vec<&str> = builtin.lines().filter_map(module_name).collect();

    let mut order = Vec::new();
    for name in wanted {
        visit(name, &files, &builtin, &mut order, 0)?;
    }
    Ok(order)
}

fn visit(
    name: &str,
    files: &BTreeMap<String, PathBuf>,
    builtin: &[&str],
    order: &mut Vec<PathBuf>,
    depth: usize,
) -> anyhow::Result<()> {
    if depth > 16 {
        bail!("the dependencies of {name} go round in a circle");
    }
    if builtin.contains(&name) {
        return Ok(());
    }
    let file = files
        .get(name)
        .ok_or_else(|| anyhow!("the kernel has no module {name}"))?;
    if order.contains(file) {
        return Ok(());
    }
    let contents = fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    for dependency in depends(&contents) {
        visit(&dependency, files, builtin, order, depth + 1)?;
    }
    order.push(file.clone());
    Ok(())
}

/// Every `NAME.ko` under `dir`, by module name.
fn index(dir: &Path, files: &mut BTreeMap<String, PathBuf>) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            index(&path, files)?;
        } else if let Some(name) = module_name(&path.to_string_lossy()) {
            files.insert(name.to_owned(), path);
        }
    }
    Ok(())
}

/// `virtio_net` for `kernel/drivers/net/virtio_net.ko`.
fn module_name(path: &str) -> Option<&str> {
    path.rsplit('/').next()?.strip_suffix(".ko")
}

/// The names in a module's `depends=` string, found among its NUL-separated `.modinfo`
/// strings.
fn depends(contents: &[u8]) -> Vec<String> {
    contents
        .split(|&byte| byte == 0)
        .find_map(|string| string.strip_prefix(b"depends="))
        .map(|list| String::from_utf8_lossy(list).into_owned())
        .unwrap_or_default()
        .split(',')
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depends_are_read_from_modinfo() {
        let modinfo = b"\x7fELF\0junk\0license=GPL\0depends=virtio_ring,virtio,net_failover\0\
                        name=virtio_net\0";
        assert_eq!(depends(modinfo), ["virtio_ring", "virtio", "net_failover"]);
        assert!(depends(b"\0depends=\0name=failover\0").is_empty());
        assert!(depends(b"no modinfo at all").is_empty());
    }

    #[test]
    fn dependencies_come_first() {
        let dir = std::env::temp_dir().join(format!("xtask-modules-{}", std::process::id()));
        let kernel = dir.join("kernel/drivers");
        fs::create_dir_all(&kernel).unwrap();
        fs::write(kernel.join("net.ko"), b"\0depends=ring,core\0").unwrap();
        fs::write(kernel.join("core.ko"), b"\0depends=ring\0").unwrap();
        fs::write(kernel.join("ring.ko"), b"\0depends=\0").unwrap();
        fs::write(dir.join("modules.builtin"), "kernel/drivers/mmio.ko\n").unwrap();

        let order = load_order(&dir, &["mmio", "net", "core"]).unwrap();
        let names: Vec<_> = order.iter().map(|path| path.file_name().unwrap()).collect();
        assert_eq!(names, ["ring.ko", "core.ko", "net.ko"]);
        assert!(load_order(&dir, &["missing"]).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
