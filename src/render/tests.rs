//! The renderer's escaping and limits, on templates made to break them.

use super::overrides::Override;
use super::*;
use crate::diagnostics::OverrideRule;
use std::collections::HashMap;
use tera::Value;

#[test]
fn fluent_values_are_single_quoted_or_refused() {
    let none = HashMap::new();
    let quoted = fluent_filter(&Value::String("/var/log/*_a_*.log".into()), &none).unwrap();
    assert_eq!(quoted, Value::String("'/var/log/*_a_*.log'".into()));
    assert_eq!(
        fluent_filter(&Value::from(9200), &none).unwrap(),
        Value::String("'9200'".into())
    );
    for bad in ["it's", "a\nb", "trailing\\"] {
        assert!(
            fluent_filter(&Value::String(bad.into()), &none).is_err(),
            "{bad}"
        );
    }
}

/// The findings in `templates`, checked as overrides of bundled
/// templates of the same names (or as the bundled ones, unchanged).
fn findings(templates: &[(&str, &str)]) -> Vec<sandbox::Finding> {
    let mut tera = Tera::default();
    tera.add_raw_templates(bundled()).unwrap();
    let mut checked = BTreeMap::new();
    for (name, text) in templates {
        tera.add_raw_template(name, text).unwrap();
        checked.insert(name.to_string(), sandbox::tags(text).unwrap());
    }
    sandbox::check(&tera, &checked)
}

fn unescaped(name: &str, text: &str) -> Vec<(Option<usize>, String)> {
    findings(&[(name, text)])
        .into_iter()
        .filter_map(|f| match f.what {
            sandbox::What::Unescaped { expression, .. } => Some((f.line, expression)),
            sandbox::What::Rule(_) => None,
        })
        .collect()
}

fn rules(name: &str, text: &str) -> Vec<(Option<usize>, OverrideRule)> {
    findings(&[(name, text)])
        .into_iter()
        .filter_map(|f| match f.what {
            sandbox::What::Rule(rule) => Some((f.line, rule)),
            sandbox::What::Unescaped { .. } => None,
        })
        .collect()
}

/// Values are data: every interpolation in every template goes through
/// its format's one escaping filter, and nothing else ends an expression,
/// checked on the parsed templates as an override is.
#[test]
fn every_interpolation_is_escaped() {
    let sources = bundled();
    assert!(sources.len() > 20);
    let all: Vec<(&str, &str)> = sources.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let found = findings(&all);
    assert!(found.is_empty(), "{found:#?}");
    // The check sees them: one filter less is one finding, at its line.
    let (name, text) = sources
        .iter()
        .find(|(n, _)| n == "k8s/deployment.yaml.tera")
        .unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("{{ service.name | yaml }}"))
        .unwrap()
        + 1;
    assert_eq!(
        unescaped(
            name,
            &text.replacen("{{ service.name | yaml }}", "{{ service.name }}", 1)
        ),
        vec![(Some(line), "service.name".to_string())]
    );
}

#[test]
fn every_format_takes_its_own_filter_only() {
    let yaml = "k8s/service.yaml.tera";
    assert!(
        unescaped(
            yaml,
            "a: {{ x | lower | yaml }}\nb:{{ x | yaml(indent=4) }}"
        )
        .is_empty()
    );
    for bad in [
        "{{ x }}",
        "{{ x | yaml | lower }}",
        "{{ x | yaml(indent=n) }}",
        "{{ x | yaml(indent=99) }}",
        "{{ x | yaml(width=2) }}",
        "{{ x | safe }}",
        "{{ x ~ y }}",
        "{{ x | dockerfile }}",
    ] {
        assert_eq!(unescaped(yaml, bad).len(), 1, "{bad}");
    }
    let jenkins = "ci/Jenkinsfile.tera";
    assert!(unescaped(jenkins, "{{ x | groovy }}").is_empty());
    assert_eq!(unescaped(jenkins, "{{ x | lower | groovy }}").len(), 1);
    assert_eq!(unescaped(jenkins, "{{ x | groovy(a=1) }}").len(), 1);
    // .dockerignore takes no values at all.
    assert_eq!(
        unescaped("docker/go.dockerignore.tera", "{{ x | yaml }}").len(),
        1
    );
}

