//! One thing wrong with `kiln.toml`, at its key path. Each module that finds
//! a problem words it, beside the rule it breaks.

use std::fmt;

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyPart {
    Key(String),
    Index(usize),
}

/// A dotted key path into `kiln.toml`, like `services.users.calls[1]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct KeyPath(pub Vec<KeyPart>);

impl KeyPath {
    pub fn new(parts: &[&str]) -> Self {
        KeyPath(
            parts
                .iter()
                .map(|p| KeyPart::Key((*p).to_string()))
                .collect(),
        )
    }

    pub fn key(&self, key: &str) -> Self {
        let mut next = self.clone();
        next.0.push(KeyPart::Key(key.to_string()));
        next
    }

    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.0.push(KeyPart::Index(index));
        next
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.0.iter().enumerate() {
            match part {
                KeyPart::Key(k) => {
                    if i > 0 {
                        write!(f, ".")?;
                    }
                    let bare = !k.is_empty()
                        && k.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                    if bare {
                        write!(f, "{k}")?;
                    } else {
                        write!(f, "{}", crate::grammar::quote::quote(k))?;
                    }
                }
                KeyPart::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// One thing wrong with `kiln.toml`, at a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    pub key: KeyPath,
    pub message: String,
    pub hint: Option<String>,
    /// A byte range in the source, when the parser knows it better than the key path does.
    pub span: Option<std::ops::Range<usize>>,
}

/// Names as a message lists them: `` `dev`, `prod` ``.
pub fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn did_you_mean(suggestion: Option<&str>) -> Option<String> {
    suggestion.map(|s| format!("did you mean `{s}`?"))
}

impl Problem {
    /// A problem at `key`.
    pub fn at(key: &KeyPath, message: String, hint: Option<String>) -> Self {
        Problem {
            key: key.clone(),
            message,
            hint,
            span: None,
        }
    }
}

/// The closest of `candidates` to `word`, if it is close enough to be a typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(word, candidate), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// A problem as an editor or CI annotation needs it: where, what, what to do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Located {
    /// The file, as the user reads its name (`kiln.toml`, `demo/kiln.toml`).
    pub file: Option<String>,
    /// 1-based line and column (in characters) where the problem starts.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Where it ends (exclusive column), on the same or a later line.
    #[serde(rename = "endLine")]
    pub end_line: Option<usize>,
    #[serde(rename = "endColumn")]
    pub end_column: Option<usize>,
    /// The key, dotted as in messages (`services.users.port`); `null` for a syntax error.
    pub key: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}
