//! What an override may name and how far it may go: the filters, tests and
//! functions it may use, the one escaping filter of each format, and the
//! bounds on operands, depth and indentation.

/// The most operands and filters one expression may have: enough for any
/// real template, few enough that no single expression can multiply a value.
pub const MAX_OPERANDS: usize = 32;

/// How deep a render may recurse, in nesting levels of tags and expressions
/// along the deepest chain of includes and macro calls (an include costs
/// `INCLUDE_COST` levels, a macro call `CALL_COST`): Tera renders by
/// recursion, on threads with 2 MiB stacks. Measured, a debug build first
/// overflows at about 95 levels of arithmetic, the costliest kind per level.
pub const MAX_DEPTH: usize = 48;
pub(super) const INCLUDE_COST: usize = 2;
pub(super) const CALL_COST: usize = 3;

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
pub(super) const UNAVAILABLE: [&str; 3] = ["get_env", "now", "get_random"];

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
