//! The graph of includes, imports, extends and macro calls across every
//! template: no cycle through an override, and no chain deeper than a
//! render's stack can take.

use super::lex::Tag;
use super::rules::*;
use super::units::*;
use crate::diagnostics::OverrideRule;
use std::collections::{BTreeMap, HashMap};
use tera::Tera;

/// An edge of the graph: the unit rendered, the line of the tag that
/// renders it, and how deep the caller already is there.
pub(super) type Edge = (Unit, Option<usize>, usize);

/// What a unit renders directly. `imports` counts `{% import %}` (it makes
/// macros available, and Tera loads imports recursively, so an import cycle
/// is a cycle) but it renders nothing, so it adds no depth.
pub(super) fn direct(tera: &Tera, facts: &Facts, imports: bool) -> Vec<Edge> {
    let mut out = Vec::new();
    for call in &facts.calls {
        let (names, at): (Vec<&String>, usize) = match &call.target {
            Target::Include(names) => (names.iter().collect(), call.depth + INCLUDE_COST),
            Target::Import(file) if imports => (vec![file], call.depth),
            // The parent renders this template's blocks inside its own layout.
            Target::Extends(parent) => (vec![parent], facts.depth + INCLUDE_COST),
            Target::Import(_) | Target::Macro { .. } => continue,
        };
        for name in names {
            if tera.templates.contains_key(name) {
                out.push((Unit::Template(name.clone()), call.line, at));
            }
        }
    }
    out
}

/// Cycles and depth in the graph of units: a template renders what it
/// includes and extends, and the macros it calls.
pub(super) fn graph(
    tera: &Tera,
    units: &BTreeMap<Unit, Facts>,
    checked: &BTreeMap<String, Vec<Tag>>,
) -> Vec<Finding> {
    let none = Facts::default();
    let facts = |unit: &Unit| units.get(unit).unwrap_or(&none);
    let macros_of = |name: &str| -> Vec<&Unit> {
        units
            .range(Unit::Macro(name.to_string(), String::new())..)
            .map(|(unit, _)| unit)
            .take_while(|unit| matches!(unit, Unit::Macro(t, _) if t == name))
            .collect()
    };
    // First the templates alone (a macro's includes count as its
    // template's): macro namespaces are only known once imports are acyclic.
    let templates: Vec<Unit> = units
        .keys()
        .filter(|u| matches!(u, Unit::Template(_)))
        .cloned()
        .collect();
    let cycles = find_cycles(&templates, &|unit| {
        let mut edges = direct(tera, facts(unit), true);
        for own in macros_of(unit.template()) {
            edges.extend(direct(tera, facts(own), true));
        }
        edges
    });
    if !cycles.is_empty() {
        return cycle_findings(cycles, checked);
    }
    let mut namespaces: HashMap<String, HashMap<String, String>> = HashMap::new();
    for unit in &templates {
        namespaces_of(tera, unit.template(), &mut namespaces);
    }
    let edges = |unit: &Unit| -> Vec<Edge> {
        let mut out = direct(tera, facts(unit), false);
        for call in &facts(unit).calls {
            let Target::Macro { namespace, name } = &call.target else {
                continue;
            };
            let file = namespaces
                .get(unit.template())
                .and_then(|map| map.get(namespace));
            if let Some(file) = file {
                let target = Unit::Macro(file.clone(), name.clone());
                if units.contains_key(&target) {
                    out.push((target, call.line, call.depth + CALL_COST));
                }
            }
        }
        out
    };
    let all: Vec<Unit> = units.keys().cloned().collect();
    let cycles = find_cycles(&all, &edges);
    if !cycles.is_empty() {
        return cycle_findings(cycles, checked);
    }
    let deepest = depths(&all, &|unit| facts(unit).depth, &edges);
    let mut findings: Vec<Finding> = Vec::new();
    for unit in &all {
        let depth = deepest[unit].0;
        if depth <= MAX_DEPTH {
            continue;
        }
        // The chain that goes deepest, and the last override along it.
        let mut chain = vec![(unit.clone(), None)];
        while let Some((_, Some((next, line)))) = deepest.get(&chain[chain.len() - 1].0) {
            let last = chain.len() - 1;
            chain[last].1 = *line;
            chain.push((next.clone(), None));
        }
        let Some((culprit, line)) = chain
            .iter()
            .rev()
            .find(|(u, _)| checked.contains_key(u.template()))
        else {
            continue;
        };
        let template = culprit.template().to_string();
        // A template reported once (or too deep on its own) needs no second word.
        if findings.iter().any(|f| f.template == template) {
            continue;
        }
        findings.push(Finding {
            template,
            line: *line,
            what: What::Rule(OverrideRule::TooDeep {
                depth,
                max: MAX_DEPTH,
                via: chain.iter().map(|(u, _)| u.shown()).collect(),
            }),
        });
    }
    findings
}

