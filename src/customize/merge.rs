//! The strategic merge of a partial object into one of kiln's, as
//! `kubectl patch --type strategic` does it for the lists kiln writes:
//! maps merge key by key, `null` deletes a key, lists of named items
//! (containers, env, volumes, ports, …) merge item by item on `name` (an
//! item with `$patch: delete` removes the one of that name), and every
//! other list is replaced whole.

use serde_yaml::{Mapping, Value};

/// The lists whose items merge by `name`, as Kubernetes merges them.
pub const NAMED_LISTS: &[&str] = &[
    "containers",
    "initContainers",
    "ephemeralContainers",
    "env",
    "volumes",
    "volumeMounts",
    "ports",
    "imagePullSecrets",
];

/// Merges `patch` into `target`; `path` names where, for a message.
pub fn merge(target: &mut Value, patch: &Value, path: &str) -> Result<(), String> {
    match (target, patch) {
        (Value::Mapping(target), Value::Mapping(patch)) => {
            for (key, value) in patch {
                let name = key.as_str().unwrap_or_default();
                let at = child(path, name);
                if name == "$patch" {
                    return Err(format!(
                        "`$patch` belongs in an item of a named list, not at `{path}`"
                    ));
                }
                if value.is_null() {
                    target.remove(key);
                    continue;
                }
                match target.get_mut(key) {
                    Some(existing) if NAMED_LISTS.contains(&name) && existing.is_sequence() => {
                        merge_named(existing, value, &at)?
                    }
                    Some(existing) => merge(existing, value, &at)?,
                    None => {
                        target.insert(key.clone(), stripped(value));
                    }
                }
            }
            Ok(())
        }
        (target, patch) => {
            *target = stripped(patch);
            Ok(())
        }
    }
}

/// Merges the named items of the list `patch` into the list `target`.
fn merge_named(target: &mut Value, patch: &Value, path: &str) -> Result<(), String> {
    let (Value::Sequence(items), Value::Sequence(changes)) = (&mut *target, patch) else {
        *target = stripped(patch);
        return Ok(());
    };
    for change in changes {
        let Some(name) = change.get("name").and_then(Value::as_str) else {
            return Err(format!(
                "an item of `{path}` has no `name`: the items of this list merge by `name`"
            ));
        };
        let at = format!("{path}[{name}]");
        let delete = match change.get("$patch") {
            None => false,
            Some(Value::String(word)) if word == "delete" => true,
            Some(_) => return Err(format!("`{at}.$patch` can only be `delete`")),
        };
        let found = items
            .iter()
            .position(|item| item.get("name").and_then(Value::as_str) == Some(name));
        match (found, delete) {
            (Some(i), true) => {
                items.remove(i);
            }
            (None, true) => {
                return Err(format!(
                    "`{at}` has `$patch: delete`, but there is no such item"
                ));
            }
            (Some(i), false) => merge(&mut items[i], change, &at)?,
            (None, false) => items.push(stripped(change)),
        }
    }
    Ok(())
}

/// `value` without the `null`s of a patch: in a new subtree they delete nothing.
fn stripped(value: &Value) -> Value {
    match value {
        Value::Mapping(map) => Value::Mapping(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), stripped(v)))
                .collect(),
        ),
        Value::Sequence(items) => Value::Sequence(items.iter().map(stripped).collect()),
        other => other.clone(),
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `value` with the keys of each map in the order `like` has them, keys
/// it lacks after, in their own order: a JSON round trip sorts every map,
/// and the patched object should read like the one kiln wrote.
pub fn reorder(value: Value, like: &Value) -> Value {
    match (value, like) {
        (Value::Mapping(mut map), Value::Mapping(old)) => {
            let mut out = Mapping::new();
            for (key, old_value) in old {
                if let Some(value) = map.remove(key) {
                    out.insert(key.clone(), reorder(value, old_value));
                }
            }
            for (key, value) in map {
                out.insert(key, value);
            }
            Value::Mapping(out)
        }
        (Value::Sequence(items), Value::Sequence(old)) => Value::Sequence(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    let name = item.get("name").and_then(Value::as_str).map(str::to_string);
                    let like = match name {
                        Some(name) => old
                            .iter()
                            .find(|o| o.get("name").and_then(Value::as_str) == Some(&name)),
                        None => old.get(i),
                    };
                    match like {
                        Some(like) => reorder(item, like),
                        None => item,
                    }
                })
                .collect(),
        ),
        (value, _) => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    #[test]
    fn named_lists_merge_by_name_and_others_are_replaced() {
        let mut target = yaml(
            "spec:\n  containers:\n  - name: a\n    image: x\n    env:\n    - name: K\n      value: v\n  - name: b\n    image: y\n  args: [one, two]\n  keep: 1\n",
        );
        let patch = yaml(
            "spec:\n  containers:\n  - name: b\n    image: z\n  - name: c\n    image: w\n  - name: a\n    env:\n    - name: L\n      value: w\n  args: [three]\n  keep: null\n",
        );
        merge(&mut target, &patch, "").unwrap();
        let want = yaml(
            "spec:\n  containers:\n  - name: a\n    image: x\n    env:\n    - name: K\n      value: v\n    - name: L\n      value: w\n  - name: b\n    image: z\n  - name: c\n    image: w\n  args: [three]\n",
        );
        assert_eq!(target, want);
    }

    #[test]
    fn delete_removes_a_named_item_and_unnamed_items_are_refused() {
        let mut target = yaml("env:\n- name: A\n  value: '1'\n- name: B\n  value: '2'\n");
        merge(
            &mut target,
            &yaml("env:\n- name: A\n  $patch: delete\n"),
            "",
        )
        .unwrap();
        assert_eq!(target, yaml("env:\n- name: B\n  value: '2'\n"));
        let err = merge(&mut target, &yaml("env:\n- value: x\n"), "").unwrap_err();
        assert!(err.contains("merge by `name`"), "{err}");
    }

    #[test]
    fn reorder_follows_the_original() {
        let old = yaml("b: 1\na: {d: 1, c: 2}\n");
        let new = yaml("a: {c: 3, d: 1, e: 0}\nb: 1\nz: 2\n");
        let out = serde_yaml::to_string(&reorder(new, &old)).unwrap();
        assert_eq!(out, "b: 1\na:\n  d: 1\n  c: 3\n  e: 0\nz: 2\n");
    }
}