#[test]
fn a_comment_cannot_hide_an_interpolation() {
    let name = "k8s/configmap.yaml.tera";
    assert_eq!(
        unescaped(
            name,
            "a: 1\n{# {% raw %} #}\nlevel: {{ v }}\n{# {% endraw %} #}\n"
        ),
        vec![(Some(3), "v".to_string())]
    );
    assert!(unescaped(name, "a{% raw %}${{ x }}{% endraw %}b{{ y | yaml }}").is_empty());
    assert_eq!(
        unescaped(name, "a{% raw %}${{ x }}{% endraw %}\nb{{ y }}"),
        vec![(Some(2), "y".to_string())]
    );
}

#[test]
fn values_in_macros_blocks_and_branches_are_checked_too() {
    let name = "k8s/service.yaml.tera";
    for (text, line) in [
        (
            "{% macro m(v) %}\n{{ v }}{% endmacro %}{{ self::m(v=1) }}",
            2,
        ),
        ("{% if a %}x{% elif b %}\n{{ v }}{% endif %}", 2),
        ("{% for i in a %}{% else %}\n\n{{ v }}{% endfor %}", 3),
        (
            "{% filter indent(prefix=\"  \") %}\n{{ v }}{% endfilter %}",
            2,
        ),
        ("{% block b %}\n{{ v }}{% endblock %}", 2),
    ] {
        assert_eq!(
            unescaped(name, text),
            vec![(Some(line), "v".to_string())],
            "{text}"
        );
    }
    // A macro's output needs no filter: its own values are checked.
    assert!(
        unescaped(
            name,
            "{% macro m(v) %}{{ v | yaml }}{% endmacro %}{{ self::m(v=1) }}"
        )
        .is_empty()
    );
}

#[test]
fn a_section_filter_other_than_a_blank_indent_is_refused() {
    let name = "k8s/service.yaml.tera";
    assert!(
        rules(
            name,
            "{% filter indent(prefix=\"    \", first=true) %}x{% endfilter %}"
        )
        .is_empty()
    );
    for bad in [
        "{% filter upper %}x{% endfilter %}",
        "{% filter replace(from='\"', to='') %}x{% endfilter %}",
        "{% filter indent(prefix=p) %}x{% endfilter %}",
        "{% filter indent(prefix=\"x: \") %}x{% endfilter %}",
    ] {
        assert!(
            matches!(
                rules(name, bad).as_slice(),
                [(Some(1), OverrideRule::FilterSection { .. })]
            ),
            "{bad}: {:?}",
            rules(name, bad)
        );
    }
}

/// Renders `text` as the override of bundled template `name`, with
/// kiln's limits, in `context`.
fn render_as_override(name: &str, text: &str, context: Value) -> Result<String, Error> {
    let mut map = BTreeMap::new();
    let own = Override {
        shown: format!(".kiln/templates/{name}"),
        text: text.to_string(),
        tags: sandbox::tags(text).unwrap(),
    };
    map.insert(name.to_string(), own);
    let renderer = Renderer::with(map)?;
    renderer.render_one(name, &tera::Context::from_value(context).unwrap())
}

const SAMPLE: &str = r#"{% macro item(v) %}- {{ v | yaml }}
{% endmacro %}
{%- set base = "a" ~ name ~ 1 -%}
{% for x in items %}{{ self::item(v=x ~ base) }}{% if loop.first %}first: {{ loop.index | yaml }}
{% endif %}{% endfor %}
sum: {{ (n + 2 * 3 - 1) | yaml }} div: {{ (n / 4) | yaml }} mod: {{ (n % 4) | yaml }}
{% if name == "x" %}eq{% endif %}{% if n != 2 %}ne{% endif %}{% if "b" in items %}in{% endif %}
arr: {{ [1, 2, name] | yaml }}
missing: {{ nope | default(value="d") | yaml }} not: {{ not nope | yaml }}
{% if not nope and n > 3 %}ok{% elif n %}n{% else %}no{% endif %}
{% for k, v in map %}{{ k | yaml }}: {{ v | yaml }}
{% endfor %}{% for x in [] %}{% else %}empty{% endfor %}
{{ range(start=1, end=7, step_by=2) | join(sep=",") | yaml }}
{% filter indent(prefix="  ", first=true) %}a
b{% endfilter %}
{% set_global g = 0 %}{% for x in items %}{% set_global g = g + 1 %}{% endfor %}{{ g | yaml }}
{% for x in items %}{% if loop.index == 2 %}{% break %}{% endif %}{{ x | upper | yaml }}{% endfor %}
{{ map | get(key="k1") | yaml }} {{ items | nth(n=1) | yaml }} {{ items | length | yaml }}
{% if name is starting_with("x") %}x{% endif %}{% if n is number %}num{% endif %}
{% block tail %}{{ name | title | yaml }}{% endblock %}
"#;

