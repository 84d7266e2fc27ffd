//! `pith build --list-files`: what would go into the image, one entry a line, in the order
//! the image holds them:
//!
//! ```text
//! link  /lib64 -> usr/lib64                             (interpreter)
//! file  /usr/lib/x86_64-linux-gnu/libc.so.6  1922136    (library)
//! file  /srv/data.txt  12                               (user, from ./data.txt)
//! ```

use std::io::{self, Write};

use super::tree::{NodeKind, Source};
use super::Plan;

/// Prints every entry of `plan` to `out`, then a summary line.
pub fn print(plan: &Plan, out: &mut impl Write) -> io::Result<()> {
    let mut bytes = 0;
    for (key, node) in plan.tree.iter() {
        let origin = node.origin.as_str();
        match &node.kind {
            NodeKind::Directory => writeln!(out, "dir   /{key}  ({origin})")?,
            NodeKind::Symlink { target } => writeln!(out, "link  /{key} -> {target}  ({origin})")?,
            NodeKind::File { source, size } => {
                bytes += size;
                let from = match source {
                    Source::Host(path) if path.to_str() != Some(&format!("/{key}")) => {
                        format!(", from {}", path.display())
                    }
                    _ => String::new(),
                };
                writeln!(out, "file  /{key}  {size}  ({origin}{from})")?;
            }
        }
    }
    writeln!(
        out,
        "{} entries, {bytes} bytes of file data",
        plan.tree.len()
    )
}
