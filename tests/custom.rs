//! Making kiln yours: presets, template overrides, the schema, explain,
//! completions and the man page.

use crate::{Repo, SMALL, small_without_db};
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `kiln.toml` kiln ships: the starter apps and the examples.
fn shipped_configs() -> Vec<std::path::PathBuf> {
    let mut configs = Vec::new();
    for dir in ["presets/apps", "examples"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let config = entry.unwrap().path().join("kiln.toml");
            if config.exists() {
                configs.push(config);
            }
        }
    }
    configs.sort();
    assert!(configs.len() >= 7, "{configs:?}");
    configs
}

fn as_json(text: &str) -> serde_json::Value {
    let value: toml::Value = toml::from_str(text).unwrap();
    serde_json::to_value(value).unwrap()
}

fn schema() -> serde_json::Value {
    let run = Repo::new().kiln(&["schema"]).success();
    serde_json::from_str(&run.stdout).expect("kiln schema prints JSON")
}

#[test]
fn schema_is_draft_2020_12_and_accepts_every_shipped_config() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    for config in shipped_configs() {
        let instance = as_json(&std::fs::read_to_string(&config).unwrap());
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", config.display());
    }
}

#[test]
fn schema_accepts_every_service_preset() {
    let whole = schema();
    // A service preset is the table of one service.
    let schema = serde_json::json!({
        "$schema": whole["$schema"],
        "$defs": whole["$defs"],
        "$ref": "#/$defs/ServiceConfig",
    });
    let validator = jsonschema::validator_for(&schema).unwrap();
    let dir = root().join("presets/services");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let instance = as_json(&std::fs::read_to_string(&path).unwrap());
        assert!(validator.is_valid(&instance), "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 6);
}

#[test]
fn schema_rejects_a_broken_config() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    assert!(validator.is_valid(&as_json(SMALL)));
    for broken in [
        SMALL.replace("port = 8080", "port = \"8080\""),
        SMALL.replace("kind = \"stateful\"", "kind = \"statefull\""),
        SMALL.replace("[services.users]", "[services.users]\nreplica = 2"),
        SMALL.replace("name = \"shop\"\n", ""),
    ] {
        assert!(!validator.is_valid(&as_json(&broken)), "{broken}");
    }
}

#[test]
fn init_writes_the_schema_its_config_names() {
    let repo = Repo::new();
    repo.kiln(&["init", "--name", "demo"]).success();
    let first = repo.read("kiln.toml").lines().next().unwrap().to_string();
    assert_eq!(first, "#:schema ./.kiln/kiln.schema.json");
    let schema = Repo::new().kiln(&["schema"]).success().stdout;
    assert_eq!(repo.read(".kiln/kiln.schema.json"), schema);
}

#[test]
fn presets_list_describes_every_preset() {
    let run = Repo::new().kiln(&["presets", "list"]).success();
    for name in [
        "http-api",
        "worker",
        "frontend",
        "postgres",
        "redis",
        "cronjob",
        "minimal",
        "shop",
        "functions",
        "starter",
    ] {
        let line = run
            .stdout
            .lines()
            .find(|line| line.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} missing:\n{}", run.stdout));
        assert!(line.len() > name.len() + 20, "{line}");
    }
}

#[test]
fn init_builds_every_starter_app() {
    for app in ["minimal", "shop", "functions", "starter"] {
        let repo = Repo::new();
        repo.kiln(&["init", "--name", "demo", "--preset", app])
            .success();
        repo.kiln(&["check"]).success();
        assert!(repo.exists("deploy/prod/kustomization.yaml"), "{app}");
    }
}

#[test]
fn init_refuses_an_unknown_preset() {
    let repo = Repo::new();
    repo.kiln(&["init", "--name", "demo", "--preset", "shopp"])
        .fails_with(2)
        .stderr_has(
            "error: unknown preset `shopp`\n  = hint: choose one of `functions`, `minimal`, `shop`, `starter`\n",
        );
    assert!(!repo.exists("kiln.toml"));
}

