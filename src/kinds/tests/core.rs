//! The core kind's rules, workload and checks, on small configs.

use super::{APP, crosschecked, model, problems, rendered, service};
use crate::model::Workload;

fn with(extra: &str) -> String {
    format!("{APP}\n{extra}")
}

#[test]
fn a_service_that_serves_needs_a_port_and_its_callers_need_one_to_call() {
    let found = problems(&with(
        "[services.web]\nlanguage = \"go\"\nversion = \"1.0.0\"\ncalls = [\"mailer\", \"apii\", \"web\"]\n",
    ));
    for expected in [
        "web service `web` has no `port`",
        "`services.web.calls[0]` names `mailer`, which has no Service to call",
        "unknown service `apii` in `services.web.calls[1]`",
        "service `web` lists itself in `services.web.calls[2]`",
    ] {
        assert!(
            found.iter().any(|p| p.starts_with(expected)),
            "no {expected:?} in {found:#?}"
        );
    }
}

#[test]
fn ports_the_sidecar_uses_or_another_port_holds_are_refused() {
    let found = problems(&with(
        "[services.web]\nimage = \"nginx:1.27.3\"\nport = 15001\nports = { admin = 9000, other = 9000 }\n",
    ));
    assert!(
        found
            .iter()
            .any(|p| p.contains("`services.web.port`") && p.contains("15001")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("`services.web.ports.other`") && p.contains("9000")),
        "{found:#?}"
    );
}

#[test]
fn keys_of_another_kind_and_root_are_refused() {
    let found = problems(&with(
        "[services.web]\nkind = \"worker\"\nimage = \"nginx:1.27.3\"\nschedule = \"@daily\"\nstorage = \"1Gi\"\nrun_as_user = 0\n",
    ));
    for key in [
        "services.web.schedule",
        "services.web.storage",
        "services.web.run_as_user",
    ] {
        assert!(
            found.iter().any(|p| p.contains(&format!("`{key}`"))),
            "{key}: {found:#?}"
        );
    }
}

#[test]
fn each_kind_gets_its_workload_and_the_layers_it_scales_with() {
    let model = model(APP);
    let api = service(&model, "prod", "api");
    assert_eq!(api.workload, Workload::Deployment);
    // [defaults] replicas = 2 applies to a stateless service...
    assert_eq!(api.replicas, Some(2));
    assert_eq!(service(&model, "dev", "api").replicas, Some(1));
    assert_eq!(
        api.pod_selector.get("track").map(String::as_str),
        Some("stable")
    );
    assert!(api.disruption_budget);
    // ...not to a database, which scales only when it says so.
    let db = service(&model, "prod", "db");
    assert_eq!(db.workload, Workload::StatefulSet);
    assert_eq!(db.replicas, Some(1));
    assert!(!db.pod_selector.contains_key("track"));
    assert_eq!(db.headless_service.as_deref(), Some("db-headless"));
    assert_eq!(db.storage.as_ref().map(|s| s.size.as_str()), Some("5Gi"));
    let report = service(&model, "prod", "report");
    assert_eq!(report.workload, Workload::CronJob);
    assert_eq!((report.replicas, report.probes.is_none()), (None, true));
    // postgres's own defaults: its data directory below the volume root.
    assert_eq!(
        db.env.get("PGDATA").map(String::as_str),
        Some("/var/lib/postgresql/data/pgdata")
    );
    let files: Vec<&str> = db.files.iter().map(|f| f.file.as_str()).collect();
    assert_eq!(
        &files[..5],
        [
            "serviceaccount.yaml",
            "configmap.yaml",
            "statefulset.yaml",
            "service.yaml",
            "service-headless.yaml"
        ]
    );
}

#[test]
fn the_network_policy_admits_exactly_the_callers_the_gateway_and_prometheus() {
    let model = model(APP);
    let api = service(&model, "prod", "api");
    let peers: Vec<(Option<&str>, Option<&str>, &[u16])> = api
        .ingress
        .iter()
        .map(|rule| {
            (
                rule.pods.get("app.kubernetes.io/name").map(String::as_str),
                rule.namespace.as_deref(),
                rule.ports.as_slice(),
            )
        })
        .collect();
    assert_eq!(
        peers,
        [
            (Some("mailer"), None, &[8080][..]),
            (None, Some("istio-system"), &[8080][..]),
            (None, Some("monitoring"), &[8080, 15090][..]),
        ]
    );
    let out: Vec<&str> = api
        .egress
        .iter()
        .filter_map(|rule| rule.pods.get("app.kubernetes.io/name").map(String::as_str))
        .collect();
    assert_eq!(out, ["cache", "db"]);
}

#[test]
fn the_quota_counts_every_pod_with_its_surge_and_sidecar() {
    let model = model(APP);
    let prod = super::environment(&model, "prod");
    // api 2+1, mailer 2+1 (Deployments, a surge pod each), db 1, cache 2+1, report 1.
    let quota = prod.quota.as_ref().unwrap();
    assert_eq!(quota.pods, "11");
    assert_eq!(quota.persistent_volume_claims, "1");
}

#[test]
fn the_checks_find_a_service_that_selects_no_pod_and_a_policy_to_no_port() {
    let (mut files, model) = rendered(APP);
    assert_eq!(crosschecked(&files, &model), Vec::<String>::new());
    let service = "deploy/prod/services/api/service.yaml";
    let text = files[service].replace(
        "app.kubernetes.io/instance: \"api\"",
        "app.kubernetes.io/instance: \"apx\"",
    );
    files.insert(service.to_string(), text);
    let policy = "deploy/prod/services/db/networkpolicy.yaml";
    let text = files[policy].replace("port: 5432", "port: 5433");
    files.insert(policy.to_string(), text);
    let found = crosschecked(&files, &model);
    assert!(
        found
            .iter()
            .any(|p| p.contains("the selector of Service `api` matches no pod")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|p| p.contains("admits port 5433")),
        "{found:#?}"
    );
}
