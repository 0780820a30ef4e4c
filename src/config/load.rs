//! Reading `kiln.toml`'s text into a `Config`, and turning the parser's
//! errors into problems that name the key, with a suggestion.

use super::Config;
use crate::diagnostics::{KeyPart, KeyPath, Problem, did_you_mean, suggest};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The most unknown keys reported at once: each one found costs another
/// pass of serde over the whole file.
const MAX_UNKNOWN_KEYS: usize = 64;

/// Parses TOML text into a `Config`, or the problems serde meets: every
/// unknown key (each is dropped from the parsed table and serde runs
/// again, so the messages are serde's own), or else the first other one.
pub fn parse(text: &str) -> Result<Config, Vec<Problem>> {
    parse_as(text)
}

/// The same for any table kiln reads from TOML (a repo's service preset).
pub fn parse_as<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Vec<Problem>> {
    let mut root =
        DeTable::parse(text).map_err(|err| vec![Problem::syntax(err.message(), err.span())])?;
    let mut problems = Vec::new();
    loop {
        let deserializer = toml::Deserializer::from(root.clone());
        let err = match serde_path_to_error::deserialize::<_, T>(deserializer) {
            Ok(config) if problems.is_empty() => return Ok(config),
            Ok(_) => return Err(problems),
            Err(err) => err,
        };
        let key = key_path(err.path());
        let span = err.inner().span();
        let message = err.inner().message().to_string();
        let mut problem = problem_from_serde(&key, &message);
        problem.span = span;
        let unknown = message
            .starts_with("unknown field")
            .then(|| backticked(&message).into_iter().next())
            .flatten();
        // After a key is dropped, another kind of error may only follow
        // from the drop (a `maximum` dropped leaves `max` missing).
        if unknown.is_none() && !problems.is_empty() {
            return Err(problems);
        }
        problems.push(problem);
        let dropped = unknown.is_some_and(|field| {
            problems.len() < MAX_UNKNOWN_KEYS && drop_key(root.get_mut(), &key, &field)
        });
        if !dropped {
            return Err(problems);
        }
    }
}

/// Removes `field` from the table at `key` (or `key` itself, when it ends
/// with `field`, as serde_path_to_error sometimes says), if it is there.
fn drop_key(root: &mut DeTable<'_>, key: &KeyPath, field: &str) -> bool {
    let parts = match key.0.last() {
        Some(KeyPart::Key(last)) if last == field => &key.0[..key.0.len() - 1],
        _ => &key.0[..],
    };
    let table = root;
    let mut value: Option<&mut DeValue<'_>> = None;
    for part in parts {
        let next = match (part, value) {
            (KeyPart::Key(name), None) => table.iter_mut().find(|(k, _)| k.get_ref() == name),
            (KeyPart::Key(name), Some(DeValue::Table(inner))) => {
                inner.iter_mut().find(|(k, _)| k.get_ref() == name)
            }
            (KeyPart::Index(i), Some(DeValue::Array(items))) => {
                value = items.get_mut(*i).map(Spanned::get_mut);
                continue;
            }
            _ => return false,
        };
        let Some((_, next)) = next else {
            return false;
        };
        value = Some(next.get_mut());
    }
    let table = match value {
        None => table,
        Some(DeValue::Table(inner)) => inner,
        Some(_) => return false,
    };
    let found = table
        .iter()
        .find(|(k, _)| k.get_ref() == field)
        .map(|(k, _)| k.clone());
    found.is_some_and(|k| table.remove(&k).is_some())
}

fn key_path(path: &serde_path_to_error::Path) -> KeyPath {
    use serde_path_to_error::Segment;
    KeyPath(
        path.iter()
            .filter_map(|segment| match segment {
                Segment::Seq { index } => Some(KeyPart::Index(*index)),
                Segment::Map { key } => Some(KeyPart::Key(key.clone())),
                Segment::Enum { variant } => Some(KeyPart::Key(variant.clone())),
                Segment::Unknown => None,
            })
            .collect(),
    )
}

