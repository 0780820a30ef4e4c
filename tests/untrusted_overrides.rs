//! Template overrides from a pull request: each attack on `.kiln/templates`
//! as a repo of its own, with a sentinel outside it where one could leak.
//! Every one exits 2 with a message naming the override, writes nothing,
//! reads nothing outside the repo, and never hangs or aborts.

use crate::{Repo, Run, SMALL};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A file's kind and contents, found without following links.
#[derive(Debug, PartialEq)]
enum Entry {
    File(Vec<u8>, SystemTime),
    Dir,
    Link(PathBuf),
    Other,
}

/// Everything under `root` but kiln's cache, never following a link or
/// opening anything that is not a regular file (a FIFO would block).
fn snapshot(root: &Path) -> BTreeMap<String, Entry> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Entry>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path == root.join(".kiln/cache") {
                continue;
            }
            let name = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let kind = meta.file_type();
            if kind.is_symlink() {
                out.insert(name, Entry::Link(std::fs::read_link(&path).unwrap()));
            } else if kind.is_dir() {
                out.insert(name, Entry::Dir);
                walk(root, &path, out);
            } else if kind.is_file() {
                let entry = Entry::File(std::fs::read(&path).unwrap(), meta.modified().unwrap());
                out.insert(name, entry);
            } else {
                out.insert(name, Entry::Other);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// A directory outside the repo holding a template that, if kiln read it,
/// would put `SENTINEL` into the output.
struct Outside {
    dir: tempfile::TempDir,
}

const SENTINEL: &str = "sentinel-7f3a9c";

impl Outside {
    fn new() -> Outside {
        let outside = Outside {
            dir: tempfile::tempdir().unwrap(),
        };
        let template =
            format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: {SENTINEL}\nspec: {{}}\n");
        std::fs::write(outside.path().join("secret.yaml.tera"), &template).unwrap();
        std::fs::create_dir_all(outside.path().join("k8s")).unwrap();
        std::fs::write(outside.path().join("k8s/service.yaml.tera"), &template).unwrap();
        outside
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn file(&self) -> PathBuf {
        self.path().join("secret.yaml.tera")
    }
}

/// Runs `args` and checks what every refused override must: exit 2, the
/// message, nothing written in the repo or outside it, no sentinel shown.
#[track_caller]
fn refused(repo: &Repo, outside: Option<&Outside>, args: &[&str], message: &str) -> Run {
    let before = snapshot(repo.path());
    let outside_before = outside.map(|o| snapshot(o.path()));
    let run = repo.kiln(args).fails_with(2).stderr_has(message);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(
        !run.stdout.contains(SENTINEL) && !run.stderr.contains(SENTINEL),
        "an outside file was read into the output:\n{}{}",
        run.stdout,
        run.stderr
    );
    assert_eq!(snapshot(repo.path()), before, "files were written");
    if let (Some(outside), Some(before)) = (outside, outside_before) {
        assert_eq!(
            snapshot(outside.path()),
            before,
            "files outside were written"
        );
    }
    run
}

const SERVICE: &str = ".kiln/templates/k8s/service.yaml.tera";
const POD: &str = ".kiln/templates/k8s/pod.yaml.tera";

fn bundled(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("templates")
            .join(name),
    )
    .unwrap()
}

#[cfg(unix)]
#[test]
fn a_symlinked_override_is_refused_and_what_it_points_at_is_never_read() {
    let outside = Outside::new();
    let repo = Repo::with_config(SMALL);
    std::fs::create_dir_all(repo.path().join(".kiln/templates/k8s")).unwrap();
    std::os::unix::fs::symlink(outside.file(), repo.path().join(SERVICE)).unwrap();
    let message = format!(
        "error: refusing `{SERVICE}`: it is a symbolic link\n  = hint: kiln reads template overrides only from regular files"
    );
    for args in [
        &["build"][..],
        &["build", "--force"],
        &["check"],
        &["diff"],
        &["templates", "list"],
    ] {
        refused(&repo, Some(&outside), args, &message);
    }
    assert!(!repo.exists("deploy"));
}

#[cfg(unix)]
#[test]
fn a_symlinked_templates_directory_or_kiln_directory_is_refused() {
    let outside = Outside::new();
    for (link, message) in [
        (
            ".kiln/templates",
            "error: refusing `.kiln/templates`: it is a symbolic link",
        ),
        (".kiln", "error: refusing `.kiln`: it is a symbolic link"),
        (
            ".kiln/templates/k8s",
            "error: refusing `.kiln/templates/k8s`: it is a symbolic link",
        ),
    ] {
        let repo = Repo::with_config(SMALL);
        let at = repo.path().join(link);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        let target = if link == ".kiln/templates/k8s" {
            outside.path().join("k8s")
        } else {
            outside.path().to_path_buf()
        };
        std::os::unix::fs::symlink(&target, &at).unwrap();
        refused(&repo, Some(&outside), &["build"], message);
        // Ejecting a template must not write through the link either.
        refused(
            &repo,
            Some(&outside),
            &["templates", "eject", "k8s/deployment.yaml.tera"],
            message,
        );
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_link_to_a_device_is_refused_without_being_opened() {
    let repo = Repo::with_config(SMALL);
    std::fs::create_dir_all(repo.path().join(".kiln/templates/k8s")).unwrap();
    let fifo = repo.path().join(SERVICE);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", repo.path().join(POD)).unwrap();
    let before = snapshot(repo.path());
    // Opened for reading, a FIFO with no writer blocks forever: a timeout
    // makes that a failure instead of a hung test.
    let output = assert_cmd::Command::cargo_bin("kiln")
        .unwrap()
        .arg("build")
        .current_dir(repo.path())
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("error: refusing `{POD}`: it is a symbolic link")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "error: refusing `{SERVICE}`: it is not a regular file\n  = hint: a template override is a plain text file"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("2 problems in template overrides; nothing was written"));
    assert_eq!(snapshot(repo.path()), before);
}

#[test]
fn an_override_too_large_to_be_a_template_is_not_read() {
    let repo = Repo::with_config(SMALL);
    repo.write(
        SERVICE,
        &format!("kind: Service\n#{}\n", "x".repeat(1 << 20)),
    );
    refused(
        &repo,
        None,
        &["build"],
        &format!(
            "error: refusing `{SERVICE}`: it is 1048592 bytes; kiln reads at most 1048576 of a template override"
        ),
    );
}

#[test]
fn an_override_that_includes_itself_is_refused_not_a_stack_overflow() {
    let repo = Repo::with_config(SMALL);
    repo.write(POD, "spec:\n{% include \"k8s/pod.yaml.tera\" %}\n");
    let run = refused(
        &repo,
        None,
        &["build"],
        &format!(
            "error: template override `{POD}:2` never ends: `k8s/pod.yaml.tera` → `k8s/pod.yaml.tera`\n  \
             = hint: an include, import, extends or macro call that leads back to where it started"
        ),
    );
    assert_eq!(run.code, 2);
}

#[test]
fn overrides_that_include_each_other_are_refused() {
    let repo = Repo::with_config(SMALL);
    // The bundled deployment includes the pod; the pod includes the deployment back.
    repo.write(
        ".kiln/templates/k8s/deployment.yaml.tera",
        &bundled("k8s/deployment.yaml.tera"),
    );
    repo.write(POD, "spec:\n\n{% include \"k8s/deployment.yaml.tera\" %}\n");
    refused(
        &repo,
        None,
        &["build"],
        &format!(
            "error: template override `{POD}:3` never ends: \
             `k8s/pod.yaml.tera` → `k8s/deployment.yaml.tera` → `k8s/pod.yaml.tera`"
        ),
    );
    // An import cycle recursed in Tera just the same.
    let repo = Repo::with_config(SMALL);
    repo.write(
        SERVICE,
        "{% import \"k8s/service.yaml.tera\" as me %}kind: Service\n",
    );
    refused(
        &repo,
        None,
        &["build"],
        &format!(
            "error: template override `{SERVICE}:1` never ends: `k8s/service.yaml.tera` → `k8s/service.yaml.tera`"
        ),
    );
}

#[test]
fn a_recursive_macro_is_refused() {
    for (text, path) in [
        (
            "{% macro deep(n) %}{{ self::deep(n=n) | yaml }}{% endmacro %}\nkind: Service\n{{ self::deep(n=1) | yaml }}\n",
            "macro `deep` of `k8s/service.yaml.tera` → macro `deep` of `k8s/service.yaml.tera`",
        ),
        (
            "{% macro a() %}{{ self::b() | yaml }}{% endmacro %}\n\
             {% macro b() %}{% if true %}{{ self::a() | yaml }}{% endif %}{% endmacro %}\n\
             kind: Service\n{{ self::a() | yaml }}\n",
            "macro `a` of `k8s/service.yaml.tera` → macro `b` of `k8s/service.yaml.tera` → macro `a` of `k8s/service.yaml.tera`",
        ),
    ] {
        let repo = Repo::with_config(SMALL);
        repo.write(SERVICE, text);
        refused(
            &repo,
            None,
            &["build"],
            &format!("error: template override `{SERVICE}:1` never ends: {path}"),
        );
    }
}

#[test]
fn a_huge_range_is_an_error_at_its_line_not_an_allocation_abort() {
    let repo = Repo::with_config(SMALL);
    repo.write(
        SERVICE,
        "apiVersion: v1\nkind: Service\n{% for i in range(end=200000000) %}\n# {{ i | yaml }}\n{% endfor %}\n",
    );
    refused(
        &repo,
        None,
        &["build"],
        &format!("error: template override `{SERVICE}:3` failed: "),
    )
    .stderr_has("`range` makes at most 10000 numbers; this one would make 200000000");
}

#[test]
fn loops_in_loops_and_values_that_double_run_into_the_work_limit() {
    for body in [
        "{% for a in range(end=10000) %}{% for b in range(end=10000) %}# x\n{% endfor %}{% endfor %}",
        "{% set s = 'x' %}{% for i in range(end=64) %}{% set_global s = s ~ s %}{% endfor %}{{ s | yaml }}",
    ] {
        let repo = Repo::with_config(SMALL);
        repo.write(SERVICE, &format!("apiVersion: v1\nkind: Service\n{body}\n"));
        refused(
            &repo,
            None,
            &["build"],
            &format!(
                "error: template override `{SERVICE}` does too much work: rendering `k8s/service.yaml.tera` \
                 went past kiln's limit of 67108864 units\n  = hint: a unit is about a byte of output or data"
            ),
        );
    }
}

#[test]
fn a_comment_cannot_smuggle_an_unescaped_value_into_a_config_map() {
    let config = SMALL.replace(
        "env = { LOG_LEVEL = \"info\" }",
        "env = { LOG_LEVEL = \"info\\nkind: Secret\\nmetadata:\\n  name: stolen\\nstringData:\\n  token: x\" }",
    );
    assert_ne!(config, SMALL);
    let repo = Repo::with_config(&config);
    // The bundled ConfigMap: the value is data, one document, one key.
    repo.kiln(&["build"]).success();
    let path = "deploy/dev/services/users/configmap.yaml";
    let text = repo.read(path);
    assert_eq!(
        serde_yaml::Deserializer::from_str(&text).count(),
        1,
        "{text}"
    );
    let map = repo.yaml(path);
    assert_eq!(map["kind"], "ConfigMap");
    assert_eq!(
        map["data"]["LOG_LEVEL"],
        "info\nkind: Secret\nmetadata:\n  name: stolen\nstringData:\n  token: x"
    );
    assert!(!text.contains("\nkind: Secret"), "{text}");
    // An override whose comments make a text scan think `{{ }}` is raw text
    // (kiln used to check the text, and wrote the Secret).
    let smuggled = bundled("k8s/configmap.yaml.tera").replace(
        "data:{{ service.env | yaml(indent=2) }}",
        "data:\n{# {% raw %} #}\n{% for key, value in service.env %}  {{ key }}: {{ value }}\n{% endfor %}\n{# {% endraw %} #}",
    );
    let line = smuggled
        .lines()
        .position(|l| l.contains("{{ key }}"))
        .unwrap()
        + 1;
    repo.write(".kiln/templates/k8s/configmap.yaml.tera", &smuggled);
    refused(
        &repo,
        None,
        &["build"],
        &format!(
            "error: `{{{{ key }}}}` in template override \
             `.kiln/templates/k8s/configmap.yaml.tera:{line}` does not go through `| yaml`"
        ),
    )
    .stderr_has(&format!(
        "error: `{{{{ value }}}}` in template override `.kiln/templates/k8s/configmap.yaml.tera:{line}`"
    ));
    assert!(!repo.read(path).contains("\nkind: Secret"));
}

#[test]
fn a_section_filter_that_could_undo_escaping_is_refused() {
    let repo = Repo::with_config(SMALL);
    repo.write(
        SERVICE,
        "apiVersion: v1\nkind: Service\nmetadata:\n{% filter replace(from='\"', to='') %}\n  name: {{ service.name | yaml }}\n{% endfilter %}\n",
    );
    refused(
        &repo,
        None,
        &["build"],
        &format!(
            "error: template override `{SERVICE}:4` runs `{{% filter replace %}}` over rendered text"
        ),
    );
}

#[test]
fn the_environment_the_clock_and_chance_are_not_available() {
    for function in ["get_env", "now", "get_random"] {
        let repo = Repo::with_config(SMALL);
        repo.write(
            SERVICE,
            &format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: {{{{ {function}(name=\"HOME\") | yaml }}}}\n"),
        );
        refused(
            &repo,
            None,
            &["build"],
            &format!(
                "error: template override `{SERVICE}:4` calls `{function}()`, which is not available in kiln templates\n  \
                 = hint: kiln's output depends only on kiln.toml and the templates"
            ),
        );
    }
}

#[test]
fn a_broken_override_included_by_a_bundled_template_is_named() {
    let repo = Repo::with_config(SMALL);
    repo.write(
        POD,
        "spec:\n  serviceAccountName: {{ service.acount | yaml }}\n",
    );
    refused(
        &repo,
        None,
        &["build"],
        &format!("error: template override `{POD}:2` failed: "),
    );
}

#[test]
fn every_problem_in_every_override_is_reported_at_once() {
    let repo = Repo::with_config(SMALL);
    repo.write(SERVICE, "kind: Service\nname: {{ service.name }}\n");
    repo.write(POD, "{{ get_env(name=\"TOKEN\") | yaml }}\n");
    repo.write(".kiln/templates/k8s/servce.yaml.tera", "kind: Service\n");
    let run = refused(
        &repo,
        None,
        &["build"],
        "\n3 problems in template overrides; nothing was written\n",
    );
    for part in [
        "error: `.kiln/templates/k8s/servce.yaml.tera` overrides no bundled template",
        "error: `{{ service.name }}` in template override `.kiln/templates/k8s/service.yaml.tera:2`",
        "error: template override `.kiln/templates/k8s/pod.yaml.tera:1` calls `get_env()`",
    ] {
        assert!(run.stderr.contains(part), "{part}\n{}", run.stderr);
    }
}

/// Every bundled template copied into `.kiln/templates` renders exactly what
/// the bundled one does: the limits and checks change nothing for a template
/// that keeps the rules.
#[test]
fn every_bundled_template_as_an_override_renders_the_same_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for example in ["examples/shop", "examples/platform"] {
        let config = std::fs::read_to_string(root.join(example).join("kiln.toml")).unwrap();
        let plain = Repo::with_config(&config);
        plain.kiln(&["build"]).success();
        let overridden = Repo::with_config(&config);
        let mut copied = 0;
        let mut pending = vec![root.join("templates")];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                    continue;
                }
                let name = path.strip_prefix(root.join("templates")).unwrap();
                let text = std::fs::read_to_string(&path).unwrap();
                overridden.write(&format!(".kiln/templates/{}", name.display()), &text);
                copied += 1;
            }
        }
        assert!(copied > 40);
        overridden.kiln(&["build"]).success();
        let generated = |repo: &Repo| -> BTreeMap<String, Vec<u8>> {
            repo.contents()
                .into_iter()
                .filter(|(path, _)| !path.starts_with(".kiln/") && path != "kiln.lock")
                .collect()
        };
        let (want, got) = (generated(&plain), generated(&overridden));
        assert!(want.len() > 100, "{example}: {}", want.len());
        assert_eq!(
            want.keys().collect::<Vec<_>>(),
            got.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &want {
            assert!(got[path] == *bytes, "{example}: {path} differs");
        }
        // The lock says which templates were overridden.
        assert!(
            overridden
                .read("kiln.lock")
                .contains("\".kiln/templates/k8s/deployment.yaml.tera\"")
        );
    }
}
