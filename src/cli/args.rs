//! The arguments as clap defines them: every subcommand, option and value.

use super::complete::{environments, services, starter_apps, templates};
use clap::{ArgAction, CommandFactory, Parser, Subcommand, ValueEnum, ValueHint};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use std::path::PathBuf;

/// One small kiln.toml in, a microservice repo's Kubernetes deployment files out.
///
/// A command that works on a repo finds it as cargo finds Cargo.toml: in the
/// current directory, or the nearest one above it that holds a kiln.toml, so
/// `kiln diff` works from `deploy/prod/` too.
#[derive(Parser)]
#[command(name = "kiln", version, about, propagate_version = true)]
pub(super) struct Arguments {
    /// Run as if kiln was started in DIR
    ///
    /// Relative paths in other arguments are then relative to DIR. Repeatable, each relative
    /// to the one before, as `git -C`.
    // An OsString, not a PathBuf, so that `-C ""` is allowed: in git, no change.
    #[arg(short = 'C', value_name = "DIR", action = ArgAction::Append, value_hint = ValueHint::DirPath,
          value_parser = clap::builder::ValueParser::os_string())]
    pub(super) directories: Vec<std::ffi::OsString>,
    #[command(subcommand)]
    pub(super) command: Subcommands,
}

#[derive(Subcommand)]
pub(super) enum Subcommands {
    /// Start a new repo: write a starter kiln.toml and build it.
    Init {
        /// Directory to create the repo in.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Project name; defaults to the directory's name.
        #[arg(long)]
        name: Option<String>,
        /// Starter app to begin from (see `kiln presets list`); default `starter`.
        #[arg(long, value_name = "NAME", add = ArgValueCandidates::new(starter_apps))]
        preset: Option<String>,
    },
    /// Render kiln.toml and write what changed.
    Build {
        /// The repo, or a directory in it: the nearest one from here up with a kiln.toml.
        #[arg(long, default_value = ".", value_hint = ValueHint::DirPath)]
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
        /// The repo, or a directory in it: the nearest one from here up with a kiln.toml.
        #[arg(long, default_value = ".", value_hint = ValueHint::DirPath)]
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
        #[arg(add = ArgValueCandidates::new(environments))]
        environment: String,
        /// The repo, or a directory in it: the nearest one from here up with a kiln.toml.
        #[arg(long, default_value = ".", value_hint = ValueHint::DirPath)]
        dir: PathBuf,
    },
    /// List what the cluster must already have before `kubectl apply -k deploy/ENV`.
    ///
    /// Custom resource definitions by API group, namespaces kiln does not create and what must
    /// run there, every Secret the output reads with the keys it must hold, and the rest.
    Prereqs {
        /// Only this environment, a key of `[environments]`; default every one.
        #[arg(add = ArgValueCandidates::new(environments))]
        environment: Option<String>,
        /// Output format; `json` is described by docs/prereqs.schema.json.
        #[arg(long, value_enum, default_value_t = PrereqsOutput::Text)]
        format: PrereqsOutput,
        /// The repo, or a directory in it: the nearest one from here up with a kiln.toml.
        #[arg(long, default_value = ".", value_hint = ValueHint::DirPath)]
        dir: PathBuf,
    },
    /// Show what a change does to the generated files, or how the repo drifted from kiln.toml.
    ///
    /// Exits 0 when there is no difference, 1 when there are differences, 2 on error.
    Diff {
        /// The repo, or a directory in it: the nearest one from here up with a kiln.toml.
        #[arg(long, default_value = ".", value_hint = ValueHint::DirPath)]
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
        #[arg(long = "env", value_name = "ENV", add = ArgValueCandidates::new(environments))]
        environments: Vec<String>,
        /// Only this service.
        #[arg(long, value_name = "SERVICE", add = ArgValueCandidates::new(services))]
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
        /// The repo, or a directory in it: the nearest one from here up with a kiln.toml.
        #[arg(long, default_value = ".", value_hint = ValueHint::DirPath)]
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
        #[arg(add = ArgValueCandidates::new(environments))]
        environment: String,
        /// The service, a key of `[services]`.
        #[arg(add = ArgValueCandidates::new(services))]
        service: String,
        /// Only this setting (`replicas`, `env.LOG_LEVEL`, ...).
        key: Option<String>,
        /// The repo, or a directory in it: the nearest one from here up with a kiln.toml.
        #[arg(long, default_value = ".", value_hint = ValueHint::DirPath)]
        dir: PathBuf,
    },
    /// List, show or eject the templates kiln renders; `.kiln/templates/` overrides them.
    Templates {
        #[command(subcommand)]
        action: TemplatesCommand,
    },
    /// The presets: service archetypes and starter apps, bundled, and the repo's own.
    Presets {
        #[command(subcommand)]
        action: PresetsCommand,
    },
    /// Print the JSON Schema (draft 2020-12) of kiln.toml, for editors.
    Schema,
    /// Print a shell's completion script; it asks kiln, as you type, for the repo's names.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: ShellChoice,
    },
    /// Print a man page (roff), or write them all: kiln(1) and one per subcommand.
    Man {
        /// The subcommand whose page to print (`diff`, `templates list`); default kiln(1).
        #[arg(value_name = "COMMAND", add = ArgValueCandidates::new(subcommands))]
        page: Vec<String>,
        /// Write every page into this directory instead (`kiln.1`, `kiln-build.1`, ...).
        #[arg(long, value_name = "DIR", conflicts_with = "page", value_hint = ValueHint::DirPath)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub(super) enum TemplatesCommand {
    /// Every bundled template, marked `overridden` when `.kiln/templates/` replaces it.
    List {
        /// The repo, or a directory in it: the nearest one from here up with a kiln.toml.
        #[arg(long, default_value = ".", value_hint = ValueHint::DirPath)]
        dir: PathBuf,
    },
    /// Print a bundled template.
    Show {
        /// The template's path, as `kiln templates list` prints it.
        #[arg(add = ArgValueCandidates::new(templates))]
        name: String,
    },
    /// Copy a bundled template into `.kiln/templates/`, where it overrides the bundled one.
    Eject {
        /// The template's path, as `kiln templates list` prints it.
        #[arg(add = ArgValueCandidates::new(templates))]
        name: String,
        /// The repo, or a directory in it: the nearest one from here up with a kiln.toml.
        #[arg(long, default_value = ".", value_hint = ValueHint::DirPath)]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
pub(super) enum PresetsCommand {
    /// Every preset with a one-line description: bundled, then the repo's own (`.kiln/presets`).
    List,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum ShellChoice {
    Bash,
    Zsh,
    Fish,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum OutputFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum PrereqsOutput {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum CheckFormatChoice {
    Text,
    Json,
    Github,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The subcommands, for completing `kiln help SUB`.
pub(super) fn subcommands() -> Vec<CompletionCandidate> {
    super::complete::candidates(
        Arguments::command()
            .get_subcommands()
            .map(|sub| sub.get_name().to_string()),
    )
}
