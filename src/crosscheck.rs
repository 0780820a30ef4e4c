//! Checks across the rendered objects of each environment, read back from
//! the YAML exactly as a cluster would read it: every selector finds the
//! pods it means, every named port exists, every principal is a real
//! ServiceAccount, every traffic split adds up. A failure here is a bug in
//! kiln, never in `kiln.toml`; `kiln check` and `kiln build` refuse to go on.

use crate::builtin;
use crate::diagnostics::Problem;
use crate::model::Model;
use crate::render::Rendered;
use serde_yaml::{Mapping, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// One rendered object and the file it came from, read back with
/// `readback::parse`: what the checks read of it, not all of it.
struct Object<'a> {
    file: &'a str,
    value: Value,
    kind: String,
    name: String,
    namespace: String,
}

impl<'a> Object<'a> {
    fn new(file: &'a str, value: Value) -> Self {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        Object {
            file,
            kind: text(&value["kind"]),
            name: text(&value["metadata"]["name"]),
            namespace: text(&value["metadata"]["namespace"]),
            value,
        }
    }

    fn kind(&self) -> &str {
        &self.kind
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn namespace(&self) -> &str {
        &self.namespace
    }
}

/// The pods a workload creates, as far as selectors and ports are concerned.
struct Pods<'a> {
    file: &'a str,
    namespace: &'a str,
    labels: Mapping,
    /// Container ports by name, and every number, including the sidecar's
    /// when the namespace gets one injected.
    named_ports: BTreeMap<String, u64>,
    ports: Vec<u64>,
    service_account: String,
}

/// Labelled things (pods, Services) indexed by namespace and by each label,
/// so that a selector is a lookup, not a scan: the checks run once per
/// object, and a scan per check made `kiln check` cubic in the call graph.
struct Selection<'x> {
    labels: Vec<Option<&'x Mapping>>,
    in_namespace: HashMap<&'x str, Vec<usize>>,
    with_label: HashMap<(&'x str, &'x Value, &'x Value), Vec<usize>>,
}

impl<'x> Selection<'x> {
    fn new(items: impl IntoIterator<Item = (&'x str, Option<&'x Mapping>)>) -> Self {
        let mut selection = Selection {
            labels: Vec::new(),
            in_namespace: HashMap::new(),
            with_label: HashMap::new(),
        };
        for (i, (namespace, labels)) in items.into_iter().enumerate() {
            selection.labels.push(labels);
            selection.in_namespace.entry(namespace).or_default().push(i);
            for (key, value) in labels.into_iter().flatten() {
                selection
                    .with_label
                    .entry((namespace, key, value))
                    .or_default()
                    .push(i);
            }
        }
        selection
    }

    /// The items of `namespace` that can carry every label of `required`:
    /// those with its rarest label, or all of them when nothing is required.
    fn candidates<'s>(&'s self, namespace: &'s str, required: Option<&'s Mapping>) -> &'s [usize] {
        let all = self
            .in_namespace
            .get(namespace)
            .map_or(&[][..], Vec::as_slice);
        let Some(required) = required.filter(|r| !r.is_empty()) else {
            return all;
        };
        required
            .iter()
            .map(|(key, value)| {
                self.with_label
                    .get(&(namespace, key, value))
                    .map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|items| items.len())
            .unwrap_or(all)
    }

    /// The items of `namespace` with every label of `selector`, in order.
    fn matching(&self, namespace: &str, selector: &Mapping) -> Vec<usize> {
        let empty = Mapping::new();
        self.candidates(namespace, Some(selector))
            .iter()
            .copied()
            .filter(|&i| matches(selector, self.labels[i].unwrap_or(&empty)))
            .collect()
    }

    /// The items of any of `namespaces` that a `LabelSelector` selects, in order.
    fn selected<'n>(
        &self,
        namespaces: impl IntoIterator<Item = &'n str>,
        selector: &Value,
    ) -> Vec<usize> {
        let empty = Mapping::new();
        let required = selector["matchLabels"].as_mapping();
        let mut found: Vec<usize> = namespaces
            .into_iter()
            .collect::<HashSet<&str>>()
            .into_iter()
            .flat_map(|namespace| self.candidates(namespace, required))
            .copied()
            .filter(|&i| selects(selector, self.labels[i].unwrap_or(&empty)))
            .collect();
        found.sort_unstable();
        found
    }
}

