//! The pipelines' drift gate, run for real: the drift job's own shell
//! commands, taken from each generated pipeline, in a repo kiln just built,
//! with nothing else installed. Where `project.kiln` names a source, `docker`
//! and `cargo` are stand-ins that log how they were called and run this kiln.

use crate::{Repo, SMALL};
use serde_yaml::Value;
use std::path::PathBuf;
use std::process::Command;

/// SMALL with a pipeline for every CI system, and `extra` in `[project]`.
fn config(extra: &str) -> String {
    SMALL.replace(
        "registry = \"ghcr.io/acme/shop\"\n",
        &format!(
            "registry = \"ghcr.io/acme/shop\"\nci = [\"github\", \"gitlab\", \"jenkins\"]\n{extra}"
        ),
    )
}

const REV: &str = "0123456789abcdef0123456789abcdef01234567";
const DIGEST: &str = "sha256:89abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567";

/// A shell script's outcome.
struct Outcome {
    ok: bool,
    output: String,
}

/// One drift job as its CI system runs it: scripts in order, each in a
/// fresh shell, with the job's variables.
struct Job {
    system: &'static str,
    /// The shell and its flags each script runs with.
    shell: &'static [&'static str],
    env: Vec<(String, String)>,
    scripts: Vec<String>,
    /// The job runs in kiln's own image, which has kiln on its PATH.
    in_kiln_image: bool,
}

fn strings_of(map: &Value) -> Vec<(String, String)> {
    map.as_mapping()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            (
                k.as_str().unwrap().to_string(),
                v.as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The drift job of each pipeline in the repo.
fn drift_jobs(repo: &Repo) -> Vec<Job> {
    let workflow: Value = serde_yaml::from_str(&repo.read(".github/workflows/ci.yml")).unwrap();
    let job = &workflow["jobs"]["drift"];
    let mut env = strings_of(&job["env"]);
    let mut scripts = Vec::new();
    for step in job["steps"].as_sequence().unwrap() {
        if let Some(uses) = step["uses"].as_str()
            && !uses.starts_with("actions/")
        {
            // kiln's own action (`project.kiln.action`): its steps, as the runner runs them.
            let with = strings_of(&step["with"]).into_iter().collect();
            let event = crate::action::Event {
                name: "push".to_string(),
                ..Default::default()
            };
            for action_step in crate::action::steps(&with, &event) {
                let mut script = format!(
                    "export GITHUB_ACTION_PATH={}\n",
                    crate::action::quote(env!("CARGO_MANIFEST_DIR"))
                );
                for (name, value) in &action_step.env {
                    script.push_str(&format!("export {name}={}\n", crate::action::quote(value)));
                }
                script.push_str(&action_step.script);
                scripts.push(script);
            }
            continue;
        }
        if let Some(run) = step["run"].as_str() {
            // Step variables are the step's own; none of the drift steps has any.
            assert!(step.get("env").is_none(), "{step:?}");
            scripts.push(run.to_string());
        }
    }
    let github = Job {
        system: "github",
        // What GitHub runs a `run:` step with on Linux.
        shell: &["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"],
        env: std::mem::take(&mut env),
        scripts,
        in_kiln_image: false,
    };

    let pipeline: Value = serde_yaml::from_str(&repo.read(".gitlab-ci.yml")).unwrap();
    let drift = &pipeline["drift"];
    let lines: Vec<String> = drift["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    let gitlab = Job {
        system: "gitlab",
        // GitLab runs the script lines one after the other in one shell, stopping at the first failure.
        shell: &["sh", "-e", "-c"],
        env: strings_of(&drift["variables"]),
        scripts: vec![lines.join("\n")],
        in_kiln_image: drift["image"]["name"].is_string(),
    };

    let text = repo.read("Jenkinsfile");
    let stages = text
        .split("stage('")
        .filter(|s| s.starts_with("Drift"))
        .collect::<Vec<_>>();
    assert!(!stages.is_empty());
    let mut scripts = Vec::new();
    let mut env = Vec::new();
    for stage in stages {
        let stage = stage.split("\n        }\n").next().unwrap();
        let mut lines = stage.lines().map(str::trim);
        while let Some(line) = lines.next() {
            if line == "sh '''" {
                let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "'''").collect();
                scripts.push(body.join("\n"));
            } else if let Some(command) =
                line.strip_prefix("sh '").and_then(|l| l.strip_suffix('\''))
            {
                scripts.push(command.to_string());
            } else if let Some((name, value)) = line.split_once(" = ")
                && name.starts_with("KILN_")
            {
                // `'a' +` continued on the next lines: Groovy concatenation.
                let mut expression = value.to_string();
                while expression.ends_with('+') {
                    expression.push_str(lines.next().unwrap());
                }
                let literal: String = expression.split('\'').skip(1).step_by(2).collect();
                env.push((name.to_string(), literal));
            }
        }
    }
    let jenkins = Job {
        system: "jenkins",
        // Jenkins' `sh` step.
        shell: &["sh", "-xe", "-c"],
        env,
        scripts,
        in_kiln_image: false,
    };
    vec![github, gitlab, jenkins]
}

/// A directory of stand-ins: `docker` and `cargo` that log their arguments
/// and make `kiln` (this kiln) appear where the pipeline installs it.
struct Stubs {
    dir: tempfile::TempDir,
}

impl Stubs {
    fn new() -> Stubs {
        let dir = tempfile::tempdir().unwrap();
        let stub = |name: &str, body: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, format!("#!/bin/bash\nset -eu\n{body}")).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        // `docker run [--rm] [-v SRC:DST[:ro]]... [-w DIR] [--entrypoint E] IMAGE ARGS...`
        stub(
            "docker",
            r#"printf 'docker %s\n' "$*" >>"$STUB_LOG"
[ "$1" = run ] || { echo "stub docker: only run" >&2; exit 2; }
shift
workdir=/ entry="" mounts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rm) shift ;;
    -v) mounts+=("$2"); shift 2 ;;
    -w) workdir="$2"; shift 2 ;;
    --entrypoint) entry="$2"; shift 2 ;;
    -*) echo "stub docker: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
