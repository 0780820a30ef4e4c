//! The shape of a service (issue 15): the Service in front of its pods
//! (`service_port`, `service_type`, `node_port`) and the variables it reads
//! by reference (`env_fields`, `env_from`), read back from what kiln writes.

use crate::{Repo, SMALL, built};
use serde_yaml::Value;

/// SMALL with `users` behind port 80 of a NodePort Service, in a STRICT mesh.
fn shaped() -> String {
    SMALL.replace(
        "port = 8080\n",
        "port = 8080\nservice_port = 80\nservice_type = \"NodePort\"\nnode_port = 30080\n\
         metrics_port = 9090\n",
    )
}

fn ingress_rules(policy: &Value) -> Vec<Value> {
    policy["spec"]["ingress"]
        .as_sequence()
        .cloned()
        .unwrap_or_default()
}

fn ports(rule: &Value) -> Vec<u64> {
    rule["ports"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|p| p["port"].as_u64())
        .collect()
}

fn admits_anywhere(rule: &Value) -> bool {
    rule["from"]
        .as_sequence()
        .into_iter()
        .flatten()
        .any(|peer| peer["ipBlock"]["cidr"] == "0.0.0.0/0")
}

#[test]
fn service_port_fronts_the_named_container_port_and_policies_keep_the_pod_port() {
    let repo = built(&shaped());
    let service = repo.yaml("deploy/prod/services/users/service.yaml");
    let main = &service["spec"]["ports"][0];
    assert_eq!(main["port"], 80);
    assert_eq!(main["targetPort"], "http");
    assert_eq!(main["nodePort"], 30080);
    assert_eq!(service["spec"]["type"], "NodePort");
    // The extra metrics port keeps its own number on the Service.
    assert_eq!(service["spec"]["ports"][1]["port"], 9090);
    let deployment = repo.yaml("deploy/prod/services/users/deployment.yaml");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["ports"][0]["containerPort"], 8080);
    // The gateway route goes to the Service's port.
    let routes = repo.read("deploy/prod/mesh/virtualservice.yaml");
    let routes: Value = serde_yaml::from_str(&routes).unwrap();
    assert_eq!(
        routes["spec"]["http"][0]["route"][0]["destination"]["port"]["number"],
        80
    );
    // The gateway's NetworkPolicy rule and AuthorizationPolicy admit the pod's port.
    let policy = repo.yaml("deploy/prod/services/users/networkpolicy.yaml");
    let from_gateway = ingress_rules(&policy)
        .into_iter()
        .find(|r| r["from"][0]["podSelector"]["matchLabels"]["istio"] == "ingressgateway")
        .expect("the gateway is admitted");
    assert_eq!(ports(&from_gateway), [8080]);
    let authorization = repo.read("deploy/prod/services/users/authorizationpolicy.yaml");
    assert!(!authorization.contains("\"80\""), "{authorization}");
    // And the cross-checks agree: every object is consistent.
    repo.kiln(&["check"]).success();
}

