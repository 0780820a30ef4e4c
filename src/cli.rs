//! Command-line arguments. clap's types stay in this file; the rest of kiln
//! sees only `Command`.

use crate::{
    CheckFormat, Color, Command, DiffAgainst, Filter, Format, Invocation, PrereqsFormat, Shell,
    TemplatesAction, Verbosity,
};
use clap::{ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum, ValueHint};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use std::path::PathBuf;

/// One small kiln.toml in, a microservice repo's Kubernetes deployment files out.
///
/// A command that works on a repo finds it as cargo finds Cargo.toml: in the
/// current directory, or the nearest one above it that holds a kiln.toml, so
/// `kiln diff` works from `deploy/prod/` too.
#[derive(Parser)]
#[command(name = "kiln", version, about, propagate_version = true)]
struct Arguments {
    /// Run as if kiln was started in DIR
    ///
    /// Relative paths in other arguments are then relative to DIR. Repeatable, each relative
    /// to the one before, as `git -C`.
    // An OsString, not a PathBuf, so that `-C ""` is allowed: in git, no change.
    #[arg(short = 'C', value_name = "DIR", action = ArgAction::Append, value_hint = ValueHint::DirPath,
          value_parser = clap::builder::ValueParser::os_string())]
    directories: Vec<std::ffi::OsString>,
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
    /// The bundled presets: service archetypes and starter apps.
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
enum TemplatesCommand {
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

/// The definitions, each page of `--help` ending with its examples.
fn command() -> clap::Command {
    let command = Arguments::command();
    let styles = command.get_styles().clone();
    with_examples(command, "", &styles)
}

fn with_examples(
    mut command: clap::Command,
    path: &str,
    styles: &clap::builder::Styles,
) -> clap::Command {
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_string())
        .collect();
    for name in names {
        let inner = join(path, &name);
        command = command.mut_subcommand(&name, |sub| with_examples(sub, &inner, styles));
    }
    let (header, literal) = (styles.get_header(), styles.get_literal());
    let mut help = format!("{header}Examples:{header:#}");
    for (line, what) in examples(path) {
        help.push_str(&format!("\n  {literal}{line}{literal:#}\n      {what}"));
    }
    command.after_help(help)
}

/// `templates` and `list` make `templates list`.
fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path} {name}")
    }
}

