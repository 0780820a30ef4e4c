//! Tracing: how the mesh samples requests for traces, as an Istio
//! `Telemetry` (telemetry.istio.io/v1) in each meshed environment whose
//! `tracing` table, in `[environments.E]` or `[project]`, asks for one.
//! Spans go to the mesh's default tracing provider (`meshConfig`); the
//! Telemetry sets its random sampling percentage for the namespace.
//! With `collector`, the Telemetry names the mesh's `otel-tracing`
//! provider instead, every pod is told the collector in the OpenTelemetry
//! SDK's `OTEL_*` variables, and every pod may reach it (`default-deny`).

use super::kind::{EnvironmentStep, Explained, Kind, ServiceStep};
use crate::config::Config;
use crate::diagnostics::{KeyPath, Problem};
use crate::model::{self, Collector, Environment, EnvironmentFile, Otel, Service};
use crate::output::paths;
use crate::resolve::{builtin, switches};

pub struct Tracing;

/// The `tracing` tables that apply to `environment`, its own first.
fn tables<'a>(config: &'a Config, environment: &str) -> [Option<&'a crate::config::Tracing>; 2] {
    [
        config
            .environments
            .get(environment)
            .and_then(|e| e.tracing.as_ref()),
        config.project.tracing.as_ref(),
    ]
}

/// The sampling percent of `environment`, and the table it came from.
fn sampling(config: &Config, environment: &str) -> (f64, Option<KeyPath>) {
    let [own, wide] = tables(config, environment);
    match (
        own.and_then(|t| t.sampling_percent),
        wide.and_then(|t| t.sampling_percent),
    ) {
        (Some(own), _) => (own, Some(KeyPath::new(&["environments", environment]))),
        (None, Some(wide)) => (wide, Some(KeyPath::new(&["project"]))),
        (None, None) => (builtin::TRACING_SAMPLING_PERCENT, None),
    }
}

/// The mesh config's extension provider a Telemetry with a collector names:
/// the name Istio's own documentation gives it.
pub const PROVIDER: &str = "otel-tracing";

/// The collector of `environment`, its own table's first, parsed (validation
/// refused any that does not parse).
fn collector(config: &Config, environment: &str) -> Option<Collector> {
    let [own, wide] = tables(config, environment);
    let host = own
        .and_then(|t| t.collector.as_ref())
        .or(wide.and_then(|t| t.collector.as_ref()))?;
    let (namespace, port) = parse_collector(host)?;
    Some(Collector {
        host: host.clone(),
        namespace,
        port,
        provider: PROVIDER.to_string(),
    })
}

/// `<service>.<namespace>[.svc[.cluster.local]]:<port>`: its namespace and port.
fn parse_collector(text: &str) -> Option<(String, u16)> {
    let (host, port) = text.rsplit_once(':')?;
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0 && !port.starts_with('0'))?;
    let labels: Vec<&str> = host.split('.').collect();
    let in_cluster = matches!(
        labels.as_slice(),
        [_, _] | [_, _, "svc"] | [_, _, "svc", "cluster", "local"]
    );
    let dns = |l: &&str| crate::grammar::names::is_dns_label(l, 63);
    (in_cluster && labels.iter().all(dns)).then(|| (labels[1].to_string(), port))
}

impl Kind for Tracing {
    fn service(&self, step: &ServiceStep<'_>, service: &mut Service) {
        if !step.scope.on.mesh {
            return;
        }
        if let Some(collector) = collector(step.config, step.scope.environment) {
            service.otel = Some(Otel {
                service: step.name.to_string(),
                endpoint: format!("http://{}", collector.host),
                protocol: if collector.port == 4318 {
                    "http/protobuf"
                } else {
                    "grpc"
                },
                environment: step.scope.environment.to_string(),
            });
        }
    }

    fn validate(&self, config: &Config, problems: &mut Vec<Problem>) {
        let project = KeyPath::new(&["project", "tracing"]);
        if let Some(tracing) = &config.project.tracing {
            check(&project, tracing, problems);
            let meshed = config.environments.keys().any(|e| switches(config, e).mesh);
            if !meshed && !config.environments.is_empty() {
                problems.push(Problem::needs_mesh(&project, None));
            }
        }
        for (name, environment) in &config.environments {
            let Some(tracing) = &environment.tracing else {
                continue;
            };
            let key = KeyPath::new(&["environments", name, "tracing"]);
            check(&key, tracing, problems);
            if !switches(config, name).mesh {
                problems.push(Problem::needs_mesh(&key, Some(name)));
            }
        }
    }

    fn environment(&self, step: &EnvironmentStep<'_>, environment: &mut Environment) {
        let asked = tables(step.config, step.name).iter().any(Option::is_some);
        if step.on.mesh && asked {
            environment.tracing = Some(model::Tracing {
                name: "tracing".into(),
                sampling_percent: sampling(step.config, step.name).0,
                collector: collector(step.config, step.name),
            });
        }
    }

