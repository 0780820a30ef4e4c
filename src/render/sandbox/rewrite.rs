//! The calls kiln adds to a parsed override, since Tera has no hook for a
//! step: a `__kiln_step` at the start of every loop iteration, macro call,
//! block and template (charging the size of the body that runs), a
//! `__kiln_value` around every value that is kept or compared, and a
//! `__kiln_number` around every operand of arithmetic.

use super::limit::{NODE_COST, NUMBER, STEP, VALUE};
use std::collections::{HashMap, HashSet};
use tera::Tera;
use tera::ast::{Expr, ExprVal, FunctionCall, LogicOperator, MacroDefinition, Node, WS};

/// Adds the step and value calls to the overrides among `tera`'s templates
/// (see the module comment), after `check` has passed on them.
pub fn instrument(tera: &mut Tera, overrides: &HashSet<String>) {
    let weights: HashMap<String, u64> = tera
        .templates
        .iter()
        .map(|(name, template)| (name.clone(), deep_weight(&template.ast)))
        .collect();
    for name in overrides {
        let Some(template) = tera.templates.get_mut(name) else {
            continue;
        };
        let rewrite = Rewrite {
            name,
            overrides,
            weights: &weights,
        };
        rewrite.body(&mut template.ast, true);
        for definition in template.macros.values_mut() {
            rewrite.definition(definition);
        }
        for block in template.blocks.values_mut() {
            rewrite.body(&mut block.body, true);
        }
    }
    // Blocks are rendered from the definitions this derives from `blocks`.
    // It succeeded on these templates before, and only bodies changed.
    let _ = tera.build_inheritance_chains();
}

struct Rewrite<'a> {
    name: &'a str,
    overrides: &'a HashSet<String>,
    weights: &'a HashMap<String, u64>,
}

impl Rewrite<'_> {
    fn step(&self, units: u64) -> Node {
        let mut args = HashMap::new();
        args.insert("n".to_string(), literal(ExprVal::Int(units as i64)));
        args.insert(
            "t".to_string(),
            literal(ExprVal::String(self.name.to_string())),
        );
        Node::VariableBlock(
            WS::default(),
            literal(ExprVal::FunctionCall(FunctionCall {
                name: STEP.to_string(),
                args,
            })),
        )
    }

    /// `tick`: the body can run many times (a loop, a macro, a block, a
    /// template), so each run is charged.
    fn body(&self, nodes: &mut Vec<Node>, tick: bool) {
        let old = std::mem::take(nodes);
        let mut out = Vec::with_capacity(old.len() + 1);
        if tick {
            out.push(self.step(weight(&old)));
        }
        for mut node in old {
            if let Node::Include(_, names, _) = &node {
                // A bundled template included here is charged as a whole.
                let bundled = names
                    .iter()
                    .filter(|n| !self.overrides.contains(*n))
                    .filter_map(|n| self.weights.get(n))
                    .max();
                if let Some(units) = bundled {
                    out.push(self.step(*units));
                }
            }
            self.node(&mut node);
            out.push(node);
        }
        *nodes = out;
    }

    fn node(&self, node: &mut Node) {
        match node {
            Node::VariableBlock(_, expr) => self.kept(expr),
            Node::Set(_, set) => self.kept(&mut set.value),
            Node::FilterSection(_, section, _) => {
                self.args(&mut section.filter);
                self.body(&mut section.body, false);
            }
            Node::Block(_, block, _) => self.body(&mut block.body, true),
            Node::Forloop(_, forloop, _) => {
                self.kept(&mut forloop.container);
                self.body(&mut forloop.body, true);
                if let Some(empty) = &mut forloop.empty_body {
                    self.body(empty, false);
                }
            }
            Node::If(branches, _) => {
                for (_, condition, body) in &mut branches.conditions {
                    self.expr(condition);
                    self.body(body, false);
                }
                if let Some((_, body)) = &mut branches.otherwise {
                    self.body(body, false);
                }
            }
            Node::MacroDefinition(_, definition, _) => self.definition(definition),
            _ => {}
        }
    }

    fn definition(&self, definition: &mut MacroDefinition) {
        for default in definition.args.values_mut().flatten() {
            self.kept(default);
        }
        self.body(&mut definition.body, true);
    }

    /// A value that is output, stored or compared: measured and charged.
    fn kept(&self, expr: &mut Expr) {
        self.expr(expr);
        wrap(expr, VALUE);
    }

    fn args(&self, call: &mut FunctionCall) {
        for arg in call.args.values_mut() {
            self.expr(arg);
        }
    }

    fn expr(&self, expr: &mut Expr) {
        for filter in &mut expr.filters {
            self.args(filter);
        }
        match &mut expr.val {
            ExprVal::Math(math) => {
                self.expr(&mut math.lhs);
                self.expr(&mut math.rhs);
                wrap(&mut math.lhs, NUMBER);
                wrap(&mut math.rhs, NUMBER);
            }
            ExprVal::Logic(logic) => {
                if matches!(logic.operator, LogicOperator::Eq | LogicOperator::NotEq) {
                    self.kept(&mut logic.lhs);
                    self.kept(&mut logic.rhs);
                } else {
                    self.expr(&mut logic.lhs);
                    self.expr(&mut logic.rhs);
                }
            }
            ExprVal::In(is_in) => {
                self.kept(&mut is_in.lhs);
                self.kept(&mut is_in.rhs);
            }
            ExprVal::Test(test) => {
                for arg in &mut test.args {
                    self.expr(arg);
                }
            }
            ExprVal::Array(items) => {
                for item in items {
                    self.kept(item);
                }
            }
            ExprVal::StringConcat(concat) => {
                for value in &mut concat.values {
                    match value {
                        ExprVal::Ident(ident) => {
                            let mut args = HashMap::new();
                            args.insert(
                                "v".to_string(),
                                literal(ExprVal::Ident(std::mem::take(ident))),
                            );
                            *value = ExprVal::FunctionCall(FunctionCall {
                                name: VALUE.to_string(),
                                args,
                            });
                        }
                        ExprVal::FunctionCall(call) => self.args(call),
                        _ => {}
                    }
                }
            }
            ExprVal::FunctionCall(call) => self.args(call),
            ExprVal::MacroCall(call) => {
                for arg in call.args.values_mut() {
                    self.kept(arg);
                }
            }
            ExprVal::String(_)
            | ExprVal::Int(_)
            | ExprVal::Float(_)
            | ExprVal::Bool(_)
            | ExprVal::Ident(_) => {}
        }
    }
}

