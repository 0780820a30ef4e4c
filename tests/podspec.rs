//! The pod keys of issue 15, through the binary: what each one writes into
//! the rendered objects, which layer wins, and the located errors of bad values.

use crate::{Repo, SMALL, built};
use serde_yaml::Value;

const USERS: &str = "deploy/dev/services/users/deployment.yaml";
const DB: &str = "deploy/dev/services/db/statefulset.yaml";

/// SMALL with `extra` appended to `[services.users]`.
fn users_with(extra: &str) -> String {
    SMALL.replace(
        "env = { LOG_LEVEL = \"info\" }\n",
        &format!("env = {{ LOG_LEVEL = \"info\" }}\n{extra}\n"),
    )
}

fn pod(repo: &Repo, path: &str) -> Value {
    repo.yaml(path)["spec"]["template"]["spec"].clone()
}

fn container(repo: &Repo, path: &str) -> Value {
    pod(repo, path)["containers"][0].clone()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// The config fails `kiln check` with exit 2, and the report holds every `text`.
fn refused(config: &str, texts: &[&str]) {
    let repo = Repo::with_config(config);
    let run = repo.kiln(&["check"]).fails_with(2);
    for text in texts {
        assert!(run.stderr.contains(text), "no `{text}` in:\n{}", run.stderr);
    }
    assert!(
        run.stderr.contains("--> kiln.toml:"),
        "located:\n{}",
        run.stderr
    );
    assert!(!repo.exists("deploy"), "nothing is written");
}

#[test]
fn defaults_are_unchanged_without_the_new_keys() {
    let repo = built(SMALL);
    let spec = pod(&repo, USERS);
    for absent in [
        "terminationGracePeriodSeconds",
        "imagePullSecrets",
        "nodeSelector",
        "tolerations",
    ] {
        assert!(spec[absent].is_null(), "{absent}");
    }
    assert_eq!(
        spec["topologySpreadConstraints"][0]["topologyKey"],
        "kubernetes.io/hostname"
    );
    assert!(spec["securityContext"]["sysctls"].is_null());
    let main = &spec["containers"][0];
    assert!(main["command"].is_null());
    assert!(main["lifecycle"].is_null());
    assert!(main["securityContext"]["capabilities"]["add"].is_null());
    assert_eq!(main["startupProbe"]["failureThreshold"], 30);
    assert_eq!(main["startupProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(
        strings(&main["securityContext"]["capabilities"]["drop"]),
        ["ALL"]
    );
    assert!(!repo.exists("deploy/dev/services/users/configmap-files.yaml"));
    assert!(repo.yaml(DB)["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"].is_null());
    let account = repo.yaml("deploy/dev/services/users/serviceaccount.yaml");
    assert!(account["metadata"]["annotations"].is_null());
}

#[test]
fn command_and_pre_stop_reach_the_container() {
    let repo = built(&users_with(
        "command = [\"node\", \"server.js\"]\npre_stop = [\"/bin/sleep\", \"5\"]",
    ));
    let main = container(&repo, USERS);
    assert_eq!(strings(&main["command"]), ["node", "server.js"]);
    assert_eq!(
        strings(&main["lifecycle"]["preStop"]["exec"]["command"]),
        ["/bin/sleep", "5"]
    );
}

#[test]
fn grace_period_is_layered_and_in_whole_seconds() {
    let config = users_with("")
        .replace("[defaults]\n", "")
        .replace(
            "[environments.dev]\n",
            "[defaults]\ngrace_period = \"1m\"\n\n[environments.dev]\n",
        )
        .replace("replicas = 3\n", "replicas = 3\ngrace_period = \"90s\"\n");
    let repo = built(&config);
    assert_eq!(pod(&repo, USERS)["terminationGracePeriodSeconds"], 60);
    assert_eq!(
        pod(&repo, "deploy/prod/services/users/deployment.yaml")["terminationGracePeriodSeconds"],
        90
    );
    refused(
        &users_with("grace_period = \"1500ms\""),
        &[
            "`1500ms` in `services.users.grace_period` is not a duration of whole seconds",
            "kiln.toml:",
        ],
    );
}

#[test]
fn probes_change_kind_budget_and_timing() {
    let repo = built(&users_with(
        "probes = { startup = \"400s\", period = \"15s\", timeout = \"4s\", failures = 5, headers = { X-Probe = \"kubelet\" } }",
    ));
    let main = container(&repo, USERS);
    let startup = &main["startupProbe"];
    assert_eq!(startup["periodSeconds"], 5);
    assert_eq!(startup["failureThreshold"], 80, "400 s at one ask per 5 s");
    assert_eq!(startup["timeoutSeconds"], 4);
    for probe in ["livenessProbe", "readinessProbe"] {
        assert_eq!(main[probe]["periodSeconds"], 15, "{probe}");
        assert_eq!(main[probe]["failureThreshold"], 5, "{probe}");
        assert_eq!(main[probe]["httpGet"]["httpHeaders"][0]["name"], "X-Probe");
        assert_eq!(main[probe]["httpGet"]["httpHeaders"][0]["value"], "kubelet");
    }
    let repo = built(&users_with(
        "probes = { kind = \"exec\", command = [\"/bin/check\", \"--quick\"] }",
    ));
    let main = container(&repo, USERS);
    assert_eq!(
        strings(&main["livenessProbe"]["exec"]["command"]),
        ["/bin/check", "--quick"]
    );
    assert!(main["livenessProbe"]["httpGet"].is_null());
    let repo = built(&users_with("probes = false"));
    let main = container(&repo, USERS);
    for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
        assert!(main[probe].is_null(), "{probe}");
    }
}

#[test]
fn grpc_services_get_native_grpc_probes() {
    let repo = built(&users_with("protocol = \"grpc\""));
    let main = container(&repo, USERS);
    for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
        assert_eq!(main[probe]["grpc"]["port"], 8080, "{probe}");
        assert!(main[probe]["tcpSocket"].is_null(), "{probe}");
    }
    let repo = built(&users_with(
        "protocol = \"grpc\"\nprobes = { kind = \"tcp\" }",
    ));
    assert_eq!(
        container(&repo, USERS)["livenessProbe"]["tcpSocket"]["port"],
        "grpc"
    );
}

