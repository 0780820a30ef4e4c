//! The public applications under `examples/` (issue 15, "how it is proven"),
//! built through the binary: the facts of their upstream manifests that each
//! one exists to show land in the rendered pods.

use crate::{Repo, built};
use serde_yaml::Value;

fn example(name: &str) -> Repo {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .join("kiln.toml");
    built(&std::fs::read_to_string(path).expect("example kiln.toml"))
}

/// Every pod template of `env`, by file: Deployments and StatefulSets.
fn pods(repo: &Repo, env: &str) -> Vec<(String, Value)> {
    repo.manifests()
        .into_keys()
        .filter(|path| path.starts_with(&format!("deploy/{env}/services/")))
        .filter(|path| path.contains("/deployment") || path.ends_with("/statefulset.yaml"))
        .map(|path| {
            let pod = repo.yaml(&path)["spec"]["template"]["spec"].clone();
            (path, pod)
        })
        .collect()
}

#[test]
fn boutique_grpc_services_get_native_grpc_probes_and_upstream_grace() {
    let repo = example("boutique");
    let grpc = [
        "adservice",
        "cartservice",
        "checkoutservice",
        "currencyservice",
        "emailservice",
        "paymentservice",
        "productcatalogservice",
        "recommendationservice",
        "shippingservice",
    ];
    for service in grpc {
        let pod = repo.yaml(&format!("deploy/prod/services/{service}/deployment.yaml"))["spec"]
            ["template"]["spec"]
            .clone();
        let app = &pod["containers"][0];
        for probe in ["startupProbe", "livenessProbe", "readinessProbe"] {
            assert!(
                app[probe]["grpc"]["port"].as_u64().is_some(),
                "{service} {probe} is not a gRPC probe: {:?}",
                app[probe]
            );
            assert!(app[probe]["tcpSocket"].is_null(), "{service} {probe}");
        }
    }
    let ads = repo.yaml("deploy/prod/services/adservice/deployment.yaml");
    let ads = &ads["spec"]["template"]["spec"];
    assert_eq!(ads["terminationGracePeriodSeconds"], Value::from(5));
    assert_eq!(
        ads["containers"][0]["livenessProbe"]["periodSeconds"],
        Value::from(15)
    );

    let front = repo.yaml("deploy/prod/services/frontend/deployment.yaml");
    let header = &front["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["httpHeaders"]
        [0];
    assert_eq!(header["name"], Value::from("Cookie"));

    let load = repo.yaml("deploy/prod/services/loadgenerator/deployment.yaml");
    let init = &load["spec"]["template"]["spec"]["initContainers"][0];
    assert_eq!(init["name"], Value::from("frontend-check"));
    assert_eq!(init["env"][0]["value"], Value::from("frontend:80"));
}

#[test]
fn sockshop_node_selector_lands_in_every_pod_and_the_exporter_is_scraped() {
    let repo = example("sockshop");
    for env in ["dev", "prod"] {
        let pods = pods(&repo, env);
        assert!(pods.len() >= 14, "{env}: {} pods", pods.len());
        for (path, pod) in pods {
            assert_eq!(
                pod["nodeSelector"]["kubernetes.io/os"],
                Value::from("linux"),
                "{path}"
            );
        }
    }
    let rabbit = repo.yaml("deploy/prod/services/rabbitmq/deployment.yaml");
    let init = rabbit["spec"]["template"]["spec"]["initContainers"]
        .as_sequence()
        .expect("initContainers")
        .clone();
    let exporter = init
        .iter()
        .find(|c| c["name"] == "rabbitmq-exporter")
        .expect("exporter sidecar");
    assert_eq!(exporter["restartPolicy"], Value::from("Always"));
    let monitor = repo.read("deploy/prod/services/rabbitmq/servicemonitor.yaml");
    assert!(monitor.contains("exporter"), "{monitor}");
    let service = repo.read("deploy/prod/services/rabbitmq/service.yaml");
    assert!(service.contains("9090"), "{service}");
}

#[test]
fn bookinfo_reviews_keeps_upstream_writable_paths_and_ratings_is_called() {
    let repo = example("bookinfo");
    let reviews = repo.yaml("deploy/prod/services/reviews/deployment.yaml");
    let mounts = serde_yaml::to_string(
        &reviews["spec"]["template"]["spec"]["containers"][0]["volumeMounts"],
    )
    .unwrap();
    assert!(mounts.contains("/opt/ibm/wlp/output"), "{mounts}");
    let policy = repo.read("deploy/prod/services/ratings/networkpolicy.yaml");
    assert!(policy.contains("reviews"), "{policy}");
    assert!(!policy.contains("productpage"), "{policy}");
}
