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

/// The starter with a pipeline for each CI system kiln writes.
fn starter_with_every_pipeline() -> String {
    crate::STARTER.replace(
        "ci = [\"github\"]",
        "ci = [\"github\", \"gitlab\", \"jenkins\"]",
    )
}

/// The lines of the `--semantic` block that starts with `heading`.
fn block<'a>(stdout: &'a str, heading: &str) -> Vec<&'a str> {
    let mut lines = stdout.lines().skip_while(|l| !l.starts_with(heading));
    assert!(lines.next().is_some(), "no block {heading:?} in:\n{stdout}");
    lines.take_while(|l| l.starts_with("  ")).collect()
}

#[test]
fn semantic_diff_reports_pipelines_and_other_files_without_objects() {
    let config = starter_with_every_pipeline();
    let repo = committed(&config);
    repo.write(
        "kiln.toml",
        &config.replace("[project]\n", "[project]\nbranch = \"trunk\"\n"),
    );
    let stat = repo
        .kiln(&["diff", "--base", "HEAD", "--stat"])
        .fails_with(1);
    let run = repo
        .kiln(&["diff", "--base", "HEAD", "--semantic"])
        .fails_with(1);
    // YAML without objects is compared as a document, field by field.
    let github = block(&run.stdout, "~ .github/workflows/ci.yml (changed)");
    assert!(
        github.contains(&"    on.push.branches[0]: main → trunk"),
        "{}",
        run.stdout
    );
    let gitlab = block(&run.stdout, "~ .gitlab-ci.yml (changed)");
    assert!(
        gitlab
            .iter()
            .all(|l| l.ends_with("$CI_COMMIT_BRANCH == \"trunk\"")),
        "{gitlab:?}"
    );
    // Anything else is compared as text: its hunks.
    let jenkins = block(&run.stdout, "~ Jenkinsfile (changed)");
    assert!(
        jenkins.contains(&"    -                branch 'main'"),
        "{jenkins:?}"
    );
    assert!(
        jenkins.contains(&"    +                branch 'trunk'"),
        "{jenkins:?}"
    );
    // The same files, counted the same way, as the line diff.
    let summary = |out: &str| {
        out.lines()
            .last()
            .unwrap()
            .split("; ")
            .next()
            .unwrap()
            .to_string()
    };
    // The three pipelines, and the drift script that holds kiln.toml's hash.
    assert_eq!(summary(&run.stdout), "4 files changed");
    assert_eq!(summary(&stat.stdout), summary(&run.stdout));
    // The JSON report carries the same fields.
    let json = repo
        .kiln(&["diff", "--base", "HEAD", "--semantic", "--format", "json"])
        .fails_with(1);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 4);
    let file = |path: &str| {
        report["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("{path} missing"))
            .clone()
    };
    assert_eq!(file(".gitlab-ci.yml")["content"], "yaml");
    assert_eq!(file("Jenkinsfile")["content"], "text");
    assert_eq!(file(".kiln/drift.sh")["content"], "text");
    assert!(
        file(".github/workflows/ci.yml")["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["path"] == "on.push.branches[0]" && c["new"] == "trunk")
    );
}

#[test]
fn semantic_diff_counts_and_names_every_file_the_line_diff_does() {
    let config = starter_with_every_pipeline();
    let repo = committed(&config);
    repo.kiln(&["build"]).success();
    repo.write(
        "kiln.toml",
        &format!(
            "{config}\n[services.billing]\nlanguage = \"rust\"\nversion = \"0.1.0\"\nport = 8090\ncalls = [\"db\"]\n"
        ),
    );
    let stat = repo
        .kiln(&["diff", "--base", "HEAD", "--stat"])
        .fails_with(1);
    let semantic = repo
        .kiln(&["diff", "--base", "HEAD", "--semantic"])
        .fails_with(1);
    let paths: Vec<&str> = stat
        .stdout
        .lines()
        .filter(|l| l.starts_with(' '))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert!(paths.len() > 40, "{}", stat.stdout);
    for path in &paths {
        assert!(
            semantic.stdout.contains(&format!("{path})"))
                || semantic.stdout.contains(&format!("{path} (")),
            "{path} is missing from the semantic report:\n{}",
            semantic.stdout
        );
    }
    let counted = |out: &str| {
        out.lines()
            .last()
            .unwrap()
            .split("; ")
            .take(2)
            .collect::<Vec<_>>()
            .join("; ")
    };
    assert_eq!(counted(&semantic.stdout), counted(&stat.stdout));
    assert!(
        semantic
            .stdout
            .contains("+ services/billing/Dockerfile (created)\n"),
        "{}",
        semantic.stdout
    );
    // Against the disk the same: and what `kiln build` writes is what diff counted.
    let drift = repo.kiln(&["diff", "--semantic"]).fails_with(1);
    assert_eq!(counted(&drift.stdout), counted(&stat.stdout));
    let planned = repo.kiln(&["build", "--dry-run"]).success().stdout;
    let written = planned
        .lines()
        .filter(|l| l.starts_with("create ") || l.starts_with("update "))
        .count();
    assert_eq!(written, paths.len(), "{planned}");
}

#[test]
fn a_new_service_adds_its_files_to_the_kustomization_and_shifts_nothing() {
    let repo = committed(SMALL);
    repo.write(
        "kiln.toml",
        &format!(
            "{SMALL}\n[services.orders]\nlanguage = \"go\"\nversion = \"0.1.0\"\nport = 8081\n"
        ),
    );
    let run = repo
        .kiln(&["diff", "--base", "HEAD", "--semantic", "--env", "dev"])
        .fails_with(1);
    let lines = block(
        &run.stdout,
        "~ kustomize.config.k8s.io/v1beta1 Kustomization deploy/dev/kustomization.yaml",
    );
    // Each new file is one added item; no existing item moves.
    let added: Vec<&str> = lines
        .iter()
        .map(|l| {
            let (path, item) = l
                .strip_prefix("  + resources[")
                .and_then(|rest| rest.split_once("]: "))
                .unwrap_or_else(|| panic!("not an added item: {l:?}"));
            assert!(path.parse::<usize>().is_ok(), "{l}");
            item
        })
        .collect();
    repo.kiln(&["build"]).success();
    let mut files: Vec<String> = std::fs::read_dir(repo.path().join("deploy/dev/services/orders"))
        .unwrap()
        .map(|e| {
            format!(
                "services/orders/{}",
                e.unwrap().file_name().to_string_lossy()
            )
        })
        .collect();
    files.sort();
    let mut added_sorted: Vec<String> = added.iter().map(|s| s.to_string()).collect();
    added_sorted.sort();
    assert_eq!(added_sorted, files);
}

#[test]
fn one_new_file_is_exactly_one_added_kustomization_item() {
    let repo = committed(SMALL);
    repo.write(
        "kiln.toml",
        &SMALL.replace(
            "[environments.dev]\n",
            "[environments.dev]\nautoscale = { min = 1, max = 3 }\n",
        ),
    );
    let run = repo
        .kiln(&["diff", "--base", "HEAD", "--semantic"])
        .fails_with(1);
    let lines = block(
        &run.stdout,
        "~ kustomize.config.k8s.io/v1beta1 Kustomization deploy/dev/kustomization.yaml",
    );
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    assert!(
        lines[0].starts_with("  + resources[") && lines[0].ends_with("]: services/users/hpa.yaml"),
        "{}",
        lines[0]
    );
}

#[test]
fn a_new_caller_inserts_one_authorization_rule_and_shifts_none() {
    let repo = committed(SMALL);
    // `orders` calls `users`, which had rules for the gateway and Prometheus
    // only: the callers' rule goes first, before both.
    repo.write(
        "kiln.toml",
        &format!(
            "{SMALL}\n[services.orders]\nkind = \"worker\"\nlanguage = \"go\"\nversion = \"0.1.0\"\ncalls = [\"users\"]\n"
        ),
    );
    let run = repo
        .kiln(&["diff", "--base", "HEAD", "--semantic", "--env", "dev"])
        .fails_with(1);
    let rules = block(
        &run.stdout,
        "~ security.istio.io/v1 AuthorizationPolicy shop-dev/users",
    );
    assert_eq!(rules.len(), 1, "{}", run.stdout);
    assert!(
        rules[0].starts_with("  + spec.rules[0]: {\"from\":[{\"source\":{\"principals\":[\"cluster.local/ns/shop-dev/sa/orders\"]}}]"),
        "{}",
        rules[0]
    );
}

#[test]
fn a_canary_adds_routes_subsets_and_files_without_shifting_any() {
    let repo = committed(SMALL);
    repo.write(
        "kiln.toml",
        &SMALL.replace(
            "route = \"/users\"\n",
            "route = \"/users\"\ncanary = { version = \"1.5.0\", weight = 10 }\n",
        ),
    );
    let run = repo
        .kiln(&["diff", "--base", "HEAD", "--semantic", "--env", "dev"])
        .fails_with(1);
    let kustomization = block(
        &run.stdout,
        "~ kustomize.config.k8s.io/v1beta1 Kustomization deploy/dev/kustomization.yaml",
    );
    assert_eq!(kustomization.len(), 2, "{kustomization:?}");
    assert!(
        kustomization
            .iter()
            .all(|l| l.starts_with("  + resources["))
    );
    assert!(
        kustomization
            .iter()
            .any(|l| l.ends_with(": services/users/deployment-canary.yaml"))
    );
    // Subsets are named: matched by name, each added whole.
    let subsets = block(
        &run.stdout,
        "~ networking.istio.io/v1 DestinationRule shop-dev/users",
    );
    assert!(
        subsets.contains(&"  + spec.subsets[canary].name: canary"),
        "{subsets:?}"
    );
    // Nothing that was there before is reported as changed into something else.
    for line in run.stdout.lines().filter(|l| l.contains(" → ")) {
        assert!(
            !line.contains("resources[") && !line.contains("rules["),
            "a shifted item: {line}"
        );
    }
    assert!(
        run.stdout
            .contains("+ apps/v1 Deployment shop-dev/users-canary (added, ")
    );
}

#[test]
fn each_file_state_has_its_own_mark() {
    let repo = built(SMALL);
    // Edited by hand: `!`.
    let edited = "deploy/dev/services/users/service.yaml";
    repo.write(edited, &format!("{}# mine\n", repo.read(edited)));
    // Created (deleted by someone, kiln would write it again): `+`.
    std::fs::remove_file(repo.path().join("services/users/Dockerfile")).unwrap();
    // Not written by kiln, where kiln now wants to write: `?`.
    repo.write(
        "kiln.toml",
        &SMALL.replace(
            "[environments.dev]\n",
            "[environments.dev]\nautoscale = { min = 1, max = 3 }\n",
        ),
    );
    let mine = "deploy/dev/services/users/hpa.yaml";
    repo.write(
        mine,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: mine}\n",
    );
    let run = repo.kiln(&["diff", "--semantic"]).fails_with(1);
    for line in [
        "! deploy/dev/services/users/service.yaml (edited by hand)\n",
        "? deploy/dev/services/users/hpa.yaml (not written by kiln)\n",
        "+ services/users/Dockerfile (created)\n",
    ] {
        assert!(
            run.stdout.contains(line),
            "{line:?} missing:\n{}",
            run.stdout
        );
    }
    assert!(!run.stdout.contains("! services/"), "{}", run.stdout);
}

