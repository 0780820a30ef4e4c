//! Crash and concurrency safety: a `kiln build` killed at any moment leaves
//! every file whole (old or new), and the next build recovers without
//! reporting false hand edits; two writers never run at once.

use crate::Repo;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A config big enough that a build takes a while to write.
fn config(services: usize, version: &str) -> String {
    let mut text = String::from(
        "[project]\nname = \"crash\"\nregistry = \"ghcr.io/acme/crash\"\n\n[environments.dev]\n[environments.prod]\nreplicas = 3\n",
    );
    for i in 0..services {
        text.push_str(&format!(
            "\n[services.s{i}]\nlanguage = \"go\"\nversion = \"{version}\"\nport = 8080\nenv = {{ N = \"{i}\" }}\n"
        ));
    }
    text
}

/// What a clean build of `config` writes, by path.
fn clean_build(config: &str) -> BTreeMap<String, Vec<u8>> {
    let repo = Repo::with_config(config);
    repo.kiln(&["build"]).success();
    repo.contents()
        .into_iter()
        .filter(|(path, _)| path.starts_with("deploy/"))
        .collect()
}

fn kiln_binary() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("kiln")
}

#[test]
fn a_build_killed_at_any_moment_leaves_whole_files_and_recovers() {
    // Fewer services for the removed ones: the B side also deletes files.
    let (a, b) = (config(40, "1.0.0"), config(30, "2.0.0"));
    let (tree_a, tree_b) = (clean_build(&a), clean_build(&b));
    let repo = Repo::with_config(&a);
    repo.kiln(&["build"]).success();

    // How long an uninterrupted build from A to B takes, to spread the kills over it.
    repo.write("kiln.toml", &b);
    let start = Instant::now();
    repo.kiln(&["build"]).success();
    let full = start.elapsed().max(Duration::from_millis(20));

    let mut seed: u64 = 0x5eed;
    for round in 0..24 {
        let next = if round % 2 == 0 { &a } else { &b };
        repo.write("kiln.toml", next);
        // A deterministic spread of kill points from "at once" to "nearly done".
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = full.mul_f64((seed >> 33) as f64 / (1u64 << 31) as f64 * 1.2);
        let mut child = std::process::Command::new(kiln_binary())
            .arg("build")
            .current_dir(repo.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        for (path, bytes) in repo.contents() {
            if !path.starts_with("deploy/") || path.contains("/.kiln-") {
                continue;
            }
            let whole = tree_a.get(&path) == Some(&bytes) || tree_b.get(&path) == Some(&bytes);
            assert!(
                whole,
                "round {round}: {path} is neither its old nor its new content"
            );
        }
        // Every few rounds, a build of the *other* config runs to the end: files
        // the killed build wrote match neither the lock nor this render, and
        // must still not be taken for hand edits.
        if round % 3 == 2 {
            let (other, expected) = if round % 2 == 0 {
                (&b, &tree_b)
            } else {
                (&a, &tree_a)
            };
            repo.write("kiln.toml", other);
            let run = repo.kiln(&["build"]);
            assert_eq!(
                run.code, 0,
                "round {round}: recovery build failed:\n{}",
                run.stderr
            );
            let built: BTreeMap<String, Vec<u8>> = repo
                .contents()
                .into_iter()
                .filter(|(path, _)| path.starts_with("deploy/"))
                .collect();
            let differing: Vec<&String> = built
                .keys()
                .chain(expected.keys())
                .filter(|path| built.get(*path) != expected.get(*path))
                .collect();
            assert!(
                differing.is_empty(),
                "round {round}: the recovered tree differs from a clean build: {differing:?}"
            );
            assert!(
                !repo.exists("kiln.lock.pending"),
                "round {round}: the journal is gone"
            );
            repo.kiln(&["diff"]).success();
        }
    }
}

#[test]
fn a_second_writer_is_refused_while_the_repo_is_locked() {
    let repo = Repo::with_config(&config(2, "1.0.0"));
    repo.kiln(&["build"]).success();
    repo.write("kiln.toml", &config(2, "1.0.1"));
    let before = repo.files();
    // Hold the repo's lock the way a running kiln does.
    let directory = std::fs::File::open(repo.path()).unwrap();
    directory.lock().unwrap();
    let run = repo.kiln(&["build"]).fails_with(2);
    assert!(
        run.stderr
            .starts_with("error: another kiln command is writing in `.`; nothing was written\n"),
        "{}",
        run.stderr
    );
    repo.kiln(&["eject", "deploy/dev/kustomization.yaml"])
        .fails_with(2)
        .stderr_has("another kiln command");
    repo.assert_untouched(&before);
    // Reading is never blocked.
    repo.kiln(&["build", "--dry-run"]).success();
    repo.kiln(&["diff"]).fails_with(1);
    directory.unlock().unwrap();
    repo.kiln(&["build"]).success();
}

#[test]
fn two_builds_at_once_never_interleave() {
    let (a, b) = (config(40, "1.0.0"), config(40, "2.0.0"));
    let tree_b = clean_build(&b);
    let repo = Repo::with_config(&a);
    repo.kiln(&["build"]).success();
    repo.write("kiln.toml", &b);
    let spawn = || {
        std::process::Command::new(kiln_binary())
            .arg("build")
            .current_dir(repo.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    let outcomes: Vec<std::process::Output> = [first, second]
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for outcome in &outcomes {
        let code = outcome.status.code();
        let stderr = String::from_utf8_lossy(&outcome.stderr);
        assert!(
            code == Some(0) || (code == Some(2) && stderr.contains("another kiln command")),
            "{code:?}: {stderr}"
        );
    }
    let built: BTreeMap<String, Vec<u8>> = repo
        .contents()
        .into_iter()
        .filter(|(path, _)| path.starts_with("deploy/"))
        .collect();
    assert!(built == tree_b, "the tree is the last config's, whole");
    repo.kiln(&["build"]).success();
    repo.kiln(&["diff"]).success();
}
