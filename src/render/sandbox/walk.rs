//! The walk of one template's AST, in source order: every value through its
//! format's filter, every section filter a blank indent, every call named,
//! every nesting level counted.

use super::lex::Tag;
use super::rules::*;
use super::units::*;
use crate::diagnostics::OverrideRule;
use std::collections::BTreeMap;
use tera::ast::{Expr, ExprVal, FunctionCall, Node};

/// The walk of one template's AST, in source order, with a cursor on its tags.
pub(super) struct Walk<'a> {
    pub(super) name: &'a str,
    pub(super) filter: Option<&'static str>,
    pub(super) tags: &'a [Tag],
    pub(super) next: usize,
    pub(super) aligned: bool,
    pub(super) found: Vec<Finding>,
    pub(super) units: BTreeMap<Unit, Facts>,
    /// The unit being walked: the top level, or a macro.
    pub(super) unit: Unit,
    /// Whether `MAX_DEPTH` was already reported for this template.
    pub(super) too_deep: bool,
}

impl<'a> Walk<'a> {
    pub(super) fn new(name: &'a str, tags: &'a [Tag]) -> Self {
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

    pub(super) fn body(&mut self, nodes: &[Node], depth: usize) {
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
