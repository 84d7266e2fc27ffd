//! Finds everything a dynamically linked program needs from the host, the way glibc's dynamic
//! linker would find it (ld.so(8)), without ever running the program: its interpreter, the
//! closure of its DT_NEEDED libraries, what glibc loads by name (NSS, gconv, locales), and
//! its language runtime's library tree. The image keeps each at its host path.

mod dynamic;
mod glibc;
mod ldcache;
mod ldconf;
mod runtime;
mod search;

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::manifest::RuntimeChoice;
use dynamic::DynamicInfo;
use search::{ObjectPaths, SearchPaths, Tried};

pub use runtime::{Exclude, Runtime, RuntimeTree};

#[derive(Debug, Error)]
pub enum DepsError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{} cannot be loaded: {problem}", path.display())]
    BadElf {
        path: PathBuf,
        problem: &'static str,
    },
    #[error("{}", MissingList(.0))]
    Missing(Vec<Missing>),
    #[error(
        "the manifest asks for the {runtime} runtime, but none of its library directories is on \
         this host: install it, or set runtime = \"none\" and list its files under `files`"
    )]
    NoRuntimeTree { runtime: &'static str },
}

/// A library that is not on the host.
#[derive(Debug)]
pub struct Missing {
    pub name: String,
    pub needed_by: PathBuf,
    pub tried: Vec<Tried>,
}

struct MissingList<'a>(&'a [Missing]);

impl fmt::Display for MissingList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, missing) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            let tried: Vec<String> = missing.tried.iter().map(Tried::to_string).collect();
            write!(
                f,
                "library {}, needed by {}, is not on this host (searched {})",
                missing.name,
                missing.needed_by.display(),
                tried.join(", ")
            )?;
        }
        write!(
            f,
            ": install the package that provides it, or name its directory with \
             -e LD_LIBRARY_PATH=DIR"
        )
    }
}

/// What to resolve.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The program, a canonical host path.
    pub program: &'a Path,
    /// Libraries the program loads by name at run time.
    pub libraries: &'a [String],
    pub runtime: RuntimeChoice,
    pub locales: bool,
    /// The program's `LD_LIBRARY_PATH`, if its environment sets one.
    pub ld_library_path: Option<&'a str>,
    /// Guest paths the user leaves out.
    pub exclude: &'a [glob::Pattern],
}

/// What the program needs from the host, by host path.
#[derive(Debug, Default)]
pub struct Closure {
    pub interpreter: Option<PathBuf>,
    /// Shared libraries, as the search found them (links not resolved), in load order.
    pub libraries: Vec<PathBuf>,
    /// Directories to copy whole: a runtime's library tree, gconv modules, locales.
    pub trees: Vec<RuntimeTree>,
    pub runtime: Option<Runtime>,
}

/// Resolves everything `request.program` needs, or names every library that is missing.
pub fn resolve(request: &Request) -> Result<Closure, DepsError> {
    let program = dynamic::read(request.program)?;
    let mut resolver = Resolver::new(SearchPaths::host(request.ld_library_path));
    let mut closure = Closure::default();

    if let Some(interpreter) = &program.interpreter {
        resolver.add_interpreter(interpreter, request.program)?;
        closure.interpreter = Some(interpreter.clone());
    }
    let dynamic = program.interpreter.is_some();
    let required = Pending::new(request.program, program.clone(), Vec::new(), false);
    resolver.load_all(&required, request.libraries);
    resolver.queue.push_back(required);

    closure.trees = runtime_trees(request, &program, &mut closure.runtime)?;
    for tree in &closure.trees {
        resolver.add_extensions(tree, request.exclude)?;
    }
    resolver.drain();

    if dynamic {
        add_glibc_extras(&mut resolver, &mut closure, request)?;
    }
    if !resolver.missing.is_empty() {
        return Err(DepsError::Missing(resolver.missing));
    }
    closure.libraries = resolver.found;
    Ok(closure)
}

