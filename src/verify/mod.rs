//! Checks across the rendered objects of each environment, read back from
//! the YAML exactly as a cluster would read it: every selector finds the
//! pods it means, every named port exists, every principal is a real
//! ServiceAccount, every traffic split adds up. Each kind brings its own
//! checks (`crate::kinds`); this reads the objects back, indexes them and
//! runs the checks. A failure here is a bug in kiln, never in `kiln.toml`;
//! `kiln check` and `kiln build` refuse to go on.

mod index;
mod mounted;
pub mod prereqs;
pub mod readback;
mod secrets;
mod stores;

pub use index::{Index, Object, Pods, matches, selects};

use crate::diagnostics::{Error, KeyPath, Problem};
use crate::model::Model;
use crate::output::{Rendered, Sources};
use std::collections::{BTreeMap, HashSet};

/// One check of a rendered object and the environment it is in; it reports
/// a problem as the file it is in and what is wrong.
pub type Check = fn(&Object<'_>, &Index<'_, '_>, &mut dyn FnMut(&str, String));

/// The checks of every kind, each for the `kind:` of object it reads.
pub type Checks<'c> = &'c [(&'static str, Check)];

/// Every problem of every environment in `rendered`, the render of `model`.
pub fn check(rendered: &Rendered, model: &Model, checks: Checks<'_>) -> Vec<Problem> {
    found(rendered, model, checks)
        .into_iter()
        .map(|(file, message)| Problem::inconsistent(&file, &message))
        .collect()
}

/// The same, where `sources` says which templates made each file: a
/// problem in a file that a template override made is the override's,
/// not kiln's, and comes as an error naming the override.
pub fn check_made(
    rendered: &Rendered,
    model: &Model,
    sources: &Sources,
    checks: Checks<'_>,
) -> (Vec<Problem>, Vec<Error>) {
    let mut problems = Vec::new();
    let mut overrides = Vec::new();
    for (file, message) in found(rendered, model, checks) {
        // A patch changed the file last: its problem is the patch's.
        let patched_by = sources.get(&file).and_then(|templates| {
            templates
                .iter()
                .rfind(|t| t.starts_with(crate::customize::PATCHES))
        });
        if let Some(patch) = patched_by {
            overrides.push(crate::customize::problem(
                patch,
                None,
                format!("after the patch, generated `{file}`: {message}"),
                "kiln checks every patched object against the others; change the patch so that they agree",
            ));
            continue;
        }
        let made_by = sources.get(&file).and_then(|templates| {
            templates
                .iter()
                .find(|t| t.starts_with(crate::output::paths::OVERRIDES))
        });
        match made_by {
            Some(own) => overrides.push(Error::TemplateOverride {
                file: own.clone(),
                line: None,
                cause: format!("generated `{file}`: {message}"),
            }),
            None => problems.push(Problem::inconsistent(&file, &message)),
        }
    }
    (problems, overrides)
}

/// Every problem found, as the file it is in and what is wrong.
fn found(rendered: &Rendered, model: &Model, checks: Checks<'_>) -> Vec<(String, String)> {
    // Only the manifests under `deploy/<env>/`; Dockerfiles and pipelines are not objects.
    let manifests: Vec<(&str, &str, &str)> = rendered
        .iter()
        .filter(|(file, _)| !file.ends_with("kustomization.yaml"))
        // Extra resources are the repo's own, checked when read.
        .filter(|(file, _)| !crate::output::paths::is_extra(file))
        .filter_map(|(file, text)| {
            crate::output::paths::environment_of(file)
                .map(|env| (env, file.as_str(), text.as_str()))
        })
        .collect();
    // Parsing back tens of thousands of files is most of the work: on every core.
    let parsed = crate::parallel::map(&manifests, |(_, _, text)| readback::parse(text));
    let mut environments: BTreeMap<&str, Vec<Object<'_>>> = BTreeMap::new();
    let mut problems = Vec::new();
    for ((environment, file, _), value) in manifests.iter().zip(parsed) {
        match value {
            Ok(value) => environments
                .entry(environment)
                .or_default()
                .push(Object::new(file, value)),
            Err(err) => problems.push((file.to_string(), format!("is not YAML: {err}"))),
        }
    }
    let environments: Vec<(Option<&str>, Vec<Object<'_>>)> = environments
        .into_iter()
        .map(|(name, objects)| {
            // The one identity from outside the environment that may be admitted.
            let gateway = model
                .environments
                .iter()
                .find(|e| e.name == name)
                .and_then(|e| e.mesh.as_ref())
                .map(|mesh| mesh.gateway_principal.as_str());
            (gateway, objects)
        })
        .collect();
    let found = crate::parallel::each_owned(environments, |(gateway, objects)| {
        let found = check_environment(&objects, gateway, checks);
        // Freeing is a good part of the work: spread it too, or the last
        // environment frees alone while the other cores wait.
        crate::parallel::each_owned(objects, drop);
        found
    });
    for found in found {
        problems.extend(found);
    }
    problems
}

fn check_environment(
    objects: &[Object<'_>],
    gateway: Option<&str>,
    checks: Checks<'_>,
) -> Vec<(String, String)> {
    let injected: HashSet<&str> = objects
        .iter()
        .filter(|o| {
            o.kind() == "Namespace" && o.value["metadata"]["labels"]["istio-injection"] == "enabled"
        })
        .map(Object::name)
        .collect();
    let ambient: HashSet<&str> = objects
        .iter()
        .filter(|o| {
            o.kind() == "Namespace"
                && o.value["metadata"]["labels"]["istio.io/dataplane-mode"] == "ambient"
        })
        .map(Object::name)
        .collect();
    let mut pods: Vec<Pods<'_>> = objects
        .iter()
        .filter_map(|o| index::pods_of(o, &injected))
        .collect();
    // Ambient: ztunnel takes HBONE tunnels inside every pod of the namespace,
    // and Istio runs each waypoint Gateway as pods of its own.
    for pod in &mut pods {
        if ambient.contains(pod.namespace) {
            pod.ports
                .push(u64::from(crate::resolve::builtin::HBONE_PORT));
        }
    }
    pods.extend(objects.iter().filter_map(index::waypoint_pods));
    let env = Index::new(objects, &pods, gateway);
    let mut problems = Vec::new();
    let mut report = |file: &str, message: String| {
        problems.push((file.to_string(), message));
    };
    for object in objects {
        for (kind, check) in checks {
            if object.kind() == *kind {
                check(object, &env, &mut report);
            }
        }
    }
    problems
}

impl Problem {
    pub fn inconsistent(file: &str, message: &str) -> Self {
        Problem::at(
            &KeyPath::default(),
            format!("generated `{file}`: {message}"),
            Some("this is a bug in kiln, not in your kiln.toml; please report it with your kiln.toml".to_string()),
        )
    }
}

#[cfg(test)]
mod tests;
