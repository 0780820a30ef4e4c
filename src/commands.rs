//! The subcommands, each a thin composition of the pipeline steps.

use crate::diff::{self, Filter};
use crate::error::Error;
use crate::load::{self, Source};
use crate::lock::{Entry, Lock, hash};
use crate::paths;
use crate::plan::{self, Action, Plan};
use crate::render::{Rendered, Renderer};
use crate::report::{self, Format, Mode};
use crate::{Color, DiffAgainst};
use crate::{crosscheck, names, resolve, validate, write};
use include_dir::{Dir, include_dir};
use std::io::Write;
use std::path::{Path, PathBuf};

static PRESETS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/presets");

/// The starter preset `kiln init` writes; its project is named `demo`.
const STARTER: &str = "starter/kiln.toml";
const STARTER_NAME_LINE: &str = "name = \"demo\"";

/// Summary counts of a rendered config.
struct Stats {
    environments: usize,
    services: usize,
}

/// How thoroughly to check the rendered set.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Also parse every manifest back and check that the objects agree with
    /// each other (`kiln check`, the tests). Costs a YAML parse per file.
    CrossCheck,
    /// Trust the pipeline; the fast path of `build` and `diff`.
    Render,
}

/// load → validate → resolve → render (→ cross-check), all in memory.
pub fn render_text(text: &str, verify: Verify) -> Result<Rendered, Error> {
    let source = Source {
        name: paths::CONFIG.to_string(),
        text: text.to_string(),
    };
    generate_checked(&source, verify).map(|(rendered, _)| rendered)
}

fn generate(source: &Source) -> Result<(Rendered, Stats), Error> {
    generate_checked(source, Verify::Render)
}

fn generate_checked(source: &Source, verify: Verify) -> Result<(Rendered, Stats), Error> {
    let config = load::parse(&source.text).map_err(|problem| source.invalid(&[problem]))?;
    let problems = validate::validate(&config);
    if !problems.is_empty() {
        return Err(source.invalid(&problems));
    }
    let model = resolve::resolve(&config).map_err(|problems| source.invalid(&problems))?;
    let rendered = Renderer::new()?.render(&model)?;
    if verify == Verify::CrossCheck {
        let problems = crosscheck::check(&rendered);
        if !problems.is_empty() {
            return Err(source.invalid(&problems));
        }
    }
    let stats = Stats {
        environments: config.environments.len(),
        services: config.services.len(),
    };
    Ok((rendered, stats))
}

/// The config file of the repo at `dir`, and how to name it in messages.
fn config_path(dir: &Path) -> (PathBuf, String) {
    let path = dir.join(paths::CONFIG);
    let shown = if dir == Path::new(".") {
        paths::CONFIG.to_string()
    } else {
        path.display().to_string()
    };
    (path, shown)
}

fn read_source(dir: &Path) -> Result<Source, Error> {
    let (path, shown) = config_path(dir);
    load::read(&path, shown)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    }
}

pub fn check(dir: &Path, out: &mut dyn Write) -> Result<(), Error> {
    let source = read_source(dir)?;
    let (rendered, stats) = generate_checked(&source, Verify::CrossCheck)?;
    writeln!(
        out,
        "{} is valid: {} environments, {} services, {} files",
        source.name,
        stats.environments,
        stats.services,
        rendered.len()
    )
    .map_err(io(dir))
}

pub fn build(dir: &Path, dry_run: bool, force: bool, out: &mut dyn Write) -> Result<(), Error> {
    let source = read_source(dir)?;
    let (rendered, _) = generate(&source)?;
    // A dry run writes nothing, so it needs no lock.
    let _repo = if dry_run {
        None
    } else {
        Some(write::lock_repo(dir)?)
    };
    let (lock, recovering) = Lock::read_with_journal(dir)?;
    let plan = plan::plan(dir, &rendered, &lock, force)?;
    if dry_run {
        for (path, action) in &plan.files {
            writeln!(out, "{:<9}  {path}", action.label()).map_err(io(dir))?;
        }
    }
    if let Some(conflicts) = plan.conflicts() {
        return Err(conflicts);
    }
    if dry_run {
        return writeln!(out, "dry run: {}; nothing written", summary(&plan)).map_err(io(dir));
    }
    write::apply(dir, &plan, &rendered, &lock, recovering)?;
    for (path, action) in &plan.files {
        if matches!(action, Action::Create | Action::Update | Action::Delete) {
            writeln!(out, "{:<9}  {path}", action.label()).map_err(io(dir))?;
        }
    }
    writeln!(out, "kiln: {}", summary(&plan)).map_err(io(dir))
}

fn summary(plan: &Plan) -> String {
    let mut parts = Vec::new();
    for action in [
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Unchanged,
        Action::Ejected,
    ] {
        let n = plan.count(action);
        if n > 0 || action == Action::Unchanged {
            let label = match action {
                Action::Create => "created",
                Action::Update => "updated",
                Action::Delete => "deleted",
                Action::Ejected => "ejected (left alone)",
                _ => "unchanged",
            };
            parts.push(format!("{n} {label}"));
        }
    }
    parts.join(", ")
}

