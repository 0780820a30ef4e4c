//! Why `kiln set` refuses a key, and how it says so.

use std::fmt;

/// Why `kiln set` will not change a key.
#[derive(Debug)]
pub enum SetRefusal {
    /// The key does not parse as a TOML key.
    NotAKey { cause: String },
    /// The key is under a service or environment that `kiln.toml` does not have.
    UnknownName {
        /// `service` or `environment`.
        what: &'static str,
        name: String,
        suggestion: Option<String>,
    },
    /// A part of the key holds a value that is not a table (`kind` says what).
    NotATable { prefix: String, kind: &'static str },
    /// A part of the key is an array: its items have no names to set.
    InArray { prefix: String },
    /// The key names a whole `[table]`, not one value.
    WholeTable,
}

impl SetRefusal {
    /// The message for `key`, refused for this reason.
    pub(super) fn write(&self, key: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetRefusal::NotAKey { cause } => write!(
                f,
                "`{key}` is not a key of `kiln.toml`: {cause}\n  = hint: write it dotted, as \
                 `services.api.version`; quote a part that holds a dot or a space: \
                 `services.api.env.\"log.level\"`"
            ),
            SetRefusal::UnknownName {
                what,
                name,
                suggestion,
            } => {
                write!(f, "unknown {what} `{name}` in `{key}`")?;
                match suggestion {
                    Some(other) => write!(f, "\n  = hint: did you mean `{other}`?"),
                    None => write!(
                        f,
                        "\n  = hint: `kiln set` changes the {what}s `kiln.toml` has; add a \
                         new {what} to `kiln.toml` by hand"
                    ),
                }
            }
            SetRefusal::NotATable { prefix, kind } => write!(
                f,
                "`{prefix}` is {kind}, not a table, so `{key}` cannot be set\n  = hint: set \
                 `{prefix}` itself: `kiln set {prefix} VALUE`"
            ),
            SetRefusal::InArray { prefix } => write!(
                f,
                "`{prefix}` is an array, so `{key}` cannot be set\n  = hint: set the whole \
                 array: `kiln set {prefix} '[...]'`"
            ),
            SetRefusal::WholeTable => write!(
                f,
                "`{key}` is a table, not one value\n  = hint: set its keys one at a time: \
                 `kiln set {key}.KEY VALUE`"
            ),
        }
    }
}
