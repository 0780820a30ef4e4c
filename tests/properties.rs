//! Property tests: any config the validator accepts renders output that
//! parses as YAML, passes the cross-resource checks and is byte-identical
//! when rendered twice; any string value comes back unchanged.

use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone)]
struct Service {
    kind: &'static str,
    built: bool,
    port: u16,
    env: BTreeMap<String, String>,
    args: Vec<String>,
    route: bool,
}

fn service() -> impl Strategy<Value = Service> {
    (
        prop::sample::select(vec!["web", "worker", "stateful", "cronjob"]),
        any::<bool>(),
        1024u16..14_000,
        prop::collection::btree_map("[A-Z_][A-Z0-9_]{0,8}", any::<String>(), 0..4),
        prop::collection::vec(
            any::<String>().prop_filter("args are not empty", |s| !s.is_empty()),
            0..3,
        ),
        any::<bool>(),
    )
        .prop_map(|(kind, built, port, env, args, route)| Service {
            kind,
            built,
            port,
            env,
            args,
            route,
        })
}

/// A project name, its environments, its services and who calls whom (by index).
type App = (
    String,
    BTreeSet<&'static str>,
    BTreeMap<String, Service>,
    Vec<(usize, usize)>,
);

fn app() -> impl Strategy<Value = App> {
    (
        "[a-z][a-z0-9]{0,10}",
        prop::sample::subsequence(vec!["dev", "staging", "prod", "qa"], 1..=4)
            .prop_map(|envs| envs.into_iter().collect::<BTreeSet<_>>()),
        prop::collection::btree_map("[a-z][a-z0-9]{0,8}", service(), 1..6),
        prop::collection::vec((0usize..6, 0usize..6), 0..6),
    )
}

/// The config as TOML text, written by the toml crate so every string is
/// escaped as TOML wants.
fn config_text(
    name: &str,
    environments: &BTreeSet<&str>,
    services: &BTreeMap<String, Service>,
    calls: &[(usize, usize)],
) -> String {
    let names: Vec<&String> = services.keys().collect();
    let mut root = toml::Table::new();
    let mut project = toml::Table::new();
    project.insert("name".into(), name.into());
    project.insert("registry".into(), "ghcr.io/acme/app".into());
    root.insert("project".into(), project.into());
    let mut envs = toml::Table::new();
    for env in environments {
        envs.insert((*env).to_string(), toml::Table::new().into());
    }
    root.insert("environments".into(), envs.into());
    let mut table = toml::Table::new();
    for (index, (service_name, service)) in services.iter().enumerate() {
        let mut s = toml::Table::new();
        s.insert("kind".into(), service.kind.into());
        if service.built || service.kind == "cronjob" {
            s.insert("language".into(), "go".into());
            s.insert("version".into(), "1.0.0".into());
        } else {
            s.insert("image".into(), "nginx:1.27.3".into());
        }
        if service.kind != "cronjob" {
            s.insert("port".into(), i64::from(service.port).into());
        }
        match service.kind {
            "stateful" => {
                s.insert("storage".into(), "1Gi".into());
            }
            "cronjob" => {
                s.insert("schedule".into(), "*/5 * * * *".into());
            }
            "web" if service.route => {
                s.insert("route".into(), format!("/{service_name}").into());
            }
            _ => {}
        }
        let env: toml::Table = service
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().into()))
            .collect();
        s.insert("env".into(), env.into());
        let args: Vec<toml::Value> = service.args.iter().map(|a| a.as_str().into()).collect();
        s.insert("args".into(), args.into());
        let callees: BTreeSet<String> = calls
            .iter()
            .filter(|(from, _)| *from == index)
            .filter_map(|(_, to)| names.get(*to))
            .filter(|to| **to != service_name)
            .filter(|to| matches!(services[**to].kind, "web" | "stateful"))
            .map(|to| (*to).clone())
            .collect();
        let callees: Vec<toml::Value> = callees.into_iter().map(toml::Value::from).collect();
        s.insert("calls".into(), callees.into());
        table.insert(service_name.clone(), s.into());
    }
    root.insert("services".into(), table.into());
    toml::to_string(&root).expect("a TOML table serialises")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn accepted_configs_render_valid_consistent_deterministic_output(
        (name, environments, services, calls) in app()
    ) {
        let text = config_text(&name, &environments, &services, &calls);
        let rendered = match kiln::render_text(&text, kiln::Verify::CrossCheck) {
            Ok(rendered) => rendered,
            // Only configs the validator accepts are in scope; the rest must
            // fail as input errors, never as anything else.
            Err(kiln::Error::Invalid { report, .. }) => {
                // Generated configs are meant to be valid; a rejection here is
                // a bug in the generator or the validator, so say which.
                return Err(TestCaseError::reject(report));
            }
            Err(other) => return Err(TestCaseError::fail(format!("{other}\n{text}"))),
        };
        let again = kiln::render_text(&text, kiln::Verify::Render).expect("the same config renders again");
        prop_assert!(rendered == again, "two renders differ");
        for (path, contents) in rendered.iter().filter(|(p, _)| p.ends_with(".yaml") || p.ends_with(".yml")) {
            for document in serde_yaml::Deserializer::from_str(contents) {
                let parsed = <serde_yaml::Value as serde::Deserialize>::deserialize(document);
                prop_assert!(parsed.is_ok(), "{} is not YAML: {:?}", path, parsed.err());
            }
        }
        // Every string value round-trips: env through the ConfigMap, args through the pod spec.
        for (service_name, service) in &services {
            for env in &environments {
                let config_map = format!("deploy/{env}/services/{service_name}/configmap.yaml");
                if service.env.is_empty() {
                    prop_assert!(!rendered.contains_key(&config_map));
                    continue;
                }
                let data: serde_yaml::Value = serde_yaml::from_str(&rendered[&config_map]).unwrap();
                for (key, value) in &service.env {
                    prop_assert_eq!(data["data"][key.as_str()].as_str(), Some(value.as_str()), "{} {}", config_map, key);
                }
            }
        }
    }
}
