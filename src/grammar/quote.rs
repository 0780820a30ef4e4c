//! The double-quoted string: how a value from `kiln.toml` enters YAML, and
//! how a key of `kiln.toml` that is not bare is written in a message.

/// Quotes `text` as a YAML double-quoted scalar that parses back to exactly
/// `text`; TOML reads it as the same basic string.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    quote_into(text, &mut out);
    out
}

/// `quote`, onto the end of `out`.
pub fn quote_into(text: &str, out: &mut String) {
    out.push('"');
    // Most values need no escape at all: copied whole.
    if text
        .bytes()
        .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
    {
        out.push_str(text);
        out.push('"');
        return;
    }
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // Control characters, the C1 range (NEL is a YAML line break),
            // the byte-order mark and the Unicode line and paragraph separators
            // would be folded, rejected or stripped by a YAML reader.
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
