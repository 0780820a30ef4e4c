//! The mesh kind's rules, objects and checks, on small configs.

use super::{APP, crosschecked, environment, model, problems, rendered, service};
use crate::config::{Retries, RetryOn, RetrySetting};
use crate::kinds::mesh::retries;

fn with(extra: &str) -> String {
    format!("{APP}\n{extra}")
}

const CANARY: &str =
    "[services.api.environments.prod]\ncanary = { version = \"1.1.0\", weight = 10 }\n";

#[test]
fn a_canary_needs_the_mesh_a_web_service_and_another_version() {
    let off = APP.replace("[environments.dev]\n", "[environments.dev]\nmesh = false\n");
    let found = problems(&format!(
        "{off}\n[services.api.environments.dev]\ncanary = {{ version = \"1.0.0\", weight = 10 }}\n\
         [services.mailer.environments.prod]\ncanary = {{ version = \"2.1.0\", weight = 10 }}\n"
    ));
    for expected in [
        "`services.api.environments.dev.canary` needs the mesh, which is off in environment `dev`",
        "`services.api.environments.dev.canary.version` is `1.0.0`, the version the stable pods run in `dev`",
        "`services.mailer.environments.prod.canary` needs a `web` service with a `port`",
    ] {
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "no {expected:?} in {found:#?}"
        );
    }
}

#[test]
fn a_timeout_needs_a_route_or_a_canary_and_two_services_no_one_route() {
    let found = problems(&with(
        "[services.cache.environments.dev]\n[services.mailer2]\nimage = \"nginx:1.27.3\"\nport = 80\nroute = \"/api\"\ntimeout = \"1s\"\n",
    ));
    assert!(
        found
            .iter()
            .any(|p| p.contains("`services.mailer2.route`") && p.contains("`/api`")),
        "{found:#?}"
    );
    let found = problems(&APP.replace(
        "image = \"redis:7.2-alpine\"\n",
        "image = \"redis:7.2-alpine\"\ntimeout = \"1s\"\n",
    ));
    assert!(
        found.iter().any(|p| p.contains("`services.cache.timeout`")),
        "{found:#?}"
    );
}

#[test]
fn the_gateway_may_not_run_in_a_namespace_kiln_writes() {
    let found = problems(&APP.replace(
        "[environments.prod]\n",
        "[environments.prod]\ngateway = { namespace = \"shop-prod\" }\n",
    ));
    assert!(
        found
            .iter()
            .any(|p| p.contains("`environments.prod.gateway.namespace`")),
        "{found:#?}"
    );
}

#[test]
fn the_canary_is_the_finished_stable_workload_at_its_own_version() {
    let model = model(&with(CANARY));
    let api = service(&model, "prod", "api");
    let split = api.split.as_ref().expect("a canary in prod");
    assert_eq!((split.track.as_str(), split.weight), ("stable", 90));
    let canary = &split.tracks[0];
    let workload = &canary.workload;
    assert_eq!((canary.name.as_str(), canary.weight), ("canary", 10));
    assert_eq!(workload.name, "api-canary");
    assert_eq!(workload.image, "ghcr.io/acme/shop/api:1.1.0");
    assert_eq!(workload.replicas, Some(1));
    assert!(workload.autoscale.is_none() && workload.monitor.is_none());
    assert!(!workload.disruption_budget && workload.files.is_empty());
    assert_eq!(
        workload.pod_selector.get("track").map(String::as_str),
        Some("canary")
    );
    assert_eq!(
        api.pod_selector.get("track").map(String::as_str),
        Some("stable")
    );
    // The copy was made after every kind shaped the stable workload.
    for key in ["sidecar.istio.io/proxyCPU", "prometheus.io/scrape"] {
        assert!(workload.pod_annotations.contains_key(key), "{key}");
    }
    assert_eq!(
        workload.pod_annotations["kubectl.kubernetes.io/default-container"],
        "api-canary"
    );
    let mesh = api.mesh.as_ref().unwrap();
    let route = mesh.canary_route.as_ref().expect("an in-mesh split");
    let weights: Vec<(Option<&str>, Option<u32>)> = route
        .destinations
        .iter()
        .map(|d| (d.subset.as_deref(), d.weight))
        .collect();
    assert_eq!(
        weights,
        [(Some("stable"), Some(90)), (Some("canary"), Some(10))]
    );
    // No canary in dev, so no split there.
    assert!(service(&model, "dev", "api").split.is_none());
}

