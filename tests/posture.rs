//! The security posture of kiln's output (docs/security.md): every preset's
//! and example's whole output keeps the rules below. Each rule is also fed a
//! deliberately broken copy of real output, so that none of them can pass
//! vacuously.

use crate::Repo;
use serde::Deserialize;
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Every `presets/apps/*/kiln.toml` and `examples/*/kiln.toml`, by directory: a
/// new example is covered without touching this file.
fn examples() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for parent in ["presets/apps", "examples"] {
        for entry in std::fs::read_dir(root.join(parent)).unwrap() {
            let config = entry.unwrap().path().join("kiln.toml");
            if config.is_file() {
                let name = config.parent().unwrap().strip_prefix(root).unwrap();
                let text = std::fs::read_to_string(&config).unwrap();
                found.push((name.to_string_lossy().replace('\\', "/"), text));
            }
        }
    }
    found.sort();
    found
}

/// The whole output of one config, kiln's own files (config, lock) left out.
fn render(config: &str) -> BTreeMap<String, String> {
    render_in(config, None)
}

/// The same, with the repo presets of the example `name` (`.kiln/presets`).
fn render_in(config: &str, name: Option<&str>) -> BTreeMap<String, String> {
    let repo = Repo::with_config(config);
    let presets = name.map(|name| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(name)
            .join(".kiln/presets")
    });
    if let Some(Ok(entries)) = presets.map(std::fs::read_dir) {
        for entry in entries {
            let path = entry.unwrap().path();
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            repo.write(
                &format!(".kiln/presets/{file}"),
                &std::fs::read_to_string(&path).unwrap(),
            );
        }
    }
    repo.kiln(&["build"]).success();
    repo.contents()
        .into_iter()
        .filter(|(path, _)| {
            path != "kiln.toml" && path != "kiln.lock" && !path.starts_with(".kiln/presets/")
        })
        .map(|(path, bytes)| (path, String::from_utf8(bytes).unwrap()))
        .collect()
}

/// Every rule `files` breaks, one line each, naming the file.
fn violations(files: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        let mut found = Vec::new();
        if text.to_ascii_lowercase().contains(":latest") {
            found.push("mentions a `:latest` tag".to_string());
        }
        if path.ends_with(".yaml") || path.ends_with(".yml") {
            for doc in documents(path, text) {
                yaml_rules(path, &doc, &mut found);
            }
        } else if path.ends_with("Dockerfile") {
            for image in dockerfile_images(text) {
                pinned(&image, &mut found);
            }
        } else if path.ends_with("Jenkinsfile") {
            jenkinsfile_rules(text, &mut found);
        }
        out.extend(found.into_iter().map(|v| format!("{path}: {v}")));
    }
    out
}

fn documents(path: &str, text: &str) -> Vec<Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).unwrap_or_else(|e| panic!("{path}: {e}")))
        .filter(|doc| !doc.is_null())
        .collect()
}

/// An image reference names a version: a digest, or a tag other than `latest`.
fn pinned(image: &str, found: &mut Vec<String>) {
    if image.contains("@sha256:") {
        return;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) if !tag.is_empty() && !tag.eq_ignore_ascii_case("latest") => {}
        _ => found.push(format!("image `{image}` is not pinned to a version")),
    }
}

/// Words that mark a variable or key as holding a credential.
fn secret_like(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "API_KEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// A value that reads a credential from elsewhere rather than holding it:
/// a CI expression or variable.
fn is_reference(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| s.starts_with('$') || s.contains("${{"))
}

fn str_at<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter()
        .try_fold(value, |v, key| v.get(*key))
        .and_then(Value::as_str)
}

fn yaml_rules(path: &str, doc: &Value, found: &mut Vec<String>) {
    walk(doc, path.starts_with(".github/"), found);
    let kind = str_at(doc, &["kind"]).unwrap_or_default();
    let name = str_at(doc, &["metadata", "name"]).unwrap_or("?");
    match kind {
        "Secret" => found.push(format!(
            "a Secret object `{name}`: secrets are referenced, never generated"
        )),
        "ConfigMap" => {
            if let Some(data) = doc.get("data").and_then(Value::as_mapping) {
                for (key, value) in data {
                    let key = key.as_str().unwrap_or_default();
                    if secret_like(key) {
                        found.push(format!("ConfigMap `{name}` holds a credential `{key}`"));
                    }
                    // Fluentd reads its Elasticsearch password from the environment.
                    for line in value.as_str().unwrap_or_default().lines() {
                        let line = line.trim();
                        if line.starts_with("password ") && !line.contains("#{ENV[") {
                            found.push(format!("ConfigMap `{name}` holds a password: `{line}`"));
                        }
                    }
                }
            }
        }
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => {
            pod(name, doc, &["spec", "template", "spec"], found)
        }
        "CronJob" => pod(
            name,
            doc,
            &["spec", "jobTemplate", "spec", "template", "spec"],
            found,
        ),
        "ClusterRole" => cluster_role(name, doc, found),
        "ClusterRoleBinding" => cluster_role_binding(name, doc, found),
        _ => {}
    }
    // GitLab CI's services are images too.
    if path == ".gitlab-ci.yml" {
        for job in doc.as_mapping().into_iter().flat_map(|m| m.values()) {
            for service in job
                .get("services")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                let image = service.as_str().or_else(|| str_at(service, &["name"]));
                pinned(image.unwrap_or_default(), found);
            }
        }
    }
}

