//! What the platform around the app gets from kiln: retries that are safe
//! for any method, an ingress gateway found wherever it is installed, and
//! nothing that advertises metrics when monitoring is off.

use crate::{Repo, STARTER, built};
use serde_yaml::Value;

/// The retry conditions where Envoy knows the request never reached the app.
const SAFE: [&str; 3] = ["connect-failure", "refused-stream", "reset-before-request"];

/// Every HTTP route of every VirtualService kiln wrote.
fn routes(repo: &Repo) -> Vec<(String, Value)> {
    let mut found = Vec::new();
    for (path, text) in repo.manifests() {
        let object: Value = serde_yaml::from_str(&text).unwrap();
        if object["kind"] == "VirtualService" {
            for route in object["spec"]["http"].as_sequence().unwrap() {
                found.push((path.clone(), route.clone()));
            }
        }
    }
    found
}

fn starter_with_canary() -> String {
    STARTER.replace(
        "route = \"/api\"\n",
        "route = \"/api\"\ncanary = { version = \"0.2.0\", weight = 10 }\n",
    )
}

#[test]
fn default_retries_never_repeat_a_request_the_app_saw() {
    let config = starter_with_canary();
    assert_ne!(config, STARTER, "the starter's canary line moved");
    let repo = built(&config);
    let routes = routes(&repo);
    // The gateway route and the canary split, in each of three environments.
    assert_eq!(routes.len(), 6, "{routes:?}");
    for (path, route) in routes {
        let retries = &route["retries"];
        assert_eq!(retries["attempts"], 3, "{path}");
        let on = retries["retryOn"].as_str().unwrap();
        for condition in on.split(',') {
            assert!(SAFE.contains(&condition), "{path}: `{condition}` in {on}");
        }
        assert_eq!(on.split(',').count(), 3, "{path}");
    }
}

#[test]
fn retries_are_layered_and_can_be_turned_off() {
    let config = format!(
        "{}\n[services.api.environments.staging]\nretries = {{ on = [\"connect-failure\"], per_try_timeout = \"2s\" }}\n",
        starter_with_canary()
            .replace("[defaults]\n", "[defaults]\nretries = { attempts = 1 }\n")
            .replace(
                "[environments.prod]\n",
                "[environments.prod]\nretries = false\n"
            )
    );
    let repo = built(&config);
    for file in [
        "mesh/virtualservice.yaml",
        "services/api/virtualservice.yaml",
    ] {
        let retries = |env: &str| {
            repo.yaml(&format!("deploy/{env}/{file}"))["spec"]["http"][0]["retries"].clone()
        };
        // dev: [defaults]; the keys it leaves out are the built-in ones.
        let dev = retries("dev");
        assert_eq!(dev["attempts"], 1, "{file}");
        assert_eq!(dev["retryOn"], SAFE.join(","), "{file}");
        assert!(dev["perTryTimeout"].is_null(), "{file}: {dev:?}");
        // prod: off, said so explicitly, since Istio retries a route that is silent.
        let prod = retries("prod");
        assert_eq!(prod["attempts"], 0, "{file}");
        assert_eq!(prod.as_mapping().unwrap().len(), 1, "{file}: {prod:?}");
        // staging: the service's own table replaces [defaults] as a whole.
        let staging = retries("staging");
        assert_eq!(staging["attempts"], 3, "{file}");
        assert_eq!(staging["retryOn"], "connect-failure", "{file}");
        assert_eq!(staging["perTryTimeout"], "2s", "{file}");
    }
    let explained = |env: &str| {
        repo.kiln(&["explain", env, "api", "retries"])
            .success()
            .stdout
    };
    assert!(
        explained("prod").contains("retries = false  # [environments.prod]"),
        "{}",
        explained("prod")
    );
    assert!(
        explained("dev").contains(
            "retries = { attempts = 1, on = [\"connect-failure\", \"refused-stream\", \"reset-before-request\"] }  # [defaults]"
        ),
        "{}",
        explained("dev")
    );
    assert!(
        explained("staging").contains("# [services.api.environments.staging]"),
        "{}",
        explained("staging")
    );
}

#[test]
fn unsafe_retry_conditions_are_refused_with_the_reason() {
    for condition in ["5xx", "gateway-error", "reset", "unavailable"] {
        let config = STARTER.replace(
            "route = \"/api\"",
            &format!(
                "route = \"/api\"\nretries = {{ on = [\"connect-failure\", \"{condition}\"] }}"
            ),
        );
        let repo = Repo::with_config(&config);
        let run = repo.kiln(&["build"]).fails_with(2);
        assert!(
            run.stderr.starts_with(&format!(
                "error: `services.api.retries.on[1]` cannot be `{condition}`: it retries requests the app may already have acted on\n"
            )),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("a failed POST"), "{}", run.stderr);
        assert!(run.stderr.contains("--> kiln.toml:"), "{}", run.stderr);
        assert!(!repo.exists("deploy"));
    }
    let typo = STARTER.replace(
        "[defaults]\n",
        "[defaults]\nretries = { on = [\"connect-falure\"] }\n",
    );
    Repo::with_config(&typo)
        .kiln(&["check"])
        .fails_with(2)
        .stderr_has("error: `defaults.retries.on[0]` cannot be `connect-falure`")
        .stderr_has("did you mean `connect-failure`?");
    let unknown = STARTER.replace("[defaults]\n", "[defaults]\nretries = { attemps = 1 }\n");
    Repo::with_config(&unknown)
        .kiln(&["check"])
        .fails_with(2)
        .stderr_has("error: unknown key `defaults.retries.attemps`")
        .stderr_has("did you mean `attempts`?");
    let word = STARTER.replace("[defaults]\n", "[defaults]\nretries = \"off\"\n");
    Repo::with_config(&word)
        .kiln(&["check"])
        .fails_with(2)
        .stderr_has("error: wrong value for `defaults.retries`")
        .stderr_has("expected true, false or a table");
}

