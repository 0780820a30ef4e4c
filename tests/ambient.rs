//! Istio ambient mode (`mesh_mode`) and egress to named hosts, through the
//! binary on examples/payments and small configs made for each rule.

use crate::{Repo, built};

const PAYMENTS: &str = include_str!("../examples/payments/kiln.toml");

/// The YAML of a generated file, read back.
fn yaml(repo: &Repo, path: &str) -> serde_yaml::Value {
    serde_yaml::from_str(&repo.read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A config with two services, `web` calling `api`, in the mode given.
fn two_services(mode: &str) -> String {
    format!(
        r#"
[project]
name = "duo"
registry = "ghcr.io/acme/duo"
mesh_mode = "{mode}"

[environments.prod]

[services.web]
language = "node"
version = "1.0.0"
port = 8080
route = "/"
calls = ["api"]
cpu = "250m"
memory = "256Mi"

[services.api]
language = "go"
version = "2.0.0"
port = 9000
metrics = "/metrics"
cpu = "250m"
memory = "256Mi"
"#
    )
}

#[test]
fn an_ambient_namespace_is_captured_by_ztunnel_and_uses_its_waypoint() {
    let repo = built(PAYMENTS);
    let labels = &yaml(&repo, "deploy/prod/namespace/namespace.yaml")["metadata"]["labels"];
    assert_eq!(labels["istio.io/dataplane-mode"], "ambient");
    assert_eq!(labels["istio.io/use-waypoint"], "waypoint");
    assert!(labels.get("istio-injection").is_none(), "{labels:?}");
    // dev says `mesh_mode = "sidecar"` and keeps injection.
    let dev = &yaml(&repo, "deploy/dev/namespace/namespace.yaml")["metadata"]["labels"];
    assert_eq!(dev["istio-injection"], "enabled");
    assert!(dev.get("istio.io/dataplane-mode").is_none());
    assert!(!repo.exists("deploy/dev/mesh/waypoint.yaml"));

    let waypoint = yaml(&repo, "deploy/prod/mesh/waypoint.yaml");
    assert_eq!(waypoint["apiVersion"], "gateway.networking.k8s.io/v1");
    assert_eq!(waypoint["kind"], "Gateway");
    assert_eq!(waypoint["metadata"]["name"], "waypoint");
    assert_eq!(waypoint["metadata"]["namespace"], "payments-prod");
    assert_eq!(waypoint["spec"]["gatewayClassName"], "istio-waypoint");
    let listener = &waypoint["spec"]["listeners"][0];
    assert_eq!(
        (&listener["port"], &listener["protocol"]),
        (&15008.into(), &"HBONE".into())
    );

    // The waypoint's pods live under the namespace's default-deny: HBONE in and out.
    let policy = yaml(&repo, "deploy/prod/mesh/networkpolicy-waypoint.yaml");
    assert_eq!(
        policy["spec"]["podSelector"]["matchLabels"]["gateway.networking.k8s.io/gateway-name"],
        "waypoint"
    );
    assert_eq!(policy["spec"]["ingress"][0]["ports"][0]["port"], 15008);
    assert_eq!(policy["spec"]["egress"][0]["ports"][0]["port"], 15008);
    repo.kiln(&["check"]).success();
}

#[test]
fn calls_bind_to_the_service_and_ztunnel_admits_only_the_waypoint() {
    let repo = built(PAYMENTS);
    let policy = yaml(
        &repo,
        "deploy/prod/services/ledger/authorizationpolicy.yaml",
    );
    let spec = &policy["spec"];
    assert!(spec.get("selector").is_none(), "{spec:?}");
    let target = &spec["targetRefs"][0];
    assert_eq!(
        (&target["kind"], &target["group"], &target["name"]),
        (&"Service".into(), &"".into(), &"ledger".into())
    );
    let principals = &spec["rules"][0]["from"][0]["source"]["principals"];
    assert_eq!(
        principals,
        &serde_yaml::to_value([
            "cluster.local/ns/payments-prod/sa/api",
            "cluster.local/ns/payments-prod/sa/settle",
        ])
        .unwrap()
    );
    assert_eq!(spec["rules"].as_sequence().unwrap().len(), 1);

    let ztunnel = yaml(
        &repo,
        "deploy/prod/services/ledger/authorizationpolicy-ztunnel.yaml",
    );
    let spec = &ztunnel["spec"];
    assert_eq!(ztunnel["metadata"]["name"], "ledger-ztunnel");
    assert_eq!(
        spec["selector"]["matchLabels"]["app.kubernetes.io/name"],
        "ledger"
    );
    let rules = spec["rules"].as_sequence().unwrap();
    assert_eq!(
        rules[0]["from"][0]["source"]["principals"][0],
        "cluster.local/ns/payments-prod/sa/waypoint"
    );
    // L4 only: a method or path in a ztunnel policy would make the rule admit nothing.
    let text = repo.read("deploy/prod/services/ledger/authorizationpolicy-ztunnel.yaml");
    assert!(
        !text.contains("methods:") && !text.contains("paths:"),
        "{text}"
    );
    assert!(
        text.contains("\"monitoring\""),
        "Prometheus keeps its rule:\n{text}"
    );
    // The routed api admits the ingress gateway at ztunnel, where it arrives.
    let api = repo.read("deploy/prod/services/api/authorizationpolicy-ztunnel.yaml");
    assert!(
        api.contains("cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"),
        "{api}"
    );
    // In dev (sidecars) the policy is the selector one, with the metrics path.
    let dev = repo.read("deploy/dev/services/ledger/authorizationpolicy.yaml");
    assert!(dev.contains("selector:") && dev.contains("paths:"), "{dev}");
    assert!(!repo.exists("deploy/dev/services/ledger/authorizationpolicy-ztunnel.yaml"));
}

#[test]
fn network_policies_carry_hbone_through_the_waypoint() {
    let repo = built(PAYMENTS);
    let ledger = yaml(&repo, "deploy/prod/services/ledger/networkpolicy.yaml");
    let from_waypoint = &ledger["spec"]["ingress"][0];
    assert_eq!(
        from_waypoint["from"][0]["podSelector"]["matchLabels"]["gateway.networking.k8s.io/gateway-name"],
        "waypoint"
    );
    assert_eq!(from_waypoint["ports"][0]["port"], 15008);
    let settle = repo.read("deploy/prod/services/settle/networkpolicy.yaml");
    assert!(
        settle.contains("gateway.networking.k8s.io/gateway-name: \"waypoint\"")
            && settle.contains("port: 15008"),
        "{settle}"
    );
    // ztunnel SNATs the kubelet's probes to a link-local address: admitted on the probed port.
    let probes = ledger["spec"]["ingress"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|rule| rule["from"][0]["ipBlock"]["cidr"] == "169.254.7.127/32")
        .unwrap_or_else(|| panic!("{ledger:?}"));
    assert_eq!(probes["ports"][0]["port"], 8000);
    assert!(
        !repo
            .read("deploy/dev/services/ledger/networkpolicy.yaml")
            .contains("169.254.7.127")
    );
    // With sidecars the caller goes to the callee's pods and port.
    let dev = repo.read("deploy/dev/services/settle/networkpolicy.yaml");
    assert!(
        dev.contains("port: 8000") && !dev.contains("15008"),
        "{dev}"
    );
}

#[test]
fn ambient_pods_have_no_sidecar_and_the_quota_counts_the_waypoint_instead() {
    let sidecar = built(&two_services("sidecar"));
    let ambient = built(&two_services("ambient"));
    let deployment = ambient.read("deploy/prod/services/web/deployment.yaml");
    assert!(!deployment.contains("sidecar.istio.io"), "{deployment}");
    assert!(
        sidecar
            .read("deploy/prod/services/web/deployment.yaml")
            .contains("sidecar.istio.io/proxyCPU")
    );
    let hard = |repo: &Repo| {
        yaml(repo, "deploy/prod/namespace/resourcequota.yaml")["spec"]["hard"].clone()
    };
    // Two services at 1 replica + 1 surge pod each: 4 pods of 250m / 256Mi.
    // With sidecars each pod adds 100m / 128Mi; ambient adds instead the
    // waypoint's pod and its surge pod at Istio's default 100m / 2 CPU,
    // 128Mi / 1Gi.
    let (s, a) = (hard(&sidecar), hard(&ambient));
    assert_eq!(
        (&s["pods"], &s["requests.cpu"]),
        (&"4".into(), &"1400m".into())
    );
    assert_eq!(a["pods"], "6");
    assert_eq!(a["requests.cpu"], "1200m");
    assert_eq!(a["limits.cpu"], "6");
    assert_eq!(a["requests.memory"], "1280Mi");
    assert_eq!(a["limits.memory"], "4Gi");
    let limits = ambient.read("deploy/prod/namespace/limitrange.yaml");
    assert!(
        limits.contains("cpu: \"2\"") && limits.contains("memory: \"1Gi\""),
        "{limits}"
    );
    // No sidecar metrics port to let Prometheus in to.
    let policy = ambient.read("deploy/prod/services/api/networkpolicy.yaml");
    assert!(!policy.contains("15090"), "{policy}");
    ambient.kiln(&["check"]).success();
}

#[test]
fn an_egress_host_gets_a_service_entry_and_its_port_opened_to_public_addresses() {
    let repo = built(PAYMENTS);
    for env in ["dev", "prod"] {
        let entry = yaml(
            &repo,
            &format!("deploy/{env}/services/api/serviceentry.yaml"),
        );
        assert_eq!(entry["apiVersion"], "networking.istio.io/v1");
        assert_eq!(entry["kind"], "ServiceEntry");
        let spec = &entry["spec"];
        assert_eq!(spec["hosts"][0], "api.stripe.com");
        assert_eq!(spec["location"], "MESH_EXTERNAL");
        assert_eq!(spec["resolution"], "DNS");
        assert_eq!(spec["exportTo"][0], ".");
        assert_eq!(spec["ports"][0]["number"], 443);
        assert_eq!(spec["ports"][0]["protocol"], "TLS");
    }
    let settle = yaml(&repo, "deploy/prod/services/settle/serviceentry.yaml");
    assert_eq!(settle["spec"]["hosts"][0], "sftp.bank.example.com");
    assert_eq!(settle["spec"]["ports"][0]["protocol"], "TCP");
    assert_eq!(settle["spec"]["ports"][0]["name"], "tcp-22");

    let policy = yaml(&repo, "deploy/prod/services/api/networkpolicy.yaml");
    let blocks: Vec<&serde_yaml::Value> = policy["spec"]["egress"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|rule| rule["ports"][0]["port"] == 443)
        .map(|rule| &rule["to"][0]["ipBlock"])
        .collect();
    assert_eq!(blocks.len(), 2, "{policy:?}");
    assert_eq!(blocks[0]["cidr"], "0.0.0.0/0");
    let except: Vec<&str> = blocks[0]["except"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for private in [
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
    ] {
        assert!(except.contains(&private), "{except:?}");
    }
    assert_eq!(blocks[1]["cidr"], "::/0");
    // The CIDR entry stays as it was, and DNS is open to every pod.
    let settle = repo.read("deploy/prod/services/settle/networkpolicy.yaml");
    assert!(settle.contains("cidr: \"198.51.100.0/24\""), "{settle}");
    let deny = repo.read("deploy/prod/namespace/networkpolicy-default-deny.yaml");
    assert!(deny.contains("k8s-app: kube-dns") && deny.contains("port: 53"));
    // Without the mesh, the NetworkPolicy alone.
    let plain = built(
        &PAYMENTS
            .replace("mesh_mode = \"ambient\"", "mesh = false")
            .replace("mesh_mode = \"sidecar\"\n", "")
            // A route without the mesh needs a traffic API that has no mesh.
            .replace("[project]\n", "[project]\ntraffic = \"gateway-api\"\n"),
    );
    assert!(!plain.exists("deploy/prod/services/api/serviceentry.yaml"));
    assert!(
        plain
            .read("deploy/prod/services/api/networkpolicy.yaml")
            .contains("cidr: \"0.0.0.0/0\"")
    );
}

#[test]
fn bad_egress_entries_are_each_located() {
    let config = two_services("sidecar").replace(
        "metrics = \"/metrics\"",
        r#"metrics = "/metrics"
egress = [
  { host = "*.stripe.com", port = 443 },
  { host = "localhost", port = 443 },
  { host = "api.stripe.com", cidr = "203.0.113.0/24", port = 443 },
  { port = 443 },
  { host = "10.0.0.1", port = 443 },
]"#,
    );
    let repo = Repo::with_config(&config);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`*.stripe.com` in `services.api.egress[0].host` is not a host name outside the cluster")
        .stderr_has("wildcards are not accepted")
        .stderr_has("`localhost` in `services.api.egress[1].host`")
        .stderr_has("`services.api.egress[2]` needs exactly one of `cidr` and `host`")
        .stderr_has("`services.api.egress[3]` needs exactly one of `cidr` and `host`")
        .stderr_has("`10.0.0.1` in `services.api.egress[4].host`")
        .stderr_has("kiln.toml:");
    assert!(!repo.exists("deploy"), "nothing is written");
}

#[test]
fn ambient_mode_refuses_what_it_cannot_do_with_a_hint() {
    // A canary in ambient is split through per-track Services: tests/versions.rs.
    let word = two_services("ambiant");
    Repo::with_config(&word)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("mesh_mode");
    let off =
        two_services("ambient").replace("[environments.prod]", "[environments.prod]\nmesh = false");
    Repo::with_config(&off)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`project.mesh_mode` has no effect: the mesh is off in every environment");
}

#[test]
fn explain_says_where_the_mesh_mode_comes_from() {
    let repo = Repo::with_config(PAYMENTS);
    repo.kiln(&["explain", "prod", "api"])
        .success()
        .stdout_has("mesh_mode")
        .stdout_has("\"ambient\"")
        .stdout_has("[project]");
    repo.kiln(&["explain", "dev", "api"])
        .success()
        .stdout_has("\"sidecar\"")
        .stdout_has("[environments.dev]");
}

/// The cross-resource check of a policy's `targetRefs`: an edited file that
/// binds to a Service that does not exist is found.
#[test]
fn a_policy_bound_to_a_missing_service_is_found() {
    let config = kiln::config::load::parse(PAYMENTS).expect("parses");
    assert!(kiln::kinds::validate(&config).is_empty());
    let model = kiln::kinds::resolve(&config).expect("resolves");
    let mut rendered = kiln::render::Renderer::new()
        .unwrap()
        .render(&model)
        .unwrap();
    let clean = kiln::kinds::crosscheck(&rendered, &model);
    assert!(
        clean.is_empty(),
        "{:?}",
        clean.iter().map(|p| &p.message).collect::<Vec<_>>()
    );
    let path = "deploy/prod/services/ledger/authorizationpolicy.yaml";
    let text = rendered.get_mut(path).unwrap();
    assert!(text.contains("      name: \"ledger\""));
    *text = text.replacen("      name: \"ledger\"", "      name: \"ledgr\"", 1);
    let found: Vec<String> = kiln::kinds::crosscheck(&rendered, &model)
        .into_iter()
        .map(|p| p.message)
        .collect();
    assert!(
        found.iter().any(|m| m.contains(
            "AuthorizationPolicy `ledger` targets Service `ledgr`, which is no Service or waypoint here"
        )),
        "{found:?}"
    );
}

#[test]
fn each_egress_host_is_known_to_the_mesh_on_its_own_ports_only() {
    let config = two_services("sidecar").replace(
        "metrics = \"/metrics\"",
        r#"metrics = "/metrics"
egress = [
  { host = "api.stripe.com", port = 443 },
  { host = "db.example.com", port = 5432 },
  { host = "hooks.example.com", port = 443 },
  { host = "db.example.com", port = 443 },
]"#,
    );
    let repo = built(&config);
    let files = [
        "deploy/prod/services/api/serviceentry.yaml",
        "deploy/prod/services/api/serviceentry-2.yaml",
    ];
    assert!(!repo.exists("deploy/prod/services/api/serviceentry-3.yaml"));
    let entries: Vec<serde_yaml::Value> = files.iter().map(|file| yaml(&repo, file)).collect();
    let text = files.map(|file| repo.read(file)).join("---\n");
    let summary: Vec<(String, Vec<String>, Vec<u64>)> = entries
        .iter()
        .map(|entry| {
            let spec = &entry["spec"];
            let strings = |v: &serde_yaml::Value| -> Vec<String> {
                v.as_sequence()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect()
            };
            let ports = spec["ports"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|p| p["number"].as_u64().unwrap())
                .collect();
            (
                entry["metadata"]["name"].as_str().unwrap().to_string(),
                strings(&spec["hosts"]),
                ports,
            )
        })
        .collect();
    // Hosts with the same ports share an entry; db.example.com, on 5432 as
    // well, gets its own (one object per file), so that neither other host
    // is known on 5432.
    assert_eq!(
        summary,
        vec![
            (
                "api-egress".to_string(),
                vec![
                    "api.stripe.com".to_string(),
                    "hooks.example.com".to_string()
                ],
                vec![443],
            ),
            (
                "api-egress-2".to_string(),
                vec!["db.example.com".to_string()],
                vec![443, 5432],
            ),
        ],
        "{text}"
    );
    repo.kiln(&["check"]).success();
    // The kustomization lists both, and one entry fewer removes the second.
    let kustomization = repo.read("deploy/prod/kustomization.yaml");
    assert!(
        kustomization.contains("services/api/serviceentry-2.yaml"),
        "{kustomization}"
    );
    repo.write(
        "kiln.toml",
        &config.replace("  { host = \"db.example.com\", port = 5432 },\n", ""),
    );
    repo.kiln(&["build"]).success();
    assert!(!repo.exists("deploy/prod/services/api/serviceentry-2.yaml"));
}
