//! kiln: one small `kiln.toml` in, a repo's Kubernetes deployment files out.
//!
//! The pipeline (`pipeline`), one folder per step: `config` reads and
//! parses `kiln.toml` and applies presets; `kinds` validates it and
//! resolves it, kind by kind, into the `model`; `render` lays the model out
//! through the templates; `verify` checks the rendered objects against each
//! other; `output` plans and writes the files, or `diff` compares them.
//! Below them: `resolve` (layering and built-in defaults), `grammar` (the
//! value languages) and `diagnostics` (how a problem is worded and shown).
//! `cli` turns arguments into a `Command`, and `commands` runs each one.

pub mod cli;
mod commands;
pub mod config;
mod customize;
pub mod diagnostics;
mod diff;
mod digest;
mod grammar;
pub mod kinds;
pub mod model;
mod output;
mod parallel;
mod pipeline;
pub mod render;
pub mod resolve;
mod root;
pub mod stdout;
pub mod verify;

pub use diagnostics::Error;
pub use diff::Filter;
pub use diff::report::Format;
pub use pipeline::{Verify, render_text};

/// A lock and a journal, checked and merged as `kiln build` reads them;
/// the number of files they name. For the fuzzer: any text is read or
/// refused with an input error, never a panic.
pub fn read_lock_texts(lock: &str, journal: &str) -> Result<usize, Error> {
    output::lock::Lock::from_texts(lock, journal).map(|lock| lock.files.len())
}

use std::path::PathBuf;

/// What `kiln diff` compares the render of the work tree's `kiln.toml` with.
pub enum DiffAgainst {
    /// The files on disk, with hand edits found through the lock.
    Disk,
    /// The render of `kiln.toml` at a git revision.
    Revision(String),
    /// The generated files of another directory.
    Directory(PathBuf),
}

/// Whether to colour output.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// As the environment and the stream say, by anstream's rules.
    Auto,
    Always,
    Never,
}

impl Color {
    fn choice(self) -> anstream::ColorChoice {
        match self {
            Color::Auto => anstream::ColorChoice::Auto,
            Color::Always => anstream::ColorChoice::Always,
            Color::Never => anstream::ColorChoice::Never,
        }
    }

    /// Whether `stream` gets colour: the flag, or else anstream's reading
    /// of `NO_COLOR`, `CLICOLOR_FORCE`, `CLICOLOR`, `TERM` and the stream
    /// (docs/output.md).
    fn on(self, stream: &impl anstream::stream::RawStream) -> bool {
        match self.choice() {
            anstream::ColorChoice::Auto => {
                anstream::AutoStream::choice(stream) != anstream::ColorChoice::Never
            }
            anstream::ColorChoice::Never => false,
            anstream::ColorChoice::Always | anstream::ColorChoice::AlwaysAnsi => true,
        }
    }
}

/// A shell `kiln completions` writes a script for.
#[derive(Clone, Copy)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// How `kiln prereqs` prints its report.
#[derive(Clone, Copy)]
pub enum PrereqsFormat {
    Text,
    /// `docs/prereqs.schema.json`
    Json,
}

/// How much `build`, `check` and `diff` print on stdout. Errors always go
/// to stderr, and the exit code always tells.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Nothing (`-q`): for scripts.
    Quiet,
    /// What changed, and what needs a person's attention.
    Normal,
    /// Every file, unchanged ones too (`-v`).
    Verbose,
}

/// How `kiln check` reports problems.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CheckFormat {
    /// rustc-style snippets on stderr.
    Text,
    /// One JSON document on stdout (`docs/check.schema.json`).
    Json,
    /// GitHub Actions `::error` workflow commands on stdout, the text on stderr.
    Github,
}

/// What `kiln templates` does.
pub enum TemplatesAction {
    List,
    Show(String),
    Eject(String),
}

/// The command line: the directories of `-C DIR`, entered in turn before
/// anything else, then the command.
pub struct Invocation {
    pub directories: Vec<PathBuf>,
    pub command: Command,
}

/// What the user asked for, free of any argument parser's types.
pub enum Command {
    Init {
        dir: PathBuf,
        name: Option<String>,
        preset: Option<String>,
    },
    Explain {
        dir: PathBuf,
        environment: String,
        service: String,
        key: Option<String>,
    },
    Templates {
        dir: PathBuf,
        action: TemplatesAction,
    },
    Presets,
    Schema,
    Completions {
        shell: Shell,
    },
    /// `kiln man [COMMAND]...`, or every page into `out`.
    Man {
        page: Vec<String>,
        out: Option<PathBuf>,
    },
    Build {
        dir: PathBuf,
        dry_run: bool,
        force: bool,
        verbosity: Verbosity,
    },
    Check {
        dir: PathBuf,
        format: CheckFormat,
        verbosity: Verbosity,
    },
    /// `kiln render ENV`: one environment's objects on stdout.
    Render {
        dir: PathBuf,
        environment: String,
    },
    Prereqs {
        dir: PathBuf,
        /// Every environment when `None`.
        environment: Option<String>,
        format: PrereqsFormat,
    },
    Eject {
        dir: PathBuf,
        paths: Vec<String>,
    },
    /// `kiln restore PATH…`: ejected files back in kiln's hands.
    Restore {
        dir: PathBuf,
        paths: Vec<String>,
    },
    Diff {
        dir: PathBuf,
        against: DiffAgainst,
        format: Format,
        filter: Filter,
        color: Color,
        verbosity: Verbosity,
    },
    /// `kiln set KEY VALUE`: one value of `kiln.toml`, then a build unless `build` is false.
    Set {
        dir: PathBuf,
        key: String,
        value: String,
        build: bool,
    },
}

