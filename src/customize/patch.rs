//! Patches: each document of a file under `.kiln/patches` is either a
//! partial object (`apiVersion`, `kind`, `metadata.name` and the fields to
//! set, merged as `merge` says) or RFC 6902 operations with a target:
//!
//! ```yaml
//! target: { kind: Deployment, name: api }
//! patch:
//!   - { op: add, path: /metadata/annotations/example.com~1team, value: payments }
//! ```
//!
//! Each is applied to the one object of kiln's render it targets, in each
//! environment it is for, in file order (every-environment files first).
//! A patch may not change what kiln and the cluster find an object by:
//! its kind, apiVersion, name and namespace, its selectors, and the pod
//! labels those select.

use super::merge::{self, reorder};
use super::problems::{combined, documents, problem};
use super::read::Input;
use crate::diagnostics::Error;
use crate::model::Model;
use serde::Deserialize;
use serde_yaml::Value;
use std::collections::BTreeMap;

/// The most `copy` operations one document may hold: each can double the
/// object, and a hostile patch must not exhaust memory.
const MAX_COPIES: usize = 16;

/// One patch: a document of a patch file.
pub struct Patch {
    /// Its file's repo path, which the patched file and the lock name.
    pub path: String,
    /// Its file as messages name it.
    pub shown: String,
    /// The environment it is for; `None` for every environment.
    pub env: Option<String>,
    /// The line its document starts on.
    pub line: Option<usize>,
    pub target: Target,
    pub change: Change,
}

/// The object a patch is for.
pub struct Target {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    pub api_version: Option<String>,
}

