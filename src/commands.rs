//! The subcommands, each a thin composition of the pipeline steps.

use crate::config::load;
use crate::config::presets;
use crate::diagnostics::Error;
use crate::diagnostics::Source;
use crate::diff::{self, Filter};
use crate::explain;
use crate::grammar::names;
use crate::kinds;
use crate::output::lock::{Entry, Lock, hash};
use crate::output::paths;
use crate::output::plan::{self, Action};
use crate::output::{cache, write};
use crate::render::{Rendered, Renderer, Sources};
use crate::report::{self, Format, Mode};
use crate::{Color, DiffAgainst};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Every starter app names its project `demo`; `kiln init` renames it.
const STARTER_NAME_LINE: &str = "name = \"demo\"";

/// Summary counts of a rendered config.
struct Stats {
    environments: usize,
    services: usize,
    /// Pipelines are written, but `project.kiln` does not say where CI gets kiln.
    drift_without_kiln: bool,
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

/// What a render of `kiln.toml` gives: the files and their templates.
pub(crate) struct Generated {
    pub(crate) rendered: Rendered,
    pub(crate) sources: Sources,
    stats: Stats,
}

/// load → presets → validate: the config as `resolve` sees it.
fn configure(source: &Source) -> Result<crate::config::Config, Error> {
    let mut config = load::parse(&source.text).map_err(|problems| source.invalid(&problems))?;
    let mut problems = presets::apply(&mut config);
    problems.extend(kinds::validate(&config));
    if !problems.is_empty() {
        return Err(source.invalid(&problems));
    }
    Ok(config)
}

/// load → presets → validate → resolve → render (→ cross-check), all in
/// memory, with the bundled templates only: for the tests and the fuzzer.
pub fn render_text(text: &str, verify: Verify) -> Result<Rendered, Error> {
    let source = Source {
        name: paths::CONFIG.to_string(),
        text: text.to_string(),
    };
    generate_with(&Renderer::new()?, &source, verify).map(|generated| generated.rendered)
}

/// `generate`, with the repo's lock (and whether a build was interrupted)
/// read on another thread meanwhile: a lock of 30,000 files takes a while.
fn generate_with_lock(dir: &Path, source: &Source) -> Result<(Generated, Lock, bool), Error> {
    let (generated, lock) = crate::parallel::both(
        || generate(dir, source, Verify::Render),
        || Lock::read_with_journal(dir),
    );
    // A mistake in kiln.toml is reported before a problem with the lock.
    let generated = generated?;
    let (lock, recovering) = lock?;
    Ok((generated, lock, recovering))
}

/// The same, with the template overrides of the repo at `dir`.
pub(crate) fn generate(dir: &Path, source: &Source, verify: Verify) -> Result<Generated, Error> {
    generate_with(&Renderer::for_repo(dir)?, source, verify)
}

fn generate_with(renderer: &Renderer, source: &Source, verify: Verify) -> Result<Generated, Error> {
    let mut config = load::parse(&source.text).map_err(|problems| source.invalid(&problems))?;
    let mut problems = presets::apply(&mut config);
    problems.extend(kinds::validate(&config));
    // What resolve finds comes with what validate found, every problem at
    // once: resolve reports what it cannot make sense of, it assumes nothing.
    let mut model = match kinds::resolve(&config) {
        Ok(model) if problems.is_empty() => model,
        Ok(_) => return Err(source.invalid(&problems)),
        Err(found) => {
            problems.extend(found);
            return Err(source.invalid(&problems));
        }
    };
    kinds::delivery::record_inputs(
        &mut model.delivery.pipeline,
        &source.text,
        renderer
            .overrides()
            .values()
            .map(|own| (own.shown.as_str(), own.text.as_str())),
    );
    let (rendered, sources) = renderer.render_with_sources(&model)?;
    if verify == Verify::CrossCheck {
        let (problems, mut overrides) = kinds::crosscheck_made(&rendered, &model, &sources);
        // An override's mistake first: kiln's own may follow from it.
        match overrides.len() {
            0 => {}
            1 => return Err(overrides.remove(0)),
            _ => return Err(Error::Overrides(overrides)),
        }
        if !problems.is_empty() {
            return Err(source.invalid(&problems));
        }
    }
    let stats = Stats {
        environments: config.environments.len(),
        services: config.services.len(),
        drift_without_kiln: !config.project.ci.is_empty() && config.project.kiln.is_none(),
    };
    Ok(Generated {
        rendered,
        sources,
        stats,
    })
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

/// How the user names the repo at `dir` in paths: `""`, or `DIR/`.
fn shown_root(dir: &Path) -> String {
    if dir == Path::new(".") {
        String::new()
    } else {
        format!("{}/", dir.display())
    }
}

/// What `listing::audit` found, split into errors and warnings.
struct Listings {
    errors: Vec<crate::diagnostics::ListingProblem>,
    warnings: Vec<crate::diagnostics::ListingProblem>,
}

impl Listings {
    fn of(dir: &Path, rendered: &Rendered, lock: &Lock) -> Result<Listings, Error> {
        let (errors, warnings) = crate::output::listing::audit(dir, rendered, lock)?
            .into_iter()
            .partition(|problem| problem.fault.is_error());
        Ok(Listings { errors, warnings })
    }

    /// Prints the warnings on `warn` (stderr, or nothing with `-q`).
    fn warn(&self, warn: &mut dyn Write) {
        // A warning that cannot be printed must not fail the command.
        let _ = warn.write_all(crate::diagnostics::listing_report(&self.warnings).as_bytes());
    }

    /// The errors, as the error that stops the command.
    fn failure(&mut self, dir: &Path, build: bool) -> Option<Error> {
        (!self.errors.is_empty()).then(|| Error::Listing {
            problems: std::mem::take(&mut self.errors),
            root: shown_root(dir),
            build,
        })
    }
}

pub(crate) fn read_source(dir: &Path) -> Result<Source, Error> {
    let (_, shown) = config_path(dir);
    crate::pipeline::read(dir, shown)
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    }
}

pub fn check(dir: &Path, out: &mut dyn Write, warn: &mut dyn Write) -> Result<(), Error> {
    let source = read_source(dir)?;
    let (
        Generated {
            rendered, stats, ..
        },
        lock,
    ) = checked_with_lock(dir, &source)?;
    let mut listings = Listings::of(dir, &rendered, &lock)?;
    listings.warn(warn);
    if let Some(failure) = listings.failure(dir, false) {
        return Err(failure);
    }
    writeln!(
        out,
        "{} is valid: {} environments, {} services, {} files",
        source.name,
        stats.environments,
        stats.services,
        rendered.len()
    )
    .map_err(io(dir))?;
    if stats.drift_without_kiln {
        writeln!(out, "{}", crate::kinds::delivery::no_kiln_source_note()).map_err(io(dir))?;
    }
    Ok(())
}

/// `generate` with cross-checks, and meanwhile the lock as the listing
/// check needs it: a mistake in kiln.toml is reported first.
fn checked_with_lock(dir: &Path, source: &Source) -> Result<(Generated, Lock), Error> {
    let (generated, lock) = crate::parallel::both(
        || generate(dir, source, Verify::CrossCheck),
        || Lock::read_for_ejected(dir),
    );
    Ok((generated?, lock?))
}

/// `verbose` lists unchanged files too.
/// `kiln check --format json|github`: the outcome in that format on stdout.
/// A problem is still an error, so the text report goes to stderr as ever
/// and the exit code is 2.
pub fn check_as(
    dir: &Path,
    format: crate::CheckFormat,
    quiet: bool,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> Result<i32, Error> {
    let (_, shown) = config_path(dir);
    let checked = read_source(dir).and_then(|source| {
        let (generated, lock) = checked_with_lock(dir, &source)?;
        let listings = Listings::of(dir, &generated.rendered, &lock)?;
        Ok((source, generated, listings))
    });
    // Problems with ejected files make the repo fail the check as any other.
    let (checked, warnings) = match checked {
        Ok((source, generated, mut listings)) => {
            listings.warn(warn);
            let warnings = listings.warnings.clone();
            match listings.failure(dir, false) {
                Some(failure) => (Err(failure), warnings),
                None => (Ok((source, generated)), warnings),
            }
        }
        Err(err) => (Err(err), Vec::new()),
    };
    let root = shown_root(dir);
    let warnings: Vec<_> = warnings.iter().map(|w| w.located(&root)).collect();
    let problems = checked
        .as_ref()
        .err()
        .map(Error::located)
        .unwrap_or_default();
    let text = match (&checked, format) {
        (_, crate::CheckFormat::Json) => crate::problems::json(&crate::problems::Outcome {
            file: &shown,
            counts: checked.as_ref().ok().map(|(_, generated)| {
                (
                    generated.stats.environments,
                    generated.stats.services,
                    generated.rendered.len(),
                )
            }),
            problems: &problems,
            warnings: &warnings,
        }),
        (Err(_), _) => crate::problems::github(&problems, &warnings),
        (Ok(_), _) if quiet => crate::problems::github(&[], &warnings),
        (Ok((source, generated)), _) => format!(
            "{}{} is valid: {} environments, {} services, {} files\n",
            crate::problems::github(&[], &warnings),
            source.name,
            generated.stats.environments,
            generated.stats.services,
            generated.rendered.len()
        ),
    };
    out.write_all(text.as_bytes()).map_err(io(dir))?;
    checked.map(|_| 0)
}

/// `kiln render ENV`: the environment's objects as one YAML stream in
/// apply order (see `stream`). Writes nothing, the cache included. An
/// ejected file is the user's: it goes in as it is on disk, as
/// `kubectl apply -k` would apply it.
pub fn render(dir: &Path, environment: &str, out: &mut dyn Write) -> Result<(), Error> {
    let source = read_source(dir)?;
    let rendered = generate(dir, &source, Verify::Render)?.rendered;
    let env_dir = paths::environment_dir(environment);
    let kustomization = format!("{env_dir}/kustomization.yaml");
    let Some(listing) = rendered.get(&kustomization) else {
        let known: Vec<String> = rendered
            .keys()
            .filter(|path| path.ends_with("/kustomization.yaml"))
            .filter_map(|path| paths::environment_of(path))
            .map(str::to_string)
            .collect();
        return Err(Error::not_found("environment", environment, &known));
    };
    let resources: Vec<String> = serde_yaml::from_str::<serde_yaml::Value>(listing)
        .ok()
        .and_then(|value| {
            value["resources"].as_sequence().map(|items| {
                items
                    .iter()
                    .filter_map(|item| item.as_str().map(str::to_string))
                    .collect()
            })
        })
        .unwrap_or_default();
    let lock = Lock::read(dir, paths::LOCK)?;
    let mut files = Vec::new();
    for resource in resources {
        let path = format!("{env_dir}/{resource}");
        // Only files kiln renders: a listing cannot send kiln reading elsewhere.
        let Some(text) = rendered.get(&path) else {
            continue;
        };
        let text = if lock.files.get(&path).is_some_and(|entry| entry.ejected) {
            match crate::output::files::read(dir, &path, crate::output::files::MAX_FILE_BYTES)
                .map_err(|failure| failure.at(path.clone(), &dir.join(&path)))?
            {
                Some(contents) => String::from_utf8_lossy(&contents.bytes).into_owned(),
                None => return Err(Error::EjectedMissing { path }),
            }
        } else {
            text.clone()
        };
        files.push((path, text));
    }
    let stream = crate::output::stream::stream(&files).map_err(|bad| Error::NotYaml {
        path: bad.path,
        cause: bad.cause,
    })?;
    out.write_all(stream.as_bytes()).map_err(io(dir))
}

pub fn build(
    dir: &Path,
    dry_run: bool,
    force: bool,
    verbose: bool,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> Result<(), Error> {
    let source = read_source(dir)?;
    // A dry run writes nothing, so it needs no lock.
    let repo_lock = if dry_run {
        None
    } else {
        Some(write::lock_repo(dir)?)
    };
    let inputs = cache::inputs(&source, override_texts(dir).as_ref().map(texts));
    if let Some(files) = inputs.as_deref().and_then(|i| cache::settled(dir, i)) {
        if let Some(repo) = &repo_lock {
            write::sweep_leftovers(dir, repo);
        }
        return report_plan(dir, &files, dry_run, verbose, out);
    }
    let (
        Generated {
            rendered, sources, ..
        },
        lock,
        recovering,
    ) = generate_with_lock(dir, &source)?;
    let plan = plan::plan(dir, &rendered, &sources, &lock, force)?;
    // After the plan, which stamped the ejected files for the cache first.
    let mut listings = Listings::of(dir, &rendered, &lock)?;
    if let Some(conflicts) = plan.conflicts() {
        if dry_run {
            list_plan(dir, listed(&plan.files, true, verbose), out)?;
        }
        return Err(conflicts);
    }
    if let Some(failure) = listings.failure(dir, !dry_run) {
        if dry_run {
            list_plan(dir, listed(&plan.files, true, verbose), out)?;
        }
        listings.warn(warn);
        return Err(failure);
    }
    if dry_run {
        report_plan(dir, &plan.files, true, verbose, out)?;
        listings.warn(warn);
        return Ok(());
    }
    cache::forget(dir);
    let written = write::apply(dir, &plan, &rendered, &lock, recovering)?;
    // A warning is repeated by every build until it is dealt with: the
    // cache would skip the render that finds it.
    if let Some(inputs) = &inputs
        && listings.warnings.is_empty()
    {
        cache::record(dir, inputs, &plan, &written);
    }
    report_plan(dir, &plan.files, false, verbose, out)?;
    listings.warn(warn);
    Ok(())
}

/// Prints what a build did, or with `dry_run` what it would do, file by file.
fn report_plan(
    dir: &Path,
    files: &[(String, Action)],
    dry_run: bool,
    verbose: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    list_plan(dir, listed(files, dry_run, verbose), out)?;
    if dry_run {
        writeln!(out, "dry run: {}; nothing written", summary(files)).map_err(io(dir))
    } else {
        writeln!(out, "kiln: {}", summary(files)).map_err(io(dir))
    }
}

/// The files a build lists: what changes; in a dry run also the files
/// that will not follow `kiln.toml` (ejected, edited by hand, not kiln's);
/// with `verbose`, every file. The summary line counts them all.
fn listed(
    files: &[(String, Action)],
    dry_run: bool,
    verbose: bool,
) -> impl Iterator<Item = &(String, Action)> {
    files.iter().filter(move |(_, action)| match action {
        Action::Create | Action::Update | Action::Delete => true,
        Action::Ejected | Action::Edited | Action::Foreign => dry_run || verbose,
        Action::Unchanged => verbose,
    })
}

fn list_plan<'a>(
    dir: &Path,
    files: impl IntoIterator<Item = &'a (String, Action)>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    for (path, action) in files {
        writeln!(out, "{:<9}  {path}", action.label()).map_err(io(dir))?;
    }
    Ok(())
}

fn summary(files: &[(String, Action)]) -> String {
    let mut parts = Vec::new();
    for action in [
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Unchanged,
        Action::Ejected,
    ] {
        let n = files.iter().filter(|(_, a)| *a == action).count();
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

pub fn init(
    dir: &Path,
    name: Option<&str>,
    preset: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let (config, _) = config_path(dir);
    if std::fs::symlink_metadata(&config).is_ok() {
        return Err(Error::ConfigExists { path: config });
    }
    let name = match name {
        Some(name) => name.to_string(),
        None => default_name(dir)?,
    };
    if !names::is_dns_label(&name, crate::config::limits::MAX_PROJECT) {
        return Err(Error::BadName {
            name,
            max: crate::config::limits::MAX_PROJECT,
        });
    }
    let wanted = preset.unwrap_or(presets::DEFAULT_APP);
    let Some(app) = presets::app(wanted) else {
        return Err(Error::UnknownPreset {
            name: wanted.to_string(),
            known: presets::apps().iter().map(|p| p.name.to_string()).collect(),
        });
    };
    // Taplo and Even Better TOML read this first line and check the file
    // against the schema beside it.
    let text = format!(
        "#:schema ./{}\n{}",
        paths::SCHEMA,
        app.text
            .replacen(STARTER_NAME_LINE, &format!("name = \"{name}\""), 1)
    );
    let (_, shown) = config_path(dir);
    let source = Source { name: shown, text };
    // Render before writing anything, so a failure leaves no half-made repo.
    let Generated {
        rendered, sources, ..
    } = generate(dir, &source, Verify::Render)?;
    let _repo = write::lock_repo(dir)?;
    let (lock, recovering) = Lock::read_with_journal(dir)?;
    let plan = plan::plan(dir, &rendered, &sources, &lock, false)?;
    if let Some(conflicts) = plan.conflicts() {
        return Err(conflicts);
    }
    write::write(dir, paths::SCHEMA, schema_text().as_bytes())?;
    write::write(dir, paths::CONFIG, source.text.as_bytes())?;
    write::apply(dir, &plan, &rendered, &lock, recovering)?;
    writeln!(out, "created {}", source.name).map_err(io(dir))?;
    writeln!(out, "kiln: {}", summary(&plan.files)).map_err(io(dir))?;
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
    let mut lock = Lock::read(dir, paths::LOCK)?;
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
            rendered = Some(generate(dir, &read_source(dir)?, Verify::Render)?.rendered);
        }
        if !rendered.as_ref().is_some_and(|r| r.contains_key(key)) {
            return Err(Error::EjectUnknown { path: file.clone() });
        }
        let contents = crate::output::files::read(dir, key, crate::output::files::MAX_FILE_BYTES)
            .map_err(|f| f.at(key, &dir.join(key)))?
            .map(|contents| contents.bytes)
            .unwrap_or_default();
        lock.files.insert(
            key.to_string(),
            Entry {
                ejected: true,
                ..Entry::new(hash(&contents))
            },
        );
    }
    write::write(dir, paths::LOCK, lock.to_text().as_bytes())?;
    for file in files {
        writeln!(
            out,
            "ejected {file}: it is yours now; kiln will never write or delete it again (`kiln restore` gives it back)"
        )
        .map_err(io(dir))?;
    }
    Ok(())
}

/// `kiln restore PATH…`: gives ejected files back to kiln. Each is
/// rewritten as `kiln.toml` renders it, whatever was edited in it, and the
/// lock records it as kiln's again; nothing else is touched. Every path is
/// checked before anything is written, and the files go out through the
/// write sink, journal first, as a build's do.
pub fn restore(dir: &Path, files: &[String], out: &mut dyn Write) -> Result<(), Error> {
    use crate::diagnostics::Unrestorable;
    let source = read_source(dir)?;
    let _repo = write::lock_repo(dir)?;
    let (
        Generated {
            rendered, sources, ..
        },
        lock,
        recovering,
    ) = generate_with_lock(dir, &source)?;
    // The journal's hashes say which files that build wrote; only a build
    // may settle them into the lock.
    if recovering {
        return Err(Error::RestorePending);
    }
    let mut wanted: Vec<&str> = Vec::new();
    let mut refused = Vec::new();
    for file in files {
        let key = file.strip_prefix("./").unwrap_or(file);
        let why = match lock.files.get(key) {
            _ if paths::generated(key).is_err() => Some(Unrestorable::Unknown),
            Some(entry) if entry.ejected && rendered.contains_key(key) => None,
            Some(entry) if entry.ejected => Some(Unrestorable::NotRendered),
            Some(_) => Some(Unrestorable::NotEjected),
            None if rendered.contains_key(key) => Some(Unrestorable::NotEjected),
            None => Some(Unrestorable::Unknown),
        };
        match why {
            Some(why) => refused.push((file.clone(), why)),
            None if wanted.contains(&key) => {}
            None => wanted.push(key),
        }
    }
    if !refused.is_empty() {
        return Err(Error::Unrestorable { files: refused });
    }
    let mut next = Lock {
        version: Lock::VERSION,
        files: lock
            .files
            .iter()
            .map(|(path, entry)| (path.clone(), entry.settled()))
            .collect(),
    };
    let mut planned = Vec::new();
    let mut unsafe_paths = Vec::new();
    for key in &wanted {
        let contents = &rendered[*key];
        let action =
            match crate::output::files::read(dir, key, crate::output::files::MAX_FILE_BYTES) {
                Ok(None) => Action::Create,
                Ok(Some(disk)) if disk.bytes == contents.as_bytes() => Action::Unchanged,
                Ok(Some(_)) => Action::Update,
                Err(crate::output::files::Failure::Refused(reason)) => {
                    unsafe_paths.push((key.to_string(), reason));
                    continue;
                }
                Err(failure) => return Err(failure.at(*key, &dir.join(key))),
            };
        next.files.insert(
            key.to_string(),
            Entry {
                templates: sources.get(*key).cloned().unwrap_or_default(),
                ..Entry::new(hash(contents.as_bytes()))
            },
        );
        planned.push((key.to_string(), action));
    }
    if !unsafe_paths.is_empty() {
        return Err(Error::Unsafe {
            files: unsafe_paths,
        });
    }
    let plan = plan::Plan {
        files: planned,
        lock: next,
        seen: Default::default(),
        absent: Default::default(),
    };
    cache::forget(dir);
    write::apply(dir, &plan, &rendered, &lock, false)?;
    for (path, action) in &plan.files {
        let what = match action {
            Action::Create => "written from kiln.toml (it was not on disk)",
            Action::Unchanged => "it already was what kiln.toml renders",
            _ => "rewritten from kiln.toml, and what was in it replaced, hand edits included",
        };
        writeln!(out, "restored {path}: {what}; kiln owns it again").map_err(io(dir))?;
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
    warn: &mut dyn Write,
) -> Result<i32, Error> {
    let source = read_source(dir)?;
    if matches!(against, DiffAgainst::Disk)
        && let Some(files) = cache::inputs(&source, override_texts(dir).as_ref().map(texts))
            .and_then(|i| cache::settled(dir, &i))
    {
        // The last build left the repo in step with these inputs, untouched since.
        check_filter(filter, files.iter().map(|(path, _)| path.as_str()))?;
        return finish_diff(&[], Mode::Drift, format, color, dir, out);
    }
    let (diffs, mode) = match against {
        DiffAgainst::Disk => {
            let (generated, lock, _) = generate_with_lock(dir, &source)?;
            let rendered = generated.rendered.keys();
            check_filter(
                filter,
                rendered.chain(lock.files.keys()).map(String::as_str),
            )?;
            listing(dir, &generated.rendered, &lock, filter, warn)?;
            (
                diff::against_disk(dir, &generated.rendered, &lock, filter)?,
                Mode::Drift,
            )
        }
        DiffAgainst::Revision(revision) => {
            let rendered = generate(dir, &source, Verify::Render)?.rendered;
            listing(dir, &rendered, &Lock::read_for_ejected(dir)?, filter, warn)?;
            let base = Source {
                name: format!("kiln.toml at {revision}"),
                text: config_at(dir, revision)?,
            };
            // Each side with its own template overrides.
            let old = generate_with(&renderer_at(dir, revision)?, &base, Verify::Render)?.rendered;
            check_filter(
                filter,
                old.keys().chain(rendered.keys()).map(String::as_str),
            )?;
            (diff::between(&old, &rendered, filter), Mode::Base)
        }
        DiffAgainst::Directory(other) => {
            // A missing directory would read as empty: every file "created".
            match std::fs::metadata(other) {
                Ok(metadata) if metadata.is_dir() => {}
                Ok(_) => {
                    return Err(Error::AgainstNotDirectory {
                        path: other.clone(),
                        why: "it is not a directory".to_string(),
                    });
                }
                Err(cause) => {
                    return Err(Error::AgainstNotDirectory {
                        path: other.clone(),
                        why: if cause.kind() == std::io::ErrorKind::NotFound {
                            "it does not exist".to_string()
                        } else {
                            cause.to_string()
                        },
                    });
                }
            }
            let rendered = generate(dir, &source, Verify::Render)?.rendered;
            listing(dir, &rendered, &Lock::read_for_ejected(dir)?, filter, warn)?;
            let tree = diff::read_tree(other)?;
            check_filter(
                filter,
                tree.keys().chain(rendered.keys()).map(String::as_str),
            )?;
            (diff::between(&tree, &rendered, filter), Mode::Against)
        }
    };
    let diffs = if filter.semantic {
        crate::semantic::significant(diffs)
    } else {
        diffs
    };
    finish_diff(&diffs, mode, format, color, dir, out)
}

/// The listing problems of the work tree that `filter` admits, in every
/// mode of `diff`: the work tree is what a merge carries. Warnings are
/// printed; errors stop the diff (exit 2), so CI can gate on them.
fn listing(
    dir: &Path,
    rendered: &Rendered,
    lock: &Lock,
    filter: &Filter,
    warn: &mut dyn Write,
) -> Result<(), Error> {
    let mut listings = Listings::of(dir, rendered, lock)?;
    listings.errors.retain(|p| filter.admits(&p.path));
    listings.warnings.retain(|p| filter.admits(&p.path));
    listings.warn(warn);
    listings.failure(dir, false).map_or(Ok(()), Err)
}

/// A `--env` or `--service` that names nothing on either side of a diff
/// would report "no differences" for ever: a CI gate that always passes.
fn check_filter<'a>(filter: &Filter, paths: impl Iterator<Item = &'a str>) -> Result<(), Error> {
    let mut environments = std::collections::BTreeSet::new();
    let mut services = std::collections::BTreeSet::new();
    for path in paths {
        environments.extend(paths::environment_of(path));
        services.extend(paths::service_of(path));
    }
    let unknown = |what, name: &str, known: &std::collections::BTreeSet<&str>| {
        (!known.contains(name)).then(|| crate::diagnostics::UnknownName {
            what,
            name: name.to_string(),
            suggestion: crate::diagnostics::suggest(name, known.iter().copied())
                .map(str::to_string),
            known: known.iter().map(|k| k.to_string()).collect(),
        })
    };
    let names: Vec<_> = filter
        .environments
        .iter()
        .filter_map(|name| unknown("environment", name, &environments))
        .chain(
            filter
                .service
                .iter()
                .filter_map(|name| unknown("service", name, &services)),
        )
        .collect();
    if names.is_empty() {
        Ok(())
    } else {
        Err(Error::UnknownFilter { names })
    }
}

/// Prints the report; the exit code says whether anything differs.
fn finish_diff(
    diffs: &[diff::FileDiff],
    mode: Mode,
    format: Format,
    color: Color,
    dir: &Path,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    let color = color.on(&std::io::stdout());
    out.write_all(report::render(diffs, mode, format, color).as_bytes())
        .map_err(io(dir))?;
    Ok(if diffs.is_empty() { 0 } else { 1 })
}

/// The text of `kiln.toml` at a git revision, read with git itself.
fn config_at(dir: &Path, revision: &str) -> Result<String, Error> {
    let spec = format!("{revision}:./{}", paths::CONFIG);
    let (text, bytes) = git_read(
        dir,
        revision,
        &["show", &spec],
        crate::config::limits::MAX_CONFIG_BYTES,
    )?;
    if bytes > crate::config::limits::MAX_CONFIG_BYTES {
        return Err(Error::ConfigTooLarge {
            path: PathBuf::from(format!("{} at {revision}", paths::CONFIG)),
            bytes,
            max: crate::config::limits::MAX_CONFIG_BYTES,
        });
    }
    String::from_utf8(text).map_err(|_| git_error(revision, "the file is not UTF-8".to_string()))
}

fn git_error(revision: &str, cause: String) -> Error {
    Error::Git {
        revision: revision.to_string(),
        cause,
    }
}

/// What `git -C dir ARGS` prints, up to `max` bytes, and how many it
/// printed in all: the rest is only counted, so a huge blob in a pull
/// request never lands in memory.
fn git_read(dir: &Path, revision: &str, args: &[&str], max: u64) -> Result<(Vec<u8>, u64), Error> {
    let git_error = |cause: String| git_error(revision, cause);
    if revision.starts_with('-') {
        return Err(git_error(
            "it looks like an option, not a revision".to_string(),
        ));
    }
    let mut git = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|err| git_error(format!("cannot run git: {err}")))?;
    let mut text = Vec::new();
    let mut stdout = git.stdout.take().expect("piped");
    let read = (&mut stdout)
        .take(max + 1)
        .read_to_end(&mut text)
        .and_then(|n| {
            let n = n as u64;
            if n > max {
                std::io::copy(&mut stdout, &mut std::io::sink()).map(|rest| n + rest)
            } else {
                Ok(n)
            }
        });
    let mut stderr = Vec::new();
    if let Some(mut pipe) = git.stderr.take() {
        // Only the first line is shown; a few KiB hold it.
        let _ = pipe.by_ref().take(64 * 1024).read_to_end(&mut stderr);
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
    }
    let status = git
        .wait()
        .map_err(|err| git_error(format!("cannot run git: {err}")))?;
    let bytes = read.map_err(|err| git_error(format!("cannot read git's output: {err}")))?;
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        return Err(git_error(
            stderr
                .lines()
                .next()
                .unwrap_or("git failed")
                .trim_start_matches("fatal: ")
                .to_string(),
        ));
    }
    Ok((text, bytes))
}

