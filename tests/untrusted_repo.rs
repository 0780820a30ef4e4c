//! A pull request is untrusted input: a repo whose lock, journal, cache
//! and tree were written by an attacker. Each test builds the attack in a
//! temp dir beside a sentinel directory outside the repo, and checks that
//! the sentinel is untouched, that nothing outside was read into the
//! output, the exit code and the message.

use crate::{Repo, SMALL, built};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

type Snapshot = BTreeMap<String, (Vec<u8>, SystemTime)>;

/// What an attacker would love to read or destroy, outside the repo.
const SECRET: &str = "TOP-SECRET-TOKEN-4f1c";

/// A directory outside the repo, with files kiln must never touch.
struct Outside {
    dir: tempfile::TempDir,
}

impl Outside {
    fn new() -> Outside {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in [
            ("secret.txt", SECRET),
            ("sub/x", SECRET),
            ("state", "the owner's own file called state\n"),
            (".gitignore", "owner's ignore file\n"),
            ("deployment.yaml", "owner's deployment.yaml\n"),
        ] {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        Outside { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn snapshot(&self) -> Snapshot {
        let mut files = BTreeMap::new();
        crate::walk(self.path(), self.path(), &mut files);
        files
    }

    #[track_caller]
    fn assert_untouched(&self, before: &Snapshot) {
        let after = self.snapshot();
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>(),
            "files appeared or vanished outside the repo"
        );
        assert!(before == &after, "files outside the repo were rewritten");
    }
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Appends lock entries for `paths`, each with the given file's real hash
/// (a public value: anyone can compute it from the repo).
fn add_lock_entries(repo: &Repo, file: &str, entries: &[(&str, &str)]) {
    let mut lock = if repo.exists(file) {
        repo.read(file)
    } else {
        "version = 2\n".to_string()
    };
    for (path, contents) in entries {
        lock.push_str(&format!(
            "\n[files.\"{path}\"]\nsha256 = \"{}\"\n",
            sha256(contents)
        ));
    }
    repo.write(file, &lock);
}

/// kiln with a deadline: an attack that makes it hang fails the test
/// instead of hanging the suite. Not a speed test: every case here
/// finishes in well under a second.
fn kiln_within(repo: &Repo, args: &[&str]) -> crate::Run {
    let output = assert_cmd::Command::cargo_bin("kiln")
        .unwrap()
        .args(args)
        .current_dir(repo.path())
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        output.status.code().is_some(),
        "kiln {args:?} hung or was killed: {output:?}"
    );
    crate::Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn a_lock_that_names_the_config_git_or_source_deletes_nothing() {
    let repo = built(SMALL);
    repo.write(".git/HEAD", "ref: refs/heads/main\n");
    repo.write("services/users/src/main.go", "package main\n");
    let config = repo.read("kiln.toml");
    add_lock_entries(
        &repo,
        "kiln.lock",
        &[
            ("kiln.toml", &config),
            (".git/HEAD", "ref: refs/heads/main\n"),
            ("services/users/src/main.go", "package main\n"),
        ],
    );
    let before = repo.files();
    for args in [&["build"][..], &["build", "--force"], &["diff"]] {
        let run = repo.kiln(args).fails_with(2);
        for path in ["kiln.toml", ".git/HEAD", "services/users/src/main.go"] {
            assert!(
                run.stderr.contains(&format!(
                    "error: `kiln.lock` names `{path}`, but it is not a file kiln generates"
                )),
                "{args:?} {path}:\n{}",
                run.stderr
            );
        }
        assert!(run.stderr.contains("--> kiln.lock:"), "{}", run.stderr);
        assert!(
            run.stderr
                .contains("3 problems in `kiln.lock`; nothing was written"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("git checkout -- kiln.lock"));
        repo.assert_untouched(&before);
    }
}

#[test]
fn a_lock_entry_through_a_symlink_out_of_the_repo_is_refused() {
    let outside = Outside::new();
    let before = outside.snapshot();
    let repo = built(SMALL);
    symlink(outside.path(), repo.path().join("evil"));
    add_lock_entries(&repo, "kiln.lock", &[("evil/sub/x", SECRET)]);
    let run = repo.kiln(&["build", "--force"]).fails_with(2);
    run.stderr_has("`kiln.lock` names `evil/sub/x`, but it is not a file kiln generates");
    outside.assert_untouched(&before);

    // The same through a directory kiln does generate.
    let repo = built(SMALL);
    std::fs::remove_dir_all(repo.path().join("deploy")).unwrap();
    symlink(outside.path(), repo.path().join("deploy"));
    let repo_before = repo.files();
    for args in [&["build", "--force"][..], &["diff"]] {
        let run = repo.kiln(args).fails_with(2);
        assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
        run.stderr_has("kiln will not touch these paths:")
            .stderr_has("`deploy` on its way is a symlink");
    }
    outside.assert_untouched(&before);
    repo.assert_untouched(&repo_before);
}

#[test]
fn a_generated_directory_that_is_a_symlink_gets_nothing_written_into_it() {
    let outside = Outside::new();
    let before = outside.snapshot();
    let repo = Repo::with_config(SMALL);
    std::fs::create_dir_all(repo.path().join("deploy/dev/services")).unwrap();
    symlink(
        outside.path(),
        repo.path().join("deploy/dev/services/users"),
    );
    let run = repo.kiln(&["build"]).fails_with(2);
    run.stderr_has("`deploy/dev/services/users/deployment.yaml`: `deploy/dev/services/users` on its way is a symlink")
        .stderr_has("nothing was written");
    outside.assert_untouched(&before);
    assert!(!repo.exists("kiln.lock"));
    assert!(!repo.exists("kiln.lock.pending"));
    // diff reads nothing through it either, and names the same link.
    repo.kiln(&["diff"])
        .fails_with(2)
        .stderr_has("`deploy/dev/services/users` on its way is a symlink");
    outside.assert_untouched(&before);
}

#[test]
fn a_lock_entry_outside_the_repo_is_never_printed_by_diff() {
    let outside = Outside::new();
    let secret = outside.path().join("secret.txt");
    let repo = built(SMALL);
    let relative = format!(
        "{}/secret.txt",
        std::iter::repeat_n("..", repo.path().components().count())
            .collect::<Vec<_>>()
            .join("/")
    );
    let absolute = secret.display().to_string();
    add_lock_entries(
        &repo,
        "kiln.lock",
        &[(&absolute, SECRET), (&relative, SECRET)],
    );
    for args in [&["diff"][..], &["diff", "--stat"], &["build"]] {
        let run = repo.kiln(args).fails_with(2);
        assert!(
            !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
            "{args:?} printed the outside file"
        );
        run.stderr_has("it is not a plain relative path inside the repo");
    }
}

#[test]
fn a_symlinked_cache_is_ignored_and_what_it_points_at_untouched() {
    let outside = Outside::new();
    let before = outside.snapshot();
    let repo = Repo::with_config(SMALL);
    std::fs::create_dir_all(repo.path().join(".kiln")).unwrap();
    symlink(outside.path(), repo.path().join(".kiln/cache"));
    repo.kiln(&["build"]).success();
    let again = repo.kiln(&["build"]).success().stdout_has("unchanged");
    assert!(!again.stdout.contains("created"), "{}", again.stdout);
    repo.kiln(&["diff", "--exit-code"]).success();
    outside.assert_untouched(&before);
}

#[test]
fn a_crafted_journal_is_refused_before_anything_is_swept() {
    let outside = Outside::new();
    let before = outside.snapshot();
    let repo = built(SMALL);
    let absolute = outside.path().join("sub/x").display().to_string();
    add_lock_entries(
        &repo,
        "kiln.lock.pending",
        &[("../../sub/x", SECRET), (&absolute, SECRET)],
    );
    let repo_before = repo.files();
    let run = repo.kiln(&["build"]).fails_with(2);
    run.stderr_has("`kiln.lock.pending` names `../../sub/x`, but it is not a plain relative path")
        .stderr_has("2 problems in `kiln.lock.pending`");
    outside.assert_untouched(&before);
    repo.assert_untouched(&repo_before);
}

#[test]
fn the_recovery_sweep_removes_only_kilns_own_temporary_files() {
    let repo = built(SMALL);
    // A killed build's journal: the lock it was writing.
    repo.write("kiln.lock.pending", &repo.read("kiln.lock"));
    let users = "deploy/dev/services/users";
    for own in [
        "services/users/.kiln-dev.env",
        "services/users/.kiln-backup",
        &format!("{users}/.kiln-notes"),
        ".kiln-123",
    ] {
        repo.write(own, "the user's own file\n");
    }
    for leftover in [
        format!("{users}/.kiln-99999-3"),
        "deploy/prod/services/db/.kiln-4242-0".to_string(),
        ".kiln-4242-1".to_string(),
    ] {
        repo.write(&leftover, "half a file");
    }
    repo.kiln(&["build"]).success();
    for own in [
        "services/users/.kiln-dev.env",
        "services/users/.kiln-backup",
        &format!("{users}/.kiln-notes"),
        ".kiln-123",
    ] {
        assert_eq!(repo.read(own), "the user's own file\n", "{own}");
    }
    for leftover in [
        format!("{users}/.kiln-99999-3"),
        "deploy/prod/services/db/.kiln-4242-0".to_string(),
        ".kiln-4242-1".to_string(),
    ] {
        assert!(!repo.exists(&leftover), "{leftover} was left behind");
    }
    assert!(!repo.exists("kiln.lock.pending"));
}

#[test]
fn temporary_files_of_a_killed_write_without_journal_are_swept() {
    let repo = built(SMALL);
    // What a killed `kiln eject` (or a killed cache write) leaves behind.
    repo.write(".kiln-31337-0", "half a lock");
    repo.kiln(&["build"]).success();
    assert!(!repo.exists(".kiln-31337-0"));
}

#[test]
fn a_directory_where_a_lock_entry_points_stops_the_build_before_it_starts() {
    let repo = built(SMALL);
    let target = "deploy/dev/services/users/deployment.yaml";
    std::fs::remove_file(repo.path().join(target)).unwrap();
    std::fs::create_dir(repo.path().join(target)).unwrap();
    let before = repo.files();
    for _ in 0..2 {
        // The same clear message every time: no half-applied build, no journal.
        repo.kiln(&["build", "--force"])
            .fails_with(2)
            .stderr_has(&format!("`{target}`: it is a directory"));
        assert!(!repo.exists("kiln.lock.pending"));
        repo.assert_untouched(&before);
    }
    std::fs::remove_dir(repo.path().join(target)).unwrap();
    repo.kiln(&["build"]).success().stdout_has("1 created");
}

#[test]
fn a_file_where_a_generated_directory_belongs_stops_the_build_before_it_starts() {
    let repo = Repo::with_config(SMALL);
    repo.write("deploy/dev/services", "not a directory\n");
    let before = repo.files();
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`deploy/dev/services` on its way is not a regular file");
    repo.assert_untouched(&before);
    std::fs::remove_file(repo.path().join("deploy/dev/services")).unwrap();
    repo.kiln(&["build"]).success();
}

#[test]
fn fifos_and_devices_never_hang_kiln() {
    // kiln.toml, kiln.lock, the journal and a generated file, each as a
    // FIFO and as a link to /dev/zero.
    for path in [
        "kiln.toml",
        "kiln.lock",
        "kiln.lock.pending",
        "deploy/dev/services/users/deployment.yaml",
    ] {
        for fifo in [true, false] {
            let repo = built(SMALL);
            let full = repo.path().join(path);
            std::fs::remove_file(&full).ok();
            if fifo {
                mkfifo(&full);
            } else {
                symlink("/dev/zero", &full);
            }
            for args in [&["build"][..], &["diff"], &["check"]] {
                if args == ["check"] && path != "kiln.toml" {
                    continue;
                }
                let run = kiln_within(&repo, args);
                assert_eq!(run.code, 2, "{path} {fifo} {args:?}: {}", run.stderr);
                let what = if fifo { "a FIFO" } else { "a symlink" };
                run.stderr_has(&format!("it is {what}"));
            }
        }
    }
}

#[test]
fn diff_against_a_tree_of_symlink_loops_ends_at_once() {
    let outside = Outside::new();
    let repo = built(SMALL);
    let other = tempfile::tempdir().unwrap();
    let deploy = other.path().join("deploy/dev");
    std::fs::create_dir_all(&deploy).unwrap();
    for name in ["x", "y", "z"] {
        symlink(".", deploy.join(name));
    }
    symlink(
        outside.path().join("secret.txt"),
        deploy.join("kustomization.yaml"),
    );
    let against = other.path().display().to_string();
    let run = kiln_within(&repo, &["diff", "--against", &against]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
    run.stderr_has("`deploy/dev/x`: it is a symlink")
        .stderr_has("`deploy/dev/kustomization.yaml`: it is a symlink");
}

#[test]
fn a_cache_whose_file_list_disagrees_with_the_lock_is_not_trusted() {
    let repo = built(SMALL);
    // A second build records the cache with every stamp settled.
    std::thread::sleep(Duration::from_millis(20));
    repo.kiln(&["build"]).success();
    let state = repo.path().join(".kiln/cache/state");
    let text = std::fs::read_to_string(&state).unwrap();
    let dropped = "deploy/dev/services/users/service.yaml";
    let tampered: String = text
        .lines()
        .filter(|line| !line.ends_with(&format!(" {dropped}")))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_ne!(text, tampered, "the cache lists {dropped}");
    std::fs::write(&state, tampered).unwrap();
    std::fs::remove_file(repo.path().join(dropped)).unwrap();
    repo.kiln(&["build"])
        .success()
        .stdout_has(&format!("create     {dropped}"))
        .stdout_has("1 created");
}