/// How deep a render goes from a unit, and the step that goes deepest (the
/// unit and the line of the tag that renders it).
pub(super) type Deepest = (usize, Option<(Unit, Option<usize>)>);

/// The deepest a render can go from each unit of an acyclic graph, and the
/// step it takes there; computed without recursion, as the graph comes
/// from the repo.
pub(super) fn depths(
    all: &[Unit],
    own: &dyn Fn(&Unit) -> usize,
    edges: &dyn Fn(&Unit) -> Vec<Edge>,
) -> HashMap<Unit, Deepest> {
    let mut memo: HashMap<Unit, Deepest> = HashMap::new();
    for start in all {
        let mut stack = vec![(start.clone(), false)];
        while let Some((unit, expanded)) = stack.pop() {
            if memo.contains_key(&unit) {
                continue;
            }
            let out = edges(&unit);
            if !expanded {
                stack.push((unit, true));
                for (next, _, _) in out {
                    if !memo.contains_key(&next) {
                        stack.push((next, false));
                    }
                }
                continue;
            }
            let mut best = (own(&unit), None);
            for (next, line, at) in out {
                let depth = at + memo.get(&next).map_or(0, |d| d.0);
                if depth > best.0 {
                    best = (depth, Some((next, line)));
                }
            }
            memo.insert(unit, best);
        }
    }
    memo
}

/// Tera's macro namespaces of a template: `self`, its imports, and what
/// those and its parents bring, the nearest first (as Tera looks them up).
pub(super) fn namespaces_of<'a>(
    tera: &Tera,
    name: &str,
    memo: &'a mut HashMap<String, HashMap<String, String>>,
) -> &'a HashMap<String, String> {
    if !memo.contains_key(name) {
        let mut map = HashMap::new();
        if let Some(template) = tera.templates.get(name) {
            if !template.macros.is_empty() {
                map.insert("self".to_string(), name.to_string());
            }
            for (file, namespace) in &template.imported_macro_files {
                map.insert(namespace.clone(), file.clone());
                let inherited = namespaces_of(tera, file, memo).clone();
                for (k, v) in inherited {
                    map.entry(k).or_insert(v);
                }
            }
            for parent in &template.parents {
                let inherited = namespaces_of(tera, parent, memo).clone();
                for (k, v) in inherited {
                    map.entry(k).or_insert(v);
                }
            }
        }
        memo.insert(name.to_string(), map);
    }
    &memo[name]
}

/// Each cycle once, as the units along it and the line of each step.
pub(super) type Cycle = Vec<(Unit, Option<usize>)>;

pub(super) fn find_cycles(nodes: &[Unit], edges: &dyn Fn(&Unit) -> Vec<Edge>) -> Vec<Cycle> {
    struct Frame {
        unit: Unit,
        pending: Vec<(Unit, Option<usize>)>,
        line: Option<usize>,
    }
    let frame = |unit: Unit| {
        let mut pending: Vec<(Unit, Option<usize>)> = edges(&unit)
            .into_iter()
            .map(|(u, line, _)| (u, line))
            .collect();
        pending.reverse();
        Frame {
            unit,
            pending,
            line: None,
        }
    };
    // Open: on the current path; done: fully explored.
    let mut open: HashMap<Unit, bool> = HashMap::new();
    let mut cycles = Vec::new();
    for start in nodes {
        if open.contains_key(start) {
            continue;
        }
        // An explicit stack: the graph comes from the repo.
        open.insert(start.clone(), true);
        let mut stack = vec![frame(start.clone())];
        while let Some(top) = stack.last_mut() {
            let Some((next, line)) = top.pending.pop() else {
                open.insert(top.unit.clone(), false);
                stack.pop();
                continue;
            };
            top.line = line;
            match open.get(&next) {
                Some(false) => {}
                Some(true) => {
                    let from = stack.iter().position(|f| f.unit == next).unwrap_or(0);
                    cycles.push(
                        stack[from..]
                            .iter()
                            .map(|f| (f.unit.clone(), f.line))
                            .collect(),
                    );
                }
                None => {
                    open.insert(next.clone(), true);
                    stack.push(frame(next));
                }
            }
        }
    }
    cycles
}

/// A finding for each cycle, in the first override along it.
pub(super) fn cycle_findings(
    cycles: Vec<Cycle>,
    checked: &BTreeMap<String, Vec<Tag>>,
) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    for cycle in cycles {
        let Some(at) = cycle
            .iter()
            .position(|(u, _)| checked.contains_key(u.template()))
        else {
            continue;
        };
        let mut path: Vec<String> = cycle[at..]
            .iter()
            .chain(&cycle[..at])
            .map(|(u, _)| u.shown())
            .collect();
        path.push(cycle[at].0.shown());
        let (unit, line) = &cycle[at];
        let finding = Finding {
            template: unit.template().to_string(),
            line: *line,
            what: What::Rule(OverrideRule::Cycle { path }),
        };
        if !findings.contains(&finding) {
            findings.push(finding);
        }
    }
    findings
}