/// The renderer with the template overrides of `.kiln/templates` at a git
/// revision: each a regular blob (no link, no submodule) of at most
/// `MAX_OVERRIDE_BYTES`, at most `MAX_OVERRIDE_ENTRIES` of them, checked
/// as the work tree's are.
fn renderer_at(dir: &Path, revision: &str) -> Result<Renderer, Error> {
    use crate::diagnostics::OverrideRule;
    use crate::render::{MAX_OVERRIDE_BYTES, MAX_OVERRIDE_ENTRIES};
    let root = paths::OVERRIDES;
    // One line of ls-tree is about 100 bytes, and the path at most 4 KiB.
    let max_listing = (MAX_OVERRIDE_ENTRIES as u64 + 1) * 4200;
    let (listing, bytes) = git_read(
        dir,
        revision,
        &["ls-tree", "-r", "-l", "-z", revision, "--", root],
        max_listing,
    )?;
    let refused = |file: String, rule| Error::Override {
        file,
        line: None,
        rule,
    };
    let entries: Vec<&[u8]> = listing
        .split(|b| *b == 0)
        .filter(|e| !e.is_empty())
        .collect();
    if bytes > max_listing || entries.len() > MAX_OVERRIDE_ENTRIES {
        return Err(refused(
            format!("{revision}:{root}"),
            OverrideRule::TooManyFiles {
                max: MAX_OVERRIDE_ENTRIES,
            },
        ));
    }
    let mut listed = Vec::new();
    for entry in entries {
        let entry = String::from_utf8_lossy(entry);
        // `<mode> <type> <object> <size>\t<path>`
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let fields: Vec<&str> = meta.split_whitespace().collect();
        let [mode, _, object, size] = fields[..] else {
            continue;
        };
        let shown = format!("{revision}:{path}");
        let name = path
            .strip_prefix(root)
            .unwrap_or(path)
            .trim_start_matches('/')
            .to_string();
        let text = match mode {
            "120000" => Err(refused(shown.clone(), OverrideRule::Symlink)),
            "100644" | "100755" => match size.parse::<u64>() {
                Ok(size) if size > MAX_OVERRIDE_BYTES => Err(refused(
                    shown.clone(),
                    OverrideRule::TooLarge {
                        bytes: size,
                        max: MAX_OVERRIDE_BYTES,
                    },
                )),
                _ => {
                    let (text, bytes) = git_read(
                        dir,
                        revision,
                        &["cat-file", "blob", object],
                        MAX_OVERRIDE_BYTES,
                    )?;
                    if bytes > MAX_OVERRIDE_BYTES {
                        Err(refused(
                            shown.clone(),
                            OverrideRule::TooLarge {
                                bytes,
                                max: MAX_OVERRIDE_BYTES,
                            },
                        ))
                    } else {
                        String::from_utf8(text)
                            .map_err(|_| refused(shown.clone(), OverrideRule::NotUtf8))
                    }
                }
            },
            _ => Err(refused(shown.clone(), OverrideRule::NotRegular)),
        };
        listed.push((name, shown, text));
    }
    crate::render::overrides_from(listed)
}

