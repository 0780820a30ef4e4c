//! No Fluentd can be installed here, so the generated `fluent.conf` is
//! parsed structurally: balanced sections, a `@type` in every plugin
//! section, the parameters each plugin cannot run without. The parser is
//! tested on broken configs too, so a template mistake cannot pass.

use crate::Repo;

const SHOP: &str = include_str!("../examples/shop/kiln.toml");
const QUIET: &str = include_str!("../examples/quiet/kiln.toml");
const STARTER: &str = include_str!("../presets/apps/starter/kiln.toml");

/// One `<name argument>` … `</name>` section.
#[derive(Debug, Default)]
struct Section {
    name: String,
    argument: String,
    params: Vec<(String, String)>,
    children: Vec<Section>,
    line: usize,
}

impl Section {
    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn child(&self, name: &str) -> Option<&Section> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// Parses fluent.conf's section syntax; every mistake is an `Err` naming its line.
fn parse(text: &str) -> Result<Section, String> {
    let mut stack = vec![Section::default()];
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix("</") {
            let name = name
                .strip_suffix('>')
                .ok_or(format!("line {line_no}: `{line}` is not closed by `>`"))?;
            let section = stack
                .pop()
                .filter(|_| !stack.is_empty())
                .ok_or(format!("line {line_no}: `</{name}>` closes nothing"))?;
            if section.name != name {
                return Err(format!(
                    "line {line_no}: `</{name}>` closes `<{}>` of line {}",
                    section.name, section.line
                ));
            }
            stack.last_mut().unwrap().children.push(section);
        } else if let Some(open) = line.strip_prefix('<') {
            let open = open
                .strip_suffix('>')
                .ok_or(format!("line {line_no}: `{line}` is not closed by `>`"))?;
            let (name, argument) = open.split_once(' ').unwrap_or((open, ""));
            stack.push(Section {
                name: name.to_string(),
                argument: argument.trim().to_string(),
                line: line_no,
                ..Section::default()
            });
        } else {
            let (key, value) = line.split_once(' ').unwrap_or((line, ""));
            let value = value.trim();
            for quote in ['\'', '"'] {
                if value.starts_with(quote) && !(value.len() > 1 && value.ends_with(quote)) {
                    return Err(format!("line {line_no}: unbalanced quote in `{line}`"));
                }
            }
            if stack.len() == 1 {
                return Err(format!("line {line_no}: `{key}` outside every section"));
            }
            stack
                .last_mut()
                .unwrap()
                .params
                .push((key.to_string(), value.to_string()));
        }
    }
    if let [_, .., open] = stack.as_slice() {
        return Err(format!(
            "`<{}>` of line {} is never closed",
            open.name, open.line
        ));
    }
    Ok(stack.pop().unwrap())
}

/// Sections whose plugin is chosen by `@type`.
const PLUGIN_SECTIONS: &[&str] = &["source", "filter", "match", "parse", "buffer", "format"];

/// Everything a Fluentd would refuse at start-up, as far as structure tells.
fn problems(root: &Section) -> Vec<String> {
    let mut out = Vec::new();
    for section in &root.children {
        if !["source", "filter", "match", "system", "label"].contains(&section.name.as_str()) {
            out.push(format!(
                "line {}: `<{}>` at the top level",
                section.line, section.name
            ));
        }
        if matches!(section.name.as_str(), "filter" | "match") && section.argument.is_empty() {
            out.push(format!(
                "line {}: `<{}>` without a tag pattern",
                section.line, section.name
            ));
        }
    }
    fn walk(section: &Section, out: &mut Vec<String>) {
        let kind = section.param("@type");
        if PLUGIN_SECTIONS.contains(&section.name.as_str()) && kind.is_none() {
            out.push(format!(
                "line {}: `<{}>` has no `@type`",
                section.line, section.name
            ));
        }
        let required: &[&str] = match (section.name.as_str(), kind) {
            ("source", Some("tail")) => &["path", "pos_file", "tag"],
            ("match", Some("elasticsearch")) => &["host", "port", "logstash_prefix"],
            ("filter", Some("parser")) => &["key_name"],
            ("buffer", Some("file")) => &["path", "retry_max_times"],
            ("pattern", _) => &["format"],
            ("exclude", _) => &["key", "pattern"],
            _ => &[],
        };
        for key in required {
            if section.param(key).is_none() {
                out.push(format!(
                    "line {}: `<{}>` lacks `{key}`",
                    section.line, section.name
                ));
            }
        }
        if section.name == "source" && kind == Some("tail") && section.child("parse").is_none() {
            out.push(format!("line {}: tail without `<parse>`", section.line));
        }
        if section.name == "match" && kind == Some("elasticsearch") {
            match section.child("buffer") {
                Some(buffer) if buffer.param("@type") == Some("file") => {}
                _ => out.push(format!(
                    "line {}: elasticsearch without a file buffer",
                    section.line
                )),
            }
        }
        for child in &section.children {
            walk(child, out);
        }
    }
    for section in &root.children {
        walk(section, &mut out);
    }
    let outputs = root.children.iter().filter(|s| s.name == "match").count();
    if outputs != 1 {
        out.push(format!(
            "{outputs} `<match>` sections; every record needs exactly one output"
        ));
    }
    out
}

