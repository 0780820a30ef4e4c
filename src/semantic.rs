//! Kubernetes-aware comparison: objects matched by (apiVersion, kind,
//! namespace, name), fields compared by path. Key order and formatting never
//! count; lists of named items are matched by name, so reordering them is
//! not a change, and other lists item by item, so an inserted item is one
//! change. YAML that holds no objects is compared as one document, and
//! anything else as text.

use crate::diff::{FileDiff, Status};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Identity of a Kubernetes object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ObjectId {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(
                f,
                "{} {} {namespace}/{}",
                self.api_version, self.kind, self.name
            ),
            None => write!(f, "{} {} {}", self.api_version, self.kind, self.name),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectStatus {
    Added,
    Removed,
    Changed,
}

/// One field that differs, by path such as `spec.template.spec.containers[users].image`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectChange {
    #[serde(flatten)]
    pub id: ObjectId,
    /// The file the object lives in (on the new side when it has one).
    pub file: String,
    pub status: ObjectStatus,
    pub changes: Vec<FieldChange>,
}

/// How a file is compared field by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Content {
    /// YAML holding Kubernetes objects (`apiVersion` and `kind`): object by object.
    Kubernetes,
    /// YAML that holds no objects, such as a CI pipeline: as one document.
    Yaml,
    /// Anything else, or YAML that does not parse on one side: line by line.
    Text,
}

/// The YAML documents of one side of a file: Kubernetes objects by
/// identity, and the documents that are not objects.
#[derive(Default)]
struct Parsed {
    objects: Vec<(ObjectId, Value)>,
    rest: Vec<Value>,
}

impl Parsed {
    /// The documents that are not objects as one value, `None` when there are none.
    fn document(&self) -> Option<Value> {
        match self.rest.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            many => Some(Value::Array(many.to_vec())),
        }
    }
}

/// Both sides of a file parsed, or `None` when it is compared as text.
fn parse_sides(diff: &FileDiff) -> Option<(Parsed, Parsed)> {
    let side = |text: &Option<String>| match text {
        Some(text) => parse(&diff.path, text),
        None => Some(Parsed::default()),
    };
    Some((side(&diff.old)?, side(&diff.new)?))
}

/// How `diff`'s file is compared.
pub fn content(diff: &FileDiff) -> Content {
    match parse_sides(diff) {
        None => Content::Text,
        Some((old, new)) if old.objects.is_empty() && new.objects.is_empty() => Content::Yaml,
        Some(_) => Content::Kubernetes,
    }
}

/// Object-level changes across every file that differs. An object is
/// matched by identity wherever it lives, so moving it to another file is
/// not a change.
pub fn compare(diffs: &[FileDiff]) -> Vec<ObjectChange> {
    let mut old: BTreeMap<ObjectId, (String, Value)> = BTreeMap::new();
    let mut new: BTreeMap<ObjectId, (String, Value)> = BTreeMap::new();
    for diff in diffs {
        let Some((before, after)) = parse_sides(diff) else {
            continue;
        };
        for (side, parsed) in [(&mut old, before), (&mut new, after)] {
            for (id, value) in parsed.objects {
                // The first of two objects with one identity wins; the
                // file-level report still names the file.
                side.entry(id).or_insert_with(|| (diff.path.clone(), value));
            }
        }
    }
    let mut changes = Vec::new();
    for (id, (file, after)) in &new {
        match old.get(id) {
            None => changes.push(ObjectChange {
                id: id.clone(),
                file: file.clone(),
                status: ObjectStatus::Added,
                changes: vec![],
            }),
            Some((_, before)) => {
                let fields = fields_changed(before, after);
                if !fields.is_empty() {
                    changes.push(ObjectChange {
                        id: id.clone(),
                        file: file.clone(),
                        status: ObjectStatus::Changed,
                        changes: fields,
                    });
                }
            }
        }
    }
    for (id, (file, _)) in &old {
        if !new.contains_key(id) {
            changes.push(ObjectChange {
                id: id.clone(),
                file: file.clone(),
                status: ObjectStatus::Removed,
                changes: vec![],
            });
        }
    }
    changes.sort_by(|a, b| (&a.file, &a.id).cmp(&(&b.file, &b.id)));
    changes
}

/// Field changes of the YAML documents of a changed file that are not
/// Kubernetes objects (a CI pipeline, say). Empty for a created or deleted
/// file, which is one change as a whole, and for a file compared as text.
pub fn document_changes(diff: &FileDiff) -> Vec<FieldChange> {
    if diff.old.is_none() || diff.new.is_none() {
        return Vec::new();
    }
    let Some((old, new)) = parse_sides(diff) else {
        return Vec::new();
    };
    let mut changes = Vec::new();
    diff_values(
        "",
        old.document().as_ref(),
        new.document().as_ref(),
        &mut changes,
    );
    changes
}

