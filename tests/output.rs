//! The generated manifests, read back as YAML: values survive exactly,
//! every file is one object, and the Kubernetes layer holds what it promises.

use crate::{Repo, SMALL, STARTER};
use serde_yaml::Value;

const HOSTILE: &[&str] = &[
    "key: value",
    "# not a comment",
    "\"double\" and 'single' quotes",
    "two\nlines",
    "*anchor-lookalike",
    "{{ template }}",
    "&anchor",
    "- dash",
    "trailing space ",
    "tab\there",
    "\u{2028}separator",
    "yes",
    "null",
    "0755",
    "]}[{",
];

#[test]
fn any_string_value_round_trips_through_the_yaml() {
    let env: Vec<String> = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, v)| format!("V{i} = {}", toml_string(v)))
        .collect();
    let config = format!(
        "{}\n[services.users.environments.dev]\nenv = {{ {} }}\n",
        SMALL.trim_end(),
        env.join(", ")
    );
    let config = config.replace(
        "port = 8080\n",
        "port = 8080\nargs = [\"--greeting\", \"a: b # c\", \"{{ x }}\"]\n",
    );
    let repo = Repo::with_config(&config);
    repo.kiln(&["build"]).success();
    let configmap = repo.yaml("deploy/dev/services/users/configmap.yaml");
    for (i, value) in HOSTILE.iter().enumerate() {
        assert_eq!(
            configmap["data"][format!("V{i}")].as_str(),
            Some(*value),
            "V{i}"
        );
    }
    assert_eq!(configmap["data"]["LOG_LEVEL"], "info");
    let deployment = repo.yaml("deploy/dev/services/users/deployment.yaml");
    let args = &deployment["spec"]["template"]["spec"]["containers"][0]["args"];
    assert_eq!(
        args,
        &serde_yaml::to_value(["--greeting", "a: b # c", "{{ x }}"]).unwrap()
    );
    // Nothing injected: the ConfigMap has exactly the keys kiln.toml set.
    assert_eq!(
        configmap["data"].as_mapping().unwrap().len(),
        HOSTILE.len() + 1
    );
}

fn toml_string(value: &str) -> String {
    let escaped: String = value
        .chars()
        .map(|c| match c {
            '"' => "\\\"".to_string(),
            '\\' => "\\\\".to_string(),
            '\n' => "\\n".to_string(),
            '\t' => "\\t".to_string(),
            c if (c as u32) > 0x7f => format!("\\u{:04X}", c as u32),
            c => c.to_string(),
        })
        .collect();
    format!("\"{escaped}\"")
}

#[test]
fn every_file_is_one_object_and_the_kustomization_lists_them_all() {
    let repo = Repo::with_config(STARTER);
    repo.kiln(&["build"]).success();
    let manifests = repo.manifests();
    for env in ["dev", "staging", "prod"] {
        let prefix = format!("deploy/{env}/");
        let kustomization = repo.yaml(&format!("{prefix}kustomization.yaml"));
        let listed: Vec<String> = kustomization["resources"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|r| format!("{prefix}{}", r.as_str().unwrap()))
            .collect();
        let on_disk: Vec<String> = manifests
            .keys()
            .filter(|p| p.starts_with(&prefix) && !p.ends_with("kustomization.yaml"))
            .cloned()
            .collect();
        let mut sorted = listed.clone();
        sorted.sort();
        assert_eq!(sorted, on_disk, "{env}");
    }
    for (path, text) in &manifests {
        let documents: Vec<Value> = serde_yaml::Deserializer::from_str(text)
            .map(|d| Value::deserialize(d).unwrap())
            .collect();
        assert_eq!(documents.len(), 1, "{path}");
        let object = &documents[0];
        assert!(
            object["apiVersion"].is_string() && object["kind"].is_string(),
            "{path}"
        );
        let cluster_wide = ["Namespace", "ClusterRole", "ClusterRoleBinding"]
            .iter()
            .any(|kind| object["kind"] == *kind);
        if !path.ends_with("kustomization.yaml") && !cluster_wide {
            // Fluentd runs in a namespace of its own, beside the environment's.
            let suffix = if path.contains("/logging/") {
                "-logging"
            } else {
                ""
            };
            let namespace = format!("demo-{}{suffix}", path.split('/').nth(1).unwrap());
            assert_eq!(
                object["metadata"]["namespace"].as_str(),
                Some(namespace.as_str()),
                "{path}"
            );
        }
    }
}

use serde::Deserialize;

fn pod_spec(object: &Value) -> &Value {
    match object["kind"].as_str() {
        Some("CronJob") => &object["spec"]["jobTemplate"]["spec"]["template"]["spec"],
        _ => &object["spec"]["template"]["spec"],
    }
}

