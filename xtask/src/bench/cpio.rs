//! A writer for the cpio "newc" format the Linux kernel unpacks as an initramfs
//! (Documentation/driver-api/early-userspace/buffer-format.rst).

use std::collections::BTreeSet;
use std::io::{self, Write};

const MODE_DIRECTORY: u32 = 0o040_000;
const MODE_REGULAR: u32 = 0o100_000;
const MODE_CHARACTER_DEVICE: u32 = 0o020_000;

/// Writes an archive entry by entry; parent directories are added as needed.
pub struct CpioWriter<W: Write> {
    out: W,
    written: u64,
    next_inode: u32,
    directories: BTreeSet<String>,
}

impl<W: Write> CpioWriter<W> {
    pub fn new(out: W) -> CpioWriter<W> {
        CpioWriter {
            out,
            written: 0,
            next_inode: 1,
            directories: BTreeSet::new(),
        }
    }

    /// A regular file at `path` (absolute, in the guest) with `mode`'s permission bits.
    pub fn file(&mut self, path: &str, mode: u32, contents: &[u8]) -> io::Result<()> {
        self.parents(path)?;
        self.entry(path, MODE_REGULAR | mode, 0, contents)
    }

    pub fn directory(&mut self, path: &str) -> io::Result<()> {
        self.parents(path)?;
        let name = path.trim_matches('/').to_owned();
        if self.directories.insert(name) {
            self.entry(path, MODE_DIRECTORY | 0o755, 0, &[])?;
        }
        Ok(())
    }

    /// A character device node, such as /dev/console (5, 1) that the kernel opens for init.
    pub fn character_device(&mut self, path: &str, major: u32, minor: u32) -> io::Result<()> {
        self.parents(path)?;
        self.entry(
            path,
            MODE_CHARACTER_DEVICE | 0o600,
            (major << 8) | minor,
            &[],
        )
    }

    /// Writes the trailer and returns the writer and the archive's size in bytes.
    pub fn finish(mut self) -> io::Result<(W, u64)> {
        self.entry("TRAILER!!!", 0, 0, &[])?;
        Ok((self.out, self.written))
    }

    fn parents(&mut self, path: &str) -> io::Result<()> {
        let components: Vec<&str> = path.trim_matches('/').split('/').collect();
        for depth in 1..components.len() {
            let parent = components[..depth].join("/");
            if self.directories.insert(parent.clone()) {
                self.entry(&parent, MODE_DIRECTORY | 0o755, 0, &[])?;
            }
        }
        Ok(())
    }

    /// One header (110 bytes of hex fields), the name and the data, each padded to 4 bytes.
    fn entry(&mut self, path: &str, mode: u32, device: u32, data: &[u8]) -> io::Result<()> {
        let name = path.trim_start_matches('/');
        let inode = self.next_inode;
        self.next_inode += 1;
        let links = if mode & MODE_DIRECTORY != 0 { 2 } else { 1 };
        let fields = [
            inode,
            mode,
            0, // uid
            0, // gid
            links,
            0, // mtime: fixed, so that the same files give the same archive
            data.len() as u32,
            0, // devmajor
            0, // devminor
            device >> 8,
            device & 0xff,
            name.len() as u32 + 1,
            0, // check
        ];
        let mut header = String::from("070701");
        for field in fields {
            header.push_str(&format!("{field:08x}"));
        }
        self.write_padded(&[header.as_bytes(), name.as_bytes(), b"\0"].concat())?;
        self.write_padded(data)
    }

    fn write_padded(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        let padding = (4 - bytes.len() % 4) % 4;
        self.out.write_all(&[0; 3][..padding])?;
        self.written += (bytes.len() + padding) as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    fn archive() -> Vec<u8> {
        let mut cpio = CpioWriter::new(Vec::new());
        cpio.file("/bench/argv", 0o644, b"/bench/hello\n").unwrap();
        cpio.file("/init", 0o755, b"#!").unwrap();
        cpio.character_device("/dev/console", 5, 1).unwrap();
        let (bytes, size) = cpio.finish().unwrap();
        assert_eq!(bytes.len() as u64, size);
        bytes
    }

    #[test]
    fn entries_are_aligned_and_parents_come_first() {
        let bytes = archive();
        assert_eq!(bytes.len() % 4, 0);
        assert!(bytes.starts_with(b"070701"));
        let text = String::from_utf8_lossy(&bytes);
        let bench = text.find("bench\0").unwrap();
        let argv = text.find("bench/argv\0").unwrap();
        assert!(bench < argv);
        assert!(text.contains("TRAILER!!!\0"));
    }

    #[test]
    fn cpio_tool_lists_the_entries() {
        let Ok(mut child) = Command::new("cpio")
            .args(["-t", "--quiet"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
        else {
            eprintln!("cpio is not installed: skipping the cross-check");
            return;
        };
        child.stdin.take().unwrap().write_all(&archive()).unwrap();
        let listing = child.wait_with_output().unwrap();
        let listing = String::from_utf8(listing.stdout).unwrap();
        assert_eq!(listing, "bench\nbench/argv\ninit\ndev\ndev/console\n");
    }
}
