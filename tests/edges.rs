//! The edges of the CLI: numbers Kubernetes cannot store, inputs from
//! outside the work tree (`--base`, `--against`), diff filters that name
//! nothing, and a standard output that goes away or fills up.

use crate::{Repo, SMALL, built};
use std::io::Read;
use std::process::{Command, Stdio};

/// SMALL with `extra` added to its `users` service.
fn users_with(extra: &str) -> String {
    SMALL.replace(
        "route = \"/users\"\n",
        &format!("route = \"/users\"\n{extra}\n"),
    )
}

#[track_caller]
fn refused(config: &str, expected: &[&str]) {
    let repo = Repo::with_config(config);
    let before = repo.files();
    let run = repo.kiln(&["build"]).fails_with(2);
    for text in expected {
        assert!(
            run.stderr.contains(text),
            "stderr lacks {text:?}:\n{}",
            run.stderr
        );
    }
    repo.assert_untouched(&before);
}

#[test]
fn counts_kubernetes_stores_as_int32_are_refused_above_it() {
    refused(
        &users_with("replicas = 4294967295"),
        &[
            "error: `services.users.replicas` must be from 0 to 2147483647, not 4294967295\n",
            "--> kiln.toml:15:12",
        ],
    );
    refused(
        &SMALL.replace("replicas = 3", "autoscale = { min = 2, max = 2147483648 }"),
        &[
            "error: `environments.prod.autoscale.max` must be from 1 to 2147483647, not 2147483648\n",
        ],
    );
    refused(
        &users_with("connection_pool = { max_requests = 3000000000 }"),
        &[
            "error: `services.users.connection_pool.max_requests` must be from 0 to 2147483647, \
             not 3000000000\n",
        ],
    );
    refused(
        &users_with("replicas = -1"),
        &["error: `services.users.replicas` must be from 0 to 2147483647, not -1\n"],
    );
    // The largest int32 is a count like any other.
    let repo = built(&users_with("replicas = 2147483647"));
    assert_eq!(
        repo.yaml("deploy/dev/services/users/deployment.yaml")["spec"]["replicas"],
        2147483647
    );
}

#[test]
fn quantities_kubernetes_would_cap_are_refused() {
    refused(
        &users_with("memory = \"99999999999999999999999999Ei\""),
        &[
            "error: `99999999999999999999999999Ei` in `services.users.memory` is more memory than Kubernetes can hold",
            "a quantity holds at most 9223372036854775807 bytes",
        ],
    );
    refused(
        &users_with("cpu = \"9223372036854775808\""),
        &["in `services.users.cpu` is more cpu than Kubernetes can hold"],
    );
    refused(
        &SMALL.replace("storage = \"5Gi\"", "storage = \"9Ei\""),
        &["`9Ei` in `services.db.storage` is more storage than Kubernetes can hold"],
    );
    // Each value fits, but what kiln derives from it would not.
    refused(
        &users_with("memory = \"5Ei\""),
        &[
            "`services.users.memory` is so large that its default limit, twice the request, is more than Kubernetes can hold",
            "set `memory_limit`",
        ],
    );
    refused(
        &users_with("memory = \"3Ei\""),
        &[
            "the pods of `environments.prod` together need more memory than a Kubernetes quantity can hold",
        ],
    );
}

#[test]
fn a_config_at_a_revision_has_the_same_size_limit() {
    let padding = format!("# {}\n", "x".repeat(100)).repeat(42_000);
    let repo = crate::diff::committed(&format!("{SMALL}{padding}"));
    repo.write("kiln.toml", SMALL);
    let bytes = SMALL.len() + padding.len();
    assert!(bytes as u64 > kiln::config::limits::MAX_CONFIG_BYTES);
    repo.kiln(&["diff", "--base", "HEAD"])
        .fails_with(2)
        .stderr_has(&format!(
            "error: `kiln.toml at HEAD` is {bytes} bytes; kiln reads at most 4194304\n"
        ));
}

#[test]
fn against_must_name_a_directory() {
    let repo = built(SMALL);
    let missing = repo.path().join("no-such-dir");
    repo.kiln(&["diff", "--against", missing.to_str().unwrap()])
        .fails_with(2)
        .stderr_has(&format!(
            "error: cannot compare with `{}`: it does not exist\n  = hint: `--against` takes a directory",
            missing.display()
        ));
    repo.kiln(&["diff", "--against", "kiln.toml"])
        .fails_with(2)
        .stderr_has("error: cannot compare with `kiln.toml`: it is not a directory");
    let other = built(SMALL);
    repo.kiln(&["diff", "--against", other.path().to_str().unwrap()])
        .success()
        .stdout_has("no differences");
}

