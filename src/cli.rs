//! Command-line arguments. clap's types stay in this file; the rest of kiln
//! sees only `Command`.

use crate::{
    CheckFormat, Color, Command, DiffAgainst, Filter, Format, PrereqsFormat, Shell,
    TemplatesAction, Verbosity,
};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
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
        /// Starter app to begin from (see `kiln presets list`); default `starter`.
        #[arg(long, value_name = "NAME")]
        preset: Option<String>,
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
        /// Also list the files that stay unchanged.
        #[arg(short, long, conflicts_with = "quiet")]
        verbose: bool,
        /// Print nothing but errors; the exit code tells (0 done, 2 error).
        #[arg(short, long)]
        quiet: bool,
    },
    /// Validate kiln.toml and report every problem; write nothing.
    Check {
        /// The repo that holds kiln.toml.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// How to report: text on stderr, one JSON document, or GitHub Actions annotations.
        #[arg(long, value_enum, default_value_t = CheckFormatChoice::Text)]
        format: CheckFormatChoice,
        /// Print nothing when the config is valid; the exit code tells (0 valid, 2 not).
        #[arg(short, long)]
        quiet: bool,
    },
    /// Print one environment's objects as a single YAML stream, in apply order; write nothing.
    ///
    /// As `helm template` or `kubectl kustomize`: pipe it to `kubectl apply -f -`,
    /// kubeconform or a policy engine.
    Render {
        /// The environment, a key of `[environments]`.
        environment: String,
        /// The repo that holds kiln.toml.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// List what the cluster must already have before `kubectl apply -k deploy/ENV`.
    ///
    /// Custom resource definitions by API group, namespaces kiln does not create and what must
    /// run there, every Secret the output reads with the keys it must hold, and the rest.
    Prereqs {
        /// Only this environment, a key of `[environments]`; default every one.
        environment: Option<String>,
        /// Output format; `json` is described by docs/prereqs.schema.json.
        #[arg(long, value_enum, default_value_t = PrereqsOutput::Text)]
        format: PrereqsOutput,
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
        /// Field by field: Kubernetes objects by identity, other YAML as one document, other
        /// files as text hunks; list items matched by name or value, not position. Files that
        /// differ only in formatting, key order or the order of named items are dropped.
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
        /// Print nothing but errors, as `git diff --quiet`: exit 1 when anything differs.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Change one value in kiln.toml, keeping its comments and layout; check it, then build.
    ///
    /// Nothing is written when the edited kiln.toml has a problem (exit 2) or the build would
    /// stop on a hand edit. VALUE is read as TOML (`5`, `true`, `["a", "b"]`, `{ min = 2 }`,
    /// `'"quoted"'`); anything else is a string (`1.4.0`, `debug`), and so is a number or
    /// boolean where kiln.toml takes a string (`2.0` as a `version`).
    Set {
        /// The key, dotted as in kiln.toml: `services.api.version`,
        /// `services.api.environments.prod.replicas`; quote a part that holds a dot:
        /// `services.api.env."log.level"`.
        key: String,
        /// The new value.
        #[arg(allow_hyphen_values = true)]
        value: String,
        /// The repo that holds kiln.toml.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Only change kiln.toml; run `kiln build` later.
        #[arg(long)]
        no_build: bool,
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
    /// Give ejected files back to kiln: each is rewritten from kiln.toml, hand edits replaced.
    ///
    /// Whatever was edited in an ejected file is replaced by what kiln.toml renders: that is
    /// what restoring is for, and the output says so for each file. Only ejected files that
    /// kiln.toml still renders can be restored; nothing is written if any path is not one.
    Restore {
        /// Ejected files to give back, relative to the repo.
        #[arg(required = true)]
        paths: Vec<String>,
        /// The repo that holds kiln.toml.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Print the effective value of every setting of a service in an environment, and where it came from.
    Explain {
        /// The environment, a key of `[environments]`.
        environment: String,
        /// The service, a key of `[services]`.
        service: String,
        /// Only this setting (`replicas`, `env.LOG_LEVEL`, ...).
        key: Option<String>,
        /// The repo that holds kiln.toml.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// List, show or eject the templates kiln renders; `.kiln/templates/` overrides them.
    Templates {
        #[command(subcommand)]
        action: TemplatesCommand,
    },
    /// The bundled presets: service archetypes and starter apps.
    Presets {
        #[command(subcommand)]
        action: PresetsCommand,
    },
    /// Print the JSON Schema (draft 2020-12) of kiln.toml, for editors.
    Schema,
    /// Print a shell completion script.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: ShellChoice,
    },
    /// Print kiln's man page (roff), generated from these definitions.
    Man,
}

#[derive(Subcommand)]
enum TemplatesCommand {
    /// Every bundled template, marked `overridden` when `.kiln/templates/` replaces it.
    List {
        /// The repo that holds kiln.toml.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Print a bundled template.
    Show {
        /// The template's path, as `kiln templates list` prints it.
        name: String,
    },
    /// Copy a bundled template into `.kiln/templates/`, where it overrides the bundled one.
    Eject {
        /// The template's path, as `kiln templates list` prints it.
        name: String,
        /// The repo that holds kiln.toml.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum PresetsCommand {
    /// Every bundled preset with a one-line description.
    List,
}

#[derive(Clone, Copy, ValueEnum)]
enum ShellChoice {
    Bash,
    Zsh,
    Fish,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum PrereqsOutput {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormatChoice {
    Text,
    Json,
    Github,
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
        Subcommands::Man => Command::Man,
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

/// Writes the completion script of `shell`, generated from the definitions above.
pub fn completions(shell: Shell, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut command = Arguments::command();
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    // clap_complete panics when a write fails: it writes to memory, kiln writes it out.
    let mut script = Vec::new();
    clap_complete::generate(generator, &mut command, "kiln", &mut script);
    out.write_all(&script)
}

/// Writes the man page, `kiln.1` in roff, generated from the definitions
/// above; its SUBCOMMANDS section lists every subcommand.
pub fn man(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Arguments::command()).render(out)
}