const PRESET_APP: &str = r#"
[project]
name = "demo"
registry = "ghcr.io/acme/demo"

[defaults]
memory = "128Mi"

[environments.dev]

[services.api]
preset = "http-api"
language = "go"
version = "1.0.0"
port = 9000

[services.db]
preset = "postgres"
storage = "20Gi"
secrets = { POSTGRES_PASSWORD = "db:password" }
"#;

#[test]
fn a_service_overrides_its_preset_key_by_key() {
    let repo = Repo::with_config(PRESET_APP);
    repo.kiln(&["build"]).success();
    let api = repo.read("deploy/dev/services/api/deployment.yaml");
    // The service's port wins over the preset's 8080; the preset's memory
    // wins over [defaults].
    assert!(api.contains("containerPort: 9000"), "{api}");
    assert!(api.contains("memory: \"256Mi\""), "{api}");
    let db = repo.read("deploy/dev/services/db/statefulset.yaml");
    assert!(db.contains("image: \"postgres:16.4-alpine\""), "{db}");
    assert!(db.contains("storage: \"20Gi\""), "{db}");
}

#[test]
fn an_unknown_service_preset_is_a_problem_with_a_suggestion() {
    let repo = Repo::with_config(&PRESET_APP.replace("\"http-api\"", "\"http-apj\""));
    repo.kiln(&["check"])
        .fails_with(2)
        .stderr_has("error: unknown preset `http-apj` in `services.api.preset`\n")
        .stderr_has("= hint: did you mean `http-api`?");
}