    fn environment_files(&self, environment: &Environment, out: &mut Vec<EnvironmentFile>) {
        if environment.tracing.is_some() {
            out.push(EnvironmentFile {
                template: "istio/telemetry.yaml.tera",
                path: paths::mesh_file("telemetry.yaml"),
                fluent_conf: None,
                embeds: None,
            });
        }
    }

    fn explain(&self, config: &Config, environment: &Environment) -> Vec<Explained> {
        let (value, source) = match (&environment.tracing, sampling(config, &environment.name)) {
            (Some(tracing), (_, Some(from))) => {
                (tracing.sampling_percent.to_string(), format!("[{from}]"))
            }
            (Some(tracing), (_, None)) => (
                tracing.sampling_percent.to_string(),
                "built-in default (Istio's own)".to_string(),
            ),
            (None, _) => (
                "- (no Telemetry: no `tracing` table, or the mesh is off here)".to_string(),
                "not set".to_string(),
            ),
        };
        let [own, wide] = tables(config, &environment.name);
        let collector = match environment
            .tracing
            .as_ref()
            .and_then(|t| t.collector.as_ref())
        {
            None => Explained {
                key: "tracing.collector".into(),
                value: "- (spans go to the mesh's default tracing provider)".into(),
                source: "not set".into(),
            },
            Some(collector) => Explained {
                key: "tracing.collector".into(),
                value: format!("{:?}", collector.host),
                source: if own.and_then(|t| t.collector.as_ref()).is_some() {
                    format!("[environments.{}]", environment.name)
                } else if wide.is_some() {
                    "[project]".into()
                } else {
                    "not set".into()
                },
            },
        };
        vec![
            Explained {
                key: "tracing.sampling_percent".into(),
                value,
                source,
            },
            collector,
        ]
    }
}

/// The keys of one `tracing` table.
fn check(key: &KeyPath, tracing: &crate::config::Tracing, problems: &mut Vec<Problem>) {
    if let Some(percent) = tracing.sampling_percent
        && !(0.0..=100.0).contains(&percent)
    {
        problems.push(Problem::sampling_percent(
            &key.key("sampling_percent"),
            percent,
        ));
    }
    if let Some(collector) = &tracing.collector
        && parse_collector(collector).is_none()
    {
        problems.push(Problem::bad_collector(&key.key("collector"), collector));
    }
}

impl Problem {
    pub fn bad_collector(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a collector in the cluster, `<service>.<namespace>:<port>`"),
            Some(
                "name the OpenTelemetry collector's Service and namespace and its OTLP port, such as \
                 `otel-collector.observability:4317`; kiln opens egress to that namespace"
                    .to_string(),
            ),
        )
    }

    pub fn sampling_percent(key: &KeyPath, percent: f64) -> Self {
        Problem::at(
            key,
            format!("`{key}` must be from 0 to 100, not {percent}"),
            Some(
                "it is the percent of requests the sidecars start a trace for: `1` is one in a \
                 hundred, `100` every request, `0` none"
                    .to_string(),
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::kinds::tests::{APP, environment, model, problems};

    #[test]
    fn each_environment_samples_as_its_own_table_or_the_project_says() {
        let text = APP
            .replace(
                "registry = \"ghcr.io/acme/shop\"\n",
                "registry = \"ghcr.io/acme/shop\"\ntracing = {}\n",
            )
            .replace(
                "[environments.prod]\n",
                "[environments.prod]\ntracing = { sampling_percent = 0.1 }\n",
            );
        let model = model(&text);
        let percent = |env| {
            environment(&model, env)
                .tracing
                .as_ref()
                .map(|t| t.sampling_percent)
        };
        assert_eq!(percent("dev"), Some(1.0));
        assert_eq!(percent("prod"), Some(0.1));
        let files: Vec<String> = environment(&model, "prod")
            .files
            .iter()
            .map(|f| f.path.clone())
            .collect();
        assert!(
            files.contains(&"mesh/telemetry.yaml".to_string()),
            "{files:?}"
        );
        // Without a table anywhere: no Telemetry.
        assert!(
            environment(&crate::kinds::tests::model(APP), "dev")
                .tracing
                .is_none()
        );
    }

    #[test]
    fn a_percent_outside_0_to_100_or_without_the_mesh_is_refused() {
        for (value, ok) in [
            ("0", true),
            ("100", true),
            ("100.5", false),
            ("-1", false),
            ("inf", false),
        ] {
            let text = APP.replace(
                "[environments.dev]\n",
                &format!("[environments.dev]\ntracing = {{ sampling_percent = {value} }}\n"),
            );
            let found = problems(&text);
            assert_eq!(found.is_empty(), ok, "{value}: {found:?}");
        }
        let off = APP.replace(
            "[environments.dev]\n",
            "[environments.dev]\nmesh = false\ntraffic = \"gateway-api\"\ntracing = {}\n",
        );
        assert_eq!(
            problems(&off),
            ["`environments.dev.tracing` has no effect: the mesh is off in environment `dev`"]
        );
    }
}
