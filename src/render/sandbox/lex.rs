//! The tags of a template's text, found before Tera parses it: Tera's parser
//! recurses once per nesting level and overflows the stack on a few hundred,
//! so nesting is bounded here first. The tags also give the AST, which has no
//! positions, its lines.

/// The deepest nesting of block tags (`if`, `for`, `filter`, `block`,
/// `macro`) or of brackets inside one tag that an override may have.
pub const MAX_NESTING: usize = 32;

/// The longest tag an override may have, in bytes: a longer expression is
/// not a template any more, and a chain of thousands of operators parses
/// into a tree as deep as it is long.
pub const MAX_TAG: usize = 4096;

/// A `{{ ... }}` or `{% ... %}` tag; comments and `{% raw %}` blocks are not tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// `true` for `{{ ... }}`.
    pub variable: bool,
    /// Its text between the delimiters, without `-` markers, trimmed.
    pub text: String,
    /// The line it starts on, from 1.
    pub line: usize,
}

impl Tag {
    /// The first word of a `{% %}` tag: `if`, `endfor`, `include`...
    pub fn keyword(&self) -> &str {
        self.text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()
            .unwrap_or_default()
    }
}

/// What makes a template's text unsafe to hand to Tera's parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    TooDeep { line: usize },
    TooLong { line: usize },
}

/// Every tag of `text` in order, or the first place it nests too deeply or
/// a tag is too long. Text Tera would not parse (an unclosed tag) ends the
/// scan: Tera reports it.
pub fn tags(text: &str) -> Result<Vec<Tag>, Fault> {
    let bytes = text.as_bytes();
    let mut tags = Vec::new();
    let mut depth = 0usize;
    let mut at = 0;
    let line_of = |offset: usize| bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
    while let Some(found) = find(bytes, at, b"{") {
        let Some(&next) = bytes.get(found + 1) else {
            break;
        };
        match next {
            b'#' => match find(bytes, found + 2, b"#}") {
                Some(end) => at = end + 2,
                None => break,
            },
            b'{' | b'%' => {
                let close: &[u8] = if next == b'{' { b"}}" } else { b"%}" };
                let Some((end, inner)) = scan_tag(bytes, found + 2, close) else {
                    if found + 2 + MAX_TAG < bytes.len() {
                        return Err(Fault::TooLong {
                            line: line_of(found),
                        });
                    }
                    break;
                };
                let line = line_of(found);
                if inner.brackets > MAX_NESTING {
                    return Err(Fault::TooDeep { line });
                }
                if end - found > MAX_TAG {
                    return Err(Fault::TooLong { line });
                }
                let raw = &text[found + 2..end];
                let tag = Tag {
                    variable: next == b'{',
                    text: raw
                        .strip_prefix('-')
                        .unwrap_or(raw)
                        .trim()
                        .trim_end_matches('-')
                        .trim()
                        .to_string(),
                    line,
                };
                at = end + 2;
                if !tag.variable {
                    match tag.keyword() {
                        "raw" => {
                            // Everything up to `{% endraw %}` is text.
                            match end_of_raw(bytes, at) {
                                Some(after) => at = after,
                                None => break,
                            }
                            continue;
                        }
                        "if" | "for" | "filter" | "block" | "macro" => {
                            depth += 1;
                            if depth > MAX_NESTING {
                                return Err(Fault::TooDeep { line });
                            }
                        }
                        "endif" | "endfor" | "endfilter" | "endblock" | "endmacro" => {
                            depth = depth.saturating_sub(1);
                        }
                        _ => {}
                    }
                }
                tags.push(tag);
            }
            _ => at = found + 1,
        }
    }
    Ok(tags)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|i| from + i)
}

struct Inner {
    brackets: usize,
}

/// The end of a tag opened before `from` (the offset of its closing
/// delimiter), skipping string literals, and its deepest bracket nesting.
/// Gives up past `MAX_TAG` bytes.
fn scan_tag(bytes: &[u8], from: usize, close: &[u8]) -> Option<(usize, Inner)> {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = from;
    while i < bytes.len() && i - from <= MAX_TAG {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' | b'`' => quote = Some(b),
                b'(' | b'[' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                b')' | b']' => depth = depth.saturating_sub(1),
                _ if bytes[i..].starts_with(close) => {
                    return Some((i, Inner { brackets: deepest }));
                }
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// Just past the `{% endraw %}` (with any `-` and spaces) after `from`.
fn end_of_raw(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(open) = find(bytes, at, b"{%") {
        let mut i = open + 2;
        let skip = |i: &mut usize, what: &[u8]| {
            while *i < bytes.len() && what.contains(&bytes[*i]) {
                *i += 1;
            }
        };
        skip(&mut i, b"-");
        skip(&mut i, b" \t\r\n");
        if bytes[i..].starts_with(b"endraw") {
            i += "endraw".len();
            skip(&mut i, b" \t\r\n");
            skip(&mut i, b"-");
            if bytes[i..].starts_with(b"%}") {
                return Some(i + 2);
            }
        }
        at = open + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<(bool, String, usize)> {
        tags(text)
            .unwrap()
            .into_iter()
            .map(|t| (t.variable, t.text, t.line))
            .collect()
    }

    #[test]
    fn comments_raw_blocks_and_strings_are_not_tags() {
        assert_eq!(
            texts("a {# {{ x }} #}\n{%- raw -%}{{ y }}{% endraw %}{{ z | yaml }}\n{% if \"%}\" %}"),
            vec![
                (true, "z | yaml".to_string(), 2),
                (false, "if \"%}\"".to_string(), 3)
            ]
        );
        // A comment that names `raw` is still a comment: what follows is a tag.
        assert_eq!(
            texts("{# {% raw %} #} {{ v }} {# {% endraw %} #}"),
            vec![(true, "v".to_string(), 1)]
        );
    }

    #[test]
    fn nesting_and_length_are_bounded() {
        let deep = "{% if a %}".repeat(MAX_NESTING + 1);
        assert_eq!(tags(&deep), Err(Fault::TooDeep { line: 1 }));
        let flat = "{% if a %}{% endif %}".repeat(1000);
        assert!(tags(&flat).is_ok());
        let parens = format!("\n{{{{ {}a{} }}}}", "(".repeat(40), ")".repeat(40));
        assert_eq!(tags(&parens), Err(Fault::TooDeep { line: 2 }));
        let long = format!("{{{{ 1{} }}}}", " + 1".repeat(MAX_TAG));
        assert_eq!(tags(&long), Err(Fault::TooLong { line: 1 }));
    }
}
