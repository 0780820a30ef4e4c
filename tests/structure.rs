//! The shape of `src/`: no import cycle between its modules, at any level
//! of folders, and no source file too long to read. Both read the sources
//! as text, so they hold for code that `cargo` has not seen yet.
//!
//! A module is a file (`src/a/b.rs`, or `src/a/mod.rs` for the folder
//! `a`). Module `m` uses module `n` when `m`'s code names a path into `n`:
//! `crate::n::…`, `super::…`, `self::…`, or a child module by its name; a
//! name that a module re-exports (`pub use`) is followed to where it is defined.
//! Within each folder, the modules and subfolders beside each other (a
//! subfolder standing for everything in it, the folder's own `mod.rs` for
//! itself) must use each other one way only; so must the top-level ones.
//! The crate root (`lib.rs`) declares the modules and is the crate's face
//! to the binary, the tests and the fuzzer: it is not part of the graph.
//! Neither is what `#[cfg(test)]` guards: a unit test may use any module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The longest a source file may be, in lines.
const MAX_LINES: usize = 600;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, as paths relative to `src/`, sorted.
fn sources(dir: &Path, rel: &str, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap())
        .collect();
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if entry.file_type().unwrap().is_dir() {
            sources(&entry.path(), &path, out);
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_source_file_is_longer_than_the_limit() {
    let mut files = Vec::new();
    sources(&src(), "", &mut files);
    assert!(
        files.len() > 50,
        "the walk of src/ found {} files",
        files.len()
    );
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let lines = std::fs::read_to_string(src().join(file))
                .unwrap()
                .lines()
                .count();
            (lines > MAX_LINES).then(|| format!("src/{file} ({lines} lines)"))
        })
        .collect();
    assert!(
        long.is_empty(),
        "longer than {MAX_LINES} lines: {}; split them where a reader would look for each part",
        long.join(", ")
    );
}

/// A module's path from the crate root: `src/a/b.rs` and `src/a/b/mod.rs`
/// are `["a", "b"]`; `None` for the crate root and the binary.
fn module_of(file: &str) -> Option<Vec<String>> {
    let stem = file.strip_suffix(".rs")?;
    if stem == "lib" || stem == "main" {
        return None;
    }
    let mut parts: Vec<String> = stem.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    Some(parts)
}

/// Rust source with comments, strings and character literals blanked out
/// (newlines kept), so that what remains is code.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char, out: &mut String| out.push(if c == '\n' { '\n' } else { ' ' });
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(chars[i], &mut out);
                    i += 1;
                }
            }
        } else if c == 'r'
            && matches!(next, Some('"') | Some('#'))
            && !chars
                .get(i.wrapping_sub(1))
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string: r"…", r#"…"#, …
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                match chars.get(j) {
                    None => break,
                    Some('"') if (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) => {
                        j += 1 + hashes;
                        break;
                    }
                    Some(&other) => {
                        blank(other, &mut out);
                        j += 1;
                    }
                }
            }
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if let Some(&inner) = chars.get(i) {
                    blank(inner, &mut out);
                }
                i += 1;
            }
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{1F600}'), or a lifetime.
            let close = if next == Some('\\') {
                (i + 3..chars.len().min(i + 12)).find(|&j| chars[j] == '\'')
            } else {
                (chars.get(i + 2) == Some(&'\'')).then_some(i + 2)
            };
            match close {
                Some(end) => i = end + 1,
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// One reference from code to a module: the path as written, from where.
#[derive(Clone, Debug)]
struct Reference {
    line: usize,
    path: Vec<String>,
    /// The name it is known by in this module to others, when a `pub use`
    /// at the top of the file re-exports it (`*` for a glob).
    exported: Option<String>,
}

/// The paths in `code` (see `code_only`) that start with `crate`, `super`
/// or `self`, or with one of `children`, use trees spelled out; each
/// resolved against `module` and the inline modules around it.
fn references(code: &str, module: &[String], children: &BTreeSet<String>) -> Vec<Reference> {
    let (tokens, _) = without_tests(tokenize(code));
    let mut found = Vec::new();
    // Inline modules (`mod tests { … }`) and the brace depth inside which each is open.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let (line, token) = (tokens[i].0, tokens[i].1.as_str());
        match token {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            "mod" if tokens.get(i + 2).is_some_and(|t| t.1 == "{") => {
                inline.push((tokens[i + 1].1.clone(), depth));
                depth += 1;
                i += 3;
                continue;
            }
            _ => {}
        }
        let preceded_by_path = i > 0 && tokens[i - 1].1 == "::";
        let starts = matches!(token, "crate" | "super" | "self") || children.contains(token);
        if starts && !preceded_by_path && tokens.get(i + 1).is_some_and(|t| t.1 == "::") {
            let here: Vec<String> = module
                .iter()
                .cloned()
                .chain(inline.iter().map(|(name, _)| name.clone()))
                .collect();
            let mut prefixes = Vec::new();
            let end = use_tree(&tokens, i, Vec::new(), &mut prefixes);
            let public_use = inline.is_empty()
                && i >= 2
                && tokens[i - 1].1 == "use"
                && (tokens[i - 2].1 == "pub" || (i >= 5 && tokens[i - 5].1 == "pub"));
            for (path, alias) in prefixes {
                let exported = public_use
                    .then(|| alias.clone().or_else(|| path.last().cloned()))
                    .flatten();
                if let Some(path) = absolute(&path, &here) {
                    found.push(Reference {
                        line,
                        path,
                        exported,
                    });
                }
            }
            i = end;
            continue;
        }
        i += 1;
    }
    found
}