/// Rules that hold at any depth: images, privileges, host namespaces and
/// literal credentials in environment variables.
fn walk(value: &Value, github: bool, found: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (key, child) in map {
                let key = key.as_str().unwrap_or_default();
                match key {
                    // A GitHub workflow's `image` keys are job names and matrix
                    // repositories (the pushed tag is appended in the step); its
                    // images are the `*_IMAGE` variables.
                    "image" if !github => match child.as_str().or_else(|| str_at(child, &["name"]))
                    {
                        Some(image) => pinned(image, found),
                        None => found.push(format!("unreadable image {child:?}")),
                    },
                    "privileged" | "allowPrivilegeEscalation" if child.as_bool() != Some(false) => {
                        found.push(format!("`{key}: {}`", yaml_text(child)));
                    }
                    // hostUsers: false is the safe setting (a user namespace).
                    "hostNetwork" | "hostPID" | "hostIPC" | "hostUsers" | "hostPort"
                        if !(key == "hostUsers" && child.as_bool() == Some(false)) =>
                    {
                        found.push(format!("`{key}: {}`", yaml_text(child)));
                    }
                    "capabilities" if child.get("add").is_some() => {
                        found.push(format!("adds capabilities {}", yaml_text(&child["add"])));
                    }
                    // Environment maps of CI jobs (GitHub `env`, GitLab `variables`).
                    "env" | "variables" if child.is_mapping() => {
                        for (name, value) in child.as_mapping().unwrap() {
                            let name = name.as_str().unwrap_or_default();
                            if secret_like(name) && !is_reference(value) {
                                found.push(format!("`{name}` holds a literal credential"));
                            }
                        }
                    }
                    _ => {}
                }
                if key.ends_with("_IMAGE") && child.is_string() {
                    pinned(child.as_str().unwrap(), found);
                }
                walk(child, github, found);
            }
        }
        Value::Sequence(items) => {
            for item in items {
                // A container's env entry: a credential comes from a Secret.
                if let (Some(name), Some(_)) = (str_at(item, &["name"]), item.get("value"))
                    && secret_like(name)
                {
                    found.push(format!(
                        "env `{name}` holds a literal credential, not a secretKeyRef"
                    ));
                }
                walk(item, github, found);
            }
        }
        _ => {}
    }
}

/// What the skipped checkov checks CKV_K8S_8, _9, _23 and _38 would catch,
/// with Fluentd's documented exceptions (docs/security.md).
fn pod(name: &str, doc: &Value, path: &[&str], found: &mut Vec<String>) {
    let Some(spec) = path.iter().try_fold(doc, |v, key| v.get(*key)) else {
        found.push(format!("`{name}` has no pod spec"));
        return;
    };
    let fluentd = str_at(doc, &["metadata", "labels", "app.kubernetes.io/name"]) == Some("fluentd");
    if !fluentd {
        if spec["securityContext"]["runAsNonRoot"].as_bool() != Some(true) {
            found.push(format!("pod of `{name}` does not set runAsNonRoot: true"));
        }
        if spec["automountServiceAccountToken"].as_bool() != Some(false) {
            found.push(format!("pod of `{name}` mounts a service-account token"));
        }
    }
    for container in spec
        .get("containers")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let has_ports = container.get("ports").is_some_and(|p| !p.is_null());
        for probe in ["livenessProbe", "readinessProbe"] {
            if has_ports && container.get(probe).is_none() {
                found.push(format!("container of `{name}` has a port but no {probe}"));
            }
        }
    }
}

fn yaml_text(value: &Value) -> String {
    serde_yaml::to_string(value)
        .unwrap()
        .trim()
        .replace('\n', " ")
}