image="$1"; shift
host() {
  for m in "${mounts[@]}"; do
    IFS=: read -r src dst _ <<<"$m"
    if [ "$dst" = "$1" ]; then printf '%s' "$src"; return; fi
  done
  echo "stub docker: $1 is not mounted" >&2; exit 2
}
if [ "$entry" = kiln ]; then
  cd "$(host "$workdir")"
  exec "$KILN_BIN" "$@"
fi
[ "$1 $2" = "cargo install" ] || { echo "stub docker: unexpected $*" >&2; exit 2; }
root=""
while [ $# -gt 0 ]; do
  if [ "$1" = --root ]; then root="$2"; fi
  shift
done
mkdir -p "$(host "$root")/bin"
ln -sf "$KILN_BIN" "$(host "$root")/bin/kiln"
"#,
        );
        // `cargo install ... --root DIR ... kiln`: DIR/bin/kiln, when DIR is the test's.
        stub(
            "cargo",
            r#"printf 'cargo %s\n' "$*" >>"$STUB_LOG"
root=""
while [ $# -gt 0 ]; do
  if [ "$1" = --root ]; then root="$2"; fi
  shift
done
case "$root" in
  "$STUB_ROOT"/*) mkdir -p "$root/bin"; ln -sf "$KILN_BIN" "$root/bin/kiln" ;;
esac
"#,
        );
        Stubs { dir }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

fn kiln_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("kiln")
}

/// Runs a job's scripts in the repo, in order, as its CI system would; the
/// stand-ins only when `stubs` is given. Without them, PATH has only what a
/// runner image has: no kiln, no docker, no cargo.
fn run(repo: &Repo, job: &Job, stubs: Option<&Stubs>) -> Outcome {
    let temp = tempfile::tempdir().unwrap();
    let github_path = temp.path().join("github_path");
    std::fs::write(&github_path, "").unwrap();
    let system_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    let mut output = String::new();
    for script in &job.scripts {
        // Jenkins and GitLab paths kiln installs to, inside the test's temp dir.
        let script = script.replace("/tmp/kiln", &temp.path().join("gitlab").to_string_lossy());
        let added = std::fs::read_to_string(&github_path).unwrap();
        let mut path: Vec<String> = added.lines().rev().map(str::to_string).collect();
        if let Some(stubs) = stubs {
            path.push(stubs.dir.path().to_string_lossy().into_owned());
        }
        if job.in_kiln_image {
            let bin = temp.path().join("image-bin");
            std::fs::create_dir_all(&bin).unwrap();
            let _ = std::os::unix::fs::symlink(kiln_bin(), bin.join("kiln"));
            path.push(bin.to_string_lossy().into_owned());
        }
        path.push(system_path.to_string());
        // A checkout has no cache: it is machine-local and git-ignored.
        let _ = std::fs::remove_dir_all(repo.path().join(".kiln/cache"));
        let mut command = Command::new(job.shell[0]);
        command
            .args(&job.shell[1..])
            .arg(&script)
            .current_dir(repo.path())
            .env_clear()
            .env("PATH", path.join(":"))
            .env("HOME", temp.path())
            .env("RUNNER_TEMP", temp.path())
            .env("GITHUB_PATH", &github_path)
            .env("WORKSPACE", repo.path())
            .env("WORKSPACE_TMP", temp.path().join("workspace@tmp"))
            .env("KILN_BIN", kiln_bin())
            .env("NO_COLOR", "1")
            .envs(job.env.iter().map(|(k, v)| (k, v)));
        if let Some(stubs) = stubs {
            command
                .env("STUB_LOG", stubs.dir.path().join("log"))
                .env("STUB_ROOT", temp.path());
        }
        let result = command.output().unwrap();
        output.push_str(&String::from_utf8_lossy(&result.stdout));
        output.push_str(&String::from_utf8_lossy(&result.stderr));
        if !result.status.success() {
            return Outcome { ok: false, output };
        }
    }
    Outcome { ok: true, output }
}

#[track_caller]
fn all_pass(repo: &Repo, stubs: Option<&Stubs>) -> Vec<String> {
    drift_jobs(repo)
        .iter()
        .map(|job| {
            let outcome = run(repo, job, stubs);
            assert!(
                outcome.ok,
                "{} drift job failed:\n{}",
                job.system, outcome.output
            );
            outcome.output
        })
        .collect()
}

#[track_caller]
fn all_fail(repo: &Repo, expected: &str) {
    for job in drift_jobs(repo) {
        let outcome = run(repo, &job, None);
        assert!(
            !outcome.ok,
            "{} drift job passed:\n{}",
            job.system, outcome.output
        );
        assert!(
            outcome.output.contains(expected),
            "{}: no {expected:?} in\n{}",
            job.system,
            outcome.output
        );
    }
}

#[test]
fn the_drift_job_passes_on_a_fresh_build_and_fails_on_any_drift() {
    let repo = Repo::with_config(&config(""));
    repo.kiln(&["build"]).success();
    for output in all_pass(&repo, None) {
        assert!(
            output.contains("kiln drift: kiln.toml, 0 template overrides and "),
            "{output}"
        );
    }

    // A hand edit of a generated file.
    let deployment = "deploy/dev/services/users/deployment.yaml";
    let original = repo.read(deployment);
    repo.write(deployment, &original.replace("replicas: 1", "replicas: 4"));
    all_fail(&repo, &format!("{deployment}: FAILED"));
    repo.write(deployment, &original);
    all_pass(&repo, None);

    // kiln.toml edited, not rebuilt.
    let toml = repo.read("kiln.toml");
    repo.write("kiln.toml", &toml.replace("replicas = 3", "replicas = 4"));
    all_fail(&repo, "kiln.toml: FAILED");
    repo.kiln(&["build"]).success();
    all_pass(&repo, None);

    // A generated file deleted.
    std::fs::remove_file(repo.path().join("deploy/prod/services/db/statefulset.yaml")).unwrap();
    all_fail(&repo, "edited or deleted since `kiln build`");
    repo.kiln(&["build"]).success();
    all_pass(&repo, None);

    // A template override added, not rebuilt; then built with.
    repo.kiln(&["templates", "eject", "k8s/service.yaml.tera"])
        .success();
    all_fail(&repo, "> .kiln/templates/k8s/service.yaml.tera");
    repo.kiln(&["build"]).success();
    all_pass(&repo, None);
    let service = ".kiln/templates/k8s/service.yaml.tera";
    repo.write(service, &format!("{}# mine\n", repo.read(service)));
    all_fail(&repo, &format!("{service}: FAILED"));
    repo.kiln(&["build", "--force"]).success();
    all_pass(&repo, None);

    // An ejected file is the user's: editing it is no drift.
    repo.kiln(&["eject", deployment]).success();
    repo.write(deployment, &format!("{original}# mine\n"));
    all_pass(&repo, None);

    // The drift script is a file kiln wrote too, and checks itself (an edit
    // made to skip the checks is what `project.kiln`'s `kiln diff` is for).
    let script = repo.read(".kiln/drift.sh");
    repo.write(".kiln/drift.sh", &format!("{script}# tidied up\n"));
    all_fail(&repo, ".kiln/drift.sh: FAILED");
    repo.write(".kiln/drift.sh", &script);

    // A kiln.lock the script cannot read fails, never passes unread.
    let lock = repo.read("kiln.lock");
    repo.write("kiln.lock", &lock.replace("version = 2", "version = 9"));
    all_fail(&repo, "kiln.lock is missing or not as kiln");
    repo.write("kiln.lock", &lock.replace("[files.\"", "[files.'"));
    all_fail(&repo, "kiln.lock is missing or not as kiln");
    repo.write("kiln.lock", &lock);
    all_pass(&repo, None);
}

#[test]
fn without_project_kiln_the_pipelines_install_nothing() {
    let repo = Repo::with_config(&config(""));
    repo.kiln(&["build"]).success();
    for path in [".github/workflows/ci.yml", ".gitlab-ci.yml", "Jenkinsfile"] {
        let text = repo.read(path);
        for never in ["cargo install", "kiln@", "kiln check", "kiln diff"] {
            assert!(!text.contains(never), "{path} has {never:?}");
        }
    }
    // `kiln check` says what to set.
    repo.kiln(&["check"])
        .success()
        .stdout_has("note: `project.kiln` is not set, so the CI drift job only checks")
        .stdout_has("kiln = { git = \"https://...\", rev = \"<commit sha>\" }");
    // Without pipelines, there is nothing to say.
    let repo = Repo::with_config(SMALL);
    let run = repo.kiln(&["check"]).success();
    assert!(!run.stdout.contains("project.kiln"), "{}", run.stdout);
}

/// With a source, the drift job runs the drift script, then `kiln check`,
/// `kiln build --dry-run` and `kiln diff --exit-code` with that kiln; a
/// fresh build passes them all, a stale one fails in `kiln diff`.
#[test]
fn with_project_kiln_the_drift_job_runs_kiln_from_that_source() {
    let git =
        format!("kiln = {{ git = \"https://git.example.com/acme/kiln.git\", rev = \"{REV}\" }}\n");
    let image = format!("kiln = {{ image = \"registry.example.com/kiln:0.1.0@{DIGEST}\" }}\n");
    let registry =
        "kiln = { version = \"0.1.0\", index = \"sparse+https://cargo.example.com/index/\" }\n"
            .to_string();
    let action = format!("kiln = {{ action = \"acme/kiln@{REV}\" }}\n");
    for (source, expected) in [
        (
            &git,
            vec![
                "--locked --root /kiln --git https://git.example.com/acme/kiln.git --rev 0123456789abcdef0123456789abcdef01234567 kiln",
                "--locked --root ",
            ],
        ),
        (
            &registry,
            vec![
                "--locked --root /kiln --index sparse+https://cargo.example.com/index/ --version =0.1.0 kiln",
            ],
        ),
        (
            &action,
            vec![
                // GitHub: the action builds its own commit; the others build it from GitHub.
                &format!("--git https://github.com/acme/kiln --rev {REV} kiln"),
                &format!("--path {}", env!("CARGO_MANIFEST_DIR")),
            ],
        ),
        (
            &image,
            vec![&format!(
                "--entrypoint kiln registry.example.com/kiln:0.1.0@{DIGEST} diff --exit-code"
            )],
        ),
    ] {
        let repo = Repo::with_config(&config(source));
        repo.kiln(&["build"]).success();
        let check = repo.kiln(&["check"]).success().stdout_has("is valid");
        assert!(!check.stdout.contains("note:"), "{}", check.stdout);
        let stubs = Stubs::new();
        for job in drift_jobs(&repo) {
            let outcome = run(&repo, &job, Some(&stubs));
            assert!(outcome.ok, "{}: {}\n{}", job.system, source, outcome.output);
            let output = &outcome.output;
            assert!(output.contains("kiln drift: kiln.toml, "), "{output}");
            assert!(output.contains("kiln.toml is valid"), "{output}");
            // The action runs `kiln check` and `kiln diff --exit-code` only.
            if !(job.system == "github" && source == &action) {
                assert!(output.contains("dry run: "), "{output}");
            }
        }
        let log = stubs.log();
        for call in &expected {
            assert!(log.contains(call), "{source}: no {call:?} in\n{log}");
        }
        for line in log.lines() {
            assert!(
                line.contains(" --locked ") || line.starts_with("docker run --rm -v"),
                "{line}"
            );
        }

        // kiln.toml edited without a rebuild: the script fails first.
        let toml = repo.read("kiln.toml");
        repo.write("kiln.toml", &toml.replace("replicas = 3", "replicas = 4"));
        for job in drift_jobs(&repo) {
            let outcome = run(&repo, &job, Some(&stubs));
            assert!(!outcome.ok, "{}: {}", job.system, outcome.output);
            assert!(
                outcome.output.contains("kiln.toml: FAILED"),
                "{}",
                outcome.output
            );
        }
    }
}

#[test]
fn project_kiln_is_pinned_and_validated_where_it_is_written() {
    let cases = [
        (
            "kiln = { git = \"https://git.example.com/kiln.git\" }",
            "`project.kiln.git` needs `rev` beside it",
        ),
        (
            "kiln = { git = \"https://git.example.com/kiln.git\", rev = \"main\" }",
            "`main` in `project.kiln.rev` is not a pinned commit",
        ),
        (
            "kiln = { git = \"http://git.example.com/kiln.git\", rev = \"0123456789abcdef0123456789abcdef01234567\" }",
            "`http://git.example.com/kiln.git` in `project.kiln.git` is not a pinned git repository URL",
        ),
        (
            "kiln = { git = \"https://user:secret@git.example.com/kiln.git\", rev = \"0123456789abcdef0123456789abcdef01234567\" }",
            "in `project.kiln.git` is not a pinned git repository URL",
        ),
        (
            "kiln = { image = \"ghcr.io/acme/kiln:0.1.0\" }",
            "`ghcr.io/acme/kiln:0.1.0` in `project.kiln.image` is not a pinned image",
        ),
        (
            "kiln = { version = \"^0.1\", index = \"sparse+https://cargo.example.com/\" }",
            "`^0.1` in `project.kiln.version` is not a pinned version",
        ),
        (
            "kiln = { version = \"0.1.0\" }",
            "`project.kiln.version` needs `index` beside it",
        ),
        (
            "kiln = { rev = \"0123456789abcdef0123456789abcdef01234567\" }",
            "`project.kiln.rev` only applies with `git`",
        ),
        (
            "kiln = { image = \"ghcr.io/acme/kiln@sha256:89abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567\", version = \"0.1.0\", index = \"https://cargo.example.com/\" }",
            "`project.kiln` sets `image` and `version`: CI can get kiln from one source only",
        ),
        (
            "kiln = {}",
            "`project.kiln` says nothing about where CI gets kiln",
        ),
        (
            "kiln = { tag = \"v0.1.0\" }",
            "unknown key `project.kiln.tag`",
        ),
    ];
    for (line, expected) in cases {
        let repo = Repo::with_config(&config(&format!("{line}\n")));
        let before = repo.files();
        let run = repo.kiln(&["build"]).fails_with(2).stderr_has(expected);
        // Located: the line of `kiln = ...` in `[project]`.
        assert!(
            run.stderr.contains(" --> kiln.toml:6:"),
            "{line}:\n{}",
            run.stderr
        );
        repo.assert_untouched(&before);
    }
    // Every problem at once, and `project.kiln` needs a pipeline to run in.
    let repo = Repo::with_config(&SMALL.replace(
        "registry = \"ghcr.io/acme/shop\"\n",
        "registry = \"ghcr.io/acme/shop\"\nkiln = { git = \"https://git.example.com/kiln.git\", rev = \"abc\" }\n",
    ));
    repo.kiln(&["check"])
        .fails_with(2)
        .stderr_has("`project.kiln` only applies when `project.ci` names a CI system")
        .stderr_has("`abc` in `project.kiln.rev` is not a pinned commit")
        .stderr_has("2 problems");
}

#[test]
fn the_drift_script_names_exactly_the_inputs_kiln_read() {
    let repo = Repo::with_config(&config(""));
    repo.kiln(&["templates", "eject", "k8s/pdb.yaml.tera"])
        .success();
    repo.kiln(&["build"]).success();
    let script = repo.read(".kiln/drift.sh");
    let hash = |path: &str| {
        use sha2::Digest;
        let bytes = std::fs::read(repo.path().join(path)).unwrap();
        sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    for path in ["kiln.toml", ".kiln/templates/k8s/pdb.yaml.tera"] {
        let line = format!("printf '%s  %s\\n' '{}' '{path}'", hash(path));
        assert!(script.contains(&line), "{line}\n{script}");
    }
    assert!(script.contains("kiln_version='0.1.0'"));
    assert_eq!(
        repo.read("kiln.lock").lines().nth(2),
        Some("version = 2"),
        "the script reads this lock version"
    );
    assert!(script.contains("awk -v version='2'"));
}