/// `tokens` without the items under `#[cfg(test)]` (a test may use any
/// module: it is no part of the shape), and the child modules declared
/// so (`#[cfg(test)] mod tests;`), whose files are tests too.
fn without_tests(tokens: Vec<(usize, String)>) -> (Vec<(usize, String)>, BTreeSet<String>) {
    const CFG_TEST: [&str; 7] = ["#", "[", "cfg", "(", "test", ")", "]"];
    let mut kept = Vec::new();
    let mut test_children = BTreeSet::new();
    let mut i = 0;
    while i < tokens.len() {
        let is_cfg_test = CFG_TEST
            .iter()
            .enumerate()
            .all(|(k, word)| tokens.get(i + k).is_some_and(|t| t.1 == *word));
        if !is_cfg_test {
            kept.push(tokens[i].clone());
            i += 1;
            continue;
        }
        let mut j = i + CFG_TEST.len();
        if tokens.get(j).is_some_and(|t| t.1 == "pub") {
            j += 1;
            if tokens.get(j).is_some_and(|t| t.1 == "(") {
                while tokens.get(j).is_some_and(|t| t.1 != ")") {
                    j += 1;
                }
                j += 1;
            }
        }
        if tokens.get(j).is_some_and(|t| t.1 == "mod")
            && tokens.get(j + 2).is_some_and(|t| t.1 == ";")
        {
            test_children.insert(tokens[j + 1].1.clone());
            i = j + 3;
            continue;
        }
        // Any other item: to its `;`, or past its braced body.
        while tokens.get(j).is_some_and(|t| t.1 != "{" && t.1 != ";") {
            j += 1;
        }
        if tokens.get(j).is_some_and(|t| t.1 == "{") {
            let mut depth = 0;
            while let Some(t) = tokens.get(j) {
                match t.1.as_str() {
                    "{" => depth += 1,
                    "}" => depth -= 1,
                    _ => {}
                }
                j += 1;
                if depth == 0 {
                    break;
                }
            }
        } else {
            j += 1;
        }
        i = j;
    }
    (kept, test_children)
}

/// Identifiers and the punctuation that matters to paths, with their lines.
fn tokenize(code: &str) -> Vec<(usize, String)> {
    let mut tokens = Vec::new();
    let mut line = 1;
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push((line, chars[start..i].iter().collect()));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push((line, "::".to_string()));
            i += 2;
        } else if c.is_whitespace() {
            i += 1;
        } else {
            tokens.push((line, c.to_string()));
            i += 1;
        }
    }
    tokens
}