/// `kiln explain ENV SERVICE [KEY]`
pub fn explain(
    dir: &Path,
    environment: &str,
    service: &str,
    key: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let source = read_source(dir)?;
    let raw = load::parse(&source.text).map_err(|problems| source.invalid(&problems))?;
    let config = configure(&source)?;
    let model = kinds::resolve(&config).map_err(|problems| source.invalid(&problems))?;
    let Some(resolved_env) = model.environments.iter().find(|e| e.name == environment) else {
        return Err(Error::not_found(
            "environment",
            environment,
            config.environments.keys(),
        ));
    };
    let Some(resolved) = resolved_env.services.iter().find(|s| s.name == service) else {
        return Err(Error::not_found("service", service, config.services.keys()));
    };
    let rows = explain::rows(&raw, &config, environment, service, resolved, &model);
    let rows: Vec<&explain::Row> = match key {
        None => rows.iter().collect(),
        Some(key) => {
            let picked: Vec<&explain::Row> = rows
                .iter()
                .filter(|row| row.key == key || row.key.starts_with(&format!("{key}.")))
                .collect();
            if picked.is_empty() {
                // Too many to list: the table without a key shows them.
                return Err(Error::NotFound {
                    what: "setting",
                    name: key.to_string(),
                    suggestion: crate::diagnostics::suggest(
                        key,
                        rows.iter().map(|row| row.key.as_str()),
                    )
                    .map(str::to_string),
                    known: Vec::new(),
                });
            }
            picked
        }
    };
    out.write_all(explain::table(environment, service, &rows).as_bytes())
        .map_err(io(dir))
}