fn fluent_conf(repo: &Repo, env: &str) -> String {
    let configmap = repo.yaml(&format!("deploy/{env}/logging/configmap.yaml"));
    configmap["data"]["fluent.conf"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn every_generated_fluent_conf_is_well_formed() {
    for (config, envs) in [
        (SHOP, &["dev", "prod"][..]),
        (STARTER, &["dev", "staging", "prod"][..]),
        (QUIET, &["prod"][..]),
    ] {
        let repo = Repo::with_config(config);
        repo.kiln(&["build"]).success();
        for env in envs {
            let text = fluent_conf(&repo, env);
            let root = parse(&text).unwrap_or_else(|e| panic!("{env}: {e}\n{text}"));
            assert_eq!(problems(&root), Vec::<String>::new(), "{env}:\n{text}");
        }
    }
}

#[test]
fn fluent_conf_tails_this_environment_and_routes_by_sink() {
    let repo = Repo::with_config(SHOP);
    repo.kiln(&["build"]).success();
    let dev = parse(&fluent_conf(&repo, "dev")).unwrap();
    let source = dev.child("source").unwrap();
    assert_eq!(
        source.param("path"),
        Some("'/var/log/containers/*_shop-dev_*.log'")
    );
    assert_eq!(source.param("tag"), Some("kubernetes.*"));
    let parse_section = source.child("parse").unwrap();
    assert_eq!(parse_section.param("@type"), Some("multi_format"));
    let formats: Vec<&str> = parse_section
        .children
        .iter()
        .filter_map(|p| p.param("format"))
        .collect();
    assert_eq!(formats, ["json", "cri"]);
    let filters: Vec<&str> = dev
        .children
        .iter()
        .filter(|s| s.name == "filter")
        .filter_map(|s| s.param("@type"))
        .collect();
    assert_eq!(filters, ["parser", "kubernetes_metadata", "grep"]);
    let grep = dev
        .children
        .iter()
        .find(|s| s.param("@type") == Some("grep"))
        .unwrap();
    let pattern = grep.child("exclude").unwrap().param("pattern").unwrap();
    assert!(pattern.contains("kube-probe/"), "{pattern}");
    assert!(
        !pattern.contains("/healthz"),
        "paths are not probes: {pattern}"
    );
    // monitor_agent, for Fluentd's own probes, on the pod's address.
    let monitor = dev
        .children
        .iter()
        .find(|s| s.name == "source" && s.param("@type") == Some("monitor_agent"))
        .expect("a monitor_agent source");
    assert_eq!(monitor.param("bind"), Some("\"#{ENV['POD_IP']}\""));
    assert_eq!(monitor.param("port"), Some("'24220'"));
    // No sink in dev: stdout. Elasticsearch in prod, from kiln.toml.
    assert_eq!(dev.child("match").unwrap().param("@type"), Some("stdout"));
    let prod = parse(&fluent_conf(&repo, "prod")).unwrap();
    let output = prod.child("match").unwrap();
    assert_eq!(output.argument, "kubernetes.**");
    assert_eq!(output.param("@type"), Some("elasticsearch"));
    assert_eq!(output.param("host"), Some("'logs.example.com'"));
    assert_eq!(output.param("logstash_prefix"), Some("'shop'"));
    assert_eq!(output.param("user"), Some("'fluentd'"));
    assert_eq!(
        output.param("password"),
        Some("\"#{ENV['FLUENT_ELASTICSEARCH_PASSWORD']}\"")
    );
    let buffer = output.child("buffer").unwrap();
    assert_eq!(buffer.param("@type"), Some("file"));
    assert_eq!(buffer.param("retry_max_times"), Some("10"));
}

#[test]
fn the_structural_check_catches_broken_configs() {
    let repo = Repo::with_config(SHOP);
    repo.kiln(&["build"]).success();
    let good = fluent_conf(&repo, "prod");
    assert!(parse(&good).is_ok());
    let broken = [
        (
            good.replacen("  </parse>\n", "", 1),
            "`</source>` closes `<parse>`",
        ),
        (
            good.trim_end().trim_end_matches("</match>").to_string(),
            "`<match>` of line",
        ),
        (
            good.replacen("</source>", "</sorce>", 1),
            "closes `<source>`",
        ),
        (
            good.replacen("</match>", "</match>\n</match>", 1),
            "closes nothing",
        ),
        (
            good.replacen("host 'logs.example.com'", "host 'logs.example.com", 1),
            "unbalanced quote",
        ),
    ];
    for (text, expected) in broken {
        let err = parse(&text).expect_err(expected);
        assert!(err.contains(expected), "{err}");
    }
    let incomplete = [
        (
            good.replacen("  @type tail\n", "", 1),
            "`<source>` has no `@type`",
        ),
        (
            good.replacen("    @type file\n", "", 1),
            "`<buffer>` has no `@type`",
        ),
        (
            good.replacen("  pos_file", "  # pos_file", 1),
            "lacks `pos_file`",
        ),
        (good.replacen("      format cri\n", "", 1), "lacks `format`"),
        (
            good.replacen("logstash_prefix", "logstash_prefx", 1),
            "lacks `logstash_prefix`",
        ),
        (
            good.replacen("<match kubernetes.**>", "<match>", 1),
            "without a tag pattern",
        ),
        (
            format!("{good}<match **>\n  @type null\n</match>\n"),
            "2 `<match>` sections",
        ),
    ];
    for (text, expected) in incomplete {
        let found = problems(&parse(&text).unwrap());
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "{expected}: {found:?}"
        );
    }
}

/// A single-quoted fluent.conf value as Fluentd reads it: `\\` and `\'` are
/// the only escapes; any other backslash stays.
fn fluent_string(value: &str) -> String {
    let inner = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .unwrap_or_else(|| panic!("not single-quoted: {value}"));
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(next @ ('\\' | '\''))) => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

/// Every `<exclude>` pattern of the grep filter, compiled. The patterns keep
/// to the part of Ruby's regex syntax the `regex` crate reads the same way.
fn exclude_patterns(text: &str) -> Vec<regex::Regex> {
    let root = parse(text).unwrap();
    let grep = root
        .children
        .iter()
        .find(|s| s.name == "filter" && s.param("@type") == Some("grep"))
        .expect("a grep filter");
    let patterns: Vec<regex::Regex> = grep
        .children
        .iter()
        .filter(|s| s.name == "exclude")
        .map(|s| {
            let pattern = fluent_string(s.param("pattern").unwrap());
            regex::Regex::new(&pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"))
        })
        .collect();
    assert_eq!(patterns.len(), 2, "one for `message`, one for `log`");
    patterns
}

/// Access-log lines of real traffic, in the formats containers write:
/// nginx's combined format, Envoy's default, JSON, plain text.
const APPLICATION_LINES: &[&str] = &[
    r#"10.0.3.7 - - [12/Mar/2025:10:15:32 +0000] "GET / HTTP/1.1" 200 612 "-" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36""#,
    r#"10.0.3.7 - - [12/Mar/2025:10:15:33 +0000] "GET /?q=x HTTP/1.1" 200 1024 "https://shop.example.com/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15""#,
    r#"10.0.3.8 - - [12/Mar/2025:10:15:34 +0000] "GET /health HTTP/1.1" 200 2 "-" "curl/8.5.0""#,
    r#"10.0.3.8 - - [12/Mar/2025:10:15:35 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "python-requests/2.31.0""#,
    r#"10.0.3.9 - - [12/Mar/2025:10:15:36 +0000] "HEAD / HTTP/1.1" 200 0 "-" "ELB-HealthChecker/2.0""#,
    r#"10.0.3.7 - - [12/Mar/2025:10:15:37 +0000] "GET /search?q=kube-probe/1.30 HTTP/1.1" 200 88 "-" "curl/8.5.0""#,
    r#"10.0.3.7 - - [12/Mar/2025:10:15:38 +0000] "GET /docs/kube-probe/1.30 HTTP/1.1" 404 0 "https://shop.example.com/?ua=kube-probe/1.30" "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:123.0) Gecko/20100101 Firefox/123.0""#,
    r#"10.0.3.7 - - [12/Mar/2025:10:15:39 +0000] "POST /ready HTTP/1.1" 201 12 "-" "Go-http-client/1.1""#,
    r#"[2025-03-12T10:15:32.123Z] "GET / HTTP/1.1" 200 - 0 612 3 2 "10.0.3.7" "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15" "6b1c2f0e-9a41-4f4b-8d57-1f1e0e2b7c11" "shop.example.com" "10.0.1.5:8080""#,
    r#"[2025-03-12T10:15:33.456Z] "GET /healthz HTTP/2" 200 - 0 2 1 0 "10.0.3.8" "curl/8.5.0" "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a" "users.shop-dev.svc.cluster.local" "10.0.1.6:8080""#,
    r#"{"level":"info","msg":"request","method":"GET","path":"/","status":200,"user_agent":"curl/8.5.0"}"#,
    r#"{"level":"info","msg":"request","method":"GET","path":"/?q=x","status":200,"user_agent":"Mozilla/5.0 (X11; Linux x86_64)"}"#,
    "GET / 200 3.1ms",
    "2025/03/12 10:15:32 listening on :8080; liveness probe at /healthz",
    "kube-probe/1.30 requests are answered by /healthz",
];

/// What the kubelet's probes leave in the same logs.
const PROBE_LINES: &[&str] = &[
    r#"10.0.1.1 - - [12/Mar/2025:10:15:32 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.30""#,
    r#"10.0.1.1 - - [12/Mar/2025:10:15:32 +0000] "GET / HTTP/1.1" 200 612 "-" "kube-probe/1.31""#,
    r#"10.0.1.1 - - [12/Mar/2025:10:15:33 +0000] "GET /ready HTTP/1.1" 503 0 "-" "kube-probe/1.29+""#,
    r#"[2025-03-12T10:15:34.789Z] "GET /ready HTTP/1.1" 200 - 0 2 1 0 "-" "kube-probe/1.30" "4d3c2b1a-0f9e-4d8c-b7a6-958473625140" "10.0.1.5:8080" "10.0.1.5:8080""#,
    r#"{"method":"GET","path":"/healthz","status":200,"user_agent":"kube-probe/1.30"}"#,
    "GET /healthz 200 0.2ms kube-probe/1.30",
];

#[test]
fn the_probe_filter_drops_kubelet_probes_and_no_other_request() {
    // `/` as the health path, as the shop preset has it: every `GET /` of a
    // person looks like a probe by path, and must still be kept.
    let config = STARTER.replace(
        "route = \"/api\"\n",
        "route = \"/api\"\nhealth = \"/\"\nready = \"/\"\n",
    );
    assert_ne!(config, STARTER);
    for config in [
        config.as_str(),
        SHOP,
        include_str!("../presets/apps/shop/kiln.toml"),
    ] {
        let repo = Repo::with_config(config);
        repo.kiln(&["build"]).success();
        let envs: Vec<String> = repo
            .contents()
            .keys()
            .filter_map(|p| p.strip_suffix("/logging/configmap.yaml"))
            .filter_map(|p| p.strip_prefix("deploy/"))
            .map(str::to_string)
            .collect();
        assert!(!envs.is_empty());
        for env in envs {
            for pattern in exclude_patterns(&fluent_conf(&repo, &env)) {
                for line in APPLICATION_LINES {
                    assert!(!pattern.is_match(line), "{env}: `{pattern}` drops {line}");
                }
                for line in PROBE_LINES {
                    assert!(pattern.is_match(line), "{env}: `{pattern}` keeps {line}");
                }
            }
        }
    }
}

#[test]
fn fluent_strings_are_read_as_fluentd_reads_them() {
    assert_eq!(fluent_string(r"'a\.b'"), r"a\.b");
    assert_eq!(fluent_string(r"'a\\b\'c'"), r"a\b'c");
}
