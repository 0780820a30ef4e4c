//! Patches (`.kiln/patches`) and extra resources (`.kiln/resources`),
//! through the binary: what they change is what is written, locked,
//! diffed and explained, and what they may not change is refused.

use crate::{Repo, SMALL, built};

/// A merge patch for `users`: a port and an env var merged into the
/// container by name, and a pod annotation.
const USERS_MERGE: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: users
spec:
  template:
    metadata:
      annotations:
        example.com/owner: payments
    spec:
      containers:
        - name: users
          ports:
            - name: admin
              containerPort: 9000
          env:
            - name: EXTRA
              value: \"1\"
";

fn container(repo: &Repo, path: &str) -> serde_yaml::Value {
    repo.yaml(path)["spec"]["template"]["spec"]["containers"][0].clone()
}

#[test]
fn a_merge_patch_merges_named_items_by_name() {
    let repo = Repo::with_config(SMALL);
    repo.write(".kiln/patches/users.yaml", USERS_MERGE);
    repo.kiln(&["build"]).success();
    for env in ["dev", "prod"] {
        let path = format!("deploy/{env}/services/users/deployment.yaml");
        let users = container(&repo, &path);
        let names = |list: &str| -> Vec<String> {
            users[list]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|v| v["name"].as_str().unwrap().to_string())
                .collect()
        };
        // kiln's own port is kept, the patch's is added beside it.
        assert_eq!(names("ports"), ["http", "admin"]);
        assert_eq!(names("env"), ["EXTRA"]);
        assert_eq!(users["ports"][0]["containerPort"], 8080);
        assert_eq!(users["envFrom"][0]["configMapRef"]["name"], "users-env");
        let deployment = repo.yaml(&path);
        assert_eq!(
            deployment["spec"]["template"]["metadata"]["annotations"]["example.com/owner"],
            "payments"
        );
        // The image is untouched: a merge sets only what it names.
        assert!(
            container(&repo, &path)["image"]
                .as_str()
                .unwrap()
                .contains("users:1.4.2")
        );
        let text = repo.read(&path);
        assert!(
            text.contains("# Patched by .kiln/patches/users.yaml: "),
            "{text}"
        );
    }
    // The lock names the patch as an input of the file.
    let lock = repo.read("kiln.lock");
    assert!(lock.contains("\".kiln/patches/users.yaml\""), "{lock}");
    repo.kiln(&["check"]).success();
}

#[test]
fn an_rfc6902_patch_applies_in_its_environment_only() {
    let repo = Repo::with_config(SMALL);
    repo.write(
        ".kiln/patches/prod/service.yaml",
        "target: { kind: Service, name: users }\n\
         patch:\n  \
           - { op: add, path: /metadata/annotations, value: { example.com/lb: internal } }\n  \
           - { op: test, path: /spec/ports/0/port, value: 8080 }\n",
    );
    repo.kiln(&["build"]).success();
    let prod = repo.yaml("deploy/prod/services/users/service.yaml");
    assert_eq!(
        prod["metadata"]["annotations"]["example.com/lb"],
        "internal"
    );
    let dev = repo.yaml("deploy/dev/services/users/service.yaml");
    assert!(dev["metadata"]["annotations"].is_null(), "{dev:?}");
}

#[test]
fn a_failing_rfc6902_test_operation_is_an_error() {
    let repo = Repo::with_config(SMALL);
    repo.write(
        ".kiln/patches/port.yaml",
        "target: { kind: Service, name: users }\npatch:\n  - { op: test, path: /spec/ports/0/port, value: 80 }\n",
    );
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`.kiln/patches/port.yaml:1:1`: cannot be applied to `deploy/dev/services/users/service.yaml` in `dev`");
}

