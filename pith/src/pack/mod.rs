//! Packs an application into a Pith image (docs/image-format.md). The program, its
//! interpreter and libraries and its runtime's tree keep their host paths; the user's files
//! go where the user says; /etc gets what the application did not bring. The plan is made
//! whole first ([`plan`]), so that every problem is reported before anything is written.

mod error;
mod etc;
mod files;
mod host;
pub mod list;
mod spec;
mod tree;
mod write;

use std::path::Path;

use pith_image::Manifest;

use crate::deps::{self, Exclude};
pub use error::PackError;
pub use etc::is_generated_resolv_conf;
pub use spec::{AppSpec, FileMapping, MappingKind};
use tree::{Origin, Tree};
pub use write::write_image_file;

/// The search path a program gets unless its environment sets another.
const DEFAULT_PATH: &[u8] = b"PATH=/usr/local/bin:/usr/bin:/bin";

/// An image's contents, decided but not yet written.
#[derive(Debug)]
pub struct Plan {
    pub manifest: Manifest,
    pub tree: Tree,
}

impl Plan {
    /// Whether the image's /etc/resolv.conf is the one pith generates rather than the
    /// application's.
    pub fn generated_resolv_conf(&self) -> bool {
        self.tree
            .get("/etc/resolv.conf")
            .is_some_and(|node| node.origin == Origin::Generated)
    }
}

/// Decides what goes into the image of `spec`, reading the host but writing nothing.
pub fn plan(spec: &AppSpec) -> Result<Plan, PackError> {
    let program = std::fs::canonicalize(&spec.program).map_err(PackError::read(&spec.program))?;
    let guest_program = host::utf8(&program)?.to_owned();

    let mut tree = Tree::default();
    host::mirror(&mut tree, &program, Origin::Program)?;
    add_dependencies(&mut tree, spec, &program)?;
    files::add(&mut tree, &spec.files, Exclude(&spec.exclude))?;
    etc::add(&mut tree)?;

    let manifest = manifest(spec, &guest_program);
    Ok(Plan { manifest, tree })
}

/// The interpreter, libraries and trees the program needs, at their host paths.
fn add_dependencies(tree: &mut Tree, spec: &AppSpec, program: &Path) -> Result<(), PackError> {
    let ld_library_path = spec.env_var("LD_LIBRARY_PATH").map(String::from_utf8_lossy);
    let request = deps::Request {
        program,
        libraries: &spec.libraries,
        runtime: spec.runtime,
        locales: spec.locales,
        ld_library_path: ld_library_path.as_deref(),
        exclude: &spec.exclude,
    };
    let closure = deps::resolve(&request)?;
    if let Some(runtime) = closure.runtime {
        log::info!("runtime: {}", runtime.name());
    }

    if let Some(interpreter) = &closure.interpreter {
        host::mirror(tree, interpreter, Origin::Interpreter)?;
    }
    for library in &closure.libraries {
        host::mirror(tree, library, Origin::Library)?;
    }
    for runtime_tree in &closure.trees {
        let exclude: Vec<glob::Pattern> = runtime_tree
            .exclude
            .iter()
            .chain(&spec.exclude)
            .cloned()
            .collect();
        host::mirror_tree(tree, &runtime_tree.root, Exclude(&exclude))?;
    }
    Ok(())
}

/// The image manifest: `argv[0]` as the user named the program, the environment with a
/// default `PATH`.
fn manifest(spec: &AppSpec, guest_program: &str) -> Manifest {
    let args = std::iter::once(spec.argv0.clone())
        .chain(spec.args.iter().cloned())
        .collect();
    let mut env = spec.env.clone();
    if spec.env_var("PATH").is_none() {
        env.push(DEFAULT_PATH.to_vec());
    }
    Manifest {
        program: guest_program.as_bytes().to_vec(),
        args,
        env,
        workdir: spec
            .workdir
            .clone()
            .unwrap_or_else(|| "/".to_owned())
            .into_bytes(),
        read_only_root: spec.read_only_root,
    }
}

#[cfg(test)]
mod tests;
