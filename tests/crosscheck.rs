//! The cross-resource checks: clean on every environment of every example
//! and preset, and failing, with the right words, on a deliberately broken
//! set of each kind.

use kiln::model::Model;
use kiln::render::{Rendered, Renderer};
use std::path::Path;

/// Renders a `kiln.toml` through the library, as `kiln build` does.
fn render(text: &str) -> (Rendered, Model) {
    render_with(text, &[])
}

/// The same with the repo presets `presets` (an example's `.kiln/presets`).
fn render_with(text: &str, presets: &[kiln::config::presets::RepoPreset]) -> (Rendered, Model) {
    let mut config = kiln::config::load::parse(text).expect("parses");
    if !presets.is_empty() {
        assert!(kiln::config::presets::apply(&mut config, presets).is_empty());
    }
    assert!(kiln::kinds::validate(&config).is_empty());
    let model = kiln::kinds::resolve(&config).expect("resolves");
    (Renderer::new().unwrap().render(&model).unwrap(), model)
}

fn configs() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for dir in ["examples", "presets"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path().join("kiln.toml");
            if path.exists() {
                found.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }
    assert!(found.len() >= 3, "{found:?}");
    found
}

fn messages((rendered, model): &(Rendered, Model)) -> Vec<String> {
    kiln::kinds::crosscheck(rendered, model)
        .into_iter()
        .map(|p| p.message)
        .collect()
}

/// The repo presets beside the `kiln.toml` at `config`, if any.
fn repo_presets(config: &Path) -> Vec<kiln::config::presets::RepoPreset> {
    let dir = config.parent().unwrap().join(".kiln/presets");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    entries
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            kiln::config::presets::repo(&name, &path.display().to_string(), &text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        })
        .collect()
}

#[test]
fn every_environment_of_every_example_is_consistent() {
    for (path, text) in configs() {
        let rendered = render_with(&text, &repo_presets(Path::new(&path)));
        assert!(rendered.0.len() > 10, "{path}");
        assert_eq!(messages(&rendered), Vec::<String>::new(), "{path}");
    }
}

/// The shop example with one file edited; the edit must be found.
#[track_caller]
fn broken(file: &str, from: &str, to: &str, expected: &str) {
    broken_at(file, from, to, file, expected);
}

/// Like `broken`, for an edit that shows up as a problem of another file.
#[track_caller]
fn broken_at(file: &str, from: &str, to: &str, reported: &str, expected: &str) {
    broken_all(&[(file, from, to)], reported, expected);
}

/// Like `broken_at`, with several edits.
#[track_caller]
fn broken_all(edits: &[(&str, &str, &str)], reported: &str, expected: &str) {
    let mut rendered = render(include_str!("../examples/shop/kiln.toml"));
    for (file, from, to) in edits {
        let path = format!("deploy/prod/{file}");
        let text = rendered
            .0
            .get_mut(&path)
            .unwrap_or_else(|| panic!("no {path}"));
        assert!(text.contains(from), "{path} lacks {from:?}");
        *text = text.replacen(from, to, 1);
    }
    let found = messages(&rendered);
    let reported = format!("generated `deploy/prod/{reported}`");
    assert!(
        found
            .iter()
            .any(|m| m.starts_with(&reported) && m.contains(expected)),
        "expected {expected:?} about {reported}, found {found:?}"
    );
}

#[test]
fn a_service_selector_that_matches_no_pod_is_found() {
    broken(
        "services/orders/service.yaml",
        "  selector:\n    app.kubernetes.io/instance: \"orders\"",
        "  selector:\n    app.kubernetes.io/instance: \"ordrs\"",
        "the selector of Service `orders` matches no pod",
    );
    broken(
        "services/orders/service.yaml",
        "targetPort: \"http\"",
        "targetPort: \"web\"",
        "targets port `web`",
    );
}

