//! Command-line arguments. clap's types stay in this file; the rest of kiln
//! sees only `Command`.

use crate::Command;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Expand one small kiln.toml into everything a microservice repo needs to run on Kubernetes.
#[derive(Parser)]
#[command(name = "kiln", version, about, propagate_version = true)]
struct Arguments {
    #[command(subcommand)]
    command: Subcommands,
}

#[derive(Subcommand)]
enum Subcommands {
    /// Start a new repo: write a starter kiln.toml and build it.
    Init {
        /// Directory to create the repo in.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Project name; defaults to the directory's name.
        #[arg(long)]
        name: Option<String>,
    },
    /// Render kiln.toml and write what changed.
    Build {
        /// The repo that holds kiln.toml.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Print the plan (create, update, delete, unchanged per file) and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Overwrite or delete files that were edited by hand since kiln wrote them.
        #[arg(long)]
        force: bool,
    },
    /// Validate kiln.toml and report every problem; write nothing.
    Check {
        /// The repo that holds kiln.toml.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Hand generated files to you for good: kiln never writes or deletes them again.
    Eject {
        /// Files to eject, relative to the repo.
        #[arg(required = true)]
        paths: Vec<String>,
        /// The repo that holds kiln.toml.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
}

/// Parses the process arguments; on a usage error clap prints it and exits 2.
pub fn parse() -> Command {
    match Arguments::parse().command {
        Subcommands::Init { dir, name } => Command::Init { dir, name },
        Subcommands::Build {
            dir,
            dry_run,
            force,
        } => Command::Build {
            dir,
            dry_run,
            force,
        },
        Subcommands::Check { dir } => Command::Check { dir },
        Subcommands::Eject { paths, dir } => Command::Eject { dir, paths },
    }
}
