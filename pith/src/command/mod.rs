//! The subcommands: `pith run` and `pith build`.

pub mod build;
pub mod run;
