//! The subcommands: `pith run` and `pith build`, and the application both pack.

pub mod app;
pub mod build;
pub mod run;
