//! Ways to show a diff: unified text, per-file stats, per-object fields,
//! JSON for bots and Markdown for pull-request comments.

use super::semantic::{self, Content, ObjectChange, ObjectStatus};
use super::{FileDiff, Status};
use crate::output::paths;
use anstyle::{AnsiColor, Style};
use serde::Serialize;
use similar::{ChangeTag, TextDiff};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// What the diff compared, for the reader and the JSON `mode` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Drift,
    Base,
    Against,
}

impl Mode {
    fn key(self) -> &'static str {
        match self {
            Mode::Drift => "drift",
            Mode::Base => "base",
            Mode::Against => "against",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Stat,
    Semantic,
    Json,
    Markdown,
}

/// ANSI styles, or nothing when colour is off.
struct Palette {
    on: bool,
}

impl Palette {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.on {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }
    fn added(&self, text: &str) -> String {
        self.paint(AnsiColor::Green.on_default(), text)
    }
    fn removed(&self, text: &str) -> String {
        self.paint(AnsiColor::Red.on_default(), text)
    }
    fn hunk(&self, text: &str) -> String {
        self.paint(AnsiColor::Cyan.on_default(), text)
    }
    fn heading(&self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }
}

/// Counts for the summary line and the JSON `summary`.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub changed: usize,
    pub created: usize,
    pub deleted: usize,
    pub edited: usize,
    #[serde(rename = "notOurs")]
    pub not_ours: usize,
    pub environments: Vec<String>,
}

impl Summary {
    pub fn of(diffs: &[FileDiff]) -> Summary {
        let count = |status| diffs.iter().filter(|d| d.status == status).count();
        let environments: BTreeSet<String> = diffs
            .iter()
            .filter_map(|d| paths::environment_of(&d.path))
            .map(str::to_string)
            .collect();
        Summary {
            files: diffs.len(),
            changed: count(Status::Changed),
            created: count(Status::Created),
            deleted: count(Status::Deleted),
            edited: count(Status::Edited),
            not_ours: count(Status::NotOurs),
            environments: environments.into_iter().collect(),
        }
    }

    /// `3 files changed, 1 created, 1 deleted; 2 environments affected`
    pub fn line(&self) -> String {
        if self.files == 0 {
            return "no differences".to_string();
        }
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("{n} {one}")
            } else {
                format!("{n} {many}")
            }
        };
        let mut parts = vec![plural(self.files, "file changed", "files changed")];
        for (n, label) in [
            (self.created, "created"),
            (self.deleted, "deleted"),
            (self.edited, "edited by hand"),
            (self.not_ours, "not written by kiln"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {label}"));
            }
        }
        let environments = plural(
            self.environments.len(),
            "environment affected",
            "environments affected",
        );
        format!("{}; {environments}", parts.join(", "))
    }
}

/// Renders the whole report.
pub fn render(diffs: &[FileDiff], mode: Mode, format: Format, color: bool) -> String {
    let palette = Palette {
        on: color && matches!(format, Format::Text | Format::Stat | Format::Semantic),
    };
    let summary = Summary::of(diffs);
    match format {
        Format::Text => {
            let mut out: String = diffs.iter().map(|d| unified(d, &palette)).collect();
            let _ = writeln!(out, "{}", summary.line());
            out
        }
        Format::Stat => stat(diffs, &summary, &palette),
        Format::Semantic => {
            let files = semantic::analyse(diffs);
            let mut out = semantic_text(diffs, &files, &semantic::across(&files), &palette);
            let _ = writeln!(out, "{}", summary.line());
            out
        }
        Format::Json => json(diffs, mode, &summary),
        Format::Markdown => markdown(diffs, &summary),
    }
}

fn side(text: &Option<String>) -> &str {
    text.as_deref().unwrap_or_default()
}

/// One file as a unified diff, git style.
fn unified(diff: &FileDiff, palette: &Palette) -> String {
    let old_name = if diff.old.is_some() {
        format!("a/{}", diff.path)
    } else {
        "/dev/null".to_string()
    };
    let new_name = if diff.new.is_some() {
        format!("b/{}", diff.path)
    } else {
        "/dev/null".to_string()
    };
    // A patched file says so, on either side: a hunk may not reach its note.
    let mut patched: Vec<String> = Vec::new();
    for text in [&diff.new, &diff.old].into_iter().flatten() {
        for (patch, _) in crate::customize::patch::notes(text) {
            if !patched.contains(&patch) {
                patched.push(patch);
            }
        }
    }
    let by = if patched.is_empty() {
        String::new()
    } else {
        format!("; patched by {}", patched.join(", "))
    };
    let mut out = palette.heading(&format!(
        "diff {} ({}{by})\n",
        diff.path,
        diff.status.label()
    ));
    let text_diff = TextDiff::from_lines(side(&diff.old), side(&diff.new));
    let body = text_diff
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &new_name)
        .to_string();
    for line in body.lines() {
        let painted = if line.starts_with("+++") || line.starts_with("---") {
            palette.heading(line)
        } else if line.starts_with('+') {
            palette.added(line)
        } else if line.starts_with('-') {
            palette.removed(line)
        } else if line.starts_with("@@") {
            palette.hunk(line)
        } else {
            line.to_string()
        };
        out.push_str(&painted);
        out.push('\n');
    }
    out
}

