//! The generated files of a render, in memory.

use std::collections::BTreeMap;

/// Every generated file: repo-relative path → contents.
pub type Rendered = BTreeMap<String, String>;

/// The templates that produced each generated file: repo-relative path →
/// template names, an overridden one as its `.kiln/templates/...` path.
pub type Sources = BTreeMap<String, Vec<String>>;