#[test]
fn every_pod_is_hardened() {
    let repo = Repo::with_config(STARTER);
    repo.kiln(&["build"]).success();
    let workloads: Vec<(String, Value)> = repo
        .manifests()
        .keys()
        .filter(|p| {
            p.ends_with("deployment.yaml")
                || p.ends_with("statefulset.yaml")
                || p.ends_with("cronjob.yaml")
        })
        .map(|p| (p.clone(), repo.yaml(p)))
        .collect();
    assert_eq!(workloads.len(), 12);
    for (path, object) in &workloads {
        let pod = pod_spec(object);
        assert_eq!(pod["automountServiceAccountToken"], false, "{path}");
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{path}");
        assert!(
            pod["securityContext"]["runAsUser"].as_u64().unwrap() > 0,
            "{path}"
        );
        assert_eq!(
            pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault",
            "{path}"
        );
        let container = &pod["containers"][0];
        let security = &container["securityContext"];
        assert_eq!(security["allowPrivilegeEscalation"], false, "{path}");
        assert_eq!(security["readOnlyRootFilesystem"], true, "{path}");
        assert_eq!(security["capabilities"]["drop"][0], "ALL", "{path}");
        assert!(
            container["resources"]["limits"]["cpu"].is_string(),
            "{path}"
        );
        assert!(
            !container["image"].as_str().unwrap().ends_with(":latest"),
            "{path}"
        );
        let tmp = container["volumeMounts"]
            .as_sequence()
            .unwrap()
            .iter()
            .any(|m| m["mountPath"] == "/tmp");
        assert!(tmp, "{path} has a writable /tmp");
        if object["kind"] != "CronJob" {
            assert!(
                container["livenessProbe"].is_mapping() && container["readinessProbe"].is_mapping(),
                "{path}"
            );
        }
        if object["kind"] == "Deployment" {
            assert_eq!(
                object["spec"]["strategy"]["rollingUpdate"]["maxSurge"], 1,
                "{path}"
            );
            assert_eq!(
                object["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], 0,
                "{path}"
            );
            assert!(pod["topologySpreadConstraints"].is_sequence(), "{path}");
        }
    }
}

#[test]
fn secrets_become_secret_key_refs() {
    let repo = Repo::with_config(STARTER);
    repo.kiln(&["build"]).success();
    let deployment = repo.yaml("deploy/prod/services/api/deployment.yaml");
    let env = &pod_spec(&deployment)["containers"][0]["env"][0];
    assert_eq!(env["name"], "DATABASE_URL");
    assert_eq!(env["valueFrom"]["secretKeyRef"]["name"], "demo-db");
    assert_eq!(env["valueFrom"]["secretKeyRef"]["key"], "url");
    for text in repo.manifests().values() {
        assert!(
            !text.contains("kind: Secret\n"),
            "kiln never writes a Secret"
        );
    }
}

#[test]
fn precedence_runs_from_defaults_to_service_environment() {
    let repo = Repo::with_config(STARTER);
    repo.kiln(&["build"]).success();
    let replicas = |env: &str, service: &str| {
        repo.yaml(&format!("deploy/{env}/services/{service}/deployment.yaml"))["spec"]["replicas"]
            .clone()
    };
    assert_eq!(
        replicas("dev", "api"),
        1,
        "[environments.dev] beats [defaults]"
    );
    assert_eq!(replicas("staging", "api"), 2, "[defaults]");
    assert!(
        replicas("prod", "api").is_null(),
        "autoscaled in prod: the HPA owns the count"
    );
    let hpa = repo.yaml("deploy/prod/services/api/hpa.yaml");
    assert_eq!(hpa["spec"]["minReplicas"], 3);
    assert_eq!(hpa["spec"]["maxReplicas"], 10);
    assert_eq!(
        hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
        70
    );
    let config = |env: &str| {
        repo.yaml(&format!("deploy/{env}/services/api/configmap.yaml"))["data"]["LOG_LEVEL"].clone()
    };
    assert_eq!(
        config("dev"),
        "debug",
        "[services.api.environments.dev] beats [services.api]"
    );
    assert_eq!(config("prod"), "info");
    // A database is not scaled by environment-wide settings.
    let db = repo.yaml("deploy/prod/services/db/statefulset.yaml");
    assert_eq!(db["spec"]["replicas"], 1);
    assert!(!repo.exists("deploy/prod/services/db/hpa.yaml"));
}

#[test]
fn limits_default_to_twice_the_request() {
    let repo = Repo::with_config(STARTER);
    repo.kiln(&["build"]).success();
    let db = repo.yaml("deploy/dev/services/db/statefulset.yaml");
    let resources = &pod_spec(&db)["containers"][0]["resources"];
    assert_eq!(resources["requests"]["cpu"], "250m");
    assert_eq!(resources["limits"]["cpu"], "500m");
    assert_eq!(resources["requests"]["memory"], "512Mi");
    assert_eq!(resources["limits"]["memory"], "1Gi");
}

#[test]
fn network_policies_admit_exactly_the_declared_callers() {
    let repo = Repo::with_config(STARTER);
    repo.kiln(&["build"]).success();
    let db = repo.yaml("deploy/dev/services/db/networkpolicy.yaml");
    let callers: Vec<&str> = db["spec"]["ingress"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|rule| {
            rule["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"].as_str()
        })
        .collect();
    assert_eq!(callers, ["api", "report", "worker"]);
    assert_eq!(db["spec"]["ingress"][0]["ports"][0]["port"], 5432);
    assert!(db["spec"]["egress"].is_null(), "the database calls nobody");
    let api = repo.yaml("deploy/dev/services/api/networkpolicy.yaml");
    let gateway = &api["spec"]["ingress"][0]["from"][0];
    assert_eq!(
        gateway["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
        "istio-system"
    );
    assert_eq!(
        gateway["podSelector"]["matchLabels"]["istio"],
        "ingressgateway"
    );
    let monitoring = &api["spec"]["ingress"][1];
    assert_eq!(
        monitoring["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
        "monitoring"
    );
    assert_eq!(
        api["spec"]["egress"][0]["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"],
        "db"
    );
    assert_eq!(api["spec"]["egress"][0]["ports"][0]["port"], 5432);
    let deny = repo.yaml("deploy/dev/namespace/networkpolicy-default-deny.yaml");
    assert_eq!(
        deny["spec"]["podSelector"],
        Value::Mapping(Default::default())
    );
    assert_eq!(deny["spec"]["egress"][0]["ports"][0]["port"], 53);
}

#[test]
fn services_select_their_pods() {
    let repo = Repo::with_config(STARTER);
    repo.kiln(&["build"]).success();
    for (service, workload) in [("api", "deployment"), ("db", "statefulset")] {
        let svc = repo.yaml(&format!("deploy/prod/services/{service}/service.yaml"));
        let pods = repo.yaml(&format!("deploy/prod/services/{service}/{workload}.yaml"));
        let labels = pods["spec"]["template"]["metadata"]["labels"]
            .as_mapping()
            .unwrap();
        for (key, value) in svc["spec"]["selector"].as_mapping().unwrap() {
            assert_eq!(labels.get(key), Some(value), "{service}: {key:?}");
        }
        let port_names: Vec<&Value> = pod_spec(&pods)["containers"][0]["ports"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|p| &p["name"])
            .collect();
        for port in svc["spec"]["ports"].as_sequence().unwrap() {
            assert!(
                port_names.contains(&&port["targetPort"]),
                "{service}: {port:?}"
            );
        }
    }
}

#[test]
fn every_object_carries_the_recommended_labels() {
    let repo = Repo::with_config(STARTER);
    repo.kiln(&["build"]).success();
    for (path, _) in repo.manifests() {
        if path.ends_with("kustomization.yaml") {
            continue;
        }
        let labels = repo.yaml(&path)["metadata"]["labels"].clone();
        for key in [
            "app.kubernetes.io/name",
            "app.kubernetes.io/part-of",
            "app.kubernetes.io/managed-by",
        ] {
            assert!(labels[key].is_string(), "{path} lacks {key}");
        }
        assert_eq!(labels["team"], "platform", "{path}");
        if path.contains("/services/") {
            assert!(labels["version"].is_string(), "{path} lacks version");
        }
    }
    let namespace = repo.yaml("deploy/dev/namespace/namespace.yaml");
    assert_eq!(
        namespace["metadata"]["labels"]["istio-injection"],
        "enabled"
    );
}

#[test]
fn the_quota_covers_every_pod_and_its_sidecar() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    let quota = repo.yaml("deploy/prod/namespace/resourcequota.yaml");
    // users: 3 replicas + 1 surge pod; db: 1 pod. Each pod: app 100m + sidecar 100m.
    assert_eq!(quota["spec"]["hard"]["pods"], "5");
    assert_eq!(quota["spec"]["hard"]["requests.cpu"], "1");
    assert_eq!(quota["spec"]["hard"]["persistentvolumeclaims"], "1");
    assert_eq!(quota["spec"]["hard"]["requests.storage"], "5Gi");
}

#[test]
fn pod_disruption_budget_only_with_more_than_one_replica() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    assert!(!repo.exists("deploy/dev/services/users/pdb.yaml"));
    let pdb = repo.yaml("deploy/prod/services/users/pdb.yaml");
    assert_eq!(pdb["spec"]["maxUnavailable"], 1);
}

#[test]
fn third_party_images_run_as_their_own_user() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    let db = repo.yaml("deploy/dev/services/db/statefulset.yaml");
    let pod = pod_spec(&db);
    assert_eq!(
        pod["securityContext"]["runAsUser"], 999,
        "the postgres image's own UID"
    );
    let mounts: Vec<&str> = pod["containers"][0]["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|m| m["mountPath"].as_str())
        .collect();
    assert_eq!(
        mounts,
        ["/tmp", "/var/run/postgresql", "/var/lib/postgresql/data"]
    );
    assert_eq!(
        db["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"],
        "5Gi"
    );
    assert_eq!(db["spec"]["serviceName"], "db-headless");
    let headless = repo.yaml("deploy/dev/services/db/service-headless.yaml");
    assert_eq!(headless["spec"]["clusterIP"], "None");
}

#[test]
fn the_uid_and_writable_paths_can_be_set() {
    let config = SMALL.replace(
        "storage = \"5Gi\"\n",
        "storage = \"5Gi\"\nrun_as_user = 1001\nwritable_paths = [\"/opt/cache\"]\nread_only_root = false\n",
    );
    let repo = Repo::with_config(&config);
    repo.kiln(&["build"]).success();
    let db = repo.yaml("deploy/dev/services/db/statefulset.yaml");
    let pod = pod_spec(&db);
    assert_eq!(pod["securityContext"]["runAsUser"], 1001);
    assert_eq!(
        pod["containers"][0]["securityContext"]["readOnlyRootFilesystem"],
        false
    );
    assert_eq!(
        pod["containers"][0]["volumeMounts"][1]["mountPath"],
        "/opt/cache"
    );
}

#[test]
fn cronjobs_run_on_schedule_with_a_sidecar_that_exits() {
    let repo = Repo::with_config(STARTER);
    repo.kiln(&["build"]).success();
    let job = repo.yaml("deploy/dev/services/report/cronjob.yaml");
    assert_eq!(job["spec"]["schedule"], "0 2 * * *");
    assert_eq!(job["spec"]["concurrencyPolicy"], "Forbid");
    let template = &job["spec"]["jobTemplate"]["spec"]["template"];
    assert_eq!(
        template["metadata"]["annotations"]["sidecar.istio.io/nativeSidecar"],
        "true"
    );
    assert_eq!(template["spec"]["restartPolicy"], "OnFailure");
    assert!(!repo.exists("deploy/dev/services/report/service.yaml"));
}

#[test]
fn a_higher_layer_replica_count_beats_a_lower_layer_autoscaler() {
    let config = SMALL.replace(
        "[environments.prod]\nreplicas = 3\n",
        "[environments.prod]\nautoscale = { min = 3, max = 9 }\n",
    ) + "\n[services.users.environments.prod]\nreplicas = 5\n";
    let repo = Repo::with_config(&config);
    repo.kiln(&["build"]).success();
    assert_eq!(
        repo.yaml("deploy/prod/services/users/deployment.yaml")["spec"]["replicas"],
        5
    );
    assert!(!repo.exists("deploy/prod/services/users/hpa.yaml"));
}

#[test]
fn a_lower_layer_limit_gives_way_to_a_higher_request() {
    let config = SMALL
        .replace(
            "[environments.dev]\n",
            "[defaults]\ncpu_limit = \"200m\"\n\n[environments.dev]\n",
        )
        .replace("route = \"/users\"\n", "route = \"/users\"\ncpu = \"1\"\n");
    let repo = Repo::with_config(&config);
    repo.kiln(&["build"]).success();
    let users = repo.yaml("deploy/dev/services/users/deployment.yaml");
    assert_eq!(
        pod_spec(&users)["containers"][0]["resources"]["limits"]["cpu"],
        "2"
    );
    let db = repo.yaml("deploy/dev/services/db/statefulset.yaml");
    assert_eq!(
        pod_spec(&db)["containers"][0]["resources"]["limits"]["cpu"],
        "200m"
    );
}

#[test]
fn slow_starters_get_a_startup_probe_and_metrics_are_announced() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    let users = repo.yaml("deploy/dev/services/users/deployment.yaml");
    let container = &pod_spec(&users)["containers"][0];
    assert_eq!(container["startupProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(container["startupProbe"]["failureThreshold"], 30);
    let annotations = &users["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(annotations["prometheus.io/scrape"], "true");
    assert_eq!(annotations["prometheus.io/path"], "/metrics");
    assert_eq!(annotations["prometheus.io/port"], "8080");
}
