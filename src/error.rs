//! Every message kiln shows a user is worded here, and nowhere else.
//!
//! Messages are lowercase, put keys, values and paths in backticks, and a
//! hint says what to do next.

use std::fmt;
use std::path::PathBuf;

/// The four ways `project.kiln` can say where CI gets kiln.
const KILN_SOURCES: &str = "set `kiln = { git = \"https://...\", rev = \"<commit sha>\" }`, \
     `kiln = { image = \"...@sha256:...\" }`, `kiln = { version = \"x.y.z\", index = \"sparse+https://...\" }` \
     or `kiln = { action = \"owner/kiln@<commit sha>\" }` in `[project]`";

/// What `kiln check` says when it writes pipelines but `project.kiln` is not set.
pub fn no_kiln_source_note() -> String {
    format!(
        "note: `project.kiln` is not set, so the CI drift job only checks, with `sha256sum`, that \
         `kiln.toml` and the generated files are what `kiln build` left (`.kiln/drift.sh`)\n  \
         = hint: to run `kiln check` and `kiln diff --exit-code` in CI as well, {KILN_SOURCES} \
         (docs/pipelines.md)"
    )
}

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
    BadName { name: String },
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
    },
    /// Template overrides that together did more work than one command may.
    OverridesTooCostly { files: Vec<String>, limit: u64 },
    /// Several problems with template overrides, all found at once.
    Overrides(Vec<Error>),
    /// A file under `.kiln/templates/` that replaces no bundled template.
    UnknownOverride {
        file: String,
        suggestion: Option<String>,
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
}

/// Why `kiln set` will not change a key.
#[derive(Debug)]
pub enum SetRefusal {
    /// The key does not parse as a TOML key.
    NotAKey { cause: String },
    /// The key is under a service or environment that `kiln.toml` does not have.
    UnknownName {
        /// `service` or `environment`.
        what: &'static str,
        name: String,
        suggestion: Option<String>,
    },
    /// A part of the key holds a value that is not a table (`kind` says what).
    NotATable { prefix: String, kind: &'static str },
    /// A part of the key is an array: its items have no names to set.
    InArray { prefix: String },
    /// The key names a whole `[table]`, not one value.
    WholeTable,
}

/// Why `kiln restore` cannot give a file back to kiln.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unrestorable {
    /// kiln already writes it: it is not ejected.
    NotEjected,
    /// It is ejected, but `kiln.toml` no longer renders it.
    NotRendered,
    /// Not a file kiln writes at all.
    Unknown,
}

/// One file that an environment's kustomization and the files a build
/// leaves disagree on, found by `listing::audit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingProblem {
    /// The file it is about, from the repo root.
    pub path: String,
    /// The environment's `kustomization.yaml`, from the repo root.
    pub kustomization: String,
    /// The line of the kustomization (the one on disk when it is ejected)
    /// that shows the problem, when there is one.
    pub line: Option<usize>,
    pub fault: ListingFault,
}

/// What is wrong; only `Dropped` is a warning (see docs/output.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListingFault {
    /// kiln's kustomization lists an ejected file that is not on disk.
    Missing,
    /// An ejected kustomization lists an ejected file that is not on disk.
    ListedMissing,
    /// An ejected kustomization lists a file kiln no longer renders, which
    /// a build deletes.
    ListedDeleted,
    /// The ejected kustomization itself is not on disk.
    KustomizationMissing,
    /// The ejected kustomization cannot be read as one.
    KustomizationUnreadable { cause: String },
    /// An ejected kustomization does not list a file kiln writes.
    Unlisted,
    /// kiln no longer renders an ejected file that is still on disk, so
    /// its kustomization no longer lists it.
    Dropped,
}

impl ListingFault {
    /// Whether kustomize fails or leaves out a file kiln writes (an error),
    /// rather than leaving out a file kiln.toml no longer asks for (a warning).
    pub fn is_error(&self) -> bool {
        !matches!(self, ListingFault::Dropped)
    }

    /// Faults of the same kind are reported together.
    fn same_kind(&self, other: &ListingFault) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

impl ListingProblem {
    /// `deploy/<env>`: what `kubectl apply -k` is given.
    fn directory(&self) -> &str {
        self.kustomization
            .strip_suffix("/kustomization.yaml")
            .unwrap_or(&self.kustomization)
    }

    /// The path as the kustomization's `resources` names it.
    fn entry(&self) -> &str {
        self.path
            .strip_prefix(self.directory())
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or(&self.path)
    }

    /// The message and hint of this one file, for `check --format json|github`.
    fn words(&self) -> (String, String) {
        let (path, k, dir, entry) = (
            &self.path,
            &self.kustomization,
            self.directory(),
            self.entry(),
        );
        match &self.fault {
            ListingFault::Missing => (
                format!(
                    "`{path}` is ejected but not on disk, and `{k}` lists it, so `kubectl apply -k {dir}` fails"
                ),
                format!(
                    "bring it back (`git checkout -- {path}`), give it back to kiln with `kiln restore {path}`, \
                     or change kiln.toml so that kiln no longer renders it"
                ),
            ),
            ListingFault::ListedMissing => (
                format!(
                    "`{k}` is ejected and lists `{entry}`, which is ejected too and not on disk, so \
                     `kubectl apply -k {dir}` fails"
                ),
                format!(
                    "bring it back (`git checkout -- {path}`, or `kiln restore {path}`), or remove it from the kustomization"
                ),
            ),
            ListingFault::ListedDeleted => (
                format!(
                    "`{k}` is ejected and lists `{entry}`, which kiln no longer renders (`kiln build` deletes it), \
                     so `kubectl apply -k {dir}` fails"
                ),
                "remove it from the kustomization".to_string(),
            ),
            ListingFault::KustomizationMissing => (
                format!("`{k}` is ejected but not on disk, so `kubectl apply -k {dir}` fails"),
                format!(
                    "bring it back (`git checkout -- {k}`), or give it back to kiln with `kiln restore {k}`"
                ),
            ),
            ListingFault::KustomizationUnreadable { cause } => (
                format!("`{k}` is ejected and cannot be read as a kustomization: {cause}"),
                format!(
                    "kustomize would refuse it too: fix it by hand, or give it back to kiln with `kiln restore {k}`"
                ),
            ),
            ListingFault::Unlisted => (
                format!(
                    "`{k}` is ejected and does not list `{entry}`, which kiln writes, so \
                     `kubectl apply -k {dir}` does not apply it"
                ),
                format!(
                    "add `- {entry}` to its `resources`; to leave the file out on purpose, eject it and delete it; \
                     or give the kustomization back to kiln with `kiln restore {k}`"
                ),
            ),
            ListingFault::Dropped => (
                format!(
                    "`{path}` is ejected and kiln no longer renders it, so `{k}` no longer lists it and \
                     `kubectl apply -k {dir}` does not apply it"
                ),
                format!(
                    "kiln leaves it on disk: delete it if it is no longer wanted (kiln then forgets it); \
                     to keep applying it, eject `{k}` and list it there"
                ),
            ),
        }
    }

