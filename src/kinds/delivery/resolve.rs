//! What builds, ships and deploys the app: which Dockerfiles, which CI
//! pipelines, which Argo CD Applications, and every value in them.
//! Templates only lay out what is decided here.

use super::files;
use super::pinned;
use crate::config::{CiSystem, Config, DeployOn, GitOps, KilnSource, Language};
use crate::model::{
    Application, Build, Delivery, Deploy, Environment, InputFile, KilnSourceKind, KilnView,
    Pipeline, Service, Tools,
};
use crate::output::paths;
use std::collections::{BTreeMap, BTreeSet};

/// Built-in defaults of the delivery keys.
pub mod builtin {
    pub const BRANCH: &str = "main";
    pub const ARGOCD_NAMESPACE: &str = "argocd";
    pub const IN_CLUSTER: &str = "https://kubernetes.default.svc";
}

fn default_images(language: Language) -> (&'static str, &'static str) {
    match language {
        Language::Node => (pinned::NODE_BUILD, pinned::NODE_RUNTIME),
        Language::Python => (pinned::PYTHON_BUILD, pinned::PYTHON_RUNTIME),
        Language::Go => (pinned::GO_BUILD, pinned::GO_RUNTIME),
        Language::Java => (pinned::JAVA_BUILD, pinned::JAVA_RUNTIME),
        Language::Rust => (pinned::RUST_BUILD, pinned::RUST_RUNTIME),
        Language::Dotnet => (pinned::DOTNET_BUILD, pinned::DOTNET_RUNTIME),
    }
}

/// An environment deploys on a tag, behind an approval, when asked to, or
/// by default when it is named like production.
fn deploys_on_tag(config: &Config, environment: &str) -> bool {
    match config.environments[environment].deploy_on {
        Some(deploy_on) => deploy_on == DeployOn::Tag,
        None => matches!(environment, "prod" | "production"),
    }
}

/// Where an environment stands in the promotion order: development first,
/// then test, then staging; names kiln does not know sit between test and staging.
fn rank(environment: &str) -> u8 {
    match environment {
        "dev" | "develop" | "development" => 0,
        "test" | "testing" | "qa" | "int" | "integration" => 1,
        "staging" | "stage" | "preprod" | "pre-prod" | "uat" => 3,
        _ => 2,
    }
}

/// Registry host of an image repository prefix: its first part when that
/// looks like a host, Docker Hub otherwise.
fn registry_host(registry: &str) -> String {
    let first = registry.split('/').next().unwrap_or_default();
    let is_host = registry.contains('/')
        && (first.contains('.') || first.contains(':') || first == "localhost");
    if is_host {
        first.to_string()
    } else {
        "docker.io".to_string()
    }
}

/// Decides the Dockerfiles, pipelines and Applications. `environments` is
/// the resolved model of every environment, in name order.
pub fn resolve(config: &Config, environments: &[Environment]) -> Delivery {
    let project = &config.project;
    let registry = project.registry.clone().unwrap_or_default();
    // Each service as the first environment that has it resolves it, and
    // the tags of its image that some environment deploys, sorted, each
    // once: one pass, not one per service.
    let mut first_environment: BTreeMap<&str, &Service> = BTreeMap::new();
    let mut tags: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for service in environments.iter().flat_map(|env| &env.services) {
        first_environment
            .entry(service.name.as_str())
            .or_insert(service);
        tags.entry(service.name.as_str())
            .or_default()
            .extend(deployed_tags(service));
    }
    let builds = config
        .services
        .iter()
        .filter_map(|(name, service)| {
            let language = service.language?;
            let (build_default, runtime_default) = default_images(language);
            // Ports and user are the same in every environment; take them from the first.
            // A service disabled in every environment is built nowhere.
            let resolved = Some(*first_environment.get(name.as_str())?);
            let mut ports: Vec<u16> = resolved
                .map(|s| s.ports.iter().map(|p| p.port).collect())
                .unwrap_or_default();
            ports.sort_unstable();
            ports.dedup();
            let fallback = crate::resolve::builtin::RUN_AS_USER;
            let (user, group) = resolved.map_or((fallback, fallback), |s| {
                (s.security.run_as_user, s.security.run_as_group)
            });
            Some(Build {
                service: name.clone(),
                language,
                context: paths::source_dir(name, service.source.as_deref()),
                image: format!("{registry}/{name}"),
                tags: tags
                    .get(name.as_str())
                    .into_iter()
                    .flatten()
                    .map(|tag| tag.to_string())
                    .collect(),
                build_image: service
                    .build_image
                    .clone()
                    .unwrap_or_else(|| build_default.into()),
                runtime_image: service
                    .runtime_image
                    .clone()
                    .unwrap_or_else(|| runtime_default.into()),
                ports,
                user,
                group,
            })
        })
        .collect();

    let argocd = project.gitops == Some(GitOps::Argocd);
    let branch = project
        .branch
        .clone()
        .unwrap_or_else(|| builtin::BRANCH.into());
    let auto_sync = |name: &str| {
        config.environments[name]
            .auto_sync
            .unwrap_or(!deploys_on_tag(config, name))
    };
    let application_name = |name: &str| format!("{}-{name}", project.name);

    let mut order: Vec<&Environment> = environments.iter().collect();
    order.sort_by_key(|env| (deploys_on_tag(config, &env.name), rank(&env.name)));
    let mut deploys = Vec::new();
    let mut previous_push: Option<String> = None;
    for env in order {
        let on_tag = deploys_on_tag(config, &env.name);
        deploys.push(Deploy {
            environment: env.name.clone(),
            namespace: env.namespace.clone(),
            path: paths::environment_dir(&env.name),
            on_tag,
            // Tag deploys stand alone: the push environments ran for this commit on the branch.
            after: if on_tag { None } else { previous_push.clone() },
            application: argocd.then(|| application_name(&env.name)),
            auto_sync: argocd && auto_sync(&env.name),
            rollouts: env
                .services
                .iter()
                .flat_map(|s| {
                    let tracks = s
                        .split
                        .iter()
                        .flat_map(|split| split.workloads())
                        .filter_map(|w| w.workload.rollout(&w.name));
                    s.workload.rollout(&s.name).into_iter().chain(tracks)
                })
                .collect(),
        });
        if !on_tag {
            previous_push = Some(env.name.clone());
        }
    }

    let registry_host = registry_host(&registry);
    let pipeline = Pipeline {
        registry_is_ghcr: registry_host == "ghcr.io",
        registry_is_gitlab: registry_host == "registry.gitlab.com",
        registry_host,
        branch: branch.clone(),
        kiln_version: env!("CARGO_PKG_VERSION").into(),
        kiln: project.kiln.as_ref().map(kiln_view),
        // Known only to the command that reads the files: see `inputs`.
        inputs: Vec::new(),
        overrides: Vec::new(),
        lock_version: crate::output::lock::Lock::VERSION,
        deploys,
        argocd,
        tools: Tools {
            docker: pinned::DOCKER.into(),
            dind: pinned::DIND.into(),
            trivy: pinned::TRIVY.into(),
            kubectl: pinned::KUBECTL.into(),
            argocd: pinned::ARGOCD.into(),
            rust: pinned::RUST_CI.into(),
            shell: pinned::SHELL.into(),
        },
    };

    let applications = if argocd {
        environments
            .iter()
            .map(|env| {
                let mut labels = env.labels.clone();
                labels.insert("app.kubernetes.io/component".into(), "gitops".into());
                Application {
                    name: application_name(&env.name),
                    environment: env.name.clone(),
                    namespace: builtin::ARGOCD_NAMESPACE.into(),
                    labels,
                    repo_url: project.repo_url.clone().unwrap_or_default(),
                    revision: branch.clone(),
                    path: paths::environment_dir(&env.name),
                    server: config.environments[&env.name]
                        .cluster
                        .clone()
                        .unwrap_or_else(|| builtin::IN_CLUSTER.into()),
                    destination_namespace: env.namespace.clone(),
                    auto_sync: auto_sync(&env.name),
                }
            })
            .collect()
    } else {
        Vec::new()
    };

    let mut ci: Vec<CiSystem> = project.ci.clone();
    ci.sort();
    ci.dedup();

    let mut delivery = Delivery {
        builds,
        ci,
        pipeline,
        applications,
        compose: None,
        files: Vec::new(),
    };
    delivery.files = files::files(&delivery);
    delivery
}