#[test]
fn explain_names_the_layer_of_every_setting() {
    let repo = Repo::with_config(PRESET_APP);
    let run = repo.kiln(&["explain", "dev", "api"]).success();
    let line = |key: &str| {
        run.stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no {key}:\n{}", run.stdout))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("port"), "port = 9000 # [services.api]");
    assert_eq!(line("memory"), "memory = \"256Mi\" # preset `http-api`");
    assert_eq!(line("kind"), "kind = \"web\" # preset `http-api`");
    assert_eq!(line("replicas"), "replicas = 1 # built-in default");
    assert_eq!(
        line("memory_limit"),
        "memory_limit = \"512Mi\" # built-in default (twice the request)"
    );
    let run = repo.kiln(&["explain", "dev", "db", "memory"]).success();
    assert!(
        run.stdout
            .ends_with("memory = \"512Mi\"  # preset `postgres`\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn explain_shows_the_layers_of_each_variable() {
    let repo = Repo::with_config(crate::STARTER);
    let run = repo.kiln(&["explain", "dev", "api", "env"]).success();
    assert!(
        run.stdout
            .ends_with("env.LOG_LEVEL = \"debug\"  # [services.api.environments.dev]\n"),
        "{}",
        run.stdout
    );
    let run = repo.kiln(&["explain", "prod", "api", "cpu"]).success();
    assert!(
        run.stdout.ends_with("cpu = \"100m\"  # [defaults]\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn explain_suggests_names_it_does_not_know() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["explain", "prd", "users"])
        .fails_with(2)
        .stderr_has(
            "error: unknown environment `prd`\n  = hint: did you mean `prod`? the environments are `dev`, `prod`\n",
        );
    repo.kiln(&["explain", "prod", "user"])
        .fails_with(2)
        .stderr_has(
            "error: unknown service `user`\n  = hint: did you mean `users`? the services are `db`, `users`\n",
        );
    repo.kiln(&["explain", "prod", "users", "replica"])
        .fails_with(2)
        .stderr_has(
            "error: unknown setting `replica`\n  = hint: did you mean `replicas`? \
             `kiln explain ENV SERVICE`, without a setting, lists every one\n",
        );
}

const SERVICE_TEMPLATE: &str = "k8s/service.yaml.tera";

#[test]
fn an_ejected_template_overrides_the_bundled_one_and_the_lock_says_so() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["templates", "eject", SERVICE_TEMPLATE])
        .success()
        .stdout_has("wrote .kiln/templates/k8s/service.yaml.tera");
    let bundled = repo
        .kiln(&["templates", "show", SERVICE_TEMPLATE])
        .success();
    let path = ".kiln/templates/k8s/service.yaml.tera";
    assert_eq!(repo.read(path), bundled.stdout);
    repo.write(
        path,
        &bundled.stdout.replacen(
            "metadata:\n",
            "metadata:\n  annotations:\n    owner: {{ project.name | yaml }}\n",
            1,
        ),
    );
    let list = repo.kiln(&["templates", "list"]).success();
    assert!(
        list.stdout.contains(
            "k8s/service.yaml.tera  (overridden by .kiln/templates/k8s/service.yaml.tera)\n"
        ),
        "{}",
        list.stdout
    );
    assert!(list.stdout.contains("\nk8s/deployment.yaml.tera\n"));
    repo.kiln(&["build"]).success();
    let service = repo.read("deploy/dev/services/users/service.yaml");
    assert!(service.contains("    owner: \"shop\"\n"), "{service}");
    let lock = repo.read("kiln.lock");
    assert!(
        lock.contains("[files.\"deploy/dev/services/users/service.yaml\"]\nsha256 = ")
            && lock.contains("templates = [\".kiln/templates/k8s/service.yaml.tera\"]"),
        "{lock}"
    );
    assert!(lock.contains("templates = [\"k8s/deployment.yaml.tera\", \"k8s/pod.yaml.tera\"]"));
    repo.kiln(&["templates", "eject", SERVICE_TEMPLATE])
        .fails_with(2)
        .stderr_has(
            "error: `.kiln/templates/k8s/service.yaml.tera` already exists; nothing was written\n",
        );
}

#[test]
fn a_render_error_in_an_override_names_its_file_and_line() {
    let repo = Repo::with_config(SMALL);
    let path = ".kiln/templates/k8s/service.yaml.tera";
    repo.write(
        path,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ service.nme | yaml }}\n",
    );
    let run = repo.kiln(&["build"]).fails_with(2);
    assert!(
        run.stderr.starts_with(
            "error: template override `.kiln/templates/k8s/service.yaml.tera:4` failed: "
        ),
        "{}",
        run.stderr
    );
    repo.write(path, "apiVersion: v1\n\nkind: {% endfor %}\nmetadata: {}\n");
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("error: template override `.kiln/templates/k8s/service.yaml.tera:3` failed: ");
    assert!(!repo.exists("kiln.lock"));
}

#[test]
fn an_override_must_escape_its_values() {
    let repo = Repo::with_config(SMALL);
    repo.write(
        ".kiln/templates/k8s/service.yaml.tera",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ service.name }}\n",
    );
    repo.kiln(&["build"]).fails_with(2).stderr_has(
        "error: `{{ service.name }}` in template override `.kiln/templates/k8s/service.yaml.tera:4` \
         does not go through `| yaml`\n",
    );
}

#[test]
fn an_override_of_no_bundled_template_is_refused() {
    let repo = Repo::with_config(SMALL);
    repo.write(".kiln/templates/k8s/servce.yaml.tera", "kind: Service\n");
    repo.kiln(&["build"]).fails_with(2).stderr_has(
        "error: `.kiln/templates/k8s/servce.yaml.tera` overrides no bundled template\n  \
         = hint: did you mean `.kiln/templates/k8s/service.yaml.tera`?\n",
    );
    Repo::new()
        .kiln(&["templates", "show", "k8s/servce.yaml.tera"])
        .fails_with(2)
        .stderr_has("error: unknown template `k8s/servce.yaml.tera`\n  = hint: did you mean `k8s/service.yaml.tera`?\n");
}

