//! The delivery files: a Dockerfile and `.dockerignore` beside each built
//! service's source, one pipeline per CI system with the drift script they
//! run first, and one Argo CD Application per environment.

use crate::config::CiSystem;
use crate::model::{Delivery, DeliveryContext, DeliveryFile, FileFormat};
use crate::output::paths;

/// The template of a CI system's pipeline, and how the file is written.
fn pipeline(system: CiSystem) -> (&'static str, FileFormat) {
    match system {
        CiSystem::Github => ("ci/github.yml.tera", FileFormat::Yaml),
        CiSystem::Gitlab => ("ci/gitlab-ci.yml.tera", FileFormat::Yaml),
        CiSystem::Jenkins => ("ci/Jenkinsfile.tera", FileFormat::Groovy),
    }
}

/// Every file of `delivery`, in order.
pub fn files(delivery: &Delivery) -> Vec<DeliveryFile> {
    let mut files = Vec::new();
    for (i, build) in delivery.builds.iter().enumerate() {
        for (suffix, file) in [
            ("Dockerfile", "Dockerfile"),
            ("dockerignore", ".dockerignore"),
        ] {
            files.push(DeliveryFile {
                template: format!("docker/{}.{suffix}.tera", build.language.as_str()),
                path: format!("{}/{file}", build.context),
                sees: DeliveryContext::Build(i),
                format: FileFormat::Hash,
            });
        }
    }
    for system in &delivery.ci {
        let (template, format) = pipeline(*system);
        files.push(DeliveryFile {
            template: template.to_string(),
            path: paths::ci_file(*system).to_string(),
            sees: DeliveryContext::Pipeline,
            format,
        });
    }
    if !delivery.ci.is_empty() {
        // The drift check every pipeline runs first: it needs no kiln.
        files.push(DeliveryFile {
            template: "ci/drift.sh.tera".to_string(),
            path: paths::DRIFT.to_string(),
            sees: DeliveryContext::Pipeline,
            format: FileFormat::Hash,
        });
    }
    for (i, application) in delivery.applications.iter().enumerate() {
        files.push(DeliveryFile {
            template: "argocd/application.yaml.tera".to_string(),
            path: paths::application_file(&application.environment),
            sees: DeliveryContext::Application(i),
            format: FileFormat::Yaml,
        });
    }
    files
}
