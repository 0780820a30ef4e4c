//! `.kiln/cache`: a build with nothing to do, or a diff with nothing to
//! show, skips the render when the cache proves nothing changed. These
//! tests warm the cache, then change one thing at a time and check that
//! kiln still sees it, exactly as it does without a cache.

use crate::{Repo, SMALL, built};
use std::time::Duration;

const STATE: &str = ".kiln/cache/state";
const SERVICE: &str = "deploy/dev/services/users/service.yaml";

/// A built repo whose cache the next command can trust: a stamp as new as
/// the cache itself is not trusted, so let the clock move past both.
fn warm(config: &str) -> Repo {
    let repo = built(config);
    let pause = || std::thread::sleep(Duration::from_millis(30));
    pause();
    repo.kiln(&["build"]).success();
    pause();
    assert!(repo.exists(STATE), "a build records the cache");
    repo
}

fn listed(repo: &Repo) -> Vec<String> {
    repo.read(STATE)
        .lines()
        .filter_map(|line| line.strip_prefix("file "))
        .filter_map(|rest| rest.split_once(' ').map(|(_, path)| path.to_string()))
        .collect()
}

#[test]
fn the_cache_covers_every_generated_file_and_is_ignored_by_git() {
    let repo = warm(SMALL);
    let lock = repo.read("kiln.lock");
    let files = listed(&repo);
    assert!(files.contains(&SERVICE.to_string()));
    for path in &files {
        assert!(lock.contains(&format!("[files.\"{path}\"]")), "{path}");
    }
    assert_eq!(files.len(), lock.matches("[files.").count());
    assert_eq!(repo.read(".kiln/cache/.gitignore"), "*\n");
}

#[test]
fn a_warm_build_reports_what_a_cold_one_does() {
    let repo = warm(SMALL);
    let warm_run = repo.kiln(&["build", "--dry-run"]).success().stdout;
    let warm_build = repo.kiln(&["build"]).success().stdout;
    std::fs::remove_dir_all(repo.path().join(".kiln/cache")).unwrap();
    assert_eq!(
        repo.kiln(&["build", "--dry-run"]).success().stdout,
        warm_run
    );
    assert_eq!(repo.kiln(&["build"]).success().stdout, warm_build);
    assert!(warm_build.ends_with(" unchanged\n"), "{warm_build}");
}

#[test]
fn a_warm_cache_still_sees_a_hand_edit() {
    let repo = warm(SMALL);
    repo.write(SERVICE, &format!("{}# mine\n", repo.read(SERVICE)));
    repo.kiln(&["diff"])
        .fails_with(1)
        .stdout_has(&format!("diff {SERVICE} (edited by hand)"));
    repo.kiln(&["build"]).fails_with(2).stderr_has(SERVICE);
    assert!(repo.read(SERVICE).ends_with("# mine\n"), "the edit is kept");
}

#[test]
fn a_warm_cache_still_sees_a_deleted_file() {
    let repo = warm(SMALL);
    let before = repo.read(SERVICE);
    std::fs::remove_file(repo.path().join(SERVICE)).unwrap();
    repo.kiln(&["diff"])
        .fails_with(1)
        .stdout_has(&format!("diff {SERVICE} (created)"));
    repo.kiln(&["build"])
        .success()
        .stdout_has(&format!("create     {SERVICE}"));
    assert_eq!(repo.read(SERVICE), before);
}

#[test]
fn a_warm_cache_still_sees_a_config_change() {
    let repo = warm(SMALL);
    repo.write("kiln.toml", &SMALL.replace("1.4.2", "1.5.0"));
    repo.kiln(&["diff"])
        .fails_with(1)
        .stdout_has("+          image: \"ghcr.io/acme/shop/users:1.5.0\"");
    repo.kiln(&["build"])
        .success()
        .stdout_has("update     deploy/dev/services/users/deployment.yaml");
}

#[test]
fn a_warm_cache_still_sees_a_new_template_override() {
    let repo = warm(SMALL);
    let name = "k8s/service.yaml.tera";
    repo.kiln(&["templates", "eject", name]).success();
    let own = format!(".kiln/templates/{name}");
    repo.write(&own, &format!("# ours\n{}", repo.read(&own)));
    repo.kiln(&["diff"]).fails_with(1).stdout_has("+# ours");
}

#[test]
fn a_warm_cache_still_sees_an_ejected_file() {
    let repo = warm(SMALL);
    repo.kiln(&["eject", SERVICE]).success();
    std::thread::sleep(Duration::from_millis(30));
    repo.kiln(&["build"]).success();
    std::thread::sleep(Duration::from_millis(30));
    repo.write(SERVICE, "# all mine now\n");
    repo.kiln(&["diff"]).success();
    repo.kiln(&["build", "--dry-run"])
        .success()
        .stdout_has(&format!("ejected    {SERVICE}"));
    assert_eq!(repo.read(SERVICE), "# all mine now\n");
}

#[test]
fn diff_reads_the_cache_but_never_writes_it() {
    let cold = built(SMALL);
    std::fs::remove_dir_all(cold.path().join(".kiln/cache")).unwrap();
    cold.kiln(&["diff"]).success();
    assert!(!cold.exists(".kiln/cache"), "diff wrote a cache");

    let repo = warm(SMALL);
    let path = repo.path().join(STATE);
    let before = (
        repo.read(STATE),
        std::fs::metadata(&path).unwrap().modified().unwrap(),
    );
    repo.kiln(&["diff"]).success();
    repo.write(SERVICE, "# drifted\n");
    repo.kiln(&["diff"]).fails_with(1);
    let after = (
        repo.read(STATE),
        std::fs::metadata(&path).unwrap().modified().unwrap(),
    );
    assert_eq!(before, after);
}

#[test]
fn a_broken_or_foreign_cache_is_ignored() {
    for garbage in [
        "",
        "kiln-cache 1\ninputs x\n",
        "kiln-cache 1\n\u{0}\u{ff}",
        "kiln-cache 9\n",
    ] {
        let repo = warm(SMALL);
        std::fs::write(repo.path().join(STATE), garbage).unwrap();
        repo.write(SERVICE, "# drifted\n");
        repo.kiln(&["diff"])
            .fails_with(1)
            .stdout_has("(edited by hand)");
        repo.kiln(&["build", "--force"])
            .success()
            .stdout_has(&format!("update     {SERVICE}"));
    }
}

#[test]
fn a_replaced_lock_is_not_trusted() {
    let repo = warm(SMALL);
    // As a `git checkout` of an older lock would: same files, one entry short.
    let lock = repo.read("kiln.lock");
    let header = format!("[files.\"{SERVICE}\"]\n");
    let start = lock.find(&header).unwrap();
    let end = start + lock[start..].find("\n\n").unwrap() + 2;
    repo.write("kiln.lock", &format!("{}{}", &lock[..start], &lock[end..]));
    repo.kiln(&["build"]).success();
    assert_eq!(repo.read("kiln.lock"), lock, "the build restored the lock");
}