/// Words inside backticks, in order: serde puts the offending name first and
/// the expected names after it.
fn backticked(message: &str) -> Vec<String> {
    message
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Envoy retry conditions that can repeat a request the app already saw.
const UNSAFE_RETRIES: &[&str] = &[
    "5xx",
    "gateway-error",
    "reset",
    "retriable-4xx",
    "retriable-status-codes",
    "retriable-headers",
    "http3-post-connect-failure",
    "cancelled",
    "deadline-exceeded",
    "internal",
    "resource-exhausted",
    "unavailable",
];

/// `…retries.on[N]`
fn is_retry_condition(key: &KeyPath) -> bool {
    matches!(
        key.0.as_slice(),
        [.., KeyPart::Key(retries), KeyPart::Key(on), KeyPart::Index(_)]
            if retries == "retries" && on == "on"
    )
}

fn problem_from_serde(key: &KeyPath, message: &str) -> Problem {
    let names = backticked(message);
    let expected: Vec<String> = names.iter().skip(1).map(|n| format!("`{n}`")).collect();
    let offered = || names.iter().skip(1).map(String::as_str);
    if message.starts_with("unknown field") {
        let field = names.first().cloned().unwrap_or_default();
        // serde_path_to_error stops at the table that holds the unknown key.
        let key = if key.0.last() == Some(&KeyPart::Key(field.clone())) {
            key.clone()
        } else {
            key.key(&field)
        };
        if field == "enabled" {
            return Problem::enabled_not_here(&key);
        }
        Problem::unknown_key(&key, suggest(&field, offered()), &expected)
    } else if message.starts_with("unknown variant") {
        let value = names.first().cloned().unwrap_or_default();
        if is_retry_condition(key) && UNSAFE_RETRIES.contains(&value.as_str()) {
            return Problem::unsafe_retry(key, &value);
        }
        Problem::unknown_variant(key, &value, suggest(&value, offered()), &expected)
    } else if message.starts_with("missing field") {
        Problem::missing_key(&key.key(names.first().map_or("", String::as_str)))
    } else if let Some((whole, value)) = super::Whole::refused(message) {
        Problem::whole(key, value, whole)
    } else if message.contains("untagged enum Metrics") {
        Problem::wrong_type(key, "expected a path such as \"/metrics\", or false")
    } else {
        Problem::wrong_type(key, message.trim())
    }
}

impl Problem {
    pub fn syntax(message: &str, span: Option<std::ops::Range<usize>>) -> Self {
        Problem {
            key: KeyPath::default(),
            message: format!("invalid TOML: {}", message.trim()),
            hint: None,
            span,
        }
    }

    pub fn unknown_key(key: &KeyPath, suggestion: Option<&str>, expected: &[String]) -> Self {
        let hint = did_you_mean(suggestion).or_else(|| {
            (!expected.is_empty()).then(|| format!("expected one of {}", expected.join(", ")))
        });
        Problem::at(key, format!("unknown key `{key}`"), hint)
    }

    /// `enabled` anywhere but `[services.S.environments.E]`: a service in
    /// no environment is removed, an environment of no service too.
    pub fn enabled_not_here(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("unknown key `{key}`"),
            Some(
                "`enabled` is set per service and environment: `enabled = false` in \
                 `[services.S.environments.E]` leaves service S out of environment E"
                    .to_string(),
            ),
        )
    }

    pub fn wrong_type(key: &KeyPath, detail: &str) -> Self {
        // serde names Rust types; users think in TOML values.
        let detail = detail
            .replace("expected u16", "expected an integer from 0 to 65535")
            .replace(
                "expected u32",
                "expected a whole number from 0 to 4294967295",
            )
            .replace("expected a boolean", "expected true or false")
            .replace("expected a sequence", "expected an array")
            .replace("expected a map", "expected a table");
        Problem::at(key, format!("wrong value for `{key}`: {detail}"), None)
    }

    pub fn unknown_variant(
        key: &KeyPath,
        value: &str,
        suggestion: Option<&str>,
        expected: &[String],
    ) -> Self {
        let hint = did_you_mean(suggestion)
            .or_else(|| Some(format!("expected one of {}", expected.join(", "))));
        Problem::at(key, format!("`{key}` cannot be `{value}`"), hint)
    }

    pub fn missing_key(key: &KeyPath) -> Self {
        Problem::at(key, format!("missing required key `{key}`"), None)
    }

    /// A retry condition kiln does not offer because it can repeat a request
    /// the app already acted on.
    pub fn unsafe_retry(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` cannot be `{value}`: it retries requests the app may already have acted on"
            ),
            Some(format!(
                "a failed POST (a payment, an order) would be sent again; kiln retries only failures where the request \
                 never reached the app (`connect-failure`, `refused-stream`, `reset-before-request`); retry `{value}` \
                 in the caller, which knows which requests are idempotent"
            )),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_names_the_full_key_and_a_suggestion() {
        let errs = parse("[project]\nname = \"a\"\nnmae = 1\n").unwrap_err();
        assert_eq!(errs.len(), 1);
        let err = &errs[0];
        assert_eq!(err.message, "unknown key `project.nmae`");
        assert_eq!(err.hint.as_deref(), Some("did you mean `name`?"));
    }
}