/// The examples of each page: command lines that work in the repo
/// `kiln init` makes, committed to git on `main` (tests/cli.rs runs the
/// kiln part of every one), and what each does.
fn examples(path: &str) -> &'static [(&'static str, &'static str)] {
    match path {
        "" => &[
            (
                "kiln init shop --preset shop",
                "Start a repo in ./shop from the `shop` starter app, and build it",
            ),
            (
                "kiln build",
                "Write what changed in kiln.toml to the generated files",
            ),
            (
                "kiln diff --base main --semantic",
                "What this branch changes in the output, field by field",
            ),
            (
                "kiln -C deploy/prod check",
                "Check the repo from one of its directories: kiln looks for kiln.toml upwards",
            ),
        ],
        "init" => &[
            ("kiln init", "Start a repo here, named after the directory"),
            (
                "kiln init shop --preset shop",
                "Start a repo in ./shop from the `shop` starter app (see `kiln presets list`)",
            ),
            (
                "kiln init orders --name orders-api --preset minimal",
                "One HTTP service in two environments, its project named `orders-api`",
            ),
        ],
        "build" => &[
            (
                "kiln build",
                "Write what changed; hand-edited files stop the build",
            ),
            (
                "kiln build --dry-run",
                "List what would be created, updated or deleted; write nothing",
            ),
            (
                "kiln build --dry-run -v",
                "The same, with the files that stay unchanged",
            ),
            ("kiln build -q", "Print nothing but errors: for scripts"),
        ],
        "check" => &[
            (
                "kiln check",
                "Report every problem in kiln.toml at once; write nothing",
            ),
            (
                "kiln check -q",
                "Print nothing; exit 0 when valid, 2 when not",
            ),
            (
                "kiln check --format github",
                "In a GitHub Actions step: problems become annotations on their lines",
            ),
            (
                "kiln check --format json",
                "One JSON document (docs/check.schema.json), for editors",
            ),
        ],
        "render" => &[
            (
                "kiln render prod | kubectl apply -f -",
                "Apply one environment without writing it",
            ),
            (
                "kiln render dev | kubeconform -strict -summary -",
                "Validate an environment's objects against the Kubernetes schemas",
            ),
            (
                "kiln render staging > staging.yaml",
                "One environment as one file",
            ),
        ],
        "prereqs" => &[
            (
                "kiln prereqs prod",
                "What the cluster needs before `kubectl apply -k deploy/prod`",
            ),
            (
                "kiln prereqs --format json",
                "The same for every environment, as JSON",
            ),
        ],
        "diff" => &[
            (
                "kiln diff",
                "How the files on disk drifted from kiln.toml, hand edits included",
            ),
            (
                "kiln diff --base main --stat",
                "What this branch changes, per file",
            ),
            (
                "kiln diff --base main --semantic --env prod",
                "What it changes in prod, field by field",
            ),
            (
                "kiln diff --base main --format markdown",
                "A summary for a pull request comment",
            ),
            (
                "kiln diff -q",
                "Print nothing; exit 0 when nothing differs, 1 when something does",
            ),
        ],
        "eject" => &[
            (
                "kiln eject deploy/prod/services/api/deployment.yaml",
                "Edit this file by hand from now on; kiln leaves it alone",
            ),
            (
                "kiln eject services/api/Dockerfile",
                "Keep your own Dockerfile where kiln would write one",
            ),
        ],
        "restore" => &[
            (
                "kiln restore deploy/prod/services/api/deployment.yaml",
                "Give an ejected file back to kiln: it is rewritten from kiln.toml, hand edits and all",
            ),
            (
                "kiln restore services/api/Dockerfile",
                "kiln writes this Dockerfile again from now on",
            ),
        ],
        "set" => &[
            (
                "kiln set services.api.version 1.4.0",
                "Change one value of kiln.toml, comments and layout kept, then build",
            ),
            (
                "kiln set services.api.environments.prod.replicas 5",
                "Set a value in one environment, creating the table it needs",
            ),
            (
                "kiln set --no-build project.branch trunk",
                "Only edit kiln.toml; `kiln build` later",
            ),
        ],
        "explain" => &[
            (
                "kiln explain prod api",
                "Every setting of `api` in prod, and the layer it came from",
            ),
            ("kiln explain prod api replicas", "Only `replicas`"),
            (
                "kiln explain dev api env.LOG_LEVEL",
                "Only one environment variable",
            ),
        ],
        "templates" => &[
            (
                "kiln templates list",
                "Every bundled template, marked when overridden",
            ),
            (
                "kiln templates eject k8s/service.yaml.tera",
                "Copy one into .kiln/templates/ to edit it there",
            ),
        ],
        "templates list" => &[("kiln templates list", "Every bundled template")],
        "templates show" => &[(
            "kiln templates show k8s/deployment.yaml.tera",
            "Print the template of every Deployment",
        )],
        "templates eject" => &[(
            "kiln templates eject k8s/configmap.yaml.tera",
            "Copy it into .kiln/templates/k8s/, where it overrides the bundled one",
        )],
        "presets" | "presets list" => &[(
            "kiln presets list",
            "The service presets and the starter apps, one line each",
        )],
        "schema" => &[(
            "kiln schema > kiln.schema.json",
            "The JSON Schema for an editor; `kiln init` writes it to .kiln/kiln.schema.json",
        )],
        "completions" => &[
            ("source <(kiln completions bash)", "In ~/.bashrc"),
            ("source <(kiln completions zsh)", "In ~/.zshrc"),
            (
                "kiln completions fish | source",
                "In ~/.config/fish/config.fish",
            ),
        ],
        "man" => &[
            ("kiln man | man -l -", "Read kiln(1)"),
            ("kiln man diff | man -l -", "Read kiln-diff(1)"),
            (
                "kiln man --out ~/.local/share/man/man1",
                "Install every page, for `man kiln-diff`",
            ),
        ],
        _ => &[],
    }
}

/// The environments of the repo the command line being completed works on.
fn environments() -> Vec<CompletionCandidate> {
    candidates(crate::root::names(&completing_in()).environments)
}

/// Its services.
fn services() -> Vec<CompletionCandidate> {
    candidates(crate::root::names(&completing_in()).services)
}

fn templates() -> Vec<CompletionCandidate> {
    candidates(crate::render::bundled().into_iter().map(|(name, _)| name))
}

fn starter_apps() -> Vec<CompletionCandidate> {
    candidates(
        crate::config::presets::apps()
            .into_iter()
            .map(|app| app.name.to_string()),
    )
}

fn subcommands() -> Vec<CompletionCandidate> {
    candidates(
        Arguments::command()
            .get_subcommands()
            .map(|sub| sub.get_name().to_string()),
    )
}

fn candidates(names: impl IntoIterator<Item = String>) -> Vec<CompletionCandidate> {
    names.into_iter().map(CompletionCandidate::new).collect()
}

