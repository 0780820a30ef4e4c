//! Per environment (issue 15): `enabled = false` leaves a service out of one
//! environment with every file and policy that names it, and `namespace`
//! replaces `{project}-{env}` everywhere the namespace is named.

use crate::{Repo, built};

/// `ledger` runs in prod only; `web` calls it there and nowhere else. dev is
/// the local (compose) environment, staging routes through the Gateway API.
const PARTIAL: &str = r#"
[project]
name = "shop"
registry = "ghcr.io/acme/shop"
monitoring = true
local = "compose"
ci = ["github"]
external_secrets = { store = "vault" }

[environments.dev]
[environments.staging]
domain = "staging.shop.example.com"
traffic = "gateway-api"
[environments.prod]
domain = "shop.example.com"

[services.web]
language = "node"
version = "1.0.0"
port = 8080
route = "/"
calls = ["ledger"]
metrics = "/metrics"

[services.web.environments.dev]
calls = []

[services.web.environments.staging]
calls = []

[services.ledger]
language = "go"
version = "2.0.0"
port = 9000
route = "/ledger"
metrics = "/metrics"
secrets = { DATABASE_URL = "ledger-db:url" }

[services.ledger.environments.dev]
enabled = false

[services.ledger.environments.staging]
enabled = false
"#;

/// Every generated file whose path or contents has `word`.
fn naming(repo: &Repo, prefix: &str, word: &str) -> Vec<String> {
    repo.contents()
        .into_iter()
        .filter(|(path, _)| path.starts_with(prefix))
        .filter(|(path, bytes)| {
            path.contains(word) || String::from_utf8_lossy(bytes).contains(word)
        })
        .map(|(path, _)| path)
        .collect()
}

#[test]
fn a_disabled_service_leaves_no_file_and_no_policy_naming_it_in_that_environment() {
    let repo = built(PARTIAL);
    for env in ["dev", "staging"] {
        assert_eq!(
            naming(&repo, &format!("deploy/{env}/"), "ledger"),
            Vec::<String>::new(),
            "{env} still names ledger"
        );
        assert!(repo.exists(&format!("deploy/{env}/services/web/deployment.yaml")));
    }
    // dev is the local environment: compose runs web alone.
    assert!(!repo.read("compose.yaml").contains("ledger"));
    assert!(repo.read("compose.yaml").contains("web"));
    // prod has all of it: workload, Secret source, caller's egress, route.
    for file in [
        "deploy/prod/services/ledger/deployment.yaml",
        "deploy/prod/services/ledger/servicemonitor.yaml",
        "deploy/prod/secrets/ledger-db.yaml",
    ] {
        assert!(repo.exists(file), "{file} missing");
    }
    assert!(
        repo.read("deploy/prod/services/web/networkpolicy.yaml")
            .contains("ledger")
    );
    assert!(
        repo.read("deploy/prod/mesh/virtualservice.yaml")
            .contains("/ledger")
    );
    assert!(
        repo.read("deploy/prod/kustomization.yaml")
            .contains("services/ledger/")
    );
    // It still ships where it runs.
    assert!(repo.exists("services/ledger/Dockerfile"));
    repo.kiln(&["explain", "dev", "ledger"])
        .fails_with(2)
        .stderr_has("service `ledger` is disabled in environment `dev`");
    repo.kiln(&["check"]).success();
}

#[test]
fn a_service_disabled_everywhere_is_built_and_deployed_nowhere() {
    let config = PARTIAL.replace("calls = [\"ledger\"]\n", "")
        + "\n[services.ledger.environments.prod]\nenabled = false\n";
    let repo = built(&config);
    assert_eq!(naming(&repo, "deploy/", "ledger"), Vec::<String>::new());
    assert!(!repo.exists("services/ledger/Dockerfile"));
    assert!(!repo.read(".github/workflows/ci.yml").contains("ledger"));
    assert!(repo.exists("services/web/Dockerfile"));
}