/// What the checks of one environment look up, each indexed once.
struct Environment<'x, 'a> {
    /// The ingress gateway's principal, wherever `gateway` says it runs.
    gateway: Option<&'x str>,
    namespaces: HashSet<&'x str>,
    pods: &'x [Pods<'a>],
    pod_labels: Selection<'x>,
    services: Vec<&'x Object<'a>>,
    service_labels: Selection<'x>,
    /// The first Service of each namespace and name, as a cluster keeps one.
    service_named: HashMap<(&'x str, &'x str), &'x Object<'a>>,
    service_accounts: HashSet<(&'x str, &'x str)>,
    /// Namespace and ServiceAccount of every pod.
    runs_as: HashSet<(&'x str, &'x str)>,
    /// Host and name of every DestinationRule subset.
    subsets: HashSet<(&'x str, &'x str)>,
}

impl<'x, 'a> Environment<'x, 'a> {
    fn new(objects: &'x [Object<'a>], pods: &'x [Pods<'a>], gateway: Option<&'x str>) -> Self {
        let of_kind = |kind: &'static str| objects.iter().filter(move |o| o.kind() == kind);
        let services: Vec<&Object<'_>> = of_kind("Service").collect();
        let mut service_named = HashMap::new();
        for service in &services {
            service_named
                .entry((service.namespace(), service.name()))
                .or_insert(*service);
        }
        let mut subsets = HashSet::new();
        for rule in of_kind("DestinationRule") {
            let Some(host) = rule.value["spec"]["host"].as_str() else {
                continue;
            };
            for subset in rule.value["spec"]["subsets"]
                .as_sequence()
                .into_iter()
                .flatten()
            {
                if let Some(name) = subset["name"].as_str() {
                    subsets.insert((host, name));
                }
            }
        }
        Environment {
            gateway,
            namespaces: of_kind("Namespace").map(Object::name).collect(),
            pods,
            pod_labels: Selection::new(pods.iter().map(|p| (p.namespace, Some(&p.labels)))),
            service_labels: Selection::new(
                services
                    .iter()
                    .map(|s| (s.namespace(), s.value["metadata"]["labels"].as_mapping())),
            ),
            services,
            service_named,
            service_accounts: of_kind("ServiceAccount")
                .map(|o| (o.namespace(), o.name()))
                .collect(),
            runs_as: pods
                .iter()
                .map(|p| (p.namespace, p.service_account.as_str()))
                .collect(),
            subsets,
        }
    }

    /// The pods of `namespace` with every label of `selector`.
    fn pods_in(&self, namespace: &str, selector: &Mapping) -> Vec<&'x Pods<'a>> {
        let pods = self.pods;
        self.pod_labels
            .matching(namespace, selector)
            .into_iter()
            .map(|i| &pods[i])
            .collect()
    }

    /// The pods of any of `namespaces` that a `LabelSelector` selects.
    fn pods_selected<'n>(
        &self,
        namespaces: impl IntoIterator<Item = &'n str>,
        selector: &Value,
    ) -> Vec<&'x Pods<'a>> {
        let pods = self.pods;
        self.pod_labels
            .selected(namespaces, selector)
            .into_iter()
            .map(|i| &pods[i])
            .collect()
    }

    /// The Service a mesh host names: `name.namespace.svc.cluster.local`.
    fn service_for(&self, host: &str) -> Option<&'x Object<'a>> {
        let mut parts = host.split('.');
        let (name, namespace) = (parts.next()?, parts.next()?);
        self.service_named.get(&(namespace, name)).copied()
    }
}

/// Every problem of every environment in `rendered`, the render of `model`.
pub fn check(rendered: &Rendered, model: &Model) -> Vec<Problem> {
    found(rendered, model)
        .into_iter()
        .map(|(file, message)| Problem::inconsistent(&file, &message))
        .collect()
}

