//! The Istio, Prometheus and Fluentd layers, read back from the files kiln
//! writes: what each object holds, and what the switches turn off.

use crate::{Repo, SMALL, STARTER, built};
use serde_yaml::Value;

const SHOP: &str = include_str!("../examples/shop/kiln.toml");
const QUIET: &str = include_str!("../examples/quiet/kiln.toml");

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn mapping(value: &Value) -> serde_yaml::Mapping {
    value.as_mapping().cloned().unwrap_or_default()
}

#[test]
fn mesh_off_writes_no_istio_object_and_no_injection() {
    // The Gateway API exposes the route without the mesh.
    let config = SMALL.replace(
        "[environments.dev]\n",
        "[environments.dev]\nmesh = false\ntraffic = \"gateway-api\"\n",
    );
    let repo = built(&config);
    let dev: Vec<(String, String)> = repo
        .manifests()
        .into_iter()
        .filter(|(p, _)| p.starts_with("deploy/dev/"))
        .collect();
    for (path, text) in &dev {
        assert!(!text.contains("istio.io/v1"), "{path} is an Istio object");
        assert!(!text.contains("sidecar.istio.io/proxy"), "{path}");
        assert!(!text.contains("15090"), "{path} opens the sidecar port");
    }
    let namespace = repo.yaml("deploy/dev/namespace/namespace.yaml");
    assert!(namespace["metadata"]["labels"]["istio-injection"].is_null());
    let deny = repo.yaml("deploy/dev/namespace/networkpolicy-default-deny.yaml");
    assert_eq!(
        deny["spec"]["egress"].as_sequence().unwrap().len(),
        1,
        "DNS only"
    );
    let users = repo.yaml("deploy/dev/services/users/networkpolicy.yaml");
    let from_mesh = users["spec"]["ingress"]
        .as_sequence()
        .unwrap()
        .iter()
        .any(|r| r["from"][0]["podSelector"]["matchLabels"]["istio"] == "ingressgateway");
    assert!(!from_mesh, "no gateway without the mesh");
    // Without sidecars the quota is smaller: users 1 pod + surge, db 1 pod, 100m each.
    let quota = repo.yaml("deploy/dev/namespace/resourcequota.yaml");
    assert_eq!(quota["spec"]["hard"]["requests.cpu"], "300m");
    // prod keeps the mesh: the environment's switch is its own.
    let prod = repo.yaml("deploy/prod/namespace/namespace.yaml");
    assert_eq!(prod["metadata"]["labels"]["istio-injection"], "enabled");
    assert!(repo.exists("deploy/prod/mesh/peerauthentication.yaml"));
}

