//! The core keys' rules: each mistake is one problem, at the key that
//! holds it, worded so that the user knows what to do.

use super::validate;
use crate::diagnostics::Problem;

/// A project with one environment and a routed API calling its database.
const APP: &str = r#"[project]
name = "shop"
registry = "ghcr.io/acme"

[environments.dev]

[environments.prod]

[services.orders]
language = "go"
version = "1.0.0"
port = 8080
calls = ["db"]

[services.db]
kind = "stateful"
image = "postgres:16.4"
port = 5432
storage = "5Gi"
"#;

/// Every problem the core rules find in `text`.
fn problems(text: &str) -> Vec<Problem> {
    let (config, mut problems) = crate::config::parsed(text);
    validate::validate(&config, &mut problems);
    problems
}

/// `APP` with `extra` appended: its only problem, which must be at `key`.
fn only(extra: &str, key: &str) -> Problem {
    let found = problems(&format!("{APP}{extra}"));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].key.to_string(), key, "{found:#?}");
    found[0].clone()
}

/// A built service `api` with `keys` after its own.
fn api(keys: &str) -> String {
    format!("\n[services.api]\nlanguage = \"go\"\nversion = \"1.0.0\"\nport = 9000\n{keys}")
}

#[test]
fn the_app_alone_has_no_core_problem() {
    assert_eq!(problems(APP), []);
}

#[test]
fn a_call_to_an_unknown_service_suggests_the_closest_name() {
    let problem = only(
        &api("calls = [\"db\", \"ordrs\"]\n"),
        "services.api.calls[1]",
    );
    assert_eq!(
        problem.message,
        "unknown service `ordrs` in `services.api.calls[1]`"
    );
    assert_eq!(problem.hint.as_deref(), Some("did you mean `orders`?"));
    let problem = only(&api("calls = [\"zzzzzz\"]\n"), "services.api.calls[0]");
    assert_eq!(problem.hint, None, "nothing is close to `zzzzzz`");
}

#[test]
fn a_service_cannot_call_itself_or_a_service_without_a_port() {
    let problem = only(&api("calls = [\"api\"]\n"), "services.api.calls[0]");
    assert_eq!(
        problem.message,
        "service `api` lists itself in `services.api.calls[0]`"
    );
    let worker = "\n[services.jobs]\nkind = \"worker\"\nlanguage = \"go\"\nversion = \"1.0.0\"\n";
    let text = format!("{}{worker}", api("calls = [\"jobs\"]\n"));
    let problem = only(&text, "services.api.calls[0]");
    assert!(
        problem
            .message
            .contains("names `jobs`, which has no Service to call")
    );
}

#[test]
fn two_ports_of_a_service_cannot_share_a_number() {
    let problem = only(
        &api("ports = { admin = 9000 }\n"),
        "services.api.ports.admin",
    );
    assert_eq!(
        problem.message,
        "port 9000 in `services.api.ports.admin` is already used by `port`"
    );
    let problem = only(
        &api("ports = { admin = 9100, debug = 9100 }\n"),
        "services.api.ports.debug",
    );
    assert!(
        problem.message.contains("already used by `ports.admin`"),
        "{problem:?}"
    );
}

#[test]
fn the_metrics_port_may_be_the_main_port_or_an_extra_port() {
    assert_eq!(
        problems(&format!("{APP}{}", api("metrics_port = 9000\n"))),
        []
    );
    assert_eq!(
        problems(&format!(
            "{APP}{}",
            api("metrics_port = 9100\nports = { metrics = 9100 }\n")
        )),
        []
    );
}

#[test]
fn the_sidecars_ports_and_port_zero_are_refused() {
    let problem = only(
        &api("ports = { admin = 15001 }\n"),
        "services.api.ports.admin",
    );
    assert!(problem.message.contains("reserved by the Istio sidecar"));
    only(&api("metrics_port = 0\n"), "services.api.metrics_port");
    // The names kiln gives its own ports are taken.
    let problem = only(&api("ports = { http = 9001 }\n"), "services.api.ports.http");
    assert!(problem.message.contains("is not a valid port name"));
}

#[test]
fn a_third_party_image_must_be_a_pullable_pinned_reference() {
    let image = |image: &str| APP.replace("postgres:16.4", image);
    let found = problems(&image("postgres"));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].key.to_string(), "services.db.image");
    assert!(found[0].message.contains("has no pinned tag"));
    let found = problems(&image("postgres:latest"));
    assert!(found[0].message.contains("has no pinned tag"), "{found:#?}");
    let found = problems(&image("Postgres:16.4"));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .message
            .contains("is not an image reference a container runtime can pull"),
        "{found:#?}"
    );
    assert_eq!(
        problems(&image(
            "docker.io/library/postgres:16.4@sha256:0000000000000000000000000000000000000000000000000000000000000000"
        )),
        []
    );
}

#[test]
fn a_service_has_exactly_one_image_source() {
    let problem = only(&api("image = \"redis:7.2\"\n"), "services.api");
    assert_eq!(
        problem.message,
        "service `api` sets both `language` and `image`"
    );
    let text = format!("{APP}\n[services.api]\nport = 9000\n");
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].key.to_string(), "services.api");
    let found = problems(&format!(
        "{APP}\n[services.api]\nlanguage = \"go\"\nport = 9000\n"
    ));
    assert_eq!(
        found[0].message,
        "service `api` is built from source but has no `version`"
    );
    let problem = only("version = \"16.4\"\n", "services.db.version");
    assert!(
        problem
            .message
            .contains("only applies to services built from source")
    );
}

#[test]
fn a_built_service_needs_the_project_registry() {
    let found = problems(&APP.replace("registry = \"ghcr.io/acme\"\n", ""));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].message,
        "service `orders` is built from source, so `project.registry` is required"
    );
}

