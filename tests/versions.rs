//! `versions` (issue 16): N versions of one service, each with its share of
//! the traffic, through the binary on real output: the Deployments, the
//! Istio subsets and weights, the Gateway API's per-version Services and
//! weighted backends, ambient splits, `routes` to a version, the CI and the
//! quota, and the errors of each.

use crate::{Repo, built};
use serde_yaml::Value;

/// A routed web service with three versions in every environment, under
/// `project`, with `extra` appended to its table.
fn config(project: &str, extra: &str) -> String {
    format!(
        r#"
[project]
name = "shop"
registry = "ghcr.io/acme/shop"
ci = ["github"]
logging = false
{project}

[environments.dev]
domain = "dev.shop.example.com"

[services.web]
language = "node"
version = "1.0.0"
port = 3000
route = "/"
env = {{ MODE = "classic", TZ = "UTC" }}
routes = [{{ headers = {{ end-user = "jason" }}, to = "v2" }}]
{extra}

[services.web.versions]
v1 = {{ weight = 60 }}
v2 = {{ version = "2.0.0", weight = 30, env = {{ MODE = "dark" }}, replicas = 2 }}
v3 = {{ version = "3.0.0-rc.1", weight = 10 }}
"#
    )
}

fn seq(value: &Value) -> &Vec<Value> {
    value
        .as_sequence()
        .unwrap_or_else(|| panic!("not a list: {value:?}"))
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value:?}"))
}

