//! `kiln set KEY VALUE`: one value of `kiln.toml` changed where it stands,
//! every comment, blank line and key order kept (toml_edit edits the
//! document, it does not rewrite it). The edited text is checked as
//! `kiln check` checks a file, and written only when it passes; then kiln
//! builds. So a bot that bumps a version edits `kiln.toml`, never the
//! generated files.

use crate::config::load;
use crate::diagnostics::Source;
use crate::diagnostics::{Error, Problem, SetRefusal};
use crate::output::lock::Lock;
use crate::output::{paths, plan, write};
use crate::pipeline::{self, Verify};
use std::io::Write;
use std::path::Path;
use std::str::FromStr;
use toml_edit::{DocumentMut, InlineTable, Item, Key, Table, Value};

/// Sets `key` to `value` in the `kiln.toml` of `dir`, then builds unless
/// `build` is false. On any problem nothing is written.
pub fn set(
    dir: &Path,
    key: &str,
    value: &str,
    build: bool,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> Result<(), Error> {
    let repo = write::lock_repo(dir)?;
    let source = crate::commands::read_source(dir)?;
    let keys = parse_key(key)?;
    let shown = dotted(&keys);
    let document = DocumentMut::from_str(&source.text).map_err(|err| {
        // The file is broken before the edit: say so as `kiln check` would.
        match load::parse(&source.text) {
            Err(problems) => source.invalid(&problems),
            Ok(_) => source.invalid(&[Problem::syntax(err.message(), err.span())]),
        }
    })?;
    check_names(&document, &keys, &shown)?;

    let mut refused = Vec::new();
    let mut chosen = None;
    for reading in readings(value) {
        let mut edited = document.clone();
        let previous = put(&mut edited, &keys, &shown, reading.clone())?;
        let edited = Source {
            name: source.name.clone(),
            text: edited.to_string(),
        };
        match pipeline::generate(dir, &edited, Verify::CrossCheck) {
            Ok(generated) => {
                chosen = Some((edited, generated, reading, previous));
                break;
            }
            Err(err) => refused.push(err),
        }
    }
    let Some((edited, generated, reading, previous)) = chosen else {
        // The problems of the first reading that is of the key's type: an
        // integer refused as out of range says more than a string refused
        // as not an integer.
        let key_path = crate::diagnostics::KeyPath(
            keys.iter()
                .map(|key| crate::diagnostics::KeyPart::Key(key.get().to_string()))
                .collect(),
        )
        .to_string();
        let typed = refused.iter().position(|err| !wrong_type(err, &key_path));
        return Err(refused.swap_remove(typed.unwrap_or(0)));
    };
    if build {
        // A build that would stop on a hand edit stops before kiln.toml changes.
        let (lock, _) = Lock::read_with_journal(dir)?;
        let plan = plan::plan(dir, &generated.rendered, &generated.sources, &lock, false)?;
        if let Some(conflicts) = plan.conflicts() {
            return Err(conflicts);
        }
    }
    if edited.text != source.text {
        write::write(dir, paths::CONFIG, edited.text.as_bytes())?;
    }
    drop(repo);
    let io = |cause| Error::Io {
        path: dir.join(paths::CONFIG),
        cause,
    };
    let new = repr(&reading);
    match previous {
        Some(old) if repr(&old) == new => {
            writeln!(out, "{}: `{shown}` is {new} already", source.name).map_err(io)?
        }
        Some(old) => writeln!(
            out,
            "{}: `{shown}` = {new} (was {})",
            source.name,
            repr(&old)
        )
        .map_err(io)?,
        None => writeln!(out, "{}: `{shown}` = {new} (new)", source.name).map_err(io)?,
    }
    if build {
        crate::commands::build(dir, false, false, false, out, warn)
    } else {
        writeln!(out, "next: run `kiln build`").map_err(io)
    }
}

/// Whether `err` says the value at `key` is of the wrong type.
fn wrong_type(err: &Error, key: &str) -> bool {
    err.located().iter().any(|problem| {
        problem.key.as_deref() == Some(key) && problem.message.contains("invalid type:")
    })
}

/// `services.api."log.level"` as TOML reads a dotted key.
fn parse_key(key: &str) -> Result<Vec<Key>, Error> {
    let refuse = |cause: String| Error::SetKey {
        key: key.to_string(),
        refusal: SetRefusal::NotAKey { cause },
    };
    let mut keys = Key::parse(key).map_err(|err| refuse(err.message().trim().to_string()))?;
    if keys.is_empty() {
        return Err(refuse("it is empty".to_string()));
    }
    for key in &mut keys {
        // Spaces around the dots are the argument's, not the file's.
        key.leaf_decor_mut().clear();
        key.dotted_decor_mut().clear();
    }
    Ok(keys)
}

/// The key as messages write it: each part bare, or quoted when it must be.
fn dotted(keys: &[Key]) -> String {
    keys.iter()
        .map(|key| Key::new(key.get()).display_repr().into_owned())
        .collect::<Vec<_>>()
        .join(".")
}

/// `kiln set` changes the services and environments `kiln.toml` has: a
/// typo in a name must not create a half-made service.
fn check_names(document: &DocumentMut, keys: &[Key], shown: &str) -> Result<(), Error> {
    let [map, name, ..] = keys else {
        return Ok(());
    };
    let what = match map.get() {
        "services" => "service",
        "environments" => "environment",
        _ => return Ok(()),
    };
    let known: Vec<&str> = document
        .get(map.get())
        .and_then(Item::as_table_like)
        .map(|table| table.iter().map(|(name, _)| name).collect())
        .unwrap_or_default();
    if known.contains(&name.get()) {
        return Ok(());
    }
    Err(Error::SetKey {
        key: shown.to_string(),
        refusal: SetRefusal::UnknownName {
            what,
            name: name.get().to_string(),
            suggestion: crate::diagnostics::suggest(name.get(), known).map(str::to_string),
        },
    })
}

/// What VALUE may mean, in the order tried: TOML (`5`, `true`, `[...]`,
/// `{ ... }`, `"quoted"`), and for a number, boolean or date also the
/// string it is spelled as, for the keys that take a string (`version`
/// `2.0`); anything that is not TOML (`1.4.0`, `debug`) is a string.
fn readings(raw: &str) -> Vec<Value> {
    match Value::from_str(raw) {
        Ok(
            value @ (Value::Integer(_) | Value::Float(_) | Value::Boolean(_) | Value::Datetime(_)),
        ) => vec![value, Value::from(raw)],
        Ok(value) => vec![value],
        Err(_) => vec![Value::from(raw)],
    }
}

/// The value as TOML writes it, without the spaces and comment around it.
fn repr(value: &Value) -> String {
    let mut value = value.clone();
    value.decor_mut().clear();
    value.to_string()
}

/// What a value is, for a message.
fn kind(item: &Item) -> &'static str {
    match item {
        Item::Value(Value::String(_)) => "a string",
        Item::Value(Value::Integer(_)) => "an integer",
        Item::Value(Value::Float(_)) => "a float",
        Item::Value(Value::Boolean(_)) => "a boolean",
        Item::Value(Value::Datetime(_)) => "a date",
        Item::Value(Value::Array(_)) | Item::ArrayOfTables(_) => "an array",
        Item::Value(Value::InlineTable(_)) | Item::Table(_) => "a table",
        Item::None => "nothing",
    }
}

