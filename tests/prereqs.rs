//! `kiln prereqs`: what a cluster must have before `kubectl apply -k`, checked
//! against the rendered objects themselves, so that nothing they need is left
//! out and nothing they do not need is listed.

use crate::{Repo, STARTER, built};
use serde_json::Value as Json;
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

const BUILT_IN: [&str; 7] = [
    "",
    "apps",
    "autoscaling",
    "batch",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
];

/// The shop example, with its ingress gateway in a namespace of its own: every
/// layer, a canary, secrets, an Elasticsearch password and a volume.
fn shop() -> String {
    // Without its ExternalSecrets, whose Secrets tests/compose.rs checks.
    let text = include_str!("../examples/shop/kiln.toml")
        .replace("external_secrets = { store = \"vault\" }\n", "")
        .replace(
            "external_secrets = { store = \"vault-dev\", store_kind = \"SecretStore\", path = \"dev-{secret}\" }\n",
            "",
        );
    text.replace(
        "repo_url = \"https://github.com/acme/shop.git\"\n",
        "repo_url = \"https://github.com/acme/shop.git\"\n\
         gateway = { namespace = \"istio-ingress\", selector = { istio = \"ingress\" }, service_account = \"istio-ingress\" }\n",
    )
}

fn prereqs_json(repo: &Repo, args: &[&str]) -> Json {
    let mut all = vec!["prereqs", "--format", "json"];
    all.extend(args);
    let run = repo.kiln(&all).success();
    let report: Json = serde_json::from_str(&run.stdout).expect("valid JSON");
    let schema: Json = serde_json::from_str(include_str!("../docs/prereqs.schema.json"))
        .expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    report
}

fn strings(value: &Json) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// What the rendered objects of one environment ask of the cluster.
#[derive(Default)]
struct Needs {
    /// API group -> kinds.
    groups: BTreeMap<String, BTreeSet<String>>,
    /// Namespaces the objects create.
    created: BTreeSet<String>,
    /// Namespace -> pod selectors that must find pods there (empty: any pod).
    peers: BTreeMap<String, BTreeSet<String>>,
    /// (namespace, service account) admitted from outside.
    principals: BTreeSet<(String, String)>,
    /// (namespace, secret) -> keys.
    secrets: BTreeMap<(String, String), BTreeSet<String>>,
    claims: BTreeSet<String>,
    autoscalers: BTreeSet<String>,
}

fn labels(value: &Value) -> String {
    let mut pairs: Vec<String> = value
        .as_mapping()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{}={}", k.as_str().unwrap(), v.as_str().unwrap()))
        .collect();
    pairs.sort();
    pairs.join(",")
}

