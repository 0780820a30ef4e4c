//! `kiln prereqs [ENV]`: what a cluster must already have before
//! `kubectl apply -k deploy/ENV` works. The custom resources come from the
//! rendered objects themselves (a template override may add its own); the
//! namespaces, Secrets and the rest from the resolved model the render used.
//! The JSON shape is `docs/prereqs.schema.json`.

use crate::model::{Environment, Labels, Model};
use crate::output::Rendered;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

use super::mounted;
use super::secrets::{Secret, secrets};

/// API groups every Kubernetes cluster serves, as the bundled templates use them.
const BUILT_IN_GROUPS: &[&str] = &[
    "",
    "apps",
    "autoscaling",
    "batch",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
];

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub environments: Vec<Prereqs>,
}

/// What one environment's `deploy/<env>` needs of the cluster.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Prereqs {
    pub environment: String,
    /// `deploy/<env>`, what `kubectl apply -k` is given.
    pub path: String,
    /// The environment's own namespace, which the apply creates.
    pub namespace: String,
    pub crds: Vec<Crd>,
    pub apis: Vec<Api>,
    pub namespaces: Vec<Namespace>,
    pub secrets: Vec<Secret>,
    /// The External Secrets Operator stores the ExternalSecrets read from
    /// (`external_secrets`); the Secrets they make are not in `secrets`.
    pub secret_stores: Vec<super::stores::SecretStore>,
    pub storage: Vec<Volume>,
    /// ConfigMaps and PersistentVolumeClaims the pods mount (`volumes`).
    pub mounted: Vec<mounted::Mounted>,
}

/// The custom resources of one API group the output uses.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Crd {
    pub group: String,
    /// What installs them: `istio` or `prometheus-operator`; `null` for a group
    /// only a template override uses.
    pub provider: Option<&'static str>,
    /// The oldest release of the provider that serves these objects as written.
    pub min_version: Option<&'static str>,
    pub versions: Vec<String>,
    pub resources: Vec<Resource>,
}

#[derive(Debug, Serialize)]
pub struct Resource {
    pub kind: String,
    /// The CustomResourceDefinition's name: `<plural>.<group>`.
    pub name: String,
}

/// An aggregated API some objects rely on to work.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Api {
    pub group: String,
    pub provider: &'static str,
    /// `HorizontalPodAutoscaler/<name>` of each object that reads it.
    pub used_by: Vec<String>,
}

/// A namespace kiln refers to but does not create, and what must run there.
#[derive(Debug, Serialize)]
pub struct Namespace {
    pub name: String,
    pub needs: Vec<Workload>,
}

/// Something that must run in a namespace kiln does not create.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workload {
    /// `istiod`, `ingress-gateway`, `prometheus` or `dns`.
    pub what: &'static str,
    /// Labels its pods must carry; empty when any pod of the namespace will do.
    pub pods: Labels,
    /// The ServiceAccount its pods must run as, when kiln's policies name it.
    pub service_account: Option<String>,
    pub description: String,
}

/// A volume claim that needs the cluster's default StorageClass, or the
/// one `storage_class` names.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    pub service: String,
    pub namespace: String,
    /// Per pod.
    pub size: String,
    pub replicas: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
}

/// The prerequisites of every environment of `model`, or of `only`.
pub fn report(model: &Model, rendered: &Rendered, only: Option<&str>) -> Report {
    Report {
        schema: "kiln-prereqs/v1",
        environments: model
            .environments
            .iter()
            .filter(|e| only.is_none_or(|name| e.name == name))
            .map(|e| environment(model, e, rendered))
            .collect(),
    }
}

