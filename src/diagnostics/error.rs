//! Everything that can stop a command, and how each is worded. The
//! problems of `kiln.toml` itself are `Problem`s, worded where they are found.
//!
//! Messages are lowercase, put keys, values and paths in backticks, and a
//! hint says what to do next.

use super::listing::{ListingProblem, Unrestorable, listing_report, unrestorable};
use super::set::SetRefusal;
use super::{Located, OverrideRule};
use std::fmt;
use std::path::PathBuf;

/// Everything that can stop a command.
#[derive(Debug)]
pub enum Error {
    /// `kiln.toml` has one or more problems; nothing was written.
    Invalid {
        /// Every problem drawn with its line, styled (see `report`).
        report: String,
        count: usize,
        file: String,
        /// The same problems, located, for `kiln check --format json|github`.
        problems: Vec<Located>,
    },
    /// `kiln.toml` is larger than kiln reads.
    ConfigTooLarge { path: PathBuf, bytes: u64, max: u64 },
    /// There is no `kiln.toml` in the directory a command started from, nor
    /// in any directory above it.
    ConfigMissing { path: PathBuf },
    /// `-C DIR` names a directory kiln cannot enter.
    ChangeDirectory {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// `kiln init` found a `kiln.toml` already.
    ConfigExists { path: PathBuf },
    /// Reading or writing a file failed.
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// Files kiln wrote were edited since, or files kiln never wrote sit
    /// where it wants to write; nothing was written.
    Conflicts {
        edited: Vec<String>,
        foreign: Vec<String>,
    },
    /// A project name for `kiln init` that cannot be one.
    BadName { name: String, max: usize },
    /// `kiln.lock` cannot be read.
    BadLock { path: PathBuf, cause: String },
    /// `kiln eject` named a file kiln neither wrote nor would write.
    EjectUnknown { path: String },
    /// `kiln eject` named a file that is already the user's.
    EjectAgain { path: String },
    /// A bundled template failed to render: a bug in kiln or in a template.
    Template { name: String, cause: String },
    /// A preset name that does not exist.
    UnknownPreset { name: String, known: Vec<String> },
    /// A repo's template override failed to parse or render.
    TemplateOverride {
        file: String,
        line: Option<usize>,
        cause: String,
    },
    /// A repo's template override made a file that is not YAML.
    OverrideNotYaml {
        /// The overrides that had a part in it, the one of `template` first.
        files: Vec<String>,
        /// The line in the first of `files`, when known.
        line: Option<usize>,
        /// The bundled template the first of `files` replaces.
        replaced: String,
        template: String,
        cause: String,
    },
    /// A repo's template override writes a value without its format's escaping filter.
    UnescapedOverride {
        file: String,
        line: Option<usize>,
        expression: String,
        filter: String,
    },
    /// A template override (or the directory it is in) that breaks one of
    /// the rules that keep a render of an untrusted repo bounded and local.
    Override {
        file: String,
        line: Option<usize>,
        rule: OverrideRule,
    },
    /// A template override that did more work while rendering one file than kiln allows.
    OverrideTooCostly {
        file: String,
        template: String,
        limit: u64,
        /// What one tag that runs costs, of `limit`.
        tag_cost: u64,
    },
    /// Template overrides that together did more work than one command may.
    OverridesTooCostly {
        files: Vec<String>,
        limit: u64,
        tag_cost: u64,
    },
    /// Several problems with template overrides, all found at once.
    Overrides(Vec<Error>),
    /// A file under `.kiln/templates/` that replaces no bundled template.
    UnknownOverride {
        file: String,
        /// The bundled template it may have meant.
        suggestion: Option<String>,
        /// Where overrides live: `.kiln/templates`.
        root: &'static str,
    },
    /// `kiln templates show|eject` named a template that does not exist.
    UnknownTemplate {
        name: String,
        suggestion: Option<String>,
    },
    /// `kiln templates eject` found the override there already.
    OverrideExists { file: String },
    /// A command named an environment, service, setting or subcommand that
    /// does not exist.
    NotFound {
        what: &'static str,
        name: String,
        suggestion: Option<String>,
        /// The names there are, listed in the hint; none for a list too long.
        known: Vec<String>,
    },
    /// A command named a service that `enabled = false` leaves out of the environment.
    Disabled { message: String },
    /// `kiln render` needs an ejected file that is not on disk.
    EjectedMissing { path: String },
    /// A file `kiln render` would put in its stream does not parse as YAML.
    NotYaml { path: String, cause: String },
    /// `kiln diff --base` could not read `kiln.toml` at a revision.
    Git { revision: String, cause: String },
    /// Another kiln command is writing in the same repo.
    Busy { path: PathBuf },
    /// A generated path would leave the output directory.
    UnsafePath { path: String },
    /// Paths kiln will not read, write or delete: symlinks, FIFOs,
    /// directories where a file belongs, files too large to be kiln's.
    Unsafe { files: Vec<(String, String)> },
    /// `kiln diff --against` names no directory.
    AgainstNotDirectory { path: PathBuf, why: String },
    /// `kiln diff --env`/`--service` names no environment or service of either side.
    UnknownFilter { names: Vec<UnknownName> },
    /// Ejected files, or an ejected kustomization, that would leave an
    /// environment kustomize cannot build or that leaves out a file kiln
    /// writes. `build` says that nothing was written.
    Listing {
        problems: Vec<ListingProblem>,
        /// How the user names the repo in paths: `""`, or `DIR/` with `--dir DIR`.
        root: String,
        build: bool,
    },
    /// `kiln restore` named files it cannot give back to kiln; nothing was written.
    Unrestorable { files: Vec<(String, Unrestorable)> },
    /// `kiln restore` found the journal of an interrupted build.
    RestorePending,
    /// `kiln set` was given a key it cannot change; `kiln.toml` was not touched.
    SetKey { key: String, refusal: SetRefusal },
    /// A patch (`.kiln/patches`) or an extra resource (`.kiln/resources`)
    /// that kiln cannot use; nothing was written.
    Custom {
        file: String,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
        hint: String,
    },
    /// Several problems with patches and extra resources, all found at once.
    Customs(Vec<Error>),
}

/// A name that `kiln diff` was asked to filter on and that is nowhere.
#[derive(Debug)]
pub struct UnknownName {
    /// `environment` or `service`.
    pub what: &'static str,
    pub name: String,
    pub suggestion: Option<String>,
    pub known: Vec<String>,
}

impl Error {
    /// `name` is not one of `known`: the closest is suggested, and all listed.
    pub fn not_found<'a>(
        what: &'static str,
        name: &str,
        known: impl IntoIterator<Item = &'a String>,
    ) -> Error {
        let known: Vec<String> = known.into_iter().cloned().collect();
        Error::NotFound {
            what,
            name: name.to_string(),
            suggestion: super::suggest(name, known.iter().map(String::as_str)).map(str::to_string),
            known,
        }
    }