#[test]
fn completions_and_man_page_come_from_the_cli_definitions() {
    let repo = Repo::new();
    // Each script calls kiln back as you type (tests/cli.rs runs bash's).
    for (shell, marker) in [
        (
            "bash",
            "complete -o nospace -o bashdefault -o nosort -F _clap_complete_kiln kiln",
        ),
        ("zsh", "compdef _clap_dynamic_completer_kiln kiln"),
        ("fish", "complete --keep-order --exclusive --command kiln"),
    ] {
        let run = repo.kiln(&["completions", shell]).success();
        assert!(run.stdout.contains(marker), "{shell}: {}", run.stdout);
        assert!(
            run.stdout.contains(&format!("COMPLETE={shell} "))
                || run.stdout.contains(&format!("COMPLETE=\"{shell}\" ")),
            "{shell}: {}",
            run.stdout
        );
    }
    let offered = repo.complete(&["kiln", ""]);
    for sub in ["explain", "templates", "presets", "schema"] {
        assert!(
            offered.contains(&sub.to_string()),
            "{offered:?} lacks {sub}"
        );
    }
    let man = repo.kiln(&["man"]).success();
    assert!(
        man.stdout.starts_with(".ie \\n(.g .ds Aq \\(aq"),
        "{}",
        &man.stdout[..80]
    );
    assert!(man.stdout.contains(".TH kiln 1"));
    assert!(man.stdout.contains("explain"));
}

