//! The kinds' checks of the rendered objects: the render of a real app
//! holds together, and each deliberate break of it (one edit of one
//! generated file) is caught, in the file it is in, as a kiln bug.

use super::*;
use crate::diagnostics::Error;
use crate::render::Sources;

/// The render of `SHOP` and its model.
fn shop() -> (Model, Rendered) {
    let model = model(SHOP);
    let rendered = render(&model);
    (model, rendered)
}

/// The messages of every problem found in `rendered`.
fn found(model: &Model, rendered: &Rendered) -> Vec<String> {
    super::super::crosscheck(rendered, model)
        .into_iter()
        .map(|problem| {
            let hint = problem.hint.unwrap_or_default();
            assert!(hint.contains("a bug in kiln"), "{hint}");
            problem.message
        })
        .collect()
}

/// `SHOP`'s render with `from` replaced by `to` in `file`, which must hold it;
/// the problems found, each of which must be in `file`.
fn broken(file: &str, from: &str, to: &str) -> Vec<String> {
    let (model, mut rendered) = shop();
    let text = rendered
        .get_mut(file)
        .unwrap_or_else(|| panic!("no {file}"));
    assert!(text.contains(from), "{file} has no `{from}`:\n{text}");
    *text = text.replace(from, to);
    let found = found(&model, &rendered);
    for message in &found {
        assert!(
            message.starts_with(&format!("generated `{file}`: ")),
            "{message}"
        );
    }
    found
}

/// The one problem `broken` finds, without the file it is in.
fn one(file: &str, from: &str, to: &str) -> String {
    let found = broken(file, from, to);
    assert_eq!(found.len(), 1, "{found:#?}");
    found[0].split_once("`: ").unwrap().1.to_string()
}

#[test]
fn the_render_of_a_real_app_holds_together() {
    let (model, rendered) = shop();
    assert!(rendered.len() > 80, "{}", rendered.len());
    assert_eq!(found(&model, &rendered), Vec::<String>::new());
}

#[test]
fn a_service_that_selects_no_pod_is_caught() {
    let message = one(
        "deploy/dev/services/api/service.yaml",
        "selector:\n    app.kubernetes.io/instance: \"api\"",
        "selector:\n    app.kubernetes.io/instance: \"apí\"",
    );
    assert_eq!(message, "the selector of Service `api` matches no pod");
}

#[test]
fn a_service_targeting_a_port_its_pods_lack_is_caught() {
    let message = one(
        "deploy/dev/services/api/service.yaml",
        "targetPort: \"admin\"",
        "targetPort: \"debug\"",
    );
    assert!(
        message.starts_with("Service `api` targets port `debug`, which the pods of `deploy/dev/services/api/deployment.yaml` do not have"),
        "{message}"
    );
}

#[test]
fn a_workload_whose_selector_misses_its_own_pods_is_caught() {
    let found = broken(
        "deploy/prod/services/web/deployment.yaml",
        "track: \"stable\"\n  strategy",
        "track: \"canary\"\n  strategy",
    );
    assert!(
        found
            .iter()
            .any(|m| m.ends_with("the selector of Deployment `web` does not match its own pods")),
        "{found:#?}"
    );
}

#[test]
fn a_policy_admitting_an_account_no_pod_runs_as_is_caught() {
    let message = one(
        "deploy/dev/services/api/authorizationpolicy.yaml",
        "cluster.local/ns/shop-dev/sa/web",
        "cluster.local/ns/shop-dev/sa/ghost",
    );
    assert_eq!(
        message,
        "AuthorizationPolicy `api` admits `cluster.local/ns/shop-dev/sa/ghost`, a ServiceAccount no pod here runs as"
    );
    let message = one(
        "deploy/dev/services/api/authorizationpolicy.yaml",
        "cluster.local/ns/shop-dev/sa/web",
        "spiffe://web",
    );
    assert!(
        message.starts_with("principal `spiffe://web` is not"),
        "{message}"
    );
}

#[test]
fn a_missing_service_account_breaks_the_policies_that_admit_it() {
    let (model, mut rendered) = shop();
    rendered
        .remove("deploy/dev/services/jobs/serviceaccount.yaml")
        .unwrap();
    let found = found(&model, &rendered);
    let admits = "admits `cluster.local/ns/shop-dev/sa/jobs`, a ServiceAccount no pod here runs as";
    let files: Vec<&str> = found
        .iter()
        .filter(|m| m.contains(admits))
        .map(|m| m.split('`').nth(1).unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "deploy/dev/services/api/authorizationpolicy.yaml",
            "deploy/dev/services/db/authorizationpolicy.yaml"
        ]
    );
}

#[test]
fn only_the_ingress_gateway_is_admitted_from_outside_the_environment() {
    let message = one(
        "deploy/dev/services/api/authorizationpolicy.yaml",
        "cluster.local/ns/shop-dev/sa/web",
        "cluster.local/ns/shop-prod/sa/web",
    );
    assert!(
        message.contains("admits `cluster.local/ns/shop-prod/sa/web`"),
        "{message}"
    );
}