/// The tags one environment's `service` runs: its stable version and each
/// canary's or other version's of its split.
fn deployed_tags(service: &Service) -> impl Iterator<Item = &str> {
    let tracks = service.split.iter().flat_map(|split| split.workloads());
    std::iter::once(service.version.as_str()).chain(tracks.map(|w| w.version.as_str()))
}

fn kiln_view(source: &KilnSource) -> KilnView {
    let image = source.image.as_deref().and_then(|i| i.split_once('@'));
    let kind = if source.image.is_some() {
        KilnSourceKind::Image
    } else if source.git.is_some() || source.action.is_some() {
        KilnSourceKind::Git
    } else {
        KilnSourceKind::Registry
    };
    // The action's own repository at its commit: what the other pipelines build.
    let action = source.action.as_deref().and_then(|a| a.split_once('@'));
    KilnView {
        kind,
        git: source
            .git
            .clone()
            .or_else(|| action.map(|(repo, _)| format!("https://github.com/{repo}"))),
        rev: source
            .rev
            .clone()
            .or_else(|| action.map(|(_, rev)| rev.to_string())),
        image: source.image.clone(),
        image_name: image.map(|(name, _)| name.to_string()),
        image_digest: image.map(|(_, digest)| format!("@{digest}")),
        version: source.version.clone(),
        index: source.index.clone(),
        action: source.action.clone(),
    }
}

/// The files a render read, for `.kiln/drift.sh` to check: `kiln.toml`
/// (its text as read) and each template override in use, as its path
/// and text, in path order.
pub fn record_inputs<'a>(
    pipeline: &mut Pipeline,
    config_text: &str,
    overrides: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    let hash = |text: &str| crate::digest::sha256(text.as_bytes());
    let overrides: Vec<(&str, &str)> = overrides.into_iter().collect();
    pipeline.inputs = std::iter::once(InputFile {
        path: paths::CONFIG.into(),
        sha256: hash(config_text),
    })
    .chain(overrides.iter().map(|(path, text)| InputFile {
        path: path.to_string(),
        sha256: hash(text),
    }))
    .collect();
    pipeline.overrides = overrides.iter().map(|(path, _)| path.to_string()).collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_hosts() {
        assert_eq!(registry_host("ghcr.io/acme/shop"), "ghcr.io");
        assert_eq!(registry_host("localhost:5000/shop"), "localhost:5000");
        assert_eq!(registry_host("acme/shop"), "docker.io");
        assert_eq!(registry_host("acme"), "docker.io");
    }

    #[test]
    fn promotion_order() {
        let mut names = vec!["staging", "qa", "dev", "perf"];
        names.sort_by_key(|n| rank(n));
        assert_eq!(names, ["dev", "qa", "perf", "staging"]);
    }
}