#[test]
fn bad_probes_are_located_errors_all_at_once() {
    refused(
        &users_with(
            "health = \"/h\"\nprobes = { kind = \"exec\", path = \"/x\", port = 9999, startup = \"soon\", failures = 0 }",
        ),
        &[
            "an `exec` probe needs `services.users.probes.command`",
            "`services.users.probes.path` has no effect",
            "`services.users.probes.path` and `health` both set a probe path",
            "port 9999 in `services.users.probes.port` is not a port of the service",
            "`soon` in `services.users.probes.startup` is not a duration of whole seconds",
            "`services.users.probes.failures`",
        ],
    );
    refused(
        &users_with("probes = { kind = \"websocket\" }"),
        &[
            "`services.users.probes.kind` cannot be `websocket`",
            "kiln.toml:",
        ],
    );
}

#[test]
fn scheduling_keys_merge_and_win_by_layer() {
    let config = users_with(
        "node_selector = { \"cloud.google.com/gke-nodepool\" = \"api\" }\nspread = \"topology.kubernetes.io/zone\"",
    )
    .replace(
        "[environments.dev]\n",
        "[defaults]\nnode_selector = { \"kubernetes.io/arch\" = \"amd64\" }\ntolerations = [{ key = \"dedicated\", operator = \"Equal\", value = \"shop\", effect = \"NoSchedule\" }]\n\n[environments.dev]\n",
    )
    .replace(
        "replicas = 3\n",
        "replicas = 3\ntolerations = [{ operator = \"Exists\", effect = \"NoExecute\" }]\n",
    );
    let repo = built(&config);
    let dev = pod(&repo, USERS);
    assert_eq!(dev["nodeSelector"]["kubernetes.io/arch"], "amd64");
    assert_eq!(dev["nodeSelector"]["cloud.google.com/gke-nodepool"], "api");
    assert_eq!(dev["tolerations"][0]["key"], "dedicated");
    assert_eq!(dev["tolerations"][0]["effect"], "NoSchedule");
    assert_eq!(
        dev["topologySpreadConstraints"][0]["topologyKey"],
        "topology.kubernetes.io/zone"
    );
    let prod = pod(&repo, "deploy/prod/services/users/deployment.yaml");
    let tolerations = prod["tolerations"].as_sequence().unwrap();
    assert_eq!(tolerations.len(), 1, "the higher layer wins as a whole");
    assert_eq!(tolerations[0]["operator"], "Exists");
    assert!(tolerations[0]["key"].is_null());
    // The database keeps the environment-wide selector, and kiln's spread.
    let db = pod(&repo, DB);
    assert_eq!(db["nodeSelector"]["kubernetes.io/arch"], "amd64");
    assert_eq!(
        db["topologySpreadConstraints"][0]["topologyKey"],
        "kubernetes.io/hostname"
    );
    let repo = built(&users_with("spread = false"));
    assert!(pod(&repo, USERS)["topologySpreadConstraints"].is_null());
}

