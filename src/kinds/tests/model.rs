//! What the kinds resolve `kiln.toml` to: the built-in defaults, the
//! layers as a service sees them, and the mesh objects (canary split,
//! AuthorizationPolicy principals from `calls`, gateway routes, retries).

use super::*;
use crate::model::{ProbeKind, Workload};

#[test]
fn a_bare_web_service_gets_the_builtin_defaults() {
    let model = model(SHOP);
    let web = service(&model, "dev", "web");
    assert_eq!(web.workload, Workload::Deployment);
    assert_eq!(web.image, "ghcr.io/acme/web:2.0.0");
    assert_eq!(web.replicas, Some(1));
    assert!(web.autoscale.is_none() && !web.disruption_budget);
    let r = &web.resources;
    assert_eq!(
        [
            &r.cpu_request,
            &r.cpu_limit,
            &r.memory_request,
            &r.memory_limit
        ],
        ["100m", "200m", "128Mi", "256Mi"]
    );
    let probes = web.probes.as_ref().unwrap();
    assert_eq!(probes.kind, ProbeKind::Http);
    assert_eq!(
        (
            probes.liveness_path.as_str(),
            probes.readiness_path.as_str()
        ),
        ("/healthz", "/ready")
    );
    assert_eq!(probes.port_name, "http");
    let metrics = web.metrics.as_ref().unwrap();
    assert_eq!((metrics.path.as_str(), metrics.port), ("/metrics", 3000));
    assert_eq!(web.service_account, "web");
    assert_eq!(web.security.run_as_user, 10001);
    assert!(web.security.read_only_root);
    assert_eq!(web.pod_selector["track"], "stable");
    assert!(
        !web.selector.contains_key("track"),
        "Service selectors span both tracks"
    );
}

#[test]
fn environment_replicas_reach_stateless_services_only() {
    let model = model(SHOP);
    assert_eq!(service(&model, "prod", "web").replicas, Some(3));
    assert!(service(&model, "prod", "web").disruption_budget);
    // A database scales only when the service says so.
    assert_eq!(service(&model, "prod", "db").replicas, Some(1));
    assert_eq!(service(&model, "dev", "db").replicas, Some(1));
}

#[test]
fn the_higher_of_replicas_and_autoscale_wins() {
    let text = SHOP.replace(
        "[environments.prod]\nreplicas = 3\n",
        "[environments.prod]\nautoscale = { min = 2, max = 6 }\n",
    );
    let text = text.replace("route = \"/\"\n", "route = \"/\"\nreplicas = 2\n");
    let model = model(&text);
    let api = service(&model, "prod", "api");
    let scale = api.autoscale.as_ref().unwrap();
    assert_eq!(
        (scale.min, scale.max, scale.cpu, api.replicas),
        (2, 6, 80, None)
    );
    // The service pins a count where its environment autoscales.
    let web = service(&model, "prod", "web");
    assert!(web.autoscale.is_none());
    assert_eq!(web.replicas, Some(2));
}

#[test]
fn a_known_third_party_image_runs_as_its_own_user_with_its_own_paths() {
    let model = model(SHOP);
    let db = service(&model, "dev", "db");
    assert_eq!(db.workload, Workload::StatefulSet);
    assert_eq!(db.security.run_as_user, 999);
    assert_eq!(
        db.storage.as_ref().unwrap().path,
        "/var/lib/postgresql/data"
    );
    assert_eq!(db.env["PGDATA"], "/var/lib/postgresql/data/pgdata");
    assert!(db.metrics.is_none(), "third-party metrics are opt-in");
    assert_eq!(db.headless_service.as_deref(), Some("db-headless"));
}