#[test]
fn an_rfc6902_patch_adds_a_field_and_keeps_the_key_order() {
    let repo = Repo::with_config(SMALL);
    repo.write(
        ".kiln/patches/prod/db.yaml",
        "target:\n  kind: StatefulSet\n  name: db\n\
         patch:\n  - op: add\n    path: /spec/persistentVolumeClaimRetentionPolicy\n    \
         value: { whenDeleted: Retain, whenScaled: Retain }\n",
    );
    repo.kiln(&["build"]).success();
    let text = repo.read("deploy/prod/services/db/statefulset.yaml");
    let set = repo.yaml("deploy/prod/services/db/statefulset.yaml");
    assert_eq!(
        set["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"],
        "Retain"
    );
    // apiVersion, kind, metadata, spec: as kiln wrote them, not sorted.
    let body: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with(' '))
        .collect();
    assert_eq!(
        &body[..4],
        [
            "apiVersion: apps/v1",
            "kind: StatefulSet",
            "metadata:",
            "spec:"
        ]
    );
    let dev = repo.yaml("deploy/dev/services/db/statefulset.yaml");
    assert!(dev["spec"]["persistentVolumeClaimRetentionPolicy"].is_null());
}

#[test]
fn a_patch_whose_target_is_missing_is_a_located_error() {
    let repo = Repo::with_config(SMALL);
    repo.write(
        ".kiln/patches/prod/typo.yaml",
        "# a comment first\ntarget: { kind: Deployment, name: usres }\npatch:\n  - { op: remove, path: /spec/replicas }\n",
    );
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`.kiln/patches/prod/typo.yaml:2:1`: targets `Deployment/usres`, which kiln does not generate in `prod`")
        .stderr_has("did you mean `users`?");
    assert!(!repo.exists("deploy"), "nothing was written");
}

#[test]
fn a_patch_may_not_change_selectors_or_names() {
    let repo = Repo::with_config(SMALL);
    repo.write(
        ".kiln/patches/selector.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: users\nspec:\n  selector:\n    app.kubernetes.io/name: other\n",
    );
    repo.write(
        ".kiln/patches/rename.yaml",
        "target: { kind: Deployment, name: users }\npatch:\n  - { op: replace, path: /metadata/name, value: people }\n",
    );
    repo.write(
        ".kiln/patches/labels.yaml",
        "target: { kind: Deployment, name: users }\npatch:\n  - { op: remove, path: /spec/template/metadata/labels/app.kubernetes.io~1name }\n",
    );
    let run = repo.kiln(&["build"]).fails_with(2);
    for (file, field) in [
        (
            "selector.yaml",
            "changes `spec.selector` of `Service/users`",
        ),
        (
            "rename.yaml",
            "changes `metadata.name` of `Deployment/users`",
        ),
        (
            "labels.yaml",
            "changes `spec.template.metadata.labels[\"app.kubernetes.io/name\"]`",
        ),
    ] {
        assert!(
            run.stderr.contains(&format!(".kiln/patches/{file}")),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains(field), "{field}: {}", run.stderr);
    }
    assert!(
        run.stderr.contains("which kiln relies on"),
        "{}",
        run.stderr
    );
    assert!(!repo.exists("deploy"));
}

#[test]
fn a_patch_survives_a_build_after_kiln_toml_changes() {
    let repo = Repo::with_config(SMALL);
    repo.write(".kiln/patches/users.yaml", USERS_MERGE);
    repo.kiln(&["build"]).success();
    repo.write("kiln.toml", &SMALL.replace("replicas = 3", "replicas = 4"));
    repo.kiln(&["build"]).success().stdout_has("update");
    let deployment = repo.yaml("deploy/prod/services/users/deployment.yaml");
    assert_eq!(deployment["spec"]["replicas"], 4);
    assert_eq!(
        deployment["spec"]["template"]["metadata"]["annotations"]["example.com/owner"],
        "payments"
    );
    // A changed patch alone makes the file stale, past the build cache.
    repo.write(
        ".kiln/patches/users.yaml",
        &USERS_MERGE.replace("payments", "billing"),
    );
    repo.kiln(&["build"])
        .success()
        .stdout_has("deploy/prod/services/users/deployment.yaml");
    let deployment = repo.yaml("deploy/prod/services/users/deployment.yaml");
    assert_eq!(
        deployment["spec"]["template"]["metadata"]["annotations"]["example.com/owner"],
        "billing"
    );
    // And a removed patch leaves kiln's own object.
    std::fs::remove_file(repo.path().join(".kiln/patches/users.yaml")).unwrap();
    repo.kiln(&["build"]).success();
    let text = repo.read("deploy/prod/services/users/deployment.yaml");
    assert!(!text.contains("Patched by"), "{text}");
    assert!(!text.contains("payments") && !text.contains("billing"));
}

