//! kiln's integration tests: every test drives the real binary in a
//! temporary repo and checks its exit code, its words and the files it leaves.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

mod action;
mod ambient;
mod apps;
mod build;
mod cache;
mod cli;
mod cluster;
mod compose;
mod crash;
mod crosscheck;
mod custom;
mod delivery;
mod diff;
mod dotnet;
mod drift;
mod edges;
mod eject;
mod enabled;
mod errors;
mod fluentconf;
mod gateway;
mod golden;
mod hostile;
mod layers;
mod machine;
mod output;
mod patches;
mod platform;
mod podspec;
mod posture;
mod prereqs;
mod presets_repo;
mod properties;
mod release;
mod render;
mod route_policies;
mod routes;
mod set;
mod shape;
mod snippets;
mod structure;
mod untrusted_overrides;
mod untrusted_repo;
mod versions;

/// A temporary repo to run kiln in.
pub struct Repo {
    dir: tempfile::TempDir,
}

/// What one kiln run did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub fn success(self) -> Self {
        assert_eq!(
            self.code, 0,
            "kiln failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn fails_with(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(self, text: &str) -> Self {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(self, text: &str) -> Self {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}:\n{}",
            self.stdout
        );
        self
    }
}

/// The starter config `kiln init` writes, for tests that need a full app.
pub const STARTER: &str = include_str!("../presets/apps/starter/kiln.toml");

/// A small config with one web service calling one database.
pub const SMALL: &str = r#"
[project]
name = "shop"
registry = "ghcr.io/acme/shop"

[environments.dev]
[environments.prod]
replicas = 3

[services.users]
language = "node"
version = "1.4.2"
port = 8080
route = "/users"
calls = ["db"]
env = { LOG_LEVEL = "info" }

[services.db]
kind = "stateful"
image = "postgres:16.4"
port = 5432
storage = "5Gi"
"#;

/// A routed web service `users` in one environment `dev` under `project`
/// lines, for the traffic tests to add their keys to.
pub fn routed_users(project: &str) -> String {
    format!(
        r#"
[project]
name = "shop"
registry = "ghcr.io/acme/shop"
monitoring = false
logging = false
{project}

[environments.dev]
domain = "dev.shop.example.com"

[services.users]
language = "node"
version = "1.4.2"
port = 8080
route = "/users"
"#
    )
}

/// SMALL without its database, as if the service had been removed.
pub fn small_without_db() -> String {
    SMALL
        .replace("calls = [\"db\"]\n", "")
        .split("[services.db]")
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A repo holding `config`, built once.
pub fn built(config: &str) -> Repo {
    let repo = Repo::with_config(config);
    repo.kiln(&["build"]).success();
    repo
}

impl Default for Repo {
    fn default() -> Self {
        Repo::new()
    }
}

impl Repo {
    pub fn new() -> Repo {
        Repo {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn with_config(config: &str) -> Repo {
        let repo = Repo::new();
        repo.write("kiln.toml", config);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, path: &str, contents: &str) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, contents).unwrap();
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.path().join(path))
            .unwrap_or_else(|e| panic!("reading {path}: {e}"))
    }

    pub fn exists(&self, path: &str) -> bool {
        self.path().join(path).exists()
    }

    pub fn kiln(&self, args: &[&str]) -> Run {
        let output = assert_cmd::Command::cargo_bin("kiln")
            .expect("kiln binary")
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("run kiln");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// What the shell completes for `words` (the last is the word being
    /// typed), asked of kiln as its bash script asks: `COMPLETE=bash kiln --
    /// WORDS...` with the index of that word.
    pub fn complete(&self, words: &[&str]) -> Vec<String> {
        self.complete_in(self.path(), words)
    }

    /// The same, with the shell in `dir`.
    pub fn complete_in(&self, dir: &Path, words: &[&str]) -> Vec<String> {
        let output = assert_cmd::Command::cargo_bin("kiln")
            .expect("kiln binary")
            .arg("--")
            .args(words)
            .current_dir(dir)
            .env("COMPLETE", "bash")
            .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
            .env("_CLAP_IFS", "\n")
            .output()
            .expect("run kiln");
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        assert!(output.stderr.is_empty(), "{output:?}");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Every file in the repo with its contents and modification time.
    pub fn files(&self) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
        let mut files = BTreeMap::new();
        walk(self.path(), self.path(), &mut files);
        files
    }

    /// Asserts that no file was added, removed or rewritten since `before`.
    #[track_caller]
    pub fn assert_untouched(&self, before: &BTreeMap<String, (Vec<u8>, SystemTime)>) {
        let after = self.files();
        let changed: Vec<&String> = before
            .keys()
            .chain(after.keys())
            .filter(|path| before.get(*path) != after.get(*path))
            .collect();
        assert!(changed.is_empty(), "files were written: {changed:?}");
    }

    /// Every file in the repo with its contents.
    pub fn contents(&self) -> BTreeMap<String, Vec<u8>> {
        self.files()
            .into_iter()
            .map(|(path, (bytes, _))| (path, bytes))
            .collect()
    }

    /// Generated YAML files under `deploy/`, by repo-relative path.
    pub fn manifests(&self) -> BTreeMap<String, String> {
        self.contents()
            .into_iter()
            .filter(|(path, _)| path.starts_with("deploy/") && path.ends_with(".yaml"))
            .map(|(path, bytes)| (path, String::from_utf8(bytes).unwrap()))
            .collect()
    }

    /// Parses one generated file as a single YAML document.
    pub fn yaml(&self, path: &str) -> serde_yaml::Value {
        serde_yaml::from_str(&self.read(path)).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
    }
}

/// Every file under `dir` but kiln's cache, which is machine-local and
/// git-ignored: not output (the cache tests look at it directly). A
/// symlink is listed with its target as contents, never followed.
pub fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, (Vec<u8>, SystemTime)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path: PathBuf = entry.path();
        if path == root.join(".kiln/cache") {
            continue;
        }
        let kind = entry.file_type().unwrap();
        let relative = || {
            path.strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        };
        if kind.is_symlink() {
            let target = std::fs::read_link(&path).unwrap();
            let modified = std::fs::symlink_metadata(&path)
                .unwrap()
                .modified()
                .unwrap();
            let contents = format!("-> {}", target.display()).into_bytes();
            out.insert(relative(), (contents, modified));
        } else if kind.is_dir() {
            walk(root, &path, out);
        } else if !kind.is_file() {
            let modified = std::fs::symlink_metadata(&path)
                .unwrap()
                .modified()
                .unwrap();
            out.insert(relative(), (b"(special file)".to_vec(), modified));
        } else {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let modified = entry.metadata().unwrap().modified().unwrap();
            out.insert(relative, (std::fs::read(&path).unwrap(), modified));
        }
    }
}