#[test]
fn the_canary_is_one_pod_of_the_new_version_on_its_own_track() {
    let model = model(SHOP);
    assert!(service(&model, "dev", "api").split.is_none(), "prod only");
    let api = service(&model, "prod", "api");
    let canary = &api.split.as_ref().unwrap().tracks[0];
    assert_eq!(canary.weight, 20);
    let pod = &canary.workload;
    assert_eq!(pod.name, "api-canary");
    assert_eq!(pod.image, "ghcr.io/acme/api:1.1.0");
    assert_eq!(pod.replicas, Some(1));
    assert!(pod.autoscale.is_none() && !pod.disruption_budget && pod.monitor.is_none());
    assert_eq!(pod.pod_selector["track"], "canary");
    assert_eq!(pod.pod_labels["version"], "1.1.0");
    // It shares the stable pods' identity and selector, so it gets the same traffic and peers.
    assert_eq!(
        (pod.service_account.as_str(), &pod.selector),
        ("api", &api.selector)
    );
    let rule = api
        .mesh
        .as_ref()
        .unwrap()
        .destination_rule
        .as_ref()
        .unwrap();
    let subsets: Vec<(&str, &str)> = rule
        .subsets
        .iter()
        .map(|s| (s.name.as_str(), s.labels["track"].as_str()))
        .collect();
    assert_eq!(subsets, [("stable", "stable"), ("canary", "canary")]);
}

#[test]
fn the_canary_split_sends_the_weight_to_the_canary_and_the_rest_to_stable() {
    let model = model(SHOP);
    let api = service(&model, "prod", "api");
    let split = api.mesh.as_ref().unwrap().canary_route.as_ref().unwrap();
    assert!(
        split.prefix.is_none(),
        "inside the mesh, every request is split"
    );
    let weights: Vec<(Option<&str>, Option<u32>)> = split
        .destinations
        .iter()
        .map(|d| (d.subset.as_deref(), d.weight))
        .collect();
    assert_eq!(
        weights,
        [(Some("stable"), Some(80)), (Some("canary"), Some(20))]
    );
    // The gateway route splits the same way.
    let gateway = environment(&model, "prod").mesh.as_ref().unwrap();
    let route = gateway
        .gateway
        .as_ref()
        .unwrap()
        .routes
        .iter()
        .find(|r| r.name == "api");
    assert_eq!(route.unwrap().destinations[1].weight, Some(20));
    let dev = service(&model, "dev", "api").mesh.as_ref().unwrap();
    assert!(dev.canary_route.is_none());
    assert!(dev.destination_rule.as_ref().unwrap().subsets.is_empty());
}

#[test]
fn callers_are_admitted_by_principal_on_every_serving_port() {
    let model = model(SHOP);
    let api = service(&model, "dev", "api").mesh.as_ref().unwrap();
    let callers = &api.authorization[0];
    assert_eq!(
        callers.principals,
        [
            "cluster.local/ns/shop-dev/sa/jobs",
            "cluster.local/ns/shop-dev/sa/web"
        ]
    );
    assert_eq!(callers.ports, ["8080", "9090"]);
    assert!(callers.methods.is_empty() && !callers.plaintext);
    let gateway = &api.authorization[1];
    assert_eq!(
        gateway.principals,
        ["cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"]
    );
    assert_eq!(
        gateway.ports,
        ["8080"],
        "the route reaches the main port only"
    );
    let db = service(&model, "dev", "db").mesh.as_ref().unwrap();
    assert_eq!(
        db.authorization[0].principals,
        [
            "cluster.local/ns/shop-dev/sa/api",
            "cluster.local/ns/shop-dev/sa/jobs"
        ]
    );
    assert_eq!(
        db.authorization.len(),
        1,
        "no route, no metrics: callers only"
    );
    // Nobody calls the front end: only the gateway and Prometheus reach it.
    let web = service(&model, "dev", "web").mesh.as_ref().unwrap();
    let comments: Vec<&str> = web
        .authorization
        .iter()
        .map(|r| r.comment.as_str())
        .collect();
    assert!(
        comments[0].starts_with("the ingress gateway"),
        "{comments:?}"
    );
    assert_eq!(comments.len(), 2);
}