#[test]
fn bad_scheduling_values_are_refused() {
    refused(
        &users_with(
            "node_selector = { \"bad key!\" = \"x\" }\ntolerations = [{ operator = \"Exists\", value = \"v\" }, { value = \"v\" }]\nspread = \"not a key\"",
        ),
        &[
            "`bad key!` in `services.users.node_selector.\"bad key!\"` is not a Kubernetes label key",
            "`services.users.tolerations[0].value` is set with `operator = \"Exists\"`",
            "`services.users.tolerations[1]` has no `key`",
            "`not a key` in `services.users.spread` is not a Kubernetes label key",
        ],
    );
    refused(
        &users_with("tolerations = [{ key = \"k\", effect = \"Sometimes\" }]"),
        &["cannot be `Sometimes`"],
    );
}

#[test]
fn pod_labels_annotations_and_the_service_account() {
    let config = users_with(
        "annotations = { \"cluster-autoscaler.kubernetes.io/safe-to-evict\" = \"true\" }\nservice_account = { annotations = { \"eks.amazonaws.com/role-arn\" = \"arn:aws:iam::111122223333:role/users\" } }",
    )
    .replace(
        "[environments.dev]\n",
        "[defaults]\nlabels = { cost-center = \"shop\" }\nimage_pull_secrets = [\"ghcr-pull\"]\n\n[environments.dev]\n",
    );
    let repo = built(&config);
    let template = &repo.yaml(USERS)["spec"]["template"];
    assert_eq!(template["metadata"]["labels"]["cost-center"], "shop");
    assert_eq!(
        template["metadata"]["annotations"]["cluster-autoscaler.kubernetes.io/safe-to-evict"],
        "true"
    );
    // Labels go on the pods only: the selector stays kiln's.
    let selector = &repo.yaml(USERS)["spec"]["selector"]["matchLabels"];
    assert!(selector["cost-center"].is_null());
    assert_eq!(template["spec"]["imagePullSecrets"][0]["name"], "ghcr-pull");
    assert_eq!(pod(&repo, DB)["imagePullSecrets"][0]["name"], "ghcr-pull");
    let account = repo.yaml("deploy/dev/services/users/serviceaccount.yaml");
    assert_eq!(
        account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
        "arn:aws:iam::111122223333:role/users"
    );
    let explained = repo.kiln(&["explain", "dev", "users"]).success();
    for text in [
        "labels.cost-center",
        "image_pull_secrets",
        "[defaults]",
        "service_account",
    ] {
        assert!(
            explained.stdout.contains(text),
            "{text}:\n{}",
            explained.stdout
        );
    }
}

