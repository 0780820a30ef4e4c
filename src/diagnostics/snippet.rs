//! Problems of `kiln.toml` shown in the file: each located by its key (or
//! the parser's span), drawn in the shape rustc made familiar, and placed
//! by line and column for editors and CI.

use super::{Error, KeyPart, KeyPath, Located, Problem};
use annotate_snippets::renderer::{DEFAULT_EMPHASIS_STYLE, DEFAULT_LINE_NUM_STYLE};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The text of `kiln.toml` and the name to show for it.
pub struct Source {
    /// The path as the user should read it, such as `kiln.toml` or `demo/kiln.toml`.
    pub name: String,
    pub text: String,
}

/// How problems in `kiln.toml` are drawn: rustc's look, in colour.
const SNIPPETS: Renderer = Renderer::styled();
/// The styles annotate-snippets gives the gutter and a note's name.
const GUTTER: anstyle::Style = DEFAULT_LINE_NUM_STYLE;
const EMPHASIS: anstyle::Style = DEFAULT_EMPHASIS_STYLE;

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

    /// One problem in the shape rustc made familiar: message, place, line,
    /// caret, hint. annotate-snippets draws the line and the caret: it
    /// counts columns as a terminal shows them (a tab as four, a CJK
    /// character or an emoji as two), so the caret lands under the value,
    /// and it shows control characters as symbols rather than sending them
    /// to the terminal. The text is styled; the stream it goes out on
    /// drops the styles when colour is off (see `Error::report`).
    fn render(&self, problem: &Problem, span: Option<Range<usize>>, lines: &Lines) -> String {
        let title = Level::ERROR.primary_title(problem.message.as_str());
        let mut out = match span {
            Some(span) => {
                let (line, text, span) = self.excerpt(&span, lines);
                let snippet = Snippet::source(text)
                    .line_start(line)
                    .path(self.name.as_str())
                    .annotation(AnnotationKind::Primary.span(span));
                SNIPPETS.render(&[title.element(snippet)])
            }
            None => {
                let mut out = SNIPPETS.render(&[Group::with_title(title)]);
                out.push_str(&format!("\n {GUTTER}-->{GUTTER:#} {}", self.name));
                out
            }
        };
        // The hint keeps kiln's one shape whatever the gutter's width, in
        // annotate-snippets' styles, its control characters made visible
        // as in the rest.
        if let Some(hint) = &problem.hint {
            let hint = annotate_snippets::normalize_untrusted_str(hint);
            out.push_str(&format!(
                "\n  {GUTTER}={GUTTER:#} {EMPHASIS}hint{EMPHASIS:#}: {hint}"
            ));
        }
        out.push_str("\n\n");
        out
    }

    /// The number and text of the line where `span` starts, and `span` in
    /// that line: cut at the line's end (a value over several lines is
    /// shown by its first) and widened to whole characters.
    fn excerpt(&self, span: &Range<usize>, lines: &Lines) -> (usize, &str, Range<usize>) {
        let (line, _, text) = self.position(span.start, lines);
        let line_start = lines.starts[line - 1];
        let start = (floor_char_boundary(&self.text, span.start) - line_start).min(text.len());
        let end = ceil_char_boundary(&self.text, span.end)
            .saturating_sub(line_start)
            .clamp(start, text.len());
        (line, text, start..end)
    }

    /// 1-based line and column (in characters) of a byte offset, and that line's text.
    fn position(&self, offset: usize, lines: &Lines) -> (usize, usize, &str) {
        let offset = floor_char_boundary(&self.text, offset);
        // Lines before `offset`; a problem per service in a large file must
        // not count the lines from the top each time.
        let line = lines.starts.partition_point(|start| *start <= offset);
        let line_start = lines.starts[line - 1];
        let line_end = self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i);
        let line_text = self.text[line_start..line_end].trim_end_matches('\r');
        // The `\r` of a CRLF is no column: the end of the line is one past its text.
        let column = line_text[..(offset - line_start).min(line_text.len())]
            .chars()
            .count()
            + 1;
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

// `str::floor_char_boundary` and `ceil_char_boundary` are stable only since
// Rust 1.91; kiln builds with 1.89 (Cargo.toml's rust-version).
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn ceil_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_span_is_drawn() {
        let text = "\tkey =\t\"こん🎉\"\r\nb\u{1b}[31m = [\n  1,\n]\nlast";
        let source = Source {
            name: "kiln.toml".to_string(),
            text: text.to_string(),
        };
        for start in 0..=text.len() + 1 {
            for end in start..=text.len() + 2 {
                let err = source.invalid(&[Problem::syntax("x", Some(start..end))]);
                let report = err.report();
                let place = &err.located()[0];
                let arrow = format!(
                    "--> kiln.toml:{}:{}\n",
                    place.line.unwrap(),
                    place.column.unwrap()
                );
                let plain = err.to_string();
                assert!(plain.contains(&arrow), "{start}..{end}: {plain}");
                assert!(!plain.contains('\u{1b}'), "{start}..{end}: {plain}");
                assert!(report.contains('^'));
            }
        }
    }

    #[test]
    fn locate_finds_array_items() {
        let text = "[services.a]\ncalls = [\"b\", \"c\"]\n";
        let root = DeTable::parse(text).unwrap();
        let span = locate(&root, &KeyPath::new(&["services", "a", "calls"]).index(1)).unwrap();
        assert_eq!(&text[span], "\"c\"");
    }
}
