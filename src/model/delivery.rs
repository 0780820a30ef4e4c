//! What builds, ships and deploys the app.

use super::{DeliveryFile, Labels};
use crate::config::{CiSystem, Language};
use serde::Serialize;

/// Everything that builds, ships and deploys the app: decided in
/// `resolve::delivery`, laid out by the Dockerfile, CI and Argo CD templates.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// One per service built from source, in name order.
    pub builds: Vec<Build>,
    /// The CI systems to write a pipeline for: `github`, `gitlab`, `jenkins`.
    pub ci: Vec<CiSystem>,
    pub pipeline: Pipeline,
    /// One Argo CD Application per environment when `project.gitops = "argocd"`.
    pub applications: Vec<Application>,
    /// `compose.yaml` when `project.local = "compose"`.
    pub compose: Option<super::Compose>,
    /// Every file above, in order.
    #[serde(skip)]
    pub files: Vec<DeliveryFile>,
}

/// How one service's image is built.
#[derive(Debug, Clone, Serialize)]
pub struct Build {
    pub service: String,
    /// `node`, `python`, `go`, `java`, `rust` or `dotnet`: picks the Dockerfile template.
    pub language: Language,
    /// Build context, repo-relative: the service's `source`, or `services/<name>`.
    /// Its Dockerfile and `.dockerignore` are written there.
    pub context: String,
    /// Image repository without a tag: `{registry}/{service}`.
    pub image: String,
    /// Every tag of the image that some environment deploys (the service's
    /// `version`, an environment's own, a canary's), sorted: each is pushed
    /// besides the commit SHA.
    pub tags: Vec<String>,
    pub build_image: String,
    pub runtime_image: String,
    /// Container ports, for `EXPOSE`.
    pub ports: Vec<u16>,
    /// Numeric user and group the runtime image runs as; the pod's `runAsUser`.
    pub user: u32,
    pub group: u32,
}

/// What every CI flavour does, in the same stages.
#[derive(Debug, Clone, Serialize)]
pub struct Pipeline {
    /// The branch that pushes images and deploys `push` environments.
    pub branch: String,
    /// Registry host to log in to, such as `ghcr.io`.
    pub registry_host: String,
    /// The registry is GitHub's: GitHub Actions logs in with its own token.
    pub registry_is_ghcr: bool,
    /// The registry is GitLab.com's: GitLab CI logs in with its job credentials.
    pub registry_is_gitlab: bool,
    /// The kiln release that wrote the pipeline and `.kiln/drift.sh`.
    pub kiln_version: String,
    /// Where the drift job gets kiln for `kiln check` and `kiln diff`; `None`
    /// when it only runs `.kiln/drift.sh`.
    pub kiln: Option<KilnView>,
    /// The files a render reads, with their sha256: `kiln.toml` first, then
    /// each template override. Filled in by the command that rendered.
    pub inputs: Vec<InputFile>,
    /// The template overrides among `inputs`, by path.
    pub overrides: Vec<String>,
    /// The `version` of the `kiln.lock` this kiln writes, which the drift script reads.
    pub lock_version: u32,
    /// Deploy stages in the order they run.
    pub deploys: Vec<Deploy>,
    /// Deploys go through Argo CD instead of `kubectl apply`.
    pub argocd: bool,
    /// Pinned images of the tools the pipeline runs.
    pub tools: Tools,
}

/// One file a render read, and its sha256.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    pub path: String,
    pub sha256: String,
}

/// Where a pipeline gets kiln: `project.kiln`, pinned.
#[derive(Debug, Clone, Serialize)]
pub struct KilnView {
    /// An action is `git` too, with `action` set.
    pub kind: KilnSourceKind,
    pub git: Option<String>,
    pub rev: Option<String>,
    pub image: Option<String>,
    /// `image` before its `@sha256:` digest, and the digest with its `@`:
    /// a Jenkinsfile writes them on two lines.
    pub image_name: Option<String>,
    pub image_digest: Option<String>,
    pub version: Option<String>,
    pub index: Option<String>,
    /// `owner/repo@<commit>` of kiln's GitHub Action: the GitHub pipeline
    /// runs it, the others build the same commit (kind `git`).
    pub action: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deploy {
    pub environment: String,
    pub namespace: String,
    /// `deploy/<env>`
    pub path: String,
    /// Deployed on a version tag behind an approval, not on a push.
    pub on_tag: bool,
    /// The environment whose deploy must succeed first.
    pub after: Option<String>,
    /// The Argo CD Application to sync, with `argocd`.
    pub application: Option<String>,
    /// Argo CD syncs it by itself; CI only waits for it.
    pub auto_sync: bool,
    /// Workloads to wait for after `kubectl apply`: `deployment/<name>`
    /// (canaries included) and `statefulset/<name>`.
    pub rollouts: Vec<String>,
}

/// Container images of the tools a pipeline runs, each pinned.
#[derive(Debug, Clone, Serialize)]
pub struct Tools {
    pub docker: String,
    pub dind: String,
    pub trivy: String,
    pub kubectl: String,
    pub argocd: String,
    pub rust: String,
    pub shell: String,
}

/// An Argo CD Application that keeps one environment in sync with git.
#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub name: String,
    pub environment: String,
    /// Namespace Argo CD runs in.
    pub namespace: String,
    pub labels: Labels,
    pub repo_url: String,
    pub revision: String,
    pub path: String,
    pub server: String,
    pub destination_namespace: String,
    pub auto_sync: bool,
}

/// Where a pipeline gets kiln.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KilnSourceKind {
    /// Built with cargo from a git repository at a commit.
    Git,
    /// A container image with `kiln` on its PATH.
    Image,
    /// Installed with cargo from a registry, at an exact version.
    Registry,
}