    /// The file an annotation goes on: the kustomization, but for a file
    /// that is on disk and that the kustomization no longer names.
    fn file(&self) -> &str {
        match self.fault {
            ListingFault::Dropped => &self.path,
            _ => &self.kustomization,
        }
    }

    /// The problem as `check --format json|github` prints it; `root` is
    /// how the user names the repo (`""` for the current directory).
    pub fn located(&self, root: &str) -> Located {
        let (message, hint) = self.words();
        Located {
            file: Some(format!("{root}{}", self.file())),
            line: self.line,
            column: self.line.map(|_| 1),
            end_line: None,
            end_column: None,
            key: None,
            message,
            hint: Some(hint),
        }
    }
}

/// The text report of listing problems, `error:` or `warning:` as each
/// is: the files of one kind and one kustomization together, with one hint.
pub fn listing_report(problems: &[ListingProblem]) -> String {
    let mut text = String::new();
    let mut start = 0;
    while start < problems.len() {
        let first = &problems[start];
        let end = problems[start..]
            .iter()
            .position(|p| {
                p.kustomization != first.kustomization || !p.fault.same_kind(&first.fault)
            })
            .map_or(problems.len(), |n| start + n);
        let group = &problems[start..end];
        start = end;
        let (k, dir) = (&first.kustomization, first.directory());
        let level = if first.fault.is_error() {
            "error"
        } else {
            "warning"
        };
        let (heading, item, hint): (String, fn(&ListingProblem) -> String, String) = match &first.fault {
            ListingFault::Missing => (
                format!(
                    "these ejected files are not on disk, but `{k}` lists them, so `kubectl apply -k {dir}` fails:"
                ),
                |p| p.path.clone(),
                "bring each back (`git checkout -- PATH`), give it back to kiln with `kiln restore PATH`, \
                 or change kiln.toml so that kiln no longer renders it"
                    .to_string(),
            ),
            ListingFault::ListedMissing | ListingFault::ListedDeleted => (
                format!(
                    "`{k}` is ejected and lists files that will not be on disk, so `kubectl apply -k {dir}` fails:"
                ),
                |p| match p.fault {
                    ListingFault::ListedMissing => format!("{} (ejected, and not on disk)", p.entry()),
                    _ => format!("{} (kiln no longer renders it; `kiln build` deletes it)", p.entry()),
                },
                "remove them from the kustomization, or bring an ejected one back \
                 (`git checkout -- PATH`, or `kiln restore PATH`)"
                    .to_string(),
            ),
            ListingFault::KustomizationMissing | ListingFault::KustomizationUnreadable { .. } => {
                let (message, hint) = first.words();
                text.push_str(&format!("{level}: {message}\n  = hint: {hint}\n"));
                continue;
            }
            ListingFault::Unlisted => (
                format!(
                    "`{k}` is ejected and does not list these files kiln writes, so `kubectl apply -k {dir}` \
                     does not apply them:"
                ),
                |p| format!("- {}", p.entry()),
                format!(
                    "add these lines to its `resources`; to leave a file out on purpose, eject it and delete it; \
                     or give the kustomization back to kiln with `kiln restore {k}`"
                ),
            ),
            ListingFault::Dropped => (
                format!(
                    "these ejected files are no longer rendered from kiln.toml, so `{k}` no longer lists them \
                     and `kubectl apply -k {dir}` does not apply them:"
                ),
                |p| p.path.clone(),
                format!(
                    "kiln leaves them on disk: delete one that is no longer wanted (kiln then forgets it); \
                     to keep applying one, eject `{k}` and list it there"
                ),
            ),
        };
        text.push_str(&format!("{level}: {heading}\n"));
        for problem in group {
            text.push_str(&format!("  {}\n", item(problem)));
        }
        text.push_str(&format!("  = hint: {hint}\n"));
    }
    text
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
            suggestion: crate::load::suggest(name, known.iter().map(String::as_str))
                .map(str::to_string),
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
            Error::Overrides(all) => {
                let mut text = String::new();
                for err in all {
                    text.push_str(&err.report());
                    text.push('\n');
                }
                text.push_str(&format!(
                    "{} problems in template overrides; nothing was written",
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

/// What is wrong with a template override, or with the directory it is in.
#[derive(Debug, Clone, PartialEq)]
pub enum OverrideRule {
    Symlink,
    NotRegular,
    NotDirectory,
    TooLarge {
        bytes: u64,
        max: u64,
    },
    TooManyFiles {
        max: usize,
    },
    NotUtf8,
    /// Tags or brackets nested deeper than Tera's parser can take.
    Nesting {
        max: usize,
    },
    TagTooLong {
        max: usize,
    },
    /// A render that would recurse `depth` levels, through the units in `via`.
    TooDeep {
        depth: usize,
        max: usize,
        via: Vec<String>,
    },
    /// Includes, imports, extends or macro calls that lead back to themselves.
    Cycle {
        path: Vec<String>,
    },
    Unavailable {
        name: String,
    },
    Internal {
        name: String,
    },
    DynamicIndex {
        ident: String,
    },
    FilterSection {
        filter: String,
    },
    OtherFormat {
        verb: &'static str,
        target: String,
    },
    TooManyOperands {
        max: usize,
    },
    UnknownFilter {
        name: String,
    },
    UnknownTest {
        name: String,
    },
}

impl OverrideRule {
    /// A fault of the file itself (it is not read at all), not of its text.
    fn of_file(&self) -> bool {
        matches!(
            self,
            OverrideRule::Symlink
                | OverrideRule::NotRegular
                | OverrideRule::NotDirectory
                | OverrideRule::TooLarge { .. }
                | OverrideRule::TooManyFiles { .. }
                | OverrideRule::NotUtf8
        )
    }

    /// What is wrong, after the file's name, and what to do.
    fn words(&self) -> (String, String) {
        match self {
            OverrideRule::Symlink => (
                "it is a symbolic link".into(),
                "kiln reads template overrides only from regular files in the repo, never through a link; \
                 replace the link with the file itself"
                    .into(),
            ),
            OverrideRule::NotRegular => (
                "it is not a regular file".into(),
                "a template override is a plain text file; remove this one".into(),
            ),
            OverrideRule::NotDirectory => (
                "it is not a directory".into(),
                format!(
                    "template overrides live in the directory `{}/`, at the paths of the bundled templates",
                    crate::paths::OVERRIDES
                ),
            ),
            OverrideRule::TooLarge { bytes, max } => (
                format!("it is {bytes} bytes; kiln reads at most {max} of a template override"),
                "a template this large is almost certainly not one; check what wrote it".into(),
            ),
            OverrideRule::TooManyFiles { max } => (
                format!("it holds more than {max} files and directories"),
                "it should hold only overrides of bundled templates; `kiln templates list` names them"
                    .into(),
            ),
            OverrideRule::NotUtf8 => (
                "it is not UTF-8 text".into(),
                "save it as UTF-8".into(),
            ),
            OverrideRule::Nesting { max } => (
                format!("nests tags or brackets more than {max} deep"),
                "Tera's parser recurses once per level; flatten it with `{% set %}` or a macro".into(),
            ),
            OverrideRule::TagTooLong { max } => (
                format!("has a tag longer than {max} bytes"),
                "split the expression with `{% set %}`".into(),
            ),
            OverrideRule::TooDeep { depth, max, via } => {
                let mut problem = format!(
                    "renders at least {depth} levels deep, counting nested tags, expressions, includes and \
                     macro calls; kiln renders at most {max}"
                );
                if via.len() > 1 {
                    problem.push_str(&format!(" (through {})", via.join(" → ")));
                }
                (
                    problem,
                    "Tera renders by recursion, and deeper could overflow its stack; flatten the nesting or include less deeply"
                        .into(),
                )
            }
            OverrideRule::Cycle { path } => (
                format!("never ends: {}", path.join(" → ")),
                "an include, import, extends or macro call that leads back to where it started recurses \
                 until the stack overflows; break the cycle"
                    .into(),
            ),
            OverrideRule::Unavailable { name } => (
                format!("calls `{name}()`, which is not available in kiln templates"),
                "kiln's output depends only on kiln.toml and the templates, never on the environment, \
                 the clock or chance; put the value in kiln.toml"
                    .into(),
            ),
            OverrideRule::Internal { name } => (
                format!("uses `{name}`, which is internal to kiln and Tera"),
                "remove it; templates see `project`, `env`, `service` and the values docs/customize.md lists"
                    .into(),
            ),
            OverrideRule::DynamicIndex { ident } => (
                format!("indexes `{ident}` with a variable"),
                "write `x | get(key=k)` for a table or `x | nth(n=i)` for a list; \
                 `x[...]` takes only a literal in kiln templates"
                    .into(),
            ),
            OverrideRule::FilterSection { filter } => (
                format!("runs `{{% filter {filter} %}}` over rendered text"),
                "only `indent` with a literal blank `prefix` (and `first`, `blank`) may: any other filter could \
                 undo the escaping of the values inside; filter the values themselves, inside `{{ }}`"
                    .into(),
            ),
            OverrideRule::OtherFormat { verb, target } => (
                format!("{verb}s `{target}`, a template of another format"),
                "its values are escaped for that format, not this one; include, import and extend only \
                 templates of the same kind"
                    .into(),
            ),
            OverrideRule::TooManyOperands { max } => (
                format!("has an expression of more than {max} operands and filters"),
                "split it with `{% set %}`".into(),
            ),
            OverrideRule::UnknownFilter { name } => (
                format!("uses the filter `{name}`, which kiln templates do not have"),
                "kiln templates have Tera's built-in filters (`upper`, `replace`, `join`...) and kiln's \
                 `yaml`, `fluent`, `dockerfile` and `groovy`"
                    .into(),
            ),
            OverrideRule::UnknownTest { name } => (
                format!("uses the test `{name}`, which kiln templates do not have"),
                "kiln templates have Tera's built-in tests (`defined`, `number`, `starting_with`...)".into(),
            ),
        }
    }
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
            Error::BadName { name } => write!(
                f,
                "`{name}` cannot be a project name\n  = hint: pass `--name` with lowercase letters, digits and `-`, \
                 starting with a letter or digit, at most {} characters",
                crate::validate::MAX_PROJECT
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
            } => write!(
                f,
                "template override `{file}` does too much work: rendering `{template}` went past kiln's limit of {limit} units\n  \
                 = hint: {}",
                work_hint()
            ),
            Error::OverridesTooCostly { files, limit } => write!(
                f,
                "the template overrides {} together do too much work: this command went past kiln's limit of {limit} units\n  \
                 = hint: {}",
                files
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                work_hint()
            ),
            Error::Overrides(all) => {
                for (i, err) in all.iter().enumerate() {
                    if i > 0 {
                        write!(f, "\nerror: ")?;
                    }
                    write!(f, "{err}")?;
                }
                Ok(())
            }
            Error::UnknownOverride { file, suggestion } => {
                write!(f, "`{file}` overrides no bundled template")?;
                match suggestion {
                    Some(name) => write!(
                        f,
                        "\n  = hint: did you mean `{}/{name}`?",
                        crate::paths::OVERRIDES
                    ),
                    None => write!(
                        f,
                        "\n  = hint: an override has the path of a bundled template under `{}`; `kiln templates list` shows them",
                        crate::paths::OVERRIDES
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
            Error::Unrestorable { files } => {
                writeln!(f, "cannot give these files back to kiln:")?;
                for (path, why) in files {
                    let why = match why {
                        Unrestorable::NotEjected => "it is not ejected: kiln already writes it",
                        Unrestorable::NotRendered => {
                            "it is ejected, but kiln.toml no longer renders it, so there is nothing to restore it from"
                        }
                        Unrestorable::Unknown => "it is not a file kiln writes",
                    };
                    writeln!(f, "  `{path}`: {why}")?;
                }
                write!(f, "nothing was written")?;
                let has = |reason: Unrestorable| files.iter().any(|(_, why)| *why == reason);
                if has(Unrestorable::NotEjected) {
                    write!(
                        f,
                        "\n  = hint: `kiln restore` takes the files `kiln eject` handed to you; to discard hand edits \
                         in a file kiln writes, run `kiln build --force`"
                    )?;
                }
                if has(Unrestorable::NotRendered) {
                    write!(
                        f,
                        "\n  = hint: a file kiln no longer renders stays yours: delete it if it is no longer wanted"
                    )?;
                }
                if has(Unrestorable::Unknown) {
                    write!(
                        f,
                        "\n  = hint: `kiln build --dry-run` lists the files kiln writes, and ejected ones as `ejected`"
                    )?;
                }
                Ok(())
            }
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
            Error::SetKey { key, refusal } => match refusal {
                SetRefusal::NotAKey { cause } => write!(
                    f,
                    "`{key}` is not a key of `kiln.toml`: {cause}\n  = hint: write it dotted, as \
                     `services.api.version`; quote a part that holds a dot or a space: \
                     `services.api.env.\"log.level\"`"
                ),
                SetRefusal::UnknownName {
                    what,
                    name,
                    suggestion,
                } => {
                    write!(f, "unknown {what} `{name}` in `{key}`")?;
                    match suggestion {
                        Some(other) => write!(f, "\n  = hint: did you mean `{other}`?"),
                        None => write!(
                            f,
                            "\n  = hint: `kiln set` changes the {what}s `kiln.toml` has; add a \
                             new {what} to `kiln.toml` by hand"
                        ),
                    }
                }
                SetRefusal::NotATable { prefix, kind } => write!(
                    f,
                    "`{prefix}` is {kind}, not a table, so `{key}` cannot be set\n  = hint: set \
                     `{prefix}` itself: `kiln set {prefix} VALUE`"
                ),
                SetRefusal::InArray { prefix } => write!(
                    f,
                    "`{prefix}` is an array, so `{key}` cannot be set\n  = hint: set the whole \
                     array: `kiln set {prefix} '[...]'`"
                ),
                SetRefusal::WholeTable => write!(
                    f,
                    "`{key}` is a table, not one value\n  = hint: set its keys one at a time: \
                     `kiln set {key}.KEY VALUE`"
                ),
            },
        }
    }
}

impl std::error::Error for Error {}

/// What the work limit of template overrides counts, and where to look.
fn work_hint() -> String {
    format!(
        "a unit is about a byte of output or data, and a tag that runs costs {}; a copy of a bundled \
         template stays far below the limit, so look for loops in loops, large `range()`s, or values \
         that grow at every step",
        crate::sandbox::NODE_COST
    )
}

/// A problem as an editor or CI annotation needs it: where, what, what to do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Located {
    /// The file, as the user reads its name (`kiln.toml`, `demo/kiln.toml`).
    pub file: Option<String>,
    /// 1-based line and column (in characters) where the problem starts.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Where it ends (exclusive column), on the same or a later line.
    #[serde(rename = "endLine")]
    pub end_line: Option<usize>,
    #[serde(rename = "endColumn")]
    pub end_column: Option<usize>,
    /// The key, dotted as in messages (`services.users.port`); `null` for a syntax error.
    pub key: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl Error {
    /// Every problem of this error, located when kiln knows where: the
    /// problems of an invalid `kiln.toml`, the line of a template override,
    /// or the whole message of any other error.
    pub fn located(&self) -> Vec<Located> {
        match self {
            Error::Invalid { problems, .. } => problems.clone(),
            Error::Overrides(all) => all.iter().flat_map(Error::located).collect(),
            Error::Listing { problems, root, .. } => {
                problems.iter().map(|p| p.located(root)).collect()
            }
            other => {
                let (file, line) = match other {
                    Error::TemplateOverride { file, line, .. } => (Some(file.clone()), *line),
                    Error::UnescapedOverride { file, line, .. } => (Some(file.clone()), *line),
                    Error::OverrideNotYaml { files, line, .. } => (files.first().cloned(), *line),
                    Error::Override { file, line, .. } => (Some(file.clone()), *line),
                    Error::OverrideTooCostly { file, .. } => (Some(file.clone()), None),
                    Error::UnknownOverride { file, .. } => (Some(file.clone()), None),
                    _ => (None, None),
                };
                let text = other.to_string();
                let (message, hint) = match text.split_once("\n  = hint: ") {
                    Some((message, hint)) => (message.to_string(), Some(hint.to_string())),
                    None => (text, None),
                };
                vec![Located {
                    file,
                    line,
                    column: line.map(|_| 1),
                    end_line: None,
                    end_column: None,
                    key: None,
                    message,
                    hint,
                }]
            }
        }
    }
}

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyPart {
    Key(String),
    Index(usize),
}

/// A dotted key path into `kiln.toml`, like `services.users.calls[1]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct KeyPath(pub Vec<KeyPart>);

impl KeyPath {
    pub fn new(parts: &[&str]) -> Self {
        KeyPath(
            parts
                .iter()
                .map(|p| KeyPart::Key((*p).to_string()))
                .collect(),
        )
    }

    pub fn key(&self, key: &str) -> Self {
        let mut next = self.clone();
        next.0.push(KeyPart::Key(key.to_string()));
        next
    }

    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.0.push(KeyPart::Index(index));
        next
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.0.iter().enumerate() {
            match part {
                KeyPart::Key(k) => {
                    if i > 0 {
                        write!(f, ".")?;
                    }
                    let bare = !k.is_empty()
                        && k.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                    if bare {
                        write!(f, "{k}")?;
                    } else {
                        write!(f, "{}", crate::yaml::quote(k))?;
                    }
                }
                KeyPart::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// One thing wrong with `kiln.toml`, at a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    pub key: KeyPath,
    pub message: String,
    pub hint: Option<String>,
    /// A byte range in the source, when the parser knows it better than the key path does.
    pub span: Option<std::ops::Range<usize>>,
}

fn did_you_mean(suggestion: Option<&str>) -> Option<String> {
    suggestion.map(|s| format!("did you mean `{s}`?"))
}

impl Problem {
    fn at(key: &KeyPath, message: String, hint: Option<String>) -> Self {
        Problem {
            key: key.clone(),
            message,
            hint,
            span: None,
        }
    }

    pub fn syntax(message: &str, span: Option<std::ops::Range<usize>>) -> Self {
        Problem {
            key: KeyPath::default(),
            message: format!("invalid TOML: {}", message.trim()),
            hint: None,
            span,
        }
    }

    pub fn unknown_key(key: &KeyPath, suggestion: Option<&str>, expected: &[String]) -> Self {
        let hint = did_you_mean(suggestion).or_else(|| {
            (!expected.is_empty()).then(|| format!("expected one of {}", expected.join(", ")))
        });
        Problem::at(key, format!("unknown key `{key}`"), hint)
    }

    pub fn wrong_type(key: &KeyPath, detail: &str) -> Self {
        // serde names Rust types; users think in TOML values.
        let detail = detail
            .replace("expected u16", "expected an integer from 0 to 65535")
            .replace(
                "expected u32",
                "expected a whole number from 0 to 4294967295",
            )
            .replace("expected a boolean", "expected true or false")
            .replace("expected a sequence", "expected an array")
            .replace("expected a map", "expected a table");
        Problem::at(key, format!("wrong value for `{key}`: {detail}"), None)
    }

    pub fn unknown_variant(
        key: &KeyPath,
        value: &str,
        suggestion: Option<&str>,
        expected: &[String],
    ) -> Self {
        let hint = did_you_mean(suggestion)
            .or_else(|| Some(format!("expected one of {}", expected.join(", "))));
        Problem::at(key, format!("`{key}` cannot be `{value}`"), hint)
    }

    pub fn unknown_preset(
        key: &KeyPath,
        name: &str,
        suggestion: Option<&str>,
        known: &[&str],
    ) -> Self {
        let hint = did_you_mean(suggestion).or_else(|| {
            Some(format!(
                "choose one of {}; `kiln presets list` describes them",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        });
        Problem::at(key, format!("unknown preset `{name}` in `{key}`"), hint)
    }

    pub fn missing_key(key: &KeyPath) -> Self {
        Problem::at(key, format!("missing required key `{key}`"), None)
    }

    pub fn not_a_label(
        key: &KeyPath,
        value: &str,
        max: usize,
        must_start_with_letter: bool,
    ) -> Self {
        let first = if must_start_with_letter {
            "a lowercase letter"
        } else {
            "a lowercase letter or digit"
        };
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a valid name"),
            Some(format!(
                "names become Kubernetes names and file paths: use lowercase letters, digits and `-`, \
                 starting with {first}, ending with a letter or digit, at most {max} characters"
            )),
        )
    }

    pub fn no_environments() -> Self {
        Problem::at(
            &KeyPath::new(&["environments"]),
            "no environments defined".to_string(),
            Some("add at least one, e.g. `[environments.dev]`".to_string()),
        )
    }

    pub fn unknown_service(key: &KeyPath, name: &str, suggestion: Option<&str>) -> Self {
        Problem::at(
            key,
            format!("unknown service `{name}` in `{key}`"),
            did_you_mean(suggestion),
        )
    }

    pub fn calls_itself(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("service `{name}` lists itself in `{key}`"),
            Some("a service always reaches itself; remove it from `calls`".to_string()),
        )
    }

    pub fn calls_unreachable(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` names `{name}`, which has no Service to call"),
            Some("only `web` and `stateful` services with a `port` can be called".to_string()),
        )
    }

    pub fn duplicate_port(key: &KeyPath, port: u16, other: &str) -> Self {
        Problem::at(
            key,
            format!("port {port} in `{key}` is already used by `{other}`"),
            Some("give every port of a service its own number".to_string()),
        )
    }

    pub fn reserved_port(key: &KeyPath, port: u16) -> Self {
        Problem::at(
            key,
            format!("port {port} in `{key}` is reserved by the Istio sidecar"),
            Some("pick a port outside 15000-15090".to_string()),
        )
    }

    pub fn missing_version(key: &KeyPath, service: &str) -> Self {
        Problem::at(
            key,
            format!("service `{service}` is built from source but has no `version`"),
            Some(format!(
                "add `version = \"1.0.0\"` to `[services.{service}]`; it is the image tag"
            )),
        )
    }

    pub fn no_image_source(key: &KeyPath, service: &str) -> Self {
        Problem::at(
            key,
            format!(
                "service `{service}` needs either `language` (built by you) or `image` (a third-party image)"
            ),
            None,
        )
    }

    pub fn both_image_sources(key: &KeyPath, service: &str) -> Self {
        Problem::at(
            key,
            format!("service `{service}` sets both `language` and `image`"),
            Some("keep `language` + `version` for an image you build, or `image` for a third-party one".to_string()),
        )
    }

    pub fn image_for_third_party(key: &KeyPath, what: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` sets `{what}`, which only applies to services built from source"),
            Some("change the tag inside `image` instead".to_string()),
        )
    }

    pub fn bad_image(key: &KeyPath, image: &str) -> Self {
        Problem::at(
            key,
            format!("image `{image}` in `{key}` has no pinned tag"),
            Some("name an exact tag such as `redis:7.2-alpine`; `latest` and untagged images are not reproducible".to_string()),
        )
    }

    pub fn bad_image_reference(key: &KeyPath, image: &str, reason: &str) -> Self {
        Problem::at(
            key,
            format!("`{image}` in `{key}` is not an image reference a container runtime can pull: {reason}"),
            Some("write `[registry/]repository:tag`, lowercase, such as `redis:7.2-alpine` or `ghcr.io/acme/api:1.4.2`".to_string()),
        )
    }

    pub fn bad_secret_key(key: &KeyPath, reference: &str, secret_key: &str) -> Self {
        Problem::at(
            key,
            format!("`{secret_key}` in `{key}` (`{reference}`) is not a key a Kubernetes Secret can hold"),
            Some("a Secret key is letters, digits, `-`, `_` and `.`, at most 253 characters, and not `.` or `..`".to_string()),
        )
    }

    pub fn canary_is_stable(key: &KeyPath, version: &str, environments: &[&str]) -> Self {
        let environments = environments
            .iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(", ");
        Problem::at(
            key,
            format!("`{key}` is `{version}`, the version the stable pods run in {environments}"),
            Some("a canary tries another version: give it the new version, or, once the rollout is done, set `version` to it and remove `canary`".to_string()),
        )
    }

    pub fn bad_version(key: &KeyPath, version: &str) -> Self {
        Problem::at(
            key,
            format!("`{version}` in `{key}` is not a usable version"),
            Some("use letters, digits, `.`, `-` and `_`, starting and ending with a letter or digit, at most 63 characters; `latest` is not allowed".to_string()),
        )
    }

    pub fn bad_label_value(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` cannot be a Kubernetes label value"),
            Some("use letters, digits, `.`, `-` and `_`, starting and ending with a letter or digit, at most 63 characters".to_string()),
        )
    }

    pub fn duplicate_path(key: &KeyPath, path: &str) -> Self {
        Problem::at(
            key,
            format!("`{path}` in `{key}` is mounted twice"),
            Some("list each writable path once, and not the `data_path` or `/tmp`, which are always writable".to_string()),
        )
    }

    pub fn only_for_http(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies to services whose `protocol` is `http`"),
            Some("grpc and tcp services get TCP probes on their port; remove this key".to_string()),
        )
    }

    pub fn ignored_key(key: &KeyPath, why: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` has no effect: {why}"),
            Some("remove it".to_string()),
        )
    }

    pub fn bad_cidr(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a CIDR block"),
            Some(
                "write an address and prefix length, such as `203.0.113.0/24` or `2001:db8::/32`"
                    .to_string(),
            ),
        )
    }

    pub fn missing_registry(service: &str) -> Self {
        Problem::at(
            &KeyPath::new(&["project", "registry"]),
            format!("service `{service}` is built from source, so `project.registry` is required"),
            Some("add `registry = \"ghcr.io/your-org/your-app\"` to `[project]`".to_string()),
        )
    }

    pub fn bad_registry(key: &KeyPath, registry: &str) -> Self {
        Problem::at(
            key,
            format!("`{registry}` in `{key}` is not an image repository"),
            Some(
                "use a host and path such as `ghcr.io/acme/shop`, without a tag or trailing `/`"
                    .to_string(),
            ),
        )
    }

    pub fn bad_quantity(key: &KeyPath, value: &str, what: &str) -> Self {
        let example = if what == "cpu" {
            "`250m` or `1`"
        } else {
            "`256Mi` or `1Gi`"
        };
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a {what} quantity Kubernetes accepts"),
            Some(format!(
                "write a number with an optional unit, such as {example}"
            )),
        )
    }

