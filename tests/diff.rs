//! `kiln diff`: every mode and format through the binary. Exit 0 means no
//! difference, 1 differences, 2 an error; diff never writes.

use crate::{Repo, SMALL, built};

fn bump(config: &str) -> String {
    config.replace("version = \"1.4.2\"", "version = \"1.5.0\"")
}

#[test]
fn no_change_means_exit_0() {
    let repo = built(SMALL);
    let before = repo.files();
    let run = repo.kiln(&["diff"]).success();
    assert_eq!(run.stdout, "no differences\n");
    repo.assert_untouched(&before);
}

#[test]
fn a_config_change_shows_unified_diffs_and_exits_1() {
    let repo = built(SMALL);
    repo.write("kiln.toml", &bump(SMALL));
    let before = repo.files();
    let run = repo.kiln(&["diff"]).fails_with(1);
    assert!(
        run.stdout
            .contains("diff deploy/dev/services/users/deployment.yaml (changed)\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("--- a/deploy/dev/services/users/deployment.yaml\n+++ b/deploy/dev/services/users/deployment.yaml\n"));
    assert!(run.stdout.contains("\n-          image: \"ghcr.io/acme/shop/users:1.4.2\"\n+          image: \"ghcr.io/acme/shop/users:1.5.0\"\n"));
    let summary = run.stdout.lines().last().unwrap();
    let changed = run.stdout.matches(" (changed)\n").count();
    assert_eq!(
        summary,
        format!("{changed} files changed; 2 environments affected")
    );
    assert!(!run.stdout.contains('\x1b'), "no colour when piped");
    repo.assert_untouched(&before);
}

#[test]
fn hand_edits_and_deleted_files_are_marked() {
    let repo = built(SMALL);
    let edited = "deploy/dev/services/users/service.yaml";
    repo.write(edited, &format!("{}# mine\n", repo.read(edited)));
    std::fs::remove_file(repo.path().join("deploy/prod/services/db/service.yaml")).unwrap();
    let run = repo.kiln(&["diff"]).fails_with(1);
    assert!(
        run.stdout
            .contains("diff deploy/dev/services/users/service.yaml (edited by hand)\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("-# mine\n"));
    assert!(
        run.stdout
            .contains("diff deploy/prod/services/db/service.yaml (created)\n--- /dev/null\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("2 files changed, 1 created, 1 edited by hand; 2 environments affected\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_removed_service_shows_as_deleted() {
    let repo = built(SMALL);
    let without_db = crate::small_without_db();
    repo.write("kiln.toml", &without_db);
    let run = repo.kiln(&["diff", "--stat"]).fails_with(1);
    assert!(
        run.stdout
            .contains(" deploy/dev/services/db/statefulset.yaml "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("(deleted)"));
    assert!(
        repo.exists("deploy/dev/services/db/statefulset.yaml"),
        "diff never deletes"
    );
}

#[test]
fn an_extra_file_kiln_does_not_own_is_not_drift() {
    let repo = built(SMALL);
    repo.write(
        "deploy/dev/extra/secret-sealed.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: mine}\n",
    );
    repo.kiln(&["diff"]).success();
    // Against another checkout, the same file is one kiln would not produce.
    let other = built(SMALL);
    other.write(
        "deploy/dev/extra/secret-sealed.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: mine}\n",
    );
    let run = repo
        .kiln(&["diff", "--against", other.path().to_str().unwrap()])
        .fails_with(1);
    assert!(
        run.stdout
            .contains("diff deploy/dev/extra/secret-sealed.yaml (deleted)\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn against_a_directory_compares_with_its_generated_files() {
    let repo = built(SMALL);
    let other = built(SMALL);
    repo.kiln(&["diff", "--against", other.path().to_str().unwrap()])
        .success();
    other.write("kiln.toml", &bump(SMALL));
    other.kiln(&["build"]).success();
    let run = repo
        .kiln(&[
            "diff",
            "--against",
            other.path().to_str().unwrap(),
            "--semantic",
            "--env",
            "dev",
        ])
        .fails_with(1);
    assert!(
        run.stdout.contains(
            "    spec.template.spec.containers[users].image: ghcr.io/acme/shop/users:1.5.0 → ghcr.io/acme/shop/users:1.4.2\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn semantic_diff_ignores_key_order_and_reordered_named_items() {
    let repo = built(SMALL);
    let other = built(SMALL);
    let path = "deploy/dev/services/users/deployment.yaml";
    // Reformat the other side's Deployment: keys sorted, flow style, comments gone,
    // and the container's ports, env and volume mounts reversed.
    let mut value: serde_yaml::Value = other.yaml(path);
    let container = &mut value["spec"]["template"]["spec"]["containers"][0];
    for list in ["volumeMounts", "ports"] {
        if let Some(items) = container[list].as_sequence_mut() {
            items.reverse();
        }
    }
    other.write(path, &serde_yaml::to_string(&value).unwrap());
    let against = other.path().to_str().unwrap().to_string();
    repo.kiln(&["diff", "--against", &against, "--stat"])
        .fails_with(1)
        .stdout_has(path);
    let run = repo
        .kiln(&["diff", "--against", &against, "--semantic"])
        .success();
    assert_eq!(run.stdout, "no differences\n");
}

#[test]
fn semantic_diff_names_each_changed_field() {
    let repo = built(SMALL);
    repo.write("kiln.toml", &SMALL.replace("replicas = 3", "replicas = 4"));
    let run = repo.kiln(&["diff", "--semantic"]).fails_with(1);
    assert_eq!(
        run.stdout,
        "~ v1 ResourceQuota shop-prod/shop-prod (deploy/prod/namespace/resourcequota.yaml)\n    \
         spec.hard[\"limits.cpu\"]: 3500m → 4200m\n    \
         spec.hard[\"limits.memory\"]: 2560Mi → 3Gi\n    \
         spec.hard.pods: 5 → 6\n    \
         spec.hard[\"requests.cpu\"]: 1 → 1200m\n    \
         spec.hard[\"requests.memory\"]: 1280Mi → 1536Mi\n\
         ~ apps/v1 Deployment shop-prod/users (deploy/prod/services/users/deployment.yaml)\n    \
         spec.replicas: 3 → 4\n\
         2 files changed; 1 environment affected\n"
    );
}

/// A temporary git repo whose HEAD commit holds `config`.
pub fn committed(config: &str) -> Repo {
    let repo = Repo::with_config(config);
    for args in [
        &["init", "--quiet"][..],
        &[
            "-c",
            "user.name=kiln",
            "-c",
            "user.email=kiln@example.com",
            "add",
            "kiln.toml",
        ],
        &[
            "-c",
            "user.name=kiln",
            "-c",
            "user.email=kiln@example.com",
            "commit",
            "--quiet",
            "-m",
            "start",
        ],
    ] {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(repo.path())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }
    repo
}

#[test]
fn base_renders_the_committed_config_in_memory() {
    // No generated file is committed or even built: both sides render in memory.
    let repo = committed(SMALL);
    repo.kiln(&["diff", "--base", "HEAD"])
        .success()
        .stdout_has("no differences");
    repo.write("kiln.toml", &SMALL.replace("replicas = 3", "replicas = 4"));
    let run = repo
        .kiln(&["diff", "--base", "HEAD", "--semantic", "--service", "users"])
        .fails_with(1);
    assert_eq!(
        run.stdout,
        "~ apps/v1 Deployment shop-prod/users (deploy/prod/services/users/deployment.yaml)\n    \
         spec.replicas: 3 → 4\n\
         1 file changed; 1 environment affected\n"
    );
    assert!(!repo.exists("deploy"), "diff writes nothing");
}

#[test]
fn base_with_an_unknown_revision_is_an_error() {
    let repo = committed(SMALL);
    repo.kiln(&["diff", "--base", "no-such-branch"])
        .fails_with(2)
        .stderr_has("error: cannot read `kiln.toml` at revision `no-such-branch`");
}

#[test]
fn base_with_a_broken_config_names_the_revision() {
    let repo = committed("[project]\nname = \"shop\"\n");
    repo.write("kiln.toml", SMALL);
    repo.kiln(&["diff", "--base", "HEAD"])
        .fails_with(2)
        .stderr_has("error: no environments defined\n --> kiln.toml at HEAD");
}

#[test]
fn filters_narrow_to_environments_and_services() {
    let repo = built(SMALL);
    repo.write("kiln.toml", &bump(SMALL).replace("5Gi", "10Gi"));
    let run = repo
        .kiln(&["diff", "--stat", "--env", "prod", "--service", "db"])
        .fails_with(1);
    for line in run.stdout.lines().filter(|l| l.starts_with(' ')) {
        assert!(line.contains("deploy/prod/services/db/"), "{line}");
    }
    let all = repo
        .kiln(&["diff", "--stat", "--env", "dev", "--env", "prod"])
        .fails_with(1);
    assert!(all.stdout.contains("deploy/dev/") && all.stdout.contains("deploy/prod/"));
    // An environment of neither side is a mistake, not "no differences".
    repo.kiln(&["diff", "--env", "staging"])
        .fails_with(2)
        .stderr_has("error: unknown environment `staging` in `--env`");
}

#[test]
fn json_output_follows_its_schema() {
    let repo = built(SMALL);
    repo.write("kiln.toml", &bump(SMALL));
    let edited = "deploy/dev/services/db/service.yaml";
    repo.write(edited, &format!("{}# mine\n", repo.read(edited)));
    let run = repo.kiln(&["diff", "--format", "json"]).fails_with(1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("valid JSON");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../docs/diff.schema.json")).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report["mode"], "drift");
    assert_eq!(report["summary"]["edited"], 1);
    let deployment = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "deploy/dev/services/users/deployment.yaml")
        .unwrap();
    assert_eq!(deployment["environment"], "dev");
    assert_eq!(deployment["service"], "users");
    let image = deployment["objects"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == "spec.template.spec.containers[users].image")
        .unwrap();
    assert_eq!(image["new"], "ghcr.io/acme/shop/users:1.5.0");
    // The schema is strict: a report with a stray field fails it.
    let mut broken = report.clone();
    broken["surprise"] = serde_json::json!(true);
    assert!(!validator.is_valid(&broken));
}

#[test]
fn markdown_output_is_a_pull_request_comment() {
    let repo = committed(SMALL);
    repo.write("kiln.toml", &SMALL.replace("replicas = 3", "replicas = 4"));
    let run = repo
        .kiln(&["diff", "--base", "HEAD", "--format", "markdown"])
        .fails_with(1);
    assert!(run.stdout.starts_with(
        "### kiln diff\n\n| environment | changed | created | deleted | edited by hand |\n"
    ));
    assert!(
        run.stdout.contains("| `prod` | 2 | 0 | 0 | 0 |\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("<details>\n<summary><code>deploy/prod/services/users/deployment.yaml</code> (changed)</summary>"));
    assert!(run.stdout.contains("```diff\n"));
    assert!(run.stdout.contains("    spec.replicas: 3 → 4\n"));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let repo = built(SMALL);
    repo.write("kiln.toml", &bump(SMALL));
    let run = repo.kiln(&["diff", "--color", "always"]).fails_with(1);
    assert!(run.stdout.contains("\x1b[32m+"), "green additions");
    assert!(run.stdout.contains("\x1b[31m-"), "red removals");
    let run = repo.kiln(&["diff", "--color", "never"]).fails_with(1);
    assert!(!run.stdout.contains('\x1b'));
}

#[test]
fn diff_reports_config_errors_with_exit_2() {
    let repo = built(SMALL);
    repo.write(
        "kiln.toml",
        &SMALL.replace("port = 8080", "port = \"http\""),
    );
    repo.kiln(&["diff"])
        .fails_with(2)
        .stderr_has("wrong value for `services.users.port`");
}
