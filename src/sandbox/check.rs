//! What a template may contain, checked on Tera's parsed AST (never on its
//! text: a comment can hide a `{% raw %}` from a text scan, not from the
//! parser). Every template is walked, bundled or not, so that the graph of
//! includes, imports, extends and macro calls is whole; only an override's
//! findings are reported (the bundled templates are kept clean by a test).

use super::lex::Tag;
use crate::diagnostics::OverrideRule;
use std::collections::{BTreeMap, HashMap};
use tera::Tera;
use tera::ast::{Expr, ExprVal, FunctionCall, Node};

/// The most operands and filters one expression may have: enough for any
/// real template, few enough that no single expression can multiply a value.
pub const MAX_OPERANDS: usize = 32;

/// How deep a render may recurse, in nesting levels of tags and expressions
/// along the deepest chain of includes and macro calls (an include costs
/// `INCLUDE_COST` levels, a macro call `CALL_COST`): Tera renders by
/// recursion, on threads with 2 MiB stacks. Measured, a debug build first
/// overflows at about 95 levels of arithmetic, the costliest kind per level.
pub const MAX_DEPTH: usize = 48;
const INCLUDE_COST: usize = 2;
const CALL_COST: usize = 3;

/// The longest `indent` prefix a `{% filter %}` section may add to each line.
pub const MAX_PREFIX: usize = 32;

/// The widest `yaml(indent=N)` block.
pub const MAX_YAML_INDENT: i64 = 64;

/// Tera's own filters an override may use: each is registered again by
/// `limit`, which bounds what it may allocate. A filter Tera adds later is
/// refused until it is bounded too.
pub const TERA_FILTERS: [&str; 41] = [
    "upper",
    "lower",
    "trim",
    "trim_start",
    "trim_end",
    "trim_start_matches",
    "trim_end_matches",
    "truncate",
    "wordcount",
    "replace",
    "capitalize",
    "title",
    "linebreaksbr",
    "indent",
    "striptags",
    "spaceless",
    "escape",
    "escape_xml",
    "addslashes",
    "split",
    "int",
    "float",
    "first",
    "last",
    "nth",
    "join",
    "sort",
    "unique",
    "slice",
    "group_by",
    "filter",
    "map",
    "concat",
    "abs",
    "pluralize",
    "round",
    "length",
    "reverse",
    "json_encode",
    "as_str",
    "get",
];

/// kiln's escaping filters.
pub const KILN_FILTERS: [&str; 5] = ["yaml", "fluent", "dockerfile", "groovy", "shell"];

/// Tera's tests, bounded the same way.
pub const TERA_TESTERS: [&str; 13] = [
    "defined",
    "undefined",
    "odd",
    "even",
    "string",
    "number",
    "divisibleby",
    "iterable",
    "object",
    "starting_with",
    "ending_with",
    "containing",
    "matching",
];

/// Functions that read the environment, the clock or randomness.
const UNAVAILABLE: [&str; 3] = ["get_env", "now", "get_random"];

/// The one escaping filter of each template format, by file name.
pub fn escaping_filter(name: &str) -> Option<&'static str> {
    if name.ends_with(".yaml.tera") || name.ends_with(".yml.tera") {
        Some("yaml")
    } else if name.ends_with(".Dockerfile.tera") {
        Some("dockerfile")
    } else if name.ends_with("Jenkinsfile.tera") {
        Some("groovy")
    } else if name.ends_with(".sh.tera") {
        Some("shell")
    } else if name.ends_with(".conf.tera") {
        // fluent.conf is not YAML: its values go through its own filter.
        Some("fluent")
    } else {
        // .dockerignore and anything else: no values at all.
        None
    }
}

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
enum Unit {
    Template(String),
    Macro(String, String),
}

impl Unit {
    fn template(&self) -> &str {
        match self {
            Unit::Template(t) | Unit::Macro(t, _) => t,
        }
    }

