//! Two values compared field by field: a path per change, lists of named
//! items matched by name (reordering them is no change), other lists item
//! by item (an inserted item is one change).

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// One field that differs, by path such as `spec.template.spec.containers[users].image`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

pub fn fields_changed(before: &Value, after: &Value) -> Vec<FieldChange> {
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
pub fn diff_values(
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
pub fn leaves(prefix: &str, value: &Value) -> Vec<(String, Value)> {
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
