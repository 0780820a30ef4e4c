//! Kubernetes-aware comparison: objects matched by (apiVersion, kind,
//! namespace, name), fields compared by path. Key order and formatting never
//! count, and lists of named items are matched by name, so reordering them
//! is not a change.

use crate::diff::{FileDiff, Status};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

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

/// Object-level changes across every file that differs.
pub fn compare(diffs: &[FileDiff]) -> Vec<ObjectChange> {
    let mut old: BTreeMap<ObjectId, (String, Value)> = BTreeMap::new();
    let mut new: BTreeMap<ObjectId, (String, Value)> = BTreeMap::new();
    for diff in diffs {
        if let Some(text) = &diff.old {
            objects(&diff.path, text, &mut old);
        }
        if let Some(text) = &diff.new {
            objects(&diff.path, text, &mut new);
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

/// The diffs that matter field by field: files whose objects changed,
/// files that are not YAML, and hand edits, which block a build whatever they touch.
pub fn significant(diffs: Vec<FileDiff>) -> Vec<FileDiff> {
    diffs
        .into_iter()
        .filter(|diff| {
            matches!(diff.status, Status::Edited | Status::NotOurs)
                || !is_yaml(&diff.path)
                || !compare(std::slice::from_ref(diff)).is_empty()
        })
        .collect()
}

pub fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

/// Every YAML document in `text` that looks like an object. Files that are
/// not YAML, or do not parse, have no objects and show up only as text.
fn objects(file: &str, text: &str, out: &mut BTreeMap<ObjectId, (String, Value)>) {
    if !is_yaml(file) {
        return;
    }
    for document in serde_yaml::Deserializer::from_str(text) {
        let Ok(value) = <Value as serde::Deserialize>::deserialize(document) else {
            return;
        };
        let text_of = |v: &Value| v.as_str().map(str::to_string);
        let (Some(api_version), Some(kind)) =
            (text_of(&value["apiVersion"]), text_of(&value["kind"]))
        else {
            continue;
        };
        // A kustomization has no name; its file is its identity.
        let name = text_of(&value["metadata"]["name"]).unwrap_or_else(|| file.to_string());
        let namespace = text_of(&value["metadata"]["namespace"]);
        out.insert(
            ObjectId {
                api_version,
                kind,
                namespace,
                name,
            },
            (file.to_string(), value),
        );
    }
}

fn fields_changed(before: &Value, after: &Value) -> Vec<FieldChange> {
    let (mut old, mut new) = (Vec::new(), Vec::new());
    flatten("", before, &mut old);
    flatten("", after, &mut new);
    let old_map: BTreeMap<&str, &Value> = old.iter().map(|(p, v)| (p.as_str(), v)).collect();
    let new_map: BTreeMap<&str, &Value> = new.iter().map(|(p, v)| (p.as_str(), v)).collect();
    let mut changes: Vec<FieldChange> = new
        .iter()
        .filter(|(path, value)| old_map.get(path.as_str()) != Some(&value))
        .map(|(path, value)| FieldChange {
            path: path.clone(),
            old: old_map.get(path.as_str()).map(|v| (*v).clone()),
            new: Some(value.clone()),
        })
        .collect();
    changes.extend(
        old.iter()
            .filter(|(path, _)| !new_map.contains_key(path.as_str()))
            .map(|(path, value)| FieldChange {
                path: path.clone(),
                old: Some(value.clone()),
                new: None,
            }),
    );
    changes
}

/// Leaves of a document by path. Lists whose items all carry a distinct
/// `name` are keyed by it; other lists by position.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                let segment = if key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    }
                } else {
                    format!("{prefix}[{key:?}]")
                };
                flatten(&segment, child, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let names: Vec<Option<&str>> = items.iter().map(|item| item["name"].as_str()).collect();
            let mut distinct: Vec<&str> = names.iter().flatten().copied().collect();
            distinct.sort_unstable();
            distinct.dedup();
            let by_name = distinct.len() == items.len();
            for (index, item) in items.iter().enumerate() {
                let key = match names[index] {
                    Some(name) if by_name => name.to_string(),
                    _ => index.to_string(),
                };
                flatten(&format!("{prefix}[{key}]"), item, out);
            }
        }
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
