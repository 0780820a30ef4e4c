//! The cross-check machinery on minimal hand-written objects: manifests
//! read back as a cluster reads them, the pods each workload makes (with
//! what sidecar injection adds), label selectors, the index the checks
//! look things up in, and checks run on the objects of their kind only.

use super::{Checks, Index, Object, Pods, check_environment, index, readback, selects};
use serde_yaml::{Mapping, Value};
use std::collections::HashSet;

/// Objects read back from `(file, YAML)` pairs, as `found` does.
fn objects<'a>(files: &[(&'a str, &str)]) -> Vec<Object<'a>> {
    files
        .iter()
        .map(|(file, text)| Object::new(file, readback::parse(text).unwrap()))
        .collect()
}

fn mapping(yaml: &str) -> Mapping {
    serde_yaml::from_str(yaml).unwrap()
}

const NAMESPACE: &str = "kind: Namespace
metadata:
  name: shop-dev
  labels:
    istio-injection: enabled
";

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop-dev
spec:
  selector:
    matchLabels: {app: api, track: stable}
  template:
    metadata:
      labels: {app: api, track: stable}
    spec:
      serviceAccountName: api
      containers:
        - name: api
          ports:
            - {name: http, containerPort: 8080}
";

const CRONJOB: &str = "kind: CronJob
metadata:
  name: report
  namespace: shop-dev
spec:
  jobTemplate:
    spec:
      template:
        metadata:
          labels: {app: report, sidecar.istio.io/inject: 'false'}
        spec:
          containers:
            - name: report
";

const SERVICE: &str = "kind: Service
metadata:
  name: api
  namespace: shop-dev
  labels: {app: api}
spec:
  selector: {app: api}
  ports:
    - {name: http, port: 80, targetPort: http}
";