fn environment(model: &Model, env: &Environment, rendered: &Rendered) -> Prereqs {
    let path = crate::output::paths::environment_dir(&env.name);
    let created: BTreeSet<&str> = [
        Some(env.namespace.as_str()),
        env.logging.as_ref().map(|l| l.namespace.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect();
    Prereqs {
        environment: env.name.clone(),
        crds: crds(rendered, &path),
        apis: apis(env),
        namespaces: namespaces(model, env, &created),
        secrets: secrets(env, &created),
        secret_stores: super::stores::secret_stores(env),
        storage: env
            .services
            .iter()
            .filter_map(|s| {
                Some(Volume {
                    service: s.name.clone(),
                    namespace: env.namespace.clone(),
                    size: s.storage.as_ref()?.size.clone(),
                    replicas: s.replicas,
                    storage_class: s.pod.storage_class.clone(),
                })
            })
            .collect(),
        mounted: mounted::mounted(env),
        namespace: env.namespace.clone(),
        path,
    }
}

/// The API groups of the objects under `deploy/<env>/` that a plain cluster lacks.
fn crds(rendered: &Rendered, path: &str) -> Vec<Crd> {
    let prefix = format!("{path}/");
    // group -> (versions, kinds)
    let mut groups: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    let mut reset_before_request = false;
    for (file, text) in rendered.range(prefix.clone()..) {
        if !file.starts_with(&prefix) {
            break;
        }
        reset_before_request |= text.contains("reset-before-request");
        if file.ends_with("/kustomization.yaml") {
            continue;
        }
        let Ok(object) = serde_yaml::from_str::<serde_yaml::Value>(text) else {
            continue;
        };
        let (Some(api_version), Some(kind)) =
            (object["apiVersion"].as_str(), object["kind"].as_str())
        else {
            continue;
        };
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        if BUILT_IN_GROUPS.contains(&group) {
            continue;
        }
        let entry = groups.entry(group.to_string()).or_default();
        entry.0.insert(version.to_string());
        entry.1.insert(kind.to_string());
    }
    groups
        .into_iter()
        .map(|(group, (versions, kinds))| Crd {
            provider: match group.as_str() {
                "networking.istio.io" | "security.istio.io" | "telemetry.istio.io" => Some("istio"),
                "monitoring.coreos.com" => Some("prometheus-operator"),
                "external-secrets.io" => Some("external-secrets"),
                _ => None,
            },
            // The `v1` APIs came with Istio 1.22, the `reset-before-request` retry with 1.23.
            min_version: match (group.as_str(), reset_before_request) {
                ("networking.istio.io" | "security.istio.io" | "telemetry.istio.io", true) => {
                    Some("1.23")
                }
                ("networking.istio.io" | "security.istio.io" | "telemetry.istio.io", false) => {
                    Some("1.22")
                }
                _ => None,
            },
            versions: versions.into_iter().collect(),
            resources: kinds
                .into_iter()
                .map(|kind| Resource {
                    name: format!("{}.{group}", plural(&kind)),
                    kind,
                })
                .collect(),
            group,
        })
        .collect()
}

/// The resource name of a kind, as its CRD is named.
fn plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    let consonant_y = lower
        .strip_suffix('y')
        .filter(|stem| !stem.ends_with(['a', 'e', 'o', 'u']));
    if let Some(stem) = consonant_y {
        format!("{stem}ies")
    } else if lower.ends_with('s') {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    }
}

/// HorizontalPodAutoscalers on CPU read the resource metrics API.
fn apis(env: &Environment) -> Vec<Api> {
    let used_by: Vec<String> = env
        .services
        .iter()
        .filter(|s| s.autoscale.is_some())
        .map(|s| format!("HorizontalPodAutoscaler/{}", s.name))
        .collect();
    if used_by.is_empty() {
        return Vec::new();
    }
    vec![Api {
        group: "metrics.k8s.io".into(),
        provider: "metrics-server",
        used_by,
    }]
}

fn namespaces(model: &Model, env: &Environment, created: &BTreeSet<&str>) -> Vec<Namespace> {
    let mut needs: BTreeMap<String, Vec<Workload>> = BTreeMap::new();
    let mut add = |namespace: &str, workload: Workload| {
        needs
            .entry(namespace.to_string())
            .or_default()
            .push(workload);
    };
    add(
        "kube-system",
        Workload {
            what: "dns",
            pods: Labels::from([("k8s-app".to_string(), "kube-dns".to_string())]),
            service_account: None,
            description: "cluster DNS, which every pod reaches on port 53".into(),
        },
    );
    if let Some(mesh) = &env.mesh {
        add(
            &model.project.mesh_namespace,
            Workload {
                what: "istiod",
                pods: Labels::from([("app".to_string(), "istiod".to_string())]),
                service_account: None,
                description:
                    "istiod, the Istio control plane, which every pod reaches on TCP 15012".into(),
            },
        );
        if let Some(gateway) = &mesh.gateway {
            add(
                &mesh.ingress.namespace,
                Workload {
                    what: "ingress-gateway",
                    pods: mesh.ingress.selector.clone(),
                    service_account: Some(mesh.ingress.service_account.clone()),
                    description: format!("the ingress gateway for `{}`", gateway.host),
                },
            );
        }
    }
    // The Gateway API's gateway pods, or the ingress controller.
    if let Some(traffic) = env
        .traffic
        .as_ref()
        .filter(|t| t.parent.is_some() || t.ingress.is_some())
    {
        add(
            &traffic.controller.namespace,
            Workload {
                what: "ingress-gateway",
                pods: traffic.controller.selector.clone(),
                service_account: env
                    .mesh
                    .as_ref()
                    .map(|_| traffic.controller.service_account.clone()),
                description: format!("the ingress gateway for `{}`", traffic.host),
            },
        );
    }
    if env.monitoring.is_some() {
        add(
            &model.project.monitoring_namespace,
            Workload {
                what: "prometheus",
                pods: Labels::new(),
                service_account: None,
                description: format!(
                    "Prometheus (prometheus-operator), selecting the monitors and alert rules of `{}`; \
                     only pods of this namespace may scrape",
                    env.namespace
                ),
            },
        );
    }
    if let Some(collector) = env.tracing.as_ref().and_then(|t| t.collector.as_ref()) {
        add(
            &collector.namespace,
            Workload {
                what: "otel-collector",
                pods: Labels::new(),
                service_account: None,
                description: format!(
                    "an OpenTelemetry collector at `{}`, taking OTLP on TCP {}, which every pod reaches; \
                     the mesh config must define it as extension provider `{}` \
                     (meshConfig.extensionProviders: opentelemetry, service and port the same)",
                    collector.host, collector.port, collector.provider
                ),
            },
        );
    }
    needs
        .into_iter()
        .filter(|(name, _)| !created.contains(name.as_str()))
        .map(|(name, needs)| Namespace { name, needs })
        .collect()
}

/// The report as JSON, with a final newline.
pub fn json(report: &Report) -> String {
    // Serialising plain data cannot fail.
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}

/// The report for people.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for (i, env) in report.environments.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        environment_text(env, &mut out);
    }
    out
}