#[test]
fn a_monitor_scraping_a_port_the_service_lacks_is_found() {
    broken(
        "services/users/servicemonitor.yaml",
        "port: \"http-metrics\"",
        "port: \"metrics\"",
        "scrapes port `metrics`, which Service `users` does not have",
    );
    broken(
        "services/orders/servicemonitor.yaml",
        "operator: DoesNotExist",
        "operator: Exists",
        "selects no Service",
    );
    broken(
        "monitoring/podmonitor-sidecars.yaml",
        "port: \"http-envoy-prom\"",
        "port: \"envoy\"",
        "scrapes port `envoy`",
    );
}

#[test]
fn a_subset_that_matches_no_pod_is_found() {
    broken(
        "services/users/destinationrule.yaml",
        "track: \"canary\"",
        "track: \"canery\"",
        "subset `canary` of DestinationRule `users` matches no pod",
    );
    // The canary's pods lose their label: the subset now matches nothing,
    // and the Deployment no longer selects its own pods.
    broken_at(
        "services/users/deployment-canary.yaml",
        "        track: \"canary\"",
        "        track: \"beta\"",
        "services/users/destinationrule.yaml",
        "subset `canary` of DestinationRule `users` matches no pod",
    );
    broken(
        "services/users/deployment-canary.yaml",
        "        track: \"canary\"",
        "        track: \"beta\"",
        "the selector of Deployment `users-canary` does not match its own pods",
    );
}

#[test]
fn a_principal_that_is_no_service_account_is_found() {
    broken(
        "services/cache/authorizationpolicy.yaml",
        "sa/users",
        "sa/user",
        "admits `cluster.local/ns/shop-prod/sa/user`, a ServiceAccount no pod here runs as",
    );
    broken(
        "services/users/authorizationpolicy.yaml",
        "istio-ingressgateway-service-account",
        "default",
        "admits `cluster.local/ns/istio-system/sa/default`",
    );
}

#[test]
fn network_policy_ports_that_no_container_listens_on_are_found() {
    broken(
        "services/cache/networkpolicy.yaml",
        "port: 6379",
        "port: 6380",
        "admits port 6380, on which the pods of `deploy/prod/services/cache/statefulset.yaml` listen to nothing",
    );
    broken(
        "services/users/networkpolicy.yaml",
        "port: 8080",
        "port: 8081",
        "port 8081",
    );
}

#[test]
fn canary_weights_that_do_not_sum_to_100_are_found() {
    broken(
        "services/users/virtualservice.yaml",
        "weight: 10",
        "weight: 15",
        "add up to 105, not 100",
    );
    broken(
        "mesh/virtualservice.yaml",
        "weight: 90",
        "weight: 80",
        "add up to 90, not 100",
    );
    broken(
        "mesh/virtualservice.yaml",
        "subset: \"canary\"",
        "subset: \"next\"",
        "subset `next`",
    );
}

// The checks look objects up in indexes built once per environment (by
// namespace, name, label, account, subset); these edits are the ones an
// index gets wrong when it forgets a part of the key.

#[test]
fn pods_moved_to_another_namespace_are_not_selected() {
    broken_at(
        "services/orders/deployment.yaml",
        "  namespace: \"shop-prod\"",
        "  namespace: \"shop-dev\"",
        "services/orders/service.yaml",
        "the selector of Service `orders` matches no pod",
    );
    broken_at(
        "services/orders/deployment.yaml",
        "  namespace: \"shop-prod\"",
        "  namespace: \"shop-dev\"",
        "services/users/networkpolicy.yaml",
        "NetworkPolicy `users` lets pods out to a peer that matches no pod",
    );
}

#[test]
fn an_account_that_exists_but_no_pod_runs_as_is_found() {
    // Both of its Deployments, the stable one and the canary, stop running as `users`.
    broken_all(
        &[
            (
                "services/users/deployment.yaml",
                "serviceAccountName: \"users\"",
                "serviceAccountName: \"orders\"",
            ),
            (
                "services/users/deployment-canary.yaml",
                "serviceAccountName: \"users\"",
                "serviceAccountName: \"orders\"",
            ),
        ],
        "services/cache/authorizationpolicy.yaml",
        "admits `cluster.local/ns/shop-prod/sa/users`, a ServiceAccount no pod here runs as",
    );
    // The account must exist too, not only be run as.
    broken_at(
        "services/users/serviceaccount.yaml",
        "  name: \"users\"",
        "  name: \"user\"",
        "services/cache/authorizationpolicy.yaml",
        "admits `cluster.local/ns/shop-prod/sa/users`",
    );
}

