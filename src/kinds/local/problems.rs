//! The words of the local development keys' problems.

use crate::diagnostics::{KeyPath, Problem, suggest};

impl Problem {
    pub fn unknown_local_env(key: &KeyPath, name: &str, known: &[&str]) -> Self {
        let hint = match suggest(name, known.iter().copied()) {
            Some(other) => format!("did you mean `{other}`?"),
            None if known.is_empty() => "add an `[environments.<name>]` table first".to_string(),
            None => format!("`compose.yaml` runs one of: {}", known.join(", ")),
        };
        Problem::at(
            key,
            format!("unknown environment `{name}` in `{key}`"),
            Some(hint),
        )
    }

    pub fn local_env_without_local(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` has no effect without `project.local`"),
            Some("add `local = \"compose\"` to `[project]`, or remove it".to_string()),
        )
    }

    pub fn local_variable_clash(key: &KeyPath, name: &str, first: &str, second: &str) -> Self {
        Problem::at(
            key,
            format!(
                "secrets `{first}` and `{second}` would both be `{name}` in `.env.local`, \
                 through `{key}`"
            ),
            Some(
                "`.env.local` names a secret `SECRET__KEY`, upper case, `-` and `.` as `_`: \
                 rename one Secret or key"
                    .to_string(),
            ),
        )
    }
}
