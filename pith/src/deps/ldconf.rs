//! Reads `/etc/ld.so.conf` and the files it includes (`include /etc/ld.so.conf.d/*.conf`):
//! the directories `ldconfig` puts in the cache. pith searches them after the cache, so a
//! library installed without running `ldconfig` is still found. See ldconfig(8).

use std::path::{Path, PathBuf};

/// Where the host's configuration starts.
pub const HOST_CONF: &str = "/etc/ld.so.conf";
/// How deep `include` may nest; deeper is surely a loop.
const MAX_DEPTH: usize = 8;

/// The directories named in `path` and the files it includes, in order, without duplicates.
pub fn directories(path: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    read(path, 0, &mut found);
    found
}

fn read(path: &Path, depth: usize, found: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH {
        log::warn!(
            "{}: includes nest too deeply; ignoring the rest",
            path.display()
        );
        return;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let base = path.parent().unwrap_or(Path::new("/"));
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(pattern) = line
            .strip_prefix("include")
            .filter(|rest| rest.starts_with([' ', '\t']))
        {
            for included in expand(base, pattern.trim()) {
                read(&included, depth + 1, found);
            }
        } else if line.starts_with("hwcap") {
            // Obsolete hardware-capability lines name no directory.
        } else {
            // Directories may be separated by blanks, commas or colons.
            let separators = [' ', '\t', ',', ':'];
            for dir in line.split(separators).filter(|dir| dir.starts_with('/')) {
                let dir = PathBuf::from(dir.trim_end_matches('/'));
                if !found.contains(&dir) {
                    found.push(dir);
                }
            }
        }
    }
}

/// The files an `include` pattern names, relative to the including file's directory.
fn expand(base: &Path, pattern: &str) -> Vec<PathBuf> {
    let pattern = base.join(pattern);
    let Some(pattern) = pattern.to_str() else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = glob::glob(pattern)
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    paths.sort();
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_comments_and_separators() {
        let dir = tempfile::tempdir().unwrap();
        let conf_d = dir.path().join("conf.d");
        std::fs::create_dir(&conf_d).unwrap();
        std::fs::write(conf_d.join("b.conf"), "/opt/b/lib # second\n").unwrap();
        std::fs::write(
            conf_d.join("a.conf"),
            "# a comment\n/opt/a/lib:/opt/a/lib2,/opt/a/lib\n",
        )
        .unwrap();
        std::fs::write(conf_d.join("skip.txt"), "/not/included\n").unwrap();
        let main = dir.path().join("ld.so.conf");
        std::fs::write(
            &main,
            "include conf.d/*.conf\nhwcap 0 nosegneg\n/usr/local/lib/\n",
        )
        .unwrap();

        let found = directories(&main);
        let expected = ["/opt/a/lib", "/opt/a/lib2", "/opt/b/lib", "/usr/local/lib"];
        assert_eq!(found, expected.map(PathBuf::from));
    }

    #[test]
    fn an_include_loop_ends() {
        let dir = tempfile::tempdir().unwrap();
        let main = dir.path().join("ld.so.conf");
        std::fs::write(&main, "/lib/a\ninclude ld.so.conf\n").unwrap();
        assert_eq!(directories(&main), [PathBuf::from("/lib/a")]);
    }

    #[test]
    fn the_hosts_configuration_names_the_multiarch_directory() {
        let found = directories(Path::new(HOST_CONF));
        assert!(
            found.contains(&PathBuf::from("/usr/local/lib")),
            "{found:?} (Debian's libc.conf names /usr/local/lib)"
        );
    }
}