/// Where the command line being completed works, from the shell's current
/// directory: after its `-C` directories, at its `--dir`. The shell's script
/// runs `kiln -- kiln WORDS...`; nothing but the words is known.
fn completing_in() -> PathBuf {
    let words: Vec<String> = std::env::args_os()
        .skip_while(|word| word != "--")
        .skip(2)
        .map(|word| word.to_string_lossy().into_owned())
        .collect();
    let mut here = PathBuf::from(".");
    let mut repo = PathBuf::from(".");
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let mut value = |inline: &str| {
            if inline.is_empty() {
                words.next().cloned()
            } else {
                Some(inline.trim_start_matches('=').to_string())
            }
        };
        if let Some(inline) = word.strip_prefix("-C") {
            here.push(value(inline).unwrap_or_default());
        } else if let Some(inline) = word.strip_prefix("--dir")
            && (inline.is_empty() || inline.starts_with('='))
        {
            repo = PathBuf::from(value(inline).unwrap_or_default());
        }
    }
    here.join(repo)
}

/// Writes the completion script of `shell`: clap_complete's registration,
/// the same as `COMPLETE=bash kiln` prints. As you type, it runs
/// `COMPLETE=bash kiln -- WORDS...`, which answers from the definitions
/// above and, for environments and services, from the repo's kiln.toml.
pub fn completions(shell: Shell, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use clap_complete::env::EnvCompleter;
    let completer: &dyn EnvCompleter = match shell {
        Shell::Bash => &clap_complete::env::Bash,
        Shell::Zsh => &clap_complete::env::Zsh,
        Shell::Fish => &clap_complete::env::Fish,
    };
    completer.write_registration("COMPLETE", "kiln", "kiln", &program(), out)
}

/// How the script calls kiln back: by name when it was found on `PATH`,
/// else by its absolute path, as clap_complete does (`-C` may have changed
/// the directory a relative path was relative to, so it is not used).
fn program() -> String {
    let called = std::env::args_os().next().map(PathBuf::from);
    match called {
        Some(name) if name.components().count() == 1 => name.to_string_lossy().into_owned(),
        _ => std::env::current_exe()
            .map(|exe| exe.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "kiln".to_string()),
    }
}

/// Every man page kiln ships, by file name: `kiln.1`, and `kiln-SUB.1` for
/// each subcommand, nested ones too (`kiln-templates-list.1`), so that each
/// page that another names exists.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut command = command().disable_help_subcommand(true);
    command.build();
    let mut pages = Vec::new();
    add_pages(&command, "", &mut pages)?;
    Ok(pages)
}

fn add_pages(
    command: &clap::Command,
    path: &str,
    pages: &mut Vec<(String, Vec<u8>)>,
) -> std::io::Result<()> {
    pages.push((format!("{}.1", page_name(path)), page(command, path)?));
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        add_pages(sub, &join(path, sub.get_name()), pages)?;
    }
    Ok(())
}

/// `kiln`, `kiln-diff`, `kiln-templates-list`.
fn page_name(path: &str) -> String {
    if path.is_empty() {
        "kiln".to_string()
    } else {
        format!("kiln-{}", path.replace(' ', "-"))
    }
}

/// One page: clap_mangen's sections, then EXAMPLES, EXIT STATUS,
/// ENVIRONMENT (on kiln(1)) and SEE ALSO.
fn page(command: &clap::Command, path: &str) -> std::io::Result<Vec<u8>> {
    use clap_mangen::roff::{Roff, bold, roman};
    // The examples get a section of their own, not clap_mangen's EXTRA.
    let man = clap_mangen::Man::new(command.clone().after_help(None::<&str>))
        .source(format!("kiln {}", env!("CARGO_PKG_VERSION")))
        .manual("kiln manual");
    let mut text = Vec::new();
    man.render_title(&mut text)?;
    man.render_name_section(&mut text)?;
    man.render_synopsis_section(&mut text)?;
    man.render_description_section(&mut text)?;
    if command.get_arguments().any(|arg| !arg.is_hide_set()) {
        man.render_options_section(&mut text)?;
    }
    if command.get_subcommands().any(|sub| !sub.is_hide_set()) {
        man.render_subcommands_section(&mut text)?;
    }
    let mut roff = Roff::new();
    roff.control("SH", ["EXAMPLES"]);
    for (line, what) in examples(path) {
        roff.control("TP", [])
            .text([bold(*line)])
            .text([roman(*what)]);
    }
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in exit_status(path) {
        roff.control("TP", [])
            .text([bold(*code)])
            .text([roman(*meaning)]);
    }
    if path.is_empty() {
        roff.control("SH", ["ENVIRONMENT"]);
        for (name, meaning) in ENVIRONMENT {
            roff.control("TP", [])
                .text([bold(*name)])
                .text([roman(*meaning)]);
        }
    }
    let see_also: Vec<String> = see_also(path)
        .into_iter()
        .map(|other| format!("{}(1)", page_name(&other)))
        .collect();
    if !see_also.is_empty() {
        roff.control("SH", ["SEE ALSO"]);
        roff.text([roman(see_also.join(", "))]);
    }
    roff.to_writer(&mut text)?;
    man.render_version_section(&mut text)?;
    Ok(one_preamble(text))
}

