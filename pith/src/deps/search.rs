//! Where the dynamic linker looks for a library by name, in its order (ld.so(8)): the
//! loading object's DT_RPATH chain (unless it has DT_RUNPATH), LD_LIBRARY_PATH, its
//! DT_RUNPATH, /etc/ld.so.cache, then the default directories. pith also looks in the
//! directories of /etc/ld.so.conf before the defaults, to find libraries installed without
//! running `ldconfig`.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::dynamic::is_x86_64;
use super::ldcache::{self, LdCache};
use super::ldconf;

/// glibc's trusted directories for x86-64 on Debian, then the upstream ones.
const DEFAULT_DIRECTORIES: &[&str] = &[
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
];
/// What `$LIB` stands for in a search path on Debian's x86-64 glibc.
const LIB_EXPANSION: &str = "lib/x86_64-linux-gnu";
/// What `$PLATFORM` stands for on x86-64.
const PLATFORM_EXPANSION: &str = "x86_64";

/// One place searched, and why it was, as an error message lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tried {
    pub place: PathBuf,
    pub why: &'static str,
}

impl std::fmt::Display for Tried {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.place.display(), self.why)
    }
}

/// The search directories of one loading object.
#[derive(Debug, Default, Clone)]
pub struct ObjectPaths {
    /// Expanded DT_RPATH directories of the object and those that loaded it, nearest first;
    /// empty when the object has DT_RUNPATH, which turns them off.
    pub rpath: Vec<PathBuf>,
    pub runpath: Vec<PathBuf>,
}

/// The host's library search configuration.
#[derive(Debug, Default)]
pub struct SearchPaths {
    ld_library_path: Vec<PathBuf>,
    cache: LdCache,
    cache_path: PathBuf,
    conf_directories: Vec<PathBuf>,
}

impl SearchPaths {
    /// The host's cache and configuration, with the program's `LD_LIBRARY_PATH`.
    pub fn host(ld_library_path: Option<&str>) -> SearchPaths {
        let cache_path = PathBuf::from(ldcache::HOST_CACHE);
        SearchPaths {
            ld_library_path: ld_library_path
                .map(|list| {
                    list.split([':', ';'])
                        .filter(|dir| dir.starts_with('/'))
                        .map(PathBuf::from)
                        .collect()
                })
                .unwrap_or_default(),
            cache: LdCache::read(&cache_path),
            cache_path,
            conf_directories: ldconf::directories(Path::new(ldconf::HOST_CONF)),
        }
    }

    /// Finds library `name` for an object with search directories `paths`, or lists the
    /// places tried.
    pub fn find(&self, name: &str, paths: &ObjectPaths) -> Result<PathBuf, Vec<Tried>> {
        let mut tried = Vec::new();
        if name.contains('/') {
            let path = PathBuf::from(name);
            let tried = Tried {
                place: path.clone(),
                why: "path",
            };
            return if is_loadable(&path) {
                Ok(path)
            } else {
                Err(vec![tried])
            };
        }

        let runpath_set = !paths.runpath.is_empty();
        let directories = [
            (&paths.rpath, "DT_RPATH"),
            (&self.ld_library_path, "LD_LIBRARY_PATH"),
            (&paths.runpath, "DT_RUNPATH"),
        ];
        for (list, why) in directories {
            if why == "DT_RPATH" && runpath_set {
                continue;
            }
            if let Some(found) = search(list, name, why, &mut tried) {
                return Ok(found);
            }
        }

        if let Some(path) = self.cache.get(name).filter(|path| is_loadable(path)) {
            return Ok(path.to_owned());
        }
        tried.push(Tried {
            place: self.cache_path.clone(),
            why: "the ld.so cache",
        });
        if let Some(found) = search(&self.conf_directories, name, "ld.so.conf", &mut tried) {
            return Ok(found);
        }
        let defaults: Vec<PathBuf> = DEFAULT_DIRECTORIES.iter().map(PathBuf::from).collect();
        search(&defaults, name, "default", &mut tried).ok_or(tried)
    }
}

/// Looks for `name` in each of `directories`, noting each one tried once.
fn search(
    directories: &[PathBuf],
    name: &str,
    why: &'static str,
    tried: &mut Vec<Tried>,
) -> Option<PathBuf> {
    for directory in directories {
        if tried.iter().any(|earlier| earlier.place == *directory) {
            continue;
        }
        let candidate = directory.join(name);
        if is_loadable(&candidate) {
            return Some(candidate);
        }
        tried.push(Tried {
            place: directory.clone(),
            why,
        });
    }
    None
}