fn backticked<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    items
        .into_iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn labels_text(labels: &Labels) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("`{k}: {v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn environment_text(env: &Prereqs, out: &mut String) {
    out.push_str(&format!(
        "before `kubectl apply -k {}`, the cluster needs:\n",
        env.path
    ));
    if !env.crds.is_empty() {
        out.push_str("\ncustom resource definitions, by API group:\n");
        for crd in &env.crds {
            let provider = match (crd.provider, crd.min_version) {
                (Some("istio"), Some(version)) => format!(" (Istio {version} or later)"),
                (Some(provider), _) => format!(" ({provider})"),
                (None, _) => String::new(),
            };
            let names: Vec<&str> = crd.resources.iter().map(|r| r.name.as_str()).collect();
            out.push_str(&format!("  {}{provider}\n", crd.group));
            for name in names {
                out.push_str(&format!("    {name}\n"));
            }
        }
    }
    for api in &env.apis {
        out.push_str(&format!(
            "\nthe `{}` API, served by {}, for:\n",
            api.group, api.provider
        ));
        for user in &api.used_by {
            out.push_str(&format!("  {user}\n"));
        }
    }
    out.push_str("\nnamespaces kiln does not create, and what must run there:\n");
    for namespace in &env.namespaces {
        out.push_str(&format!("  {}\n", namespace.name));
        for need in &namespace.needs {
            let mut line = String::from("    ");
            if !need.pods.is_empty() {
                line.push_str(&format!("pods {}", labels_text(&need.pods)));
                if let Some(account) = &need.service_account {
                    line.push_str(&format!(" running as ServiceAccount `{account}`"));
                }
                line.push_str(": ");
            }
            line.push_str(&need.description);
            out.push_str(&line);
            out.push('\n');
        }
    }
    for store in &env.secret_stores {
        let place = match &store.namespace {
            Some(namespace) => format!(" in {namespace}"),
            None => String::new(),
        };
        out.push_str(&format!(
            "\nthe {} `{}`{place} (External Secrets Operator), holding these keys and properties:\n",
            store.kind, store.name
        ));
        for remote in &store.remote_keys {
            out.push_str(&format!(
                "  {}: {}, for Secret {}\n",
                remote.key,
                backticked(&remote.properties),
                remote.secret
            ));
        }
    }
    if !env.secrets.is_empty() {
        out.push_str("\nSecrets, which kiln never writes; create each with these keys:\n");
        for secret in &env.secrets {
            let kind = if secret.kind == "Opaque" {
                String::new()
            } else {
                format!(" of type `{}`", secret.kind)
            };
            let users: Vec<&str> = secret
                .used_by
                .iter()
                .map(|user| match user.as_str() {
                    "ingress-gateway" => "the ingress gateway",
                    other => other,
                })
                .collect();
            let keys = if secret.keys.is_empty() {
                "any keys (each becomes a variable)".to_string()
            } else {
                format!("keys {}", backticked(&secret.keys))
            };
            out.push_str(&format!(
                "  {} in {}{kind}: {keys}, for {}\n",
                secret.name,
                secret.namespace,
                users.join(", ")
            ));
        }
        let mut first: Vec<&str> = env
            .secrets
            .iter()
            .filter(|s| s.namespace_created_by_kiln)
            .map(|s| s.namespace.as_str())
            .collect();
        first.dedup();
        if !first.is_empty() {
            out.push_str(&format!(
                "  (this apply creates {}: apply the Namespace first, or let the pods wait for their Secrets)\n",
                first
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
        }
    }
    if !env.storage.is_empty() {
        out.push_str("\na default StorageClass, for the volumes of:\n");
        for volume in &env.storage {
            let class = volume
                .storage_class
                .as_ref()
                .map_or(String::new(), |c| format!(", StorageClass `{c}`"));
            out.push_str(&format!(
                "  {}: {} per pod{class}\n",
                volume.service, volume.size
            ));
        }
    }
    mounted::text(&env.mounted, out);
}