#[test]
fn a_host_that_names_no_service_here_is_found() {
    broken(
        "services/users/destinationrule.yaml",
        "host: \"users.shop-prod.svc.cluster.local\"",
        "host: \"users.shop-dev.svc.cluster.local\"",
        "DestinationRule `users` names host `users.shop-dev.svc.cluster.local`, which is no Service here",
    );
    // A subset is looked up by host and name together.
    broken_at(
        "services/users/destinationrule.yaml",
        "host: \"users.shop-prod.svc.cluster.local\"",
        "host: \"users.shop-dev.svc.cluster.local\"",
        "services/users/virtualservice.yaml",
        "routes to subset `stable` of `users.shop-prod.svc.cluster.local`, which no DestinationRule defines",
    );
    broken(
        "services/users/virtualservice.yaml",
        "host: \"users.shop-prod.svc.cluster.local\"\n            subset: \"stable\"",
        "host: \"orders.shop-prod.svc.cluster.local\"\n            subset: \"stable\"",
        "routes to subset `stable` of `orders.shop-prod.svc.cluster.local`, which no DestinationRule defines",
    );
}

#[test]
fn a_part_the_checks_never_read_must_still_be_yaml() {
    broken(
        "services/users/configmap.yaml",
        "  LOG_LEVEL: \"warn\"",
        "  LOG_LEVEL: \"warn\"\n  LOG_LEVEL: \"info\"",
        "is not YAML: data: duplicate entry with key \"LOG_LEVEL\"",
    );
    broken(
        "services/users/deployment.yaml",
        "kind: Deployment",
        "kind: Deployment\nkind: StatefulSet",
        "duplicate entry with key \"kind\"",
    );
}

/// `n` services that all call each other, rendered.
fn fully_connected(n: usize) -> (Rendered, Model) {
    let mut text = String::from(
        "[project]\nname = \"mesh\"\nregistry = \"ghcr.io/acme/mesh\"\n[environments.dev]\n",
    );
    for i in 0..n {
        let calls: Vec<String> = (0..n)
            .filter(|j| *j != i)
            .map(|j| format!("\"svc{j}\""))
            .collect();
        text.push_str(&format!(
            "[services.svc{i}]\nlanguage = \"go\"\nversion = \"1.0.{i}\"\nport = 8080\ncalls = [{}]\n",
            calls.join(", ")
        ));
    }
    render(&text)
}

#[test]
fn one_bad_reference_among_many_in_a_fully_connected_graph_is_found() {
    let clean = fully_connected(12);
    assert_eq!(messages(&clean), Vec::<String>::new());
    let edit = |file: &str, from: &str, to: &str| {
        let mut rendered = (clean.0.clone(), clean.1.clone());
        let text = rendered.0.get_mut(file).unwrap();
        assert!(text.contains(from), "{file} lacks {from:?}");
        *text = text.replacen(from, to, 1);
        messages(&rendered)
    };
    let found = edit(
        "deploy/dev/services/svc5/authorizationpolicy.yaml",
        "sa/svc7\"",
        "sa/svc77\"",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("admits `cluster.local/ns/mesh-dev/sa/svc77`"),
        "{found:?}"
    );
    // svc9's pods stop listening on 8080: every caller's egress to it is wrong,
    // and only those.
    let found = edit(
        "deploy/dev/services/svc9/deployment.yaml",
        "containerPort: 8080",
        "containerPort: 8081",
    );
    let egress: Vec<&String> = found
        .iter()
        .filter(|m| m.contains("lets pods out to port 8080, on which the pods of `deploy/dev/services/svc9/deployment.yaml`"))
        .collect();
    assert_eq!(egress.len(), 11, "{found:?}");
}