fn line_counts(diff: &FileDiff) -> (usize, usize) {
    let text_diff = TextDiff::from_lines(side(&diff.old), side(&diff.new));
    text_diff
        .iter_all_changes()
        .fold((0, 0), |(added, removed), change| match change.tag() {
            ChangeTag::Insert => (added + 1, removed),
            ChangeTag::Delete => (added, removed + 1),
            ChangeTag::Equal => (added, removed),
        })
}

fn stat(diffs: &[FileDiff], summary: &Summary, palette: &Palette) -> String {
    let width = diffs.iter().map(|d| d.path.len()).max().unwrap_or(0);
    let mut out = String::new();
    let (mut total_added, mut total_removed) = (0, 0);
    for diff in diffs {
        let (added, removed) = line_counts(diff);
        total_added += added;
        total_removed += removed;
        let _ = writeln!(
            out,
            " {:<width$} | {:>5} {}{}  ({})",
            diff.path,
            added + removed,
            palette.added(&"+".repeat(added.min(40))),
            palette.removed(&"-".repeat(removed.min(40))),
            diff.status.label()
        );
    }
    let _ = writeln!(
        out,
        "{}; {total_added} lines added, {total_removed} removed",
        summary.line()
    );
    out
}

/// The field-level report: each file that differs, in path order, with
/// its objects, its document's fields or its text hunks. Every file the
/// summary counts is named, so the report never hides a change.
fn semantic_text(
    diffs: &[FileDiff],
    files: &[semantic::FileChange],
    objects: &[ObjectChange],
    palette: &Palette,
) -> String {
    let mut out = String::new();
    let mut by_file: BTreeMap<&str, Vec<&ObjectChange>> = BTreeMap::new();
    for object in objects {
        by_file
            .entry(object.file.as_str())
            .or_default()
            .push(object);
    }
    for (diff, file) in diffs.iter().zip(files) {
        let file_line = format!(
            "{} {} ({})",
            diff.status.mark(),
            diff.path,
            diff.status.label()
        );
        let paint_file = |line: &str| match diff.status {
            Status::Created => palette.added(line),
            Status::Deleted | Status::Edited | Status::NotOurs => palette.removed(line),
            Status::Changed => palette.heading(line),
        };
        // A hand edit stops a build whatever it touches: named first, always.
        let flagged = matches!(diff.status, Status::Edited | Status::NotOurs);
        if flagged {
            let _ = writeln!(out, "{}", paint_file(&file_line));
        }
        let before = out.len();
        let notes = diff
            .new
            .as_deref()
            .map(crate::customize::patch::notes)
            .unwrap_or_default();
        for object in by_file.get(diff.path.as_str()).into_iter().flatten() {
            object_text(object, &notes, palette, &mut out);
        }
        let both_sides = diff.old.is_some() && diff.new.is_some();
        match file.content {
            Content::Text if both_sides => {
                if !flagged {
                    let _ = writeln!(out, "{}", paint_file(&file_line));
                }
                hunks(diff, palette, &mut out);
            }
            Content::Yaml | Content::Kubernetes => {
                if !file.fields.is_empty() {
                    if !flagged {
                        let _ = writeln!(out, "{}", paint_file(&file_line));
                    }
                    fields_text(&file.fields, &[], palette, &mut out);
                }
            }
            Content::Text => {}
        }
        // A created or deleted file without objects, or one whose objects
        // moved to another file: the file itself is the change.
        if out.len() == before && !flagged {
            let _ = writeln!(out, "{}", paint_file(&file_line));
        }
    }
    out
}

fn object_text(
    object: &ObjectChange,
    notes: &[(String, Vec<String>)],
    palette: &Palette,
    out: &mut String,
) {
    match object.status {
        ObjectStatus::Added => {
            let _ = writeln!(
                out,
                "{}",
                palette.added(&format!("+ {} (added, {})", object.id, object.file))
            );
        }
        ObjectStatus::Removed => {
            let _ = writeln!(
                out,
                "{}",
                palette.removed(&format!("- {} (removed, {})", object.id, object.file))
            );
        }
        ObjectStatus::Changed => {
            let _ = writeln!(
                out,
                "{}",
                palette.heading(&format!("~ {} ({})", object.id, object.file))
            );
            fields_text(&object.changes, notes, palette, out);
        }
    }
}

