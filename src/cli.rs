//! Command-line arguments. clap's types stay in this file; the rest of kiln
//! sees only `Command`.

use crate::{Color, Command, DiffAgainst, Filter, Format};
use clap::{Parser, Subcommand, ValueEnum};
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
    /// Show what a change does to the generated files, or how the repo drifted from kiln.toml.
    ///
    /// Exits 0 when there is no difference, 1 when there are differences, 2 on error.
    Diff {
        /// The repo that holds kiln.toml.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Compare with the render of kiln.toml at this git revision instead of the disk.
        #[arg(long, value_name = "REF", conflicts_with = "against")]
        base: Option<String>,
        /// Compare with the generated files of another directory instead of the disk.
        #[arg(long, value_name = "DIR")]
        against: Option<PathBuf>,
        /// Per-file line counts only.
        #[arg(long, conflicts_with = "semantic")]
        stat: bool,
        /// Per Kubernetes object, field by field; reordering and formatting are not changes.
        /// With --format json or markdown, drops files that differ only that way.
        #[arg(long)]
        semantic: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Only this environment (repeatable).
        #[arg(long = "env", value_name = "ENV")]
        environments: Vec<String>,
        /// Only this service.
        #[arg(long, value_name = "SERVICE")]
        service: Option<String>,
        /// When to colour the output.
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
        /// Accepted for `git diff` muscle memory: the exit code always tells.
        #[arg(long)]
        exit_code: bool,
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

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
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
        Subcommands::Diff {
            dir,
            base,
            against,
            stat,
            semantic,
            format,
            environments,
            service,
            color,
            exit_code: _,
        } => {
            let against = match (base, against) {
                (Some(revision), _) => DiffAgainst::Revision(revision),
                (None, Some(other)) => DiffAgainst::Directory(other),
                (None, None) => DiffAgainst::Disk,
            };
            let format = match (format, stat, semantic) {
                (OutputFormat::Json, _, _) => Format::Json,
                (OutputFormat::Markdown, _, _) => Format::Markdown,
                (OutputFormat::Text, true, _) => Format::Stat,
                (OutputFormat::Text, _, true) => Format::Semantic,
                (OutputFormat::Text, false, false) => Format::Text,
            };
            let color = match color {
                ColorChoice::Auto => Color::Auto,
                ColorChoice::Always => Color::Always,
                ColorChoice::Never => Color::Never,
            };
            Command::Diff {
                dir,
                against,
                format,
                filter: Filter {
                    environments,
                    service,
                    semantic,
                },
                color,
            }
        }
    }
}