#[test]
fn kiln_labels_and_annotations_cannot_be_overridden() {
    refused(
        &users_with(
            "labels = { \"app.kubernetes.io/name\" = \"other\", track = \"canary\", ok = \"bad value!\" }\nannotations = { \"checksum/config\" = \"0\" }\nimage_pull_secrets = [\"Bad_Name\"]",
        ),
        &[
            "`app.kubernetes.io/name` in `services.users.labels.\"app.kubernetes.io/name\"` is a label kiln sets itself",
            "`track` in `services.users.labels.track` is a label kiln sets itself",
            "`bad value!` in `services.users.labels.ok`",
            "`checksum/config` in `services.users.annotations.\"checksum/config\"` is an annotation kiln sets itself",
            "`Bad_Name` in `services.users.image_pull_secrets[0]` is not a valid Secret name",
        ],
    );
}

#[test]
fn capabilities_allow_low_ports_and_keep_every_capability_dropped() {
    let repo = built(&users_with("capabilities = [\"NET_BIND_SERVICE\"]"));
    let spec = pod(&repo, USERS);
    let sysctls = &spec["securityContext"]["sysctls"];
    assert_eq!(sysctls[0]["name"], "net.ipv4.ip_unprivileged_port_start");
    assert_eq!(sysctls[0]["value"], "0");
    let security = &spec["containers"][0]["securityContext"];
    assert_eq!(strings(&security["capabilities"]["drop"]), ["ALL"]);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    refused(
        &users_with("capabilities = [\"SYS_ADMIN\"]"),
        &["`services.users.capabilities[0]` cannot be `SYS_ADMIN`"],
    );
}

#[test]
fn volumes_mount_configmaps_secrets_scratch_and_claims() {
    let repo = built(&users_with(
        r#"volumes = [
  { name = "tls", secret = "users-tls", path = "/etc/tls" },
  { name = "conf", config_map = "users-conf", path = "/etc/users", read_only = false },
  { name = "spool", empty_dir = { medium = "Memory", size = "64Mi" }, path = "/var/spool/users" },
  { name = "shared", claim = "shared-data", path = "/shared" },
]"#,
    ));
    let spec = pod(&repo, USERS);
    let volume = |name: &str| {
        spec["volumes"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no volume {name}"))
    };
    assert_eq!(volume("tls")["secret"]["secretName"], "users-tls");
    assert_eq!(volume("conf")["configMap"]["name"], "users-conf");
    assert_eq!(volume("spool")["emptyDir"]["medium"], "Memory");
    assert_eq!(volume("spool")["emptyDir"]["sizeLimit"], "64Mi");
    assert_eq!(
        volume("shared")["persistentVolumeClaim"]["claimName"],
        "shared-data"
    );
    let mounts = spec["containers"][0]["volumeMounts"]
        .as_sequence()
        .unwrap()
        .clone();
    let mount = |name: &str| mounts.iter().find(|m| m["name"] == name).cloned().unwrap();
    assert_eq!(mount("tls")["mountPath"], "/etc/tls");
    assert_eq!(
        mount("tls")["readOnly"],
        true,
        "secrets are read-only by default"
    );
    assert!(mount("conf")["readOnly"].is_null());
    assert!(mount("spool")["readOnly"].is_null());
    refused(
        &users_with(
            r#"volumes = [
  { name = "tmp", empty_dir = {}, path = "/cache" },
  { name = "two", secret = "a", claim = "b", path = "/two" },
  { name = "rel", empty_dir = { size = "lots" }, path = "relative" },
  { name = "dup", empty_dir = {}, path = "/tmp" },
]"#,
        ),
        &[
            "volume `tmp` in `services.users.volumes[0].name` is named twice",
            "`services.users.volumes[1]` needs exactly one of `config_map`, `secret`, `empty_dir` and `claim`",
            "`relative` in `services.users.volumes[2].path` is not an absolute path",
            "`services.users.volumes[2].empty_dir.size`",
            "`/tmp` in `services.users.volumes[3].path` is mounted twice",
        ],
    );
}