#[test]
fn a_node_port_admits_the_outside_on_the_main_port_only() {
    let repo = built(&shaped());
    let policy = repo.yaml("deploy/prod/services/users/networkpolicy.yaml");
    let outside: Vec<Value> = ingress_rules(&policy)
        .into_iter()
        .filter(admits_anywhere)
        .collect();
    assert_eq!(outside.len(), 1, "{policy:?}");
    assert_eq!(ports(&outside[0]), [8080], "not the metrics port");
    assert_eq!(outside[0]["from"][1]["ipBlock"]["cidr"], "::/0");
    // In the mesh: plain text from anyone, on that port, PERMISSIVE under STRICT.
    let authorization = repo.yaml("deploy/prod/services/users/authorizationpolicy.yaml");
    let plain: Vec<&Value> = authorization["spec"]["rules"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(|r| r["from"][0]["source"]["notPrincipals"][0] == "*")
        .collect();
    assert!(
        plain
            .iter()
            .any(|r| r["to"][0]["operation"]["ports"][0] == "8080"),
        "{authorization:?}"
    );
    let peer = repo.yaml("deploy/prod/services/users/peerauthentication.yaml");
    assert_eq!(peer["spec"]["mtls"]["mode"], "STRICT");
    assert_eq!(
        peer["spec"]["portLevelMtls"]["8080"]["mode"], "PERMISSIVE",
        "{peer:?}"
    );
    assert_eq!(peer["spec"]["portLevelMtls"]["9090"]["mode"], "PERMISSIVE");
    // The database, a ClusterIP Service, is closed to the outside.
    let db = repo.yaml("deploy/prod/services/db/networkpolicy.yaml");
    assert!(!ingress_rules(&db).iter().any(admits_anywhere));
    // So is a LoadBalancer once it is back to ClusterIP.
    let config = shaped()
        .replace(
            "service_type = \"NodePort\"\n",
            "service_type = \"ClusterIP\"\n",
        )
        .replace("node_port = 30080\n", "");
    let repo = built(&config);
    let policy = repo.yaml("deploy/prod/services/users/networkpolicy.yaml");
    assert!(!ingress_rules(&policy).iter().any(admits_anywhere));
    let service = repo.yaml("deploy/prod/services/users/service.yaml");
    assert_eq!(service["spec"]["type"], "ClusterIP");
}

#[test]
fn a_load_balancer_gets_its_type_and_no_node_port_unless_pinned() {
    let config = SMALL.replace(
        "port = 8080\n",
        "port = 8080\nservice_type = \"LoadBalancer\"\n",
    );
    let repo = built(&config);
    let service = repo.yaml("deploy/dev/services/users/service.yaml");
    assert_eq!(service["spec"]["type"], "LoadBalancer");
    assert!(service["spec"]["ports"][0]["nodePort"].is_null());
    assert_eq!(service["spec"]["ports"][0]["port"], 8080);
    let policy = repo.yaml("deploy/dev/services/users/networkpolicy.yaml");
    assert!(ingress_rules(&policy).iter().any(admits_anywhere));
}

#[test]
fn without_the_keys_the_output_is_unchanged() {
    let repo = built(SMALL);
    for env in ["dev", "prod"] {
        let service = repo.yaml(&format!("deploy/{env}/services/users/service.yaml"));
        assert_eq!(service["spec"]["type"], "ClusterIP");
        assert_eq!(service["spec"]["ports"][0]["port"], 8080);
        assert!(service["spec"]["ports"][0]["nodePort"].is_null());
        let policy = repo.yaml(&format!("deploy/{env}/services/users/networkpolicy.yaml"));
        assert!(!ingress_rules(&policy).iter().any(admits_anywhere));
        let deployment = repo.read(&format!("deploy/{env}/services/users/deployment.yaml"));
        assert!(!deployment.contains("fieldRef"));
        assert!(!deployment.contains("secretRef"));
    }
    let db = repo.yaml("deploy/dev/services/db/service-headless.yaml");
    assert_eq!(db["spec"]["ports"][0]["port"], 5432);
}

#[test]
fn env_fields_and_env_from_reach_the_container_and_prereqs() {
    let config = SMALL.replace(
        "env = { LOG_LEVEL = \"info\" }\n",
        "env = { LOG_LEVEL = \"info\" }\n\
         secrets = { TOKEN = \"users-token:value\" }\n\
         env_fields = { POD_IP = \"status.podIP\", ZONE = \"metadata.labels['topology.kubernetes.io/zone']\" }\n\
         env_from = [{ secret = \"users-extra\" }, { config_map = \"users-flags\" }]\n",
    );
    let repo = built(&config);
    let deployment = repo.yaml("deploy/dev/services/users/deployment.yaml");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    let from: Vec<(String, String)> = container["envFrom"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|source| {
            let (kind, reference) = source.as_mapping().unwrap().iter().next().unwrap();
            (
                kind.as_str().unwrap().to_string(),
                reference["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        from,
        [
            ("configMapRef".to_string(), "users-env".to_string()),
            ("secretRef".to_string(), "users-extra".to_string()),
            ("configMapRef".to_string(), "users-flags".to_string()),
        ]
    );
    let env = container["env"].as_sequence().unwrap();
    let field = |var: &str| {
        env.iter()
            .find(|e| e["name"] == var)
            .unwrap_or_else(|| panic!("no {var}: {env:?}"))["valueFrom"]["fieldRef"]["fieldPath"]
            .clone()
    };
    assert_eq!(field("POD_IP"), "status.podIP");
    assert_eq!(
        field("ZONE"),
        "metadata.labels['topology.kubernetes.io/zone']"
    );
    assert!(env.iter().any(|e| e["name"] == "TOKEN"));
    let run = repo.kiln(&["prereqs", "dev"]).success();
    assert!(
        run.stdout
            .contains("users-extra in shop-dev: any keys (each becomes a variable), for users"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("users-token in shop-dev: keys `value`"));
    // A ConfigMap reference is no Secret.
    assert!(!run.stdout.contains("users-flags"), "{}", run.stdout);
    let run = repo.kiln(&["prereqs", "--format", "json"]).success();
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../docs/prereqs.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&report), "{report}");
}

#[test]
fn bad_shape_keys_are_located_errors_all_at_once() {
    let config = format!(
        "{}\n[defaults]\nenv = {{ POD_IP = \"x\" }}\n\n\
         [services.web]\nimage = \"nginx:1.27.3\"\nport = 8080\nservice_port = 9000\n\
         ports = {{ admin = 9000 }}\nnode_port = 30080\n\
         env_fields = {{ POD_IP = \"status.podIP\", NODE = \"status.bogus\" }}\n\
         env_from = [{{ secret = \"Bad_Name\" }}, {{}}, {{ secret = \"a\", config_map = \"b\" }}]\n\n\
         [services.jobs]\nkind = \"worker\"\nimage = \"busybox:1.37.0\"\nservice_type = \"LoadBalancer\"\n\n\
         [services.edge]\nimage = \"nginx:1.27.3\"\nport = 8080\nservice_type = \"NodePort\"\nnode_port = 8080\n",
        SMALL
    );
    let repo = Repo::with_config(&config);
    let before = repo.files();
    let run = repo.kiln(&["build"]).fails_with(2);
    for message in [
        "port 9000 in `services.web.service_port` is already used by `ports.admin`",
        "`services.web.node_port` needs a Service that has node ports",
        "`POD_IP` is set both in `env_fields` and in `env` or `secrets`",
        "`status.bogus` in `services.web.env_fields.NODE` is not a pod field a variable can read",
        "`Bad_Name` in `services.web.env_from[0].secret` is not a valid Secret name",
        "`services.web.env_from[1]` must name exactly one of `secret` and `config_map`",
        "`services.web.env_from[2]` must name exactly one of `secret` and `config_map`",
        "`services.jobs.service_type` has no effect",
        "node port 8080 in `services.edge.node_port` is outside 30000-32767",
    ] {
        assert!(run.stderr.contains(message), "{message}:\n{}", run.stderr);
    }
    assert!(run.stderr.contains("kiln.toml:"), "located: {}", run.stderr);
    repo.assert_untouched(&before);
    let run = Repo::with_config(&SMALL.replace(
        "port = 8080\n",
        "port = 8080\nservice_type = \"clusterip\"\n",
    ))
    .kiln(&["check"])
    .fails_with(2);
    assert!(
        run.stderr
            .contains("expected one of `ClusterIP`, `NodePort`, `LoadBalancer`"),
        "{}",
        run.stderr
    );
}

#[test]
fn two_services_cannot_take_one_node_port() {
    let config = format!(
        "{}\n[services.a]\nimage = \"nginx:1.27.3\"\nport = 8080\nservice_type = \"NodePort\"\nnode_port = 30001\n\
         [services.b]\nimage = \"nginx:1.27.3\"\nport = 8080\nservice_type = \"NodePort\"\nnode_port = 30001\n",
        SMALL
    );
    Repo::with_config(&config)
        .kiln(&["check"])
        .fails_with(2)
        .stderr_has(
            "port 30001 in `services.b.node_port` is already used by `services.a.node_port`",
        );
}

#[test]
fn explain_and_schema_know_the_shape_keys() {
    let repo = Repo::with_config(&shaped());
    let run = repo.kiln(&["explain", "dev", "users"]).success();
    let line = |key: &str| {
        run.stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no {key}:\n{}", run.stdout))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("service_port"), "service_port = 80 # [services.users]");
    assert_eq!(
        line("service_type"),
        "service_type = \"NodePort\" # [services.users]"
    );
    assert_eq!(line("node_port"), "node_port = 30080 # [services.users]");
    let run = Repo::with_config(SMALL)
        .kiln(&["explain", "dev", "users"])
        .success();
    assert!(
        run.stdout
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == [
                    "service_type",
                    "=",
                    "\"ClusterIP\"",
                    "#",
                    "built-in",
                    "default"
                ]),
        "{}",
        run.stdout
    );
    let schema = Repo::new().kiln(&["schema"]).success();
    let schema: serde_json::Value = serde_json::from_str(&schema.stdout).unwrap();
    let text = schema.to_string();
    for key in [
        "service_port",
        "service_type",
        "node_port",
        "env_fields",
        "env_from",
    ] {
        assert!(text.contains(&format!("\"{key}\"")), "{key}");
    }
    assert!(text.contains("\"LoadBalancer\""));
}

/// A built service with its source elsewhere, and one at the default place.
const SOURCED: &str = r#"
[project]
name = "shop"
registry = "ghcr.io/acme/shop"
ci = ["github", "gitlab", "jenkins"]

[environments.dev]

[services.billing]
language = "go"
version = "1.0.0"
port = 8080
source = "apps/billing"

[services.web]
language = "node"
version = "1.0.0"
port = 3000
"#;

#[test]
fn source_moves_the_dockerfile_and_every_build_context() {
    let repo = built(SOURCED);
    assert!(repo.exists("apps/billing/Dockerfile"));
    assert!(repo.exists("apps/billing/.dockerignore"));
    assert!(!repo.exists("services/billing/Dockerfile"));
    assert!(repo.exists("services/web/Dockerfile"));
    let github = repo.yaml(".github/workflows/ci.yml");
    let text = serde_yaml::to_string(&github).unwrap();
    assert!(text.contains("context: apps/billing"), "{text}");
    let gitlab = repo.yaml(".gitlab-ci.yml");
    assert_eq!(
        gitlab["build:billing"]["variables"]["CONTEXT"],
        "apps/billing"
    );
    assert_eq!(gitlab["build:web"]["variables"]["CONTEXT"], "services/web");
    assert!(
        repo.read("Jenkinsfile")
            .contains("CONTEXT = 'apps/billing'")
    );
    let lock = repo.read("kiln.lock");
    assert!(lock.contains("apps/billing/Dockerfile"), "{lock}");
    repo.kiln(&["explain", "dev", "billing", "source"])
        .success()
        .stdout_has("source = \"apps/billing\"");
    repo.kiln(&["explain", "dev", "web", "source"])
        .success()
        .stdout_has("source = \"services/web\"");
    // Moving it back removes the generated files from the old place.
    repo.write(
        "kiln.toml",
        &SOURCED.replace("source = \"apps/billing\"\n", ""),
    );
    repo.kiln(&["build"]).success();
    assert!(!repo.exists("apps/billing/Dockerfile"));
    assert!(repo.exists("services/billing/Dockerfile"));
}

#[test]
fn a_source_outside_or_shared_or_unbuilt_is_refused() {
    let config = format!(
        "{SOURCED}\n[services.up]\nlanguage = \"go\"\nversion = \"1.0.0\"\nport = 8080\nsource = \"../outside\"\n\
         [services.twin]\nlanguage = \"go\"\nversion = \"1.0.0\"\nport = 8080\nsource = \"services/web\"\n\
         [services.hidden]\nlanguage = \"go\"\nversion = \"1.0.0\"\nport = 8080\nsource = \"apps/.git\"\n\
         [services.gen]\nlanguage = \"go\"\nversion = \"1.0.0\"\nport = 8080\nsource = \"deploy/dev\"\n\
         [services.cache]\nimage = \"redis:7.2-alpine\"\nport = 6379\nsource = \"apps/cache\"\n"
    );
    let repo = Repo::with_config(&config);
    let before = repo.files();
    let run = repo.kiln(&["build"]).fails_with(2);
    for message in [
        "`../outside` in `services.up.source` is not a directory kiln can build from",
        "`apps/.git` in `services.hidden.source` is not a directory kiln can build from",
        "`deploy/dev` in `services.gen.source` is not a directory kiln can build from",
        "is already built from `services/web`",
        "`services.cache.source` only applies to services built from source",
    ] {
        assert!(run.stderr.contains(message), "{message}:\n{}", run.stderr);
    }
    assert!(run.stderr.contains("kiln.toml:"), "{}", run.stderr);
    repo.assert_untouched(&before);
}

#[test]
fn quota_headroom_raises_every_number_and_false_writes_none() {
    let exact = built(SMALL);
    let config = SMALL
        .replace(
            "[environments.dev]\n",
            "[environments.dev]\nquota = false\n",
        )
        .replace(
            "[environments.prod]\n",
            "[environments.prod]\nquota = { headroom = \"50%\" }\n",
        );
    let repo = built(&config);
    assert!(!repo.exists("deploy/dev/namespace/resourcequota.yaml"));
    assert!(
        !repo
            .read("deploy/dev/kustomization.yaml")
            .contains("namespace/resourcequota.yaml")
    );
    assert!(repo.exists("deploy/dev/namespace/limitrange.yaml"));
    let before = exact.yaml("deploy/prod/namespace/resourcequota.yaml");
    let after = repo.yaml("deploy/prod/namespace/resourcequota.yaml");
    let number = |quota: &Value, key: &str| -> f64 {
        let text = quota["spec"]["hard"][key].as_str().unwrap().to_string();
        let (digits, scale) = if let Some(d) = text.strip_suffix('m') {
            (d.to_string(), 0.001)
        } else if let Some(d) = text.strip_suffix("Mi") {
            (d.to_string(), 1024.0 * 1024.0)
        } else if let Some(d) = text.strip_suffix("Gi") {
            (d.to_string(), 1024.0 * 1024.0 * 1024.0)
        } else {
            (text.clone(), 1.0)
        };
        digits.parse::<f64>().unwrap_or_else(|_| panic!("{text}")) * scale
    };
    for key in [
        "pods",
        "requests.cpu",
        "limits.cpu",
        "requests.memory",
        "limits.memory",
        "persistentvolumeclaims",
        "requests.storage",
    ] {
        let (was, is) = (number(&before, key), number(&after, key));
        assert!(
            is >= was * 1.5 && is < was * 1.5 + 1.0,
            "{key}: {was} -> {is}"
        );
    }
    repo.kiln(&["explain", "prod", "users", "quota"])
        .success()
        .stdout_has("quota = { headroom = \"50%\" }  # [environments.prod]");
    repo.kiln(&["explain", "dev", "users", "quota"])
        .success()
        .stdout_has("quota = false  # [environments.dev]");
    exact
        .kiln(&["explain", "dev", "users", "quota"])
        .success()
        .stdout_has("quota = { headroom = \"0%\" }  # built-in default");
    // Turning it off later removes the file kiln wrote.
    exact.write("kiln.toml", &config);
    exact.kiln(&["build"]).success();
    assert!(!exact.exists("deploy/dev/namespace/resourcequota.yaml"));
}

#[test]
fn a_bad_quota_is_a_located_error() {
    for (quota, message) in [
        (
            "{ headroom = \"25\" }",
            "`25` in `environments.dev.quota.headroom` is not a headroom",
        ),
        ("{ headroom = \"1001%\" }", "is not a headroom"),
        ("{ headroom = \"-5%\" }", "is not a headroom"),
        ("{ size = 1 }", "unknown key `environments.dev.quota.size`"),
        ("\"no\"", "environments.dev.quota"),
    ] {
        let config = SMALL.replace(
            "[environments.dev]\n",
            &format!("[environments.dev]\nquota = {quota}\n"),
        );
        Repo::with_config(&config)
            .kiln(&["check"])
            .fails_with(2)
            .stderr_has(message)
            .stderr_has("kiln.toml:");
    }
}

/// `web` calls `api` everywhere but in prod, where it calls `cache` instead
/// and has its own way out.
const PER_ENVIRONMENT: &str = r#"
[project]
name = "shop"

[environments.dev]
[environments.prod]

[services.web]
image = "nginx:1.27.3"
port = 8080
calls = ["api"]
egress = [{ cidr = "10.0.0.0/8", port = 443 }]

[services.web.environments.prod]
calls = ["cache"]
egress = [{ cidr = "192.0.2.0/24", port = 5432 }]

[services.api]
image = "nginx:1.27.3"
port = 8081

[services.cache]
image = "redis:7.2-alpine"
port = 6379
"#;

fn egress_peers(policy: &Value) -> Vec<String> {
    policy["spec"]["egress"]
        .as_sequence()
        .into_iter()
        .flatten()
        .flat_map(|rule| rule["to"].as_sequence().cloned().unwrap_or_default())
        .filter_map(|peer| {
            peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
                .as_str()
                .map(str::to_string)
                .or_else(|| peer["ipBlock"]["cidr"].as_str().map(str::to_string))
        })
        .collect()
}

fn callers_of(policy: &Value) -> Vec<String> {
    ingress_rules(policy)
        .iter()
        .filter(|r| r["from"][0]["namespaceSelector"].is_null())
        .filter_map(|r| {
            r["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
                .as_str()
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn calls_and_egress_per_environment_replace_the_services() {
    let repo = built(PER_ENVIRONMENT);
    let dev = repo.yaml("deploy/dev/services/web/networkpolicy.yaml");
    let mut peers = egress_peers(&dev);
    peers.sort();
    assert_eq!(peers, ["10.0.0.0/8", "api"]);
    let prod = repo.yaml("deploy/prod/services/web/networkpolicy.yaml");
    let mut peers = egress_peers(&prod);
    peers.sort();
    assert_eq!(peers, ["192.0.2.0/24", "cache"], "replaced, not added");
    // The callees follow: `api` admits `web` in dev only, `cache` in prod only.
    for (env, service, callers) in [
        ("dev", "api", vec!["web"]),
        ("prod", "api", vec![]),
        ("dev", "cache", vec![]),
        ("prod", "cache", vec!["web"]),
    ] {
        let policy = repo.yaml(&format!(
            "deploy/{env}/services/{service}/networkpolicy.yaml"
        ));
        assert_eq!(callers_of(&policy), callers, "{env}/{service}");
        let authorization = repo.read(&format!(
            "deploy/{env}/services/{service}/authorizationpolicy.yaml"
        ));
        assert_eq!(
            authorization.contains(&format!("ns/shop-{env}/sa/web")),
            !callers.is_empty(),
            "{env}/{service}: {authorization}"
        );
    }
    repo.kiln(&["check"]).success();
    repo.kiln(&["explain", "prod", "web", "calls"])
        .success()
        .stdout_has("calls = [\"cache\"]  # [services.web.environments.prod]");
    repo.kiln(&["explain", "dev", "web", "calls"])
        .success()
        .stdout_has("calls = [\"api\"]  # [services.web]");
    // An empty list there means none.
    let repo = built(&PER_ENVIRONMENT.replace(
        "calls = [\"cache\"]\negress = [{ cidr = \"192.0.2.0/24\", port = 5432 }]\n",
        "calls = []\negress = []\n",
    ));
    let prod = repo.yaml("deploy/prod/services/web/networkpolicy.yaml");
    assert!(egress_peers(&prod).is_empty(), "{prod:?}");
}

#[test]
fn bad_calls_and_egress_per_environment_are_located_errors() {
    let config = PER_ENVIRONMENT.replace(
        "calls = [\"cache\"]\negress = [{ cidr = \"192.0.2.0/24\", port = 5432 }]\n",
        "calls = [\"cach\", \"web\"]\negress = [{ cidr = \"192.0.2.0\", port = 5432 }]\n",
    );
    let repo = Repo::with_config(&config);
    let run = repo.kiln(&["check"]).fails_with(2);
    for message in [
        "unknown service `cach` in `services.web.environments.prod.calls[0]`",
        "did you mean `cache`?",
        "service `web` lists itself in `services.web.environments.prod.calls[1]`",
        "`192.0.2.0` in `services.web.environments.prod.egress[0].cidr` is not a CIDR block",
    ] {
        assert!(run.stderr.contains(message), "{message}:\n{}", run.stderr);
    }
}
