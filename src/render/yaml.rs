//! The one way a value from `kiln.toml` enters YAML: as a double-quoted
//! scalar with everything that could end it, fold it or hide in it escaped.

pub use crate::grammar::quote::quote;
use crate::grammar::quote::quote_into;
use serde_json::Value;

/// Writes a mapping key: bare when it cannot be read as anything but a
/// string, quoted otherwise (`on`, `no` and `y` are booleans to YAML 1.1 readers).
pub fn key(text: &str) -> String {
    let mut out = String::new();
    key_into(text, &mut out);
    out
}

/// `key`, onto the end of `out`.
fn key_into(text: &str, out: &mut String) {
    let plain = text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-'))
        && !["y", "n", "yes", "no", "true", "false", "on", "off", "null"]
            .iter()
            .any(|word| text.eq_ignore_ascii_case(word));
    if plain {
        out.push_str(text);
    } else {
        quote_into(text, out);
    }
}

/// Writes any value as inline YAML: strings quoted, numbers and booleans
/// bare, sequences and mappings in flow style.
pub fn inline(value: &Value) -> String {
    let mut out = String::new();
    inline_into(value, &mut out);
    out
}

/// `inline`, onto `out`: one buffer for a whole value, not one per part.
fn inline_into(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => quote_into(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                inline_into(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                key_into(k, out);
                out.push_str(": ");
                inline_into(v, out);
            }
            out.push('}');
        }
    }
}

/// Writes a mapping or sequence as block YAML, each line indented by
/// `indent` spaces and preceded by a newline, to follow a `key:` in a template.
/// Empty collections and scalars stay inline after a space.
pub fn block(value: &Value, indent: usize) -> String {
    let mut out = String::new();
    block_into(value, indent, &mut out);
    out
}

fn block_into(value: &Value, indent: usize, out: &mut String) {
    let pad = |out: &mut String| out.extend(std::iter::repeat_n(' ', indent));
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                out.push('\n');
                pad(out);
                key_into(k, out);
                out.push(':');
                block_into(v, indent + 2, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                out.push('\n');
                pad(out);
                out.push_str("- ");
                inline_into(item, out);
            }
        }
        Value::String(text) if is_literal_safe(text) => {
            out.push_str(&literal(text, &" ".repeat(indent)));
        }
        other => {
            out.push(' ');
            inline_into(other, out);
        }
    }
}

/// Whether a multi-line string reads back exactly from a literal block
/// (`|`): printable lines, no trailing spaces, no leading space on the first
/// line (which would need an indentation indicator), at most one final newline.
fn is_literal_safe(text: &str) -> bool {
    text.contains('\n')
        && !text.starts_with([' ', '\n'])
        && !text.ends_with("\n\n")
        && text.lines().all(|line| {
            !line.ends_with(' ')
                && !line
                    .chars()
                    .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}'))
        })
}

/// A literal block scalar: `|` keeps the final newline, `|-` strips it.
fn literal(text: &str, pad: &str) -> String {
    let body = text.strip_suffix('\n');
    let mut out = String::from(if body.is_some() { " |" } else { " |-" });
    for line in body.unwrap_or(text).split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(pad);
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_strings_round_trip() {
        for text in [
            "a: b",
            "# c",
            "\"q'",
            "line\nbreak",
            "*alias",
            "{{ x }}",
            "\u{2028}\u{85}\u{feff}",
            "- x",
            "",
            "\\",
        ] {
            let doc = format!("key: {}\n", quote(text));
            let parsed: serde_yaml::Value = serde_yaml::from_str(&doc).unwrap();
            assert_eq!(parsed["key"].as_str(), Some(text), "{doc}");
        }
    }

    #[test]
    fn multi_line_strings_become_literal_blocks_that_read_back() {
        for (text, literal) in [
            ("a: 1\n  b # c\n\nd\n", true),
            ("<source>\n  @type tail\n</source>", true),
            ("two\nlines", true),
            ("trailing space \nx", false),
            (" leading\nx", false),
            ("tab\there\nx", false),
            ("two finals\n\n", false),
            ("one line", false),
        ] {
            let value = Value::String(text.to_string());
            let doc = format!("key:{}\n", block(&value, 2));
            assert_eq!(doc.contains(": |"), literal, "{doc}");
            let parsed: serde_yaml::Value = serde_yaml::from_str(&doc).unwrap();
            assert_eq!(parsed["key"].as_str(), Some(text), "{doc}");
        }
    }

    #[test]
    fn blocks_nest() {
        let value = serde_json::json!({"a": "1", "b": {"c": ["x"]}});
        assert_eq!(
            block(&value, 2),
            "\n  a: \"1\"\n  b:\n    c:\n      - \"x\""
        );
        assert_eq!(key("ON"), "\"ON\"");
        assert_eq!(key("app.kubernetes.io/name"), "app.kubernetes.io/name");
    }
}