#[test]
fn a_diff_filter_that_names_nothing_is_an_error() {
    let repo = built(SMALL);
    let cold = || std::fs::remove_dir_all(repo.path().join(".kiln/cache")).ok();
    // With the cache of the last build, and without it.
    for prepare in [&(|| None) as &dyn Fn() -> Option<()>, &cold] {
        prepare();
        repo.kiln(&["diff", "--env", "prdo"])
            .fails_with(2)
            .stderr_has(
                "error: unknown environment `prdo` in `--env`: there is nothing to compare\n  \
                 = hint: did you mean `prod`? the environments are `dev`, `prod`\n",
            );
        repo.kiln(&["diff", "--service", "userz", "--env", "dev"])
            .fails_with(2)
            .stderr_has("error: unknown service `userz` in `--service`")
            .stderr_has("did you mean `users`? the services are `db`, `users`");
        repo.kiln(&["diff", "--env", "prod", "--service", "db"])
            .success();
    }
    let other = built(SMALL);
    repo.kiln(&[
        "diff",
        "--against",
        other.path().to_str().unwrap(),
        "--env",
        "qa",
    ])
    .fails_with(2)
    .stderr_has("error: unknown environment `qa` in `--env`")
    .stderr_has("= hint: the environments are `dev`, `prod`");
}

#[test]
fn an_environment_only_the_base_has_can_be_filtered_on() {
    let with_staging = SMALL.replace(
        "[environments.prod]",
        "[environments.staging]\n[environments.prod]",
    );
    let repo = crate::diff::committed(&with_staging);
    repo.write("kiln.toml", SMALL);
    let run = repo
        .kiln(&["diff", "--base", "HEAD", "--env", "staging", "--stat"])
        .fails_with(1);
    assert!(run.stdout.contains("deploy/staging/"), "{}", run.stdout);
}

fn kiln_in(repo: &Repo, args: &[&str]) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin!("kiln"));
    command
        .args(args)
        .current_dir(repo.path())
        .env("NO_COLOR", "1");
    command
}

/// Runs kiln with a standard output whose reader is gone before kiln writes.
fn with_reader_gone(repo: &Repo, args: &[&str]) -> (i32, String) {
    let mut child = kiln_in(repo, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), stderr)
}

#[test]
fn a_reader_that_goes_away_is_no_failure() {
    let repo = Repo::with_config(SMALL);
    let (code, stderr) = with_reader_gone(&repo, &["build"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(repo.exists("kiln.lock") && repo.exists("deploy/prod/services/users/deployment.yaml"));
    repo.kiln(&["diff"]).success();
    // Each command still exits with its own code.
    repo.write("kiln.toml", &SMALL.replace("1.4.2", "1.4.3"));
    assert_eq!(with_reader_gone(&repo, &["diff"]), (1, String::new()));
    assert_eq!(with_reader_gone(&repo, &["check"]), (0, String::new()));
    let (code, stderr) = with_reader_gone(&repo, &["completions", "bash"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let (code, stderr) = with_reader_gone(&repo, &["diff", "--env", "prdo"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: unknown environment `prdo`"),
        "{stderr}"
    );
}

#[test]
fn kiln_build_piped_into_head_exits_zero() {
    // More report than a pipe holds, so kiln meets the closed pipe for sure.
    let mut config = String::from(
        "[project]\nname = \"big\"\nregistry = \"ghcr.io/acme/big\"\n[environments.dev]\n[environments.prod]\n",
    );
    for i in 0..100 {
        config.push_str(&format!(
            "[services.svc{i}]\nlanguage = \"go\"\nversion = \"1.0.{i}\"\nport = 8080\n"
        ));
    }
    let repo = Repo::with_config(&config);
    let output = Command::new("sh")
        .arg("-c")
        .arg("{ \"$KILN\" build; echo $? > status; } | head -0")
        .env("KILN", assert_cmd::cargo::cargo_bin!("kiln"))
        .current_dir(repo.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(repo.read("status"), "0\n");
    assert!(repo.exists("kiln.lock") && repo.exists("deploy/prod/services/svc99/deployment.yaml"));
}

#[test]
fn a_full_standard_output_is_an_error_after_the_work_is_done() {
    let repo = Repo::with_config(SMALL);
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let output = kiln_in(&repo, &["build"])
        .stdout(Stdio::from(full))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: cannot write to standard output: No space left on device (os error 28)\n"
    );
    assert!(repo.exists("kiln.lock"));
    repo.kiln(&["diff"]).success().stdout_has("no differences");
}
