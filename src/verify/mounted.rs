//! The ConfigMaps and claims that services' `volumes` mount: objects of
//! the namespace that kiln's pods read and kiln never writes.

use crate::model::Environment;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A ConfigMap or claim of the namespace a service's `volumes` mount, which
/// kiln never writes: the pod does not start without it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mounted {
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    pub used_by: Vec<String>,
}

/// The ConfigMaps and claims `volumes` mount.
pub fn mounted(env: &Environment) -> Vec<Mounted> {
    let mut found: BTreeMap<(&'static str, String), BTreeSet<String>> = BTreeMap::new();
    for service in &env.services {
        for volume in &service.pod.volumes {
            let reference = match (&volume.config_map, &volume.claim) {
                (Some(map), _) => ("ConfigMap", map.clone()),
                (_, Some(claim)) => ("PersistentVolumeClaim", claim.clone()),
                _ => continue,
            };
            found
                .entry(reference)
                .or_default()
                .insert(service.name.clone());
        }
    }
    found
        .into_iter()
        .map(|((kind, name), users)| Mounted {
            kind,
            namespace: env.namespace.clone(),
            name,
            used_by: users.into_iter().collect(),
        })
        .collect()
}

/// The objects, as `kiln prereqs` prints them.
pub fn text(objects: &[Mounted], out: &mut String) {
    if !objects.is_empty() {
        out.push_str("\nobjects the pods mount, which kiln never writes:\n");
        for object in objects {
            out.push_str(&format!(
                "  {} `{}` in `{}`, for {}\n",
                object.kind,
                object.name,
                object.namespace,
                object
                    .used_by
                    .iter()
                    .map(|user| format!("`{user}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
}