fn sample_context() -> Value {
    serde_json::json!({
        "name": "x",
        "n": 9,
        "items": ["a", "b", "c"],
        "map": {"k1": "v1", "k2": 2},
    })
}

#[test]
fn the_limits_do_not_change_what_an_override_renders() {
    let name = "k8s/service.yaml.tera";
    let mut plain = Tera::default();
    plain.autoescape_on(vec![]);
    plain.register_filter("yaml", yaml_filter);
    plain.add_raw_template(name, SAMPLE).unwrap();
    let context = tera::Context::from_value(sample_context()).unwrap();
    let expected = plain.render(name, &context).unwrap();
    for part in [
        "- \"aax1\"\nfirst: 1\n",
        "eqnein",
        "\"1,3,5\"",
        "  a\n  b\n3\n\"A\"",
        "\"v1\" \"b\" 3",
    ] {
        assert!(expected.contains(part), "{part:?} in {expected}");
    }
    let got = render_as_override(name, SAMPLE, sample_context()).unwrap();
    assert_eq!(got, expected);
}

#[test]
fn what_makes_tera_panic_or_abort_is_an_error_naming_the_override() {
    let big = format!("{}.0", "9".repeat(308));
    for text in [
        format!("{{{{ ({big} + {big}) | yaml }}}}"),
        format!("{{{{ (0.0 - {big} - {big}) | yaml }}}}"),
        "{% set m = -9223372036854775807 - 1 %}{{ (m % -1) | yaml }}".to_string(),
        "{{ 'x' | int(base=99) | yaml }}".to_string(),
        "{{ '-9223372036854775808' | int | abs | yaml }}".to_string(),
        "{% for i in range(end=200000000) %}{% endfor %}".to_string(),
        "{% for i in range(end=1, step_by=0) %}{% endfor %}".to_string(),
        "{% set x = [] %}{% for i in range(end=100) %}{% set_global x = [x] %}{% endfor %}"
            .to_string(),
    ] {
        match render_as_override("k8s/service.yaml.tera", &text, sample_context()) {
            Err(Error::TemplateOverride { file, cause, .. }) => {
                assert_eq!(file, ".kiln/templates/k8s/service.yaml.tera");
                assert!(!cause.contains("__kiln"), "{cause}");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
    match render_as_override(
        "k8s/service.yaml.tera",
        "{% for i in range(end=200000000) %}{% endfor %}",
        sample_context(),
    ) {
        Err(err) => assert!(
            err.to_string()
                .contains("`range` makes at most 10000 numbers"),
            "{err}"
        ),
        Ok(_) => panic!(),
    }
}

#[test]
fn what_grows_without_bound_runs_into_the_work_limit() {
    for text in [
        // Doubling a string: 2^60 bytes.
        "{% set s = 'x' %}{% for i in range(end=60) %}{% set_global s = s ~ s %}{% endfor %}",
        // The same through an array.
        "{% set a = ['x'] %}{% for i in range(end=60) %}{% set_global a = a | concat(with=a) %}{% endfor %}",
        // One replace that would make a terabyte.
        "{% set s = 'x' %}{% for i in range(end=20) %}{% set_global s = s ~ s %}{% endfor %}\
         {{ s | replace(from='', to=s) | yaml }}",
        // Escaping grows a string at every step.
        "{% set s = '\"' %}{% for i in range(end=60) %}{% set_global s = s | json_encode %}{% endfor %}",
        // Loops in loops: 10^12 steps.
        "{% for a in range(end=10000) %}{% for b in range(end=10000) %}{% for c in range(end=10000) %}\
         {% endfor %}{% endfor %}{% endfor %}",
    ] {
        match render_as_override("k8s/service.yaml.tera", text, sample_context()) {
            Err(Error::OverrideTooCostly { file, limit, .. }) => {
                assert_eq!(file, ".kiln/templates/k8s/service.yaml.tera");
                assert_eq!(limit, sandbox::RENDER_LIMIT);
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}