/// Reads the path (or use tree) at `tokens[i]`, pushing each full path
/// under `prefix`; returns the index after it.
fn use_tree(
    tokens: &[(usize, String)],
    mut i: usize,
    mut prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) -> usize {
    loop {
        match tokens.get(i).map(|t| t.1.as_str()) {
            Some("{") => {
                i += 1;
                loop {
                    match tokens.get(i).map(|t| t.1.as_str()) {
                        Some("}") => return i + 1,
                        Some(",") => i += 1,
                        None => return i,
                        _ => i = use_tree(tokens, i, prefix.clone(), out),
                    }
                }
            }
            Some("*") => {
                out.push((prefix, Some("*".to_string())));
                return i + 1;
            }
            Some(word) if word.starts_with(|c: char| c.is_alphanumeric() || c == '_') => {
                if word != "self" || prefix.is_empty() {
                    prefix.push(word.to_string());
                }
                i += 1;
                if tokens.get(i).is_some_and(|t| t.1 == "::") {
                    i += 1;
                } else {
                    let mut alias = None;
                    if tokens.get(i).is_some_and(|t| t.1 == "as") {
                        alias = tokens.get(i + 1).map(|t| t.1.clone());
                        i += 2;
                    }
                    out.push((prefix, alias));
                    return i;
                }
            }
            _ => {
                out.push((prefix, None));
                return i;
            }
        }
    }
}

/// `path` as written in module `here`, from the crate root; `None` when it
/// leaves the crate.
fn absolute(path: &[String], here: &[String]) -> Option<Vec<String>> {
    let mut at: Vec<String> = here.to_vec();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            at.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().is_some_and(|p| p == "super") {
                at.pop()?;
                rest = &rest[1..];
            }
        }
        _ => {}
    }
    at.extend(rest.iter().cloned());
    Some(at)
}

/// The module of `modules` that a path names: its longest prefix that is one.
fn target<'m>(path: &[String], modules: &'m BTreeSet<Vec<String>>) -> Option<&'m Vec<String>> {
    (1..=path.len())
        .rev()
        .find_map(|n| modules.get(&path[..n].to_vec()))
}

/// What a module offers others besides its children.
#[derive(Default)]
struct Offered {
    /// `pub use path as name`, by name.
    names: BTreeMap<String, Vec<String>>,
    /// `pub use path::*`.
    globs: Vec<Vec<String>>,
    /// The items it defines itself.
    defines: BTreeSet<String>,
}

type Exports = BTreeMap<Vec<String>, Offered>;

/// The names of the items `code` defines at any depth (`struct X`, `fn y`, ...).
fn definitions(code: &str) -> BTreeSet<String> {
    let tokens = tokenize(code);
    tokens
        .windows(2)
        .filter(|pair| {
            matches!(
                pair[0].1.as_str(),
                "struct" | "enum" | "fn" | "const" | "static" | "type" | "trait" | "union"
            )
        })
        .map(|pair| pair[1].1.clone())
        .collect()
}

/// The module a path names, seen through re-exports: `a::Thing`, where
/// `a` says `pub use b::Thing` (or `pub use b::*` and `b` defines
/// `Thing`), names `b`, not `a`.
fn through(
    path: &[String],
    modules: &BTreeSet<Vec<String>>,
    exports: &Exports,
) -> Option<Vec<String>> {
    let mut path = path.to_vec();
    for _ in 0..16 {
        let module = target(&path, modules)?.clone();
        let next = path.get(module.len()).and_then(|name| {
            let offered = exports.get(&module)?;
            if let Some(exported) = offered.names.get(name) {
                return Some(exported.clone());
            }
            if offered.defines.contains(name) {
                return None;
            }
            offered.globs.iter().find_map(|glob| {
                let inner = exports.get(target(glob, modules)?)?;
                (inner.defines.contains(name) || inner.names.contains_key(name)).then(|| {
                    let mut path = glob.clone();
                    path.push(name.clone());
                    path
                })
            })
        });
        match next {
            Some(exported) => {
                let mut longer = exported.clone();
                longer.extend(path[module.len() + 1..].iter().cloned());
                path = longer;
            }
            _ => return Some(module),
        }
    }
    target(&path, modules).cloned()
}

