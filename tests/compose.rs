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
    value.as_str().map(str::to_string).unwrap_or_else(|| {
        serde_yaml::to_string(value).unwrap().trim().to_string()
    })
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
            assert!(services(&compose).contains_key(companion.as_str()), "{companion}");
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
            assert_eq!(&test[test.len() - 2..], [service.to_string(), port.to_string()]);
        }
        assert_eq!(
            string(&check["interval"]),
            format!("{}s", probe["periodSeconds"].as_u64().unwrap())
        );
        assert_eq!(
            string(&check["timeout"]),
            format!("{}s", probe["timeoutSeconds"].as_u64().unwrap())
        );
        assert_eq!(check["retries"].as_u64(), probe["failureThreshold"].as_u64());
        assert_eq!(string(&companion["depends_on"][service]["condition"]), "service_started");
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
            assert!(hosts.insert(port["published"].as_u64().unwrap()), "{name:?}");
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
        Some("${USERS_DB__URL:?set USERS_DB__URL in .env.local and run docker compose --env-file .env.local}")
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
    repo.write(".env.local", "USERS_DB__URL=postgres://me@localhost/users\n");
    repo.kiln(&["build"]).success();
    repo.write("kiln.toml", &shop().replace("LOG_LEVEL = \"info\"", "LOG_LEVEL = \"debug\""));
    repo.kiln(&["build"]).success();
    assert_eq!(repo.read(".env.local"), "USERS_DB__URL=postgres://me@localhost/users\n");
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
    repo.write("kiln.toml", &shop().replace("local = \"compose\"\n", ""));
    repo.kiln(&["build"]).success();
    assert!(!repo.exists("compose.yaml"));
    assert!(repo.exists(".env.local"), "never kiln's to delete");
}

#[test]
fn local_env_mistakes_are_located_all_at_once() {
    let text = shop().replace(
        "local = \"compose\"\n",
        "local = \"compose\"\nlocal_env = \"deve\"\n",
    );
    let repo = Repo::with_config(&text);
    let before = repo.files();
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("unknown environment `deve` in `project.local_env`")
        .stderr_has("did you mean `dev`?")
        .stderr_has("kiln.toml:");
    repo.assert_untouched(&before);

    let text = include_str!("../examples/shop/kiln.toml")
        .replace("local = \"compose\"\n", "")
        .replace("team = \"commerce\"\n", "team = \"commerce\"\nlocal_env = \"prod\"\n")
        .replace("version = \"0.3.0\"", "version = \"0.3.0\"\ncalls = [\"ordrs\"]");
    Repo::with_config(&text)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`project.local_env` has no effect without `project.local`")
        .stderr_has("did you mean `orders`?");

    // `dev` is the default: a project without one must say which.
    let text = shop().replace("[environments.dev]", "[environments.qa]");
    Repo::with_config(&text)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("unknown environment `dev` in `project.local`");
}