/// The runtime's trees, if the program is an interpreter (or the manifest names one).
fn runtime_trees(
    request: &Request,
    program: &DynamicInfo,
    identified: &mut Option<Runtime>,
) -> Result<Vec<RuntimeTree>, DepsError> {
    let Some((runtime, version)) = runtime::identify(request.program, request.runtime) else {
        return Ok(Vec::new());
    };
    *identified = Some(runtime);
    let trees = runtime::trees(runtime, request.program, version, &program.needed);
    let wants_tree = matches!(runtime, Runtime::Python | Runtime::Perl | Runtime::Ruby);
    if trees.is_empty() && wants_tree {
        if request.runtime != RuntimeChoice::Auto {
            return Err(DepsError::NoRuntimeTree {
                runtime: runtime.name(),
            });
        }
        log::warn!(
            "{} looks like {}, but its library directory is not on this host: it will run \
             without its standard library",
            request.program.display(),
            runtime.name()
        );
    }
    Ok(trees)
}

/// NSS modules and gconv when the closure imports what loads them; locales when asked.
fn add_glibc_extras(
    resolver: &mut Resolver,
    closure: &mut Closure,
    request: &Request,
) -> Result<(), DepsError> {
    if resolver.uses_nss {
        let nss: Vec<String> = glibc::NSS_LIBRARIES
            .iter()
            .map(|name| name.to_string())
            .collect();
        let optional = Pending::new(request.program, DynamicInfo::default(), Vec::new(), true);
        resolver.load_all(&optional, &nss);
        resolver.drain();
    }
    if resolver.uses_iconv {
        if let Some(tree) = resolver
            .libc_directory
            .as_deref()
            .and_then(glibc::gconv_directory)
        {
            let tree = RuntimeTree {
                root: tree,
                exclude: Vec::new(),
            };
            resolver.add_extensions(&tree, request.exclude)?;
            resolver.drain();
            closure.trees.push(tree);
        }
    }
    if request.locales {
        if let Some(root) = glibc::locale_directory() {
            closure.trees.push(RuntimeTree {
                root,
                exclude: Vec::new(),
            });
        }
    }
    Ok(())
}

/// An ELF object whose DT_NEEDED libraries are still to be found.
struct Pending {
    path: PathBuf,
    info: DynamicInfo,
    /// DT_RPATH directories of the objects that led to this one, nearest first.
    inherited_rpath: Vec<PathBuf>,
    /// Whether what it needs may be missing (extension modules, NSS), with a warning.
    optional: bool,
}

impl Pending {
    fn new(path: &Path, info: DynamicInfo, inherited_rpath: Vec<PathBuf>, optional: bool) -> Self {
        let path = path.to_owned();
        Pending {
            path,
            info,
            inherited_rpath,
            optional,
        }
    }

    /// The object's own search directories, `$ORIGIN` being its (resolved) directory.
    fn paths(&self) -> ObjectPaths {
        let canonical = std::fs::canonicalize(&self.path).unwrap_or_else(|_| self.path.clone());
        let origin = canonical.parent().unwrap_or(Path::new("/"));
        let expand = |list: &[String]| -> Vec<PathBuf> {
            list.iter()
                .filter_map(|entry| search::expand(entry, origin))
                .collect()
        };
        let mut rpath = expand(&self.info.rpath);
        rpath.extend(self.inherited_rpath.iter().cloned());
        ObjectPaths {
            rpath,
            runpath: expand(&self.info.runpath),
        }
    }
}

/// The breadth-first walk over DT_NEEDED that the dynamic linker makes.
struct Resolver {
    search: SearchPaths,
    /// Names already satisfied: sonames, and names as DT_NEEDED gave them.
    loaded: HashSet<String>,
    found_paths: HashSet<PathBuf>,
    found: Vec<PathBuf>,
    queue: VecDeque<Pending>,
    missing: Vec<Missing>,
    uses_nss: bool,
    uses_iconv: bool,
    libc_directory: Option<PathBuf>,
}

