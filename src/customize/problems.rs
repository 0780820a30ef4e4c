//! How a problem with a patch or an extra resource is worded and located,
//! and reading their YAML documents with the line each starts on.

use crate::diagnostics::Error;

/// A problem with the patch or resource `file`, at `at` (line, column) when known.
pub fn problem(
    file: &str,
    at: Option<(usize, usize)>,
    message: impl Into<String>,
    hint: impl Into<String>,
) -> Error {
    Error::Custom {
        file: file.to_string(),
        line: at.map(|(line, _)| line),
        column: at.map(|(_, column)| column),
        message: message.into(),
        hint: hint.into(),
    }
}

/// One error for all of `problems`, or none.
pub fn combined(mut problems: Vec<Error>) -> Option<Error> {
    match problems.len() {
        0 => None,
        1 => problems.pop(),
        _ => Some(Error::Customs(problems)),
    }
}

/// Where a YAML parse error is, as (line, column).
fn location(err: &serde_yaml::Error) -> Option<(usize, usize)> {
    err.location().map(|at| (at.line(), at.column()))
}

/// The documents of a YAML file that are not empty, each with the line it
/// starts on when kiln can tell, or the first parse error, located.
pub fn documents(
    shown: &str,
    text: &str,
) -> Result<Vec<(serde_yaml::Value, Option<usize>)>, Vec<Error>> {
    let mut values = Vec::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        match <serde_yaml::Value as serde::Deserialize>::deserialize(document) {
            Ok(serde_yaml::Value::Null) => {}
            Ok(value) => values.push(value),
            Err(err) => {
                let message = err.to_string();
                let message = message.split(" at line ").next().unwrap_or(&message);
                return Err(vec![problem(
                    shown,
                    location(&err),
                    format!("is not YAML: {message}"),
                    "fix the YAML; kiln reads it as data, never as a template",
                )]);
            }
        }
    }
    let starts = starts(text);
    let lines: Vec<Option<usize>> = if starts.len() == values.len() {
        starts.into_iter().map(Some).collect()
    } else {
        vec![None; values.len()]
    };
    Ok(values.into_iter().zip(lines).collect())
}

/// The first line of each document of `text` that holds something.
fn starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut open = true;
    for (i, line) in text.lines().enumerate() {
        if line == "---" || line.starts_with("--- ") {
            open = true;
            continue;
        }
        let content = line.trim();
        if open && !content.is_empty() && !content.starts_with('#') {
            starts.push(i + 1);
            open = false;
        }
    }
    starts
}