    pub fn quantity_too_large(key: &KeyPath, value: &str, what: &str) -> Self {
        let unit = if what == "cpu" { "cores" } else { "bytes" };
        Problem::at(
            key,
            format!("`{value}` in `{key}` is more {what} than Kubernetes can hold"),
            Some(format!(
                "a quantity holds at most {} {unit}, and the API server silently caps a larger one",
                crate::quantity::MAX_TEXT
            )),
        )
    }

    /// A request so large that its default limit, twice the request, is more
    /// than a Kubernetes quantity holds.
    pub fn default_limit_too_large(key: &KeyPath, limit: &str) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` is so large that its default limit, twice the request, is more than Kubernetes can hold"
            ),
            Some(format!(
                "set `{limit}` (at most {} {}), or lower the request",
                crate::quantity::MAX_TEXT,
                if limit == "cpu_limit" {
                    "cores"
                } else {
                    "bytes"
                }
            )),
        )
    }

    /// An environment whose ResourceQuota would not fit in a quantity.
    pub fn quota_too_large(key: &KeyPath, what: &str) -> Self {
        Problem::at(
            key,
            format!(
                "the pods of `{key}` together need more {what} than a Kubernetes quantity can hold, so its ResourceQuota cannot be written"
            ),
            Some(format!(
                "the quota adds up every pod's requests and limits: lower `replicas`, `autoscale.max` or the {what} of its services"
            )),
        )
    }

    pub fn limit_below_request(key: &KeyPath, limit: &str, request: &str) -> Self {
        Problem::at(
            key,
            format!("limit `{limit}` in `{key}` is below the request `{request}`"),
            Some("a limit must be at least the request".to_string()),
        )
    }

    pub fn autoscale_range(key: &KeyPath, min: u32, max: u32) -> Self {
        Problem::at(
            key,
            format!("`{key}` has min {min} above max {max}"),
            Some("set `min` to at most `max`".to_string()),
        )
    }

    pub fn autoscale_cronjob(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` cannot apply to a cronjob"),
            Some("remove `autoscale` from this service".to_string()),
        )
    }

    pub fn canary_not_web(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs a `web` service built from source with a `port`"),
            Some(
                "traffic can only be split between versions of a service that serves requests"
                    .to_string(),
            ),
        )
    }

    pub fn missing_schedule(key: &KeyPath, service: &str) -> Self {
        Problem::at(
            key,
            format!("cronjob `{service}` has no `schedule`"),
            Some("add a cron schedule such as `schedule = \"0 2 * * *\"`".to_string()),
        )
    }

    pub fn bad_schedule(key: &KeyPath, schedule: &str, reason: &str) -> Self {
        Problem::at(
            key,
            format!("`{schedule}` in `{key}` is not a valid cron schedule: {reason}"),
            Some(
                "use five fields, minute hour day-of-month month day-of-week (0-6 or `sun`-`sat`), \
                 such as `0 2 * * *`, or a descriptor such as `@daily` or `@every 6h`"
                    .to_string(),
            ),
        )
    }

    pub fn only_for_kind(key: &KeyPath, kind: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies to `{kind}` services"),
            Some("remove it, or set `kind`".to_string()),
        )
    }

    pub fn missing_storage(key: &KeyPath, service: &str) -> Self {
        Problem::at(
            key,
            format!("stateful service `{service}` has no `storage`"),
            Some("add the volume size, such as `storage = \"5Gi\"`".to_string()),
        )
    }

    pub fn unknown_environment(key: &KeyPath, name: &str, suggestion: Option<&str>) -> Self {
        let hint = did_you_mean(suggestion)
            .or_else(|| Some("declare it under `[environments]` first".to_string()));
        Problem::at(
            key,
            format!("unknown environment `{name}` in `{key}`"),
            hint,
        )
    }

    pub fn missing_port(key: &KeyPath, service: &str, kind: &str) -> Self {
        Problem::at(
            key,
            format!("{kind} service `{service}` has no `port`"),
            Some("add the port it listens on, such as `port = 8080`".to_string()),
        )
    }

    pub fn route_needs_web(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs a `web` service with a `port`"),
            None,
        )
    }

    pub fn bad_http_path(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not an absolute URL path"),
            Some("start it with `/`, and leave out spaces, `?` and `#`".to_string()),
        )
    }

    pub fn duplicate_route(key: &KeyPath, route: &str, other: &str) -> Self {
        Problem::at(
            key,
            format!("route `{route}` in `{key}` is already taken by service `{other}`"),
            Some("give every routed service its own prefix".to_string()),
        )
    }

    pub fn bad_env_name(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{name}` in `{key}` is not a valid environment variable name"),
            Some("use letters, digits and `_`, not starting with a digit".to_string()),
        )
    }

    pub fn env_and_secret(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{name}` is set both in `env` and in `secrets`"),
            Some("a variable comes from one place; remove one of them".to_string()),
        )
    }

    pub fn bad_secret_ref(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a secret reference"),
            Some(
                "write `secret-name:key`; kiln never stores secret values, only where to find them"
                    .to_string(),
            ),
        )
    }

    pub fn bad_domain(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a host name"),
            Some("use lowercase DNS names such as `shop.example.com`".to_string()),
        )
    }

    pub fn bad_absolute_path(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not an absolute path"),
            Some("use a path such as `/var/cache/app`, without `..`".to_string()),
        )
    }

    pub fn bad_port_name(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{name}` in `{key}` is not a valid port name"),
            Some(
                "use at most 15 lowercase letters, digits and `-`, with at least one letter"
                    .to_string(),
            ),
        )
    }

    pub fn root_user(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` is 0, which is root"),
            Some("pods run as non-root; use the image's own non-root id".to_string()),
        )
    }

    pub fn empty_arg(key: &KeyPath) -> Self {
        Problem::at(key, format!("`{key}` contains an empty string"), None)
    }

    pub fn only_for_built(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies to services built from source"),
            Some("set `language` and `version` for a service you build, or remove it".to_string()),
        )
    }

    pub fn missing_repo_url() -> Self {
        Problem::at(
            &KeyPath::new(&["project", "gitops"]),
            "`project.gitops` is set, so `project.repo_url` is required".to_string(),
            Some(
                "add `repo_url = \"https://github.com/your-org/your-app.git\"` to `[project]`: \
                 Argo CD reads `deploy/<env>` from that repository"
                    .to_string(),
            ),
        )
    }

    pub fn bad_repo_url(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a git repository URL"),
            Some(
                "use `https://host/path.git`, `ssh://git@host/path.git` or `git@host:path.git`, without spaces"
                    .to_string(),
            ),
        )
    }

    pub fn bad_cluster(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a cluster API server URL"),
            Some("use `https://host[:port]`, as in `https://kubernetes.default.svc`".to_string()),
        )
    }

    pub fn bad_branch(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a usable branch name"),
            Some(
                "use letters, digits, `.`, `_`, `-` and `/`, starting with a letter or digit, without `..`"
                    .to_string(),
            ),
        )
    }

    pub fn needs_gitops(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies when `project.gitops` is set"),
            Some("add `gitops = \"argocd\"` to `[project]`, or remove it".to_string()),
        )
    }

    pub fn too_large(key: &KeyPath, what: &str, max: usize) -> Self {
        Problem::at(
            key,
            format!("`{key}` is too large: at most {max} {what}"),
            None,
        )
    }

    pub fn bad_duration(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a duration"),
            Some(
                "write whole numbers with the units `h`, `m`, `s` and `ms`, in that order, such as `30s` or `1m30s`"
                    .to_string(),
            ),
        )
    }

    /// `range` as a person says it: "from 1 to 99".
    pub fn out_of_range(key: &KeyPath, value: &str, range: &str, meaning: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` must be {range}, not {value}"),
            Some(meaning.to_string()),
        )
    }

    /// A whole number outside the range of its kind, found in reading or in `validate`.
    pub fn whole(key: &KeyPath, value: &str, whole: crate::config::Whole) -> Self {
        let (from, to) = whole.range();
        Problem::out_of_range(key, value, &format!("from {from} to {to}"), whole.meaning())
    }

    pub fn needs_route_or_canary(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` has no effect: the service has no `route` and no `canary`"),
            Some(
                "timeouts and retries apply to the gateway route and the canary split; remove the key or add a `route`"
                    .to_string(),
            ),
        )
    }

    pub fn no_retry_conditions(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` is empty"),
            Some(
                "name the failures to retry, or write `retries = false` to turn retries off"
                    .to_string(),
            ),
        )
    }

    /// A retry condition kiln does not offer because it can repeat a request
    /// the app already acted on.
    pub fn unsafe_retry(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` cannot be `{value}`: it retries requests the app may already have acted on"
            ),
            Some(format!(
                "a failed POST (a payment, an order) would be sent again; kiln retries only failures where the request \
                 never reached the app (`connect-failure`, `refused-stream`, `reset-before-request`); retry `{value}` \
                 in the caller, which knows which requests are idempotent"
            )),
        )
    }

    pub fn empty_gateway_selector(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` is empty"),
            Some("give the labels of the ingress gateway pods, such as `{ istio = \"ingress\" }`; `kubectl get pods -n <namespace> --show-labels` shows them".to_string()),
        )
    }

    pub fn bad_label_key(key: &KeyPath, label: &str) -> Self {
        Problem::at(
            key,
            format!("`{label}` in `{key}` is not a Kubernetes label key"),
            Some("use an optional DNS prefix and `/`, then at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit".to_string()),
        )
    }

    pub fn bad_service_account(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a ServiceAccount name"),
            Some("use lowercase letters, digits, `-` and `.`, as `kubectl get serviceaccounts -n <namespace>` lists them".to_string()),
        )
    }

    pub fn needs_mesh(key: &KeyPath, environment: Option<&str>) -> Self {
        let (message, hint) = match environment {
            Some(environment) => (
                format!("`{key}` has no effect: the mesh is off in environment `{environment}`"),
                format!("remove it, or set `mesh = true` in `[environments.{environment}]`"),
            ),
            None => (
                format!("`{key}` has no effect: the mesh is off in every environment"),
                "remove it, or turn the mesh on somewhere".to_string(),
            ),
        };
        Problem::at(key, message, Some(hint))
    }

    pub fn gateway_in_environment(key: &KeyPath, namespace: &str, environment: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` is `{namespace}`, a namespace kiln writes for environment `{environment}`"),
            Some("its default-deny NetworkPolicy would cut the ingress gateway off; run the gateway in a namespace of its own, such as `istio-ingress`".to_string()),
        )
    }

    pub fn needs_service(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs a `web` or `stateful` service with a `port`"),
            Some("only a service that others call has a DestinationRule to tune".to_string()),
        )
    }

    pub fn canary_without_mesh(key: &KeyPath, environment: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs the mesh, which is off in environment `{environment}`"),
            Some(format!(
                "the traffic split is an Istio VirtualService: remove the canary, or set `mesh = true` in `[environments.{environment}]`"
            )),
        )
    }

    pub fn logging_namespace_too_long(key: &KeyPath, namespace: &str) -> Self {
        Problem::at(
            key,
            format!("the logging namespace `{namespace}` of `{key}` is longer than 63 characters"),
            Some(
                "Fluentd runs in `{project}-{env}-logging`: shorten the project or environment name, or set `logging = false`"
                    .to_string(),
            ),
        )
    }

    pub fn bad_host(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a host name or IPv4 address"),
            Some(
                "use a lowercase DNS name such as `logs.example.com`, without a scheme or port"
                    .to_string(),
            ),
        )
    }

    pub fn bad_index_prefix(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a usable Elasticsearch index prefix"),
            Some(
                "use at most 200 lowercase letters, digits, `-`, `_` and `.`, starting with a letter or digit"
                    .to_string(),
            ),
        )
    }

    /// `project.kiln` names no source, or more than one.
    pub fn kiln_source_count(key: &KeyPath, set: &[&str]) -> Self {
        let message = if set.is_empty() {
            format!("`{key}` says nothing about where CI gets kiln")
        } else {
            let named: Vec<String> = set.iter().map(|s| format!("`{s}`")).collect();
            format!(
                "`{key}` sets {}: CI can get kiln from one source only",
                named.join(" and ")
            )
        };
        Problem::at(
            key,
            message,
            Some(format!("{KILN_SOURCES}, or remove `{key}`")),
        )
    }

    /// `project.kiln.git` without `rev`, or `version` without `index`.
    pub fn kiln_source_needs(key: &KeyPath, other: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs `{other}` beside it"),
            Some(KILN_SOURCES.to_string()),
        )
    }

    /// `project.kiln.rev` without `git`, or `index` without `version`.
    pub fn kiln_source_only_with(key: &KeyPath, other: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies with `{other}`"),
            Some(KILN_SOURCES.to_string()),
        )
    }

    /// A value of `project.kiln` that is not what its key takes.
    pub fn bad_kiln_source(key: &KeyPath, value: &str, what: &str) -> Self {
        let hint = match what {
            "git" => "use the `https://` URL of a git repository, without a user or password in it",
            "rev" => {
                "pin a commit: its full 40-character SHA in lowercase, as `git rev-parse HEAD` prints it; a branch or tag can move"
            }
            "image" => {
                "pin the image by digest, such as `ghcr.io/acme/kiln:0.1.0@sha256:` and the 64 hex digits `docker buildx imagetools inspect` prints"
            }
            "version" => {
                "name one exact release such as `0.1.0` (or `0.2.0-rc.1`), without `^`, `~`, `=` or `*`"
            }
            "action" => {
                "pin kiln's GitHub Action by commit: `owner/repo@` and the full 40-character SHA in lowercase; a tag or branch can move"
            }
            _ => {
                "use the index URL of the Cargo registry, `sparse+https://...` or `https://...`, without a user or password in it"
            }
        };
        Problem::at(
            key,
            format!(
                "`{value}` in `{key}` is not a pinned {}",
                match what {
                    "git" => "git repository URL",
                    "rev" => "commit",
                    "image" => "image",
                    "version" => "version",
                    "action" => "GitHub Action",
                    _ => "registry index URL",
                }
            ),
            Some(hint.to_string()),
        )
    }

    pub fn kiln_source_without_ci(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies when `project.ci` names a CI system"),
            Some(
                "add `ci = [\"github\"]` (or `gitlab`, `jenkins`) to `[project]`, or remove it"
                    .to_string(),
            ),
        )
    }

    /// A rendered object contradicts another: always a bug in kiln, never in `kiln.toml`.
    pub fn foreign_lock_entry(key: &KeyPath, file: &str, path: &str, reason: &str) -> Self {
        Problem::at(
            key,
            format!("`{file}` names `{path}`, but {reason}"),
            Some(format!(
                "`{file}` is written by kiln alone, and kiln touches nothing else: \
                 restore it with `git checkout -- {file}`, or delete it and run `kiln build`"
            )),
        )
    }

    pub fn bad_lock_hash(key: &KeyPath, file: &str, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` in `{file}` is `{value}`, not a sha256 (64 lowercase hex digits)"),
            Some(format!(
                "`{file}` is written by kiln alone: restore it with `git checkout -- {file}`"
            )),
        )
    }

    pub fn inconsistent(file: &str, message: &str) -> Self {
        Problem::at(
            &KeyPath::default(),
            format!("generated `{file}`: {message}"),
            Some("this is a bug in kiln, not in your kiln.toml; please report it with your kiln.toml".to_string()),
        )
    }
}
