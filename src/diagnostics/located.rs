//! Every problem of an error, located where kiln knows where, for
//! `kiln check --format json|github`.

use super::{Error, Located};

impl Error {
    /// Every problem of this error, located when kiln knows where: the
    /// problems of an invalid `kiln.toml`, the line of a template override,
    /// or the whole message of any other error.
    pub fn located(&self) -> Vec<Located> {
        match self {
            Error::Invalid { problems, .. } => problems.clone(),
            Error::Overrides(all) | Error::Customs(all) => {
                all.iter().flat_map(Error::located).collect()
            }
            Error::Listing { problems, root, .. } => {
                problems.iter().map(|p| p.located(root)).collect()
            }
            other => {
                let (file, line) = match other {
                    Error::TemplateOverride { file, line, .. } => (Some(file.clone()), *line),
                    Error::UnescapedOverride { file, line, .. } => (Some(file.clone()), *line),
                    Error::OverrideNotYaml { files, line, .. } => (files.first().cloned(), *line),
                    Error::Override { file, line, .. } => (Some(file.clone()), *line),
                    Error::OverrideTooCostly { file, .. } => (Some(file.clone()), None),
                    Error::UnknownOverride { file, .. } => (Some(file.clone()), None),
                    Error::Custom { file, line, .. } => (Some(file.clone()), *line),
                    _ => (None, None),
                };
                let column = match other {
                    Error::Custom {
                        column: Some(column),
                        ..
                    } => Some(*column),
                    _ => line.map(|_| 1),
                };
                let text = other.to_string();
                let (message, hint) = match text.split_once("\n  = hint: ") {
                    Some((message, hint)) => (message.to_string(), Some(hint.to_string())),
                    None => (text, None),
                };
                vec![Located {
                    file,
                    line,
                    column,
                    end_line: None,
                    end_column: None,
                    key: None,
                    message,
                    hint,
                }]
            }
        }
    }
}