    fn shown(&self) -> String {
        match self {
            Unit::Template(t) => format!("`{t}`"),
            Unit::Macro(t, m) => format!("macro `{m}` of `{t}`"),
        }
    }
}

#[derive(Debug)]
enum Target {
    Include(Vec<String>),
    Import(String),
    Extends(String),
    Macro { namespace: String, name: String },
}

#[derive(Debug)]
struct Call {
    depth: usize,
    line: Option<usize>,
    target: Target,
}

/// What one unit (a template's top level, or a macro's body) does.
#[derive(Debug, Default)]
struct Facts {
    depth: usize,
    calls: Vec<Call>,
}

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

/// The walk of one template's AST, in source order, with a cursor on its tags.
struct Walk<'a> {
    name: &'a str,
    filter: Option<&'static str>,
    tags: &'a [Tag],
    next: usize,
    aligned: bool,
    found: Vec<Finding>,
    units: BTreeMap<Unit, Facts>,
    /// The unit being walked: the top level, or a macro.
    unit: Unit,
    /// Whether `MAX_DEPTH` was already reported for this template.
    too_deep: bool,
}

impl<'a> Walk<'a> {
    fn new(name: &'a str, tags: &'a [Tag]) -> Self {
        let unit = Unit::Template(name.to_string());
        let mut units = BTreeMap::new();
        units.insert(unit.clone(), Facts::default());
        Walk {
            name,
            filter: escaping_filter(name),
            tags,
            next: 0,
            aligned: !tags.is_empty(),
            found: Vec::new(),
            units,
            unit,
            too_deep: false,
        }
    }