impl Command {
    /// The directory a command that works on a repo starts from; `run`
    /// replaces it with the repo's root. `None` for `init`, which makes a
    /// repo where it is told, and for the commands that need no repo.
    fn repo_mut(&mut self) -> Option<&mut PathBuf> {
        match self {
            Command::Explain { dir, .. }
            | Command::Build { dir, .. }
            | Command::Check { dir, .. }
            | Command::Render { dir, .. }
            | Command::Prereqs { dir, .. }
            | Command::Eject { dir, .. }
            | Command::Restore { dir, .. }
            | Command::Set { dir, .. }
            | Command::Diff { dir, .. } => Some(dir),
            Command::Templates { dir, action } => match action {
                TemplatesAction::List | TemplatesAction::Eject(_) => Some(dir),
                TemplatesAction::Show(_) => None,
            },
            Command::Init { .. }
            | Command::Presets
            | Command::Schema
            | Command::Completions { .. }
            | Command::Man { .. } => None,
        }
    }
}

/// `-q`: the command runs as ever, and its report goes nowhere.
fn quiet<'a>(
    verbosity: Verbosity,
    out: &'a mut dyn std::io::Write,
    sink: &'a mut std::io::Sink,
) -> &'a mut dyn std::io::Write {
    if verbosity == Verbosity::Quiet {
        sink
    } else {
        out
    }
}

/// Enters the `-C` directories, finds the repo, and runs the command,
/// printing its report to `out`; returns the exit code (1 only when `diff`
/// found differences).
pub fn run(invocation: Invocation, out: &mut dyn std::io::Write) -> Result<i32, Error> {
    root::enter(&invocation.directories)?;
    let mut command = invocation.command;
    // Where the repo is, when kiln went up to find it: `-v` says so.
    let mut above = None;
    if let Some(dir) = command.repo_mut() {
        let root = root::find(dir);
        if root != *dir {
            above = Some(root.join(output::paths::CONFIG));
        }
        *dir = root;
    }
    if let (
        Command::Build {
            verbosity: Verbosity::Verbose,
            ..
        },
        Some(config),
    ) = (&command, &above)
    {
        writeln!(out, "kiln: using {}", config.display()).map_err(|cause| Error::Io {
            path: PathBuf::from("<stdout>"),
            cause,
        })?;
    }
    let mut sink = std::io::sink();
    // Warnings go to stderr, out of the way of a report on stdout, and
    // nowhere with `-q`.
    let (mut stderr, mut no_warnings) = (std::io::stderr(), std::io::sink());
    let done = |result: Result<(), Error>| result.map(|()| 0);
    // `--color` wins over the environment for stderr too, where errors go.
    if let Command::Diff { color, .. } = &command {
        anstream::ColorChoice::write_global(color.choice());
    }
    match command {
        Command::Init { dir, name, preset } => done(commands::init(
            &dir,
            name.as_deref(),
            preset.as_deref(),
            out,
        )),
        Command::Explain {
            dir,
            environment,
            service,
            key,
        } => done(commands::explain(
            &dir,
            &environment,
            &service,
            key.as_deref(),
            out,
        )),
        Command::Templates { dir, action } => done(commands::templates(&dir, &action, out)),
        Command::Presets => done(commands::presets(out)),
        Command::Schema => done(commands::schema(out)),
        Command::Completions { shell } => {
            cli::completions(shell, out)
                .map(|()| 0)
                .map_err(|cause| Error::Io {
                    path: PathBuf::from("<stdout>"),
                    cause,
                })
        }
        Command::Man { page, out: into } => done(commands::man(&page, into.as_deref(), out)),
        Command::Build {
            dir,
            dry_run,
            force,
            verbosity,
        } => done(commands::build(
            &dir,
            dry_run,
            force,
            verbosity == Verbosity::Verbose,
            quiet(verbosity, out, &mut sink),
            quiet(verbosity, &mut stderr, &mut no_warnings),
        )),
        Command::Check {
            dir,
            format,
            verbosity,
        } => {
            let warn = quiet(verbosity, &mut stderr, &mut no_warnings);
            match format {
                CheckFormat::Text => done(commands::check(
                    &dir,
                    quiet(verbosity, out, &mut sink),
                    warn,
                )),
                // A machine format is the output asked for: `-q` does not hide it.
                _ => commands::check_as(&dir, format, verbosity == Verbosity::Quiet, out, warn),
            }
        }
        Command::Render { dir, environment } => done(commands::render(&dir, &environment, out)),
        Command::Prereqs {
            dir,
            environment,
            format,
        } => done(commands::prereqs(&dir, environment.as_deref(), format, out)),
        Command::Eject { dir, paths } => done(commands::eject(&dir, &paths, out)),
        Command::Restore { dir, paths } => done(commands::restore(&dir, &paths, out)),
        Command::Diff {
            dir,
            against,
            format,
            filter,
            color,
            verbosity,
        } => commands::diff(
            &dir,
            &against,
            format,
            &filter,
            color,
            quiet(verbosity, out, &mut sink),
            quiet(verbosity, &mut stderr, &mut no_warnings),
        ),
        Command::Set {
            dir,
            key,
            value,
            build,
        } => done(commands::set::set(
            &dir,
            &key,
            &value,
            build,
            out,
            &mut stderr,
        )),
    }
}
