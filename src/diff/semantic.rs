//! Kubernetes-aware comparison: objects matched by (apiVersion, kind,
//! namespace, name), fields compared by path. Key order and formatting never
//! count; lists of named items are matched by name, so reordering them is
//! not a change, and other lists item by item, so an inserted item is one
//! change. YAML that holds no objects is compared as one document, and
//! anything else as text.

pub use super::fields::{FieldChange, show};
use super::fields::{diff_values, fields_changed};
use super::{FileDiff, Status};
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

/// What `--semantic` finds in one file that differs, parsed once.
pub struct FileChange {
    pub content: Content,
    /// Its objects' changes, matched within the file.
    pub objects: Vec<ObjectChange>,
    /// Field changes of its YAML documents that are not Kubernetes objects.
    /// Empty for a created or deleted file, which is one change as a whole.
    pub fields: Vec<FieldChange>,
    /// The objects it adds or removes, kept to match them with another file's.
    moved: Vec<(ObjectStatus, ObjectId, Value)>,
}

/// Every file of `diffs`, in order, each parsed once, on every core.
pub fn analyse(diffs: &[FileDiff]) -> Vec<FileChange> {
    crate::parallel::map(diffs, analyse_file)
}

fn analyse_file(diff: &FileDiff) -> FileChange {
    let Some((old, new)) = parse_sides(diff) else {
        return FileChange {
            content: Content::Text,
            objects: Vec::new(),
            fields: Vec::new(),
            moved: Vec::new(),
        };
    };
    let content = if old.objects.is_empty() && new.objects.is_empty() {
        Content::Yaml
    } else {
        Content::Kubernetes
    };
    let mut fields = Vec::new();
    if diff.old.is_some() && diff.new.is_some() {
        diff_values(
            "",
            old.document().as_ref(),
            new.document().as_ref(),
            &mut fields,
        );
    }
    let first = |parsed: Parsed| {
        let mut objects: BTreeMap<ObjectId, Value> = BTreeMap::new();
        for (id, value) in parsed.objects {
            // The first of two objects with one identity wins; the file
            // itself is still reported.
            objects.entry(id).or_insert(value);
        }
        objects
    };
    let (old, new) = (first(old), first(new));
    let mut objects = Vec::new();
    let mut moved = Vec::new();
    let change = |id: &ObjectId, status, changes| ObjectChange {
        id: id.clone(),
        file: diff.path.clone(),
        status,
        changes,
    };
    for (id, after) in &new {
        match old.get(id) {
            None => {
                objects.push(change(id, ObjectStatus::Added, Vec::new()));
                moved.push((ObjectStatus::Added, id.clone(), after.clone()));
            }
            Some(before) => {
                let changes = fields_changed(before, after);
                if !changes.is_empty() {
                    objects.push(change(id, ObjectStatus::Changed, changes));
                }
            }
        }
    }
    for (id, before) in &old {
        if !new.contains_key(id) {
            objects.push(change(id, ObjectStatus::Removed, Vec::new()));
            moved.push((ObjectStatus::Removed, id.clone(), before.clone()));
        }
    }
    objects.sort_by(|a, b| a.id.cmp(&b.id));
    FileChange {
        content,
        objects,
        fields,
        moved,
    }
}

impl FileChange {
    /// Whether the file differs in more than formatting, key order or the
    /// order of named items. Created and deleted files, files compared as
    /// text and hand edits always do.
    pub fn matters(&self, diff: &FileDiff) -> bool {
        matches!(
            diff.status,
            Status::Edited | Status::NotOurs | Status::Created | Status::Deleted
        ) || self.content == Content::Text
            || !self.objects.is_empty()
            || !self.fields.is_empty()
    }
}

/// Object-level changes across every file, sorted by file: an object
/// matched by identity wherever it lives, so one that moved to another
/// file is changed only if its fields are.
pub fn across(files: &[FileChange]) -> Vec<ObjectChange> {
    // Identities added in one file and removed in another, with both values.
    let mut added: BTreeMap<&ObjectId, &Value> = BTreeMap::new();
    let mut removed: BTreeMap<&ObjectId, &Value> = BTreeMap::new();
    for file in files {
        for (status, id, value) in &file.moved {
            let side = match status {
                ObjectStatus::Added => &mut added,
                _ => &mut removed,
            };
            side.entry(id).or_insert(value);
        }
    }
    let mut changes: Vec<ObjectChange> = Vec::new();
    for file in files {
        for object in &file.objects {
            let moved = added.contains_key(&object.id) && removed.contains_key(&object.id);
            match object.status {
                ObjectStatus::Changed => changes.push(object.clone()),
                _ if !moved => changes.push(object.clone()),
                // A moved object is reported once, on its new side.
                ObjectStatus::Removed => {}
                ObjectStatus::Added => {
                    let fields = fields_changed(removed[&object.id], added[&object.id]);
                    if !fields.is_empty() {
                        changes.push(ObjectChange {
                            status: ObjectStatus::Changed,
                            changes: fields,
                            ..object.clone()
                        });
                    }
                }
            }
        }
    }
    changes.sort_by(|a, b| (&a.file, &a.id).cmp(&(&b.file, &b.id)));
    changes
}

