//! `kiln render ENV`: one environment as a YAML stream on stdout, in the
//! order `kubectl apply -k` applies it, and nothing written.

use crate::{Repo, SMALL, STARTER, built};
use serde_yaml::Value;

/// (apiVersion, kind, namespace, name)
type Id = (String, String, String, String);

/// The documents of a YAML stream, each with its identity.
fn documents(stream: &str) -> Vec<(Id, Value)> {
    serde_yaml::Deserializer::from_str(stream)
        .map(|document| {
            let value = <Value as serde::Deserialize>::deserialize(document)
                .unwrap_or_else(|e| panic!("not YAML: {e}\n{stream}"));
            let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
            let id = (
                text(&value["apiVersion"]),
                text(&value["kind"]),
                text(&value["metadata"]["namespace"]),
                text(&value["metadata"]["name"]),
            );
            (id, value)
        })
        .collect()
}

fn kubectl_kustomize(repo: &Repo, environment: &str) -> String {
    let output = std::process::Command::new("kubectl")
        .arg("kustomize")
        .arg(repo.path().join("deploy").join(environment))
        .output()
        .expect("kubectl is needed for this test (it checks kiln against kustomize)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn render_is_what_kubectl_kustomize_builds_in_the_same_order() {
    let repo = built(STARTER);
    for environment in ["dev", "staging", "prod"] {
        let run = repo.kiln(&["render", environment]).success();
        assert_eq!(run.stderr, "");
        let ours = documents(&run.stdout);
        let theirs = documents(&kubectl_kustomize(&repo, environment));
        assert!(ours.len() > 20, "{environment}: {} objects", ours.len());
        let ids = |docs: &[(Id, Value)]| docs.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(&ours),
            ids(&theirs),
            "{environment}: order or set differs"
        );
        // The same objects, field for field.
        for ((id, a), (_, b)) in ours.iter().zip(&theirs) {
            assert_eq!(a, b, "{id:?} differs");
        }
        // Namespaces first: everything namespaced lands in one that exists.
        assert_eq!(ours[0].0.1, "Namespace");
        let first_other = ours.iter().position(|(id, _)| id.1 != "Namespace").unwrap();
        assert!(
            ours[first_other..]
                .iter()
                .all(|(id, _)| id.1 != "Namespace")
        );
    }
}

#[test]
fn render_heads_each_document_with_its_source_and_keeps_kilns_quoting() {
    let repo = Repo::with_config(SMALL);
    let run = repo.kiln(&["render", "prod"]).success();
    assert!(
        run.stdout.starts_with(
            "---\n# Source: deploy/prod/namespace/namespace.yaml\napiVersion: v1\nkind: Namespace\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("          image: \"ghcr.io/acme/shop/users:1.4.2\"\n")
    );
    assert!(
        !run.stdout.contains("kiln eject"),
        "no file header in a stream"
    );
    let sources = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("# Source: "))
        .count();
    assert_eq!(sources, documents(&run.stdout).len());
    assert!(!run.stdout.contains("kind: Kustomization"));
}

#[test]
fn render_writes_nothing_not_even_the_cache() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["render", "dev"]).success();
    assert_eq!(
        repo.contents().keys().collect::<Vec<_>>(),
        ["kiln.toml"],
        "render wrote files"
    );
    assert!(!repo.exists(".kiln"), "render wrote the cache");
    // In a built repo, too: the files and the cache are as the build left them.
    let repo = built(SMALL);
    let cache = std::fs::read(repo.path().join(".kiln/cache/state")).unwrap();
    let before = repo.files();
    repo.kiln(&["render", "prod"]).success();
    repo.assert_untouched(&before);
    assert_eq!(
        std::fs::read(repo.path().join(".kiln/cache/state")).unwrap(),
        cache
    );
}

#[test]
fn render_of_an_unknown_environment_suggests_the_real_ones() {
    let repo = Repo::with_config(SMALL);
    let run = repo.kiln(&["render", "prdo"]).fails_with(2);
    assert_eq!(
        run.stderr,
        "error: unknown environment `prdo`\n  = hint: did you mean `prod`? the environments are `dev`, `prod`\n"
    );
    assert_eq!(run.stdout, "");
    repo.kiln(&["render", "qa"])
        .fails_with(2)
        .stderr_has("= hint: the environments are `dev`, `prod`\n");
    repo.write("kiln.toml", &SMALL.replace("port = 8080", "port = \"x\""));
    repo.kiln(&["render", "prod"])
        .fails_with(2)
        .stderr_has("wrong value for `services.users.port`");
}

#[test]
fn render_takes_an_ejected_file_as_it_is_on_disk() {
    let repo = built(SMALL);
    let path = "deploy/prod/services/users/deployment.yaml";
    repo.write(path, &repo.read(path).replace("maxSurge: 1", "maxSurge: 2"));
    repo.kiln(&["eject", path]).success();
    let run = repo.kiln(&["render", "prod"]).success();
    assert!(run.stdout.contains("maxSurge: 2\n"), "{}", run.stdout);
    assert!(!run.stdout.contains("maxSurge: 1\n"));
    std::fs::remove_file(repo.path().join(path)).unwrap();
    repo.kiln(&["render", "prod"])
        .fails_with(2)
        .stderr_has(&format!("`{path}` is ejected but not on disk"));
    // Other environments do not need it.
    repo.kiln(&["render", "dev"]).success();
}