fn strings(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .map(|v| v.as_str().unwrap_or("?"))
        .collect()
}

/// The one cluster-wide role kiln writes: Fluentd's, reading pods and
/// namespaces for the metadata filter, and nothing else.
fn cluster_role(name: &str, doc: &Value, found: &mut Vec<String>) {
    if str_at(doc, &["metadata", "labels", "app.kubernetes.io/name"]) != Some("fluentd") {
        found.push(format!("ClusterRole `{name}` is not Fluentd's"));
    }
    let rules = doc.get("rules").and_then(Value::as_sequence);
    if rules.is_none_or(|rules| rules.is_empty()) {
        found.push(format!("ClusterRole `{name}` has no rules"));
    }
    for rule in rules.into_iter().flatten() {
        let read_only = strings(rule.get("apiGroups")) == [""]
            && strings(rule.get("resources"))
                .iter()
                .all(|r| ["pods", "namespaces"].contains(r))
            && strings(rule.get("verbs"))
                .iter()
                .all(|v| ["get", "list", "watch"].contains(v))
            && rule.get("resourceNames").is_none()
            && rule.get("nonResourceURLs").is_none();
        if !read_only {
            found.push(format!(
                "ClusterRole `{name}` grants more than get/list/watch on pods and namespaces: {}",
                yaml_text(rule)
            ));
        }
    }
}

/// Binds only Fluentd's role, only to Fluentd's service account.
fn cluster_role_binding(name: &str, doc: &Value, found: &mut Vec<String>) {
    if str_at(doc, &["roleRef", "kind"]) != Some("ClusterRole")
        || str_at(doc, &["roleRef", "name"]) != Some(name)
        || str_at(doc, &["metadata", "labels", "app.kubernetes.io/name"]) != Some("fluentd")
    {
        found.push(format!(
            "ClusterRoleBinding `{name}` binds {}, not Fluentd's own role",
            yaml_text(doc.get("roleRef").unwrap_or(&Value::Null))
        ));
    }
    for subject in doc
        .get("subjects")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        if str_at(subject, &["kind"]) != Some("ServiceAccount")
            || str_at(subject, &["name"]) != Some("fluentd")
        {
            found.push(format!(
                "ClusterRoleBinding `{name}` binds {}",
                yaml_text(subject)
            ));
        }
    }
}

/// Base images of a Dockerfile: `ARG *_IMAGE=` defaults, and `FROM` lines
/// that name an image rather than an argument or an earlier stage.
fn dockerfile_images(text: &str) -> Vec<String> {
    let mut stages = Vec::new();
    let mut images = Vec::new();
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["ARG", arg, ..] => {
                if let Some((name, value)) = arg.split_once('=')
                    && name.ends_with("_IMAGE")
                {
                    images.push(value.trim_matches('"').to_string());
                }
            }
            ["FROM", rest @ ..] => {
                let image = rest
                    .iter()
                    .find(|w| !w.starts_with("--"))
                    .copied()
                    .unwrap_or("");
                if !image.starts_with('$') && !stages.contains(&image) {
                    images.push(image.to_string());
                }
                if let [.., as_, stage] = rest
                    && as_.eq_ignore_ascii_case("AS")
                {
                    stages.push(stage);
                }
            }
            _ => {}
        }
    }
    images
}

/// The Jenkinsfile's agent images are pinned, and no credential is assigned
/// a literal (credentials come from `withCredentials`).
fn jenkinsfile_rules(text: &str, found: &mut Vec<String>) {
    for line in text.lines().map(str::trim) {
        // A docker agent's `image 'repo:tag'`, not trivy's `image` subcommand.
        if let Some(image) = line.strip_prefix("image ")
            && image.starts_with(['\'', '"'])
        {
            pinned(image.trim().trim_matches(['\'', '"']), found);
        }
        if let Some((name, value)) = line.split_once(" = ")
            && secret_like(name.trim())
            && (value.starts_with('\'') || value.starts_with('"'))
        {
            found.push(format!(
                "`{}` is assigned a literal credential",
                name.trim()
            ));
        }
    }
}

#[test]
fn every_preset_and_example_output_keeps_the_security_posture() {
    let examples = examples();
    let names: Vec<&str> = examples.iter().map(|(name, _)| name.as_str()).collect();
    assert!(
        names.contains(&"presets/apps/starter"),
        "examples found: {names:?}"
    );
    assert!(names.len() >= 4, "examples found: {names:?}");
    for (name, config) in &examples {
        let files = render_in(config, Some(name));
        assert!(
            files.keys().any(|p| p.ends_with("Dockerfile")) || !config.contains("language ="),
            "{name}: no Dockerfile rendered"
        );
        let found = violations(&files);
        assert!(found.is_empty(), "{name}:\n{}", found.join("\n"));
    }
}