/// `kiln prereqs [ENV]`: rendered as `kiln build` would, template overrides
/// included, and nothing written.
pub fn prereqs(
    dir: &Path,
    environment: Option<&str>,
    format: crate::PrereqsFormat,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let source = read_source(dir)?;
    let config = configure(&source)?;
    if let Some(name) = environment
        && !config.environments.contains_key(name)
    {
        return Err(Error::not_found(
            "environment",
            name,
            config.environments.keys(),
        ));
    }
    let model = kinds::resolve(&config).map_err(|problems| source.invalid(&problems))?;
    let rendered = Renderer::for_repo(dir)?.render(&model)?;
    let report = crate::prereqs::report(&model, &rendered, environment);
    let text = match format {
        crate::PrereqsFormat::Text => crate::prereqs::text(&report),
        crate::PrereqsFormat::Json => crate::prereqs::json(&report),
    };
    out.write_all(text.as_bytes()).map_err(io(dir))
}

/// `kiln templates list|show|eject`
pub fn templates(
    dir: &Path,
    action: &crate::TemplatesAction,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let bundled = crate::render::bundled();
    let find = |name: &str| {
        bundled
            .iter()
            .find(|(bundled, _)| bundled == name)
            .map(|(_, text)| *text)
            .ok_or_else(|| Error::UnknownTemplate {
                name: name.to_string(),
                suggestion: crate::diagnostics::suggest(
                    name,
                    bundled.iter().map(|(n, _)| n.as_str()),
                )
                .map(str::to_string),
            })
    };
    match action {
        crate::TemplatesAction::List => {
            let overrides = crate::render::overrides(dir)?;
            for (name, _) in &bundled {
                match overrides.get(name) {
                    Some(own) => writeln!(out, "{name}  (overridden by {})", own.shown),
                    None => writeln!(out, "{name}"),
                }
                .map_err(io(dir))?;
            }
            Ok(())
        }
        crate::TemplatesAction::Show(name) => {
            out.write_all(find(name)?.as_bytes()).map_err(io(dir))
        }
        crate::TemplatesAction::Eject(name) => {
            let text = find(name)?;
            let shown = format!("{}/{name}", paths::OVERRIDES);
            let target = dir.join(&shown);
            // Refuses a `.kiln/templates` that is, or holds, a link: the copy
            // must land in the repo. A link at the target itself exists too.
            crate::render::overrides(dir)?;
            if target.symlink_metadata().is_ok() {
                return Err(Error::OverrideExists { file: shown });
            }
            write::write(dir, &shown, text.as_bytes())?;
            writeln!(
                out,
                "wrote {shown}: edit it, and `kiln build` renders with it instead of the bundled template"
            )
            .map_err(io(dir))
        }
    }
}