#[test]
fn files_land_in_a_configmap_mounted_read_only_and_restart_pods() {
    let config = users_with(
        "files = { \"/etc/users/app.conf\" = \"listen = 8080\\nlog = info\\n\", \"/etc/users/extra.ini\" = \"[a]\\n\" }",
    );
    let repo = built(&config);
    let map = repo.yaml("deploy/dev/services/users/configmap-files.yaml");
    assert_eq!(map["metadata"]["name"], "users-files");
    assert_eq!(map["data"]["0-app.conf"], "listen = 8080\nlog = info\n");
    assert_eq!(map["data"]["1-extra.ini"], "[a]\n");
    let kustomization = repo.read("deploy/dev/kustomization.yaml");
    assert!(kustomization.contains("services/users/configmap-files.yaml"));
    let spec = pod(&repo, USERS);
    let mount = spec["containers"][0]["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"] == "/etc/users/app.conf")
        .cloned()
        .unwrap();
    assert_eq!(mount["subPath"], "0-app.conf");
    assert_eq!(mount["readOnly"], true);
    let annotations = &repo.yaml(USERS)["spec"]["template"]["metadata"]["annotations"];
    let before = annotations["checksum/files"].as_str().unwrap().to_string();
    repo.write("kiln.toml", &config.replace("log = info", "log = debug"));
    repo.kiln(&["build"]).success();
    let after =
        repo.yaml(USERS)["spec"]["template"]["metadata"]["annotations"]["checksum/files"].clone();
    assert_ne!(
        after.as_str().unwrap(),
        before,
        "a changed file rolls the pods"
    );
    // Removing the files removes their ConfigMap.
    repo.write("kiln.toml", &users_with(""));
    repo.kiln(&["build"]).success();
    assert!(!repo.exists("deploy/dev/services/users/configmap-files.yaml"));
}

#[test]
fn bad_files_are_refused() {
    let big = "x".repeat(70 * 1024);
    refused(
        &users_with(&format!(
            "files = {{ \"etc/app.conf\" = \"a\", \"/etc/../app.conf\" = \"b\", \"/tmp/x.conf\" = \"c\", \"/etc/big\" = \"{big}\" }}"
        )),
        &[
            "`etc/app.conf` in `services.users.files.\"etc/app.conf\"` is not a clean absolute file path",
            "`/etc/../app.conf` in `services.users.files.\"/etc/../app.conf\"` is not a clean absolute file path",
            "`/tmp/x.conf` in `services.users.files.\"/tmp/x.conf\"` is inside another mount",
            "`services.users.files.\"/etc/big\"` is too large",
        ],
    );
}

#[test]
fn storage_class_is_for_stateful_services() {
    let repo = built(&SMALL.replace(
        "storage = \"5Gi\"\n",
        "storage = \"5Gi\"\nstorage_class = \"fast-ssd\"\n",
    ));
    let claim = &repo.yaml(DB)["spec"]["volumeClaimTemplates"][0]["spec"];
    assert_eq!(claim["storageClassName"], "fast-ssd");
    refused(
        &users_with("storage_class = \"fast-ssd\""),
        &["`services.users.storage_class` only applies to `stateful` services"],
    );
}

#[test]
fn empty_commands_are_refused() {
    refused(
        &users_with("command = []\npre_stop = [\"\"]"),
        &[
            "`services.users.command` is empty",
            "`services.users.pre_stop[0]` contains an empty string",
        ],
    );
}

