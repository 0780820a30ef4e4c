//! The mesh keys' rules, each a located problem at the key that breaks it,
//! the retry policy (safe by default: only failures the app never saw),
//! and where an environment's ingress gateway runs and who it is.

use super::{ingress_gateway, retries, validate};
use crate::config::load::parse;
use crate::config::{Config, RetrySetting};
use crate::model::ProjectView;
use crate::resolve::builtin;

const PROJECT: &str = "[project]\nname = \"shop\"\nregistry = \"ghcr.io/acme\"\n\n";

/// A routed web service and a worker, in dev and prod.
const APP: &str = r#"
[environments.dev]

[environments.prod]

[services.api]
language = "go"
version = "1.0.0"
port = 8080
route = "/api"

[services.jobs]
kind = "worker"
language = "python"
version = "1.0.0"
"#;

fn config(text: &str) -> Config {
    let (config, problems) = crate::config::parsed(&format!("{PROJECT}{text}"));
    assert!(problems.is_empty(), "{problems:#?}");
    config
}

/// What the mesh rules find in `APP` followed by `extra`: key and message.
fn problems(text: &str) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    validate::validate(&config(text), &mut problems);
    problems
        .into_iter()
        .map(|p| (p.key.to_string(), p.message))
        .collect()
}

/// The one problem found, which must be at `key`; its message.
fn only_problem(text: &str, key: &str) -> String {
    let found = problems(text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, key, "{found:#?}");
    found[0].1.clone()
}

#[test]
fn the_app_alone_has_no_mesh_problem() {
    assert_eq!(problems(APP), []);
}

#[test]
fn canary_weight_is_a_percent() {
    let at = |weight: u32| {
        let canary = format!("canary = {{ version = \"1.1.0\", weight = {weight} }}\n");
        problems(&APP.replace("route = \"/api\"\n", &format!("route = \"/api\"\n{canary}")))
    };
    assert_eq!(at(0), []);
    assert_eq!(at(100), []);
    let found = at(101);
    assert_eq!(
        found,
        [(
            "services.api.canary.weight".to_string(),
            "`services.api.canary.weight` must be from 0 to 100, not 101".to_string()
        )]
    );
}

#[test]
fn a_canary_needs_a_web_service_with_a_port() {
    let text = format!("{APP}canary = {{ version = \"1.1.0\", weight = 10 }}\n");
    let message = only_problem(&text, "services.jobs.canary");
    assert!(message.contains("needs a `web` service with a `port`"));
}

#[test]
fn a_canary_at_the_stable_version_names_the_environments_it_is_stable_in() {
    let text = format!(
        "{APP}\n[services.api.environments.prod]\nversion = \"1.1.0\"\ncanary = {{ version = \"1.1.0\", weight = 10 }}\n"
    );
    let message = only_problem(&text, "services.api.environments.prod.canary.version");
    assert!(
        message.contains("the version the stable pods run in `prod`"),
        "{message}"
    );
    // The same canary at another version than prod's stable pods is fine.
    assert_eq!(
        problems(&text.replacen("version = \"1.1.0\"\n", "version = \"1.0.5\"\n", 1)),
        []
    );
}

#[test]
fn a_canary_where_the_mesh_is_off_is_a_problem_for_that_environment() {
    let text = APP
        .replace("[environments.dev]\n", "[environments.dev]\nmesh = false\n")
        .replace(
            "route = \"/api\"\n",
            "route = \"/api\"\ncanary = { version = \"1.1.0\", weight = 10 }\n",
        );
    let message = only_problem(&text, "services.api.canary");
    assert!(message.contains("off in environment `dev`"), "{message}");
}

#[test]
fn two_services_cannot_share_a_route() {
    let text = format!(
        "{APP}\n[services.web]\nlanguage = \"node\"\nversion = \"2.0.0\"\nport = 3000\nroute = \"/api\"\n"
    );
    let message = only_problem(&text, "services.web.route");
    assert_eq!(
        message,
        "route `/api` in `services.web.route` is already taken by service `api`"
    );
}

#[test]
fn a_route_needs_a_web_service_and_an_absolute_path() {
    let text = format!("{APP}route = \"/jobs\"\n");
    let message = only_problem(&text, "services.jobs.route");
    assert!(message.contains("needs a `web` service with a `port`"));
    let message = only_problem(&APP.replace("\"/api\"", "\"api?x\""), "services.api.route");
    assert!(message.contains("is not an absolute URL path"));
}

#[test]
fn timeouts_and_retries_without_a_route_or_canary_have_no_effect() {
    let text =
        format!("{APP}timeout = \"3s\"\n\n[services.jobs.environments.dev]\nretries = false\n");
    let found = problems(&text);
    let keys: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "services.jobs.timeout",
            "services.jobs.environments.dev.retries"
        ]
    );
    assert!(
        found[0]
            .1
            .contains("has no effect: the service has no `route` and no `canary`")
    );
    // From `[defaults]`, retries meet routed and unrouted services alike: no problem.
    assert_eq!(problems(&format!("[defaults]\nretries = false\n{APP}")), []);
}

#[test]
fn retry_policies_are_checked_in_every_layer() {
    let text = format!(
        "[defaults]\nretries = {{ attempts = 11 }}\n{APP}\n[environments.prod.retries]\non = []\nper_try_timeout = \"soon\"\n"
    );
    let found = problems(&text);
    let keys: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "defaults.retries.attempts",
            "environments.prod.retries.per_try_timeout",
            "environments.prod.retries.on",
        ]
    );
    assert!(
        found[0].1.contains("must be from 0 to 10, not 11"),
        "{}",
        found[0].1
    );
}