/// The pods of the objects, with the namespaces that get a sidecar injected.
fn pods<'a>(objects: &'a [Object<'a>]) -> Vec<Pods<'a>> {
    let injected: HashSet<&str> = objects
        .iter()
        .filter(|o| o.kind() == "Namespace")
        .map(Object::name)
        .collect();
    objects
        .iter()
        .filter_map(|o| index::pods_of(o, &injected))
        .collect()
}

#[test]
fn a_workload_makes_pods_with_its_template_labels_ports_and_account() {
    let objects = objects(&[
        ("d.yaml", DEPLOYMENT),
        ("c.yaml", CRONJOB),
        ("s.yaml", SERVICE),
    ]);
    let none = HashSet::new();
    let pods: Vec<Pods<'_>> = objects
        .iter()
        .filter_map(|o| index::pods_of(o, &none))
        .collect();
    assert_eq!(pods.len(), 2, "a Service makes no pods");
    assert_eq!(pods[0].file, "d.yaml");
    assert_eq!(pods[0].named_ports["http"], 8080);
    assert_eq!(pods[0].ports, [8080]);
    assert_eq!(pods[0].service_account, "api");
    // A CronJob's pods come from its job template; no account is `default`.
    assert_eq!(
        pods[1].labels,
        mapping("{app: report, sidecar.istio.io/inject: 'false'}")
    );
    assert_eq!(pods[1].service_account, "default");
}

#[test]
fn injection_adds_the_sidecar_port_and_label_unless_a_pod_opts_out() {
    let objects = objects(&[
        ("ns.yaml", NAMESPACE),
        ("d.yaml", DEPLOYMENT),
        ("c.yaml", CRONJOB),
    ]);
    let pods = pods(&objects);
    let api = &pods[0];
    assert_eq!(api.ports, [8080, 15090]);
    assert_eq!(api.named_ports["http-envoy-prom"], 15090);
    assert_eq!(api.labels["security.istio.io/tlsMode"], "istio");
    let report = &pods[1];
    assert!(report.ports.is_empty(), "{:?}", report.ports);
    assert!(!report.labels.contains_key("security.istio.io/tlsMode"));
}

#[test]
fn a_label_selector_needs_every_label_and_every_expression() {
    let labels = mapping("{app: api, track: canary}");
    let selector = |yaml: &str| selects(&serde_yaml::from_str::<Value>(yaml).unwrap(), &labels);
    assert!(selector("{}"), "an empty selector selects everything");
    assert!(selector("matchLabels: {app: api}"));
    assert!(!selector("matchLabels: {app: api, track: stable}"));
    assert!(selector(
        "matchExpressions: [{key: track, operator: In, values: [stable, canary]}]"
    ));
    assert!(!selector(
        "matchExpressions: [{key: track, operator: NotIn, values: [canary]}]"
    ));
    assert!(selector("matchExpressions: [{key: app, operator: Exists}]"));
    assert!(!selector(
        "matchExpressions: [{key: app, operator: DoesNotExist}]"
    ));
    assert!(
        !selector("matchExpressions: [{key: app, operator: Near}]"),
        "an operator the API server does not know selects nothing"
    );
    assert!(!selector(
        "matchLabels: {app: api}\nmatchExpressions: [{key: tier, operator: Exists}]"
    ));
}

#[test]
fn the_index_finds_services_by_mesh_host_pods_by_labels_and_subsets() {
    let rule = "kind: DestinationRule
metadata: {name: api, namespace: shop-dev}
spec:
  host: api.shop-dev.svc.cluster.local
  subsets:
    - {name: stable, labels: {track: stable}}
    - {name: canary, labels: {track: canary}}
";
    let second = SERVICE.replace("labels: {app: api}", "labels: {app: other}");
    let objects = objects(&[
        ("ns.yaml", NAMESPACE),
        ("d.yaml", DEPLOYMENT),
        ("s.yaml", SERVICE),
        ("s2.yaml", &second),
        ("dr.yaml", rule),
    ]);
    let pods = pods(&objects);
    let env = Index::new(&objects, &pods, None);
    let service = env.service_for("api.shop-dev.svc.cluster.local").unwrap();
    assert_eq!(
        service.file, "s.yaml",
        "the first Service of a name is the one kept"
    );
    assert!(env.service_for("api.shop-prod.svc.cluster.local").is_none());
    assert!(env.service_for("api").is_none());
    assert!(
        env.subsets
            .contains(&("api.shop-dev.svc.cluster.local", "canary"))
    );
    assert!(env.runs_as.contains(&("shop-dev", "api")));
    assert_eq!(env.pods_in("shop-dev", &mapping("{app: api}")).len(), 1);
    assert!(env.pods_in("shop-prod", &mapping("{app: api}")).is_empty());
    assert!(
        env.pods_in("shop-dev", &mapping("{app: api, track: canary}"))
            .is_empty()
    );
    assert!(env.namespaces.contains("shop-dev"));
}

/// A check that reports every object it is given, and a named port it finds.
fn report_all(object: &Object<'_>, env: &Index<'_, '_>, report: &mut dyn FnMut(&str, String)) {
    let selector = object.value["spec"]["selector"]
        .as_mapping()
        .cloned()
        .unwrap_or_default();
    let ports: Vec<String> = env
        .pods_in(object.namespace(), &selector)
        .iter()
        .flat_map(|p| p.named_ports.keys().cloned())
        .collect();
    report(
        object.file,
        format!("{} `{}`: {}", object.kind(), object.name(), ports.join(",")),
    );
}

#[test]
fn each_check_runs_on_the_objects_of_its_kind_only() {
    let objects = objects(&[
        ("ns.yaml", NAMESPACE),
        ("d.yaml", DEPLOYMENT),
        ("s.yaml", SERVICE),
    ]);
    let checks: Checks<'_> = &[("Service", report_all)];
    let found = check_environment(&objects, None, checks);
    // The namespace is injected: the check sees the sidecar's port too.
    assert_eq!(
        found,
        [(
            "s.yaml".to_string(),
            "Service `api`: http,http-envoy-prom".to_string()
        )]
    );
    let without_injection = objects.into_iter().skip(1).collect::<Vec<_>>();
    let found = check_environment(&without_injection, None, checks);
    assert_eq!(found[0].1, "Service `api`: http");
    assert!(check_environment(&without_injection, None, &[]).is_empty());
}

#[test]
fn a_manifest_is_read_back_whole_and_strictly() {
    let value = readback::parse(SERVICE).unwrap();
    assert_eq!(value["spec"]["ports"][0]["targetPort"], "http");
    assert_eq!(value["metadata"]["labels"]["app"], "api");
    // A cluster refuses a manifest with a key twice; so does the read-back.
    let twice = SERVICE.replace(
        "  selector: {app: api}\n",
        "  selector: {app: api}\n  selector: {app: web}\n",
    );
    assert!(readback::parse(&twice).is_err());
    assert!(readback::parse("kind: Service\nmetadata: [unclosed\n").is_err());
}