fn literal(val: ExprVal) -> Expr {
    Expr::new(val)
}

/// `expr` becomes `function(v=expr)`.
fn wrap(expr: &mut Expr, function: &str) {
    let inner = std::mem::replace(expr, literal(ExprVal::Bool(false)));
    let mut args = HashMap::new();
    args.insert("v".to_string(), inner);
    *expr = literal(ExprVal::FunctionCall(FunctionCall {
        name: function.to_string(),
        args,
    }));
}

/// The operands and filters of an expression.
fn operands(expr: &Expr) -> u64 {
    let args = |call: &FunctionCall| call.args.values().map(operands).sum::<u64>();
    let mut n = 1 + expr.filters.iter().map(|f| 1 + args(f)).sum::<u64>();
    n += match &expr.val {
        ExprVal::Math(m) => operands(&m.lhs) + operands(&m.rhs),
        ExprVal::Logic(l) => operands(&l.lhs) + operands(&l.rhs),
        ExprVal::In(i) => operands(&i.lhs) + operands(&i.rhs),
        ExprVal::Test(t) => t.args.iter().map(operands).sum(),
        ExprVal::Array(items) => items.iter().map(operands).sum(),
        ExprVal::StringConcat(c) => c.values.len() as u64,
        ExprVal::FunctionCall(call) => args(call),
        ExprVal::MacroCall(call) => call.args.values().map(operands).sum(),
        _ => 0,
    };
    n
}

/// What one run of a body costs, not counting the bodies that charge
/// their own runs (loops, blocks, macros).
fn weight(nodes: &[Node]) -> u64 {
    nodes.iter().map(|node| node_weight(node, false)).sum()
}

/// What a whole template costs once, every loop body run once.
fn deep_weight(nodes: &[Node]) -> u64 {
    nodes.iter().map(|node| node_weight(node, true)).sum()
}

fn node_weight(node: &Node, deep: bool) -> u64 {
    let body = |nodes: &[Node]| {
        nodes
            .iter()
            .map(|node| node_weight(node, deep))
            .sum::<u64>()
    };
    match node {
        Node::Text(text) | Node::Raw(_, text, _) => NODE_COST + text.len() as u64,
        Node::VariableBlock(_, expr) => NODE_COST * (1 + operands(expr)),
        Node::Set(_, set) => NODE_COST * (1 + operands(&set.value)),
        Node::If(branches, _) => {
            let conditions: u64 = branches
                .conditions
                .iter()
                .map(|(_, condition, nodes)| NODE_COST * (1 + operands(condition)) + body(nodes))
                .sum();
            conditions
                + branches
                    .otherwise
                    .as_ref()
                    .map_or(0, |(_, nodes)| body(nodes))
        }
        Node::FilterSection(_, section, _) => NODE_COST + body(&section.body),
        Node::Forloop(_, forloop, _) => {
            let own = NODE_COST * (1 + operands(&forloop.container))
                + forloop.empty_body.as_deref().map_or(0, body);
            if deep { own + body(&forloop.body) } else { own }
        }
        Node::Block(_, block, _) if deep => NODE_COST + body(&block.body),
        Node::MacroDefinition(..) | Node::Comment(..) => 0,
        _ => NODE_COST,
    }
}
