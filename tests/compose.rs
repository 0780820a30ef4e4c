//! `project.local = "compose"`: `compose.yaml` runs one environment's
//! services from the same model as their manifests; `.env.local` holds
//! the secrets' names, never a value, and is written once.

use crate::{Repo, built};
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The shop example, run locally in dev, with a secret in another service
/// and a `$` in an `env` value.
fn shop() -> String {
    let text = include_str!("../examples/shop/kiln.toml");
    let text = if text.contains("local = \"compose\"") {
        text.to_string()
    } else {
        text.replace(
            "team = \"commerce\"\n",
            "team = \"commerce\"\nlocal = \"compose\"\n",
        )
    };
    text.replace(
        "[services.orders]\n",
        "[services.orders]\nsecrets = { DB_PASSWORD = \"orders-db:password\" }\nenv = { GREETING = \"costs $5\" }\n",
    )
}

fn services(compose: &Value) -> &serde_yaml::Mapping {
    compose["services"].as_mapping().expect("services")
}

fn string(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| serde_yaml::to_string(value).unwrap().trim().to_string())
}

/// The readiness probe of `service` in `deploy/dev`, and its container's ports by name.
fn readiness_probe(repo: &Repo, service: &str) -> Option<(Value, BTreeMap<String, u64>)> {
    for workload in ["deployment", "statefulset"] {
        let path = format!("deploy/dev/services/{service}/{workload}.yaml");
        if !repo.exists(&path) {
            continue;
        }
        let object = repo.yaml(&path);
        let container = &object["spec"]["template"]["spec"]["containers"][0];
        let ports = container["ports"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|p| (string(&p["name"]), p["containerPort"].as_u64().unwrap()))
            .collect();
        return Some((container["readinessProbe"].clone(), ports));
    }
    None
}

#[test]
fn depends_on_is_calls_each_waiting_for_readiness() {
    let repo = built(&shop());
    let compose = repo.yaml("compose.yaml");
    let config: toml::Value = toml::from_str(&shop()).unwrap();
    let declared = config["services"].as_table().unwrap();
    let mut checked = 0;
    for (name, service) in declared {
        let calls: BTreeSet<String> = service
            .get("calls")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        let entry = &services(&compose)[name.as_str()];
        let waits: BTreeMap<String, String> = entry["depends_on"]
            .as_mapping()
            .into_iter()
            .flatten()
            .map(|(k, v)| (string(k), string(&v["condition"])))
            .collect();
        let waited: BTreeSet<String> = waits
            .keys()
            .map(|k| k.strip_suffix("_ready").unwrap_or(k).to_string())
            .collect();
        assert_eq!(waited, calls, "{name}");
        for (companion, condition) in &waits {
            // Every callee here has a probe: its companion must be healthy.
            assert_eq!(condition, "service_healthy", "{name} → {companion}");
            assert!(
                services(&compose).contains_key(companion.as_str()),
                "{companion}"
            );
        }
        checked += calls.len();
    }
    assert_eq!(checked, 2, "users calls orders and cache");
}