#[test]
fn environment_tables_set_layered_pod_keys() {
    // A per-environment table sets the layered keys for that environment only.
    let config = users_with("").replace(
        "[services.db]\n",
        "[services.users.environments.prod]\nnode_selector = { pool = \"big\" }\ngrace_period = \"2m\"\n\n[services.db]\n",
    );
    let repo = built(&config);
    assert!(pod(&repo, USERS)["nodeSelector"].is_null());
    let prod = pod(&repo, "deploy/prod/services/users/deployment.yaml");
    assert_eq!(prod["nodeSelector"]["pool"], "big");
    assert_eq!(prod["terminationGracePeriodSeconds"], 120);
}

#[test]
fn prereqs_list_what_the_pod_keys_reference() {
    let config = users_with(
        r#"volumes = [
  { name = "tls", secret = "users-tls", path = "/etc/tls" },
  { name = "conf", config_map = "users-conf", path = "/etc/users" },
  { name = "shared", claim = "shared-data", path = "/shared" },
]
image_pull_secrets = ["ghcr-pull"]"#,
    )
    .replace(
        "storage = \"5Gi\"\n",
        "storage = \"5Gi\"\nstorage_class = \"fast-ssd\"\n",
    );
    let repo = built(&config);
    let run = repo.kiln(&["prereqs", "--format", "json"]).success();
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let dev = &report["environments"][0];
    assert_eq!(dev["environment"], "dev");
    let secret = |name: &str| {
        dev["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no secret {name}: {dev}"))
    };
    assert_eq!(secret("users-tls")["usedBy"][0], "users");
    assert_eq!(
        secret("ghcr-pull")["type"],
        "kubernetes.io/dockerconfigjson"
    );
    let mounted: Vec<(String, String)> = dev["mounted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap().into(),
                m["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        mounted,
        [
            ("ConfigMap".to_string(), "users-conf".to_string()),
            (
                "PersistentVolumeClaim".to_string(),
                "shared-data".to_string()
            ),
        ]
    );
    assert_eq!(dev["storage"][0]["storageClass"], "fast-ssd");
    let text = repo.kiln(&["prereqs"]).success().stdout;
    assert!(text.contains("StorageClass `fast-ssd`"), "{text}");
    assert!(text.contains("ConfigMap `users-conf`"), "{text}");
}

/// SMALL's database with a metrics exporter beside it, and an init container.
const EXPORTER: &str = r#"volumes = [{ name = "socket", empty_dir = {}, path = "/var/run/postgresql" }]
sidecars = [{ name = "exporter", image = "quay.io/prometheuscommunity/postgres-exporter:v0.16.0", env = { DATA_SOURCE_NAME = "user=postgres host=/var/run/postgresql sslmode=disable" }, secrets = { EXTRA = "db-extra:token" }, ports = [{ name = "metrics", port = 9187, monitor = true }], cpu = "25m", memory = "32Mi", mounts = [{ volume = "socket", path = "/var/run/postgresql", read_only = false }] }]
init_containers = [{ name = "init-perms", image = "busybox:1.37.0", command = ["sh", "-c", "true"], cpu = "500m" }]
"#;

fn db_with(extra: &str) -> String {
    SMALL.replace(
        "storage = \"5Gi\"\n",
        &format!("storage = \"5Gi\"\n{extra}"),
    )
}