/// The tables a `kiln.toml` writes under a `[header]` of their own:
/// `[project]`, `[environments.E]`, `[services.S]`, `[services.S.environments.E]`.
/// Any other table that `kiln set` creates is inline, as `env = { ... }`.
fn is_section(path: &[Key]) -> bool {
    let parts: Vec<&str> = path.iter().map(Key::get).collect();
    matches!(
        parts.as_slice(),
        ["project" | "defaults" | "environments" | "services"]
            | ["environments" | "services", _]
            | ["services", _, "environments", _]
    )
}

/// Sets `keys` to `value` in `document`, creating the tables on the way;
/// returns the value it replaced. A value keeps the spaces and comment
/// around it; a new key goes after the last key of its table, a new
/// section after the last table under its parent.
fn put(
    document: &mut DocumentMut,
    keys: &[Key],
    shown: &str,
    value: Value,
) -> Result<Option<Value>, Error> {
    let refuse = |refusal| Error::SetKey {
        key: shown.to_string(),
        refusal,
    };
    let (last, parents) = keys.split_last().expect("parse_key returns a key");
    let mut item: &mut Item = document.as_item_mut();
    for (depth, key) in parents.iter().enumerate() {
        if !contains(item, key) {
            // Sections get headers only under headers, never in an inline or dotted table.
            let in_header = item.as_table().is_some_and(|table| !table.is_dotted());
            let new = if in_header && is_section(&keys[..=depth]) {
                Item::Table(Table::new())
            } else if in_header && is_section(&keys[..(depth + 2).min(keys.len())]) {
                // `services.S.environments`: only the way to `[services.S.environments.E]`.
                let mut table = Table::new();
                table.set_implicit(true);
                Item::Table(table)
            } else {
                Item::Value(Value::InlineTable(InlineTable::new()))
            };
            insert(item, key, new);
        }
        item = item
            .as_table_like_mut()
            .and_then(|table| table.get_mut(key.get()))
            .expect("present now");
        let prefix = || dotted(&keys[..=depth]);
        match item {
            Item::Table(_) | Item::Value(Value::InlineTable(_)) => {}
            Item::Value(Value::Array(_)) | Item::ArrayOfTables(_) => {
                return Err(refuse(SetRefusal::InArray { prefix: prefix() }));
            }
            other => {
                return Err(refuse(SetRefusal::NotATable {
                    prefix: prefix(),
                    kind: kind(other),
                }));
            }
        }
    }
    let table = item.as_table_like_mut().expect("checked above");
    match table.get_mut(last.get()) {
        Some(Item::Value(old)) => {
            let previous = old.clone();
            let decor = old.decor().clone();
            *old = value;
            *old.decor_mut() = decor;
            Ok(Some(previous))
        }
        Some(Item::Table(_) | Item::ArrayOfTables(_)) => Err(refuse(SetRefusal::WholeTable)),
        Some(Item::None) | None => {
            insert(item, last, Item::Value(value));
            Ok(None)
        }
    }
}