/// `kiln presets list`
pub fn presets(out: &mut dyn Write) -> Result<(), Error> {
    let here = Path::new(".");
    let groups = [
        (
            "service presets (`preset = \"NAME\"` in `[services.S]`):",
            presets::services(),
        ),
        ("starter apps (`kiln init --preset NAME`):", presets::apps()),
    ];
    for (i, (title, all)) in groups.iter().enumerate() {
        if i > 0 {
            writeln!(out).map_err(io(here))?;
        }
        writeln!(out, "{title}").map_err(io(here))?;
        let width = all.iter().map(|p| p.name.len()).max().unwrap_or(0);
        for preset in all {
            writeln!(out, "  {:<width$}  {}", preset.name, preset.description).map_err(io(here))?;
        }
    }
    Ok(())
}

/// The JSON Schema of `kiln.toml`, generated from `config::Config`.
pub fn schema_text() -> String {
    let schema = schemars::schema_for!(crate::config::Config);
    // Serialising a JSON value cannot fail.
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// `kiln schema`
pub fn schema(out: &mut dyn Write) -> Result<(), Error> {
    out.write_all(schema_text().as_bytes())
        .map_err(io(Path::new("<stdout>")))
}

/// `kiln man [COMMAND]...`: one page on stdout; `kiln man --out DIR`: every
/// page written into DIR, which is made if missing.
pub fn man(page: &[String], into: Option<&Path>, out: &mut dyn Write) -> Result<(), Error> {
    let stdout = Path::new("<stdout>");
    let pages = crate::cli::man_pages().map_err(io(stdout))?;
    let Some(dir) = into else {
        let wanted = format!(
            "kiln{}.1",
            page.iter()
                .map(|word| format!("-{word}"))
                .collect::<String>()
        );
        return match pages.iter().find(|(name, _)| *name == wanted) {
            Some((_, text)) => out.write_all(text).map_err(io(stdout)),
            None => {
                // `kiln-templates-list.1` is known as `templates list`.
                let known: Vec<String> = pages
                    .iter()
                    .filter_map(|(name, _)| name.strip_prefix("kiln-")?.strip_suffix(".1"))
                    .map(|name| name.replace('-', " "))
                    .collect();
                let name = page.join(" ");
                Err(Error::NotFound {
                    what: "subcommand",
                    suggestion: crate::diagnostics::suggest(
                        &name,
                        known.iter().map(String::as_str),
                    )
                    .map(str::to_string),
                    name,
                    known,
                })
            }
        };
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for (name, text) in &pages {
        crate::output::files::write_atomic(dir, name, text)
            .map_err(|failure| failure.at(name.clone(), &dir.join(name)))?;
    }
    writeln!(
        out,
        "kiln: wrote {} man pages to {}",
        pages.len(),
        dir.display()
    )
    .map_err(io(stdout))
}

/// The repo's template overrides, for the cache's fingerprint.
fn override_texts(
    dir: &Path,
) -> Option<std::collections::BTreeMap<String, crate::render::Override>> {
    crate::render::overrides(dir).ok()
}

/// Each override as (name, text).
fn texts(
    overrides: &std::collections::BTreeMap<String, crate::render::Override>,
) -> impl Iterator<Item = (&str, &str)> {
    overrides
        .iter()
        .map(|(name, own)| (name.as_str(), own.text.as_str()))
}