/// The `(host or name, subset, weight)` of each destination or backend.
fn split_of(route: &Value, list: &str) -> Vec<(String, String, u64)> {
    seq(&route[list])
        .iter()
        .map(|d| {
            let target = if list == "route" {
                &d["destination"]
            } else {
                d
            };
            let name = target["host"].as_str().or(target["name"].as_str());
            (
                name.unwrap_or_default().to_string(),
                target["subset"].as_str().unwrap_or_default().to_string(),
                d["weight"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn three_versions_are_three_deployments_with_their_labels_images_replicas_and_env() {
    let repo = built(&config("", ""));
    let own = repo.yaml("deploy/dev/services/web/deployment.yaml");
    assert_eq!(own["metadata"]["name"], "web");
    let template = &own["spec"]["template"];
    // The service's own pods keep `track: stable`: its selector never changes.
    assert_eq!(own["spec"]["selector"]["matchLabels"]["track"], "stable");
    assert_eq!(template["metadata"]["labels"]["version"], "1.0.0");
    let container = &template["spec"]["containers"][0];
    assert_eq!(container["image"], "ghcr.io/acme/shop/web:1.0.0");

    let v2 = repo.yaml("deploy/dev/services/web/deployment-v2.yaml");
    assert_eq!(v2["metadata"]["name"], "web-v2");
    assert_eq!(v2["spec"]["replicas"], 2);
    assert_eq!(v2["spec"]["selector"]["matchLabels"]["track"], "v2");
    let labels = &v2["spec"]["template"]["metadata"]["labels"];
    assert_eq!(
        (&labels["track"], &labels["version"]),
        (&"v2".into(), &"2.0.0".into())
    );
    let container = &v2["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "ghcr.io/acme/shop/web:2.0.0");
    // Its own variables over the service's, in a ConfigMap of its own.
    assert_eq!(
        container["envFrom"][0]["configMapRef"]["name"],
        "web-v2-env"
    );
    let config_map = repo.yaml("deploy/dev/services/web/configmap-v2.yaml");
    assert_eq!(config_map["metadata"]["name"], "web-v2-env");
    assert_eq!(config_map["data"]["MODE"], "dark");
    assert_eq!(config_map["data"]["TZ"], "UTC");
    let service_env = repo.yaml("deploy/dev/services/web/configmap.yaml");
    assert_eq!(service_env["data"]["MODE"], "classic");
    // The pods restart when their own variables change.
    assert_ne!(
        v2["spec"]["template"]["metadata"]["annotations"]["checksum/config"],
        template["metadata"]["annotations"]["checksum/config"]
    );

    let v3 = repo.yaml("deploy/dev/services/web/deployment-v3.yaml");
    assert_eq!(v3["metadata"]["name"], "web-v3");
    assert_eq!(v3["spec"]["replicas"], 1, "one pod, like a canary");
    let container = &v3["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "ghcr.io/acme/shop/web:3.0.0-rc.1");
    assert_eq!(container["envFrom"][0]["configMapRef"]["name"], "web-env");
    assert!(!repo.exists("deploy/dev/services/web/configmap-v3.yaml"));
    let kustomization = repo.read("deploy/dev/kustomization.yaml");
    for file in [
        "deployment-v2.yaml",
        "configmap-v2.yaml",
        "deployment-v3.yaml",
    ] {
        assert!(
            kustomization.contains(&format!("services/web/{file}")),
            "{file}"
        );
    }
    repo.kiln(&["check"]).success();
}

#[test]
fn istio_has_a_subset_per_version_and_weighted_destinations_in_both_virtualservices() {
    let repo = built(&config("", ""));
    let rule = repo.yaml("deploy/dev/services/web/destinationrule.yaml");
    let subsets: Vec<(&str, &str)> = seq(&rule["spec"]["subsets"])
        .iter()
        .map(|s| (text(&s["name"]), text(&s["labels"]["track"])))
        .collect();
    assert_eq!(subsets, [("v1", "stable"), ("v2", "v2"), ("v3", "v3")]);

    let host = "web.shop-dev.svc.cluster.local";
    let weighted = |subset: &str, weight| (host.to_string(), subset.to_string(), weight);
    let in_mesh = repo.yaml("deploy/dev/services/web/virtualservice.yaml");
    let http = seq(&in_mesh["spec"]["http"]);
    assert_eq!(
        split_of(&http[1], "route"),
        [weighted("v1", 60), weighted("v2", 30), weighted("v3", 10)]
    );
    // `routes` first: Jason goes to v2 alone.
    assert_eq!(http[0]["match"][0]["headers"]["end-user"]["exact"], "jason");
    assert_eq!(split_of(&http[0], "route"), [weighted("v2", 0)]);

    let gateway = repo.yaml("deploy/dev/mesh/virtualservice.yaml");
    let http = seq(&gateway["spec"]["http"]);
    let default = http.iter().find(|r| r["name"] == "web").unwrap();
    assert_eq!(
        split_of(default, "route"),
        [weighted("v1", 60), weighted("v2", 30), weighted("v3", 10)]
    );
    repo.kiln(&["check"]).success();
}

#[test]
fn the_gateway_api_has_a_service_per_version_and_weighted_backends() {
    let repo = built(&config("traffic = \"gateway-api\"", ""));
    let dir = "deploy/dev/services/web";
    for (track, label) in [("v1", "stable"), ("v2", "v2"), ("v3", "v3")] {
        let service = repo.yaml(&format!("{dir}/service-{track}.yaml"));
        assert_eq!(service["metadata"]["name"], format!("web-{track}").as_str());
        assert_eq!(service["spec"]["selector"]["track"], label);
        assert_eq!(service["spec"]["selector"]["app.kubernetes.io/name"], "web");
    }
    // The service's own Service still selects every version's pods.
    let all = repo.yaml(&format!("{dir}/service.yaml"));
    assert!(all["spec"]["selector"]["track"].is_null());

    let backends = |route: &Value| -> Vec<(String, String, u64)> {
        let rules = seq(&route["spec"]["rules"]);
        split_of(rules.last().unwrap(), "backendRefs")
    };
    let weighted = |name: &str, weight| (name.to_string(), String::new(), weight);
    let expected = [
        weighted("web-v1", 60),
        weighted("web-v2", 30),
        weighted("web-v3", 10),
    ];
    let route = repo.yaml(&format!("{dir}/httproute.yaml"));
    assert_eq!(backends(&route), expected);
    let first = &seq(&route["spec"]["rules"])[0];
    assert_eq!(split_of(first, "backendRefs"), [weighted("web-v2", 0)]);
    let mesh = repo.yaml(&format!("{dir}/httproute-mesh.yaml"));
    assert_eq!(mesh["spec"]["parentRefs"][0]["kind"], "Service");
    assert_eq!(backends(&mesh), expected);
    assert!(!repo.exists(&format!("{dir}/virtualservice.yaml")));
    repo.kiln(&["check"]).success();
}

#[test]
fn ambient_splits_versions_through_per_version_services_and_a_gamma_route() {
    let repo = built(&config("mesh_mode = \"ambient\"", ""));
    let dir = "deploy/dev/services/web";
    for track in ["v1", "v2", "v3"] {
        assert!(
            repo.exists(&format!("{dir}/service-{track}.yaml")),
            "{track}"
        );
    }
    // No VirtualService or subsets on the waypoint: both are alpha there.
    assert!(!repo.exists(&format!("{dir}/virtualservice.yaml")));
    let rule = repo.yaml(&format!("{dir}/destinationrule.yaml"));
    assert!(rule["spec"]["subsets"].is_null());
    let mesh = repo.yaml(&format!("{dir}/httproute-mesh.yaml"));
    assert_eq!(mesh["apiVersion"], "gateway.networking.k8s.io/v1");
    let parent = &mesh["spec"]["parentRefs"][0];
    assert_eq!(
        (&parent["group"], &parent["kind"]),
        (&"".into(), &"Service".into())
    );
    assert_eq!(parent["name"], "web");
    let rules = seq(&mesh["spec"]["rules"]);
    let weights: Vec<u64> = seq(&rules.last().unwrap()["backendRefs"])
        .iter()
        .map(|b| b["weight"].as_u64().unwrap())
        .collect();
    assert_eq!(weights, [60, 30, 10]);
    // The namespace uses the waypoint, which runs the GAMMA route.
    let namespace = repo.yaml("deploy/dev/namespace/namespace.yaml");
    assert_eq!(
        namespace["metadata"]["labels"]["istio.io/use-waypoint"],
        "waypoint"
    );
    assert!(repo.exists("deploy/dev/mesh/waypoint.yaml"));
    // The ingress gateway sends to each version's own Service host.
    let gateway = repo.yaml("deploy/dev/mesh/virtualservice.yaml");
    let http = seq(&gateway["spec"]["http"]);
    let default = http.iter().find(|r| r["name"] == "web").unwrap();
    let host = |track: &str| format!("web-{track}.shop-dev.svc.cluster.local");
    assert_eq!(
        split_of(default, "route"),
        [
            (host("v1"), String::new(), 60),
            (host("v2"), String::new(), 30),
            (host("v3"), String::new(), 10)
        ]
    );
    let jason = http.iter().find(|r| r["name"] == "web-match-1").unwrap();
    assert_eq!(split_of(jason, "route"), [(host("v2"), String::new(), 0)]);
    // `calls` holds whichever Service a caller names.
    let policy = repo.yaml(&format!("{dir}/authorizationpolicy.yaml"));
    let targets: Vec<&str> = seq(&policy["spec"]["targetRefs"])
        .iter()
        .map(|t| text(&t["name"]))
        .collect();
    assert_eq!(targets, ["web", "web-v1", "web-v2", "web-v3"]);
    // Prometheus scrapes each pod once: through `web`, not its tracks' Services too.
    let monitor = repo.yaml(&format!("{dir}/servicemonitor.yaml"));
    let left_out: Vec<&str> = seq(&monitor["spec"]["selector"]["matchExpressions"])
        .iter()
        .map(|e| text(&e["key"]))
        .collect();
    assert_eq!(left_out, ["service.kubernetes.io/headless", "track"]);
    let v2 = repo.yaml(&format!("{dir}/service-v2.yaml"));
    assert_eq!(v2["metadata"]["labels"]["track"], "v2");
    repo.kiln(&["check"]).success();
}

#[test]
fn a_canary_in_ambient_mode_is_split_through_its_two_track_services() {
    let canary = config("mesh_mode = \"ambient\"", "")
        .replace("to = \"v2\"", "to = \"canary\"")
        .replace(
            "[services.web.versions]\nv1 = { weight = 60 }\nv2 = { version = \"2.0.0\", weight = 30, env = { MODE = \"dark\" }, replicas = 2 }\nv3 = { version = \"3.0.0-rc.1\", weight = 10 }\n",
            "[services.web.canary]\nversion = \"1.1.0\"\nweight = 10\n",
        );
    assert!(canary.contains("[services.web.canary]"));
    let repo = built(&canary);
    let dir = "deploy/dev/services/web";
    let stable = repo.yaml(&format!("{dir}/service-stable.yaml"));
    assert_eq!(stable["spec"]["selector"]["track"], "stable");
    let track = repo.yaml(&format!("{dir}/service-canary.yaml"));
    assert_eq!(track["spec"]["selector"]["track"], "canary");
    assert!(repo.exists(&format!("{dir}/deployment-canary.yaml")));
    let mesh = repo.yaml(&format!("{dir}/httproute-mesh.yaml"));
    let rules = seq(&mesh["spec"]["rules"]);
    let names: Vec<(&str, u64)> = seq(&rules.last().unwrap()["backendRefs"])
        .iter()
        .map(|b| (text(&b["name"]), b["weight"].as_u64().unwrap()))
        .collect();
    assert_eq!(names, [("web-stable", 90), ("web-canary", 10)]);
    repo.kiln(&["check"]).success();
}

#[test]
fn a_canary_keeps_its_output_stable_and_canary() {
    let canary = config("", "canary = { version = \"1.1.0\", weight = 10 }")
        .replace("to = \"v2\"", "to = \"canary\"");
    let canary = &canary[..canary.find("[services.web.versions]").unwrap()];
    let repo = built(canary);
    let dir = "deploy/dev/services/web";
    let deployment = repo.yaml(&format!("{dir}/deployment-canary.yaml"));
    assert_eq!(deployment["metadata"]["name"], "web-canary");
    assert_eq!(deployment["spec"]["replicas"], 1);
    let rule = repo.yaml(&format!("{dir}/destinationrule.yaml"));
    let subsets: Vec<&str> = seq(&rule["spec"]["subsets"])
        .iter()
        .map(|s| text(&s["name"]))
        .collect();
    assert_eq!(subsets, ["stable", "canary"]);
    let vs = repo.read(&format!("{dir}/virtualservice.yaml"));
    assert!(
        vs.contains("# Requests from inside the mesh: split between the stable and canary pods.")
    );
    for file in [
        "deployment-v2.yaml",
        "configmap-v2.yaml",
        "service-stable.yaml",
    ] {
        assert!(!repo.exists(&format!("{dir}/{file}")), "{file}");
    }
}

#[test]
fn an_environment_s_versions_replace_the_service_s_canary_there() {
    let mut config = config("", "canary = { version = \"1.1.0\", weight = 10 }")
        .replace(
            "routes = [{ headers = { end-user = \"jason\" }, to = \"v2\" }]",
            "",
        )
        .replace(
            "[services.web.versions]",
            "[services.web.environments.prod.versions]",
        );
    config = config.replace(
        "[environments.dev]",
        "[environments.prod]\ndomain = \"shop.example.com\"\n\n[environments.dev]",
    );
    let repo = built(&config);
    assert!(repo.exists("deploy/dev/services/web/deployment-canary.yaml"));
    assert!(!repo.exists("deploy/dev/services/web/deployment-v2.yaml"));
    assert!(repo.exists("deploy/prod/services/web/deployment-v2.yaml"));
    assert!(!repo.exists("deploy/prod/services/web/deployment-canary.yaml"));
    repo.kiln(&["explain", "prod", "web"])
        .success()
        .stdout_has("- (replaced by `versions`)")
        .stdout_has("[services.web.environments.prod]");
}

#[test]
fn every_version_is_in_the_ci_image_tags_rollouts_and_quota_and_reports_its_version() {
    let traced = config("", "").replace(
        "[environments.dev]",
        "[environments.dev]\ntracing = { collector = \"otel-collector.observability:4317\" }",
    );
    let repo = built(&traced);
    let ci = repo.read(".github/workflows/ci.yml");
    assert!(ci.contains("tags: \"1.0.0 2.0.0 3.0.0-rc.1\""), "{ci}");
    assert!(
        ci.contains("deployment/web deployment/web-v2 deployment/web-v3"),
        "{ci}"
    );
    let attributes = |file: &str| {
        let deployment = repo.yaml(&format!("deploy/dev/services/web/{file}"));
        let env = seq(&deployment["spec"]["template"]["spec"]["containers"][0]["env"]).clone();
        env.iter()
            .find(|v| v["name"] == "OTEL_RESOURCE_ATTRIBUTES")
            .map(|v| text(&v["value"]).to_string())
            .unwrap_or_default()
    };
    assert!(attributes("deployment-v2.yaml").ends_with("service.version=2.0.0"));
    assert!(attributes("deployment.yaml").ends_with("service.version=1.0.0"));
    // The quota counts 2 + 1 pods of v2 and 1 + 1 of v3 beside the service's own.
    let split = config("", "");
    let single = split[..split.find("[services.web.versions]").unwrap()].replace(
        "routes = [{ headers = { end-user = \"jason\" }, to = \"v2\" }]",
        "",
    );
    let pods = |config: &str| {
        let quota = built(config).yaml("deploy/dev/namespace/resourcequota.yaml");
        text(&quota["spec"]["hard"]["pods"]).parse::<u64>().unwrap()
    };
    assert_eq!(pods(&split), pods(&single) + 5);
}

#[test]
fn an_image_service_runs_its_versions_as_tags_or_images_of_their_own() {
    let repo = built(
        r#"
[project]
name = "books"
logging = false

[environments.dev]

[services.reviews]
image = "registry.istio.io/release/examples-bookinfo-reviews-v1:1.20.3"
protocol = "http"
port = 9080

[services.reviews.versions]
v1 = { weight = 50 }
v2 = { image = "registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3", weight = 25 }
next = { version = "1.21.0", weight = 25 }
"#,
    );
    let image = |file: &str| {
        let deployment = repo.yaml(&format!("deploy/dev/services/reviews/{file}"));
        text(&deployment["spec"]["template"]["spec"]["containers"][0]["image"]).to_string()
    };
    assert_eq!(
        image("deployment-v2.yaml"),
        "registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3"
    );
    assert_eq!(
        image("deployment-next.yaml"),
        "registry.istio.io/release/examples-bookinfo-reviews-v1:1.21.0"
    );
    repo.kiln(&["check"]).success();
}

#[test]
fn weights_that_do_not_sum_to_100_are_refused_at_their_line() {
    let bad = config("", "").replace(
        "v3 = { version = \"3.0.0-rc.1\", weight = 10 }",
        "v3 = { version = \"3.0.0-rc.1\", weight = 5 }",
    );
    let repo = Repo::with_config(&bad);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has(
            "the weights of `services.web.versions` sum to 95, not 100: `v1` 60 + `v2` 30 + `v3` 5",
        )
        .stderr_has("kiln.toml:")
        .stderr_has("make them add up to 100");
    assert!(!repo.exists("deploy"), "nothing is written");
    let over = config("", "").replace("weight = 10 }", "weight = 101 }");
    Repo::with_config(&over)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.web.versions.v3.weight` must be from 0 to 100, not 101");
}

#[test]
fn two_entries_without_version_are_refused() {
    let two = config("", "").replace("version = \"3.0.0-rc.1\", ", "");
    let repo = Repo::with_config(&two);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.web.versions` has 2 entries without `version` (`v1`, `v3`)")
        .stderr_has("leave `version` out of exactly one entry");
    assert!(!repo.exists("deploy"));
}

#[test]
fn versions_and_canary_in_one_table_are_refused_with_a_hint() {
    let both = config("", "canary = { version = \"1.1.0\", weight = 10 }");
    Repo::with_config(&both)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.web.versions` and `canary` are both set in the same table")
        .stderr_has("a canary is the two-version case");
}

#[test]
fn bad_names_same_versions_and_own_entry_settings_are_refused_all_at_once() {
    let bad = config("", "")
        .replace("v1 = { weight = 60 }", "v1 = { weight = 60, replicas = 3 }")
        .replace(
            "v3 = { version = \"3.0.0-rc.1\"",
            "V_3 = { version = \"2.0.0\"",
        );
    Repo::with_config(&bad)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.web.versions.v1.replicas` is set on the entry without `version`")
        .stderr_has("`V_3` in `services.web.versions.V_3` is not a valid version name")
        .stderr_has("`services.web.versions.v2.version` is `2.0.0`, which version `V_3` runs too");
    let own = config("", "").replace("version = \"2.0.0\"", "version = \"1.0.0\"");
    Repo::with_config(&own)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.web.versions.v2.version` is `1.0.0`, the version the service's own pods run in `dev`");
    let secret = config("", "secrets = { MODE = \"web-settings:mode\" }").replace(
        "env = { MODE = \"classic\", TZ = \"UTC\" }",
        "env = { TZ = \"UTC\" }",
    );
    Repo::with_config(&secret)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`MODE` is set both in `env` and in `secrets`")
        .stderr_has("kiln.toml:");
    let no_pods = config("", "").replace("replicas = 2", "replicas = 0");
    Repo::with_config(&no_pods)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.web.versions.v2.replicas` is 0, but the version gets 30 percent of the requests");
    let worker = config("", "").replace("port = 3000\nroute = \"/\"", "kind = \"worker\"");
    Repo::with_config(&worker)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.web.versions` needs a `web` service with a `port`");
    let off = config("", "").replace("[environments.dev]", "[environments.dev]\nmesh = false");
    Repo::with_config(&off)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.web.versions` needs the mesh, which is off in environment `dev`");
}

#[test]
fn routes_go_to_a_version_and_an_unknown_one_is_refused_with_the_tracks_there() {
    let unknown = config("", "").replace("to = \"v2\"", "to = \"v9\"");
    let repo = Repo::with_config(&unknown);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has(
            "`services.web.routes[0].to` is `v9`, which is not a track of the service in `dev`",
        )
        .stderr_has("(`v1`, `v2`, `v3`)")
        .stderr_has("kiln.toml:");
    assert!(!repo.exists("deploy"));
    let typo = config("", "").replace("to = \"v2\"", "to = \"v22\"");
    Repo::with_config(&typo)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("did you mean `v2`?");
    // `stable` names the service's own pods only with a canary.
    let stable = config("", "").replace("to = \"v2\"", "to = \"stable\"");
    Repo::with_config(&stable)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("is `stable`, which is not a track of the service in `dev`");
}

#[test]
fn a_service_s_own_versions_replace_its_preset_s_canary() {
    let with_preset = config("", "preset = \"team-web\"");
    let repo = Repo::with_config(&with_preset);
    repo.write(
        ".kiln/presets/team-web.toml",
        "kind = \"web\"\ncanary = { version = \"1.1.0\", weight = 10 }\n",
    );
    repo.kiln(&["build"]).success();
    let dir = "deploy/dev/services/web";
    assert!(repo.exists(&format!("{dir}/deployment-v2.yaml")));
    assert!(!repo.exists(&format!("{dir}/deployment-canary.yaml")));
    repo.kiln(&["explain", "dev", "web"])
        .success()
        .stdout_has("- (replaced by `versions`)");
}

#[test]
fn a_fault_on_an_ambient_split_without_a_route_is_refused() {
    let fault = config("mesh_mode = \"ambient\"", "")
        .replace("route = \"/\"\n", "")
        .replace(
            "[services.web.versions]",
            "[services.web.environments.dev]\nfault = { abort = 503, percent = 10 }\n\n[services.web.versions]",
        );
    Repo::with_config(&fault)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.web.environments.dev.fault` has no effect: in environment `dev`, ambient mode")
        .stderr_has("give the service a `route`");
    // Without ambient mode the in-mesh VirtualService takes it.
    let sidecar = fault.replace("mesh_mode = \"ambient\"", "");
    let repo = built(&sidecar);
    let vs = repo.read("deploy/dev/services/web/virtualservice.yaml");
    assert!(vs.contains("fault:"), "{vs}");
}

#[test]
fn versions_that_run_one_image_or_take_another_service_s_name_are_refused() {
    let twice = r#"
[project]
name = "books"
logging = false

[environments.dev]

[services.reviews]
image = "registry.istio.io/release/examples-bookinfo-reviews-v1:1.20.3"
protocol = "http"
port = 9080

[services.reviews.versions]
v1 = { weight = 50 }
a = { version = "1.21.0", weight = 25 }
b = { image = "registry.istio.io/release/examples-bookinfo-reviews-v1:1.21.0", weight = 25 }

[services.reviews-a]
image = "nginxinc/nginx-unprivileged:1.27.3"
port = 8080
"#;
    Repo::with_config(twice)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.reviews.versions.b.image` is `registry.istio.io/release/examples-bookinfo-reviews-v1:1.21.0`, which version `a` runs too")
        .stderr_has("`services.reviews.versions.a` would name its Deployment or Service `reviews-a`, which is another service's name");
}