    /// The next tag, when it is the kind expected; after one mismatch,
    /// lines are unknown for the rest of the template.
    fn take(&mut self, variable: bool, keywords: &[&str]) -> Option<&'a Tag> {
        if !self.aligned {
            return None;
        }
        let tag = self.tags.get(self.next)?;
        if tag.variable != variable || (!variable && !keywords.contains(&tag.keyword())) {
            self.aligned = false;
            return None;
        }
        self.next += 1;
        Some(tag)
    }

    fn report(&mut self, line: Option<usize>, what: What) {
        self.found.push(Finding {
            template: self.name.to_string(),
            line,
            what,
        });
    }

    fn rule(&mut self, line: Option<usize>, rule: OverrideRule) {
        self.report(line, What::Rule(rule));
    }

    fn facts(&mut self) -> &mut Facts {
        self.units.entry(self.unit.clone()).or_default()
    }

    /// Notes that the walk reached `depth`; false when that is too deep to
    /// go on (reported once per template).
    fn reach(&mut self, depth: usize, line: Option<usize>) -> bool {
        let facts = self.facts();
        facts.depth = facts.depth.max(depth);
        if depth <= MAX_DEPTH {
            return true;
        }
        if !self.too_deep {
            self.too_deep = true;
            self.rule(
                line,
                OverrideRule::TooDeep {
                    depth,
                    max: MAX_DEPTH,
                    via: Vec::new(),
                },
            );
        }
        false
    }

    fn call(&mut self, depth: usize, line: Option<usize>, target: Target) {
        self.facts().calls.push(Call {
            depth,
            line,
            target,
        });
    }

    fn body(&mut self, nodes: &[Node], depth: usize) {
        for node in nodes {
            self.node(node, depth);
        }
    }

    fn node(&mut self, node: &Node, depth: usize) {
        match node {
            Node::Text(_) | Node::Raw(..) | Node::Comment(..) => {}
            Node::Super => {
                self.take(true, &[]);
            }
            Node::VariableBlock(_, expr) => {
                let tag = self.take(true, &[]);
                let line = tag.map(|t| t.line);
                if self.reach(depth, line) {
                    self.root(expr, depth + 1, line);
                }
                if !escaped(expr, self.filter) {
                    let expression = tag.map_or_else(|| "…".to_string(), |t| t.text.clone());
                    let filter = self.filter;
                    self.report(line, What::Unescaped { expression, filter });
                }
            }
            Node::Set(_, set) => {
                let line = self.take(false, &["set", "set_global"]).map(|t| t.line);
                if self.reach(depth, line) {
                    self.root(&set.value, depth + 1, line);
                }
            }
            Node::Include(_, names, _) => {
                let line = self.take(false, &["include"]).map(|t| t.line);
                for target in names {
                    self.same_format("include", target, line);
                }
                self.call(depth, line, Target::Include(names.clone()));
            }
            Node::ImportMacro(_, file, _) => {
                let line = self.take(false, &["import"]).map(|t| t.line);
                self.same_format("import", file, line);
                self.call(depth, line, Target::Import(file.clone()));
            }
            Node::Extends(_, parent) => {
                let line = self.take(false, &["extends"]).map(|t| t.line);
                self.same_format("extend", parent, line);
                self.call(depth, line, Target::Extends(parent.clone()));
            }
            Node::Break(_) | Node::Continue(_) => {
                self.take(false, &["break", "continue"]);
            }
            Node::If(branches, _) => {
                let mut first = true;
                for (_, condition, body) in &branches.conditions {
                    let keyword = if first { "if" } else { "elif" };
                    first = false;
                    let line = self.take(false, &[keyword]).map(|t| t.line);
                    if self.reach(depth, line) {
                        self.root(condition, depth + 1, line);
                        self.body(body, depth + 1);
                    }
                }
                if let Some((_, body)) = &branches.otherwise {
                    let line = self.take(false, &["else"]).map(|t| t.line);
                    if self.reach(depth, line) {
                        self.body(body, depth + 1);
                    }
                }
                self.take(false, &["endif"]);
            }
            Node::Forloop(_, forloop, _) => {
                let line = self.take(false, &["for"]).map(|t| t.line);
                if self.reach(depth, line) {
                    self.root(&forloop.container, depth + 1, line);
                    self.body(&forloop.body, depth + 1);
                    if let Some(empty) = &forloop.empty_body {
                        self.take(false, &["else"]);
                        self.body(empty, depth + 1);
                    }
                }
                self.take(false, &["endfor"]);
            }
            Node::FilterSection(_, section, _) => {
                let line = self.take(false, &["filter"]).map(|t| t.line);
                if !indent_section(&section.filter) {
                    self.rule(
                        line,
                        OverrideRule::FilterSection {
                            filter: section.filter.name.clone(),
                        },
                    );
                }
                if self.reach(depth, line) {
                    self.body(&section.body, depth + 1);
                }
                self.take(false, &["endfilter"]);
            }
            Node::Block(_, block, _) => {
                let line = self.take(false, &["block"]).map(|t| t.line);
                if self.reach(depth, line) {
                    self.body(&block.body, depth + 1);
                }
                self.take(false, &["endblock"]);
            }
            Node::MacroDefinition(_, definition, _) => {
                let line = self.take(false, &["macro"]).map(|t| t.line);
                let outer = std::mem::replace(
                    &mut self.unit,
                    Unit::Macro(self.name.to_string(), definition.name.clone()),
                );
                self.facts();
                let mut defaults: Vec<(&String, &Expr)> = definition
                    .args
                    .iter()
                    .filter_map(|(name, default)| default.as_ref().map(|d| (name, d)))
                    .collect();
                defaults.sort_by(|a, b| a.0.cmp(b.0));
                for (_, default) in defaults {
                    self.root(default, 1, line);
                }
                self.body(&definition.body, 1);
                self.unit = outer;
                self.take(false, &["endmacro"]);
            }
        }
    }

    fn same_format(&mut self, verb: &'static str, target: &str, line: Option<usize>) {
        if escaping_filter(target) != self.filter {
            self.rule(
                line,
                OverrideRule::OtherFormat {
                    verb,
                    target: target.to_string(),
                },
            );
        }
    }

    /// An expression of its own (a `{{ }}`, a `set` value, a condition...).
    fn root(&mut self, expr: &Expr, depth: usize, line: Option<usize>) {
        let mut operands = 0;
        self.expr(expr, depth, line, &mut operands);
        if operands > MAX_OPERANDS {
            self.rule(line, OverrideRule::TooManyOperands { max: MAX_OPERANDS });
        }
    }

    fn expr(&mut self, expr: &Expr, depth: usize, line: Option<usize>, operands: &mut usize) {
        if !self.reach(depth, line) {
            return;
        }
        *operands += 1 + expr.filters.len();
        for filter in &expr.filters {
            if !(TERA_FILTERS.contains(&filter.name.as_str())
                || KILN_FILTERS.contains(&filter.name.as_str())
                || filter.name == "default"
                || filter.name == "safe")
            {
                self.rule(
                    line,
                    OverrideRule::UnknownFilter {
                        name: filter.name.clone(),
                    },
                );
            }
            self.args(filter, depth + 1, line, operands);
        }
        match &expr.val {
            ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_) => {}
            ExprVal::Ident(ident) => self.ident(ident, line),
            ExprVal::Math(math) => {
                self.expr(&math.lhs, depth + 1, line, operands);
                self.expr(&math.rhs, depth + 1, line, operands);
            }
            ExprVal::Logic(logic) => {
                self.expr(&logic.lhs, depth + 1, line, operands);
                self.expr(&logic.rhs, depth + 1, line, operands);
            }
            ExprVal::In(is_in) => {
                self.expr(&is_in.lhs, depth + 1, line, operands);
                self.expr(&is_in.rhs, depth + 1, line, operands);
            }
            ExprVal::Test(test) => {
                self.ident(&test.ident, line);
                if !TERA_TESTERS.contains(&test.name.as_str()) {
                    self.rule(
                        line,
                        OverrideRule::UnknownTest {
                            name: test.name.clone(),
                        },
                    );
                }
                for arg in &test.args {
                    self.expr(arg, depth + 1, line, operands);
                }
            }
            ExprVal::Array(items) => {
                for item in items {
                    self.expr(item, depth + 1, line, operands);
                }
            }
            ExprVal::StringConcat(concat) => {
                for value in &concat.values {
                    *operands += 1;
                    match value {
                        ExprVal::Ident(ident) => self.ident(ident, line),
                        ExprVal::FunctionCall(call) => {
                            self.function(call, depth + 1, line, operands)
                        }
                        _ => {}
                    }
                }
            }
            ExprVal::FunctionCall(call) => self.function(call, depth, line, operands),
            ExprVal::MacroCall(call) => {
                let mut args: Vec<(&String, &Expr)> = call.args.iter().collect();
                args.sort_by(|a, b| a.0.cmp(b.0));
                for (_, arg) in args {
                    self.expr(arg, depth + 1, line, operands);
                }
                self.call(
                    depth,
                    line,
                    Target::Macro {
                        namespace: call.namespace.clone(),
                        name: call.name.clone(),
                    },
                );
            }
        }
    }

    fn function(
        &mut self,
        call: &FunctionCall,
        depth: usize,
        line: Option<usize>,
        operands: &mut usize,
    ) {
        if UNAVAILABLE.contains(&call.name.as_str()) {
            self.rule(
                line,
                OverrideRule::Unavailable {
                    name: call.name.clone(),
                },
            );
        } else if call.name.starts_with("__") {
            self.rule(
                line,
                OverrideRule::Internal {
                    name: call.name.clone(),
                },
            );
        }
        self.args(call, depth + 1, line, operands);
    }

    fn args(
        &mut self,
        call: &FunctionCall,
        depth: usize,
        line: Option<usize>,
        operands: &mut usize,
    ) {
        let mut args: Vec<(&String, &Expr)> = call.args.iter().collect();
        args.sort_by(|a, b| a.0.cmp(b.0));
        for (_, arg) in args {
            self.expr(arg, depth, line, operands);
        }
    }

    /// `a.b[0]["c"]`: a path whose indexes are literals. An index from a
    /// variable is formatted into a lookup key by Tera, uncounted, however
    /// long the variable is; `get` and `nth` do the same, bounded.
    fn ident(&mut self, ident: &str, line: Option<usize>) {
        if ident.split(['.', '[']).next() == Some("__tera_context") {
            self.rule(
                line,
                OverrideRule::Internal {
                    name: "__tera_context".to_string(),
                },
            );
        }
        let mut rest = ident;
        while let Some(open) = rest.find('[') {
            let inside = &rest[open + 1..];
            let close = inside.find(']').unwrap_or(inside.len());
            let index = inside[..close].trim();
            let quoted = index.len() >= 2
                && ["\"", "'", "`"]
                    .iter()
                    .any(|q| index.starts_with(q) && index.ends_with(q));
            if !(quoted || (!index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()))) {
                self.rule(
                    line,
                    OverrideRule::DynamicIndex {
                        ident: ident.to_string(),
                    },
                );
                return;
            }
            rest = inside.get(close + 1..).unwrap_or_default();
        }
    }
}

