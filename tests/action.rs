//! kiln's GitHub Action (action.yml), run for real: each step's script in
//! bash as a runner runs it, with its inputs and contexts evaluated the
//! way the runner would, in a repo kiln built. `cargo`, `curl`, `gh` and
//! `git fetch` are stand-ins that log their calls; kiln is this kiln.

use crate::{Repo, SMALL, built};
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The contexts a step's expressions read.
#[derive(Default, Clone)]
pub struct Event {
    pub name: String,
    /// `github.event.…` values, by path after `github.event.`.
    pub values: BTreeMap<String, String>,
}

/// `value` as one single-quoted shell word.
pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

/// One `run:` step of the action, ready to run.
pub struct Step {
    pub name: String,
    pub script: String,
    pub env: Vec<(String, String)>,
}

fn action() -> Value {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml"))
        .expect("action.yml");
    serde_yaml::from_str(&text).expect("action.yml is YAML")
}

/// The value of one `${{ … }}` expression; an expression the harness does
/// not know fails the test rather than being skipped.
fn evaluate(expression: &str, with: &BTreeMap<String, String>, event: &Event) -> String {
    let expression = expression.trim();
    if let Some(input) = expression.strip_prefix("inputs.") {
        if let Some(value) = with.get(input) {
            return value.clone();
        }
        let default = action()["inputs"][input]["default"]
            .as_str()
            .unwrap_or_else(|| panic!("action.yml has no input {input}"))
            .to_string();
        return substitute(&default, with, event);
    }
    match expression {
        "github.token" => "test-token".to_string(),
        "github.event_name" => event.name.clone(),
        _ => match expression.strip_prefix("github.event.") {
            Some(path) => event.values.get(path).cloned().unwrap_or_default(),
            None => panic!("the harness cannot evaluate ${{{{ {expression} }}}}"),
        },
    }
}

/// `text` with every `${{ … }}` replaced by its value.
fn substitute(text: &str, with: &BTreeMap<String, String>, event: &Event) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        out.push_str(&evaluate(&rest[start + 3..end], with, event));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// An `if:` of the action: `a == 'b'` terms joined by `&&`.
fn condition(text: &str, with: &BTreeMap<String, String>, event: &Event) -> bool {
    text.split("&&").all(|term| {
        let (left, right) = term
            .split_once("==")
            .unwrap_or_else(|| panic!("the harness cannot evaluate `if: {text}`"));
        let right = right.trim();
        let literal = right
            .strip_prefix('\'')
            .and_then(|r| r.strip_suffix('\''))
            .unwrap_or_else(|| panic!("the harness cannot evaluate `if: {text}`"));
        evaluate(left, with, event) == literal
    })
}

/// The steps the runner would run with these inputs, in order.
pub fn steps(with: &BTreeMap<String, String>, event: &Event) -> Vec<Step> {
    let action = action();
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    for key in with.keys() {
        assert!(
            action["inputs"].get(key.as_str()).is_some(),
            "action.yml has no input `{key}`"
        );
    }
    let mut steps = Vec::new();
    for step in action["runs"]["steps"].as_sequence().unwrap() {
        assert_eq!(step["shell"].as_str(), Some("bash"), "{step:?}");
        if let Some(test) = step["if"].as_str()
            && !condition(test, with, event)
        {
            continue;
        }
        let env = step["env"]
            .as_mapping()
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                (
                    k.as_str().unwrap().to_string(),
                    substitute(v.as_str().unwrap(), with, event),
                )
            })
            .collect();
        let script = step["run"].as_str().expect("every step runs a script");
        assert!(
            !script.contains("${{"),
            "values reach scripts through env, never inline: {script}"
        );
        steps.push(Step {
            name: step["name"].as_str().unwrap().to_string(),
            script: script.to_string(),
            env,
        });
    }
    steps
}

