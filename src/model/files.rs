//! The files the model makes: which template lays out each one, where it
//! goes, and what the template sees. The kinds decide them; the renderer
//! only renders them.

/// One file of an environment as a whole: the template that lays it out,
/// and where it goes under `deploy/<env>/`.
#[derive(Debug, Clone)]
pub struct EnvironmentFile {
    pub template: &'static str,
    pub path: String,
    /// Fluentd's objects see `fluent_conf`, the render of this template,
    /// and `fluent_conf_checksum`, its sha256.
    pub fluent_conf: Option<&'static str>,
    /// Another template whose output ends up in this file, for the lock.
    pub embeds: Option<&'static str>,
}

/// One file of a service: the template, which workload it lays out (the
/// service's own, or one of its split's other tracks), and its name under
/// `deploy/<env>/<service>/`.
#[derive(Debug, Clone)]
pub struct ServiceFile {
    pub template: &'static str,
    pub file: String,
    /// `None`: the service's own workload; `Some(i)`: `split.tracks[i]`'s.
    pub track: Option<usize>,
    /// Which of the service's several objects of one kind the file holds,
    /// as `part` to its template: `Some(i)` for `mesh.service_entries[i]`.
    pub part: Option<usize>,
}

/// The other track whose workload a kind lays files out for.
#[derive(Debug, Clone, Copy)]
pub struct TrackOf<'a> {
    pub index: usize,
    pub name: &'a str,
}

/// One file that builds, ships or deploys the app: the template, the
/// repo-relative path, what the template sees, and how the file is written.
#[derive(Debug, Clone)]
pub struct DeliveryFile {
    pub template: String,
    pub path: String,
    pub sees: DeliveryContext,
    pub format: FileFormat,
}

/// What a delivery template sees besides `project`.
#[derive(Debug, Clone, Copy)]
pub enum DeliveryContext {
    /// `build`: `Delivery::builds[i]`.
    Build(usize),
    /// `delivery`: the whole of it, for the pipelines.
    Pipeline,
    /// `application`: `Delivery::applications[i]`.
    Application(usize),
    /// `compose`: `Delivery::compose`.
    Compose,
}

/// How a generated file starts, and whether an override's output of it
/// must parse as YAML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// `#` comments, checked as YAML.
    Yaml,
    /// `#` comments: a Dockerfile, a shell script.
    Hash,
    /// `//` comments: a Jenkinsfile.
    Groovy,
}
