//! The escaping filters templates write values through: `yaml`,
//! `fluent`, `dockerfile`, `groovy`, `shell`.

use super::yaml;
use std::collections::HashMap;
use tera::Value;

/// The widest `yaml(indent=N)`: far past any real nesting.
const MAX_YAML_INDENT: u64 = 64;

/// `{{ value | yaml }}` writes inline YAML; `{{ value | yaml(indent=N) }}`
/// writes a block for the lines after a `key:`.
pub fn yaml_filter(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let text = match args.get("indent").and_then(Value::as_u64) {
        Some(indent) if indent > MAX_YAML_INDENT => {
            return Err(tera::Error::msg(format!(
                "`yaml(indent=N)` takes N up to {MAX_YAML_INDENT}, not {indent}"
            )));
        }
        Some(indent) => yaml::block(value, indent as usize),
        None => yaml::inline(value),
    };
    Ok(Value::String(text))
}

/// `{{ value | fluent }}` writes a fluent.conf value as a single-quoted
/// string, which Fluentd never interpolates (a double-quoted one runs `#{}`
/// as Ruby). Values that would need escaping there are refused: none of
/// kiln's values can hold them once validated.
pub fn fluent_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => {
            return Err(tera::Error::msg(format!(
                "cannot write {other} to fluent.conf"
            )));
        }
    };
    if text.chars().any(|c| c == '\'' || c.is_control()) || text.ends_with('\\') {
        return Err(tera::Error::msg(format!(
            "`{text}` cannot be written to fluent.conf safely"
        )));
    }
    Ok(Value::String(format!("'{text}'")))
}

/// A Tera filter from one of the `escape` functions.
pub fn format_filter(
    escape: fn(&Value) -> Result<String, String>,
) -> impl Fn(&Value, &HashMap<String, Value>) -> tera::Result<Value> {
    move |value, _| escape(value).map(Value::String).map_err(tera::Error::msg)
}