#[test]
fn healthchecks_ask_what_the_readiness_probes_ask() {
    let repo = built(&shop());
    let compose = repo.yaml("compose.yaml");
    let mut seen = 0;
    for service in ["users", "orders", "cache"] {
        let (probe, ports) = readiness_probe(&repo, service).expect("a workload");
        let companion = &services(&compose)[format!("{service}_ready").as_str()];
        let check = &companion["healthcheck"];
        let test: Vec<String> = check["test"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(string)
            .collect();
        if let Some(get) = probe.get("httpGet") {
            let port = ports[&string(&get["port"])];
            assert_eq!(&test[..2], ["CMD", "wget"], "{service}");
            assert_eq!(
                test.last().unwrap(),
                &format!("http://{service}:{port}{}", string(&get["path"]))
            );
        } else {
            let tcp = &probe["tcpSocket"];
            let port = ports[&string(&tcp["port"])];
            assert_eq!(&test[..3], ["CMD", "nc", "-z"], "{service}");
            assert_eq!(
                &test[test.len() - 2..],
                [service.to_string(), port.to_string()]
            );
        }
        assert_eq!(
            string(&check["interval"]),
            format!("{}s", probe["periodSeconds"].as_u64().unwrap())
        );
        assert_eq!(
            string(&check["timeout"]),
            format!("{}s", probe["timeoutSeconds"].as_u64().unwrap())
        );
        assert_eq!(
            check["retries"].as_u64(),
            probe["failureThreshold"].as_u64()
        );
        assert_eq!(
            string(&companion["depends_on"][service]["condition"]),
            "service_started"
        );
        seen += 1;
    }
    assert_eq!(seen, 3);
    // A cronjob has no probe: no companion, and `up` does not run it.
    let job = &services(&compose)["nightly-report"];
    assert!(!services(&compose).contains_key("nightly-report_ready"));
    assert_eq!(job["profiles"][0].as_str(), Some("jobs"));
}

#[test]
fn ports_are_published_on_loopback_each_host_port_once() {
    let repo = built(&shop());
    let compose = repo.yaml("compose.yaml");
    let mut hosts = BTreeSet::new();
    let mut targets = BTreeSet::new();
    for (name, service) in services(&compose) {
        for port in service["ports"].as_sequence().into_iter().flatten() {
            assert_eq!(port["host_ip"].as_str(), Some("127.0.0.1"), "{name:?}");
            assert!(
                hosts.insert(port["published"].as_u64().unwrap()),
                "{name:?}"
            );
            targets.insert((string(name), port["target"].as_u64().unwrap()));
        }
    }
    // users and orders both listen on 8080: each keeps its container port.
    assert!(targets.contains(&("users".to_string(), 8080)));
    assert!(targets.contains(&("orders".to_string(), 8080)));
    // The stateful cache keeps its data in a named volume.
    assert_eq!(
        services(&compose)["cache"]["volumes"][0]["source"].as_str(),
        Some("cache-data")
    );
    assert!(compose["volumes"].get("cache-data").is_some());
}

#[test]
fn no_secret_value_is_written_and_env_local_is_written_once() {
    let repo = built(&shop());
    let compose = repo.yaml("compose.yaml");
    let users = &services(&compose)["users"]["environment"];
    assert_eq!(
        users["DATABASE_URL"].as_str(),
        Some(
            "${USERS_DB__URL:?set USERS_DB__URL in .env.local and run docker compose --env-file .env.local}"
        )
    );
    let orders = &services(&compose)["orders"]["environment"];
    assert!(string(&orders["DB_PASSWORD"]).starts_with("${ORDERS_DB__PASSWORD:?"));
    // A literal `$` is doubled, so compose never interpolates a value.
    assert_eq!(orders["GREETING"].as_str(), Some("costs $$5"));

    let skeleton = repo.read(".env.local");
    let assignments: Vec<&str> = skeleton
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    assert_eq!(assignments, ["ORDERS_DB__PASSWORD=", "USERS_DB__URL="]);
    assert!(!repo.read("kiln.lock").contains(".env.local"));
    assert!(repo.read("kiln.lock").contains("compose.yaml"));

    // The developer's values stay, through builds and a change of kiln.toml.
    repo.write(
        ".env.local",
        "USERS_DB__URL=postgres://me@localhost/users\n",
    );
    repo.kiln(&["build"]).success();
    repo.write(
        "kiln.toml",
        &shop().replace("LOG_LEVEL = \"info\"", "LOG_LEVEL = \"debug\""),
    );
    repo.kiln(&["build"]).success();
    assert_eq!(
        repo.read(".env.local"),
        "USERS_DB__URL=postgres://me@localhost/users\n"
    );
    // Removed, it is written again; warned about while git would keep it.
    std::fs::remove_file(repo.path().join(".env.local")).unwrap();
    repo.kiln(&["build"])
        .success()
        .stdout_has(".env.local")
        .stderr_has("`.env.local` is not in .gitignore");
    assert_eq!(repo.read(".env.local"), skeleton);
    repo.write(".gitignore", "target/\n/.env.local\n");
    let run = repo.kiln(&["build"]).success();
    assert!(!run.stderr.contains(".gitignore"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn env_local_is_never_written_through_a_symlink() {
    let repo = Repo::with_config(&shop());
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("precious");
    std::fs::write(&target, "keep\n").unwrap();
    std::os::unix::fs::symlink(&target, repo.path().join(".env.local")).unwrap();
    repo.kiln(&["build"]).success();
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
}

#[test]
fn compose_yaml_is_kiln_owned_like_any_generated_file() {
    let repo = built(&shop());
    let edited = format!("{}# mine\n", repo.read("compose.yaml"));
    repo.write("compose.yaml", &edited);
    // A hand edit is kept (and reported), not overwritten.
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("compose.yaml");
    assert_eq!(repo.read("compose.yaml"), edited);
    repo.kiln(&["eject", "compose.yaml"]).success();
    repo.kiln(&["build"]).success();
    assert_eq!(repo.read("compose.yaml"), edited);
    // Without `local`, kiln removes the file it owns no more.
    let repo = built(&shop());
    repo.write(
        "kiln.toml",
        &shop().replace("local = \"compose\"\nlocal_env = \"dev\"\n", ""),
    );
    repo.kiln(&["build"]).success();
    assert!(!repo.exists("compose.yaml"));
    assert!(repo.exists(".env.local"), "never kiln's to delete");
}

#[test]
fn local_env_mistakes_are_located_all_at_once() {
    let text = shop().replace("local_env = \"dev\"\n", "local_env = \"deve\"\n");
    let repo = Repo::with_config(&text);
    let before = repo.files();
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("unknown environment `deve` in `project.local_env`")
        .stderr_has("did you mean `dev`?")
        .stderr_has("kiln.toml:");
    repo.assert_untouched(&before);

    let text = include_str!("../examples/shop/kiln.toml")
        .replace("local = \"compose\"\nlocal_env = \"dev\"\n", "")
        .replace(
            "team = \"commerce\"\n",
            "team = \"commerce\"\nlocal_env = \"prod\"\n",
        )
        .replace(
            "version = \"0.3.0\"",
            "version = \"0.3.0\"\ncalls = [\"ordrs\"]",
        );
    Repo::with_config(&text)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`project.local_env` has no effect without `project.local`")
        .stderr_has("did you mean `orders`?");

    // `dev` is the default: a project without one must say which.
    let text = shop()
        .replace("local_env = \"dev\"\n", "")
        .replace("[environments.dev]", "[environments.qa]");
    Repo::with_config(&text)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("unknown environment `dev` in `project.local`");
}

/// The shop example with a second key of `users-db`, read by another service.
fn shop_with_keys() -> String {
    format!(
        "{}\n[services.orders.environments.prod]\nsecrets = {{ USERS_TOKEN = \"users-db:token\" }}\n",
        shop()
    )
}

/// Every `(Secret, key)` the workloads of `env` read, from the rendered manifests.
fn referenced(repo: &Repo, env: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in repo.manifests() {
        if !path.starts_with(&format!("deploy/{env}/services/")) {
            continue;
        }
        let object: Value = serde_yaml::from_str(&text).unwrap();
        let spec = match object["kind"].as_str() {
            Some("CronJob") => &object["spec"]["jobTemplate"]["spec"]["template"]["spec"],
            Some("Deployment" | "StatefulSet") => &object["spec"]["template"]["spec"],
            _ => continue,
        };
        for container in spec["containers"].as_sequence().into_iter().flatten() {
            for var in container["env"].as_sequence().into_iter().flatten() {
                let reference = &var["valueFrom"]["secretKeyRef"];
                if let (Some(name), Some(key)) =
                    (reference["name"].as_str(), reference["key"].as_str())
                {
                    found.entry(name.into()).or_default().insert(key.into());
                }
            }
        }
    }
    found
}

#[test]
fn external_secrets_make_exactly_the_referenced_keys() {
    let repo = built(&shop_with_keys());
    for (env, remote) in [
        ("dev", "dev-{secret}"),
        ("staging", "shop/staging/{secret}"),
        ("prod", "shop/prod/{secret}"),
    ] {
        let wanted = referenced(&repo, env);
        assert!(!wanted.is_empty(), "{env}");
        let mut made: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (path, text) in repo.manifests() {
            let object: Value = serde_yaml::from_str(&text).unwrap();
            assert_ne!(
                object["kind"].as_str(),
                Some("Secret"),
                "{path}: kiln writes no Secret"
            );
            if !path.starts_with(&format!("deploy/{env}/"))
                || object["kind"].as_str() != Some("ExternalSecret")
            {
                continue;
            }
            assert_eq!(
                object["apiVersion"].as_str(),
                Some("external-secrets.io/v1")
            );
            let spec = &object["spec"];
            let name = string(&spec["target"]["name"]);
            assert_eq!(string(&object["metadata"]["name"]), name);
            let file = path.rsplit('/').next().unwrap().to_string();
            let kustomization = repo.read(&format!("deploy/{env}/kustomization.yaml"));
            assert!(
                kustomization.contains(&format!("secrets/{file}")),
                "{env}: {file}"
            );
            for item in spec["data"].as_sequence().unwrap() {
                let key = string(&item["secretKey"]);
                assert_eq!(string(&item["remoteRef"]["property"]), key);
                assert_eq!(
                    string(&item["remoteRef"]["key"]),
                    remote.replace("{secret}", &name)
                );
                assert!(made.entry(name.clone()).or_default().insert(key));
            }
        }
        assert_eq!(made, wanted, "{env}");
    }
    // Only prod's orders reads `token`.
    assert_eq!(referenced(&repo, "prod")["users-db"].len(), 2);
    assert_eq!(referenced(&repo, "dev")["users-db"].len(), 1);
}

#[test]
fn prereqs_still_list_env_from_secrets_beside_the_store() {
    // ExternalSecrets make only what `secrets` reference; a whole Secret
    // read through `env_from` is still the platform's to provide.
    let text = shop_with_keys().replace(
        "version = \"0.3.0\"",
        "version = \"0.3.0\"\nenv_from = [{ secret = \"orders-extra\" }]",
    );
    assert!(text.contains("orders-extra"));
    let repo = built(&text);
    let run = repo.kiln(&["prereqs", "--format", "json"]).success();
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    for env in report["environments"].as_array().unwrap() {
        let secrets: Vec<&str> = env["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert!(secrets.contains(&"orders-extra"), "{secrets:?}");
        assert!(!secrets.contains(&"users-db"), "{secrets:?}");
    }
}

#[test]
fn prereqs_list_the_store_instead_of_the_secrets() {
    let repo = built(&shop_with_keys());
    let run = repo.kiln(&["prereqs", "--format", "json"]).success();
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../docs/prereqs.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&report), "{report:#}");
    for env in report["environments"].as_array().unwrap() {
        let secrets: Vec<&str> = env["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert!(!secrets.contains(&"users-db"), "{secrets:?}");
        let stores = env["secretStores"].as_array().unwrap();
        assert_eq!(stores.len(), 1, "{env:#}");
        let (kind, name, namespace) = match env["environment"].as_str().unwrap() {
            "dev" => ("SecretStore", "vault-dev", serde_json::json!("shop-dev")),
            _ => ("ClusterSecretStore", "vault", serde_json::Value::Null),
        };
        assert_eq!(stores[0]["kind"], kind);
        assert_eq!(stores[0]["name"], name);
        assert_eq!(stores[0]["namespace"], namespace);
    }
    let prod = &report["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["environment"] == "prod")
        .unwrap()["secretStores"][0]["remoteKeys"];
    let prod = prod
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["secret"] == "users-db")
        .unwrap();
    assert_eq!(prod["key"], "shop/prod/users-db");
    assert_eq!(prod["properties"], serde_json::json!(["token", "url"]));
    // The Elasticsearch password is fluentd's, not a service's: still listed.
    repo.kiln(&["prereqs", "prod"])
        .success()
        .stdout_has("the ClusterSecretStore `vault` (External Secrets Operator)")
        .stdout_has("shop-logs in shop-prod-logging");
}

#[test]
fn external_secrets_mistakes_are_located_all_at_once() {
    let text = shop()
        .replace(
            "external_secrets = { store = \"vault\" }",
            "external_secrets = { store = \"Vault_1\", path = \"{project}/{environment}/{secret}\" }",
        )
        .replace(
            "path = \"dev-{secret}\"",
            "path = \"dev-secrets\"",
        );
    let repo = Repo::with_config(&text);
    let before = repo.files();
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`Vault_1` in `project.external_secrets.store` is not a Kubernetes object name")
        .stderr_has("has a placeholder other than `{project}`, `{env}` and `{secret}`")
        .stderr_has("`dev-secrets` in `environments.dev.external_secrets.path` has no `{secret}`")
        .stderr_has("kiln.toml:")
        .stderr_has("3 problems");
    repo.assert_untouched(&before);
    // A table of an environment with no store anywhere.
    let text = shop()
        .replace("external_secrets = { store = \"vault\" }\n", "")
        .replace(
            "[environments.staging]\n",
            "[environments.staging]\nexternal_secrets = { path = \"{secret}\" }\n",
        );
    Repo::with_config(&text)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has(
            "`environments.staging.external_secrets` names no `store` for environment `staging`",
        );
}

#[test]
fn a_collector_is_told_to_every_pod_and_reachable() {
    let repo = built(&shop());
    for (path, version) in [
        ("deploy/prod/services/users/deployment.yaml", "1.4.2"),
        ("deploy/prod/services/users/deployment-canary.yaml", "1.5.0"),
        ("deploy/dev/services/orders/deployment.yaml", "2.1.0-rc.1"),
    ] {
        let object = repo.yaml(path);
        let env: BTreeMap<String, String> =
            object["spec"]["template"]["spec"]["containers"][0]["env"]
                .as_sequence()
                .unwrap()
                .iter()
                .filter(|v| v["value"].is_string())
                .map(|v| (string(&v["name"]), string(&v["value"])))
                .collect();
        let environment = path.split('/').nth(1).unwrap();
        let service = path.split('/').nth(3).unwrap();
        assert_eq!(env["OTEL_SERVICE_NAME"], service, "{path}");
        assert_eq!(
            env["OTEL_EXPORTER_OTLP_ENDPOINT"],
            "http://otel-collector.observability:4317"
        );
        assert_eq!(env["OTEL_EXPORTER_OTLP_PROTOCOL"], "grpc");
        assert_eq!(
            env["OTEL_RESOURCE_ATTRIBUTES"],
            format!("deployment.environment={environment},service.version={version}")
        );
    }
    // The cronjob's pods too.
    let job = repo.read("deploy/prod/services/nightly-report/cronjob.yaml");
    assert!(job.contains("OTEL_SERVICE_NAME"), "{job}");
    // Every pod may reach the collector's namespace on its port, and no other.
    let policy = repo.yaml("deploy/prod/namespace/networkpolicy-default-deny.yaml");
    let rules = policy["spec"]["egress"].as_sequence().unwrap();
    let to_collector: Vec<&Value> = rules
        .iter()
        .filter(|r| {
            r["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"].as_str()
                == Some("observability")
        })
        .collect();
    assert_eq!(to_collector.len(), 1);
    assert_eq!(to_collector[0]["ports"][0]["port"].as_u64(), Some(4317));
    assert!(to_collector[0]["to"][0].get("podSelector").is_none());
    // The sidecars' spans go to the provider the mesh config must define.
    let telemetry = repo.yaml("deploy/prod/mesh/telemetry.yaml");
    assert_eq!(
        telemetry["spec"]["tracing"][0]["providers"][0]["name"].as_str(),
        Some("otel-tracing")
    );
    assert_eq!(
        telemetry["spec"]["tracing"][0]["randomSamplingPercentage"].as_f64(),
        Some(0.5)
    );
    repo.kiln(&["prereqs", "prod"])
        .success()
        .stdout_has("extension provider `otel-tracing`");
}

#[test]
fn a_collector_outside_the_cluster_form_is_refused_at_its_key() {
    for bad in [
        "otel-collector:4317",
        "otel-collector.observability",
        "otel-collector.observability:0",
        "otel-collector.observability:70000",
        "https://otel-collector.observability:4317",
        "otel.example.com:4317",
    ] {
        let text = shop().replace(
            "collector = \"otel-collector.observability:4317\"",
            &format!("collector = \"{bad}\""),
        );
        Repo::with_config(&text)
            .kiln(&["check"])
            .fails_with(2)
            .stderr_has(&format!(
                "`{bad}` in `project.tracing.collector` is not a collector in the cluster"
            ))
            .stderr_has("kiln.toml:");
    }
    let text = shop().replace(
        "collector = \"otel-collector.observability:4317\"",
        "collector = \"otel-collector.observability.svc.cluster.local:4318\"",
    );
    let repo = built(&text);
    assert!(
        repo.read("deploy/prod/services/users/deployment.yaml")
            .contains("http/protobuf")
    );
}