/// Stand-ins for the runner's tools, logging each call to `log`.
struct Runner {
    temp: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let runner = Runner {
            temp: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(runner.bin()).unwrap();
        std::fs::write(runner.temp.path().join("github_path"), "").unwrap();
        // `cargo install --locked --root DIR --path SRC`: DIR/bin/kiln, this kiln.
        runner.stub(
            "cargo",
            r#"printf 'cargo %s\n' "$*" >>"$STUB_LOG"
root=""
while [ $# -gt 0 ]; do
  if [ "$1" = --root ]; then root="$2"; fi
  shift
done
mkdir -p "$root/bin"
ln -sf "$KILN_BIN" "$root/bin/kiln"
"#,
        );
        // `curl ... --output FILE URL`: FILE from $RELEASES/<last part of URL>.
        runner.stub(
            "curl",
            r#"printf 'curl %s\n' "$*" >>"$STUB_LOG"
out=""
while [ $# -gt 1 ]; do
  if [ "$1" = --output ]; then out="$2"; fi
  shift
done
[ -f "$RELEASES/${1##*/}" ] || { echo "curl: (22) 404 for $1" >&2; exit 22; }
cp "$RELEASES/${1##*/}" "$out"
"#,
        );
        // `gh api ...`: no comments yet; POST and PATCH keep the body they send.
        runner.stub(
            "gh",
            r#"printf 'gh %s\n' "$*" >>"$STUB_LOG"
for arg in "$@"; do
  case "$arg" in body=@*) cp "${arg#body=@}" "$STUB_BODY" ;; esac
done
"#,
        );
        runner
    }

    fn bin(&self) -> PathBuf {
        self.temp.path().join("bin")
    }

    fn stub(&self, name: &str, body: &str) {
        let path = self.bin().join(name);
        std::fs::write(&path, format!("#!/bin/bash\nset -eu\n{body}")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.temp.path().join("log")).unwrap_or_default()
    }

    fn body(&self) -> String {
        std::fs::read_to_string(self.temp.path().join("body")).unwrap_or_default()
    }

    /// Runs `steps` in `repo` in order, as GitHub runs a composite action's
    /// bash steps; stops at the first that fails. Returns whether all
    /// passed, and the output.
    fn run(&self, repo: &Path, steps: &[Step], releases: &Path) -> (bool, String) {
        let mut output = String::new();
        let github_path = self.temp.path().join("github_path");
        for step in steps {
            let added = std::fs::read_to_string(&github_path).unwrap();
            let mut path: Vec<String> = added.lines().rev().map(str::to_string).collect();
            path.push(self.bin().to_string_lossy().into_owned());
            path.push("/usr/local/bin:/usr/bin:/bin".to_string());
            let result = Command::new("bash")
                .args(["--noprofile", "--norc", "-e", "-o", "pipefail", "-c"])
                .arg(&step.script)
                .current_dir(repo)
                .env_clear()
                .env("PATH", path.join(":"))
                .env("HOME", self.temp.path())
                .env("RUNNER_TEMP", self.temp.path())
                .env("RUNNER_OS", "Linux")
                .env("RUNNER_ARCH", "X64")
                .env("GITHUB_PATH", &github_path)
                .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
                .env("GITHUB_SERVER_URL", "https://github.com")
                .env("GITHUB_REPOSITORY", "acme/shop")
                .env("KILN_BIN", assert_cmd::cargo::cargo_bin("kiln"))
                .env("STUB_LOG", self.temp.path().join("log"))
                .env("STUB_BODY", self.temp.path().join("body"))
                .env("RELEASES", releases)
                .env("NO_COLOR", "1")
                .envs(step.env.iter().map(|(k, v)| (k, v)))
                .output()
                .unwrap();
            output.push_str(&format!("==> {}\n", step.name));
            output.push_str(&String::from_utf8_lossy(&result.stdout));
            output.push_str(&String::from_utf8_lossy(&result.stderr));
            if !result.status.success() {
                return (false, output);
            }
        }
        (true, output)
    }
}

fn inputs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn push() -> Event {
    Event {
        name: "push".to_string(),
        ..Event::default()
    }
}

#[test]
fn the_action_builds_kiln_from_its_commit_checks_and_gates() {
    let repo = built(SMALL);
    let runner = Runner::new();
    let steps = steps(&inputs(&[]), &push());
    assert_eq!(steps.len(), 3, "install, check, gate");
    let (ok, output) = runner.run(repo.path(), &steps, repo.path());
    assert!(ok, "{output}");
    assert!(output.contains("kiln.toml is valid"), "{output}");
    let log = runner.log();
    assert!(
        log.contains(&format!(
            "cargo install --locked --root {}/kiln-action --path {}",
            runner.temp.path().display(),
            env!("CARGO_MANIFEST_DIR")
        )),
        "{log}"
    );

    // kiln.toml edited, not built: the gate fails, and says what to do.
    repo.write(
        "kiln.toml",
        &repo
            .read("kiln.toml")
            .replace("replicas = 3", "replicas = 4"),
    );
    let (ok, output) = Runner::new().run(repo.path(), &steps, repo.path());
    assert!(!ok, "{output}");
    assert!(
        output.contains("::error title=kiln::the generated files are not what kiln.toml generates"),
        "{output}"
    );

    // A broken kiln.toml stops at the check, as annotations.
    repo.write(
        "kiln.toml",
        &SMALL.replace("replicas = 3", "replicas = \"x\""),
    );
    let (ok, output) = Runner::new().run(repo.path(), &steps, repo.path());
    assert!(
        !ok && output.contains("::error file=kiln.toml,line="),
        "{output}"
    );
    assert!(!output.contains("==> Fail if deploy/"), "{output}");
}

#[test]
fn the_action_in_a_subdirectory_checks_that_directory() {
    let repo = Repo::new();
    repo.write("apps/shop/kiln.toml", SMALL);
    repo.kiln(&["build", "--dir", "apps/shop"]).success();
    let steps = steps(&inputs(&[("working-directory", "apps/shop")]), &push());
    let (ok, output) = Runner::new().run(repo.path(), &steps, repo.path());
    assert!(ok, "{output}");
    assert!(output.contains("apps/shop/kiln.toml is valid"), "{output}");
}

/// A release archive as release.yml makes it, and its `.sha256`.
fn release(dir: &Path, version: &str, target: &str) -> String {
    let name = format!("kiln-{version}-{target}");
    let staging = dir.join("staging").join(&name);
    std::fs::create_dir_all(&staging).unwrap();
    std::fs::copy(assert_cmd::cargo::cargo_bin("kiln"), staging.join("kiln")).unwrap();
    let archive = format!("{name}.tar.gz");
    let status = Command::new("tar")
        .arg("-czf")
        .arg(dir.join(&archive))
        .arg("-C")
        .arg(dir.join("staging"))
        .arg(&name)
        .status()
        .unwrap();
    assert!(status.success());
    let sum = Command::new("sha256sum")
        .arg(&archive)
        .current_dir(dir)
        .output()
        .unwrap();
    std::fs::write(dir.join(format!("{archive}.sha256")), &sum.stdout).unwrap();
    String::from_utf8(sum.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn the_action_installs_a_release_only_when_its_sha256_matches() {
    let repo = built(SMALL);
    let releases = tempfile::tempdir().unwrap();
    let sha = release(releases.path(), "0.1.0", "x86_64-unknown-linux-musl");
    let runner = Runner::new();
    let install = &steps(&inputs(&[("version", "0.1.0")]), &push())[..1];
    let (ok, output) = runner.run(repo.path(), install, releases.path());
    assert!(ok, "{output}");
    let log = runner.log();
    // From the repository Cargo.toml names, at the tag release.yml runs on.
    assert!(
        log.contains("https://github.com/kiln-rs/kiln/releases/download/v0.1.0/kiln-0.1.0-x86_64-unknown-linux-musl.tar.gz"),
        "{log}"
    );
    let added = std::fs::read_to_string(runner.temp.path().join("github_path")).unwrap();
    let bin = PathBuf::from(added.trim()).join("kiln");
    assert!(bin.is_file(), "{added}");

    // Pinned by the sha256 input: the release's own .sha256 is not read.
    let runner = Runner::new();
    let pinned = &steps(&inputs(&[("version", "0.1.0"), ("sha256", &sha)]), &push())[..1];
    let (ok, output) = runner.run(repo.path(), pinned, releases.path());
    assert!(ok && !runner.log().contains(".sha256"), "{output}");

    // Another archive than the one pinned: refused, nothing on the PATH.
    let runner = Runner::new();
    let wrong = "0".repeat(64);
    let refused = &steps(
        &inputs(&[("version", "0.1.0"), ("sha256", &wrong)]),
        &push(),
    )[..1];
    let (ok, output) = runner.run(repo.path(), refused, releases.path());
    assert!(!ok, "{output}");
    assert!(
        output.contains(&format!("has sha256 {sha}, not {wrong}: not installed")),
        "{output}"
    );
    let added = std::fs::read_to_string(runner.temp.path().join("github_path")).unwrap();
    assert!(added.is_empty(), "{added}");

    // A version that is not one is refused before any download.
    let runner = Runner::new();
    let odd = &steps(&inputs(&[("version", "latest")]), &push())[..1];
    let (ok, output) = runner.run(repo.path(), odd, releases.path());
    assert!(!ok && output.contains("not a kiln release"), "{output}");
    assert!(runner.log().is_empty());
}

#[test]
fn the_action_comments_what_a_pull_request_changes() {
    let repo = built(SMALL);
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(repo.path())
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
        String::from_utf8(status.stdout).unwrap()
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "base"]);
    let base = git(&["rev-parse", "HEAD"]).trim().to_string();
    repo.kiln(&["set", "environments.prod.replicas", "4"])
        .success();
    git(&["commit", "-qam", "four"]);
    let event = |head: &str| Event {
        name: "pull_request".to_string(),
        values: [
            ("pull_request.base.sha", base.as_str()),
            ("pull_request.number", "7"),
            ("pull_request.head.repo.full_name", head),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    };
    let with = inputs(&[("comment", "true")]);
    let runner = Runner::new();
    let (ok, output) = runner.run(repo.path(), &steps(&with, &event("acme/shop")), repo.path());
    assert!(ok, "{output}");
    let log = runner.log();
    assert!(
        log.contains("gh api --paginate repos/acme/shop/issues/7/comments"),
        "{log}"
    );
    assert!(
        log.contains("gh api --method POST repos/acme/shop/issues/7/comments -F body=@"),
        "{log}"
    );
    let body = runner.body();
    assert!(
        body.starts_with("<!-- kiln diff -->\n### kiln diff\n"),
        "{body}"
    );
    assert!(
        body.contains("deploy/prod/services/users/deployment.yaml"),
        "{body}"
    );
    assert!(body.contains("spec.replicas: 3 → 4"), "{body}");

    // From a fork the token cannot comment: the log has the diff instead.
    let runner = Runner::new();
    let (ok, output) = runner.run(
        repo.path(),
        &steps(&with, &event("someone/shop")),
        repo.path(),
    );
    assert!(ok, "{output}");
    assert!(!runner.log().contains("gh api"), "{}", runner.log());
    assert!(
        output.contains("deploy/prod/services/users/deployment.yaml"),
        "{output}"
    );

    // Without `comment`, or on a push, there is no comment step at all.
    for (with, event) in [(inputs(&[]), event("acme/shop")), (with.clone(), push())] {
        assert!(
            steps(&with, &event)
                .iter()
                .all(|s| !s.name.starts_with("Comment"))
        );
    }
}

#[test]
fn the_action_with_check_false_only_installs_kiln() {
    let steps = steps(&inputs(&[("check", "false")]), &push());
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Install kiln"]);
}

#[test]
fn every_workflow_that_uses_the_action_passes_only_its_inputs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let action = action();
    for file in [".github/workflows/ci.yml", "examples/bots/kiln-build.yml"] {
        let workflow: Value =
            serde_yaml::from_str(&std::fs::read_to_string(root.join(file)).unwrap()).unwrap();
        let mut used = 0;
        for (_, job) in workflow["jobs"].as_mapping().unwrap() {
            for step in job["steps"].as_sequence().unwrap() {
                let Some(uses) = step["uses"].as_str() else {
                    continue;
                };
                if uses == "./" || uses.starts_with("acme/kiln@") {
                    used += 1;
                    for (key, _) in step["with"].as_mapping().into_iter().flatten() {
                        let key = key.as_str().unwrap();
                        assert!(
                            action["inputs"].get(key).is_some(),
                            "{file}: no input {key}"
                        );
                    }
                }
            }
        }
        assert!(used > 0, "{file} does not use the action");
    }
}