fn needs_of(repo: &Repo, env: &str) -> Needs {
    let mut needs = Needs::default();
    let prefix = format!("deploy/{env}/");
    for (path, text) in repo.manifests() {
        if !path.starts_with(&prefix) || path.ends_with("kustomization.yaml") {
            continue;
        }
        let object: Value = serde_yaml::from_str(&text).unwrap();
        let api = object["apiVersion"].as_str().unwrap();
        let kind = object["kind"].as_str().unwrap().to_string();
        let group = api.rsplit_once('/').map_or("", |(g, _)| g);
        if !BUILT_IN.contains(&group) {
            needs
                .groups
                .entry(group.to_string())
                .or_default()
                .insert(kind.clone());
        }
        let namespace = object["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = object["metadata"]["name"].as_str().unwrap().to_string();
        match kind.as_str() {
            "Namespace" => {
                needs.created.insert(name.clone());
            }
            "NetworkPolicy" => {
                for direction in ["ingress", "egress"] {
                    let side = if direction == "ingress" { "from" } else { "to" };
                    for rule in object["spec"][direction]
                        .as_sequence()
                        .into_iter()
                        .flatten()
                    {
                        for peer in rule[side].as_sequence().into_iter().flatten() {
                            let Some(other) = peer["namespaceSelector"]["matchLabels"]
                                ["kubernetes.io/metadata.name"]
                                .as_str()
                            else {
                                continue;
                            };
                            needs
                                .peers
                                .entry(other.to_string())
                                .or_default()
                                .insert(labels(&peer["podSelector"]["matchLabels"]));
                        }
                    }
                }
            }
            "AuthorizationPolicy" => {
                for rule in object["spec"]["rules"].as_sequence().into_iter().flatten() {
                    for from in rule["from"].as_sequence().into_iter().flatten() {
                        for principal in from["source"]["principals"]
                            .as_sequence()
                            .into_iter()
                            .flatten()
                        {
                            let rest = principal
                                .as_str()
                                .unwrap()
                                .strip_prefix("cluster.local/ns/")
                                .unwrap();
                            let (ns, sa) = rest.split_once("/sa/").unwrap();
                            needs.principals.insert((ns.to_string(), sa.to_string()));
                        }
                        for ns in from["source"]["namespaces"]
                            .as_sequence()
                            .into_iter()
                            .flatten()
                        {
                            needs
                                .peers
                                .entry(ns.as_str().unwrap().to_string())
                                .or_default();
                        }
                    }
                }
            }
            "Gateway" => {
                // Istio reads the certificate from the gateway pods' namespace.
                let credential = object["spec"]["servers"][1]["tls"]["credentialName"]
                    .as_str()
                    .unwrap();
                needs.secrets.insert(
                    ("gateway".to_string(), credential.to_string()),
                    ["tls.crt", "tls.key"].map(String::from).into(),
                );
            }
            "HorizontalPodAutoscaler" => {
                needs
                    .autoscalers
                    .insert(format!("HorizontalPodAutoscaler/{name}"));
            }
            _ => {}
        }
        let template = match kind.as_str() {
            "Deployment" | "StatefulSet" | "DaemonSet" => &object["spec"]["template"],
            "CronJob" => &object["spec"]["jobTemplate"]["spec"]["template"],
            _ => continue,
        };
        for container in template["spec"]["containers"].as_sequence().unwrap() {
            for var in container["env"].as_sequence().into_iter().flatten() {
                let reference = &var["valueFrom"]["secretKeyRef"];
                if let (Some(secret), Some(key)) =
                    (reference["name"].as_str(), reference["key"].as_str())
                {
                    needs
                        .secrets
                        .entry((namespace.clone(), secret.to_string()))
                        .or_default()
                        .insert(key.to_string());
                }
            }
        }
        if !object["spec"]["volumeClaimTemplates"].is_null() {
            // A claim with `storage_class` is listed with its class
            // (tests/podspec.rs); without, it needs the default class.
            needs.claims.insert(name);
        }
    }
    needs
}

/// Every namespace, CRD, Secret, API and volume the objects need is listed,
/// where they need it, and nothing else is.
fn assert_complete(repo: &Repo, env: &str, report: &Json) {
    let needs = needs_of(repo, env);
    assert_eq!(report["environment"], env);
    assert_eq!(report["path"], format!("deploy/{env}"));

    let listed: BTreeMap<String, BTreeSet<String>> = report["crds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|crd| {
            let group = crd["group"].as_str().unwrap().to_string();
            let kinds = crd["resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let name = r["name"].as_str().unwrap();
                    assert!(name.ends_with(&format!(".{group}")), "{name}");
                    r["kind"].as_str().unwrap().to_string()
                })
                .collect();
            (group, kinds)
        })
        .collect();
    assert_eq!(listed, needs.groups, "{env}: CRDs");

    let namespaces: BTreeMap<String, &Json> = report["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["name"].as_str().unwrap().to_string(), &n["needs"]))
        .collect();
    for (namespace, selectors) in &needs.peers {
        if needs.created.contains(namespace) {
            continue;
        }
        let listed = namespaces
            .get(namespace)
            .unwrap_or_else(|| panic!("{env}: `{namespace}` is referenced but not listed"));
        let pods: BTreeSet<String> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                let mut pairs: Vec<String> = n["pods"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap()))
                    .collect();
                pairs.sort();
                pairs.join(",")
            })
            .collect();
        for selector in selectors {
            assert!(
                pods.contains(selector),
                "{env}: `{selector}` in `{namespace}`: {pods:?}"
            );
        }
    }
    for (namespace, account) in &needs.principals {
        if needs.created.contains(namespace) {
            continue;
        }
        let listed = namespaces
            .get(namespace)
            .expect("admitted namespace listed");
        assert!(
            listed
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["serviceAccount"] == account.as_str()),
            "{env}: {namespace}/{account}"
        );
    }
    for (namespace, needs_here) in &namespaces {
        assert!(
            !needs.created.contains(namespace),
            "{env}: {namespace} is created"
        );
        // Prometheus must exist wherever monitoring is on; the rest is referenced.
        let only_prometheus = needs_here
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["what"] == "prometheus");
        assert!(
            only_prometheus
                || needs.peers.contains_key(namespace)
                || needs.principals.iter().any(|(n, _)| n == namespace),
            "{env}: {namespace} is listed but nothing refers to it"
        );
    }

    let gateway_namespace = namespaces
        .iter()
        .find(|(_, n)| {
            n.as_array()
                .unwrap()
                .iter()
                .any(|w| w["what"] == "ingress-gateway")
        })
        .map(|(name, _)| name.clone());
    let secrets: BTreeMap<(String, String), BTreeSet<String>> = report["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let mut namespace = s["namespace"].as_str().unwrap().to_string();
            assert_eq!(
                s["namespaceCreatedByKiln"],
                needs.created.contains(&namespace),
                "{s}"
            );
            if s["type"] == "kubernetes.io/tls" {
                assert_eq!(
                    Some(&namespace),
                    gateway_namespace.as_ref(),
                    "{env}: the certificate's namespace"
                );
                namespace = "gateway".to_string();
            }
            (
                (namespace, s["name"].as_str().unwrap().to_string()),
                strings(&s["keys"]),
            )
        })
        .collect();
    assert_eq!(secrets, needs.secrets, "{env}: Secrets");

    let autoscalers: BTreeSet<String> = report["apis"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|api| strings(&api["usedBy"]))
        .collect();
    assert_eq!(autoscalers, needs.autoscalers, "{env}: metrics API");
    let claims: BTreeSet<String> = report["storage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["service"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(claims, needs.claims, "{env}: volumes");
}