#[test]
fn a_retry_condition_that_can_repeat_a_request_is_refused_by_name() {
    let app = APP.replace(
        "route = \"/api\"\n",
        "route = \"/api\"\nretries = { on = [\"connect-failure\", \"5xx\"] }\n",
    );
    let found = parse(&format!("{PROJECT}{app}")).unwrap_err();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].key.to_string(), "services.api.retries.on[1]");
    assert!(
        found[0]
            .message
            .contains("retries requests the app may already have acted on")
    );
    assert!(
        found[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("`connect-failure`")
    );
}

/// Envoy conditions that may resend a request the app has seen.
const UNSAFE: [&str; 4] = ["5xx", "gateway-error", "reset", "retriable-4xx"];

#[test]
fn the_default_retry_policy_only_retries_requests_the_app_never_saw() {
    let view = retries(None);
    assert_eq!(view.attempts, builtin::RETRY_ATTEMPTS);
    assert_eq!(view.per_try_timeout, None);
    assert_eq!(
        view.retry_on,
        "connect-failure,refused-stream,reset-before-request"
    );
    for condition in view.retry_on.split(',') {
        assert!(!UNSAFE.contains(&condition), "unsafe default `{condition}`");
    }
    // `true` is the same policy.
    let on = retries(Some(&RetrySetting::Enabled(true)));
    assert_eq!((on.attempts, on.retry_on), (view.attempts, view.retry_on));
}

#[test]
fn retries_false_turns_retries_off_and_a_policy_changes_only_its_keys() {
    let off = retries(Some(&RetrySetting::Enabled(false)));
    assert_eq!((off.attempts, off.retry_on.as_str()), (0, ""));
    let config = config(&format!(
        "[defaults]\nretries = {{ attempts = 1, per_try_timeout = \"2s\" }}\n{APP}"
    ));
    let view = retries(config.defaults.retries.as_ref());
    assert_eq!(view.attempts, 1);
    assert_eq!(view.per_try_timeout.as_deref(), Some("2s"));
    // The conditions it leaves out stay the safe ones.
    assert_eq!(view.retry_on, retries(None).retry_on);
    let config = self::config(&format!(
        "[defaults]\nretries = {{ on = [\"refused-stream\"] }}\n{APP}"
    ));
    assert_eq!(
        retries(config.defaults.retries.as_ref()).retry_on,
        "refused-stream"
    );
}

fn project(config: &Config) -> ProjectView {
    ProjectView {
        name: config.project.name.clone(),
        team: None,
        monitoring_namespace: builtin::MONITORING_NAMESPACE.into(),
        mesh_namespace: config
            .project
            .mesh_namespace
            .clone()
            .unwrap_or_else(|| builtin::MESH_NAMESPACE.into()),
    }
}

#[test]
fn the_ingress_gateway_defaults_to_istios_own_install() {
    let config = config(APP);
    let gateway = ingress_gateway(&config, &project(&config), "dev");
    assert_eq!(gateway.namespace, "istio-system");
    assert_eq!(gateway.selector["istio"], "ingressgateway");
    assert_eq!(
        gateway.principal(),
        "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"
    );
}

#[test]
fn each_gateway_key_comes_from_the_environment_else_the_project() {
    let text = APP.replace(
        "[environments.prod]\n",
        "[environments.prod]\ngateway = { service_account = \"prod-ingress\" }\n",
    );
    let mut config = config(&text);
    config.project.gateway = Some(crate::config::IngressGateway {
        namespace: Some("istio-ingress".into()),
        selector: None,
        name: None,
        service_account: Some("istio-ingress".into()),
    });
    let project = project(&config);
    let prod = ingress_gateway(&config, &project, "prod");
    assert_eq!(
        prod.principal(),
        "cluster.local/ns/istio-ingress/sa/prod-ingress"
    );
    let dev = ingress_gateway(&config, &project, "dev");
    assert_eq!(
        dev.principal(),
        "cluster.local/ns/istio-ingress/sa/istio-ingress"
    );
    assert_eq!(dev.selector["istio"], "ingressgateway");
}

#[test]
fn the_gateway_may_not_run_in_a_namespace_kiln_writes() {
    let text = APP.replace(
        "[environments.prod]\n",
        "[environments.prod]\ngateway = { namespace = \"shop-prod\" }\n",
    );
    let message = only_problem(&text, "environments.prod.gateway.namespace");
    assert!(message.contains("a namespace kiln writes for environment `prod`"));
    let text = APP.replace(
        "[environments.prod]\n",
        "[environments.prod]\ngateway = { namespace = \"shop-prod-logging\" }\n",
    );
    only_problem(&text, "environments.prod.gateway.namespace");
}

#[test]
fn a_gateway_where_the_mesh_is_off_or_with_no_labels_is_a_problem() {
    let text = APP.replace(
        "[environments.prod]\n",
        "[environments.prod]\nmesh = false\ngateway = { selector = {} }\n",
    );
    let found = problems(&text);
    let keys: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "environments.prod.gateway.selector",
            "environments.prod.gateway"
        ]
    );
    assert!(found[1].1.contains("the mesh is off in environment `prod`"));
}

#[test]
fn destination_rule_settings_need_a_called_service_and_sane_bounds() {
    let text = format!(
        "{APP}connection_pool = {{ max_connections = 10 }}\n\n[services.api.outlier_detection]\nmax_ejection_percent = 0\ninterval = \"10 s\"\n"
    );
    let found = problems(&text);
    let keys: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "services.api.outlier_detection.interval",
            "services.api.outlier_detection.max_ejection_percent",
            "services.jobs.connection_pool",
        ]
    );
    assert!(
        found[2]
            .1
            .contains("needs a `web` or `stateful` service with a `port`")
    );
}