#[test]
fn prometheus_may_get_the_metrics_path_in_plain_text_only_under_strict_mtls() {
    let model = model(&SHOP.replace(
        "[environments.dev]\n",
        "[environments.dev]\nmtls = \"permissive\"\n",
    ));
    let strict = service(&model, "prod", "api").mesh.as_ref().unwrap();
    let rule = strict.authorization.last().unwrap();
    assert_eq!(rule.namespaces, ["monitoring"]);
    assert_eq!(
        (rule.methods.as_slice(), rule.paths.as_slice()),
        (&["GET".to_string()][..], &["/metrics".to_string()][..])
    );
    assert!(rule.plaintext);
    assert_eq!(strict.permissive_port, Some(8080));
    let permissive = service(&model, "dev", "api").mesh.as_ref().unwrap();
    assert!(!permissive.authorization.last().unwrap().plaintext);
    assert_eq!(permissive.permissive_port, None);
}

#[test]
fn gateway_routes_take_the_longest_prefix_first_with_the_layered_retries() {
    let text = SHOP.to_string()
        + "\n[services.v2]\nlanguage = \"go\"\nversion = \"1.0.0\"\nport = 8080\nroute = \"/api/v2\"\ntimeout = \"40s\"\nretries = false\n";
    let model = model(&text);
    let mesh = environment(&model, "dev").mesh.as_ref().unwrap();
    let gateway = mesh.gateway.as_ref().unwrap();
    assert_eq!(gateway.host, "dev.shop.localhost");
    assert_eq!(gateway.credential_name, "shop-dev-tls");
    assert_eq!(gateway.credential_namespace, "istio-system");
    let routes: Vec<(&str, &str, u32)> = gateway
        .routes
        .iter()
        .map(|r| {
            (
                r.prefix.as_deref().unwrap(),
                r.timeout.as_str(),
                r.retries.attempts,
            )
        })
        .collect();
    assert_eq!(
        routes,
        [("/api/v2", "40s", 0), ("/api", "15s", 3), ("/", "15s", 3)]
    );
    assert_eq!(gateway.routes[0].retries.retry_on, "");
    assert_eq!(
        gateway.routes[2].destinations[0].host,
        "web.shop-dev.svc.cluster.local"
    );
}

#[test]
fn without_the_mesh_an_environment_has_no_mesh_objects_nor_sidecar() {
    // The Gateway API still exposes the routes without the mesh.
    let model = model(&SHOP.replace(
        "[environments.dev]\n",
        "[environments.dev]\nmesh = false\ntraffic = \"gateway-api\"\n",
    ));
    assert!(environment(&model, "dev").mesh.is_none());
    let api = service(&model, "dev", "api");
    assert!(api.mesh.is_none());
    assert!(
        !api.pod_annotations
            .contains_key("sidecar.istio.io/proxyCPU")
    );
    let prod = service(&model, "prod", "api");
    assert_eq!(prod.pod_annotations["sidecar.istio.io/proxyCPU"], "100m");
    assert_eq!(
        prod.pod_annotations["sidecar.istio.io/proxyMemoryLimit"],
        "256Mi"
    );
}

#[test]
fn a_cronjobs_sidecar_is_native_so_that_its_jobs_finish() {
    let text = format!(
        "{SHOP}\n[services.report]\nkind = \"cronjob\"\nlanguage = \"go\"\nversion = \"1.0.0\"\nschedule = \"@daily\"\n"
    );
    let text = text.replace(
        "[environments.dev]\n",
        "[environments.dev]\nmonitoring = false\n",
    );
    let model = model(&text);
    let report = service(&model, "prod", "report");
    assert_eq!(report.workload, Workload::CronJob);
    assert_eq!(
        report.pod_annotations["sidecar.istio.io/nativeSidecar"],
        "true"
    );
    assert!(report.probes.is_none() && report.replicas.is_none());
    assert!(
        !report
            .pod_annotations
            .contains_key("prometheus.istio.io/merge-metrics")
    );
    // Without monitoring, the sidecar must not advertise merged metrics.
    let dev = service(&model, "dev", "api");
    assert_eq!(
        dev.pod_annotations["prometheus.istio.io/merge-metrics"],
        "false"
    );
}
