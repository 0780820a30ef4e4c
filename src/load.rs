//! Reading `kiln.toml`: parse it, keep its spans, and turn parser errors into
//! problems that name the file, line, column and key.

use crate::diagnostics::{Error, KeyPart, KeyPath, Located, Problem};
// Until the commands move (issue 14, stage 5), they reach these here.
pub use crate::config::load::parse;
pub use crate::diagnostics::suggest;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The text of `kiln.toml` and the name to show for it.
pub struct Source {
    /// The path as the user should read it, such as `kiln.toml` or `demo/kiln.toml`.
    pub name: String,
    pub text: String,
}

/// The largest `kiln.toml` kiln reads: far above any real app (1,000
/// services take about 200 KB), far below what would exhaust memory.
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// Reads `kiln.toml` in `root`, which the user knows as `name`: a regular
/// file (not a symlink, a FIFO or a device) of at most `MAX_CONFIG_BYTES`.
pub fn read(root: &Path, name: String) -> Result<Source, Error> {
    let path = root.join(crate::paths::CONFIG);
    if let Ok(metadata) = std::fs::symlink_metadata(&path)
        && metadata.is_file()
        && metadata.len() > MAX_CONFIG_BYTES
    {
        return Err(Error::ConfigTooLarge {
            path,
            bytes: metadata.len(),
            max: MAX_CONFIG_BYTES,
        });
    }
    let bytes = match crate::files::read(root, crate::paths::CONFIG, MAX_CONFIG_BYTES) {
        Ok(Some(contents)) => contents.bytes,
        Ok(None) => return Err(Error::ConfigMissing { path }),
        Err(failure) => return Err(failure.at(name, &path)),
    };
    text(name, bytes)
}

/// `kiln.toml`'s bytes as text, or the place where they stop being UTF-8.
pub fn text(name: String, bytes: Vec<u8>) -> Result<Source, Error> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source { name, text }),
        Err(err) => {
            let offset = err.utf8_error().valid_up_to();
            let source = Source {
                name,
                text: String::from_utf8_lossy(err.as_bytes()).into_owned(),
            };
            Err(source.invalid(&[Problem::syntax(
                "the file is not UTF-8",
                Some(offset..offset + 1),
            )]))
        }
    }
}

impl Source {
    /// Builds the error for `problems`, each shown with its place in the file.
    pub fn invalid(&self, problems: &[Problem]) -> Error {
        let root = DeTable::parse(&self.text).ok();
        // The same mistake seen once per environment is one problem.
        let mut seen = std::collections::HashSet::new();
        let unique: Vec<&Problem> = problems.iter().filter(|p| seen.insert(*p)).collect();
        let mut located: Vec<(Option<Range<usize>>, &Problem)> = unique
            .into_iter()
            .map(|problem| {
                let span = problem
                    .span
                    .clone()
                    .or_else(|| root.as_ref().and_then(|root| locate(root, &problem.key)));
                (span, problem)
            })
            .collect();
        let located_count = located.len();
        // In file order, as a reader scans the file.
        located.sort_by_key(|(span, _)| span.as_ref().map_or(usize::MAX, |s| s.start));
        let lines = Lines::of(&self.text);
        let problems = located
            .iter()
            .map(|(span, problem)| self.locate_problem(problem, span.clone(), &lines))
            .collect();
        let report = located
            .into_iter()
            .map(|(span, problem)| self.render(problem, span, &lines))
            .collect();
        Error::Invalid {
            report,
            count: located_count,
            file: self.name.clone(),
            problems,
        }
    }

    /// One problem with its line and column, for the machine-readable formats.
    fn locate_problem(
        &self,
        problem: &Problem,
        span: Option<Range<usize>>,
        lines: &Lines,
    ) -> Located {
        let start = span.as_ref().map(|span| self.position(span.start, lines));
        let end = span
            .as_ref()
            .map(|span| self.position(span.end.max(span.start + 1), lines));
        Located {
            file: Some(self.name.clone()),
            line: start.map(|(line, _, _)| line),
            column: start.map(|(_, column, _)| column),
            end_line: end.map(|(line, _, _)| line),
            end_column: end.map(|(_, column, _)| column),
            key: (!problem.key.0.is_empty()).then(|| problem.key.to_string()),
            message: problem.message.clone(),
            hint: problem.hint.clone(),
        }
    }

    /// One problem in the shape rustc made familiar: message, place, line, caret, hint.
    fn render(&self, problem: &Problem, span: Option<Range<usize>>, lines: &Lines) -> String {
        let mut out = format!("error: {}\n", problem.message);
        match span {
            Some(span) => {
                let (line, column, line_text) = self.position(span.start, lines);
                let width = span.len().clamp(
                    1,
                    line_text.chars().count().saturating_sub(column - 1).max(1),
                );
                let gutter = " ".repeat(line.to_string().len());
                out.push_str(&format!("{gutter}--> {}:{line}:{column}\n", self.name));
                out.push_str(&format!("{gutter} |\n{line} | {line_text}\n"));
                out.push_str(&format!(
                    "{gutter} | {}{}\n",
                    " ".repeat(column - 1),
                    "^".repeat(width)
                ));
            }
            None => out.push_str(&format!(" --> {}\n", self.name)),
        }
        if let Some(hint) = &problem.hint {
            out.push_str(&format!("  = hint: {hint}\n"));
        }
        out.push('\n');
        out
    }

    /// 1-based line and column (in characters) of a byte offset, and that line's text.
    fn position(&self, offset: usize, lines: &Lines) -> (usize, usize, &str) {
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        // Lines before `offset`; a problem per service in a large file must
        // not count the lines from the top each time.
        let line = lines.starts.partition_point(|start| *start <= offset);
        let line_start = lines.starts[line - 1];
        let line_end = self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i);
        let column = self.text[line_start..offset].chars().count() + 1;
        let line_text = self.text[line_start..line_end].trim_end_matches('\r');
        (line, column, line_text)
    }
}

/// Where each line of a text starts.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn of(text: &str) -> Lines {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { starts }
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The source span of `key`: the key itself for tables, the value otherwise.
/// Falls back to the deepest part of the path that exists, so a missing key
/// points at the table it belongs in.
fn locate(root: &Spanned<DeTable<'_>>, key: &KeyPath) -> Option<Range<usize>> {
    let mut table = root.get_ref();
    let mut found: Option<Range<usize>> = None;
    let mut current: Option<&Spanned<DeValue<'_>>> = None;
    for part in &key.0 {
        let next = match (part, current.map(Spanned::get_ref)) {
            (KeyPart::Key(name), None | Some(DeValue::Table(_))) => {
                let Some((k, v)) = table.iter().find(|(k, _)| k.get_ref() == name) else {
                    break;
                };
                found = Some(if matches!(v.get_ref(), DeValue::Table(_)) {
                    k.span()
                } else {
                    v.span()
                });
                v
            }
            (KeyPart::Index(i), Some(DeValue::Array(items))) => {
                let Some(item) = items.get(*i) else {
                    break;
                };
                found = Some(item.span());
                item
            }
            _ => break,
        };
        if let DeValue::Table(inner) = next.get_ref() {
            table = inner;
        }
        current = Some(next);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_finds_array_items() {
        let text = "[services.a]\ncalls = [\"b\", \"c\"]\n";
        let root = DeTable::parse(text).unwrap();
        let span = locate(&root, &KeyPath::new(&["services", "a", "calls"]).index(1)).unwrap();
        assert_eq!(&text[span], "\"c\"");
    }
}