/// The shop example's output: mesh, logging with a password, every CI
/// system, Argo CD, secrets: the most for each rule to look at.
fn shop() -> BTreeMap<String, String> {
    render(include_str!("../examples/shop/kiln.toml"))
}

/// Applies `edit` to the file at `path` (which must change) and returns
/// the rules the result breaks.
#[track_caller]
fn broken(
    files: &BTreeMap<String, String>,
    path: &str,
    edit: impl Fn(&str) -> String,
) -> Vec<String> {
    let mut files = files.clone();
    let text = files.get_mut(path).unwrap_or_else(|| panic!("no {path}"));
    let edited = edit(text);
    assert_ne!(*text, edited, "the edit of {path} changed nothing");
    *text = edited;
    violations(&files)
}

#[track_caller]
fn assert_caught(found: &[String], expected: &str) {
    assert!(
        found.iter().any(|v| v.contains(expected)),
        "expected a violation mentioning {expected:?}, found: {found:#?}"
    );
}

#[test]
fn posture_rules_catch_latest_and_untagged_images() {
    let files = shop();
    assert_eq!(violations(&files), Vec::<String>::new());
    let deployment = "deploy/prod/services/users/deployment.yaml";
    let found = broken(&files, deployment, |t| {
        t.replace(
            "image: \"ghcr.io/acme/shop/users:1.4.2\"",
            "image: \"ghcr.io/acme/shop/users\"",
        )
    });
    assert_caught(&found, "image `ghcr.io/acme/shop/users` is not pinned");
    let found = broken(&files, "services/users/Dockerfile", |t| {
        t.replace(
            "ARG RUNTIME_IMAGE=\"node:22.12.0-alpine3.21\"",
            "ARG RUNTIME_IMAGE=\"node:latest\"",
        )
    });
    assert_caught(
        &found,
        "services/users/Dockerfile: mentions a `:latest` tag",
    );
    assert_caught(&found, "image `node:latest` is not pinned");
    let found = broken(&files, "services/users/Dockerfile", |t| {
        t.replace("FROM ${RUNTIME_IMAGE} AS runtime", "FROM node AS runtime")
    });
    assert_caught(&found, "image `node` is not pinned");
    let found = broken(&files, ".gitlab-ci.yml", |t| {
        t.replace("docker:27.4.1-dind", "docker")
    });
    assert_caught(&found, ".gitlab-ci.yml: image `docker` is not pinned");
    let found = broken(&files, ".github/workflows/ci.yml", |t| {
        t.replace("aquasec/trivy:0.57.1", "aquasec/trivy")
    });
    assert_caught(&found, "image `aquasec/trivy` is not pinned");
    let found = broken(&files, "Jenkinsfile", |t| {
        t.replace("quay.io/argoproj/argocd:v2.13.3", "quay.io/argoproj/argocd")
    });
    assert_caught(
        &found,
        "Jenkinsfile: image `quay.io/argoproj/argocd` is not pinned",
    );
}

#[test]
fn posture_rules_catch_privileged_containers_and_host_namespaces() {
    let files = shop();
    let deployment = "deploy/prod/services/users/deployment.yaml";
    let found = broken(&files, deployment, |t| {
        t.replace("allowPrivilegeEscalation: false", "privileged: true")
    });
    assert_caught(&found, "`privileged: true`");
    let found = broken(&files, deployment, |t| {
        t.replace(
            "drop:\n",
            "add:\n                - NET_ADMIN\n              drop:\n",
        )
    });
    assert_caught(&found, "adds capabilities");
    for key in ["hostNetwork", "hostPID", "hostIPC"] {
        let found = broken(&files, deployment, |t| {
            t.replace(
                "automountServiceAccountToken: false",
                &format!("automountServiceAccountToken: false\n      {key}: true"),
            )
        });
        assert_caught(&found, &format!("`{key}: true`"));
    }
}