pub fn init(dir: &Path, name: Option<&str>, out: &mut dyn Write) -> Result<(), Error> {
    let (config, _) = config_path(dir);
    if config.exists() {
        return Err(Error::ConfigExists { path: config });
    }
    let name = match name {
        Some(name) => name.to_string(),
        None => default_name(dir)?,
    };
    if !names::is_dns_label(&name, validate::MAX_PROJECT) {
        return Err(Error::BadName { name });
    }
    let starter = PRESETS
        .get_file(STARTER)
        .and_then(|f| f.contents_utf8())
        .unwrap_or_default();
    let text = starter.replacen(STARTER_NAME_LINE, &format!("name = \"{name}\""), 1);
    let (_, shown) = config_path(dir);
    let source = Source { name: shown, text };
    // Render before writing anything, so a failure leaves no half-made repo.
    let (rendered, _) = generate(&source)?;
    let _repo = write::lock_repo(dir)?;
    let (lock, recovering) = Lock::read_with_journal(dir)?;
    let plan = plan::plan(dir, &rendered, &lock, false)?;
    if let Some(conflicts) = plan.conflicts() {
        return Err(conflicts);
    }
    write::write_atomic(&config, source.text.as_bytes())?;
    write::apply(dir, &plan, &rendered, &lock, recovering)?;
    writeln!(out, "created {}", source.name).map_err(io(dir))?;
    writeln!(out, "kiln: {}", summary(&plan)).map_err(io(dir))?;
    writeln!(out, "next: edit {}, then run `kiln build`", source.name).map_err(io(dir))
}

/// The project name `kiln init` picks when none is given: the directory's name.
fn default_name(dir: &Path) -> Result<String, Error> {
    let absolute = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir().map_err(io(dir))?.join(dir)
    };
    let name = absolute
        .components()
        .rev()
        .find_map(|c| match c {
            std::path::Component::Normal(name) => Some(name.to_string_lossy().to_string()),
            _ => None,
        })
        .unwrap_or_default();
    Ok(name)
}

pub fn eject(dir: &Path, files: &[String], out: &mut dyn Write) -> Result<(), Error> {
    let _repo = write::lock_repo(dir)?;
    let lock_path = dir.join(paths::LOCK);
    let mut lock = Lock::read(&lock_path)?;
    // Rendered only when a path is not in the lock: then it may be a file of
    // the user's own (a hand-written Dockerfile) that kiln would write.
    let mut rendered: Option<Rendered> = None;
    for file in files {
        let key = file.strip_prefix("./").unwrap_or(file);
        if let Some(entry) = lock.files.get_mut(key) {
            if entry.ejected {
                return Err(Error::EjectAgain { path: file.clone() });
            }
            entry.ejected = true;
            continue;
        }
        if rendered.is_none() {
            rendered = Some(generate(&read_source(dir)?)?.0);
        }
        if !rendered.as_ref().is_some_and(|r| r.contains_key(key)) {
            return Err(Error::EjectUnknown { path: file.clone() });
        }
        let full = dir.join(key);
        let contents = match std::fs::read(&full) {
            Ok(bytes) => bytes,
            Err(cause) if cause.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(cause) => return Err(Error::Io { path: full, cause }),
        };
        lock.files.insert(
            key.to_string(),
            Entry {
                ejected: true,
                ..Entry::new(hash(&contents))
            },
        );
    }
    write::write_atomic(&lock_path, lock.to_text().as_bytes())?;
    for file in files {
        writeln!(
            out,
            "ejected {file}: it is yours now; kiln will never write or delete it again"
        )
        .map_err(io(dir))?;
    }
    Ok(())
}

pub fn diff(
    dir: &Path,
    against: &DiffAgainst,
    format: Format,
    filter: &Filter,
    color: Color,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    let source = read_source(dir)?;
    let (rendered, _) = generate(&source)?;
    let (diffs, mode) = match against {
        DiffAgainst::Disk => {
            let (lock, _) = Lock::read_with_journal(dir)?;
            (
                diff::against_disk(dir, &rendered, &lock, filter),
                Mode::Drift,
            )
        }
        DiffAgainst::Revision(revision) => {
            let base = Source {
                name: format!("kiln.toml at {revision}"),
                text: config_at(dir, revision)?,
            };
            let (old, _) = generate(&base)?;
            (diff::between(&old, &rendered, filter), Mode::Base)
        }
        DiffAgainst::Directory(other) => (
            diff::between(&diff::read_tree(other), &rendered, filter),
            Mode::Against,
        ),
    };
    let diffs = if filter.semantic {
        crate::semantic::significant(diffs)
    } else {
        diffs
    };
    let color = match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            use std::io::IsTerminal;
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    out.write_all(report::render(&diffs, mode, format, color).as_bytes())
        .map_err(io(dir))?;
    Ok(if diffs.is_empty() { 0 } else { 1 })
}

/// The text of `kiln.toml` at a git revision, read with git itself.
fn config_at(dir: &Path, revision: &str) -> Result<String, Error> {
    let git_error = |cause: String| Error::Git {
        revision: revision.to_string(),
        cause,
    };
    if revision.starts_with('-') {
        return Err(git_error(
            "it looks like an option, not a revision".to_string(),
        ));
    }
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .arg("show")
        .arg(format!("{revision}:./{}", paths::CONFIG))
        .output()
        .map_err(|err| git_error(format!("cannot run git: {err}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(git_error(
            stderr
                .lines()
                .next()
                .unwrap_or("git failed")
                .trim_start_matches("fatal: ")
                .to_string(),
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| git_error("the file is not UTF-8".to_string()))
}