/// The diffs that matter field by field: created and deleted files, files
/// compared as text, files whose objects or documents changed, and hand
/// edits, which block a build whatever they touch. Only files whose every
/// difference is formatting, key order or the order of named items drop out.
pub fn significant(diffs: Vec<FileDiff>) -> Vec<FileDiff> {
    diffs
        .into_iter()
        .filter(|diff| {
            matches!(
                diff.status,
                Status::Edited | Status::NotOurs | Status::Created | Status::Deleted
            ) || content(diff) == Content::Text
                || !compare(std::slice::from_ref(diff)).is_empty()
                || !document_changes(diff).is_empty()
        })
        .collect()
}

pub fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

/// The YAML documents in `text`, split into Kubernetes objects and the
/// rest; `None` when the file is not YAML or does not parse.
fn parse(file: &str, text: &str) -> Option<Parsed> {
    if !is_yaml(file) {
        return None;
    }
    let mut parsed = Parsed::default();
    for document in serde_yaml::Deserializer::from_str(text) {
        let value = <Value as serde::Deserialize>::deserialize(document).ok()?;
        if value.is_null() {
            // An empty document (comments only, a trailing `---`) holds nothing.
            continue;
        }
        let text_of = |v: &Value| v.as_str().map(str::to_string);
        let (Some(api_version), Some(kind)) =
            (text_of(&value["apiVersion"]), text_of(&value["kind"]))
        else {
            parsed.rest.push(value);
            continue;
        };
        // A kustomization has no name; its file is its identity.
        let name = text_of(&value["metadata"]["name"]).unwrap_or_else(|| file.to_string());
        let namespace = text_of(&value["metadata"]["namespace"]);
        parsed.objects.push((
            ObjectId {
                api_version,
                kind,
                namespace,
                name,
            },
            value,
        ));
    }
    Some(parsed)
}

fn fields_changed(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    diff_values("", Some(before), Some(after), &mut changes);
    changes
}

/// `prefix` and one more map key: `a.b`, or `a["b.c"]` for a key that is not a bare word.
fn child(prefix: &str, key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        }
    } else {
        format!("{prefix}[{key:?}]")
    }
}

/// The `name` of each item when every item is a map with a distinct string
/// `name` (containers, env, ports, volumes, subsets, routes): such a list is
/// matched by name, as Kubernetes merges it.
fn names(items: &[Value]) -> Option<Vec<&str>> {
    let names: Vec<&str> = items
        .iter()
        .map(|item| item.get("name").and_then(Value::as_str))
        .collect::<Option<_>>()?;
    let mut distinct = names.clone();
    distinct.sort_unstable();
    distinct.dedup();
    (distinct.len() == names.len()).then_some(names)
}

/// Past this many item pairs a list is compared by position: the sequence
/// diff costs up to their product, and a hostile file must not stall kiln.
const MAX_SEQUENCE_PAIRS: usize = 10_000_000;