/// Each field as `path: old → new`, with the patch it comes from when
/// the file's notes (`# Patched by …`) name it or a field around it.
fn fields_text(
    fields: &[semantic::FieldChange],
    notes: &[(String, Vec<String>)],
    palette: &Palette,
    out: &mut String,
) {
    for field in fields {
        let from = notes
            .iter()
            .find(|(_, patched)| {
                patched.iter().any(|p| {
                    let within = |outer: &str, inner: &str| {
                        inner == outer
                            || inner.starts_with(&format!("{outer}."))
                            || inner.starts_with(&format!("{outer}["))
                    };
                    within(p, &field.path) || within(&field.path, p)
                })
            })
            .map(|(patch, _)| format!("  (from {patch})"))
            .unwrap_or_default();
        let line = match (&field.old, &field.new) {
            (Some(old), Some(new)) => format!(
                "    {}: {} → {}",
                field.path,
                semantic::show(old),
                semantic::show(new)
            ),
            (None, Some(new)) => {
                palette.added(&format!("  + {}: {}", field.path, semantic::show(new)))
            }
            (Some(old), None) => {
                palette.removed(&format!("  - {}: {}", field.path, semantic::show(old)))
            }
            (None, None) => continue,
        };
        let _ = writeln!(out, "{line}{from}");
    }
}

/// The hunks of a file compared as text, indented under its heading.
fn hunks(diff: &FileDiff, palette: &Palette, out: &mut String) {
    let text_diff = TextDiff::from_lines(side(&diff.old), side(&diff.new));
    let body = text_diff.unified_diff().context_radius(3).to_string();
    for line in body.lines() {
        let painted = if line.starts_with("@@") {
            palette.hunk(line)
        } else if line.starts_with('+') {
            palette.added(line)
        } else if line.starts_with('-') {
            palette.removed(line)
        } else {
            line.to_string()
        };
        let _ = writeln!(out, "    {painted}");
    }
}

/// The JSON document, schema `docs/diff.schema.json`.
#[derive(Serialize)]
struct JsonReport<'a> {
    schema: &'static str,
    mode: &'static str,
    summary: &'a Summary,
    files: Vec<JsonFile<'a>>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    status: &'static str,
    environment: Option<&'a str>,
    service: Option<&'a str>,
    #[serde(rename = "linesAdded")]
    lines_added: usize,
    #[serde(rename = "linesRemoved")]
    lines_removed: usize,
    diff: String,
    /// How the file was compared: `kubernetes`, `yaml` or `text`.
    content: Content,
    objects: Vec<ObjectChange>,
    /// Field changes of its YAML documents that are not Kubernetes objects.
    fields: Vec<semantic::FieldChange>,
}

fn json(diffs: &[FileDiff], mode: Mode, summary: &Summary) -> String {
    let plain = Palette { on: false };
    let files = diffs
        .iter()
        .zip(semantic::analyse(diffs))
        .map(|(diff, file)| {
            let (lines_added, lines_removed) = line_counts(diff);
            JsonFile {
                path: &diff.path,
                status: diff.status.key(),
                environment: paths::environment_of(&diff.path),
                service: paths::service_of(&diff.path),
                lines_added,
                lines_removed,
                diff: unified(diff, &plain),
                content: file.content,
                objects: file.objects,
                fields: file.fields,
            }
        })
        .collect();
    let report = JsonReport {
        schema: "kiln-diff/v1",
        mode: mode.key(),
        summary,
        files,
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

fn markdown(diffs: &[FileDiff], summary: &Summary) -> String {
    let mut out = String::from("### kiln diff\n\n");
    if diffs.is_empty() {
        out.push_str("No differences.\n");
        return out;
    }
    out.push_str("| environment | changed | created | deleted | edited by hand |\n|---|---:|---:|---:|---:|\n");
    let groups: BTreeSet<Option<&str>> = diffs
        .iter()
        .map(|d| paths::environment_of(&d.path))
        .collect();
    for group in groups {
        let of_group: Vec<&FileDiff> = diffs
            .iter()
            .filter(|d| paths::environment_of(&d.path) == group)
            .collect();
        let count = |status| of_group.iter().filter(|d| d.status == status).count();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            group.map_or("(repo)".to_string(), |e| format!("`{e}`")),
            count(Status::Changed),
            count(Status::Created),
            count(Status::Deleted),
            count(Status::Edited) + count(Status::NotOurs),
        );
    }
    let _ = writeln!(out, "\n{}\n", summary.line());
    let plain = Palette { on: false };
    for (diff, file) in diffs.iter().zip(semantic::analyse(diffs)) {
        let _ = writeln!(
            out,
            "<details>\n<summary><code>{}</code> ({})</summary>\n",
            diff.path,
            diff.status.label()
        );
        // Fences longer than any run of backticks inside keep values from breaking out.
        if !file.objects.is_empty() || !file.fields.is_empty() {
            let fields = semantic_text(
                std::slice::from_ref(diff),
                std::slice::from_ref(&file),
                &file.objects,
                &plain,
            );
            let fence = "`".repeat(longest_backtick_run(&fields).max(2) + 1);
            let _ = writeln!(out, "{fence}text\n{fields}{fence}\n");
        }
        let body = unified(diff, &plain);
        let fence = "`".repeat(longest_backtick_run(&body).max(2) + 1);
        let _ = writeln!(out, "{fence}diff\n{body}{fence}\n\n</details>\n");
    }
    out
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}