pub enum Change {
    /// A partial object, merged in.
    Merge(Value),
    /// RFC 6902 operations, applied by the `json-patch` crate.
    Json(json_patch::Patch),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonForm {
    target: TargetForm,
    patch: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TargetForm {
    kind: String,
    name: String,
    namespace: Option<String>,
    api_version: Option<String>,
}

/// The patches of one file, or every problem with it.
pub fn parse(input: &Input) -> Result<Vec<Patch>, Vec<Error>> {
    let mut patches = Vec::new();
    let mut problems = Vec::new();
    for (value, line) in documents(&input.shown, &input.text)? {
        let at = line.map(|line| (line, 1));
        let bad = |message: String, hint: &str| problem(&input.shown, at, message, hint);
        let parsed = if value.get("target").is_some() || value.get("patch").is_some() {
            json_form(value).map_err(|message| {
                bad(
                    message,
                    "an RFC 6902 patch is `target: { kind, name }` and `patch:`, a list of `{ op, path, value }`",
                )
            })
        } else {
            merge_form(value).map_err(|message| {
                bad(
                    message,
                    "a merge patch is a partial object: `apiVersion`, `kind`, `metadata.name` and the fields to set",
                )
            })
        };
        match parsed {
            Ok((target, change)) => patches.push(Patch {
                path: input.path.clone(),
                shown: input.shown.clone(),
                env: input.env.clone(),
                line,
                target,
                change,
            }),
            Err(err) => problems.push(err),
        }
    }
    if patches.is_empty() && problems.is_empty() {
        problems.push(problem(
            &input.shown,
            None,
            "holds no patch",
            "write a partial object or an RFC 6902 patch, or delete the file",
        ));
    }
    if problems.is_empty() {
        Ok(patches)
    } else {
        Err(problems)
    }
}

fn json_form(value: Value) -> Result<(Target, Change), String> {
    let form: JsonForm = serde_yaml::from_value(value).map_err(|err| err.to_string())?;
    let ops: json_patch::Patch = serde_json::from_value(serde_json::Value::Array(form.patch))
        .map_err(|err| format!("`patch`: {err}"))?;
    if ops.0.is_empty() {
        return Err("`patch` has no operations".to_string());
    }
    let copies = ops
        .0
        .iter()
        .filter(|op| matches!(op, json_patch::PatchOperation::Copy(_)))
        .count();
    if copies > MAX_COPIES {
        return Err(format!(
            "`patch` has {copies} `copy` operations; kiln applies at most {MAX_COPIES}"
        ));
    }
    let t = form.target;
    Ok((
        Target {
            kind: t.kind,
            name: t.name,
            namespace: t.namespace,
            api_version: t.api_version,
        },
        Change::Json(ops),
    ))
}

fn merge_form(value: Value) -> Result<(Target, Change), String> {
    let text = |v: &Value, key: &str| match v {
        Value::String(s) if !s.is_empty() => Ok(s.clone()),
        _ => Err(format!("`{key}` is missing or not a string")),
    };
    if !value.is_mapping() {
        return Err("is not a mapping".to_string());
    }
    text(&value["apiVersion"], "apiVersion")?;
    // A merge patch's apiVersion is not a filter: one that differs from
    // the object's is refused as a change, with the reason.
    let target = Target {
        api_version: None,
        kind: text(&value["kind"], "kind")?,
        name: text(&value["metadata"]["name"], "metadata.name")?,
        namespace: value["metadata"]["namespace"].as_str().map(str::to_string),
    };
    Ok((target, Change::Merge(value)))
}

/// What one patch changed in one object: for `kiln explain`.
pub struct Applied {
    pub file: String,
    pub patch: String,
    pub kind: String,
    pub name: String,
    /// Each field changed and its new value (`None`: removed).
    pub fields: Vec<(String, Option<serde_json::Value>)>,
}

/// A rendered file: path, contents and the templates (and now patches) that made it.
type File = (String, String, Vec<String>);

/// Applies `patches` to the rendered `files` of every environment of
/// `model`, or every problem at once.
pub fn apply(files: &mut [File], patches: &[Patch], model: &Model) -> Result<Vec<Applied>, Error> {
    let mut applied = Vec::new();
    if patches.is_empty() {
        return Ok(applied);
    }
    let mut problems = Vec::new();
    // How many environments each patch found its object in.
    let mut hits = vec![0usize; patches.len()];
    // The object each environment's files hold, by index into `files`.
    let mut patched: BTreeMap<usize, (Value, Vec<String>)> = BTreeMap::new();
    for env in &model.environments {
        let mine: Vec<(usize, &Patch)> = patches
            .iter()
            .enumerate()
            .filter(|(_, p)| p.env.as_ref().is_none_or(|e| *e == env.name))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let dir = format!("{}/", crate::output::paths::environment_dir(&env.name));
        let extra = format!("{dir}extra/");
        // Only a file that names a patched kind can hold its object: the
        // rest need no parse.
        let kinds: Vec<&str> = mine.iter().map(|(_, p)| p.target.kind.as_str()).collect();
        let candidates: Vec<usize> = files
            .iter()
            .enumerate()
            .filter(|(_, (path, text, _))| {
                path.starts_with(&dir)
                    && !path.starts_with(&extra)
                    && !path.ends_with("/kustomization.yaml")
                    && kinds.iter().any(|kind| text.contains(kind))
            })
            .map(|(i, _)| i)
            .collect();
        let parsed = crate::parallel::map(&candidates, |i| {
            serde_yaml::from_str::<Value>(&files[*i].1).ok()
        });
        let objects: Vec<(usize, Value)> = candidates
            .into_iter()
            .zip(parsed)
            .filter_map(|(i, value)| Some((i, value?)))
            .collect();
        for (n, patch) in mine {
            let found: Vec<usize> = objects
                .iter()
                .filter(|(_, o)| targets(&patch.target, o))
                .map(|(i, _)| *i)
                .collect();
            let at = patch.line.map(|line| (line, 1));
            let t = &patch.target;
            let index = match found.as_slice() {
                [] => {
                    if patch.env.is_some() {
                        problems.push(missing(patch, &env.name, &objects));
                    }
                    continue;
                }
                [one] => *one,
                _ => {
                    problems.push(problem(
                        &patch.shown,
                        at,
                        format!(
                            "`{}/{}` is more than one object in `{}`",
                            t.kind, t.name, env.name
                        ),
                        "name the namespace of the one you mean (`metadata.namespace`, or `namespace` in `target`)",
                    ));
                    continue;
                }
            };
            hits[n] += 1;
            let (current, by) = patched.entry(index).or_insert_with(|| {
                let value = objects
                    .iter()
                    .find(|(i, _)| *i == index)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                (value, Vec::new())
            });
            let old = current.clone();
            let result = match &patch.change {
                Change::Merge(partial) => merge::merge(current, partial, ""),
                Change::Json(ops) => json(current, ops),
            };
            if let Err(message) = result {
                *current = old;
                problems.push(problem(
                    &patch.shown,
                    at,
                    format!("cannot be applied to `{}` in `{}`: {message}", files[index].0, env.name),
                    "fix the patch against the object as kiln renders it (`kiln render ENV` prints it)",
                ));
                continue;
            }
            if let Some((field, why)) = refused(&old, current) {
                *current = old;
                problems.push(problem(
                    &patch.shown,
                    at,
                    format!(
                        "changes `{field}` of `{}/{}`, which kiln relies on",
                        t.kind, t.name
                    ),
                    why,
                ));
                continue;
            }
            let fields = changed(&old, current);
            if fields.is_empty() {
                continue;
            }
            if !by.contains(&patch.path) {
                by.push(patch.path.clone());
            }
            applied.push(Applied {
                file: files[index].0.clone(),
                patch: patch.path.clone(),
                kind: t.kind.clone(),
                name: t.name.clone(),
                fields,
            });
        }
    }
    for (patch, hits) in patches.iter().zip(hits) {
        if hits == 0 && patch.env.is_none() {
            let shown = model
                .environments
                .first()
                .map(|env| env.name.as_str())
                .unwrap_or_default();
            problems.push(missing(patch, shown, &[]));
        }
    }
    if let Some(err) = combined(problems) {
        return Err(err);
    }
    for (index, (value, by)) in patched {
        let notes: Vec<String> = applied
            .iter()
            .filter(|a| a.file == files[index].0)
            .map(|a| {
                let fields: Vec<&str> = a.fields.iter().map(|(f, _)| f.as_str()).collect();
                format!("{NOTE}{}: {}\n", a.patch, fields.join(", "))
            })
            .collect();
        let (path, text, sources) = &mut files[index];
        let header: String = text
            .lines()
            .take_while(|line| line.starts_with('#'))
            .map(|line| format!("{line}\n"))
            .collect();
        let body = serde_yaml::to_string(&value).map_err(|err| Error::Template {
            name: path.clone(),
            cause: err.to_string(),
        })?;
        *text = format!("{header}{}{body}", notes.concat());
        sources.extend(by);
    }
    Ok(applied)
}

/// How a patched file names each patch and the fields it changed, on
/// a line of its own among the header's comments.
const NOTE: &str = "# Patched by ";

/// The notes of a patched file's header: each patch and its fields.
pub fn notes(text: &str) -> Vec<(String, Vec<String>)> {
    text.lines()
        .take_while(|line| line.starts_with('#'))
        .filter_map(|line| line.strip_prefix(NOTE)?.split_once(": "))
        .map(|(patch, fields)| {
            (
                patch.to_string(),
                fields.split(", ").map(str::to_string).collect(),
            )
        })
        .collect()
}

/// Whether `object` is the one `target` names.
fn targets(target: &Target, object: &Value) -> bool {
    let is = |value: &Value, want: &str| value.as_str() == Some(want);
    is(&object["kind"], &target.kind)
        && is(&object["metadata"]["name"], &target.name)
        && target
            .namespace
            .as_deref()
            .is_none_or(|ns| is(&object["metadata"]["namespace"], ns))
        && target
            .api_version
            .as_deref()
            .is_none_or(|version| is(&object["apiVersion"], version))
}

/// The error for a patch whose object is not in `env`.
fn missing(patch: &Patch, env: &str, objects: &[(usize, Value)]) -> Error {
    let t = &patch.target;
    let same_kind: Vec<&str> = objects
        .iter()
        .filter(|(_, o)| o["kind"].as_str() == Some(&t.kind))
        .filter_map(|(_, o)| o["metadata"]["name"].as_str())
        .collect();
    let hint = match crate::diagnostics::suggest(&t.name, same_kind.iter().copied()) {
        Some(near) => {
            format!("did you mean `{near}`? `kiln render {env}` lists every object kiln generates")
        }
        None => format!(
            "`kiln render {env}` lists every object kiln generates; a patch targets one of them by `kind` and `metadata.name`"
        ),
    };
    let scope = match &patch.env {
        Some(env) => format!("in `{env}`"),
        None => "in any environment".to_string(),
    };
    problem(
        &patch.shown,
        patch.line.map(|line| (line, 1)),
        format!(
            "targets `{}/{}`, which kiln does not generate {scope}",
            t.kind, t.name
        ),
        hint,
    )
}

/// Applies RFC 6902 `ops` to `object`, keeping its key order.
fn json(object: &mut Value, ops: &json_patch::Patch) -> Result<(), String> {
    let mut doc = serde_json::to_value(&*object).map_err(|err| err.to_string())?;
    json_patch::patch(&mut doc, ops).map_err(|err| err.to_string())?;
    let value: Value = serde_yaml::to_value(&doc).map_err(|err| err.to_string())?;
    *object = reorder(value, object);
    Ok(())
}

/// The first field kiln relies on that `after` changes, and why it may not.
fn refused(before: &Value, after: &Value) -> Option<(String, String)> {
    let at = |value: &Value, path: &[&str]| {
        let mut value = value.clone();
        for key in path {
            value = value.get(*key).cloned().unwrap_or(Value::Null);
        }
        value
    };
    let identity = "kiln's other objects, its lock and the cluster know the object by it; change it in kiln.toml";
    let selector = "kiln's Services, policies and monitors find pods by these labels; they come from kiln.toml";
    for (path, why) in [
        (
            &["apiVersion"][..],
            "a patch changes an object's fields, not what it is",
        ),
        (
            &["kind"][..],
            "a patch changes an object's fields, not what it is",
        ),
        (&["metadata", "name"][..], identity),
        (&["metadata", "namespace"][..], identity),
        (&["spec", "selector"][..], selector),
        (&["spec", "podSelector"][..], selector),
        (&["spec", "workloadSelector"][..], selector),
    ] {
        if at(before, path) != at(after, path) {
            return Some((path.join("."), why.to_string()));
        }
    }
    for path in [
        &["spec", "template", "metadata", "labels"][..],
        &[
            "spec",
            "jobTemplate",
            "spec",
            "template",
            "metadata",
            "labels",
        ][..],
    ] {
        let old = at(before, path);
        let new = at(after, path);
        if let Value::Mapping(labels) = &old {
            for (key, value) in labels {
                if new.get(key) != Some(value) {
                    let key = key.as_str().unwrap_or_default();
                    return Some((
                        format!("{}[{key:?}]", path.join(".")),
                        format!("{selector}; a patch may add pod labels, not change kiln's"),
                    ));
                }
            }
        }
    }
    None
}

/// The fields that differ from `before` to `after`, with their new
/// values: maps key by key, lists of named items by name, any other list
/// as one field (a patch replaces it whole).
fn changed(before: &Value, after: &Value) -> Vec<(String, Option<serde_json::Value>)> {
    let mut out = Vec::new();
    walk("", Some(before), Some(after), &mut out);
    out
}

fn walk(
    path: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    out: &mut Vec<(String, Option<serde_json::Value>)>,
) {
    let json = |value: &Value| serde_json::to_value(value).ok();
    match (before, after) {
        (Some(a), Some(b)) if a == b => {}
        (Some(Value::Mapping(a)), Some(Value::Mapping(b))) => {
            let mut keys: Vec<&Value> = a.keys().collect();
            keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
            for key in keys {
                let name = key.as_str().unwrap_or_default();
                walk(&field(path, name), a.get(key), b.get(key), out);
            }
        }
        (Some(Value::Sequence(a)), Some(Value::Sequence(b)))
            if named(a).is_some() && named(b).is_some() =>
        {
            let mut names = named(a).unwrap_or_default();
            for name in named(b).unwrap_or_default() {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            let by = |items: &'_ [Value], name: &str| -> Option<Value> {
                items
                    .iter()
                    .find(|item| item.get("name").and_then(Value::as_str) == Some(name))
                    .cloned()
            };
            for name in names {
                let (old, new) = (by(a, name), by(b, name));
                walk(&format!("{path}[{name}]"), old.as_ref(), new.as_ref(), out);
            }
        }
        (_, None) => out.push((path.to_string(), None)),
        (_, Some(b)) => out.push((path.to_string(), json(b))),
    }
}

/// The names of a list whose items all have one.
fn named(items: &[Value]) -> Option<Vec<&str>> {
    items
        .iter()
        .map(|item| item.get("name").and_then(Value::as_str))
        .collect()
}

/// `path` and one more key: `a.b`, or `a["b/c"]` for a key that is not a bare word.
fn field(path: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (bare, path.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{path}.{key}"),
        (false, _) => format!("{path}[{key:?}]"),
    }
}