/// The diffs that matter field by field (`FileChange::matters`): only files
/// whose every difference is formatting, key order or the order of named
/// items drop out.
pub fn significant(diffs: Vec<FileDiff>) -> Vec<FileDiff> {
    let keep: Vec<bool> = analyse(&diffs)
        .iter()
        .zip(&diffs)
        .map(|(file, diff)| file.matters(diff))
        .collect();
    diffs
        .into_iter()
        .zip(keep)
        .filter_map(|(diff, keep)| keep.then_some(diff))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(old: &str, new: &str) -> Vec<ObjectChange> {
        across(&analyse(&[FileDiff {
            path: "deploy/dev/x.yaml".into(),
            status: Status::Changed,
            old: Some(old.into()),
            new: Some(new.into()),
        }]))
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

    fn fields(old: &str, new: &str) -> Vec<(String, Option<String>, Option<String>)> {
        let parse = |text: &str| serde_yaml::from_str::<Value>(text).unwrap();
        fields_changed(&parse(old), &parse(new))
            .into_iter()
            .map(|c| (c.path, c.old.as_ref().map(show), c.new.as_ref().map(show)))
            .collect()
    }

    #[test]
    fn an_item_inserted_in_a_list_of_scalars_is_one_added_item() {
        assert_eq!(
            fields("r: [a, b, d, e]\n", "r: [a, b, c, d, e]\n"),
            [("r[2]".to_string(), None, Some("c".to_string()))]
        );
        assert_eq!(
            fields("r: [a, b, c]\n", "r: [b, c]\n"),
            [("r[0]".to_string(), Some("a".to_string()), None)]
        );
    }

    #[test]
    fn an_item_inserted_in_a_list_of_unnamed_objects_is_one_added_item() {
        let old = "rules: [{to: 1}, {to: 2}]\n";
        let new = "rules: [{from: x, to: 0}, {to: 1}, {to: 2}]\n";
        assert_eq!(
            fields(old, new),
            [(
                "rules[0]".to_string(),
                None,
                Some(r#"{"from":"x","to":0}"#.to_string())
            )]
        );
    }

    #[test]
    fn an_item_changed_in_place_shows_its_changed_field() {
        let old = "rules: [{to: 1, from: [a]}, {to: 2}]\n";
        let new = "rules: [{to: 1, from: [a, b]}, {to: 2}]\n";
        assert_eq!(
            fields(old, new),
            [("rules[0].from[1]".to_string(), None, Some("b".to_string()))]
        );
    }

    #[test]
    fn an_object_moved_to_another_file_is_changed_only_by_its_fields() {
        let object = format!("{BASE}spec: {{replicas: 2}}\n");
        let file = |path: &str, old: Option<&str>, new: Option<&str>| FileDiff {
            path: path.into(),
            status: if old.is_none() {
                Status::Created
            } else {
                Status::Deleted
            },
            old: old.map(str::to_string),
            new: new.map(str::to_string),
        };
        let moved = [
            file("deploy/dev/a.yaml", Some(&object), None),
            file("deploy/dev/b.yaml", None, Some(&object)),
        ];
        assert!(across(&analyse(&moved)).is_empty());
        let changed = object.replace("replicas: 2", "replicas: 3");
        let moved = [
            file("deploy/dev/a.yaml", Some(&object), None),
            file("deploy/dev/b.yaml", None, Some(&changed)),
        ];
        let changes = across(&analyse(&moved));
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].file, "deploy/dev/b.yaml");
        assert_eq!(changes[0].status, ObjectStatus::Changed);
        assert_eq!(changes[0].changes[0].path, "spec.replicas");
    }

    #[test]
    fn order_still_counts_in_lists_without_names() {
        assert!(!fields("args: [a, b]\n", "args: [b, a]\n").is_empty());
    }

    #[test]
    fn a_document_without_objects_is_compared_field_by_field() {
        let diff = FileDiff {
            path: ".gitlab-ci.yml".into(),
            status: Status::Changed,
            old: Some("# old\nstages: [build, test]\n".into()),
            new: Some("stages: [build, test, deploy]\n".into()),
        };
        let file = analyse_file(&diff);
        assert_eq!(file.content, Content::Yaml);
        assert!(file.objects.is_empty());
        let changes = file.fields;
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].path, "stages[2]");
        assert_eq!(significant(vec![diff]).len(), 1);
    }

    #[test]
    fn a_file_that_does_not_parse_is_text_and_always_significant() {
        let diff = FileDiff {
            path: "deploy/dev/x.yaml".into(),
            status: Status::Changed,
            old: Some(format!("{BASE}spec: {{}}\n")),
            new: Some("key: [unclosed\n".into()),
        };
        let file = analyse_file(&diff);
        assert_eq!(file.content, Content::Text);
        assert!(file.objects.is_empty());
        assert_eq!(significant(vec![diff]).len(), 1);
    }
}