#[test]
fn quiet_diff_prints_nothing_and_the_exit_code_tells() {
    let repo = built(SMALL);
    let run = repo.kiln(&["diff", "-q"]).success();
    assert_eq!(run.stdout, "");
    repo.write("kiln.toml", &bump(SMALL));
    let run = repo.kiln(&["diff", "--quiet"]).fails_with(1);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
    repo.write("kiln.toml", "[project\n");
    repo.kiln(&["diff", "-q"])
        .fails_with(2)
        .stderr_has("invalid TOML");
}

/// Commits everything in `repo` with git itself.
fn commit_all(repo: &Repo, message: &str) {
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
            message,
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

/// `--base` renders the base revision with the base revision's overrides:
/// an edit of an override alone is a difference.
#[test]
fn base_renders_with_the_base_revisions_overrides() {
    let repo = committed(SMALL);
    repo.kiln(&["templates", "eject", "k8s/service.yaml.tera"])
        .success();
    commit_all(&repo, "override");
    repo.kiln(&["diff", "--base", "HEAD"])
        .success()
        .stdout_has("no differences");
    let path = ".kiln/templates/k8s/service.yaml.tera";
    let text = repo.read(path).replacen(
        "  type: ClusterIP\n",
        "  type: ClusterIP\n  sessionAffinity: ClientIP\n",
        1,
    );
    repo.write(path, &text);
    let run = repo
        .kiln(&["diff", "--base", "HEAD", "--semantic", "--service", "users"])
        .fails_with(1);
    assert_eq!(
        run.stdout,
        "~ v1 Service shop-dev/users (deploy/dev/services/users/service.yaml)\n  \
         + spec.sessionAffinity: ClientIP\n\
         ~ v1 Service shop-prod/users (deploy/prod/services/users/service.yaml)\n  \
         + spec.sessionAffinity: ClientIP\n\
         2 files changed; 2 environments affected\n"
    );
    // Without the work tree's override, HEAD's unchanged copy of the bundled
    // template renders the same, and HEAD~1 had none.
    std::fs::remove_dir_all(repo.path().join(".kiln")).unwrap();
    repo.kiln(&["diff", "--base", "HEAD~1"])
        .success()
        .stdout_has("no differences");
    repo.kiln(&["diff", "--base", "HEAD"])
        .success()
        .stdout_has("no differences");
    assert!(!repo.exists("deploy"), "diff writes nothing");
}

/// The base revision's overrides are as untrusted as the work tree's: a
/// link committed there is refused, named with its revision.
#[test]
fn a_link_among_the_base_revisions_overrides_is_refused() {
    let repo = committed(SMALL);
    std::fs::create_dir_all(repo.path().join(".kiln/templates/k8s")).unwrap();
    std::os::unix::fs::symlink(
        "/etc/passwd",
        repo.path().join(".kiln/templates/k8s/service.yaml.tera"),
    )
    .unwrap();
    commit_all(&repo, "link");
    std::fs::remove_dir_all(repo.path().join(".kiln")).unwrap();
    repo.kiln(&["diff", "--base", "HEAD"])
        .fails_with(2)
        .stderr_has(
            "error: refusing `HEAD:.kiln/templates/k8s/service.yaml.tera`: it is a symbolic link\n",
        );
}

#[test]
fn the_service_filter_takes_in_the_dockerfile_of_its_own_source() {
    let config = SMALL.replace(
        "[services.users]\n",
        "[services.users]\nsource = \"apps/users\"\n",
    );
    let repo = built(&config);
    assert!(repo.exists("apps/users/Dockerfile"));
    let edited = repo.read("apps/users/Dockerfile") + "# a hand edit\n";
    repo.write("apps/users/Dockerfile", &edited);
    repo.kiln(&["diff", "--stat", "--service", "users"])
        .fails_with(1)
        .stdout_has("apps/users/Dockerfile");
    repo.kiln(&["diff", "--stat", "--service", "db"])
        .success()
        .stdout_has("no differences");
}
