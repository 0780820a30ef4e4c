//! Which templates each template includes, imports or extends.

use std::collections::{BTreeMap, HashMap};
use tera::Tera;

pub fn uses(tera: &Tera) -> BTreeMap<String, Vec<String>> {
    use tera::ast::Node;
    fn walk<'a>(nodes: &'a [Node], out: &mut Vec<&'a str>) {
        for node in nodes {
            match node {
                Node::Include(_, names, _) => out.extend(names.iter().map(String::as_str)),
                Node::Block(_, block, _) => walk(&block.body, out),
                Node::Forloop(_, forloop, _) => {
                    walk(&forloop.body, out);
                    walk(forloop.empty_body.as_deref().unwrap_or_default(), out);
                }
                Node::If(branches, _) => {
                    for (_, _, body) in &branches.conditions {
                        walk(body, out);
                    }
                    if let Some((_, body)) = &branches.otherwise {
                        walk(body, out);
                    }
                }
                Node::FilterSection(_, section, _) => walk(&section.body, out),
                Node::MacroDefinition(_, definition, _) => walk(&definition.body, out),
                _ => {}
            }
        }
    }
    let direct: HashMap<&str, Vec<&str>> = tera
        .templates
        .iter()
        .map(|(name, template)| {
            let mut out = Vec::new();
            walk(&template.ast, &mut out);
            for definition in template.macros.values() {
                walk(&definition.body, &mut out);
            }
            for block in template.blocks.values() {
                walk(&block.body, &mut out);
            }
            out.extend(
                template
                    .imported_macro_files
                    .iter()
                    .map(|(file, _)| file.as_str()),
            );
            out.extend(template.parent.as_deref());
            // An include of a template that does not exist renders nothing.
            out.retain(|used| tera.templates.contains_key(*used) && *used != name);
            (name.as_str(), out)
        })
        .collect();
    direct
        .keys()
        .map(|name| {
            let mut seen = std::collections::BTreeSet::new();
            let mut pending = vec![*name];
            while let Some(current) = pending.pop() {
                for used in direct.get(current).into_iter().flatten() {
                    if *used != *name && seen.insert(*used) {
                        pending.push(used);
                    }
                }
            }
            (
                name.to_string(),
                seen.into_iter().map(str::to_string).collect(),
            )
        })
        .collect()
}