#[test]
fn a_cronjob_needs_a_valid_schedule_and_only_a_cronjob_has_one() {
    let job = "\n[services.report]\nkind = \"cronjob\"\nlanguage = \"go\"\nversion = \"1.0.0\"\n";
    let problem = only(job, "services.report");
    assert_eq!(problem.message, "cronjob `report` has no `schedule`");
    let problem = only(
        &format!("{job}schedule = \"61 * * * *\"\n"),
        "services.report.schedule",
    );
    assert!(problem.message.contains("is not a valid cron schedule"));
    assert_eq!(
        problems(&format!("{APP}{job}schedule = \"*/15 * * * *\"\n")),
        []
    );
    let problem = only(&api("schedule = \"@daily\"\n"), "services.api.schedule");
    assert_eq!(
        problem.message,
        "`services.api.schedule` only applies to `cronjob` services"
    );
    let problem = only(
        &format!("{job}schedule = \"@daily\"\nreplicas = 2\n"),
        "services.report.replicas",
    );
    assert!(
        problem
            .message
            .contains("has no effect: a cronjob runs one pod per schedule")
    );
}

#[test]
fn a_stateful_service_needs_storage_and_only_it_has_a_data_path() {
    let found = problems(&APP.replace("storage = \"5Gi\"\n", ""));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].message, "stateful service `db` has no `storage`");
    let problem = only(&api("data_path = \"/data\"\n"), "services.api.data_path");
    assert!(
        problem
            .message
            .contains("only applies to `stateful` services")
    );
    let found = problems(&APP.replace("\"5Gi\"", "\"5 gigs\""));
    assert_eq!(found[0].key.to_string(), "services.db.storage");
}

#[test]
fn resources_and_autoscaling_are_checked_in_every_layer() {
    let text = format!(
        "{}\n[services.orders.environments.prod]\ncpu = \"fast\"\nautoscale = {{ min = 5, max = 2 }}\n",
        APP.replace(
            "[environments.dev]\n",
            "[environments.dev]\nmemory = \"1.5.Gi\"\n"
        )
    );
    let found = problems(&text);
    let keys: Vec<String> = found.iter().map(|p| p.key.to_string()).collect();
    assert_eq!(
        keys,
        [
            "environments.dev.memory",
            "services.orders.environments.prod.cpu",
            "services.orders.environments.prod.autoscale",
        ]
    );
    assert!(
        found[0]
            .message
            .contains("is not a memory quantity Kubernetes accepts")
    );
    assert!(found[2].message.contains("has min 5 above max 2"));
}

#[test]
fn secrets_are_references_never_values() {
    let problem = only(
        &api("secrets = { DB_PASSWORD = \"hunter2\" }\n"),
        "services.api.secrets.DB_PASSWORD",
    );
    assert_eq!(
        problem.message,
        "`hunter2` in `services.api.secrets.DB_PASSWORD` is not a secret reference"
    );
    assert!(
        problem
            .hint
            .as_deref()
            .unwrap()
            .contains("never stores secret values")
    );
    let problem = only(
        &api("env = { TOKEN = \"x\" }\nsecrets = { TOKEN = \"api:token\" }\n"),
        "services.api.secrets.TOKEN",
    );
    assert!(
        problem
            .message
            .contains("set both in `env` and in `secrets`")
    );
    assert_eq!(
        problems(&format!(
            "{APP}{}",
            api("secrets = { TOKEN = \"api-keys:token\" }\n")
        )),
        []
    );
}

#[test]
fn an_override_for_an_unknown_environment_suggests_a_declared_one() {
    let problem = only(
        &api("\n[services.api.environments.prd]\nreplicas = 2\n"),
        "services.api.environments.prd",
    );
    assert_eq!(
        problem.message,
        "unknown environment `prd` in `services.api.environments.prd`"
    );
    assert_eq!(problem.hint.as_deref(), Some("did you mean `prod`?"));
}

#[test]
fn pods_never_run_as_root_nor_mount_a_path_twice() {
    only(&api("run_as_user = 0\n"), "services.api.run_as_user");
    let problem = only(
        &api("writable_paths = [\"/cache\", \"/tmp/\"]\n"),
        "services.api.writable_paths[1]",
    );
    assert_eq!(
        problem.message,
        "`/tmp/` in `services.api.writable_paths[1]` is mounted twice"
    );
}

#[test]
fn egress_needs_a_cidr_block_and_a_port() {
    let text = api(
        "egress = [{ cidr = \"203.0.113.0/24\", port = 443 }, { cidr = \"10.0.0.0/33\", port = 0 }]\n",
    );
    let found = problems(&format!("{APP}{text}"));
    let keys: Vec<String> = found.iter().map(|p| p.key.to_string()).collect();
    assert_eq!(
        keys,
        ["services.api.egress[1].cidr", "services.api.egress[1].port"]
    );
}

#[test]
fn a_project_without_environments_or_with_bad_names_is_refused() {
    let found = problems("[project]\nname = \"shop\"\n");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].key.to_string(), "environments");
    let found = problems(&APP.replace("name = \"shop\"", "name = \"Shop_App\""));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].key.to_string(), "project.name");
    // A service name becomes a DNS-1035 label: it must start with a letter.
    let found = problems(
        &APP.replace("[services.db]", "[services.1db]")
            .replace("[\"db\"]", "[\"1db\"]"),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].key.to_string(), "services.1db");
}

#[test]
fn a_web_service_needs_a_port() {
    let found = problems(&APP.replace("port = 8080\n", ""));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].message, "web service `orders` has no `port`");
    assert_eq!(found[0].key.to_string(), "services.orders");
}