#[test]
fn a_split_whose_weights_do_not_add_up_is_caught() {
    let message = one(
        "deploy/prod/services/api/virtualservice.yaml",
        "weight: 80",
        "weight: 70",
    );
    assert_eq!(
        message,
        "the weights of route `api` of VirtualService `api` add up to 90, not 100"
    );
}

#[test]
fn a_route_to_a_subset_no_rule_defines_is_caught() {
    let message = one(
        "deploy/prod/services/api/virtualservice.yaml",
        "subset: \"canary\"",
        "subset: \"beta\"",
    );
    assert!(message.contains("routes to subset `beta` of `api.shop-prod.svc.cluster.local`, which no DestinationRule defines"), "{message}");
}

#[test]
fn a_subset_without_pods_or_a_rule_for_no_service_is_caught() {
    let message = one(
        "deploy/prod/services/api/destinationrule.yaml",
        "track: \"canary\"",
        "track: \"beta\"",
    );
    assert_eq!(
        message,
        "subset `canary` of DestinationRule `api` matches no pod of Service `api`"
    );
    let found = broken(
        "deploy/dev/services/db/destinationrule.yaml",
        "host: \"db.shop-dev",
        "host: \"db.shop-qa",
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("names host `db.shop-qa.svc.cluster.local`, which is no Service here")
    );
}

#[test]
fn a_network_policy_to_a_port_nobody_listens_on_is_caught() {
    let found = broken(
        "deploy/dev/services/api/networkpolicy.yaml",
        "port: 9090",
        "port: 9091",
    );
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|m| m.contains("admits port 9091, on which the pods of")),
        "{found:#?}"
    );
    let message = one(
        "deploy/dev/services/api/networkpolicy.yaml",
        "port: 5432",
        "port: 5433",
    );
    assert!(message.contains("lets pods out to port 5433, on which the pods of `deploy/dev/services/db/statefulset.yaml` listen to nothing"), "{message}");
}

#[test]
fn a_monitor_scraping_a_port_the_service_lacks_is_caught() {
    let message = one(
        "deploy/dev/services/web/servicemonitor.yaml",
        "- port: \"http\"",
        "- port: \"metrics\"",
    );
    assert_eq!(
        message,
        "ServiceMonitor `web` scrapes port `metrics`, which Service `web` does not have"
    );
}

#[test]
fn a_manifest_that_is_not_yaml_is_caught() {
    let message = one("deploy/prod/services/web/pdb.yaml", "kind:", "kind: [");
    assert!(message.starts_with("is not YAML: "), "{message}");
}

#[test]
fn a_problem_in_a_file_an_override_made_is_the_overrides_error() {
    let (model, mut rendered) = shop();
    let file = "deploy/dev/services/api/service.yaml";
    let text = rendered.get_mut(file).unwrap();
    *text = text.replace("targetPort: \"admin\"", "targetPort: \"debug\"");
    let own = ".kiln/templates/k8s/service.yaml.tera".to_string();
    let sources = Sources::from([(file.to_string(), vec![own.clone()])]);
    let (problems, overrides) = super::super::crosscheck_made(&rendered, &model, &sources);
    assert!(problems.is_empty(), "{problems:#?}");
    match overrides.as_slice() {
        [Error::TemplateOverride { file, cause, .. }] => {
            assert_eq!(file, &own);
            assert!(cause.starts_with("generated `deploy/dev/services/api/service.yaml`: Service `api` targets port `debug`"), "{cause}");
        }
        other => panic!("{other:#?}"),
    }
    // Made by the bundled template, the same mistake is kiln's.
    let bundled = Sources::from([(file.to_string(), vec!["k8s/service.yaml.tera".to_string()])]);
    let (problems, overrides) = super::super::crosscheck_made(&rendered, &model, &bundled);
    assert_eq!((problems.len(), overrides.len()), (1, 0));
}

#[test]
fn a_monitor_scraping_the_pods_of_a_split_twice_is_caught() {
    let ambient = SHOP.replace(
        "[environments.prod]\n",
        "[environments.prod]\nmesh_mode = \"ambient\"\n",
    );
    let (mut rendered, model) = rendered(&ambient);
    assert_eq!(found(&model, &rendered), Vec::<String>::new());
    let file = "deploy/prod/services/api/servicemonitor.yaml";
    let text = rendered.get_mut(file).expect("a ServiceMonitor of api");
    let left_out = "\n      - key: track\n        operator: DoesNotExist";
    assert!(text.contains(left_out), "{text}");
    *text = text.replace(left_out, "");
    let found = found(&model, &rendered);
    assert!(
        found.iter().any(|m| m.contains(
            "ServiceMonitor `api` scrapes the pods of `deploy/prod/services/api/deployment.yaml` twice, through Services `api-stable` and `api`"
        )),
        "{found:#?}"
    );
}