#[test]
fn sidecars_are_native_hardened_and_serve_the_service_and_prometheus() {
    let config = db_with(EXPORTER).replace(
        "[environments.dev]\n",
        "[environments.dev]\nmonitoring = true\n",
    );
    let repo = built(&config);
    let spec = pod(&repo, DB);
    let inits = spec["initContainers"].as_sequence().unwrap();
    assert_eq!(inits.len(), 2);
    assert_eq!(inits[0]["name"], "init-perms");
    assert!(
        inits[0]["restartPolicy"].is_null(),
        "an init container runs once"
    );
    let exporter = &inits[1];
    assert_eq!(exporter["name"], "exporter");
    assert_eq!(exporter["restartPolicy"], "Always", "a native sidecar");
    assert_eq!(exporter["ports"][0]["containerPort"], 9187);
    assert_eq!(exporter["env"][0]["name"], "DATA_SOURCE_NAME");
    assert_eq!(
        exporter["env"][1]["valueFrom"]["secretKeyRef"]["name"],
        "db-extra"
    );
    assert_eq!(exporter["resources"]["limits"]["memory"], "64Mi");
    let security = &exporter["securityContext"];
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["runAsNonRoot"], true);
    assert_eq!(strings(&security["capabilities"]["drop"]), ["ALL"]);
    let socket = exporter["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "socket")
        .cloned()
        .unwrap();
    assert!(socket["readOnly"].is_null());
    // The socket volume replaces the image's own writable path there.
    let mounts = spec["containers"][0]["volumeMounts"].as_sequence().unwrap();
    let at_socket = mounts
        .iter()
        .filter(|m| m["mountPath"] == "/var/run/postgresql")
        .count();
    assert_eq!(at_socket, 1);
    // The Service and the ServiceMonitor reach the exporter's port.
    let service = repo.yaml("deploy/dev/services/db/service.yaml");
    let names: Vec<&str> = service["spec"]["ports"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["tcp", "metrics"]);
    let monitor = repo.yaml("deploy/dev/services/db/servicemonitor.yaml");
    assert_eq!(monitor["spec"]["endpoints"][0]["port"], "metrics");
    let policy = repo.read("deploy/dev/services/db/networkpolicy.yaml");
    assert!(policy.contains("port: 9187"), "{policy}");
    // The quota counts the sidecar; the init container's 500m is more than
    // the app and sidecar ask together, so the pod's request is its.
    let quota = repo.yaml("deploy/dev/namespace/resourcequota.yaml");
    let without = built(&SMALL.replace(
        "[environments.dev]\n",
        "[environments.dev]\nmonitoring = true\n",
    ));
    let before = without.yaml("deploy/dev/namespace/resourcequota.yaml");
    assert_ne!(
        quota["spec"]["hard"]["requests.cpu"],
        before["spec"]["hard"]["requests.cpu"]
    );
    let mebibytes = |q: &Value| {
        q.as_str()
            .and_then(|s| s.strip_suffix("Mi"))
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap()
    };
    assert_eq!(
        mebibytes(&quota["spec"]["hard"]["requests.memory"]),
        mebibytes(&before["spec"]["hard"]["requests.memory"]) + 32,
        "the exporter's 32Mi, on the database's one pod"
    );
    // kiln's own cross-checks accept the Service targeting a sidecar's port.
    repo.kiln(&["check"]).success();
}

#[test]
fn bad_extra_containers_are_refused_all_at_once() {
    refused(
        &db_with(
            r#"metrics = "/metrics"
sidecars = [
  { name = "db", image = "busybox" },
  { name = "x", image = "busybox:1.37.0", ports = [{ name = "tcp", port = 5432, monitor = true }], mounts = [{ volume = "sockt", path = "/s" }], cpu = "lots" },
]
init_containers = [{ name = "x", image = "busybox:1.37.0", ports = [{ name = "p", port = 1 }] }]
"#,
        ),
        &[
            "container `db` in `services.db.sidecars[0].name` is named twice in the pod",
            "`services.db.sidecars[0].image`",
            "`services.db.sidecars[1].ports[0].name`",
            "port 5432 in `services.db.sidecars[1].ports[0].port` is taken or reserved",
            "`services.db.sidecars[1].ports[0].monitor` and `metrics` both name the service's metrics",
            "unknown volume `sockt` in `services.db.sidecars[1].mounts[0].volume`",
            "`services.db.sidecars[1].cpu`",
            "container `x` in `services.db.sidecars[1].name` is named twice in the pod",
            "`services.db.init_containers[0].ports` has no effect",
        ],
    );
}