/// Whether `path` is a file the dynamic linker of an x86-64 program would load: it skips
/// libraries of other architectures and goes on searching.
fn is_loadable(path: &Path) -> bool {
    let mut header = [0u8; 20];
    let read = File::open(path).and_then(|mut file| file.read_exact(&mut header));
    read.is_ok() && is_x86_64(&header)
}

/// Expands `$ORIGIN` (the directory of the object, `origin`), `$LIB` and `$PLATFORM` in one
/// search path entry. Entries that are empty or relative depend on the working directory at
/// run time and are skipped, with a warning.
pub fn expand(entry: &str, origin: &Path) -> Option<PathBuf> {
    let origin = origin.to_string_lossy();
    let mut expanded = entry.to_owned();
    for (token, value) in [
        ("ORIGIN", origin.as_ref()),
        ("LIB", LIB_EXPANSION),
        ("PLATFORM", PLATFORM_EXPANSION),
    ] {
        expanded = expanded
            .replace(&format!("${{{token}}}"), value)
            .replace(&format!("${token}"), value);
    }
    if !expanded.starts_with('/') {
        log::warn!("search path entry `{entry}` is relative to the working directory: skipped");
        return None;
    }
    Some(PathBuf::from(expanded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_origin_lib_and_platform() {
        let origin = Path::new("/opt/app/bin");
        assert_eq!(
            expand("$ORIGIN/../lib", origin),
            Some(PathBuf::from("/opt/app/bin/../lib"))
        );
        assert_eq!(
            expand("${ORIGIN}/x", origin),
            Some(PathBuf::from("/opt/app/bin/x"))
        );
        assert_eq!(
            expand("/opt/$LIB/$PLATFORM", origin),
            Some(PathBuf::from("/opt/lib/x86_64-linux-gnu/x86_64"))
        );
        assert_eq!(expand("", origin), None);
        assert_eq!(expand("lib", origin), None);
    }

    #[test]
    fn runpath_turns_rpath_off_and_comes_after_ld_library_path() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (dir.path().join("first"), dir.path().join("second"));
        for sub in [&first, &second] {
            std::fs::create_dir(sub).unwrap();
            std::fs::copy("/lib/x86_64-linux-gnu/libm.so.6", sub.join("libm.so.6")).unwrap();
        }
        let search = SearchPaths {
            ld_library_path: vec![second.clone()],
            ..SearchPaths::default()
        };
        let with_rpath = ObjectPaths {
            rpath: vec![first.clone()],
            runpath: vec![],
        };
        assert_eq!(
            search.find("libm.so.6", &with_rpath),
            Ok(first.join("libm.so.6"))
        );
        let with_both = ObjectPaths {
            rpath: vec![first.clone()],
            runpath: vec![first],
        };
        assert_eq!(
            search.find("libm.so.6", &with_both),
            Ok(second.join("libm.so.6"))
        );
    }

    #[test]
    fn skips_files_that_are_not_x86_64_libraries() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("libm.so.6"), b"not an ELF file").unwrap();
        let search = SearchPaths::host(None);
        let paths = ObjectPaths {
            rpath: vec![dir.path().to_owned()],
            runpath: vec![],
        };
        let found = search.find("libm.so.6", &paths).unwrap();
        assert_ne!(found, dir.path().join("libm.so.6"));
    }

    #[test]
    fn lists_every_place_tried() {
        let search = SearchPaths::host(Some("/nonexistent/ld-path"));
        let paths = ObjectPaths {
            rpath: vec![],
            runpath: vec![PathBuf::from("/nonexistent/run")],
        };
        let tried = search.find("libpith-missing.so.1", &paths).unwrap_err();
        let tried: Vec<String> = tried.iter().map(Tried::to_string).collect();
        assert_eq!(tried[0], "/nonexistent/ld-path (LD_LIBRARY_PATH)");
        assert_eq!(tried[1], "/nonexistent/run (DT_RUNPATH)");
        assert_eq!(tried[2], "/etc/ld.so.cache (the ld.so cache)");
        let has = |place: &str| tried.iter().any(|tried| tried == place);
        assert!(has("/usr/lib/x86_64-linux-gnu (ld.so.conf)"), "{tried:?}");
        assert!(has("/lib64 (default)"), "{tried:?}");
        assert!(
            !has("/usr/lib/x86_64-linux-gnu (default)"),
            "tried once: {tried:?}"
        );
    }
}
