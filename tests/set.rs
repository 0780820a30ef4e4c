//! `kiln set KEY VALUE`: one value of kiln.toml changes, everything else
//! in the file stays byte for byte, a bad value changes nothing, and the
//! build that follows reflects the change.

use crate::{SMALL, built};

/// SMALL with comments and an odd layout that an edit must keep.
fn commented() -> String {
    SMALL
        .replace(
            "[project]\n",
            "# The shop: one web service and its database.\n[project]\n",
        )
        .replace(
            "version = \"1.4.2\"\n",
            "version = \"1.4.2\"   # bumped by the release bot\n",
        )
        .replace("port = 8080\n", "port    = 8080\n\n\n# routed at /users\n")
}

/// The lines of `before` and `after` that differ, side by side; the files
/// must have as many lines.
fn changed_lines(before: &str, after: &str) -> Vec<(String, String)> {
    let (old, new): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    assert_eq!(old.len(), new.len(), "lines came or went:\n{after}");
    old.iter()
        .zip(&new)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The lines `after` has and `before` does not, in order; nothing of
/// `before` may be gone.
fn added_lines(before: &str, after: &str) -> Vec<String> {
    let mut old = before.lines().peekable();
    let mut added = Vec::new();
    for line in after.lines() {
        if old.peek() == Some(&line) {
            old.next();
        } else {
            added.push(line.to_string());
        }
    }
    assert_eq!(old.next(), None, "a line of the old file is gone:\n{after}");
    added
}

#[test]
fn set_changes_one_line_keeps_comments_and_builds() {
    let repo = built(&commented());
    let before = repo.read("kiln.toml");
    let run = repo
        .kiln(&["set", "services.users.version", "1.5.0"])
        .success()
        .stdout_has("kiln.toml: `services.users.version` = \"1.5.0\" (was \"1.4.2\")")
        .stdout_has("updated");
    let after = repo.read("kiln.toml");
    assert_eq!(
        changed_lines(&before, &after),
        [(
            "version = \"1.4.2\"   # bumped by the release bot".to_string(),
            "version = \"1.5.0\"   # bumped by the release bot".to_string()
        )],
        "{}",
        run.stdout
    );
    for env in ["dev", "prod"] {
        let deployment = repo.read(&format!("deploy/{env}/services/users/deployment.yaml"));
        assert!(
            deployment.contains("image: \"ghcr.io/acme/shop/users:1.5.0\""),
            "{deployment}"
        );
    }
    // What set built is what kiln.toml says now.
    repo.kiln(&["diff", "--exit-code"]).success();
    repo.kiln(&["check"]).success();
}

#[test]
fn set_replaces_an_integer_in_place() {
    let repo = built(&commented());
    let before = repo.read("kiln.toml");
    repo.kiln(&["set", "services.users.port", "8081"])
        .success()
        .stdout_has("`services.users.port` = 8081 (was 8080)");
    assert_eq!(
        changed_lines(&before, &repo.read("kiln.toml")),
        [("port    = 8080".to_string(), "port    = 8081".to_string())]
    );
    for file in ["deployment.yaml", "service.yaml", "networkpolicy.yaml"] {
        let text = repo.read(&format!("deploy/dev/services/users/{file}"));
        assert!(
            !text.contains("8080") && text.contains("8081"),
            "{file}:\n{text}"
        );
    }
}

#[test]
fn set_creates_the_environment_override_and_the_nested_key_when_absent() {
    let repo = built(&commented());
    let before = repo.read("kiln.toml");
    repo.kiln(&[
        "set",
        "services.users.environments.prod.env.LOG_LEVEL",
        "debug",
    ])
    .success()
    .stdout_has("`services.users.environments.prod.env.LOG_LEVEL` = \"debug\" (new)");
    let after = repo.read("kiln.toml");
    // The section sits with its service, before the next one.
    assert_eq!(
        after,
        before.replace(
            "\n[services.db]\n",
            "\n[services.users.environments.prod]\nenv = { LOG_LEVEL = \"debug\" }\n\n[services.db]\n"
        ),
    );
    let configmap = |env: &str| repo.read(&format!("deploy/{env}/services/users/configmap.yaml"));
    assert!(
        configmap("prod").contains("LOG_LEVEL: \"debug\""),
        "{}",
        configmap("prod")
    );
    assert!(
        configmap("dev").contains("LOG_LEVEL: \"info\""),
        "{}",
        configmap("dev")
    );

    // A second key lands in the section the first one made.
    repo.kiln(&["set", "services.users.environments.prod.replicas", "5"])
        .success();
    let again = repo.read("kiln.toml");
    assert_eq!(added_lines(&after, &again), ["replicas = 5"], "{again}");
    let deployment = repo.yaml("deploy/prod/services/users/deployment.yaml");
    assert_eq!(deployment["spec"]["replicas"], 5);
    repo.kiln(&["diff", "--exit-code"]).success();
}

#[test]
fn set_adds_a_key_to_an_inline_table() {
    let repo = built(SMALL);
    let before = repo.read("kiln.toml");
    repo.kiln(&["set", "services.users.env.FEATURE_X", "on"])
        .success();
    assert_eq!(
        changed_lines(&before, &repo.read("kiln.toml")),
        [(
            "env = { LOG_LEVEL = \"info\" }".to_string(),
            "env = { LOG_LEVEL = \"info\", FEATURE_X = \"on\" }".to_string()
        )]
    );
    assert!(
        repo.read("deploy/dev/services/users/configmap.yaml")
            .contains("FEATURE_X: \"on\"")
    );
}

#[test]
fn set_writes_a_number_as_a_string_where_kiln_toml_takes_one() {
    let repo = built(SMALL);
    repo.kiln(&["set", "services.users.version", "2.0"])
        .success()
        .stdout_has("`services.users.version` = \"2.0\"");
    assert!(repo.read("kiln.toml").contains("version = \"2.0\"\n"));
    // Quoted, a number is a string where kiln.toml takes a number too: refused.
    let before = repo.files();
    repo.kiln(&["set", "services.users.port", "\"8081\""])
        .fails_with(2)
        .stderr_has("wrong value for `services.users.port`");
    repo.assert_untouched(&before);
}

#[test]
fn set_refuses_a_bad_value_and_leaves_every_file_alone() {
    let repo = built(&commented());
    let before = repo.files();
    let run = repo
        .kiln(&["set", "environments.prod.replicas", "lots"])
        .fails_with(2)
        .stderr_has("wrong value for `environments.prod.replicas`: invalid type: string \"lots\"")
        .stderr_has("replicas = \"lots\"")
        .stderr_has("1 problem in `kiln.toml`; nothing was written");
    // The problem is shown at its line in the file as the edit would leave it.
    let line = commented()
        .lines()
        .position(|l| l == "replicas = 3")
        .unwrap()
        + 1;
    assert!(
        run.stderr.contains(&format!("--> kiln.toml:{line}:12")),
        "{}",
        run.stderr
    );
    repo.assert_untouched(&before);

    for (args, expected) in [
        (
            &["set", "services.userz.version", "1.5.0"][..],
            "unknown service `userz` in `services.userz.version`\n  = hint: did you mean `users`?",
        ),
        (
            &["set", "environments.prd.replicas", "2"][..],
            "unknown environment `prd` in `environments.prd.replicas`\n  = hint: did you mean `prod`?",
        ),
        (
            &["set", "services.users.environments.prd.replicas", "2"][..],
            "unknown environment `prd`",
        ),
        (
            &["set", "services.users.replcas", "2"][..],
            "unknown key `services.users.replcas`",
        ),
        (
            &["set", "services.users.port", "99999"][..],
            "`services.users.port` must be from 1 to 65535, not 99999",
        ),
        (
            &["set", "services.users.calls", "[\"dbb\"]"][..],
            "unknown service `dbb` in `services.users.calls[0]`",
        ),
        (
            &["set", "services.users.version.major", "2"][..],
            "`services.users.version` is a string, not a table, so `services.users.version.major` cannot be set",
        ),
        (
            &["set", "services.users.calls.first", "db"][..],
            "`services.users.calls` is an array, so `services.users.calls.first` cannot be set",
        ),
        (
            &["set", "services.users", "{ image = \"redis:7\" }"][..],
            "`services.users` is a table, not one value",
        ),
        (
            &["set", "services..version", "1"][..],
            "`services..version` is not a key of `kiln.toml`",
        ),
    ] {
        repo.kiln(args).fails_with(2).stderr_has(expected);
        repo.assert_untouched(&before);
    }
}

#[test]
fn set_stops_before_kiln_toml_changes_when_the_build_would_stop() {
    let repo = built(SMALL);
    let path = "deploy/dev/services/users/deployment.yaml";
    repo.write(path, &repo.read(path).replace("replicas: 1", "replicas: 2"));
    let before = repo.files();
    repo.kiln(&["set", "services.users.version", "1.5.0"])
        .fails_with(2)
        .stderr_has(path);
    repo.assert_untouched(&before);
}

#[test]
fn set_no_build_changes_only_kiln_toml() {
    let repo = built(SMALL);
    let before = repo.contents();
    repo.kiln(&["set", "services.users.version", "1.5.0", "--no-build"])
        .success()
        .stdout_has("next: run `kiln build`");
    let after = repo.contents();
    let changed: Vec<&String> = after
        .keys()
        .filter(|path| before.get(*path) != after.get(*path))
        .collect();
    assert_eq!(changed, ["kiln.toml"]);
    // The drift gate sees it until a build.
    repo.kiln(&["diff", "--exit-code", "--quiet"]).fails_with(1);
    repo.kiln(&["build"]).success();
    repo.kiln(&["diff", "--exit-code"]).success();
}

#[test]
fn set_to_the_same_value_changes_nothing_in_the_file() {
    let repo = built(&commented());
    let before = repo.read("kiln.toml");
    repo.kiln(&["set", "services.users.version", "1.4.2"])
        .success()
        .stdout_has("`services.users.version` is \"1.4.2\" already");
    assert_eq!(repo.read("kiln.toml"), before);
}
