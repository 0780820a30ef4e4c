//! kiln: one small `kiln.toml` in, a repo's Kubernetes deployment files out.
//!
//! The pipeline, one module per step:
//! `load` → `validate` → `resolve` → `render` → a sink (`write`, or a dry-run plan).

pub mod cli;
mod commands;
pub mod config;
mod cron;
mod delivery;
pub mod error;
mod escape;
pub mod load;
mod lock;
pub mod model;
mod names;
mod paths;
mod plan;
mod quantity;
pub mod render;
pub mod resolve;
pub mod validate;
mod write;
mod yaml;

pub use error::Error;
use std::path::PathBuf;

/// What the user asked for, free of any argument parser's types.
pub enum Command {
    Init {
        dir: PathBuf,
        name: Option<String>,
    },
    Build {
        dir: PathBuf,
        dry_run: bool,
        force: bool,
    },
    Check {
        dir: PathBuf,
    },
    Eject {
        dir: PathBuf,
        paths: Vec<String>,
    },
}

/// Runs one command, printing its report to `out`.
pub fn run(command: Command, out: &mut dyn std::io::Write) -> Result<(), Error> {
    match command {
        Command::Init { dir, name } => commands::init(&dir, name.as_deref(), out),
        Command::Build {
            dir,
            dry_run,
            force,
        } => commands::build(&dir, dry_run, force, out),
        Command::Check { dir } => commands::check(&dir, out),
        Command::Eject { dir, paths } => commands::eject(&dir, &paths, out),
    }
}
