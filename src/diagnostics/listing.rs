//! The files an environment's kustomization and the files a build leaves
//! disagree on (ejected files), and how they are worded.

use super::Located;
use std::fmt;

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

/// What `kiln restore` says of the files it cannot give back to kiln.
pub(super) fn unrestorable(
    files: &[(String, Unrestorable)],
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
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