/// Each part clap_mangen and roff write starts with the same two lines
/// that define `\*(Aq`; a page needs them once.
fn one_preamble(text: Vec<u8>) -> Vec<u8> {
    const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let text = String::from_utf8_lossy(&text);
    let body = text.replace(PREAMBLE, "");
    format!("{PREAMBLE}{body}").into_bytes()
}

/// What kiln's exit codes mean for the command at `path`.
fn exit_status(path: &str) -> &'static [(&'static str, &'static str)] {
    match path {
        "" => &[
            ("0", "Success; for kiln diff, no difference."),
            (
                "1",
                "kiln diff found differences. No other command exits 1.",
            ),
            (
                "2",
                "An error: a usage error, a problem in kiln.toml (every one is reported, and \
                 nothing is written), a file kiln will not touch, or a failed read or write.",
            ),
        ],
        "diff" => &[
            ("0", "No difference."),
            (
                "1",
                "Differences found (with -q too, which prints nothing).",
            ),
            (
                "2",
                "An error: a broken kiln.toml (at either revision), an unknown revision or \
                 environment or service, a usage error.",
            ),
        ],
        "check" => &[
            ("0", "kiln.toml is valid, and so is everything it renders."),
            (
                "2",
                "kiln.toml has problems (every one is reported, in --format too) or cannot be \
                 read, or a usage error.",
            ),
        ],
        "build" => &[
            ("0", "The files are written, or nothing needed to change."),
            (
                "2",
                "An error, and nothing was written: a problem in kiln.toml, files edited by hand \
                 since kiln wrote them (--force overwrites them), a path kiln will not touch, a \
                 usage error.",
            ),
        ],
        _ => &[
            ("0", "Success."),
            (
                "2",
                "An error: a usage error, a problem in kiln.toml, an unknown name, a file kiln \
                 will not touch.",
            ),
        ],
    }
}

/// Every environment variable kiln reads.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "NO_COLOR",
        "Set and not empty: no colour. kiln diff --color always still colours.",
    ),
    (
        "CLICOLOR_FORCE",
        "Set and not empty: colour even when the output is not a terminal.",
    ),
    (
        "CLICOLOR",
        "0: no colour. Any other value: colour on a terminal even when TERM does not say it can.",
    ),
    (
        "TERM",
        "Unset or dumb: no colour, unless CLICOLOR or CI says otherwise.",
    ),
    ("CI", "Set: colour on a terminal, whatever TERM says."),
    (
        "COMPLETE",
        "A shell (bash, zsh, fish, elvish, powershell): print completions for the words after \
         -- instead of running, or with no words the shell's registration script. The scripts \
         of kiln completions set it, and the _CLAP_COMPLETE_* and _CLAP_IFS variables, \
         themselves.",
    ),
    (
        "PATH",
        "Where kiln diff --base finds git. git reads its own variables (GIT_DIR, \
         GIT_CONFIG_GLOBAL, ...) as ever.",
    ),
];

/// The pages a page points to besides its own subcommands': the page above
/// it and the commands that go with it.
fn see_also(path: &str) -> Vec<String> {
    let related: &[&str] = match path {
        "" => &[],
        "init" => &["presets", "build"],
        "build" => &["check", "diff", "eject"],
        "check" => &["build", "explain"],
        "render" => &["prereqs", "build"],
        "prereqs" => &["render"],
        "diff" => &["build", "check"],
        "eject" => &["restore", "templates", "build"],
        "restore" => &["eject", "build"],
        "set" => &["build", "check"],
        "explain" => &["check"],
        "templates" => &["eject", "build"],
        "presets" => &["init"],
        "schema" => &["check"],
        _ => &[],
    };
    let parent = match path.rsplit_once(' ') {
        Some((parent, _)) => parent.to_string(),
        None if path.is_empty() => return Vec::new(),
        None => String::new(),
    };
    std::iter::once(parent)
        .chain(related.iter().map(|other| other.to_string()))
        .collect()
}