/// Every use of a module by another: (user, used) → where, as `file:line`.
type Uses = BTreeMap<(Vec<String>, Vec<String>), Vec<String>>;

fn module_uses() -> Uses {
    let mut files = Vec::new();
    sources(&src(), "", &mut files);
    let modules: BTreeMap<Vec<String>, String> = files
        .iter()
        .filter_map(|file| Some((module_of(file)?, file.clone())))
        .collect();
    // The files of test modules (`#[cfg(test)] mod tests;`) are tests.
    let mut tests: BTreeSet<Vec<String>> = BTreeSet::new();
    for (module, file) in &modules {
        let code = code_only(&std::fs::read_to_string(src().join(file)).unwrap());
        for child in without_tests(tokenize(&code)).1 {
            let mut path = module.clone();
            path.push(child);
            tests.insert(path);
        }
    }
    let modules: BTreeMap<Vec<String>, String> = modules
        .into_iter()
        .filter(|(module, _)| !tests.iter().any(|test| module.starts_with(test)))
        .collect();
    let known: BTreeSet<Vec<String>> = modules.keys().cloned().collect();
    let read: BTreeMap<&Vec<String>, Vec<Reference>> = modules
        .iter()
        .map(|(module, file)| {
            let children: BTreeSet<String> = known
                .iter()
                .filter(|other| other.len() == module.len() + 1 && other.starts_with(module))
                .map(|other| other[module.len()].clone())
                .collect();
            let code = code_only(&std::fs::read_to_string(src().join(file)).unwrap());
            (module, references(&code, module, &children))
        })
        .collect();
    // What each module re-exports: name → the path it stands for; `*` →
    // the modules it re-exports whole, each with the names it defines.
    let mut exports: Exports = BTreeMap::new();
    for (module, references) in &read {
        let mine = exports.entry((*module).clone()).or_default();
        for reference in references {
            match reference.exported.as_deref() {
                Some("*") => mine.globs.push(reference.path.clone()),
                Some(name) => {
                    mine.names.insert(name.to_string(), reference.path.clone());
                }
                None => {}
            }
        }
    }
    for (module, file) in &modules {
        let code = code_only(&std::fs::read_to_string(src().join(file)).unwrap());
        exports.entry(module.clone()).or_default().defines = definitions(&code);
    }
    let mut uses = Uses::new();
    for (module, references) in &read {
        let module = *module;
        let file = &modules[module];
        for reference in references {
            let Some(used) = through(&reference.path, &known, &exports) else {
                continue;
            };
            if used != *module {
                uses.entry((module.clone(), used.clone()))
                    .or_default()
                    .push(format!(
                        "src/{file}:{} names `{}`",
                        reference.line,
                        reference.path.join("::")
                    ));
            }
        }
    }
    uses
}

/// A cycle of `graph`, as its nodes in order, if there is one: the first
/// that a depth-first walk in node order meets.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Open,
        Done,
    }
    fn walk(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, State>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), State::Open);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next) {
                Some(State::Open) => {
                    let from = stack.iter().position(|n| n == next)?;
                    return Some(stack[from..].to_vec());
                }
                Some(State::Done) => {}
                None => {
                    if let Some(cycle) = walk(next, graph, state, stack) {
                        return Some(cycle);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.to_string(), State::Done);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if !state.contains_key(node)
            && let Some(cycle) = walk(node, graph, &mut state, &mut Vec::new())
        {
            return Some(cycle);
        }
    }
    None
}

/// Within `folder`, the module a module belongs to: the folder's own file
/// for itself, or the child (file or subfolder) that holds it.
fn member(folder: &[String], module: &[String]) -> Option<String> {
    if !module.starts_with(folder) {
        return None;
    }
    Some(match module.get(folder.len()) {
        None => "(its own mod.rs)".to_string(),
        Some(child) => child.clone(),
    })
}