#[test]
fn prereqs_list_exactly_what_the_rendered_objects_need() {
    let repo = built(&shop());
    let report = prereqs_json(&repo, &[]);
    assert_eq!(report["schema"], "kiln-prereqs/v1");
    let environments = report["environments"].as_array().unwrap();
    assert_eq!(environments.len(), 3);
    for environment in environments {
        let env = environment["environment"].as_str().unwrap();
        assert_complete(&repo, env, environment);
    }
    let prod = &environments[1];
    assert_eq!(prod["environment"], "prod");
    // The secrets of the app, of Fluentd and of the gateway, each where it is read.
    let secret = |name: &str| {
        prod["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no {name}: {prod}"))
            .clone()
    };
    assert_eq!(secret("users-db")["namespace"], "shop-prod");
    assert_eq!(secret("users-db")["usedBy"], serde_json::json!(["users"]));
    assert_eq!(secret("shop-logs")["namespace"], "shop-prod-logging");
    assert_eq!(secret("shop-logs")["keys"], serde_json::json!(["password"]));
    assert_eq!(secret("shop-prod-tls")["namespace"], "istio-ingress");
    assert_eq!(secret("shop-prod-tls")["namespaceCreatedByKiln"], false);
    let istio = prod["crds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["group"] == "networking.istio.io")
        .unwrap();
    assert_eq!(istio["provider"], "istio");
    assert_eq!(istio["minVersion"], "1.23");
    // Asking for one environment gives that one, identically.
    let only = prereqs_json(&repo, &["prod"]);
    assert_eq!(only["environments"], serde_json::json!([prod]));
}