#[test]
fn authorization_admits_the_callers_the_gateway_and_prometheus_only() {
    let model = model(APP);
    let api = service(&model, "prod", "api");
    let rules = &api.mesh.as_ref().unwrap().authorization;
    let principals: Vec<&[String]> = rules.iter().map(|r| r.principals.as_slice()).collect();
    assert_eq!(
        principals,
        [
            &["cluster.local/ns/shop-prod/sa/mailer".to_string()][..],
            &["cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account".to_string()]
                [..],
            &[][..],
        ]
    );
    let prometheus = &rules[2];
    assert_eq!(prometheus.namespaces, ["monitoring"]);
    assert_eq!(
        (prometheus.methods.as_slice(), prometheus.plaintext),
        (&["GET".to_string()][..], true)
    );
    // The database is called by the API alone.
    let db = service(&model, "prod", "db");
    assert_eq!(
        db.mesh.as_ref().unwrap().authorization[0].principals,
        ["cluster.local/ns/shop-prod/sa/api"]
    );
}

#[test]
fn the_gateway_tries_the_longest_route_first() {
    let model = model(&with(
        "[services.v2]\nimage = \"nginx:1.27.3\"\nport = 80\nroute = \"/api/v2\"\n",
    ));
    let gateway = environment(&model, "prod")
        .mesh
        .as_ref()
        .unwrap()
        .gateway
        .as_ref()
        .unwrap();
    let prefixes: Vec<&str> = gateway
        .routes
        .iter()
        .filter_map(|r| r.prefix.as_deref())
        .collect();
    assert_eq!(prefixes, ["/api/v2", "/api"]);
    assert_eq!(gateway.host, "shop.example.com");
    let dev = environment(&model, "dev").mesh.as_ref().unwrap();
    assert_eq!(dev.gateway.as_ref().unwrap().host, "dev.shop.localhost");
}

#[test]
fn retries_are_the_safe_three_unless_a_layer_says_otherwise() {
    let default = retries(None);
    assert_eq!(default.attempts, 3);
    assert_eq!(
        default.retry_on,
        "connect-failure,refused-stream,reset-before-request"
    );
    let off = retries(Some(&RetrySetting::Enabled(false)));
    assert_eq!((off.attempts, off.retry_on.as_str()), (0, ""));
    let policy = RetrySetting::Policy(Retries {
        attempts: Some(1),
        on: Some(vec![RetryOn::ConnectFailure]),
        per_try_timeout: None,
    });
    let some = retries(Some(&policy));
    assert_eq!(
        (
            some.attempts,
            some.retry_on.as_str(),
            some.per_try_timeout.as_deref()
        ),
        (1, "connect-failure", None)
    );
}

#[test]
fn the_checks_find_a_split_that_does_not_add_up_and_a_stranger_admitted() {
    let (mut files, model) = rendered(&with(CANARY));
    assert_eq!(crosschecked(&files, &model), Vec::<String>::new());
    let split = "deploy/prod/services/api/virtualservice.yaml";
    let text = files[split].replacen("weight: 90", "weight: 80", 1);
    files.insert(split.to_string(), text);
    let policy = "deploy/prod/services/db/authorizationpolicy.yaml";
    let text = files[policy].replace("/sa/api", "/sa/nobody");
    files.insert(policy.to_string(), text);
    let found = crosschecked(&files, &model);
    assert!(
        found.iter().any(|p| p.contains("add up to 90, not 100")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("admits `cluster.local/ns/shop-prod/sa/nobody`")),
        "{found:#?}"
    );
}

const VERSIONS: &str = "[services.api.environments.prod.versions]\n\
    v1 = { weight = 70 }\n\
    v2 = { version = \"2.0.0\", weight = 20, env = { MODE = \"b\" } }\n\
    v3 = { version = \"3.0.0\", weight = 10, replicas = 3 }\n";

#[test]
fn versions_are_the_own_track_then_one_workload_per_version() {
    let model = model(&with(VERSIONS));
    let api = service(&model, "prod", "api");
    let split = api.split.as_ref().expect("versions in prod");
    // The own track keeps its pods' `track: stable` under its entry's name.
    assert_eq!(
        split.all(),
        [("v1", 70, "stable"), ("v2", 20, "v2"), ("v3", 10, "v3")]
    );
    assert!(!split.canary);
    let v2 = &split.tracks[0].workload;
    assert_eq!(v2.name, "api-v2");
    assert_eq!(v2.config_map.as_deref(), Some("api-v2-env"));
    assert_eq!(v2.env.get("MODE").map(String::as_str), Some("b"));
    assert_eq!(v2.replicas, Some(1));
    assert_eq!(split.tracks[1].workload.replicas, Some(3));
    assert_eq!(
        api.pod_selector.get("track").map(String::as_str),
        Some("stable")
    );
    let files: Vec<(&str, Option<usize>)> = api
        .files
        .iter()
        .filter(|f| f.track.is_some())
        .map(|f| (f.file.as_str(), f.track))
        .collect();
    assert_eq!(
        files,
        [
            ("configmap-v2.yaml", Some(0)),
            ("deployment-v2.yaml", Some(0)),
            ("deployment-v3.yaml", Some(1))
        ]
    );
    assert!(service(&model, "dev", "api").split.is_none());
}