#[test]
fn no_module_uses_another_that_uses_it_back() {
    let uses = module_uses();
    // The reader reads: every module but the leaves uses some other.
    let users: BTreeSet<&Vec<String>> = uses.keys().map(|(user, _)| user).collect();
    assert!(
        users.len() >= 25 && uses.len() >= 100,
        "only {} modules use another, {} uses in all: the reader no longer sees the paths",
        users.len(),
        uses.len()
    );
    let mut folders: BTreeSet<Vec<String>> = BTreeSet::from([Vec::new()]);
    for (user, used) in uses.keys() {
        for module in [user, used] {
            for n in 1..module.len() {
                folders.insert(module[..n].to_vec());
            }
        }
    }
    let mut cycles = Vec::new();
    for folder in &folders {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut evidence: BTreeMap<(String, String), Vec<&String>> = BTreeMap::new();
        for ((user, used), places) in &uses {
            let (Some(from), Some(to)) = (member(folder, user), member(folder, used)) else {
                continue;
            };
            if from != to {
                graph.entry(from.clone()).or_default().insert(to.clone());
                evidence.entry((from, to)).or_default().extend(places);
            }
        }
        if let Some(cycle) = find_cycle(&graph) {
            let place = if folder.is_empty() {
                "src/".to_string()
            } else {
                format!("src/{}/", folder.join("/"))
            };
            let mut text = format!("in {place}: {} -> {}", cycle.join(" -> "), cycle[0]);
            for (i, from) in cycle.iter().enumerate() {
                let to = &cycle[(i + 1) % cycle.len()];
                let places = &evidence[&(from.clone(), to.clone())];
                text.push_str(&format!("\n  {from} -> {to}: {}", places[0]));
                if places.len() > 1 {
                    text.push_str(&format!(" (and {} more)", places.len() - 1));
                }
            }
            cycles.push(text);
        }
    }
    assert!(
        cycles.is_empty(),
        "modules that use each other, one cycle per folder that has one:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_cycle_finder_finds_a_cycle_and_only_a_cycle() {
    let graph = |edges: &[(&str, &str)]| {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in edges {
            graph
                .entry(from.to_string())
                .or_default()
                .insert(to.to_string());
        }
        graph
    };
    let tree = graph(&[("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]);
    assert_eq!(find_cycle(&tree), None);
    let looped = graph(&[("a", "b"), ("b", "c"), ("c", "d"), ("d", "b"), ("a", "d")]);
    assert_eq!(
        find_cycle(&looped),
        Some(vec!["b".to_string(), "c".to_string(), "d".to_string()])
    );
    assert_eq!(
        find_cycle(&graph(&[("x", "y"), ("y", "x")])),
        Some(vec!["x".to_string(), "y".to_string()])
    );
}

#[test]
fn references_are_read_from_code_only_and_resolved() {
    let text = r#"
use crate::{config::{Config, Kind}, model as m};
use super::sibling::Thing;
// use crate::commented::Out;
const S: &str = "crate::in_a_string";
fn f<'a>(x: &'a str) -> char { let _ = crate::error::Problem::new(); 'c' }
#[cfg(test)]
mod tests {
    use crate::commands::Anything;
}
#[cfg(test)]
mod helpers;
"#;
    let module = vec!["kinds".to_string(), "mesh".to_string()];
    let children = BTreeSet::from(["checks".to_string()]);
    let code = code_only(text);
    assert!(!code.contains("commented") && !code.contains("in_a_string"));
    let found: Vec<String> = references(&code, &module, &children)
        .into_iter()
        .map(|r| format!("{}:{}", r.line, r.path.join("::")))
        .collect();
    assert_eq!(
        found,
        [
            "2:config::Config",
            "2:config::Kind",
            "2:model",
            "3:kinds::sibling::Thing",
            "6:error::Problem::new",
        ]
    );
    // What `#[cfg(test)]` guards is a test's, not the module's.
    let (_, tests) = without_tests(tokenize(&code));
    assert_eq!(tests, BTreeSet::from(["helpers".to_string()]));
    // And a cycle in real modules is found: the toy uses above, as a graph.
    let modules: BTreeSet<Vec<String>> = [vec!["config"], vec!["kinds", "mesh"], vec!["kinds"]]
        .into_iter()
        .map(|m| m.into_iter().map(str::to_string).collect())
        .collect();
    assert_eq!(
        target(&["kinds".into(), "mesh".into(), "x".into()], &modules),
        Some(&vec!["kinds".to_string(), "mesh".to_string()])
    );
}