#[test]
fn prereqs_follow_the_layers_that_are_on() {
    let repo = built(include_str!("../examples/quiet/kiln.toml"));
    let report = prereqs_json(&repo, &["dev"]);
    let dev = &report["environments"][0];
    assert_complete(&repo, "dev", dev);
    // No mesh, no monitoring: nothing of Istio or prometheus-operator.
    assert_eq!(dev["crds"], serde_json::json!([]));
    let namespaces: Vec<&str> = dev["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(namespaces, ["kube-system"]);
    let prod = prereqs_json(&repo, &["prod"]);
    assert_complete(&repo, "prod", &prod["environments"][0]);
    let groups: Vec<&str> = prod["environments"][0]["crds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["group"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["monitoring.coreos.com"]);
}

#[test]
fn prereqs_for_people_name_every_item() {
    let repo = built(STARTER);
    let before = repo.files();
    let text = repo.kiln(&["prereqs", "prod"]).success().stdout;
    for line in [
        "before `kubectl apply -k deploy/prod`, the cluster needs:\n",
        "\ncustom resource definitions, by API group:\n",
        "  networking.istio.io (Istio 1.23 or later)\n    destinationrules.networking.istio.io\n    gateways.networking.istio.io\n",
        "  monitoring.coreos.com (prometheus-operator)\n",
        "\nthe `metrics.k8s.io` API, served by metrics-server, for:\n  HorizontalPodAutoscaler/api\n",
        "\nnamespaces kiln does not create, and what must run there:\n  istio-system\n",
        "    pods `istio: ingressgateway` running as ServiceAccount `istio-ingressgateway-service-account`: \
         the ingress gateway for `demo.example.com`\n",
        "  kube-system\n    pods `k8s-app: kube-dns`: cluster DNS",
        "  demo-db in demo-prod: keys `password`, `url`, for api, db, report, worker\n",
        "  demo-prod-tls in istio-system of type `kubernetes.io/tls`: keys `tls.crt`, `tls.key`, for the ingress gateway\n",
        "(this apply creates `demo-prod`: apply the Namespace first",
        "\na default StorageClass, for the volumes of:\n  db: 5Gi per pod\n",
    ] {
        assert!(text.contains(line), "lacks {line:?}:\n{text}");
    }
    // Every environment when none is named, each under its own heading.
    let all = repo.kiln(&["prereqs"]).success().stdout;
    assert_eq!(
        all.matches("before `kubectl apply -k deploy/").count(),
        3,
        "{all}"
    );
    assert!(all.contains(&text), "{all}");
    repo.assert_untouched(&before);
}

#[test]
fn an_unknown_environment_is_refused_with_a_suggestion() {
    let repo = built(STARTER);
    let run = repo.kiln(&["prereqs", "prd"]).fails_with(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("error: unknown environment `prd`\n  = hint: did you mean `prod`? the environments are `dev`, `prod`, `staging`\n"),
        "{}",
        run.stderr
    );
    let run = repo
        .kiln(&["prereqs", "prod", "--format", "yaml"])
        .fails_with(2);
    assert!(
        run.stderr.contains("invalid value 'yaml'"),
        "{}",
        run.stderr
    );
    // A broken kiln.toml is reported as `kiln check` reports it.
    repo.write("kiln.toml", &STARTER.replace("port = 8080", "port = 0"));
    repo.kiln(&["prereqs"])
        .fails_with(2)
        .stderr_has("error: `services.api.port` must be from 1 to 65535, not 0");
}

#[test]
fn prereqs_is_in_the_man_page_and_completions() {
    let repo = Repo::new();
    let man = repo.kiln(&["man"]).success().stdout;
    assert!(man.contains("prereqs"), "{man}");
    let offered = repo.complete(&["kiln", "pre"]);
    assert!(offered.contains(&"prereqs".to_string()), "{offered:?}");
    let help = repo.kiln(&["prereqs", "--help"]).success().stdout;
    assert!(help.contains("--format <FORMAT>"), "{help}");
}