    /// The process exit code: 2 for every error (1 is reserved for `diff`).
    pub fn exit_code(&self) -> i32 {
        2
    }

    /// The whole message for stderr, styled: the stream it is written to
    /// drops the styles when colour is off. Each problem of an invalid
    /// config already starts with `error:`.
    pub fn report(&self) -> String {
        match self {
            Error::Invalid {
                report,
                count,
                file,
                ..
            } => format!("{report}{}", invalid_summary(*count, file)),
            Error::Listing { .. } => self.to_string(),
            Error::Overrides(all) | Error::Customs(all) => {
                let mut text = String::new();
                for err in all {
                    text.push_str(&err.report());
                    text.push('\n');
                }
                let what = match self {
                    Error::Customs(_) => "patches and extra resources",
                    _ => "template overrides",
                };
                text.push_str(&format!(
                    "{} problems in {what}; nothing was written",
                    all.len()
                ));
                text
            }
            _ => format!("{ERROR}error{ERROR:#}: {self}"),
        }
    }
}

/// How annotate-snippets styles `error`, for the errors that are not drawn by it.
const ERROR: anstyle::Style = annotate_snippets::renderer::DEFAULT_ERROR_STYLE;

/// The line after the problems of an invalid `kiln.toml`.
fn invalid_summary(count: usize, file: &str) -> String {
    let noun = if count == 1 { "problem" } else { "problems" };
    format!("{count} {noun} in `{file}`; nothing was written")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid {
                report,
                count,
                file,
                ..
            } => write!(
                f,
                "{}{}",
                anstream::adapter::strip_str(report),
                invalid_summary(*count, file)
            ),
            Error::ConfigTooLarge { path, bytes, max } => write!(
                f,
                "`{}` is {bytes} bytes; kiln reads at most {max}\n  = hint: a kiln.toml this large is almost certainly not a config; check what wrote it",
                path.display()
            ),
            Error::ConfigMissing { path } => write!(
                f,
                "no `kiln.toml` in `{}` or any directory above it\n  = hint: run `kiln init` to start a repo \
                 here, or `kiln -C DIR ...` to work on the repo at DIR",
                path.display()
            ),
            Error::ChangeDirectory { path, cause } => write!(
                f,
                "cannot change to `{}`: {cause}\n  = hint: `-C` takes a directory; kiln runs as if started there",
                path.display()
            ),
            Error::ConfigExists { path } => write!(
                f,
                "`{}` already exists; `kiln init` only starts new repos\n  = hint: run `kiln build` to regenerate it",
                path.display()
            ),
            Error::Io { path, cause } => write!(f, "cannot access `{}`: {cause}", path.display()),
            Error::Conflicts { edited, foreign } => {
                if !edited.is_empty() {
                    writeln!(f, "these files were edited by hand since kiln wrote them:")?;
                    for path in edited {
                        writeln!(f, "  {path}")?;
                    }
                }
                if !foreign.is_empty() {
                    writeln!(
                        f,
                        "these files were not written by kiln but sit where it wants to write:"
                    )?;
                    for path in foreign {
                        writeln!(f, "  {path}")?;
                    }
                }
                write!(f, "nothing was written")?;
                if !edited.is_empty() {
                    write!(
                        f,
                        "\n  = hint: keep an edit with `kiln eject PATH` (kiln never touches that file again), \
                         or discard the edits with `kiln build --force`"
                    )?;
                }
                if !foreign.is_empty() {
                    write!(
                        f,
                        "\n  = hint: kiln never overwrites a file it did not write: to keep yours for good \
                         (your own Dockerfile, say), run `kiln eject PATH`; to let kiln write it, move yours away"
                    )?;
                }
                Ok(())
            }
            Error::BadName { name, max } => write!(
                f,
                "`{name}` cannot be a project name\n  = hint: pass `--name` with lowercase letters, digits and `-`, \
                 starting with a letter or digit, at most {max} characters"
            ),
            Error::BadLock { path, cause } => write!(
                f,
                "cannot read `{}`: {cause}\n  = hint: restore it from version control; kiln needs it to tell its files from yours",
                path.display()
            ),
            Error::EjectUnknown { path } => write!(
                f,
                "`{path}` is not a file kiln writes\n  = hint: `kiln build --dry-run` lists the files kiln writes"
            ),
            Error::EjectAgain { path } => {
                write!(f, "`{path}` is already ejected; kiln leaves it alone")
            }
            Error::Template { name, cause } => {
                write!(f, "template `{name}` failed to render: {cause}")
            }
            Error::UnknownPreset { name, known } => write!(
                f,
                "unknown preset `{name}`\n  = hint: choose one of {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Error::TemplateOverride { file, line, cause } => {
                let at = line.map_or_else(|| file.clone(), |line| format!("{file}:{line}"));
                write!(
                    f,
                    "template override `{at}` failed: {cause}\n  = hint: fix it, or delete it to use kiln's bundled template again; \
                     `kiln templates show NAME` prints the bundled one"
                )
            }
            Error::OverrideNotYaml {
                files,
                line,
                replaced,
                template,
                cause,
            } => {
                let mut shown: Vec<String> = files.iter().map(|f| format!("`{f}`")).collect();
                if let (Some(first), Some(line)) = (shown.first_mut(), line) {
                    *first = format!("`{}:{line}`", files[0]);
                }
                write!(
                    f,
                    "template override {} renders `{template}` as invalid YAML: {cause}\n  = hint: nothing was written; \
                     fix the override so that what it renders parses as YAML, or delete it to use kiln's bundled template again \
                     (`kiln templates show {replaced}` prints it)",
                    shown.join(" and ")
                )
            }
            Error::UnescapedOverride {
                file,
                line,
                expression,
                filter,
            } => {
                let at = line.map_or_else(|| file.clone(), |line| format!("{file}:{line}"));
                write!(
                    f,
                    "`{{{{ {expression} }}}}` in template override `{at}` does not go through `| {filter}`\n  \
                     = hint: values are data: end every interpolation in this format's escaping filter, as the bundled templates do"
                )
            }
            Error::Override { file, line, rule } => {
                let at = line.map_or_else(|| file.clone(), |line| format!("{file}:{line}"));
                let (problem, hint) = rule.words();
                if rule.of_file() {
                    write!(f, "refusing `{at}`: {problem}\n  = hint: {hint}")
                } else {
                    write!(f, "template override `{at}` {problem}\n  = hint: {hint}")
                }
            }
            Error::OverrideTooCostly {
                file,
                template,
                limit,
                tag_cost,
            } => write!(
                f,
                "template override `{file}` does too much work: rendering `{template}` went past kiln's limit of {limit} units\n  \
                 = hint: {}",
                work_hint(*tag_cost)
            ),
            Error::OverridesTooCostly {
                files,
                limit,
                tag_cost,
            } => write!(
                f,
                "the template overrides {} together do too much work: this command went past kiln's limit of {limit} units\n  \
                 = hint: {}",
                files
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                work_hint(*tag_cost)
            ),
            Error::Custom {
                file,
                line,
                column,
                message,
                hint,
            } => {
                let at = match (line, column) {
                    (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
                    (Some(line), None) => format!("{file}:{line}"),
                    _ => file.clone(),
                };
                write!(f, "`{at}`: {message}\n  = hint: {hint}")
            }
            Error::Customs(all) | Error::Overrides(all) => {
                for (i, err) in all.iter().enumerate() {
                    if i > 0 {
                        write!(f, "\nerror: ")?;
                    }
                    write!(f, "{err}")?;
                }
                Ok(())
            }
            Error::UnknownOverride {
                file,
                suggestion,
                root,
            } => {
                write!(f, "`{file}` overrides no bundled template")?;
                match suggestion {
                    Some(name) => write!(f, "\n  = hint: did you mean `{root}/{name}`?"),
                    None => write!(
                        f,
                        "\n  = hint: an override has the path of a bundled template under `{root}`; `kiln templates list` shows them"
                    ),
                }
            }
            Error::UnknownTemplate { name, suggestion } => {
                write!(f, "unknown template `{name}`")?;
                match suggestion {
                    Some(other) => write!(f, "\n  = hint: did you mean `{other}`?"),
                    None => write!(f, "\n  = hint: `kiln templates list` shows every template"),
                }
            }
            Error::OverrideExists { file } => write!(
                f,
                "`{file}` already exists; nothing was written\n  = hint: edit it, or delete it to eject a fresh copy"
            ),
            Error::NotFound {
                what,
                name,
                suggestion,
                known,
            } => {
                write!(f, "unknown {what} `{name}`\n  = hint: ")?;
                if let Some(other) = suggestion {
                    write!(f, "did you mean `{other}`? ")?;
                }
                let listed: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
                match (listed.is_empty(), *what) {
                    (false, _) => write!(f, "the {what}s are {}", listed.join(", ")),
                    (true, "setting") => write!(
                        f,
                        "`kiln explain ENV SERVICE`, without a setting, lists every one"
                    ),
                    (true, _) => write!(f, "`kiln.toml` defines no {what}"),
                }
            }
            Error::EjectedMissing { path } => write!(
                f,
                "`{path}` is ejected but not on disk, so the environment cannot be applied as it stands\n  \
                 = hint: bring it back (`git checkout -- {path}`), or give it back to kiln with `kiln restore {path}`"
            ),
            Error::NotYaml { path, cause } => write!(
                f,
                "`{path}` is not valid YAML: {cause}\n  = hint: kubectl would refuse it too; if it is ejected, fix it by hand, \
                 if a template override made it, fix the override"
            ),
            Error::Git { revision, cause } => write!(
                f,
                "cannot read `kiln.toml` at revision `{revision}`: {cause}\n  = hint: `--base` takes a commit, branch or tag of the git repo that holds kiln.toml"
            ),
            Error::Busy { path } => write!(
                f,
                "another kiln command is writing in `{}`; nothing was written\n  = hint: wait for it to finish, then run this again",
                path.display()
            ),
            Error::UnsafePath { path } => write!(
                f,
                "refusing to write `{path}`: it is not a file kiln generates\n  = hint: this is a bug in kiln; please report it with your kiln.toml"
            ),
            Error::Unsafe { files } => {
                writeln!(f, "kiln will not touch these paths:")?;
                for (path, reason) in files {
                    writeln!(f, "  `{path}`: {reason}")?;
                }
                write!(
                    f,
                    "nothing was written\n  = hint: kiln reads and writes only regular files at the paths it generates, \
                     reached without symlinks; move these away (or restore them with git) and run kiln again"
                )
            }
            Error::AgainstNotDirectory { path, why } => write!(
                f,
                "cannot compare with `{}`: {why}\n  = hint: `--against` takes a directory of generated files, such as the root of another checkout",
                path.display()
            ),
            Error::Listing {
                problems, build, ..
            } => {
                write!(f, "{}", listing_report(problems).trim_end())?;
                if *build {
                    write!(f, "\nnothing was written")?;
                }
                Ok(())
            }
            Error::Unrestorable { files } => unrestorable(files, f),
            Error::Disabled { message } => f.write_str(message),
            Error::RestorePending => write!(
                f,
                "a build was interrupted in this repo, so kiln cannot yet tell its files from yours; nothing was written\n  \
                 = hint: run `kiln build` to finish it, then `kiln restore` again"
            ),
            Error::UnknownFilter { names } => {
                for (i, unknown) in names.iter().enumerate() {
                    if i > 0 {
                        write!(f, "\nerror: ")?;
                    }
                    let flag = if unknown.what == "environment" {
                        "--env"
                    } else {
                        "--service"
                    };
                    write!(
                        f,
                        "unknown {} `{}` in `{flag}`: there is nothing to compare",
                        unknown.what, unknown.name
                    )?;
                    let known = if unknown.known.is_empty() {
                        format!("there is no {} on either side", unknown.what)
                    } else {
                        format!(
                            "the {}s are {}",
                            unknown.what,
                            unknown
                                .known
                                .iter()
                                .map(|k| format!("`{k}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    };
                    match &unknown.suggestion {
                        Some(other) => write!(f, "\n  = hint: did you mean `{other}`? {known}")?,
                        None => write!(f, "\n  = hint: {known}")?,
                    }
                }
                Ok(())
            }
            Error::SetKey { key, refusal } => refusal.write(key, f),
        }
    }
}

impl std::error::Error for Error {}

/// What the work limit of template overrides counts, and where to look.
fn work_hint(tag_cost: u64) -> String {
    format!(
        "a unit is about a byte of output or data, and a tag that runs costs {tag_cost}; a copy of a bundled \
         template stays far below the limit, so look for loops in loops, large `range()`s, or values \
         that grow at every step"
    )
}