/// Whether `{{ expr }}` writes its value through the format's filter: the
/// last filter, for YAML (`yaml` or `yaml(indent=N)`, N a literal); the only
/// filter, for the others. A macro call needs none: its body is checked.
fn escaped(expr: &Expr, filter: Option<&str>) -> bool {
    let Some(last) = expr.filters.last() else {
        return matches!(expr.val, ExprVal::MacroCall(_)) && !expr.negated;
    };
    match filter {
        Some("yaml") => {
            last.name == "yaml" && last.args.iter().all(|(name, value)| {
                name == "indent"
                    && value.filters.is_empty()
                    && !value.negated
                    && matches!(value.val, ExprVal::Int(n) if (0..=MAX_YAML_INDENT).contains(&n))
            })
        }
        Some(filter) => expr.filters.len() == 1 && last.name == filter && last.args.is_empty(),
        None => false,
    }
}

/// `{% filter indent(prefix="  ", first=true) %}`: the one filter that may
/// run over rendered text, as it only adds blanks at line starts. Any other
/// (`replace`, `upper`) could undo the escaping of the values inside.
fn indent_section(filter: &FunctionCall) -> bool {
    filter.name == "indent"
        && filter.args.iter().all(|(name, value)| {
            value.filters.is_empty()
                && !value.negated
                && match (name.as_str(), &value.val) {
                    ("prefix", ExprVal::String(prefix)) => {
                        prefix.len() <= MAX_PREFIX
                            && prefix.bytes().all(|b| b == b' ' || b == b'\t')
                    }
                    ("first" | "blank", ExprVal::Bool(_)) => true,
                    _ => false,
                }
        })
}

/// An edge of the graph: the unit rendered, the line of the tag that
/// renders it, and how deep the caller already is there.
type Edge = (Unit, Option<usize>, usize);

/// What a unit renders directly. `imports` counts `{% import %}` (it makes
/// macros available, and Tera loads imports recursively, so an import cycle
/// is a cycle) but it renders nothing, so it adds no depth.
fn direct(tera: &Tera, facts: &Facts, imports: bool) -> Vec<Edge> {
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
fn graph(
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
type Deepest = (usize, Option<(Unit, Option<usize>)>);

/// The deepest a render can go from each unit of an acyclic graph, and the
/// step it takes there; computed without recursion, as the graph comes
/// from the repo.
fn depths(
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
fn namespaces_of<'a>(
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
type Cycle = Vec<(Unit, Option<usize>)>;

fn find_cycles(nodes: &[Unit], edges: &dyn Fn(&Unit) -> Vec<Edge>) -> Vec<Cycle> {
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
fn cycle_findings(cycles: Vec<Cycle>, checked: &BTreeMap<String, Vec<Tag>>) -> Vec<Finding> {
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
