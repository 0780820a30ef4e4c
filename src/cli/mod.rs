//! Command-line arguments. clap's types stay in `cli/`; the rest of kiln
//! sees only `Command`.

mod args;
mod complete;
mod help;
mod man;

pub use complete::completions;
pub use man::man_pages;

use crate::{
    CheckFormat, Color, Command, DiffAgainst, Filter, Format, Invocation, PrereqsFormat, Shell,
    TemplatesAction, Verbosity,
};
use args::*;
use clap::FromArgMatches;
use help::command;
use std::path::PathBuf;

/// Parses the process arguments; on a usage error clap prints it and exits 2.
/// Run by a shell's completion script (`COMPLETE=bash kiln -- ...`), prints
/// the completions instead and exits 0.
pub fn parse() -> Invocation {
    clap_complete::CompleteEnv::with_factory(command).complete();
    let arguments =
        Arguments::from_arg_matches(&command().get_matches()).unwrap_or_else(|err| err.exit());
    Invocation {
        directories: arguments
            .directories
            .into_iter()
            .map(PathBuf::from)
            .collect(),
        command: convert(arguments.command),
    }
}

fn convert(command: Subcommands) -> Command {
    match command {
        Subcommands::Init { dir, name, preset } => Command::Init { dir, name, preset },
        Subcommands::Explain {
            environment,
            service,
            key,
            dir,
        } => Command::Explain {
            dir,
            environment,
            service,
            key,
        },
        Subcommands::Templates { action } => match action {
            TemplatesCommand::List { dir } => Command::Templates {
                dir,
                action: TemplatesAction::List,
            },
            TemplatesCommand::Show { name } => Command::Templates {
                dir: PathBuf::from("."),
                action: TemplatesAction::Show(name),
            },
            TemplatesCommand::Eject { name, dir } => Command::Templates {
                dir,
                action: TemplatesAction::Eject(name),
            },
        },
        Subcommands::Presets {
            action: PresetsCommand::List,
        } => Command::Presets,
        Subcommands::Schema => Command::Schema,
        Subcommands::Completions { shell } => Command::Completions {
            shell: match shell {
                ShellChoice::Bash => Shell::Bash,
                ShellChoice::Zsh => Shell::Zsh,
                ShellChoice::Fish => Shell::Fish,
            },
        },
        Subcommands::Man { page, out } => Command::Man { page, out },
        Subcommands::Build {
            dir,
            dry_run,
            force,
            verbose,
            quiet,
        } => Command::Build {
            dir,
            dry_run,
            force,
            verbosity: verbosity(quiet, verbose),
        },
        Subcommands::Check { dir, format, quiet } => Command::Check {
            dir,
            format: match format {
                CheckFormatChoice::Text => CheckFormat::Text,
                CheckFormatChoice::Json => CheckFormat::Json,
                CheckFormatChoice::Github => CheckFormat::Github,
            },
            verbosity: verbosity(quiet, false),
        },
        Subcommands::Render { environment, dir } => Command::Render { dir, environment },
        Subcommands::Prereqs {
            environment,
            format,
            dir,
        } => Command::Prereqs {
            dir,
            environment,
            format: match format {
                PrereqsOutput::Text => PrereqsFormat::Text,
                PrereqsOutput::Json => PrereqsFormat::Json,
            },
        },
        Subcommands::Eject { paths, dir } => Command::Eject { dir, paths },
        Subcommands::Restore { paths, dir } => Command::Restore { dir, paths },
        Subcommands::Set {
            key,
            value,
            dir,
            no_build,
        } => Command::Set {
            dir,
            key,
            value,
            build: !no_build,
        },
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
            quiet,
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
                    sources: Default::default(),
                },
                color,
                verbosity: verbosity(quiet, false),
            }
        }
    }
}

fn verbosity(quiet: bool, verbose: bool) -> Verbosity {
    match (quiet, verbose) {
        (true, _) => Verbosity::Quiet,
        (false, true) => Verbosity::Verbose,
        (false, false) => Verbosity::Normal,
    }
}