#[test]
fn environment_switches_win_over_the_project() {
    let repo = built(QUIET);
    let files: Vec<String> = repo.manifests().into_keys().collect();
    let under = |prefix: &str| files.iter().filter(|p| p.starts_with(prefix)).count();
    assert_eq!(under("deploy/dev/monitoring/"), 0);
    assert_eq!(under("deploy/dev/logging/"), 0);
    assert!(!repo.exists("deploy/dev/services/api/servicemonitor.yaml"));
    assert_eq!(under("deploy/prod/logging/"), 8);
    assert!(repo.exists("deploy/prod/monitoring/prometheusrule.yaml"));
    assert!(repo.exists("deploy/prod/services/api/servicemonitor.yaml"));
    assert_eq!(under("deploy/prod/mesh/"), 0);
    // Monitoring off: the metrics port is closed to Prometheus too.
    let api_dev = repo.yaml("deploy/dev/services/api/networkpolicy.yaml");
    assert!(
        api_dev["spec"]["ingress"].is_null(),
        "nobody calls api in dev"
    );
    let api_prod = repo.yaml("deploy/prod/services/api/networkpolicy.yaml");
    assert_eq!(
        api_prod["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
        "monitoring"
    );
}

#[test]
fn canary_runs_beside_stable_and_never_adopts_its_pods() {
    let repo = built(SHOP);
    let stable = repo.yaml("deploy/prod/services/users/deployment.yaml");
    let canary = repo.yaml("deploy/prod/services/users/deployment-canary.yaml");
    assert_eq!(canary["metadata"]["name"], "users-canary");
    let image = &canary["spec"]["template"]["spec"]["containers"][0]["image"];
    assert_eq!(image, "ghcr.io/acme/shop/users:1.5.0");
    assert_eq!(
        canary["spec"]["template"]["metadata"]["labels"]["version"],
        "1.5.0"
    );
    let stable_selector = mapping(&stable["spec"]["selector"]["matchLabels"]);
    let canary_selector = mapping(&canary["spec"]["selector"]["matchLabels"]);
    assert_eq!(stable_selector.get("track"), Some(&Value::from("stable")));
    assert_eq!(canary_selector.get("track"), Some(&Value::from("canary")));
    let selects = |selector: &serde_yaml::Mapping, pods: &Value| {
        let labels = mapping(&pods["spec"]["template"]["metadata"]["labels"]);
        selector.iter().all(|(k, v)| labels.get(k) == Some(v))
    };
    assert!(selects(&stable_selector, &stable) && selects(&canary_selector, &canary));
    assert!(!selects(&stable_selector, &canary) && !selects(&canary_selector, &stable));
    // The Service spans both tracks.
    let service = repo.yaml("deploy/prod/services/users/service.yaml");
    let service_selector = mapping(&service["spec"]["selector"]);
    assert!(!service_selector.contains_key("track"));
    assert!(selects(&service_selector, &stable) && selects(&service_selector, &canary));
    // Subsets by track, matching the real pod labels.
    let rule = repo.yaml("deploy/prod/services/users/destinationrule.yaml");
    for (subset, pods) in [(0, &stable), (1, &canary)] {
        let labels = mapping(&rule["spec"]["subsets"][subset]["labels"]);
        assert!(selects(&labels, pods), "subset {subset}");
    }
    assert!(!repo.exists("deploy/prod/services/orders/deployment-canary.yaml"));
    // The quota has room for the canary pod and its surge pod, each with a
    // sidecar: users 5+1 (its own `replicas = 5` beats the environment's
    // autoscaler), canary 1+1, orders 10+1, cache 1, report 1; 350m each.
    let quota = repo.yaml("deploy/prod/namespace/resourcequota.yaml");
    assert_eq!(quota["spec"]["hard"]["pods"], "21");
    assert_eq!(quota["spec"]["hard"]["requests.cpu"], "7350m");
}

#[test]
fn canary_weights_always_sum_to_100_and_follow_the_environment() {
    let repo = built(SHOP);
    for (env, canary_weight) in [("prod", 10), ("dev", 50)] {
        for file in [
            "services/users/virtualservice.yaml",
            "mesh/virtualservice.yaml",
        ] {
            let vs = repo.yaml(&format!("deploy/{env}/{file}"));
            // The default route, after those of `routes`.
            let http = vs["spec"]["http"].as_sequence().unwrap();
            let default = http.iter().find(|r| r["name"].as_str() == Some("users"));
            let route = &default.unwrap()["route"];
            let weights: Vec<u64> = route
                .as_sequence()
                .unwrap()
                .iter()
                .map(|d| d["weight"].as_u64().unwrap())
                .collect();
            assert_eq!(
                weights,
                [100 - canary_weight, canary_weight],
                "{env} {file}"
            );
            assert_eq!(route[0]["destination"]["subset"], "stable");
            assert_eq!(route[1]["destination"]["subset"], "canary");
        }
    }
    let inside = repo.yaml("deploy/prod/services/users/virtualservice.yaml");
    assert_eq!(
        strings(&inside["spec"]["hosts"]),
        ["users.shop-prod.svc.cluster.local"]
    );
    assert!(
        inside["spec"]["gateways"].is_null(),
        "the mesh, not the gateway"
    );
}

#[test]
fn the_gateway_serves_https_and_redirects_http() {
    let repo = built(STARTER);
    let gateway = repo.yaml("deploy/prod/mesh/gateway.yaml");
    let servers = gateway["spec"]["servers"].as_sequence().unwrap();
    assert_eq!(servers[0]["port"]["number"], 80);
    assert_eq!(servers[0]["tls"]["httpsRedirect"], true);
    assert_eq!(servers[1]["port"]["number"], 443);
    assert_eq!(servers[1]["port"]["protocol"], "HTTPS");
    assert_eq!(servers[1]["tls"]["mode"], "SIMPLE");
    assert_eq!(servers[1]["tls"]["credentialName"], "demo-prod-tls");
    assert_eq!(strings(&servers[1]["hosts"]), ["demo.example.com"]);
    assert_eq!(gateway["spec"]["selector"]["istio"], "ingressgateway");
    // dev has no domain: a name that resolves to this machine.
    let dev = repo.yaml("deploy/dev/mesh/gateway.yaml");
    assert_eq!(
        strings(&dev["spec"]["servers"][0]["hosts"]),
        ["dev.demo.localhost"]
    );
}

#[test]
fn gateway_routes_go_longest_prefix_first_with_timeouts_and_retries() {
    let config = format!(
        "{STARTER}\n[services.admin]\nlanguage = \"go\"\nversion = \"1.0.0\"\nport = 8080\nroute = \"/api/admin\"\n\
         timeout = \"30s\"\nretries = {{ attempts = 0 }}\n"
    );
    let repo = built(&config);
    let vs = repo.yaml("deploy/staging/mesh/virtualservice.yaml");
    assert_eq!(strings(&vs["spec"]["gateways"]), ["ingress"]);
    let routes = vs["spec"]["http"].as_sequence().unwrap();
    let prefixes: Vec<&str> = routes
        .iter()
        .map(|r| r["match"][0]["uri"]["prefix"].as_str().unwrap())
        .collect();
    assert_eq!(prefixes, ["/api/admin", "/api"]);
    assert_eq!(routes[0]["timeout"], "30s");
    assert_eq!(routes[0]["retries"]["attempts"], 0);
    assert!(routes[0]["retries"]["retryOn"].is_null());
    assert_eq!(routes[1]["timeout"], "15s");
    assert_eq!(routes[1]["retries"]["attempts"], 3);
    // No per-try timeout of kiln's own: a try that timed out is never
    // retried, so a shorter one would only fail slow requests early.
    assert!(routes[1]["retries"]["perTryTimeout"].is_null());
    assert_eq!(
        routes[1]["retries"]["retryOn"],
        "connect-failure,refused-stream,reset-before-request"
    );
    assert_eq!(
        routes[1]["route"][0]["destination"]["host"],
        "api.demo-staging.svc.cluster.local"
    );
    assert_eq!(routes[1]["route"][0]["destination"]["port"]["number"], 8080);
}

#[test]
fn destination_rules_use_mesh_tls_pools_and_ejection_with_overrides() {
    let repo = built(SHOP);
    let cache = repo.yaml("deploy/prod/services/cache/destinationrule.yaml");
    let policy = &cache["spec"]["trafficPolicy"];
    assert_eq!(policy["tls"]["mode"], "ISTIO_MUTUAL");
    assert_eq!(policy["connectionPool"]["tcp"]["maxConnections"], 100);
    assert_eq!(policy["outlierDetection"]["consecutive5xxErrors"], 5);
    assert_eq!(policy["outlierDetection"]["interval"], "10s");
    assert_eq!(policy["outlierDetection"]["baseEjectionTime"], "30s");
    assert!(cache["spec"]["subsets"].is_null(), "no canary, no subsets");
    let orders = repo.yaml("deploy/prod/services/orders/destinationrule.yaml");
    let policy = &orders["spec"]["trafficPolicy"];
    assert_eq!(policy["connectionPool"]["tcp"]["maxConnections"], 50);
    assert_eq!(policy["connectionPool"]["http"]["http2MaxRequests"], 500);
    assert_eq!(
        policy["connectionPool"]["http"]["http1MaxPendingRequests"],
        100
    );
    assert_eq!(policy["outlierDetection"]["consecutive5xxErrors"], 3);
    assert_eq!(policy["outlierDetection"]["baseEjectionTime"], "1m");
    assert!(!repo.exists("deploy/prod/services/nightly-report/destinationrule.yaml"));
}

#[test]
fn peer_authentication_follows_the_environment_mtls() {
    let repo = built(STARTER);
    let dev = repo.yaml("deploy/dev/mesh/peerauthentication.yaml");
    assert_eq!(dev["metadata"]["name"], "default");
    assert_eq!(dev["spec"]["mtls"]["mode"], "PERMISSIVE");
    assert!(dev["spec"]["selector"].is_null(), "the whole namespace");
    let prod = repo.yaml("deploy/prod/mesh/peerauthentication.yaml");
    assert_eq!(prod["spec"]["mtls"]["mode"], "STRICT");
    // Under STRICT the metrics port alone takes plain text from Prometheus.
    let api = repo.yaml("deploy/prod/services/api/peerauthentication.yaml");
    assert_eq!(api["spec"]["mtls"]["mode"], "STRICT");
    assert_eq!(api["spec"]["portLevelMtls"]["8080"]["mode"], "PERMISSIVE");
    assert_eq!(
        api["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"],
        "api"
    );
    assert!(
        !repo.exists("deploy/dev/services/api/peerauthentication.yaml"),
        "already permissive"
    );
}

/// The `from` sources of every rule, flattened to `kind:value` strings.
fn sources(policy: &Value) -> Vec<Vec<String>> {
    policy["spec"]["rules"]
        .as_sequence()
        .into_iter()
        .flatten()
        .map(|rule| {
            let mut out = Vec::new();
            for source in rule["from"].as_sequence().unwrap() {
                for (kind, values) in source["source"].as_mapping().unwrap() {
                    for value in strings(values) {
                        out.push(format!("{}:{value}", kind.as_str().unwrap()));
                    }
                }
            }
            out
        })
        .collect()
}

#[test]
fn authorization_follows_the_call_graph() {
    let repo = built(STARTER);
    let db = repo.yaml("deploy/prod/services/db/authorizationpolicy.yaml");
    assert_eq!(db["spec"]["action"], "ALLOW");
    assert_eq!(
        sources(&db),
        [[
            "principals:cluster.local/ns/demo-prod/sa/api",
            "principals:cluster.local/ns/demo-prod/sa/report",
            "principals:cluster.local/ns/demo-prod/sa/worker",
        ]]
    );
    assert_eq!(
        strings(&db["spec"]["rules"][0]["to"][0]["operation"]["ports"]),
        ["5432"]
    );
    let api = repo.yaml("deploy/prod/services/api/authorizationpolicy.yaml");
    assert_eq!(
        sources(&api),
        [
            vec![
                "principals:cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"
            ],
            vec!["namespaces:monitoring", "notPrincipals:*"],
        ]
    );
    let metrics = &api["spec"]["rules"][1]["to"][0]["operation"];
    assert_eq!(strings(&metrics["methods"]), ["GET"]);
    assert_eq!(strings(&metrics["paths"]), ["/metrics"]);
    // Nobody calls the worker and it has no route: only monitoring gets in.
    let worker = repo.yaml("deploy/prod/services/worker/authorizationpolicy.yaml");
    assert_eq!(
        sources(&worker),
        [["namespaces:monitoring", "notPrincipals:*"]]
    );
    // A job with no metrics admits nothing at all.
    let report = repo.yaml("deploy/prod/services/report/authorizationpolicy.yaml");
    assert!(report["spec"]["rules"].is_null());
    // Where mTLS is permissive anyway, no plain-text exception is needed.
    let api_dev = repo.yaml("deploy/dev/services/api/authorizationpolicy.yaml");
    assert_eq!(sources(&api_dev)[1], ["namespaces:monitoring"]);
}

#[test]
fn monitors_scrape_a_named_port_that_exists() {
    let repo = built(SHOP);
    let monitor = repo.yaml("deploy/prod/services/users/servicemonitor.yaml");
    let endpoint = &monitor["spec"]["endpoints"][0];
    assert_eq!(endpoint["port"], "http-metrics");
    assert_eq!(endpoint["path"], "/metrics");
    assert_eq!(endpoint["interval"], "15s");
    let service = repo.yaml("deploy/prod/services/users/service.yaml");
    let port = service["spec"]["ports"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "http-metrics")
        .expect("the Service has the scraped port");
    assert_eq!(port["port"], 9090);
    let selector = mapping(&monitor["spec"]["selector"]["matchLabels"]);
    let labels = mapping(&service["metadata"]["labels"]);
    assert!(selector.iter().all(|(k, v)| labels.get(k) == Some(v)));
    assert_eq!(
        strings(&monitor["spec"]["namespaceSelector"]["matchNames"]),
        ["shop-prod"]
    );
    // The headless twin is excluded by a label only it carries.
    assert_eq!(
        monitor["spec"]["selector"]["matchExpressions"][0]["key"],
        "service.kubernetes.io/headless"
    );
    let headless = repo.yaml("deploy/prod/services/cache/service-headless.yaml");
    assert_eq!(
        headless["metadata"]["labels"]["service.kubernetes.io/headless"],
        ""
    );
    assert!(
        !repo.exists("deploy/prod/services/cache/servicemonitor.yaml"),
        "metrics off"
    );
    // A worker has no Service: its pods are monitored directly.
    let starter = built(STARTER);
    let worker = starter.yaml("deploy/dev/services/worker/podmonitor.yaml");
    assert_eq!(worker["kind"], "PodMonitor");
    assert_eq!(worker["spec"]["podMetricsEndpoints"][0]["port"], "http");
    assert_eq!(worker["spec"]["podMetricsEndpoints"][0]["interval"], "30s");
}

/// Every alert of a PrometheusRule, by name.
fn alerts(rule: &Value) -> Vec<(String, Value)> {
    rule["spec"]["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().unwrap().iter())
        .map(|r| (r["alert"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

#[test]
fn alerts_page_in_prod_and_file_tickets_elsewhere() {
    let repo = built(SHOP);
    let prod = alerts(&repo.yaml("deploy/prod/monitoring/prometheusrule.yaml"));
    let dev = alerts(&repo.yaml("deploy/dev/monitoring/prometheusrule.yaml"));
    let names: Vec<&str> = prod.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "HighErrorRatio",
            "HighLatencyP99",
            "PodCrashLooping",
            "DeploymentReplicasUnavailable",
            "StatefulSetReplicasNotReady",
            "VolumeNearlyFull",
        ]
    );
    for (name, rule) in &prod {
        assert_eq!(rule["labels"]["severity"], "page", "{name}");
        assert!(
            rule["expr"].as_str().unwrap().contains("\"shop-prod\""),
            "{name}"
        );
    }
    for (name, rule) in &dev {
        assert_eq!(rule["labels"]["severity"], "ticket", "{name}");
    }
    let expr = |set: &[(String, Value)], name: &str| {
        set.iter().find(|(n, _)| n == name).unwrap().1["expr"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(expr(&prod, "HighErrorRatio").ends_with("* 100 > 2"));
    assert!(expr(&dev, "HighErrorRatio").ends_with("* 100 > 5"));
    assert!(
        expr(&prod, "HighLatencyP99").ends_with("> 300"),
        "set in kiln.toml"
    );
    assert!(expr(&dev, "HighLatencyP99").ends_with("> 1000"));
    assert!(expr(&prod, "HighLatencyP99").starts_with("histogram_quantile(0.99,"));
    // The HTTP alerts read Istio's metrics, which the sidecars export.
    let sidecars = repo.yaml("deploy/prod/monitoring/podmonitor-sidecars.yaml");
    assert_eq!(
        sidecars["spec"]["podMetricsEndpoints"][0]["port"],
        "http-envoy-prom"
    );
}

#[test]
fn alerts_without_the_mesh_keep_only_what_kubernetes_measures() {
    let repo = built(QUIET);
    let prod = alerts(&repo.yaml("deploy/prod/monitoring/prometheusrule.yaml"));
    let names: Vec<&str> = prod.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "PodCrashLooping",
            "DeploymentReplicasUnavailable",
            "StatefulSetReplicasNotReady",
            "VolumeNearlyFull",
        ]
    );
    let volume = &prod[3].1;
    assert_eq!(volume["labels"]["severity"], "critical");
    assert!(volume["expr"].as_str().unwrap().ends_with("* 100 > 75"));
    assert!(!repo.exists("deploy/prod/monitoring/podmonitor-sidecars.yaml"));
}

#[test]
fn fluentd_runs_in_its_own_namespace_on_every_node() {
    let repo = built(SHOP);
    let namespace = repo.yaml("deploy/prod/logging/namespace.yaml");
    assert_eq!(namespace["metadata"]["name"], "shop-prod-logging");
    let labels = &namespace["metadata"]["labels"];
    assert_eq!(labels["pod-security.kubernetes.io/enforce"], "privileged");
    assert_eq!(labels["istio-injection"], "disabled");
    let daemonset = repo.yaml("deploy/prod/logging/daemonset.yaml");
    let pod = &daemonset["spec"]["template"]["spec"];
    assert_eq!(pod["tolerations"][0]["operator"], "Exists");
    assert_eq!(
        daemonset["spec"]["template"]["metadata"]["labels"]["sidecar.istio.io/inject"],
        "false"
    );
    let container = &pod["containers"][0];
    assert!(container["resources"]["limits"]["memory"].is_string());
    assert_eq!(
        container["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        container["securityContext"]["capabilities"]["drop"][0],
        "ALL"
    );
    let volumes = pod["volumes"].as_sequence().unwrap();
    assert_eq!(volumes[0]["hostPath"]["path"], "/var/log");
    assert_eq!(container["volumeMounts"][0]["readOnly"], true);
    assert_eq!(volumes[1]["hostPath"]["path"], "/var/lib/fluentd/shop-prod");
    // The password comes from a Secret, never from kiln.toml.
    let env = container["env"].as_sequence().unwrap();
    let password = env
        .iter()
        .find(|e| e["name"] == "FLUENT_ELASTICSEARCH_PASSWORD")
        .unwrap();
    assert_eq!(password["valueFrom"]["secretKeyRef"]["name"], "shop-logs");
    let role = repo.yaml("deploy/prod/logging/clusterrole.yaml");
    assert_eq!(
        strings(&role["rules"][0]["resources"]),
        ["pods", "namespaces"]
    );
    assert_eq!(
        strings(&role["rules"][0]["verbs"]),
        ["get", "list", "watch"]
    );
    let binding = repo.yaml("deploy/prod/logging/clusterrolebinding.yaml");
    assert_eq!(binding["subjects"][0]["namespace"], "shop-prod-logging");
    assert_eq!(binding["roleRef"]["name"], role["metadata"]["name"]);
    let policy = repo.yaml("deploy/prod/logging/networkpolicy.yaml");
    assert!(policy["spec"]["ingress"].is_null(), "nothing gets in");
    // Probed on monitor_agent's port, which fluent.conf opens on the pod's
    // address; the kubelet probes from the node, which no NetworkPolicy blocks.
    assert_eq!(container["ports"][0]["name"], "monitor");
    assert_eq!(container["ports"][0]["containerPort"], 24220);
    for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["path"], "/api/plugins.json", "{probe}");
        assert_eq!(get["port"], "monitor", "{probe}");
    }
    let pod_ip = env.iter().find(|e| e["name"] == "POD_IP").unwrap();
    assert_eq!(pod_ip["valueFrom"]["fieldRef"]["fieldPath"], "status.podIP");
    let configmap = repo.yaml("deploy/prod/logging/configmap.yaml");
    let conf = configmap["data"]["fluent.conf"].as_str().unwrap();
    assert!(
        conf.contains(
            "<source>\n  @type monitor_agent\n  @id monitor\n  bind \"#{ENV['POD_IP']}\"\n  port '24220'\n</source>"
        ),
        "{conf}"
    );
    let ports: Vec<u64> = policy["spec"]["egress"][1]["ports"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_u64().unwrap())
        .collect();
    assert_eq!(ports, [443, 6443, 9200], "API server and Elasticsearch");
    let dev_policy = repo.yaml("deploy/dev/logging/networkpolicy.yaml");
    assert_eq!(
        dev_policy["spec"]["egress"][1]["ports"]
            .as_sequence()
            .unwrap()
            .len(),
        2
    );
    // The app namespace's quota is untouched by Fluentd's pods.
    let quota = repo.yaml("deploy/prod/logging/resourcequota.yaml");
    assert_eq!(quota["spec"]["hard"]["count/daemonsets.apps"], "1");
    assert!(quota["spec"]["hard"]["pods"].is_null());
}

#[test]
fn a_logging_namespace_sits_beside_the_kustomization_of_its_environment() {
    let repo = built(SHOP);
    let kustomization = repo.yaml("deploy/prod/kustomization.yaml");
    let resources = strings(&kustomization["resources"]);
    for file in [
        "logging/daemonset.yaml",
        "mesh/gateway.yaml",
        "monitoring/prometheusrule.yaml",
        "services/users/deployment-canary.yaml",
    ] {
        assert!(resources.iter().any(|r| r == file), "{file}");
    }
    let lock = repo.read("kiln.lock");
    assert!(lock.contains("[files.\"deploy/prod/logging/daemonset.yaml\"]"));
}

#[test]
fn turning_a_layer_off_deletes_its_files() {
    let repo = built(SHOP);
    assert!(repo.exists("deploy/dev/logging/daemonset.yaml"));
    repo.write(
        "kiln.toml",
        &SHOP.replace(
            "[environments.dev]\n",
            "[environments.dev]\nlogging = false\n",
        ),
    );
    let run = repo.kiln(&["build"]).success();
    assert!(
        run.stdout
            .contains("delete     deploy/dev/logging/daemonset.yaml")
    );
    assert!(!repo.exists("deploy/dev/logging"));
    assert!(repo.exists("deploy/prod/logging/daemonset.yaml"));
}

/// `tracing`: a Telemetry per meshed environment it applies to, its
/// sampling from `[environments.E]` over `[project]` over Istio's default.
#[test]
fn tracing_writes_a_telemetry_per_environment_with_its_sampling() {
    let config = SMALL
        .replace(
            "registry = \"ghcr.io/acme/shop\"\n",
            "registry = \"ghcr.io/acme/shop\"\ntracing = { sampling_percent = 2.5 }\n",
        )
        .replace(
            "[environments.prod]\n",
            "[environments.stage]\n[environments.prod]\ntracing = { sampling_percent = 100 }\n",
        )
        .replace(
            "[environments.stage]\n",
            "[environments.stage]\ntracing = {}\nmesh = true\n",
        );
    let repo = built(&config);
    for (env, percent) in [("dev", 2.5), ("stage", 2.5), ("prod", 100.0)] {
        let telemetry = repo.yaml(&format!("deploy/{env}/mesh/telemetry.yaml"));
        assert_eq!(telemetry["apiVersion"], "telemetry.istio.io/v1");
        assert_eq!(telemetry["kind"], "Telemetry");
        assert_eq!(
            telemetry["metadata"]["namespace"],
            format!("shop-{env}").as_str()
        );
        // No selector: the whole namespace; no provider: the mesh's default.
        assert!(telemetry["spec"]["selector"].is_null());
        let tracing = &telemetry["spec"]["tracing"][0];
        assert!(tracing["providers"].is_null());
        assert_eq!(tracing["randomSamplingPercentage"].as_f64(), Some(percent));
        let kustomization = repo.read(&format!("deploy/{env}/kustomization.yaml"));
        assert!(
            kustomization.contains("\"mesh/telemetry.yaml\""),
            "{kustomization}"
        );
    }
    let run = repo
        .kiln(&["explain", "prod", "users", "tracing"])
        .success();
    assert!(
        run.stdout
            .contains("tracing.sampling_percent = 100  # [environments.prod]\n"),
        "{}",
        run.stdout
    );
    let run = repo.kiln(&["explain", "dev", "users", "tracing"]).success();
    assert!(
        run.stdout
            .contains("tracing.sampling_percent = 2.5  # [project]\n"),
        "{}",
        run.stdout
    );
    // Without a `tracing` table, no Telemetry: Istio's own default stands.
    let plain = built(SMALL);
    assert!(!plain.exists("deploy/dev/mesh/telemetry.yaml"));
}

#[test]
fn tracing_outside_the_range_or_the_mesh_is_refused_at_its_key() {
    let config = SMALL
        .replace(
            "[environments.dev]\n",
            "[environments.dev]\ntracing = { sampling_percent = 150 }\n",
        )
        .replace(
            "[environments.prod]\n",
            "[environments.prod]\nmesh = false\ntraffic = \"gateway-api\"\ntracing = { sampling_percent = nan }\n",
        );
    let repo = Repo::with_config(&config);
    let run = repo.kiln(&["check"]).fails_with(2);
    let run = run
        .stderr_has("error: `environments.dev.tracing.sampling_percent` must be from 0 to 100, not 150\n")
        .stderr_has("--> kiln.toml:7:32\n")
        .stderr_has("error: `environments.prod.tracing.sampling_percent` must be from 0 to 100, not NaN\n")
        .stderr_has(
            "error: `environments.prod.tracing` has no effect: the mesh is off in environment `prod`\n",
        );
    assert!(
        run.stderr.contains("3 problems in `kiln.toml`"),
        "{}",
        run.stderr
    );
    assert!(!repo.exists("deploy"));
    let project_wide = format!(
        "{}\n",
        SMALL.replace(
            "registry = \"ghcr.io/acme/shop\"\n",
            "registry = \"ghcr.io/acme/shop\"\nmesh = false\ntraffic = \"gateway-api\"\ntracing = { sampling_percent = 1 }\n",
        )
    );
    Repo::with_config(&project_wide)
        .kiln(&["check"])
        .fails_with(2)
        .stderr_has(
            "error: `project.tracing` has no effect: the mesh is off in every environment\n",
        );
    Repo::with_config(&SMALL.replace(
        "[environments.dev]\n",
        "[environments.dev]\ntracing = { sampling = 1 }\n",
    ))
    .kiln(&["check"])
    .fails_with(2)
    .stderr_has("unknown key `environments.dev.tracing.sampling`")
    .stderr_has("did you mean `sampling_percent`?");
}