/// An override that renders what is not YAML: nothing is written, and
/// every command that renders names the override and its line, not kiln.
#[test]
fn an_override_that_renders_invalid_yaml_is_refused_naming_it() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["templates", "eject", SERVICE_TEMPLATE])
        .success();
    let path = ".kiln/templates/k8s/service.yaml.tera";
    let text = repo.read(path).replacen(
        "  type: ClusterIP\n",
        "  type: ClusterIP\n   broken: [unclosed\n",
        1,
    );
    repo.write(path, &text);
    let before = repo.files();
    let expected = "error: template override `.kiln/templates/k8s/service.yaml.tera:14` renders \
                    `k8s/service.yaml.tera` as invalid YAML: mapping values are not allowed in \
                    this context at line 19 column 10\n  = hint: nothing was written; fix the \
                    override so that what it renders parses as YAML, or delete it to use kiln's \
                    bundled template again (`kiln templates show k8s/service.yaml.tera` prints it)\n";
    for args in [&["build"][..], &["check"], &["diff"], &["render", "dev"]] {
        let run = repo.kiln(args).fails_with(2);
        assert_eq!(run.stderr, expected, "{args:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    repo.assert_untouched(&before);
    assert!(!repo.exists("kiln.lock"));
}

/// An override included by a bundled template is blamed for what it breaks.
#[test]
fn an_included_override_that_breaks_yaml_is_the_one_named() {
    let repo = Repo::with_config(&small_without_db());
    repo.kiln(&["templates", "eject", "k8s/pod.yaml.tera"])
        .success();
    let path = ".kiln/templates/k8s/pod.yaml.tera";
    let text = repo.read(path).replacen("spec:\n", "spec: {\n", 1);
    repo.write(path, &text);
    let expected = "error: template override `.kiln/templates/k8s/pod.yaml.tera:10` renders \
                    `k8s/deployment.yaml.tera` as invalid YAML: did not find expected ',' or '}' \
                    at line 54 column 7, while parsing a flow mapping at line 52 column 11\n  = \
                    hint: nothing was written; fix the override so that what it renders parses \
                    as YAML, or delete it to use kiln's bundled template again (`kiln templates \
                    show k8s/pod.yaml.tera` prints it)\n";
    for args in [&["build"][..], &["check"]] {
        let run = repo.kiln(args).fails_with(2);
        assert_eq!(run.stderr, expected, "{args:?}");
    }
    assert!(!repo.exists("deploy"));
}

/// An override whose YAML parses but contradicts kiln's other objects: the
/// cross-check blames the override, not kiln and not `kiln.toml`.
#[test]
fn check_blames_the_override_for_an_object_it_made_inconsistent() {
    let repo = Repo::with_config(&small_without_db());
    repo.kiln(&["templates", "eject", SERVICE_TEMPLATE])
        .success();
    let path = ".kiln/templates/k8s/service.yaml.tera";
    let text = repo.read(path).replacen(
        "targetPort: {{ port.name | yaml }}",
        "targetPort: \"nope\"",
        1,
    );
    repo.write(path, &text);
    let run = repo.kiln(&["check"]).fails_with(2);
    assert_eq!(
        run.stderr,
        "error: template override `.kiln/templates/k8s/service.yaml.tera` failed: generated \
         `deploy/dev/services/users/service.yaml`: Service `users` targets port `nope`, which the \
         pods of `deploy/dev/services/users/deployment.yaml` do not have\n  = hint: fix it, or \
         delete it to use kiln's bundled template again; `kiln templates show NAME` prints the \
         bundled one\nerror: template override `.kiln/templates/k8s/service.yaml.tera` failed: \
         generated `deploy/prod/services/users/service.yaml`: Service `users` targets port \
         `nope`, which the pods of `deploy/prod/services/users/deployment.yaml` do not have\n  = \
         hint: fix it, or delete it to use kiln's bundled template again; `kiln templates show \
         NAME` prints the bundled one\n2 problems in template overrides; nothing was written\n"
    );
    assert!(!run.stderr.contains("bug in kiln"));
}

/// The lock names every template that made a file, through includes: an
/// overridden `k8s/pod.yaml.tera` shows in each workload that includes it.
#[test]
fn the_lock_lists_an_included_override_in_every_file_it_made() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    let lock = repo.read("kiln.lock");
    assert!(
        lock.contains("[files.\"deploy/dev/services/users/deployment.yaml\"]\nsha256 = \"",)
            && lock.contains("templates = [\"k8s/deployment.yaml.tera\", \"k8s/pod.yaml.tera\"]\n"),
        "{lock}"
    );
    repo.kiln(&["templates", "eject", "k8s/pod.yaml.tera"])
        .success();
    repo.kiln(&["build"]).success();
    let lock = repo.read("kiln.lock");
    for (file, template) in [
        (
            "deploy/dev/services/users/deployment.yaml",
            "k8s/deployment.yaml.tera",
        ),
        (
            "deploy/prod/services/users/deployment.yaml",
            "k8s/deployment.yaml.tera",
        ),
        (
            "deploy/dev/services/db/statefulset.yaml",
            "k8s/statefulset.yaml.tera",
        ),
        (
            "deploy/prod/services/db/statefulset.yaml",
            "k8s/statefulset.yaml.tera",
        ),
    ] {
        let entry = lock
            .split(&format!("[files.\"{file}\"]\n"))
            .nth(1)
            .and_then(|rest| rest.split("\n\n").next())
            .unwrap_or_default();
        assert!(
            entry.ends_with(&format!(
                "templates = [\"{template}\", \".kiln/templates/k8s/pod.yaml.tera\"]"
            )),
            "{file}: {entry}"
        );
    }
    assert!(!lock.contains("\"k8s/pod.yaml.tera\""), "{lock}");
}

/// The kustomization template has `project` and `env`, as every other does.
#[test]
fn the_kustomization_template_gets_project_and_env() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["templates", "eject", "k8s/kustomization.yaml.tera"])
        .success();
    let path = ".kiln/templates/k8s/kustomization.yaml.tera";
    let text = repo.read(path).replacen(
        "kind: Kustomization\n",
        "kind: Kustomization\nnamespace: {{ env.namespace | yaml }}\n\
         commonAnnotations:\n  team: {{ project.name | yaml }}\n",
        1,
    );
    repo.write(path, &text);
    repo.kiln(&["build"]).success();
    let kustomization = repo.yaml("deploy/prod/kustomization.yaml");
    assert_eq!(kustomization["namespace"], "shop-prod");
    assert_eq!(kustomization["commonAnnotations"]["team"], "shop");
    assert_eq!(
        kustomization["resources"][0], "namespace/namespace.yaml",
        "{kustomization:?}"
    );
}