#[test]
fn retries_problems_are_located_in_every_layer() {
    let config = STARTER
        .replace("[defaults]\n", "[defaults]\nretries = { on = [] }\n")
        .replace(
            "[environments.prod]\n",
            "[environments.prod]\nretries = { attempts = 11, per_try_timeout = \"2 s\" }\n",
        )
        .replace(
            "kind = \"worker\"\n",
            "kind = \"worker\"\nretries = false\n",
        );
    let run = Repo::with_config(&config).kiln(&["check"]).fails_with(2);
    for expected in [
        "error: `defaults.retries.on` is empty\n",
        "write `retries = false` to turn retries off",
        "error: `environments.prod.retries.attempts` must be from 0 to 10, not 11\n",
        "error: `2 s` in `environments.prod.retries.per_try_timeout` is not a duration\n",
        "error: `services.worker.retries` has no effect: the service has no `route` and no `canary`\n",
    ] {
        assert!(
            run.stderr.contains(expected),
            "lacks {expected:?}:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("4 problems in `kiln.toml`"),
        "{}",
        run.stderr
    );
}

/// The pod template annotations of a rendered workload.
fn annotations(repo: &Repo, path: &str) -> serde_yaml::Mapping {
    repo.yaml(path)["spec"]["template"]["metadata"]["annotations"]
        .as_mapping()
        .cloned()
        .unwrap_or_default()
}

fn advertised(annotations: &serde_yaml::Mapping) -> Vec<String> {
    annotations
        .keys()
        .filter_map(Value::as_str)
        .filter(|k| k.starts_with("prometheus.io/"))
        .map(str::to_string)
        .collect()
}

#[test]
fn monitoring_off_advertises_no_metrics() {
    let config = STARTER.replace(
        "[environments.dev]\n",
        "[environments.dev]\nmonitoring = false\n",
    );
    let repo = built(&config);
    // Monitoring on: the app's metrics are advertised, the injector may merge them.
    let staging = annotations(&repo, "deploy/staging/services/api/deployment.yaml");
    assert_eq!(advertised(&staging).len(), 3, "{staging:?}");
    assert!(!staging.contains_key("prometheus.istio.io/merge-metrics"));
    // Monitoring off: no scrape annotation on any pod, and the sidecar injector
    // is told not to add its own for the merged endpoint.
    for path in [
        "deploy/dev/services/api/deployment.yaml",
        "deploy/dev/services/worker/deployment.yaml",
        "deploy/dev/services/db/statefulset.yaml",
    ] {
        let dev = annotations(&repo, path);
        assert!(advertised(&dev).is_empty(), "{path}: {dev:?}");
        assert_eq!(dev["prometheus.istio.io/merge-metrics"], "false", "{path}");
    }
    let cronjob = repo.yaml("deploy/dev/services/report/cronjob.yaml");
    let job = &cronjob["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(job["prometheus.istio.io/merge-metrics"], "false");
    // Nor anything else that points Prometheus at it.
    assert!(!repo.exists("deploy/dev/monitoring"));
    assert!(!repo.exists("deploy/dev/services/api/servicemonitor.yaml"));
    let policy = repo.read("deploy/dev/services/api/authorizationpolicy.yaml");
    assert!(!policy.contains("monitoring"), "{policy}");

    // Without the mesh there is no injector to tell.
    let plain = built(&config.replace(
        "monitoring = false\n",
        "monitoring = false\nmesh = false\ntraffic = \"gateway-api\"\n",
    ));
    let dev = annotations(&plain, "deploy/dev/services/api/deployment.yaml");
    assert!(advertised(&dev).is_empty(), "{dev:?}");
    assert!(
        !dev.contains_key("prometheus.istio.io/merge-metrics"),
        "{dev:?}"
    );
}

/// The starter with the ingress gateway of Istio's Helm chart, in its own
/// namespace, and prod's gateway in yet another.
fn helm_gateway() -> String {
    STARTER
        .replace(
            "ci = [\"github\"]\n",
            "ci = [\"github\"]\n\
             gateway = { namespace = \"istio-ingress\", selector = { istio = \"ingress\" }, service_account = \"istio-ingress\" }\n",
        )
        .replace(
            "[environments.prod]\n",
            "[environments.prod]\ngateway = { namespace = \"edge\" }\n",
        )
}

#[test]
fn the_gateway_is_found_wherever_it_is_installed() {
    let repo = built(&helm_gateway());
    repo.kiln(&["check"]).success();
    for (env, namespace) in [("staging", "istio-ingress"), ("prod", "edge")] {
        let gateway = repo.yaml(&format!("deploy/{env}/mesh/gateway.yaml"));
        assert_eq!(gateway["spec"]["selector"]["istio"], "ingress", "{env}");
        assert_eq!(gateway["spec"]["selector"].as_mapping().unwrap().len(), 1);
        // The routed service admits the gateway's pods, from its namespace...
        let policy = repo.yaml(&format!("deploy/{env}/services/api/networkpolicy.yaml"));
        let from_gateway: Vec<&Value> = policy["spec"]["ingress"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|rule| &rule["from"][0])
            .filter(|peer| peer["podSelector"]["matchLabels"]["istio"] == "ingress")
            .collect();
        assert_eq!(from_gateway.len(), 1, "{env}: {policy:?}");
        assert_eq!(
            from_gateway[0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
            namespace,
            "{env}"
        );
        // ...and its identity.
        let authorization = repo.yaml(&format!(
            "deploy/{env}/services/api/authorizationpolicy.yaml"
        ));
        let principals: Vec<&str> = authorization["spec"]["rules"]
            .as_sequence()
            .unwrap()
            .iter()
            .flat_map(|r| {
                r["from"][0]["source"]["principals"]
                    .as_sequence()
                    .into_iter()
                    .flatten()
            })
            .filter_map(Value::as_str)
            .collect();
        assert!(
            principals.contains(&format!("cluster.local/ns/{namespace}/sa/istio-ingress").as_str()),
            "{env}: {principals:?}"
        );
        assert!(
            !principals
                .iter()
                .any(|p| p.contains("istio-ingressgateway")),
            "{principals:?}"
        );
        // istiod stays where the control plane is.
        let deny = repo.read(&format!(
            "deploy/{env}/namespace/networkpolicy-default-deny.yaml"
        ));
        assert!(
            deny.contains("kubernetes.io/metadata.name: \"istio-system\""),
            "{deny}"
        );
    }
    let explained = repo
        .kiln(&["explain", "prod", "api", "gateway"])
        .success()
        .stdout;
    for line in [
        "gateway.namespace       = \"edge\"",
        "# [environments.prod]",
        "gateway.selector        = { istio = \"ingress\" }",
        "gateway.service_account = \"istio-ingress\"",
        "# [project]",
    ] {
        assert!(explained.contains(line), "lacks {line:?}:\n{explained}");
    }
}

#[test]
fn the_default_gateway_is_istios_default_install() {
    let repo = built(STARTER);
    let gateway = repo.yaml("deploy/prod/mesh/gateway.yaml");
    assert_eq!(gateway["spec"]["selector"]["istio"], "ingressgateway");
    let authorization = repo.read("deploy/prod/services/api/authorizationpolicy.yaml");
    assert!(
        authorization
            .contains("cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"),
        "{authorization}"
    );
    let explained = repo
        .kiln(&["explain", "prod", "api", "gateway.namespace"])
        .success()
        .stdout;
    assert!(
        explained.contains("gateway.namespace = \"istio-system\"  # built-in default"),
        "{explained}"
    );
}

#[test]
fn gateway_settings_are_checked_where_they_are_written() {
    let config = STARTER
        .replace(
            "ci = [\"github\"]\n",
            "ci = [\"github\"]\ngateway = { selector = {}, service_account = \"Istio_Ingress\" }\n",
        )
        .replace(
            "[environments.prod]\n",
            "[environments.prod]\ngateway = { namespace = \"demo-prod\", selector = { \"Bad Key\" = \"ingress\", istio = \"in gress\" } }\n",
        )
        .replace("[environments.dev]\n", "[environments.dev]\nmesh = false\ngateway = { namespace = \"edge\" }\n");
    let run = Repo::with_config(&config).kiln(&["check"]).fails_with(2);
    for expected in [
        "error: `project.gateway.selector` is empty\n",
        "error: `Istio_Ingress` in `project.gateway.service_account` is not a ServiceAccount name\n",
        "error: `environments.prod.gateway.namespace` is `demo-prod`, a namespace kiln writes for environment `prod`\n",
        "default-deny NetworkPolicy would cut the ingress gateway off",
        "error: `Bad Key` in `environments.prod.gateway.selector` is not a Kubernetes label key\n",
        "error: `in gress` in `environments.prod.gateway.selector.istio` cannot be a Kubernetes label value\n",
        "error: `environments.dev.gateway` has no effect: the mesh is off in environment `dev`\n",
        "error: `services.api.route` exposes nothing in `dev`",
    ] {
        assert!(
            run.stderr.contains(expected),
            "lacks {expected:?}:\n{}",
            run.stderr
        );
    }
    assert!(
        run.stderr.contains("7 problems in `kiln.toml`"),
        "{}",
        run.stderr
    );
}
