//! Extra resources: manifests kiln does not generate (a migration Job, an
//! operator's custom resource), under `.kiln/resources`, copied as parsed
//! YAML into `deploy/<env>/extra/<file>` with the environment's namespace
//! set on each namespaced object that has none, and listed in the
//! environment's kustomization. A file for one environment replaces the
//! every-environment file of the same name there.

use super::problems::{documents, problem};
use super::read::Input;
use crate::diagnostics::Error;
use crate::model::Environment;
use serde_yaml::Value;

/// The kinds that live outside any namespace, which get none: the
/// Kubernetes API's own and those of the operators kiln's output works
/// with (cert-manager, the Prometheus operator, Istio's none, snapshots).
pub const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CSIDriver",
    "CertificateSigningRequest",
    "ClusterIssuer",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterSecretStore",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeSnapshotClass",
];

/// The first line of every extra resource kiln writes.
fn header(shown: &str) -> String {
    format!(
        "# Copied by kiln from {shown}: edit that file, not this one.\n\
         # To keep a hand edit for good, run `kiln eject <this path>`.\n"
    )
}

/// One file of `.kiln/resources`, parsed.
pub struct Resource {
    /// Its repo path, which the copy and the lock name.
    pub path: String,
    /// As messages name it.
    pub shown: String,
    pub env: Option<String>,
    pub name: String,
    pub objects: Vec<Value>,
}

/// The resource file `input`, or every problem with it.
pub fn parse(input: &Input) -> Result<Resource, Vec<Error>> {
    let mut objects = Vec::new();
    let mut problems = Vec::new();
    for (value, line) in documents(&input.shown, &input.text)? {
        let at = line.map(|line| (line, 1));
        let missing = ["apiVersion", "kind", "metadata.name"]
            .into_iter()
            .filter(|key| {
                let value = key.split('.').fold(&value, |v, k| &v[k]);
                !matches!(value, Value::String(s) if !s.is_empty())
            })
            .map(|key| format!("`{key}`"))
            .collect::<Vec<_>>();
        let namespace = &value["metadata"]["namespace"];
        if !missing.is_empty() {
            problems.push(problem(
                &input.shown,
                at,
                format!("an object without {}", missing.join(", ")),
                "every object needs `apiVersion`, `kind` and `metadata.name` (kustomize builds nothing without them)",
            ));
        } else if !namespace.is_null() && !namespace.is_string() {
            problems.push(problem(
                &input.shown,
                at,
                "`metadata.namespace` is not a string",
                "leave it out to get the environment's namespace",
            ));
        } else {
            objects.push(value);
        }
    }
    if objects.is_empty() && problems.is_empty() {
        problems.push(problem(
            &input.shown,
            None,
            "holds no object",
            "write one or more Kubernetes objects, or delete the file",
        ));
    }
    if problems.is_empty() {
        Ok(Resource {
            path: input.path.clone(),
            shown: input.shown.clone(),
            env: input.env.clone(),
            name: input.name.clone(),
            objects,
        })
    } else {
        Err(problems)
    }
}

/// The extra files of `env`, relative to its directory: (path, text, the
/// resource file it comes from).
pub fn files(
    resources: &[Resource],
    env: &Environment,
) -> Result<Vec<(String, String, String)>, Error> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mine = resources.iter().filter(|r| r.env.is_none()).chain(
        resources
            .iter()
            .filter(|r| r.env.as_ref() == Some(&env.name)),
    );
    for resource in mine {
        let mut text = header(&resource.path);
        for (i, object) in resource.objects.iter().enumerate() {
            let mut object = object.clone();
            let kind = object["kind"].as_str().unwrap_or_default();
            if !CLUSTER_SCOPED.contains(&kind)
                && object["metadata"]["namespace"].is_null()
                && let Some(metadata) = object.get_mut("metadata").and_then(Value::as_mapping_mut)
            {
                // Right after the name, where kiln's own objects have it.
                let mut with = serde_yaml::Mapping::new();
                for (key, value) in std::mem::take(metadata) {
                    let after = key.as_str() == Some("name");
                    with.insert(key, value);
                    if after {
                        with.insert("namespace".into(), env.namespace.clone().into());
                    }
                }
                *metadata = with;
            }
            if i > 0 {
                text.push_str("---\n");
            }
            let body = serde_yaml::to_string(&object).map_err(|err| Error::Template {
                name: resource.shown.clone(),
                cause: err.to_string(),
            })?;
            text.push_str(&body);
        }
        let path = crate::output::paths::extra_file(&resource.name);
        out.retain(|(p, _, _)| *p != path);
        out.push((path, text, resource.path.clone()));
    }
    Ok(out)
}