#[test]
fn a_patch_shows_in_diff_against_disk_and_base() {
    let repo = crate::diff::committed(SMALL);
    repo.kiln(&["build"]).success();
    repo.write(".kiln/patches/users.yaml", USERS_MERGE);
    let run = repo
        .kiln(&["diff", "--env", "prod", "--service", "users"])
        .fails_with(1);
    assert!(
        run.stdout.contains(
            "diff deploy/prod/services/users/deployment.yaml (changed; patched by .kiln/patches/users.yaml)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("+        example.com/owner: payments"),
        "{}",
        run.stdout
    );
    // The base has no patch: the field comes from the patch on this side.
    let run = repo
        .kiln(&[
            "diff",
            "--base",
            "HEAD",
            "--semantic",
            "--env",
            "prod",
            "--service",
            "users",
        ])
        .fails_with(1);
    assert!(
        run.stdout.contains(
            "spec.template.metadata.annotations[\"example.com/owner\"]: payments  (from .kiln/patches/users.yaml)"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn diff_base_reads_the_patches_of_the_revision() {
    let repo = crate::diff::committed(SMALL);
    repo.write(".kiln/patches/users.yaml", USERS_MERGE);
    commit_all(&repo);
    repo.kiln(&["diff", "--base", "HEAD"])
        .success()
        .stdout_has("no differences");
    repo.write(
        ".kiln/patches/users.yaml",
        &USERS_MERGE.replace("payments", "billing"),
    );
    let run = repo
        .kiln(&[
            "diff",
            "--base",
            "HEAD",
            "--env",
            "dev",
            "--service",
            "users",
        ])
        .fails_with(1);
    assert!(
        run.stdout.contains("-        example.com/owner: payments"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("+        example.com/owner: billing"),
        "{}",
        run.stdout
    );
}

#[test]
fn explain_shows_patched_fields_and_their_patch() {
    let repo = Repo::with_config(SMALL);
    repo.write(".kiln/patches/users.yaml", USERS_MERGE);
    let run = repo
        .kiln(&["explain", "prod", "users", "patched"])
        .success();
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("example.com/owner"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(
        line.starts_with(
            "patched.Deployment.spec.template.metadata.annotations[\"example.com/owner\"]"
        ),
        "{line}"
    );
    assert!(line.contains("= \"payments\""), "{line}");
    assert!(line.ends_with("# .kiln/patches/users.yaml"), "{line}");
    // The database has no patch: nothing patched to explain.
    repo.kiln(&["explain", "prod", "db", "patched"])
        .fails_with(2);
}

#[test]
fn a_patch_on_an_ejected_file_is_an_error() {
    let repo = built(SMALL);
    repo.kiln(&["eject", "deploy/prod/services/users/deployment.yaml"])
        .success();
    repo.write(".kiln/patches/users.yaml", USERS_MERGE);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`.kiln/patches/users.yaml`: patches `deploy/prod/services/users/deployment.yaml`, which is ejected");
}

const MIGRATE: &str = "\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: ghcr.io/acme/shop/users:1.4.2
          args: [\"migrate\"]
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: shop-batch
value: 1000
";

#[test]
fn extra_resources_are_namespaced_listed_and_removed_with_their_source() {
    let repo = Repo::with_config(SMALL);
    repo.write(".kiln/resources/migrate.yaml", MIGRATE);
    repo.write(
        ".kiln/resources/prod/quota.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tuning\n  namespace: elsewhere\ndata:\n  level: \"3\"\n",
    );
    repo.kiln(&["build"]).success();
    for env in ["dev", "prod"] {
        let text = repo.read(&format!("deploy/{env}/extra/migrate.yaml"));
        let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&text)
            .map(|d| serde::Deserialize::deserialize(d).unwrap())
            .collect();
        assert_eq!(docs.len(), 2, "{text}");
        assert_eq!(
            docs[0]["metadata"]["namespace"],
            format!("shop-{env}").as_str()
        );
        // Cluster-scoped: no namespace.
        assert!(docs[1]["metadata"]["namespace"].is_null(), "{text}");
        let kustomization = repo.read(&format!("deploy/{env}/kustomization.yaml"));
        assert!(
            kustomization.contains("\"extra/migrate.yaml\""),
            "{kustomization}"
        );
    }
    // A namespace of its own is kept; an environment's file is only there.
    let tuning = repo.yaml("deploy/prod/extra/quota.yaml");
    assert_eq!(tuning["metadata"]["namespace"], "elsewhere");
    assert!(!repo.exists("deploy/dev/extra/quota.yaml"));
    let lock = repo.read("kiln.lock");
    assert!(
        lock.contains("[files.\"deploy/prod/extra/migrate.yaml\"]"),
        "{lock}"
    );
    repo.kiln(&["check"]).success();
    repo.kiln(&["diff"]).success().stdout_has("no differences");
    // Its source goes: so does the copy, and the kustomization's line.
    std::fs::remove_file(repo.path().join(".kiln/resources/migrate.yaml")).unwrap();
    repo.kiln(&["build"])
        .success()
        .stdout_has("deploy/dev/extra/migrate.yaml");
    assert!(!repo.exists("deploy/dev/extra/migrate.yaml"));
    assert!(
        !repo.exists("deploy/dev/extra"),
        "no empty directory is left"
    );
    let kustomization = repo.read("deploy/prod/kustomization.yaml");
    assert!(!kustomization.contains("migrate"), "{kustomization}");
    assert!(
        kustomization.contains("\"extra/quota.yaml\""),
        "{kustomization}"
    );
}

#[test]
fn bad_yaml_and_missing_fields_are_located_all_at_once() {
    let repo = Repo::with_config(SMALL);
    repo.write(
        ".kiln/resources/broken.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n",
    );
    repo.write(
        ".kiln/resources/nameless.yaml",
        "apiVersion: v1\nkind: ConfigMap\n---\n\napiVersion: v1\nkind: Secret\nmetadata: {}\n",
    );
    repo.write(".kiln/patches/empty.yaml", "# nothing\n");
    let run = repo.kiln(&["build"]).fails_with(2);
    assert!(
        run.stderr
            .contains("`.kiln/resources/broken.yaml:5:1`: is not YAML"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`.kiln/resources/nameless.yaml:1:1`: an object without `metadata.name`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`.kiln/resources/nameless.yaml:5:1`: an object without `metadata.name`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`.kiln/patches/empty.yaml`: holds no patch"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("4 problems in patches and extra resources"),
        "{}",
        run.stderr
    );
    assert!(!repo.exists("deploy"));
}

#[test]
fn an_environment_directory_must_name_an_environment() {
    let repo = Repo::with_config(SMALL);
    repo.write(".kiln/resources/prd/x.yaml", MIGRATE);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`prd` is not an environment of kiln.toml")
        .stderr_has("did you mean `prod`?");
}

#[cfg(unix)]
#[test]
fn a_symlinked_patch_or_patch_directory_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("users.yaml"), USERS_MERGE).unwrap();
    let repo = Repo::with_config(SMALL);
    repo.write(".kiln/patches/own.yaml", USERS_MERGE);
    std::os::unix::fs::symlink(
        outside.path().join("users.yaml"),
        repo.path().join(".kiln/patches/linked.yaml"),
    )
    .unwrap();
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`.kiln/patches/linked.yaml`: kiln will not read it: it is a symlink");
    let repo = Repo::with_config(SMALL);
    std::fs::create_dir_all(repo.path().join(".kiln")).unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.path().join(".kiln/resources")).unwrap();
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`.kiln/resources`: kiln will not read it");
    assert!(!repo.exists("deploy"));
}

/// Commits everything in `repo` with git itself.
fn commit_all(repo: &Repo) {
    for args in [
        &["add", "-A"][..],
        &[
            "-c",
            "user.name=kiln",
            "-c",
            "user.email=kiln@example.com",
            "commit",
            "--quiet",
            "-m",
            "patch",
        ],
    ] {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(repo.path())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }
}
