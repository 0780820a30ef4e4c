//! What a template may contain, checked on Tera's parsed AST (never on its
//! text: a comment can hide a `{% raw %}` from a text scan, not from the
//! parser). Every template is walked, bundled or not, so that the graph of
//! includes, imports, extends and macro calls is whole; only an override's
//! findings are reported (the bundled templates are kept clean by a test).

use super::graph::graph;
use super::lex::Tag;
use super::units::{Facts, Unit};
use super::walk::Walk;
use std::collections::BTreeMap;
use tera::Tera;

pub use super::units::{Finding, What};

/// Every finding in the templates named `checked` (the overrides), given all
/// the templates `tera` holds and the tags of each override's text.
pub fn check(tera: &Tera, checked: &BTreeMap<String, Vec<Tag>>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut units: BTreeMap<Unit, Facts> = BTreeMap::new();
    let mut names: Vec<&String> = tera.templates.keys().collect();
    names.sort();
    for name in names {
        let template = &tera.templates[name];
        let no_tags = Vec::new();
        let tags = checked.get(name).unwrap_or(&no_tags);
        let mut walk = Walk::new(name, tags);
        walk.body(&template.ast, 0);
        let Walk {
            found,
            units: walked,
            ..
        } = walk;
        if checked.contains_key(name) {
            findings.extend(found);
        }
        units.extend(walked);
    }
    findings.extend(graph(tera, &units, checked));
    findings
}