/// The same, where `sources` says which templates made each file: a
/// problem in a file that a template override made is the override's,
/// not kiln's, and comes as an error naming the override.
pub fn check_made(
    rendered: &Rendered,
    model: &Model,
    sources: &crate::render::Sources,
) -> (Vec<Problem>, Vec<crate::diagnostics::Error>) {
    let mut problems = Vec::new();
    let mut overrides = Vec::new();
    for (file, message) in found(rendered, model) {
        let made_by = sources.get(&file).and_then(|templates| {
            templates
                .iter()
                .find(|t| t.starts_with(crate::paths::OVERRIDES))
        });
        match made_by {
            Some(own) => overrides.push(crate::diagnostics::Error::TemplateOverride {
                file: own.clone(),
                line: None,
                cause: format!("generated `{file}`: {message}"),
            }),
            None => problems.push(Problem::inconsistent(&file, &message)),
        }
    }
    (problems, overrides)
}

/// Every problem found, as the file it is in and what is wrong.
fn found(rendered: &Rendered, model: &Model) -> Vec<(String, String)> {
    // Only the manifests under `deploy/<env>/`; Dockerfiles and pipelines are not objects.
    let manifests: Vec<(&str, &str, &str)> = rendered
        .iter()
        .filter(|(file, _)| !file.ends_with("kustomization.yaml"))
        .filter_map(|(file, text)| {
            crate::paths::environment_of(file).map(|env| (env, file.as_str(), text.as_str()))
        })
        .collect();
    // Parsing back tens of thousands of files is most of the work: on every core.
    let parsed = crate::parallel::map(&manifests, |(_, _, text)| crate::readback::parse(text));
    let mut environments: BTreeMap<&str, Vec<Object<'_>>> = BTreeMap::new();
    let mut problems = Vec::new();
    for ((environment, file, _), value) in manifests.iter().zip(parsed) {
        match value {
            Ok(value) => environments
                .entry(environment)
                .or_default()
                .push(Object::new(file, value)),
            Err(err) => problems.push((file.to_string(), format!("is not YAML: {err}"))),
        }
    }
    let environments: Vec<(Option<&str>, Vec<Object<'_>>)> = environments
        .into_iter()
        .map(|(name, objects)| {
            // The one identity from outside the environment that may be admitted.
            let gateway = model
                .environments
                .iter()
                .find(|e| e.name == name)
                .and_then(|e| e.mesh.as_ref())
                .map(|mesh| mesh.gateway_principal.as_str());
            (gateway, objects)
        })
        .collect();
    let found = crate::parallel::each_owned(environments, |(gateway, objects)| {
        check_environment(&objects, gateway)
    });
    for found in found {
        problems.extend(found);
    }
    problems
}

fn check_environment(objects: &[Object<'_>], gateway: Option<&str>) -> Vec<(String, String)> {
    let injected: HashSet<&str> = objects
        .iter()
        .filter(|o| {
            o.kind() == "Namespace" && o.value["metadata"]["labels"]["istio-injection"] == "enabled"
        })
        .map(Object::name)
        .collect();
    let pods: Vec<Pods<'_>> = objects
        .iter()
        .filter_map(|o| pods_of(o, &injected))
        .collect();
    let env = Environment::new(objects, &pods, gateway);
    let mut problems = Vec::new();
    let mut report = |file: &str, message: String| {
        problems.push((file.to_string(), message));
    };
    for object in objects {
        check_own_pods(object, &mut report);
        match object.kind() {
            "Service" => check_service(object, &env, &mut report),
            "ServiceMonitor" => check_service_monitor(object, &env, &mut report),
            "PodMonitor" => check_pod_monitor(object, &env, &mut report),
            "DestinationRule" => check_destination_rule(object, &env, &mut report),
            "AuthorizationPolicy" => check_authorization_policy(object, &env, &mut report),
            "NetworkPolicy" => check_network_policy(object, &env, &mut report),
            "VirtualService" => check_virtual_service(object, &env, &mut report),
            _ => {}
        }
    }
    problems
}

fn pods_of<'a>(object: &'a Object<'a>, injected: &HashSet<&str>) -> Option<Pods<'a>> {
    let template = match object.kind() {
        "Deployment" | "StatefulSet" | "DaemonSet" => &object.value["spec"]["template"],
        "CronJob" => &object.value["spec"]["jobTemplate"]["spec"]["template"],
        _ => return None,
    };
    let namespace = object.namespace();
    let mut named_ports = BTreeMap::new();
    let mut ports = Vec::new();
    for container in template["spec"]["containers"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        for port in container["ports"].as_sequence().into_iter().flatten() {
            let number = port["containerPort"].as_u64().unwrap_or_default();
            ports.push(number);
            if let Some(name) = port["name"].as_str() {
                named_ports.insert(name.to_string(), number);
            }
        }
    }
    let mut labels = template["metadata"]["labels"]
        .as_mapping()
        .cloned()
        .unwrap_or_default();
    let opted_out = template["metadata"]["labels"]["sidecar.istio.io/inject"] == "false";
    if injected.contains(&namespace) && !opted_out {
        // What injection adds: the sidecar's metrics port, and the label
        // that marks a pod as part of the mesh.
        labels.insert("security.istio.io/tlsMode".into(), "istio".into());
        ports.push(u64::from(builtin::SIDECAR_METRICS_PORT));
        named_ports.insert(
            builtin::SIDECAR_METRICS_PORT_NAME.to_string(),
            u64::from(builtin::SIDECAR_METRICS_PORT),
        );
    }
    Some(Pods {
        file: object.file,
        namespace,
        labels,
        named_ports,
        ports,
        service_account: template["spec"]["serviceAccountName"]
            .as_str()
            .unwrap_or("default")
            .to_string(),
    })
}

/// A workload's selector must match the pods it creates, or the API server
/// refuses it.
fn check_own_pods(object: &Object<'_>, report: &mut impl FnMut(&str, String)) {
    let labels = match object.kind() {
        "Deployment" | "StatefulSet" | "DaemonSet" => {
            &object.value["spec"]["template"]["metadata"]["labels"]
        }
        _ => return,
    };
    let empty = Mapping::new();
    if !selects(
        &object.value["spec"]["selector"],
        labels.as_mapping().unwrap_or(&empty),
    ) {
        report(
            object.file,
            format!(
                "the selector of {} `{}` does not match its own pods",
                object.kind(),
                object.name()
            ),
        );
    }
}

/// Whether `labels` has every key and value of `selector`.
fn matches(selector: &Mapping, labels: &Mapping) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// A `LabelSelector`: `matchLabels` plus `matchExpressions`.
fn selects(selector: &Value, labels: &Mapping) -> bool {
    let plain = selector["matchLabels"]
        .as_mapping()
        .is_none_or(|m| matches(m, labels));
    let expressions = selector["matchExpressions"]
        .as_sequence()
        .into_iter()
        .flatten()
        .all(|e| {
            let key = &e["key"];
            let values: Vec<&Value> = e["values"].as_sequence().into_iter().flatten().collect();
            match e["operator"].as_str() {
                Some("Exists") => labels.contains_key(key),
                Some("DoesNotExist") => !labels.contains_key(key),
                Some("In") => labels.get(key).is_some_and(|v| values.contains(&v)),
                Some("NotIn") => labels.get(key).is_none_or(|v| !values.contains(&v)),
                _ => false,
            }
        });
    plain && expressions
}

fn check_service(
    service: &Object<'_>,
    env: &Environment<'_, '_>,
    report: &mut impl FnMut(&str, String),
) {
    let empty = Mapping::new();
    let selector = service.value["spec"]["selector"]
        .as_mapping()
        .unwrap_or(&empty);
    let selected = env.pods_in(service.namespace(), selector);
    if selector.is_empty() || selected.is_empty() {
        report(
            service.file,
            format!(
                "the selector of Service `{}` matches no pod",
                service.name()
            ),
        );
    }
    for port in service.value["spec"]["ports"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let target = &port["targetPort"];
        for pod in &selected {
            let found = match target {
                Value::String(name) => pod.named_ports.contains_key(name),
                Value::Number(n) => n.as_u64().is_some_and(|n| pod.ports.contains(&n)),
                _ => false,
            };
            if !found {
                report(
                    service.file,
                    format!(
                        "Service `{}` targets port {}, which the pods of `{}` do not have",
                        service.name(),
                        yaml_text(target),
                        pod.file
                    ),
                );
            }
        }
    }
}

fn yaml_text(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        Value::Number(n) => n.to_string(),
        other => format!("{other:?}"),
    }
}

fn match_names<'o>(monitor: &'o Object<'_>) -> impl Iterator<Item = &'o str> {
    monitor.value["spec"]["namespaceSelector"]["matchNames"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

fn check_service_monitor(
    monitor: &Object<'_>,
    env: &Environment<'_, '_>,
    report: &mut impl FnMut(&str, String),
) {
    let selector = &monitor.value["spec"]["selector"];
    let services: Vec<&Object<'_>> = env
        .service_labels
        .selected(match_names(monitor), selector)
        .into_iter()
        .map(|i| env.services[i])
        .collect();
    if services.is_empty() {
        report(
            monitor.file,
            format!("ServiceMonitor `{}` selects no Service", monitor.name()),
        );
    }
    for endpoint in monitor.value["spec"]["endpoints"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let port = endpoint["port"].as_str().unwrap_or_default();
        for service in &services {
            let has = service.value["spec"]["ports"]
                .as_sequence()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == port);
            if !has {
                report(
                    monitor.file,
                    format!(
                        "ServiceMonitor `{}` scrapes port `{port}`, which Service `{}` does not have",
                        monitor.name(),
                        service.name()
                    ),
                );
            }
        }
    }
}

fn check_pod_monitor(
    monitor: &Object<'_>,
    env: &Environment<'_, '_>,
    report: &mut impl FnMut(&str, String),
) {
    let selected = env.pods_selected(match_names(monitor), &monitor.value["spec"]["selector"]);
    if selected.is_empty() {
        report(
            monitor.file,
            format!("PodMonitor `{}` selects no pod", monitor.name()),
        );
    }
    for endpoint in monitor.value["spec"]["podMetricsEndpoints"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let port = endpoint["port"].as_str().unwrap_or_default();
        for pod in &selected {
            if !pod.named_ports.contains_key(port) {
                report(
                    monitor.file,
                    format!(
                        "PodMonitor `{}` scrapes port `{port}`, which the pods of `{}` do not have",
                        monitor.name(),
                        pod.file
                    ),
                );
            }
        }
    }
}

fn check_destination_rule(
    rule: &Object<'_>,
    env: &Environment<'_, '_>,
    report: &mut impl FnMut(&str, String),
) {
    let host = rule.value["spec"]["host"].as_str().unwrap_or_default();
    let Some(service) = env.service_for(host) else {
        report(
            rule.file,
            format!(
                "DestinationRule `{}` names host `{host}`, which is no Service here",
                rule.name()
            ),
        );
        return;
    };
    let selector = service.value["spec"]["selector"]
        .as_mapping()
        .cloned()
        .unwrap_or_default();
    for subset in rule.value["spec"]["subsets"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let mut labels = selector.clone();
        for (k, v) in subset["labels"].as_mapping().into_iter().flatten() {
            labels.insert(k.clone(), v.clone());
        }
        if env.pods_in(service.namespace(), &labels).is_empty() {
            report(
                rule.file,
                format!(
                    "subset `{}` of DestinationRule `{}` matches no pod of Service `{}`",
                    subset["name"].as_str().unwrap_or_default(),
                    rule.name(),
                    service.name()
                ),
            );
        }
    }
}

fn check_authorization_policy(
    policy: &Object<'_>,
    env: &Environment<'_, '_>,
    report: &mut impl FnMut(&str, String),
) {
    let empty = Mapping::new();
    let selector = policy.value["spec"]["selector"]["matchLabels"]
        .as_mapping()
        .unwrap_or(&empty);
    if env.pods_in(policy.namespace(), selector).is_empty() {
        report(
            policy.file,
            format!("AuthorizationPolicy `{}` selects no pod", policy.name()),
        );
    }
    let principals = policy.value["spec"]["rules"]
        .as_sequence()
        .into_iter()
        .flatten()
        .flat_map(|r| r["from"].as_sequence().into_iter().flatten())
        .flat_map(|f| {
            f["source"]["principals"]
                .as_sequence()
                .into_iter()
                .flatten()
        })
        .filter_map(Value::as_str);
    let prefix = format!("{}/ns/", builtin::TRUST_DOMAIN);
    for principal in principals {
        let parsed = principal
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split_once("/sa/"));
        let Some((namespace, account)) = parsed else {
            report(
                policy.file,
                format!("principal `{principal}` is not `{prefix}<namespace>/sa/<account>`"),
            );
            continue;
        };
        let exists = if env.gateway == Some(principal) {
            true
        } else if env.namespaces.contains(namespace) {
            env.service_accounts.contains(&(namespace, account))
                && env.runs_as.contains(&(namespace, account))
        } else {
            // Outside this environment, only the ingress gateway is ever admitted.
            false
        };
        if !exists {
            report(
                policy.file,
                format!(
                    "AuthorizationPolicy `{}` admits `{principal}`, a ServiceAccount no pod here runs as",
                    policy.name()
                ),
            );
        }
    }
}

fn check_network_policy(
    policy: &Object<'_>,
    env: &Environment<'_, '_>,
    report: &mut impl FnMut(&str, String),
) {
    let namespace = policy.namespace();
    let spec = &policy.value["spec"];
    let selected = env.pods_selected([namespace], &spec["podSelector"]);
    for rule in spec["ingress"].as_sequence().into_iter().flatten() {
        for port in rule["ports"].as_sequence().into_iter().flatten() {
            let number = port["port"].as_u64().unwrap_or_default();
            for pod in &selected {
                if !pod.ports.contains(&number) {
                    report(
                        policy.file,
                        format!(
                            "NetworkPolicy `{}` admits port {number}, on which the pods of `{}` listen to nothing",
                            policy.name(),
                            pod.file
                        ),
                    );
                }
            }
        }
    }
    for rule in spec["egress"].as_sequence().into_iter().flatten() {
        for peer in rule["to"].as_sequence().into_iter().flatten() {
            // Peers in other namespaces (DNS, istiod) are not rendered here.
            if !peer["namespaceSelector"].is_null() || peer["podSelector"].is_null() {
                continue;
            }
            let peers = env.pods_selected([namespace], &peer["podSelector"]);
            if peers.is_empty() {
                report(
                    policy.file,
                    format!(
                        "NetworkPolicy `{}` lets pods out to a peer that matches no pod",
                        policy.name()
                    ),
                );
            }
            for port in rule["ports"].as_sequence().into_iter().flatten() {
                let number = port["port"].as_u64().unwrap_or_default();
                for target in &peers {
                    if !target.ports.contains(&number) {
                        report(
                            policy.file,
                            format!(
                                "NetworkPolicy `{}` lets pods out to port {number}, on which the pods of `{}` listen to nothing",
                                policy.name(),
                                target.file
                            ),
                        );
                    }
                }
            }
        }
    }
}

fn check_virtual_service(
    service: &Object<'_>,
    env: &Environment<'_, '_>,
    report: &mut impl FnMut(&str, String),
) {
    for route in service.value["spec"]["http"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let destinations: Vec<&Value> =
            route["route"].as_sequence().into_iter().flatten().collect();
        let weights: Vec<u64> = destinations
            .iter()
            .filter_map(|d| d["weight"].as_u64())
            .collect();
        if destinations.len() > 1 || !weights.is_empty() {
            let total: u64 = weights.iter().sum();
            if weights.len() != destinations.len() || total != 100 {
                report(
                    service.file,
                    format!(
                        "the weights of route `{}` of VirtualService `{}` add up to {total}, not 100",
                        route["name"].as_str().unwrap_or_default(),
                        service.name()
                    ),
                );
            }
        }
        for destination in destinations {
            let host = destination["destination"]["host"]
                .as_str()
                .unwrap_or_default();
            if env.service_for(host).is_none() {
                report(
                    service.file,
                    format!(
                        "VirtualService `{}` routes to `{host}`, which is no Service here",
                        service.name()
                    ),
                );
            }
            let Some(subset) = destination["destination"]["subset"].as_str() else {
                continue;
            };
            if !env.subsets.contains(&(host, subset)) {
                report(
                    service.file,
                    format!(
                        "VirtualService `{}` routes to subset `{subset}` of `{host}`, which no DestinationRule defines",
                        service.name()
                    ),
                );
            }
        }
    }
}
