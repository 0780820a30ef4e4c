//! What the checks find, and the graph of what renders what: units (a
//! template's top level, or a macro), the calls between them, and how deep
//! each goes.

use crate::diagnostics::OverrideRule;

/// One thing wrong with a template, at its line when the tags say it.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub template: String,
    pub line: Option<usize>,
    pub what: What,
}

#[derive(Debug, Clone, PartialEq)]
pub enum What {
    /// `{{ expression }}` does not end in `filter` (`None`: no values allowed).
    Unescaped {
        expression: String,
        filter: Option<&'static str>,
    },
    Rule(OverrideRule),
}

/// A node of the graph of what renders what.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Unit {
    Template(String),
    Macro(String, String),
}

impl Unit {
    pub(super) fn template(&self) -> &str {
        match self {
            Unit::Template(t) | Unit::Macro(t, _) => t,
        }
    }

    pub(super) fn shown(&self) -> String {
        match self {
            Unit::Template(t) => format!("`{t}`"),
            Unit::Macro(t, m) => format!("macro `{m}` of `{t}`"),
        }
    }
}

#[derive(Debug)]
pub(super) enum Target {
    Include(Vec<String>),
    Import(String),
    Extends(String),
    Macro { namespace: String, name: String },
}

#[derive(Debug)]
pub(super) struct Call {
    pub(super) depth: usize,
    pub(super) line: Option<usize>,
    pub(super) target: Target,
}

/// What one unit (a template's top level, or a macro's body) does.
#[derive(Debug, Default)]
pub(super) struct Facts {
    pub(super) depth: usize,
    pub(super) calls: Vec<Call>,
}
