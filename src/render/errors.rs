//! Errors of a render, worded for the template or override they are in:
//! its line when it can be found, and Tera's cause without kiln's wrappers.

use super::overrides::{Override, refused};
use super::sandbox;
use crate::diagnostics::Error;
use crate::output::paths;
use std::collections::BTreeMap;

/// Tera keeps the useful part of an error in its `source()` chain; the
/// links that only wrap kiln's own limit calls are left out.
fn chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(inner) = source {
        parts.push(inner.to_string());
        source = inner.source();
    }
    parts.retain(|part| !sandbox::is_wrapper(part));
    parts.join(": ").replace(" (`__kiln_value`)", "")
}

/// The longest cause kept from Tera (`throw()` can carry any text).
const MAX_CAUSE: usize = 1000;

pub fn template_error(name: &str, err: &dyn std::error::Error) -> Error {
    Error::Template {
        name: name.to_string(),
        cause: chain(err),
    }
}

/// An error in a repo's override, at its line when Tera says it (parse
/// errors, `--> 3:5`) or when the name it complains about (a variable, a
/// filter) is found in the override's text.
pub fn override_error(own: &Override, err: &dyn std::error::Error) -> Error {
    let cause = chain(err);
    let parse_line = cause.split("--> ").nth(1).and_then(|rest| {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<usize>().ok()
    });
    let named_line = || {
        let name = cause.split('`').nth(1)?;
        own.text
            .lines()
            .position(|line| line.contains(name))
            .map(|i| i + 1)
    };
    // Tera's parse errors draw the line with carets: keep the first line
    // and the `= expected ...` note, as the line number is given apart.
    let mut lines = cause.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut parts: Vec<&str> = lines
        .next()
        .map(|l| l.split("-->").next().unwrap_or(l).trim())
        .into_iter()
        .collect();
    parts.extend(lines.filter_map(|l| l.strip_prefix("= ")));
    let mut first = parts.join(" ");
    if let Some((at, _)) = first.char_indices().nth(MAX_CAUSE) {
        first.truncate(at);
        first.push('…');
    }
    Error::TemplateOverride {
        file: own.shown.clone(),
        line: parse_line.or_else(named_line),
        cause: first,
    }
}

/// The error for what `blamed` made of `template`: `text`, which is not
/// YAML. The line in the override is known when the offending line of
/// the output is one of its own lines, word for word, and only one.
pub fn not_yaml(
    blamed: &[&Override],
    template: &str,
    text: &str,
    err: &serde_yaml::Error,
) -> Error {
    let output_line = err.location().map(|at| at.line());
    let own = blamed[0];
    let line = output_line
        .and_then(|n| text.lines().nth(n.saturating_sub(1)))
        .map(str::trim)
        .filter(|wanted| !wanted.is_empty())
        .and_then(|wanted| {
            let mut found = own
                .text
                .lines()
                .enumerate()
                .filter(|(_, line)| line.trim() == wanted);
            match (found.next(), found.next()) {
                (Some((i, _)), None) => Some(i + 1),
                _ => None,
            }
        });
    Error::OverrideNotYaml {
        files: blamed.iter().map(|own| own.shown.clone()).collect(),
        line,
        replaced: own.shown.strip_prefix(paths::OVERRIDES).map_or_else(
            || own.shown.clone(),
            |name| name.trim_start_matches('/').to_string(),
        ),
        template: template.to_string(),
        cause: err.to_string(),
    }
}

/// The error for what the checks found in an override.
pub fn finding_error(overrides: &BTreeMap<String, Override>, finding: sandbox::Finding) -> Error {
    let file = overrides
        .get(&finding.template)
        .map_or_else(|| finding.template.clone(), |own| own.shown.clone());
    match finding.what {
        sandbox::What::Unescaped { expression, filter } => Error::UnescapedOverride {
            file,
            line: finding.line,
            expression,
            filter: filter.unwrap_or("(no values allowed)").to_string(),
        },
        sandbox::What::Rule(rule) => refused(file, finding.line, rule),
    }
}