#[test]
fn calling_a_service_disabled_in_that_environment_is_a_located_error() {
    let config = PARTIAL.replace(
        "[services.web.environments.staging]\ncalls = []\n",
        "[services.web.environments.staging]\nreplicas = 1\n",
    );
    let repo = Repo::with_config(&config);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has(
            "`services.web.calls[0]` names `ledger`, which is disabled in environment `staging`",
        )
        .stderr_has("kiln.toml:22:10")
        .stderr_has("disable `web` there too, or give it its own `calls` without `ledger`");
    assert!(!repo.exists("deploy"));
    // A per-environment `calls` is located at its own line.
    let config = PARTIAL.replace(
        "[services.web.environments.dev]\ncalls = []\n",
        "[services.web.environments.dev]\ncalls = [\"ledger\"]\n",
    );
    Repo::with_config(&config)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.web.environments.dev.calls[0]` names `ledger`")
        .stderr_has("kiln.toml:26:");
}

#[test]
fn enabled_is_refused_outside_a_service_environment() {
    for (table, line) in [("[environments.dev]", 10), ("[services.web]", 17)] {
        let config = PARTIAL.replacen(table, &format!("{table}\nenabled = false"), 1);
        Repo::with_config(&config)
            .kiln(&["build"])
            .fails_with(2)
            .stderr_has(&format!("kiln.toml:{}:", line + 1))
            .stderr_has("`enabled` is set per service and environment");
    }
}

#[test]
fn a_namespace_override_reaches_every_reference() {
    let config = PARTIAL.replace(
        "domain = \"shop.example.com\"\n",
        "domain = \"shop.example.com\"\nnamespace = \"ledger-live\"\n",
    );
    let repo = built(&config);
    // The old name is nowhere: not in deploy/prod, CI, compose or the lock.
    let everything: Vec<String> = naming(&repo, "", "shop-prod")
        .into_iter()
        .filter(|path| path != "kiln.toml" && !path.starts_with(".git/"))
        .collect();
    assert_eq!(everything, Vec::<String>::new());
    let namespace = repo.yaml("deploy/prod/namespace/namespace.yaml");
    assert_eq!(namespace["metadata"]["name"], "ledger-live");
    let deployment = repo.yaml("deploy/prod/services/ledger/deployment.yaml");
    assert_eq!(deployment["metadata"]["namespace"], "ledger-live");
    let policy = repo.read("deploy/prod/services/ledger/authorizationpolicy.yaml");
    assert!(
        policy.contains("cluster.local/ns/ledger-live/sa/web"),
        "{policy}"
    );
    assert!(
        repo.read("deploy/prod/mesh/virtualservice.yaml")
            .contains("ledger.ledger-live.svc.cluster.local")
    );
    assert!(
        repo.read(".github/workflows/ci.yml")
            .contains("NAMESPACE: \"ledger-live\"")
    );
    // The other environments keep `{project}-{env}`.
    let namespace = repo.yaml("deploy/dev/namespace/namespace.yaml");
    assert_eq!(namespace["metadata"]["name"], "shop-dev");
    repo.kiln(&["explain", "prod", "web", "namespace"])
        .success()
        .stdout_has("\"ledger-live\"")
        .stdout_has("[environments.prod]");
    repo.kiln(&["explain", "dev", "web", "namespace"])
        .success()
        .stdout_has("\"shop-dev\"")
        .stdout_has("built-in default");
}

#[test]
fn a_namespace_two_environments_share_is_a_located_error() {
    let config = PARTIAL.replace(
        "domain = \"shop.example.com\"\n",
        "domain = \"shop.example.com\"\nnamespace = \"shop-dev\"\n",
    );
    let repo = Repo::with_config(&config);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("environments `dev` and `prod` both use the namespace `shop-dev`")
        .stderr_has("kiln.toml:16:13");
    assert!(!repo.exists("deploy"));
}

#[test]
fn a_namespace_that_is_not_a_dns_label_is_a_located_error() {
    for bad in ["Prod_NS", "-prod", &"n".repeat(64)] {
        let config = PARTIAL.replace(
            "[environments.dev]\n",
            &format!("[environments.dev]\nnamespace = \"{bad}\"\n"),
        );
        Repo::with_config(&config)
            .kiln(&["build"])
            .fails_with(2)
            .stderr_has(&format!(
                "`{bad}` in `environments.dev.namespace` is not a valid name"
            ))
            .stderr_has("kiln.toml:11:13")
            .stderr_has("at most 63 characters");
    }
}