#[test]
fn posture_rules_catch_secret_objects_and_values() {
    let files = shop();
    let mut with_secret = files.clone();
    with_secret.insert(
        "deploy/prod/services/users/secret.yaml".into(),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: users-db\nstringData:\n  url: postgres://u:p@db\n"
            .into(),
    );
    assert_caught(&violations(&with_secret), "a Secret object `users-db`");

    let deployment = "deploy/prod/services/users/deployment.yaml";
    let found = broken(&files, deployment, |t| {
        t.replace(
            "- name: \"DATABASE_URL\"",
            "- name: \"DB_PASSWORD\"\n              value: \"hunter2\"\n            - name: \"DATABASE_URL\"",
        )
    });
    assert_caught(&found, "env `DB_PASSWORD` holds a literal credential");
    let found = broken(&files, "deploy/prod/services/users/configmap.yaml", |t| {
        t.replace("data:\n", "data:\n  API_TOKEN: \"abc123\"\n")
    });
    assert_caught(&found, "holds a credential `API_TOKEN`");
    let found = broken(&files, "deploy/prod/logging/configmap.yaml", |t| {
        t.replace(
            "password \"#{ENV['FLUENT_ELASTICSEARCH_PASSWORD']}\"",
            "password \"hunter2\"",
        )
    });
    assert_caught(&found, "holds a password");
    let found = broken(&files, ".github/workflows/ci.yml", |t| {
        t.replace("${{ secrets.ARGOCD_AUTH_TOKEN }}", "abc123")
    });
    assert_caught(&found, "`ARGOCD_AUTH_TOKEN` holds a literal credential");
}

#[test]
fn posture_rules_allow_only_fluentds_read_only_cluster_role() {
    let files = shop();
    let role = "deploy/prod/logging/clusterrole.yaml";
    let found = broken(&files, role, |t| t.replace("- watch", "- delete"));
    assert_caught(&found, "grants more than get/list/watch");
    let found = broken(&files, role, |t| t.replace("- namespaces", "- secrets"));
    assert_caught(&found, "grants more than get/list/watch");
    let found = broken(&files, role, |t| {
        t.replace(
            "app.kubernetes.io/name: \"fluentd\"",
            "app.kubernetes.io/name: \"other\"",
        )
    });
    assert_caught(&found, "is not Fluentd's");
    let binding = "deploy/prod/logging/clusterrolebinding.yaml";
    let found = broken(&files, binding, |t| {
        t.replace(
            "name: \"shop-prod-logging-fluentd\"\nsubjects",
            "name: \"cluster-admin\"\nsubjects",
        )
    });
    assert_caught(&found, "not Fluentd's own role");
    let found = broken(&files, binding, |t| {
        t.replace("name: \"fluentd\"", "name: \"default\"")
    });
    assert_caught(
        &found,
        "ClusterRoleBinding `shop-prod-logging-fluentd` binds",
    );
}

#[test]
fn posture_rules_catch_root_pods_tokens_and_missing_probes() {
    let files = shop();
    let deployment = "deploy/prod/services/users/deployment.yaml";
    let found = broken(&files, deployment, |t| {
        t.replacen("runAsNonRoot: true", "runAsNonRoot: false", 1)
    });
    assert_caught(&found, "does not set runAsNonRoot: true");
    let found = broken(&files, deployment, |t| {
        t.replace(
            "automountServiceAccountToken: false",
            "automountServiceAccountToken: true",
        )
    });
    assert_caught(&found, "mounts a service-account token");
    let found = broken(&files, deployment, |t| {
        t.replace("readinessProbe:", "startupProbe2:")
    });
    assert_caught(&found, "has a port but no readinessProbe");
}

/// The checks `scripts/conformance` passes to `checkov --skip-check`, and
/// the table of docs/security.md, name the same checks.
#[test]
fn checkov_skips_in_the_script_match_docs_security_md() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = std::fs::read_to_string(root.join("scripts/conformance")).unwrap();
    let mut in_script: Vec<&str> = script
        .split_once("CHECKOV_SKIPS=(\n")
        .expect("CHECKOV_SKIPS=( in scripts/conformance")
        .1
        .lines()
        .take_while(|line| line.trim() != ")")
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    let docs = std::fs::read_to_string(root.join("docs/security.md")).unwrap();
    let mut in_docs: Vec<&str> = docs
        .lines()
        .filter_map(|line| line.strip_prefix("| `CKV_"))
        .filter_map(|rest| rest.split_once('`'))
        .map(|(id, _)| id)
        .collect();
    let mut in_script: Vec<String> = in_script.drain(..).map(str::to_string).collect();
    let mut in_docs: Vec<String> = in_docs.drain(..).map(|id| format!("CKV_{id}")).collect();
    in_script.sort();
    in_docs.sort();
    assert!(!in_script.is_empty());
    assert_eq!(
        in_script, in_docs,
        "scripts/conformance CHECKOV_SKIPS vs docs/security.md"
    );
}