impl Resolver {
    fn new(search: SearchPaths) -> Resolver {
        Resolver {
            search,
            loaded: HashSet::new(),
            found_paths: HashSet::new(),
            found: Vec::new(),
            queue: VecDeque::new(),
            missing: Vec::new(),
            uses_nss: false,
            uses_iconv: false,
            libc_directory: None,
        }
    }

    /// The dynamic linker is loaded first; libc's DT_NEEDED on it is satisfied by its soname.
    fn add_interpreter(&mut self, interpreter: &Path, program: &Path) -> Result<(), DepsError> {
        if !interpreter.exists() {
            return Err(DepsError::Missing(vec![Missing {
                name: interpreter.display().to_string(),
                needed_by: program.to_owned(),
                tried: vec![Tried {
                    place: interpreter.to_owned(),
                    why: "PT_INTERP",
                }],
            }]));
        }
        let info = dynamic::read(interpreter)?;
        self.loaded.extend(info.soname);
        self.loaded.extend(file_name(interpreter));
        self.found_paths.insert(interpreter.to_owned());
        Ok(())
    }

    /// Finds `names` as if `object` needed them.
    fn load_all(&mut self, object: &Pending, names: &[String]) {
        let paths = object.paths();
        for name in names {
            if self.loaded.contains(name) {
                continue;
            }
            match self.search.find(name, &paths) {
                Ok(path) => self.load(name, path, object, &paths.rpath),
                Err(_) if object.optional => log::warn!(
                    "{name}, which {} may load, is not on this host: left out",
                    object.path.display()
                ),
                Err(tried) => self.missing.push(Missing {
                    name: name.clone(),
                    needed_by: object.path.clone(),
                    tried,
                }),
            }
        }
    }

    fn load(&mut self, name: &str, path: PathBuf, by: &Pending, rpath: &[PathBuf]) {
        self.loaded.insert(name.to_owned());
        if !self.found_paths.insert(path.clone()) {
            return;
        }
        let info = match dynamic::read(&path) {
            Ok(info) => info,
            Err(error) => {
                log::warn!("{error}: its own dependencies are not searched");
                DynamicInfo::default()
            }
        };
        self.loaded.extend(info.soname.clone());
        if name == "libc.so.6" {
            self.libc_directory = path.parent().map(Path::to_owned);
        }
        self.found.push(path.clone());
        let pending = Pending::new(&path, info, rpath.to_vec(), by.optional);
        self.queue.push_back(pending);
    }

    /// Queues the shared objects of a runtime tree, whose own dependencies are optional.
    fn add_extensions(
        &mut self,
        tree: &RuntimeTree,
        exclude: &[glob::Pattern],
    ) -> Result<(), DepsError> {
        let patterns: Vec<glob::Pattern> = tree.exclude.iter().chain(exclude).cloned().collect();
        let root = std::fs::canonicalize(&tree.root).unwrap_or_else(|_| tree.root.clone());
        for path in runtime::shared_objects(&root, Exclude(&patterns))? {
            match dynamic::read(&path) {
                Ok(info) => self
                    .queue
                    .push_back(Pending::new(&path, info, Vec::new(), true)),
                Err(error) => log::debug!("{error}: not searched for dependencies"),
            }
        }
        Ok(())
    }

    /// Finds the dependencies of everything queued, and of what they need, and so on.
    fn drain(&mut self) {
        while let Some(object) = self.queue.pop_front() {
            self.uses_nss |= object.info.uses_nss;
            self.uses_iconv |= object.info.uses_iconv;
            let needed = object.info.needed.clone();
            self.load_all(&object, &needed);
        }
    }
}

fn file_name(path: &Path) -> Option<String> {
    Some(path.file_name()?.to_str()?.to_owned())
}

#[cfg(test)]
mod tests;
