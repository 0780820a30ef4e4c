//! The labels every object carries, and the ones that select a service's pods.

use crate::model::{Labels, ProjectView};

/// The labels of every object of the project.
pub fn common_labels(project: &ProjectView) -> Labels {
    let mut labels = Labels::new();
    labels.insert("app.kubernetes.io/part-of".into(), project.name.clone());
    labels.insert("app.kubernetes.io/managed-by".into(), "kiln".into());
    if let Some(team) = &project.team {
        labels.insert("team".into(), team.clone());
    }
    labels
}

/// The labels that select a service's pods; never change them, as
/// Deployment selectors are immutable.
pub fn selector(service: &str) -> Labels {
    Labels::from([
        ("app.kubernetes.io/name".to_string(), service.to_string()),
        (
            "app.kubernetes.io/instance".to_string(),
            service.to_string(),
        ),
    ])
}

/// The label that tells a service's stable pods from its canary pods.
pub const TRACK: &str = "track";