/// Whether the table (of any kind) `item` has `key`.
fn contains(item: &Item, key: &Key) -> bool {
    item.as_table_like()
        .and_then(|table| table.get(key.get()))
        .is_some_and(|found| !found.is_none())
}

/// Adds `key` to the table `item` after its last key. In an inline table
/// the space before `}` stays before `}`: `{ A = "1", B = "2" }`.
fn insert(item: &mut Item, key: &Key, new: Item) {
    match (item, new) {
        (Item::Value(Value::InlineTable(inline)), Item::Value(mut value)) => {
            let before_brace = inline.iter_mut().last().map(|(_, last)| {
                let suffix = last.decor().suffix().cloned();
                last.decor_mut().set_suffix("");
                suffix
            });
            if let Some(Some(suffix)) = before_brace {
                value.decor_mut().set_prefix(" ");
                value.decor_mut().set_suffix(suffix);
            }
            inline.insert_formatted(key, value);
        }
        (item, new) => {
            if let Some(table) = item.as_table_like_mut() {
                table.entry_format(key).or_insert(new);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(text: &str, key: &str, value: &str) -> String {
        let mut document = DocumentMut::from_str(text).unwrap();
        let keys = parse_key(key).unwrap();
        put(&mut document, &keys, key, readings(value).remove(0)).unwrap();
        document.to_string()
    }

    const TEXT: &str = "# top\n[project]\nname = \"shop\"  # the name\n\n[services.api]\nversion = \"1.0.0\"\nenv = { A = \"1\" }\n\n[services.api.environments.dev]\nreplicas = 1\n\n[services.db]\nimage = \"postgres:16.4\"\n";

    #[test]
    fn a_value_changes_in_place_with_its_comment() {
        let text = edit(TEXT, "project.name", "store");
        assert_eq!(text, TEXT.replace("\"shop\"  #", "\"store\"  #"));
    }

    #[test]
    fn a_new_environment_override_is_a_section_after_its_siblings() {
        let text = edit(TEXT, "services.api.environments.prod.replicas", "5");
        assert_eq!(
            text,
            TEXT.replace(
                "replicas = 1\n",
                "replicas = 1\n\n[services.api.environments.prod]\nreplicas = 5\n"
            )
        );
    }

    #[test]
    fn a_new_nested_key_is_inline() {
        let text = edit(TEXT, "services.db.env.LOG_LEVEL", "debug");
        assert_eq!(
            text,
            TEXT.replace(
                "image = \"postgres:16.4\"\n",
                "image = \"postgres:16.4\"\nenv = { LOG_LEVEL = \"debug\" }\n"
            )
        );
        let text = edit(TEXT, "services.api.env.B", "2");
        assert!(text.contains("env = { A = \"1\", B = 2 }\n"), "{text}");
    }

    #[test]
    fn quoted_parts_may_hold_dots() {
        let text = edit(TEXT, "services.api.env.\"log.level\"", "warn");
        assert!(
            text.contains("env = { A = \"1\", \"log.level\" = \"warn\" }"),
            "{text}"
        );
    }

    #[test]
    fn scalars_may_also_be_read_as_strings_and_other_words_are_strings() {
        let shown = |raw: &str| readings(raw).iter().map(repr).collect::<Vec<_>>();
        assert_eq!(shown("5"), ["5", "\"5\""]);
        assert_eq!(shown("2.0"), ["2.0", "\"2.0\""]);
        assert_eq!(shown("1.4.0"), ["\"1.4.0\""]);
        assert_eq!(shown("\"5\""), ["\"5\""]);
        assert_eq!(shown("[\"a\", \"b\"]"), ["[\"a\", \"b\"]"]);
        assert_eq!(shown("say \"hi\"\n"), ["\"\"\"\nsay \"hi\"\n\"\"\""]);
    }
}