/// The changes from `before` to `after` at `path`, appended to `out`. Maps
/// are compared key by key; lists of named items by name; other lists as
/// sequences whose items are matched by their whole value, so an inserted
/// or removed item is one change and shifts nothing.
fn diff_values(
    path: &str,
    before: Option<&Value>,
    after: Option<&Value>,
    out: &mut Vec<FieldChange>,
) {
    match (before, after) {
        (None, None) => {}
        (Some(a), Some(b)) if a == b => {}
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                diff_values(&child(path, key), a.get(key), b.get(key), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => diff_lists(path, a, b, out),
        (Some(a), Some(b)) if !is_container(a) && !is_container(b) => out.push(FieldChange {
            path: path.to_string(),
            old: Some(a.clone()),
            new: Some(b.clone()),
        }),
        (before, after) => {
            // A field that appears, disappears or changes shape: its leaves.
            if let Some(before) = before {
                for (path, value) in leaves(path, before) {
                    out.push(FieldChange {
                        path,
                        old: Some(value),
                        new: None,
                    });
                }
            }
            if let Some(after) = after {
                for (path, value) in leaves(path, after) {
                    out.push(FieldChange {
                        path,
                        old: None,
                        new: Some(value),
                    });
                }
            }
        }
    }
}

fn is_container(value: &Value) -> bool {
    matches!(value, Value::Object(map) if !map.is_empty())
        || matches!(value, Value::Array(items) if !items.is_empty())
}

fn diff_lists(path: &str, a: &[Value], b: &[Value], out: &mut Vec<FieldChange>) {
    if let (Some(old_names), Some(new_names)) = (names(a), names(b)) {
        for (name, item) in new_names.iter().zip(b) {
            let before = old_names.iter().position(|n| n == name).map(|i| &a[i]);
            diff_values(&format!("{path}[{name}]"), before, Some(item), out);
        }
        for (name, item) in old_names.iter().zip(a) {
            if !new_names.contains(name) {
                diff_values(&format!("{path}[{name}]"), Some(item), None, out);
            }
        }
        return;
    }
    let item = |index: usize| format!("{path}[{index}]");
    let added = |out: &mut Vec<FieldChange>, index: usize| {
        out.push(FieldChange {
            path: item(index),
            old: None,
            new: Some(b[index].clone()),
        })
    };
    let removed = |out: &mut Vec<FieldChange>, index: usize| {
        out.push(FieldChange {
            path: item(index),
            old: Some(a[index].clone()),
            new: None,
        })
    };
    if a.len().saturating_mul(b.len()) > MAX_SEQUENCE_PAIRS {
        for index in 0..a.len().max(b.len()) {
            match (a.get(index), b.get(index)) {
                (Some(_), None) => removed(out, index),
                (None, Some(_)) => added(out, index),
                (before, after) => diff_values(&item(index), before, after, out),
            }
        }
        return;
    }
    // serde_json's maps are sorted, so the JSON text of an item is canonical.
    let key = |items: &[Value]| -> Vec<String> { items.iter().map(Value::to_string).collect() };
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &key(a), &key(b));
    for op in ops {
        match op {
            similar::DiffOp::Equal { .. } => {}
            similar::DiffOp::Delete {
                old_index, old_len, ..
            } => (old_index..old_index + old_len).for_each(|i| removed(out, i)),
            similar::DiffOp::Insert {
                new_index, new_len, ..
            } => (new_index..new_index + new_len).for_each(|i| added(out, i)),
            similar::DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                // Items replaced in place are compared with each other,
                // so one changed field of a rule is one change.
                let paired = old_len.min(new_len);
                for i in 0..paired {
                    diff_values(
                        &item(new_index + i),
                        Some(&a[old_index + i]),
                        Some(&b[new_index + i]),
                        out,
                    );
                }
                (old_index + paired..old_index + old_len).for_each(|i| removed(out, i));
                (new_index + paired..new_index + new_len).for_each(|i| added(out, i));
            }
        }
    }
}

/// Leaves of a value that appears or disappears as a whole, by path. An
/// item of a list of named items is keyed by its name, others by position.
fn leaves(prefix: &str, value: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    collect_leaves(prefix, value, &mut out);
    out
}

fn collect_leaves(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child_value) in map {
                collect_leaves(&child(prefix, key), child_value, out);
            }
        }
        Value::Array(items) if !items.is_empty() => match names(items) {
            Some(names) => {
                for (name, item) in names.iter().zip(items) {
                    collect_leaves(&format!("{prefix}[{name}]"), item, out);
                }
            }
            None => {
                for (index, item) in items.iter().enumerate() {
                    out.push((format!("{prefix}[{index}]"), item.clone()));
                }
            }
        },
        leaf => out.push((prefix.to_string(), leaf.clone())),
    }
}

/// A value as a reviewer reads it: strings bare, everything else as JSON.
pub fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(old: &str, new: &str) -> Vec<ObjectChange> {
        compare(&[FileDiff {
            path: "deploy/dev/x.yaml".into(),
            status: Status::Changed,
            old: Some(old.into()),
            new: Some(new.into()),
        }])
    }

    const BASE: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: n}\n";

    #[test]
    fn reordering_named_items_and_keys_is_not_a_change() {
        let old = format!(
            "{BASE}spec:\n  containers:\n    - {{name: a, image: x}}\n    - {{name: b, image: y}}\n"
        );
        let new = format!(
            "{BASE}spec:\n  containers:\n    - {{image: y, name: b}}\n    - {{name: a, image: x}}\n"
        );
        assert!(diff(&old, &new).is_empty());
    }

    #[test]
    fn changed_fields_are_named_by_path() {
        let old =
            format!("{BASE}spec:\n  containers:\n    - {{name: users, image: 'r/u:1.4.2'}}\n");
        let new = format!(
            "{BASE}spec:\n  replicas: 3\n  containers:\n    - {{name: users, image: 'r/u:1.5.0'}}\n"
        );
        let changes = &diff(&old, &new)[0].changes;
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].path, "spec.containers[users].image");
        assert_eq!(
            changes[0].old.as_ref().map(show).as_deref(),
            Some("r/u:1.4.2")
        );
        assert_eq!(changes[1].path, "spec.replicas");
        assert_eq!(changes[1].old, None);
    }
}
