//! `kiln check` for machines: the problems of a repo as one JSON document
//! (editors, bots) or as GitHub Actions workflow commands (annotations on
//! the line of the pull request). The text format stays in `error`.

use crate::diagnostics::Located;
use serde::Serialize;

/// The JSON document `kiln check --format json` prints, schema
/// `docs/check.schema.json`.
#[derive(Serialize)]
struct Report<'a> {
    schema: &'static str,
    valid: bool,
    /// The config checked, as the user reads its name.
    file: &'a str,
    /// What a valid config renders to; `null` when it is not valid.
    environments: Option<usize>,
    services: Option<usize>,
    files: Option<usize>,
    problems: &'a [Located],
    /// What does not stop the check but needs a person's attention.
    warnings: &'a [Located],
}

/// What `check` found: counts of a valid config, or its problems.
pub struct Outcome<'a> {
    pub file: &'a str,
    pub counts: Option<(usize, usize, usize)>,
    pub problems: &'a [Located],
    pub warnings: &'a [Located],
}

pub fn json(outcome: &Outcome) -> String {
    let report = Report {
        schema: "kiln-check/v1",
        valid: outcome.problems.is_empty(),
        file: outcome.file,
        environments: outcome.counts.map(|c| c.0),
        services: outcome.counts.map(|c| c.1),
        files: outcome.counts.map(|c| c.2),
        problems: outcome.problems,
        warnings: outcome.warnings,
    };
    // Serialising plain data cannot fail.
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

/// One `::error` workflow command per problem and one `::warning` per
/// warning. GitHub puts each on its line of the file in the pull request's
/// diff, and in the run's summary.
pub fn github(problems: &[Located], warnings: &[Located]) -> String {
    let mut out = String::new();
    let levels = problems
        .iter()
        .map(|p| ("error", p))
        .chain(warnings.iter().map(|w| ("warning", w)));
    for (level, problem) in levels {
        let mut properties = Vec::new();
        if let Some(file) = &problem.file {
            properties.push(format!("file={}", property(file)));
        }
        for (name, value) in [
            ("line", problem.line),
            ("col", problem.column),
            ("endLine", problem.end_line),
            ("endColumn", problem.end_column),
        ] {
            // GitHub takes endColumn only on a one-line span.
            if name == "endColumn" && problem.end_line != problem.line {
                continue;
            }
            if let Some(value) = value {
                properties.push(format!("{name}={value}"));
            }
        }
        let title = match &problem.key {
            Some(key) => format!("kiln: {key}"),
            None => "kiln".to_string(),
        };
        properties.push(format!("title={}", property(&title)));
        let mut message = problem.message.clone();
        if let Some(hint) = &problem.hint {
            message.push_str("\nhint: ");
            message.push_str(hint);
        }
        out.push_str(&format!(
            "::{level} {}::{}\n",
            properties.join(","),
            data(&message)
        ));
    }
    out
}

/// A workflow command's message: `%`, CR and LF escaped, as the runner reads them.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: also `:` and `,`, which end it.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_break_out_of_a_workflow_command() {
        let problem = Located {
            file: Some("a,b:c.toml".into()),
            line: Some(3),
            column: Some(7),
            end_line: Some(3),
            end_column: Some(9),
            key: Some("services.a".into()),
            message: "100% wrong\n::warning::injected".into(),
            hint: None,
        };
        assert_eq!(
            github(&[problem], &[]),
            "::error file=a%2Cb%3Ac.toml,line=3,col=7,endLine=3,endColumn=9,title=kiln%3A services.a::100%25 wrong%0A::warning::injected\n"
        );
    }
}
